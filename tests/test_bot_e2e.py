"""End to end over real HTTP on loopback: the bot served by waitress as in production, requests
signed as Slack signs them, the Web API answered and recorded by tests/fake_slack.py."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.app import build_app
from bot.market_data import RecordedMarks
from bot.schedule import run_daily, slack_poster
from bot.services import Services
from bot.settings import Settings
from bot.store import Store
from tests.fake_slack import BOT_USER_ID, FakeSlack, ServedApp

SECRET = "test-signing-secret"
#: Tuesday 2026-11-24 16:30 New York: an NYSE session, after the default 16:15 daily time.
NOW = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)
POSITION = "SPX IC 5600/5650/6150/6200 45DTE x10 @17"


@dataclass
class Env:
    slack: FakeSlack
    served: ServedApp
    services: Services
    app: object

    @property
    def rec(self):  # type: ignore[no-untyped-def]
        return self.slack.recorder


@pytest.fixture
def env(tmp_path) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    with FakeSlack() as slack:
        store = Store(tmp_path / "bot.sqlite")
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW,
                            compare_paths=400, seed=3)
        settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                            SLACK_API_URL=slack.api_url, ALVH_DB=str(tmp_path / "bot.sqlite"))
        app = build_app(settings, services)
        with ServedApp(app, SECRET) as served:
            yield Env(slack, served, services, app)


def settled(env: Env, thread_ts: str, n: int) -> list[dict]:
    """The thread once it shows ``n`` answers and no "working..." message (answers replace them in place)."""
    def done() -> list[dict] | None:
        posts = env.slack.thread_posts(thread_ts)
        return posts if len(posts) >= n and not any("working on" in p["text"] for p in posts) else None

    got = eventually(done, timeout=30.0)
    assert got, [p["text"][:60] for p in env.slack.thread_posts(thread_ts)]
    return got


def eventually(pred, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Bounded poll of a condition on the store (the lazy listener writes after it posts)."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.01)


def open_position(env: Env, channel: str = "C1", team: str = "T1", user: str = "U1") -> dict:
    env.services.store.add_mark(team, user, NOW.date(), 5900.0, 18.0)
    n = len(env.slack.channel_posts())
    uploads = len(env.rec.of("files.completeUploadExternal"))
    status, _ = env.served.command(f"open {POSITION}", team=team, user=user, channel=channel,
                                   response_url=env.slack.response_url())
    assert status == 200
    # the chart upload is the last step of a result: the thread is linked and stored by then
    env.rec.wait_count("files.completeUploadExternal", uploads + 1)
    return env.slack.channel_posts()[n]


def test_signature_is_checked(env: Env) -> None:
    status, _ = env.served.post("command=%2Falvh&text=help", "application/x-www-form-urlencoded", signed=False)
    assert status == 401
    status, _ = env.served.post("command=%2Falvh&text=help", "application/x-www-form-urlencoded",
                                headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert status == 401
    assert env.rec.of("chat.postMessage") == []


def test_open_posts_result_with_blocks_buttons_and_chart_in_thread(env: Env) -> None:
    post = open_position(env)
    assert post["channel"] == "C1"
    blocks = post["blocks"]
    assert blocks[0]["type"] == "header" and "#1" in blocks[0]["text"]["text"]
    fields = [f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", [])]
    assert any(f.startswith("*P&amp;L now*") for f in fields)
    assert any("Tested wing" in f for f in fields)
    assert "5600/5650P 6150/6200C x10" in post["text"]
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["alvh_hedge", "alvh_compare", "alvh_whatif"]
    assert any(b["type"] == "context" for b in blocks)  # assumptions
    # the chart goes into the thread the result started
    done = env.rec.wait_count("files.completeUploadExternal", 1)[0].args
    ts = next(c for c in env.rec.of("chat.postMessage")).args  # request args have no ts; find via store
    thread = env.services.store.db.execute("SELECT thread_ts, position_id FROM threads").fetchall()
    assert len(thread) == 1 and thread[0][1] == 1
    assert done["thread_ts"] == thread[0][0] and done["channel_id"] == "C1"
    uploads = env.rec.of("upload")
    assert len(uploads) == 1 and uploads[0].body[:8] == b"\x89PNG\r\n\x1a\n"
    assert ts["channel"] == "C1"
    # the exchange is stored with its analysis and assumptions
    msgs = env.services.store.thread_messages("T1", "C1", thread[0][0])
    assert [m["role"] for m in msgs] == ["question", "answer"]
    assert json.loads(msgs[1]["analysis_json"])["condor"]["short_put"] == 5650
    assert "marks SPX 5,900.00" in json.loads(msgs[1]["assumptions_json"])[0]


def test_refused_post_is_explained_to_the_user(env: Env) -> None:
    env.services.store.add_mark("T1", "U1", NOW.date(), 5900.0, 18.0)
    env.slack.fail_next("chat.postMessage", 1, "channel_not_found")
    env.served.command("mark spot 5900 vix 18", channel="G1", response_url=env.slack.response_url())
    resp = env.rec.wait_count("response_url", 1)[0].args
    assert resp.get("response_type") == "in_channel" and resp["text"].startswith("Marks recorded")
    env.slack.fail_next("chat.postMessage", 1, "is_archived")
    env.served.command("list", channel="G1", response_url=env.slack.response_url())
    resp = env.rec.wait_count("response_url", 2)[1].args
    assert resp["response_type"] == "ephemeral" and "Slack refused the post (is_archived)" in resp["text"]


def test_typo_gets_usage_ephemerally_and_stores_nothing(env: Env) -> None:
    status, body = env.served.command("open SPX IC 5650/5600/6150/6200 45DTE x10 @17",
                                      response_url=env.slack.response_url())
    assert status == 200 and body == ""
    resp = env.rec.wait_count("response_url", 1)[0].args
    assert resp["response_type"] == "ephemeral"
    assert "long put 5650 must be below short put 5600" in resp["text"]
    assert "Usage: /alvh open" in resp["text"]
    assert env.services.store.open_positions("T1") == []
    assert env.rec.of("chat.postMessage") == []


def test_thread_question_answered_once_and_retry_of_lost_delivery_answered(env: Env) -> None:
    open_position(env)
    thread_ts = env.services.store.db.execute("SELECT thread_ts FROM threads").fetchone()[0]
    ev = {"type": "message", "channel": "C1", "user": "U2", "text": "what if SPX 5600 and VIX 32 in 5 days?",
          "ts": "1700000100.000001", "thread_ts": thread_ts, "team": "T1"}
    assert env.served.event(ev, "Ev1")[0] == 200
    assert env.served.event(ev, "Ev1", retry=1)[0] == 200  # Slack's retry of a delivered event
    answers = env.rec.wait_for(lambda calls: len([c for c in calls if c.args.get("thread_ts") == thread_ts
                                                  and c.method == "chat.postMessage"]) >= 1)
    # a retry whose first delivery never arrived is still answered
    ev2 = {**ev, "text": "explain vega", "ts": "1700000100.000002"}
    assert env.served.event(ev2, "Ev2", retry=2)[0] == 200
    env.rec.wait_for(lambda calls: len([c for c in calls if c.args.get("thread_ts") == thread_ts
                                        and c.method == "chat.postMessage"]) >= 2)
    # the bot's own message and other bots' messages are ignored
    env.served.event({**ev, "user": BOT_USER_ID, "bot_id": "BBOT", "ts": "1700000100.000003"}, "Ev3")
    env.served.event({**ev, "user": "U9", "bot_id": "BOTHER", "ts": "1700000100.000004"}, "Ev4")
    # a flush marker: a later question is answered, so the earlier ignored ones had their chance
    env.served.event({**ev, "text": "greeks", "ts": "1700000100.000005"}, "Ev5")
    posts = settled(env, thread_ts, 3)
    assert len(posts) == 3, [p["text"][:60] for p in posts]
    assert posts[0]["text"].startswith("What if SPX 5,600, VIX 32.0, 5 days on")
    assert "Change vs now" in posts[0]["text"]
    assert "vega" in posts[1]["text"].lower()
    questions = eventually(lambda: [m["text"] for m in env.services.store.thread_messages("T1", "C1", thread_ts)
                                    if m["role"] == "question"][1:] if len(
        env.services.store.thread_messages("T1", "C1", thread_ts)) >= 8 else None)
    # each answered once (stored as each answer lands: a quick one may land before a slower one)
    assert sorted(questions) == sorted(["what if SPX 5600 and VIX 32 in 5 days?", "explain vega", "greeks"])
    del answers


def test_close_typed_in_the_positions_thread_closes_it(env: Env) -> None:
    """A state-changing command typed in a position's thread runs as /alvh would, the id left out being the
    thread's position; a question about closing stays a question and changes nothing."""
    open_position(env)
    thread_ts = env.services.store.db.execute("SELECT thread_ts FROM threads").fetchone()[0]
    ev = {"type": "message", "channel": "C1", "user": "U1", "text": "close?", "ts": "1700000200.000001",
          "thread_ts": thread_ts, "team": "T1"}
    assert env.served.event(ev, "EvC1")[0] == 200
    settled(env, thread_ts, 1)
    assert env.services.store.db.execute("SELECT status FROM positions WHERE id = 1").fetchone()[0] == "open"
    assert env.served.event({**ev, "text": "close at 3.20", "ts": "1700000200.000002"}, "EvC2")[0] == 200
    posts = settled(env, thread_ts, 2)
    assert "CLOSED" in posts[1]["text"], posts[1]["text"][:200]
    row = env.services.store.db.execute("SELECT status, close_debit, realized_pnl FROM positions WHERE id = 1").fetchone()
    assert tuple(row) == ("closed", 3.20, 13_800.0)  # (17.00 - 3.20) x 10 condors x $100


