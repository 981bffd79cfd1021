"""Tenancy: team B cannot read, change or be shown team A's positions, marks or history, whatever
command, thread, button or question it uses (ids are global integers, so B can guess A's)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_reliability_harness import TODAY, dump, message_event, seed_team, served_bot

from bot.assistant import Assistant, Ctx

A = Ctx("TA", "UA", "CA")
B = Ctx("TB", "UB", "CB")
A_THREAD = "1600000000.000777"
A_CONDOR = "SPX IC 5555/5605/6105/6155 2026-12-18 x7 @3.33"
SECRET_WORDS = ("5605", "6105", "3.33", "5877", "alpha-plan")  # A's strikes, credit, mark, words


@pytest.fixture()
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    with served_bot(tmp_path, compare_paths=100) as bot:
        pid = seed_team(bot.store, "TA", "CA", "UA", condor=A_CONDOR, spot=5877.0, vix=19.0)
        bot.store.link_thread("TA", "CA", A_THREAD, pid)
        bot.store.record_exchange("TA", "CA", A_THREAD, pid, "UA", "what is the alpha-plan?",
                                  "we decided the alpha-plan: hold", "status")
        bot.store.add_mark("TB", "UB", TODAY, 4000.0, 40.0)  # B has its own market marks
        yield bot, pid


def _leaks(text: str) -> list[str]:
    return [w for w in SECRET_WORDS if w in text]


def test_team_b_commands_on_team_a_position_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    bot, pid = world
    assistant = Assistant(bot.services)
    before = dump(bot.store.path)
    for text in (f"status {pid}", f"hedge {pid}", f"compare {pid}", f"close {pid}", "list", "status"):
        reply = assistant.command(B, text)
        assert _leaks(reply.text + json.dumps(reply.model_dump(), default=str)) == [], text
        if text != "list":
            assert reply.status == "error", text
    for what in ("hedge", "compare", "what_if"):
        reply = assistant.button(B, what, pid)
        assert reply.status == "error" and _leaks(reply.text) == [], what
    for question in ("greeks", "should I leg out?", "what if SPX 5600 and VIX 30 in 3 days?",
                     "what did we decide today?", "history"):
        reply = assistant.question(B, pid, question)
        assert _leaks(reply.text) == [], question
    assert dump(bot.store.path) == before  # nothing of A changed (B's refusals store nothing)
    assert bot.store.position("TA", pid)["status"] == "open"
    assert bot.store.position("TB", pid) is None


def test_team_b_mark_does_not_move_team_a(world) -> None:  # type: ignore[no-untyped-def]
    bot, pid = world
    assistant = Assistant(bot.services)
    assistant.command(B, "mark spot 3000 vix 80")
    assert bot.services.market_data.latest("TA", TODAY).spot == 5877.0
    reply = assistant.command(A, f"status {pid}")
    assert reply.status == "ok" and "3000" not in reply.text


def test_team_b_message_in_team_a_thread_gets_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """Events signed by the app but carrying team B's team_id and A's channel/thread: no answer,
    nothing stored for A's thread."""
    bot, pid = world
    before = bot.store.thread_messages("TA", "CA", A_THREAD)
    for i, text in enumerate(("greeks", "what did we decide today?", "should I leg out?")):
        ev = message_event("TB", "CA", "UB", text, f"1700000100.00000{i}", A_THREAD, f"EvB{i}")
        assert bot.event(ev)[0] == 200
    # B mentions the bot in A's thread
    mention = message_event("TB", "CA", "UB", "<@UBOT> greeks", "1700000100.000009", A_THREAD, "EvBm")
    mention["event"]["type"] = "app_mention"
    assert bot.event(mention)[0] == 200
    bot.drain()
    shown = json.dumps([c.args for c in bot.slack.recorder.calls if c.method != "auth.test"])
    assert _leaks(shown) == []
    assert bot.store.thread_messages("TA", "CA", A_THREAD) == before


def test_team_b_slash_commands_over_http(world) -> None:  # type: ignore[no-untyped-def]
    bot, pid = world
    for text in (f"status {pid}", f"close {pid}", f"compare {pid}", "list"):
        assert bot.command(text, team="TB", user="UB", channel="CB")[0] == 200
    bot.drain()
    shown = json.dumps([c.args for c in bot.slack.recorder.calls if c.method != "auth.test"])
    assert _leaks(shown) == []
    assert bot.store.position("TA", pid)["status"] == "open"


def test_daily_summary_shows_each_team_only_its_own_positions(world) -> None:  # type: ignore[no-untyped-def]
    from bot.schedule import run_daily, slack_poster
    from bot.slack_client import make_web_client

    bot, _ = world
    seed_team(bot.store, "TB", "CB", "UB", condor="SPX IC 5000/5050/6500/6550 2026-12-18 x2 @2.10",
              spot=5880.0, vix=18.0)
    bot.store.subscribe("TA", "CA", "16:15", "UA")
    bot.store.subscribe("TB", "CB", "16:15", "UB")
    results = run_daily(bot.services, slack_poster(make_web_client("xoxb-test", bot.slack.api_url)), force=True)
    assert sorted(r.status for r in results) == ["posted", "posted"]
    posts = {c.args["channel"]: json.dumps(c.args) for c in bot.slack.recorder.of("chat.postMessage")}
    assert set(posts) == {"CA", "CB"}
    assert _leaks(posts["CB"]) == []
    assert "5050" in posts["CB"] and "5050" not in posts["CA"]
    assert "5605" in posts["CA"]
