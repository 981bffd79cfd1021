"""Load: 240 concurrent slash commands and thread messages from four teams against the app under
waitress on loopback (plus Slack retries of some events). Every request is acknowledged with 200, every
message is stored exactly once and every answer lands in the right thread. (How fast the acks come back,
against Slack's 3-second bound, is measured in bench/bench_load.py, not asserted here.)"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_reliability_harness import message_event, seed_team, served_bot

TEAMS = ["TA", "TB", "TC", "TD"]
COMMANDS_PER_TEAM = 30
EVENTS_PER_TEAM = 30


def test_concurrent_commands_and_thread_messages(tmp_path: Path) -> None:
    # the per-workspace queue bound is raised: this test is about 60+ requests per team all answered
    with served_bot(tmp_path, threads=8, team_queue=500) as bot:
        bot.client_timeout = 120.0
        threads: dict[str, str] = {}
        for i, team in enumerate(TEAMS):
            pid = seed_team(bot.store, team, f"C{team}", f"U{team}")
            threads[team] = f"16000000{i:02d}.000100"  # not a ts the fake Slack hands out
            bot.store.link_thread(team, f"C{team}", threads[team], pid)
        marks_before = {t: len(list(bot.store.db.query("SELECT id FROM marks WHERE team_id = ?", [t])))
                        for t in TEAMS}

        jobs = []
        for k in range(max(COMMANDS_PER_TEAM, EVENTS_PER_TEAM)):
            for team in TEAMS:
                if k < COMMANDS_PER_TEAM:
                    spot = 5000 + k
                    jobs.append(("cmd", team, f"mark spot {spot} vix {15 + k % 10}", None))
                if k < EVENTS_PER_TEAM:
                    ev = message_event(team, f"C{team}", f"U{team}", "explain gamma", f"1700001{k:03d}.0001{TEAMS.index(team)}",
                                       threads[team], f"Ev{team}{k}")
                    jobs.append(("event", team, ev, None))
                    if k % 5 == 0:  # Slack retries one event in five
                        jobs.append(("event", team, ev, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))

        def send(job):  # type: ignore[no-untyped-def]
            kind, team, payload, headers = job
            t0 = time.monotonic()
            if kind == "cmd":
                status = bot.command(payload, team=team, user=f"U{team}", channel=f"C{team}")[0]
            else:
                status = bot.event(payload, headers)[0]
            return status, time.monotonic() - t0

        t_start = time.monotonic()
        with ThreadPoolExecutor(max_workers=64) as pool:
            results = list(pool.map(send, jobs))
        bot.drain()
        t_done = time.monotonic() - t_start

        assert len(jobs) >= 200
        assert all(status == 200 for status, _ in results)
        latencies = sorted(latency for _, latency in results)
        median = latencies[len(latencies) // 2]
        # how fast the acks come back is a speed, measured in bench/bench_load.py (p50/p99 against Slack's
        # 3 s, beside a bare route), not asserted here: on a slowed shared 2-core machine this burst's median
        # ack went from well under 1 s to 8.5-9.5 s on the same code (a GIL convoy behind the workers)
        print(f"acks: median {median:.2f} s, slowest {latencies[-1]:.2f} s; all answered after {t_done:.2f} s")

        for team in TEAMS:
            spots = [r["spot"] for r in bot.store.db.query(
                "SELECT spot FROM marks WHERE team_id = ? ORDER BY id", [team])]
            assert len(spots) == marks_before[team] + COMMANDS_PER_TEAM
            assert sorted(spots[marks_before[team]:]) == [5000.0 + k for k in range(COMMANDS_PER_TEAM)]
            channel_posts = bot.slack.channel_posts(f"C{team}")
            assert len(channel_posts) == COMMANDS_PER_TEAM
            in_thread = bot.slack.thread_posts(threads[team])
            assert len(in_thread) == EVENTS_PER_TEAM  # once each, retries included
            assert {p["channel"] for p in in_thread} == {f"C{team}"}
            stored = bot.store.thread_messages(team, f"C{team}", threads[team])
            assert [m["role"] for m in stored].count("question") == EVENTS_PER_TEAM
            assert [m["role"] for m in stored].count("answer") == EVENTS_PER_TEAM
        posts = bot.slack.recorder.of("chat.postMessage")
        assert len(posts) == len(TEAMS) * (COMMANDS_PER_TEAM + EVENTS_PER_TEAM)