def test_mention_in_thread_and_button_and_team_isolation(env: Env) -> None:
    open_position(env)
    thread_ts = env.services.store.db.execute("SELECT thread_ts FROM threads").fetchone()[0]
    ev = {"type": "app_mention", "channel": "C1", "user": "U1", "text": f"<@{BOT_USER_ID}> how many VIX calls to hedge 20 condors?",
          "ts": "1700000200.000001", "thread_ts": thread_ts, "team": "T1"}
    env.served.event(ev, "EvM1")
    hedge = [p for p in settled(env, thread_ts, 1) if "Hedge for #1" in p["text"]][0]
    env.rec.wait_count("files.completeUploadExternal", 2)  # the hedge chart, into the same thread
    assert env.rec.of("files.completeUploadExternal")[1].args["thread_ts"] == thread_ts
    assert "For: 20 condors" in hedge["text"]
    # the Compare button's neighbour: Size hedge posts into the same thread
    env.served.interaction({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
                            "channel": {"id": "C1"}, "message": {"ts": thread_ts},
                            "actions": [{"action_id": "alvh_whatif", "value": "1", "type": "button"}],
                            "response_url": env.slack.response_url(), "trigger_id": "t"})
    eventually(lambda: any("What if" in p["text"] for p in env.slack.thread_posts(thread_ts)))
    env.served.interaction({"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
                            "channel": {"id": "C1"}, "message": {"ts": thread_ts},
                            "actions": [{"action_id": "alvh_compare", "value": "1", "type": "button"}],
                            "response_url": env.slack.response_url(), "trigger_id": "t2"})
    eventually(lambda: any("Management choices" in p["text"] for p in env.slack.thread_posts(thread_ts)), 30.0)
    cmp_post = [p for p in env.slack.thread_posts(thread_ts) if "Management choices" in p["text"]][0]
    table = next(b for b in cmp_post["blocks"] if b["type"] == "table")
    cells = [[c["text"] for c in r] for r in table["rows"]]
    assert cells[0][0] == "strategy" and cells[-1][0] == "take_profit_stop" and "Verdict" in cmp_post["text"]
    # another team cannot see position #1
    env.served.command("status 1", team="T2", user="U7", response_url=env.slack.response_url("r2"))
    r = env.rec.wait_for(lambda calls: any(c.method == "response_url" for c in calls))
    err = [c.args for c in r if c.method == "response_url"][0]
    assert err["response_type"] == "ephemeral" and "no position #1" in err["text"]


