"""Fair and bounded: one team flooding comparisons (and a slow views.open) never starves another;
a team over its queue bound is refused in the ack, ephemerally; over-budget requests are refused with
the limit named; no Web API call happens inside an ack."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_reliability_harness import seed_team, served_bot

SLACK_BOUND_S = 3.0


def _answer_latency(bot, team: str, channel: str, text: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from sending `/alvh text` to its answer reaching the (fake) Slack channel."""
    before = len(bot.slack.channel_posts(channel))
    t0 = time.monotonic()
    status, body, _ = bot.command(text, team=team, user=f"U{team}", channel=channel)
    assert status == 200 and body == b"", body
    bot.slack.recorder.wait_for(lambda calls: sum(  # the predicate runs under the recorder's lock
        c.method == "chat.postMessage" and c.ok and c.args.get("channel") == channel and not c.args.get("thread_ts")
        for c in calls) > before, timeout=30)
    return time.monotonic() - t0


def test_a_team_flooding_compares_does_not_starve_another(tmp_path: Path) -> None:
    with served_bot(tmp_path, compare_paths=20_000, team_queue=10, workers=4, team_concurrency=2) as bot:
        seed_team(bot.store, "TA", "CA", "UTA")
        seed_team(bot.store, "TB", "CB", "UTB")
        flood = 16
        with ThreadPoolExecutor(max_workers=flood) as pool:
            acks = list(pool.map(lambda i: bot.command("compare paths 20000", team="TA", user="UTA", channel="CA"),
                                 range(flood)))
        assert all(status == 200 for status, _, _ in acks)
        refused = [body for _, body, _ in acks if body.startswith(b"Refused")]
        queued = [body for _, body, _ in acks if body.startswith(b"Queued")]
        assert len(refused) >= flood - 10 - 2, [b[:80] for _, b, _ in acks]  # at most ~2 finished meanwhile
        assert queued, "requests waiting behind the team's running ones are told they are queued"
        assert b"at most 10" in refused[0]

        latencies = []
        for _ in range(8):  # team B keeps asking while A's comparisons run
            latencies.append(_answer_latency(bot, "TB", "CB", "list"))
            time.sleep(0.3)
        running_a = bot.store.job_counts("TA")
        bot.drain(timeout=120)
        assert max(latencies) < SLACK_BOUND_S, latencies
        assert running_a.get("queued", 0) + running_a.get("running", 0) > 0, "A's flood was over before B asked"
        # every accepted compare of A was answered once; refused ones posted nothing
        a_posts = [p for p in bot.slack.channel_posts("CA") if "Management choices" in p["text"]]
        assert len(a_posts) == flood - len(refused)
        jobs_a = bot.store.jobs("TA")
        assert len(jobs_a) == flood - len(refused) and {j["status"] for j in jobs_a} == {"done"}
        print(f"fairness: B's list answered in max {max(latencies):.2f} s (median "
              f"{sorted(latencies)[len(latencies) // 2]:.2f} s) while A ran {flood - len(refused)} compares "
              f"of 20,000 paths; {len(refused)} of A's refused at the queue bound")


def test_slow_views_open_does_not_delay_other_acks(tmp_path: Path) -> None:
    """views.open held 2 s by a slow Web API for 4 users of team A: acks stay immediate (the modal
    opens from a worker; an ack calling views.open would take the full 2 s) and team B is still
    answered within Slack's bound."""
    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "TB", "CB", "UTB")
        bot.slack.delays["views.open"] = 2.0
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            acks = list(pool.map(lambda i: bot.command("open", team="TA", user=f"U{i}", channel="CA"), range(4)))
        ack_time = time.monotonic() - t0
        assert all(status == 200 for status, _, _ in acks)
        assert ack_time < 1.5, f"4 acks took {ack_time:.2f} s"
        assert _answer_latency(bot, "TB", "CB", "list") < SLACK_BOUND_S
        bot.slack.recorder.wait_count("views.open", 4, timeout=60)


def test_budget_caps_paths_and_path_days_with_a_clear_message(tmp_path: Path) -> None:
    with served_bot(tmp_path, max_paths=50_000, max_path_days=2_000_000) as bot:
        seed_team(bot.store, "T1")
        status, body, _ = bot.command("compare paths 2000000")
        assert status == 200 and b"paths 2,000,000 is above this bot's limit of 50,000" in body
        assert bot.store.jobs() == []  # refused in the ack: nothing queued, nothing computed
        # a condor 3,500 days out: 20,000 paths x 3,500 days is over the budget
        far = seed_team(bot.store, "T1", condor="SPX IC 5600/5650/6150/6200 3500DTE x1 @40")
        status, body, _ = bot.command(f"compare {far} paths 20000")
        assert status == 200
        calls = bot.slack.recorder.wait_for(lambda cs: any(c.method == "response_url" for c in cs))
        told = [c.args["text"] for c in calls if c.method == "response_url"][0]
        assert "20,000 paths x 3,500 days to expiry is above this bot's budget of 2,000,000" in told
        assert "paths 570" in told  # what would fit (2,000,000 // 3,500 rounded to whole pairs)
        bot.drain()
        assert bot.store.analyses("T1", far) == []
