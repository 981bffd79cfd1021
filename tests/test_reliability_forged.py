"""Forged, replayed, oversized and malformed traffic at /slack/events, and Slack's event retries.

Every rejected request must leave the database byte-for-byte as it was (full dump compared) and make
no Web API call; replays and retries must produce exactly one effect.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from fake_slack import sign
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reliability_harness import (
    CONDOR_TEXT,
    SECRET,
    command_body,
    dump,
    message_event,
    seed_team,
    served_bot,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _web_calls(bot) -> list[str]:  # type: ignore[no-untyped-def]
    """Web API calls with an effect (auth.test is Bolt's read-only, cached authorization check)."""
    return [c.method for c in bot.slack.recorder.calls if c.method != "auth.test"]


@pytest.fixture()
def bot(tmp_path: Path):  # type: ignore[no-untyped-def]
    with served_bot(tmp_path) as served:
        seed_team(served.store, "T1")
        yield served


def test_forged_requests_are_refused_and_change_nothing(bot) -> None:  # type: ignore[no-untyped-def]
    body = command_body(f"open {CONDOR_TEXT}")
    now = int(time.time())
    before = dump(bot.store.path)
    cases = {
        "missing signature": {},
        "missing timestamp": {"X-Slack-Signature": sign(body, SECRET)["X-Slack-Signature"]},
        "wrong secret": sign(body, "not-the-secret-at-all"),
        "signature of another body": sign(body + "&x=1", SECRET),
        "garbage signature": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=deadbeef"},
        "timestamp 6 minutes old": sign(body, SECRET, now - 360),
        "timestamp 6 minutes ahead": sign(body, SECRET, now + 360),
    }
    for name, headers in cases.items():
        status, _ = bot.post_raw(body, {**FORM, **headers})
        assert status == 401, name
    # a timestamp that is not ASCII Unix seconds is malformed (400), checked before anything else
    for stamp in ("yesterday", "¹²³", "1" * 400, "1e9"):
        status, _ = bot.post_raw(body.encode(), {**FORM, **sign(body, SECRET), "X-Slack-Request-Timestamp": stamp})
        assert status == 400, stamp
    # the same event, forged: an answer would be posted if it got through
    pid = bot.store.open_positions("T1")[0]["id"]
    bot.store.link_thread("T1", "C1", "1600000000.000100", pid)
    before = dump(bot.store.path)
    event = json.dumps(message_event("T1", "C1", "U1", "explain gamma", "1700000001.000001",
                                     "1600000000.000100", "EvFORGED"))
    for headers in (sign(event, "wrong-secret-xyz"), sign(event, SECRET, now - 301)):
        assert bot.post_raw(event, {"Content-Type": "application/json", **headers})[0] == 401
    bot.drain()
    assert dump(bot.store.path) == before
    assert _web_calls(bot) == []


def test_oversized_and_malformed_bodies_are_refused(bot) -> None:  # type: ignore[no-untyped-def]
    before = dump(bot.store.path)
    huge = command_body("open " + CONDOR_TEXT + " " + "9" * 1_100_000)
    assert bot.post_raw(huge, {**FORM, **sign(huge, SECRET)})[0] == 413
    # signed with the real secret, yet not a Slack payload
    for body, ctype in [("{not json", "application/json"), ("payload=%7Bbroken", FORM["Content-Type"]),
                        ('{"type": "event_callback", "event": "x"', "application/json")]:
        status, out = bot.post_raw(body, {"Content-Type": ctype, **sign(body, SECRET)})
        assert status == 400, (body, status, out)
        assert b"malformed" in out
    for body, ctype in [("", "application/json"), ("a=b", FORM["Content-Type"]),
                        ('{"type": "event_callback"}', "application/json"),
                        ("\u00ff\u00fe\u0000 binary", "application/octet-stream")]:
        status, _ = bot.post_raw(body.encode("utf-8"), {"Content-Type": ctype, **sign(body, SECRET)})
        assert 400 <= status < 500, (body, status)
    bot.drain()
    assert dump(bot.store.path) == before
    assert _web_calls(bot) == []


def test_replayed_slash_command_runs_once(bot) -> None:  # type: ignore[no-untyped-def]
    """Same signed body + timestamp delivered three times inside the window: one position opened.

    Policy (bot/listeners/commands.py): each command runs once per (team_id, trigger_id)."""
    body = command_body(f"open {CONDOR_TEXT}", team="T1", trigger_id="777.888.replayed")
    headers = {**FORM, **sign(body, SECRET)}
    statuses = [bot.post_raw(body, headers)[0] for _ in range(3)]
    assert statuses == [200, 200, 200]  # acknowledged, so Slack (or the replayer) learns nothing
    bot.drain()
    assert len(bot.store.open_positions("T1")) == 2  # the seeded one + exactly one new
    posts = bot.slack.channel_posts("C1")
    assert len(posts) == 1
    # a genuinely new invocation (new trigger id) of the same text is not a replay
    assert len(bot.store.open_positions("T1")) == 2


def test_two_invocations_with_distinct_triggers_both_run(tmp_path: Path) -> None:
    with served_bot(tmp_path) as served:
        seed_team(served.store, "T1")
        for trigger in ("1.1.a", "1.1.b"):
            served.command(f"open {CONDOR_TEXT}", trigger_id=trigger)
        served.drain()
        assert len(served.store.open_positions("T1")) == 3


def _thread_bot(bot) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    pid = bot.store.open_positions("T1")[0]["id"]
    thread_ts = "1600000000.000100"
    bot.store.link_thread("T1", "C1", thread_ts, pid)
    return pid, thread_ts


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (2, 0, 3, 1), (3, 2, 1, 0)])
def test_event_delivered_four_times_is_answered_once(bot, order) -> None:  # type: ignore[no-untyped-def]
    """First delivery plus three retries (X-Slack-Retry-Num 1..3), in any order, concurrently."""
    _, thread_ts = _thread_bot(bot)
    event = message_event("T1", "C1", "U2", "explain gamma", "1700000002.000001", thread_ts, "Ev0001")
    deliveries = [{}] + [{"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} for n in (1, 2, 3)]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda h=deliveries[i]: statuses.append(bot.event(event, h)[0]))
               for i in order]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    bot.drain()
    answers = bot.slack.thread_posts(thread_ts)
    assert len(answers) == 1
    assert "gamma" in answers[0]["text"].lower()
    stored = bot.store.thread_messages("T1", "C1", thread_ts)
    assert [m["role"] for m in stored] == ["question", "answer"]


def test_retry_whose_first_delivery_never_arrived_is_answered(bot) -> None:  # type: ignore[no-untyped-def]
    _, thread_ts = _thread_bot(bot)
    event = message_event("T1", "C1", "U2", "explain vega", "1700000003.000001", thread_ts, "Ev0002")
    assert bot.event(event, {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})[0] == 200
    assert bot.event(event, {"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_error"})[0] == 200
    bot.drain()
    answers = bot.slack.thread_posts(thread_ts)
    assert len(answers) == 1 and "vega" in answers[0]["text"].lower()


def test_failed_answer_is_retried_by_slacks_next_delivery(bot) -> None:  # type: ignore[no-untyped-def]
    """The first attempt's post fails at Slack (ok: false): the claim is released, the retry answers."""
    _, thread_ts = _thread_bot(bot)
    bot.slack.fail_next("chat.postMessage", 1, "internal_error")
    event = message_event("T1", "C1", "U2", "explain theta", "1700000004.000001", thread_ts, "Ev0003")
    assert bot.event(event)[0] == 200
    bot.slack.recorder.wait_count("chat.postMessage", 1)
    deadline = time.monotonic() + 10  # wait (bounded) until the failed attempt has released its claim
    while bot.store.db.execute("SELECT COUNT(*) FROM processed_events WHERE event_id = 'Ev0003'").fetchone()[0]:
        assert time.monotonic() < deadline, "the failed delivery never released its claim"
        time.sleep(0.02)
    assert bot.event(event, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
    bot.drain()
    posts = bot.slack.recorder.of("chat.postMessage")
    assert len(posts) == 2  # the failed one and the answer
    assert len(bot.store.thread_messages("T1", "C1", thread_ts)) == 2
    # Slack refused the first post outright, so the retry did not search the thread's history for it
    assert bot.slack.recorder.of("conversations.replies") == []


def test_oversized_chunked_body_without_length_is_refused(bot) -> None:  # type: ignore[no-untyped-def]
    """No Content-Length to check up front: the body is cut off at the limit while it streams in."""
    import http.client
    from urllib.parse import urlparse

    url = urlparse(bot.url)
    body = command_body(f"open {CONDOR_TEXT} " + "9" * 1_200_000).encode()
    before = dump(bot.store.path)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", url.path, body=(body[i:i + 65536] for i in range(0, len(body), 65536)),
                 headers={**FORM, **sign(body.decode(), SECRET)}, encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()
    bot.drain()
    assert dump(bot.store.path) == before
    assert _web_calls(bot) == []


def test_url_verification_and_ssl_check(bot) -> None:  # type: ignore[no-untyped-def]
    """Slack's set-up handshakes: a signed url_verification echoes the challenge; unsigned gets 401."""
    body = json.dumps({"token": "legacy", "challenge": "ch4ll3nge", "type": "url_verification"})
    status, out = bot.post_raw(body, {"Content-Type": "application/json", **sign(body, SECRET)})
    assert status == 200 and b"ch4ll3nge" in out
    assert bot.post_raw(body, {"Content-Type": "application/json"})[0] == 401
    ssl = "ssl_check=1&token=legacy"
    assert bot.post_raw(ssl, {**FORM, **sign(ssl, SECRET)})[0] == 200


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                              st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
EVENT_KEYS = ["type", "channel", "user", "text", "ts", "thread_ts", "team", "subtype", "bot_id", "event_ts"]


def test_fuzz_signed_event_payloads_never_500(tmp_path: Path) -> None:
    """Signed (so past verification) event_callbacks of random shape and types: never a 5xx, the app
    keeps serving, nothing is posted with a traceback, nothing stored is lost."""
    with served_bot(tmp_path) as served:
        pid = seed_team(served.store, "T1")
        served.store.link_thread("T1", "C1", "1600000000.000100", pid)
        before = dump(served.store.path)

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.dictionaries(st.sampled_from(EVENT_KEYS),
                               st.one_of(json_value, st.sampled_from(["message", "app_mention", "C1",
                                                                      "1600000000.000100", "T1", "explain gamma"])),
                               max_size=len(EVENT_KEYS)),
               st.one_of(json_value, st.sampled_from(["T1", "T2"])), st.one_of(json_value, st.text(max_size=10)))
        def run(event, team_id, event_id) -> None:  # type: ignore[no-untyped-def]
            payload = {"type": "event_callback", "team_id": team_id, "event": event, "event_id": event_id,
                       "api_app_id": "A1", "event_time": 1}
            status, _ = served.event(payload)
            assert status < 500, payload

        run()
        assert served.command("list")[0] == 200  # still serving
        served.drain()
        after = dump(served.store.path)
        for table in ("positions", "marks", "threads"):
            assert after[table] == before[table]
        shown = json.dumps([c.args for c in served.slack.recorder.calls if c.method != "auth.test"])
        assert "Traceback" not in shown


def test_fuzz_signed_interactive_payloads_never_500(tmp_path: Path) -> None:
    """Buttons and modal submissions (form field ``payload``) of random shape: never a 5xx."""
    from urllib.parse import urlencode

    with served_bot(tmp_path) as served:
        pid = seed_team(served.store, "T1")
        before = dump(served.store.path)
        action = st.fixed_dictionaries({"action_id": st.sampled_from(["alvh_hedge", "alvh_compare", "alvh_whatif"]),
                                        "value": st.one_of(json_value, st.just(str(pid)))})

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action", None]),
               st.dictionaries(st.sampled_from(["team", "user", "channel", "message", "view", "trigger_id"]),
                               json_value, max_size=6),
               st.one_of(json_value, st.lists(action, max_size=2)))
        def run(kind, fields, actions) -> None:  # type: ignore[no-untyped-def]
            payload = {"type": kind, "actions": actions, **fields}
            body = urlencode({"payload": json.dumps(payload)})
            status, _ = served.post_raw(body, {**FORM, **sign(body, SECRET)})
            assert status < 500, payload

        run()
        assert served.command("list")[0] == 200
        served.drain()
        after = dump(served.store.path)
        for table in ("positions", "marks", "threads"):
            assert after[table] == before[table]