def test_open_modal_validates_fields_and_records(env: Env) -> None:
    env.services.store.add_mark("T1", "U1", NOW.date(), 5900.0, 18.0)
    env.served.command("open", trigger_id="trig-9", response_url=env.slack.response_url())
    view = env.rec.wait_count("views.open", 1)[0].args
    assert view["trigger_id"] == "trig-9"
    values = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in
              {"expiry": "45DTE", "long_put": "5600", "short_put": "5650", "short_call": "6150",
               "long_call": "6200", "quantity": "10", "credit": "99"}.items()}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"},
               "view": {"id": "V1", "type": "modal", "callback_id": "alvh_open_modal", "private_metadata": "C1",
                        "state": {"values": values}}}
    status, body = env.served.interaction(payload)
    assert status == 200
    out = json.loads(body)
    assert out["response_action"] == "errors" and "credit" in out["errors"]
    values["credit"]["value"]["value"] = "17"
    status, body = env.served.interaction(payload)
    assert status == 200 and body == ""
    env.rec.wait_count("files.completeUploadExternal", 1)  # the result, then its chart in its thread
    assert "Recorded #1" in env.slack.channel_posts("C1")[0]["text"]
    assert len(env.services.store.open_positions("T1")) == 1


def test_daily_posts_exactly_once_retries_failures_and_isolates_channels(env: Env) -> None:
    open_position(env, channel="C1")
    open_position(env, channel="C2")
    for ch in ("C1", "C2"):
        env.served.command("daily on 16:00", channel=ch, response_url=env.slack.response_url())
    env.rec.wait_for(lambda calls: sum("Daily summary on" in str(c.args.get("text")) for c in calls) >= 2)
    poster = slack_poster(env.app.client)  # type: ignore[attr-defined]
    before = len(env.slack.channel_posts())
    env.slack.fail_next("chat.postMessage", 1, "ratelimited")
    first = run_daily(env.services, poster)
    assert sorted(r.status for r in first) == ["failed", "posted"]
    second = run_daily(env.services, poster)  # the next tick retries only the failed one
    assert [r.status for r in second] == ["posted"]
    assert run_daily(env.services, poster) == []  # nothing left today
    posts = env.slack.channel_posts()[before:]
    daily = [p for p in posts if p["text"].startswith("Daily adjustment summary Tue 2026-11-24")]
    assert sorted(p["channel"] for p in daily) == ["C1", "C2"]
    assert "Suggests" in json.dumps(daily[0]["blocks"])
    # a reply in a summary's thread is a question about that channel's position
    summary_ts = env.services.store.daily_posts("T1")[0]["message_ts"]
    env.served.event({"type": "message", "channel": "C1", "user": "U1", "text": "greeks", "team": "T1",
                      "ts": "1700000300.000001", "thread_ts": summary_ts}, "EvD1")
    assert settled(env, summary_ts, 1)[0]["text"].startswith("#1 SPX")
    # a weekend is skipped
    saturday = dt.datetime(2026, 11, 28, 21, 30, tzinfo=dt.UTC)
    assert run_daily(env.services, poster, now=saturday) == []
