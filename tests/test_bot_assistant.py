"""The assistant and listener helpers as plain functions, and `alvh chat` with stdin piped."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys

from alvh_core.models import IronCondor
from bot.assistant import STOP_MULTIPLE, TAKE_PROFIT_FRACTION, Assistant, Ctx, suggest_adjustment
from bot.listeners.actions import modal_errors
from bot.listeners.messages import is_from_bot
from bot.market_data import RecordedMarks
from bot.schedule import is_trading_day
from bot.services import Services
from bot.store import Store
from bot.terminal import chat, terminal_services

NOW = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)  # Tuesday, 16:30 New York
CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)


def make(tmp_path, now=NOW):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "a.sqlite")
    return Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: now,
                              compare_paths=400)), store


def test_suggest_adjustment_rules() -> None:
    today = dt.date(2026, 11, 24)
    credit = CONDOR.max_profit
    assert suggest_adjustment(CONDOR, today, TAKE_PROFIT_FRACTION * credit, [0.1, 0.1]).startswith("take profit")
    assert suggest_adjustment(CONDOR, today, -STOP_MULTIPLE * credit, [0.1, 0.1]).startswith("stop out")
    assert suggest_adjustment(CONDOR, today, 0.0, [0.31, 0.1]).startswith("consider closing the tested wing")
    assert suggest_adjustment(CONDOR, dt.date(2026, 12, 20), 0.0, [0.1, 0.1]).startswith("manage or close")
    assert suggest_adjustment(CONDOR, today, 0.0, [0.1, 0.1]) == "hold: no rule triggered"


def test_commands_store_only_valid_input_and_history_survives_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    bad = a.command(ctx, "mark spot 5900 vix 0.18")
    assert bad.ephemeral and "Usage: /alvh mark" in bad.text
    assert store.latest_mark("T1") is None
    assert a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17").kind == "open"
    assert a.command(ctx, "hedge").ephemeral  # no marks yet: told how to record them
    a.command(ctx, "mark spot 5900 vix 18")
    r = a.command(ctx, "status 1")
    assert r.position_id == 1 and r.start_thread and r.chart
    # short deltas below the documented 0.30: not "tested" (issue 15: a fresh condor was labelled "put")
    put_d, call_d = (abs(float(x)) for x in dict(r.fields)["Short deltas (put / call)"].split(" / "))
    assert max(put_d, call_d) < 0.30 and dict(r.fields)["Tested wing"] == "none (|Δ| < 0.30)"
    a.record(ctx, "1.1", "/alvh status 1", r)
    # a restart (new Store, new Assistant) still answers "what did we decide today?"
    a2, _ = make(tmp_path)
    h = a2.question(ctx, 1, "what did we decide today?")
    assert h.kind == "history" and "[status] #1 SPX 2027-01-08" in h.text
    assert a2.question(Ctx("T2", "U1", "C1"), 1, "what did we decide today?").text.startswith("Nothing recorded")
    # another team cannot reach position #1; a teammate can read it but only its opener closes it
    assert a2.command(Ctx("T2", "U9", "C1"), "status 1").ephemeral
    assert a2.command(Ctx("T2", "U1", "C1"), "close 1").ephemeral
    assert not a2.command(Ctx("T1", "U2", "C1"), "status 1").ephemeral
    refused = a2.command(Ctx("T1", "U2", "C1"), "close 1")
    assert refused.ephemeral and "opened by <@U1>" in refused.text
    assert a2.command(ctx, "close 1").kind == "close"
    assert a2.command(ctx, "close 1").ephemeral  # already closed


def test_questions_route_to_the_right_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, _ = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5900 vix 18")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17")
    w = a.question(ctx, 1, "what if SPX 5600 and VIX 32 in 5 days?")
    assert w.kind == "what_if" and dict(w.fields)["Days to expiry"] == "40"
    assert a.question(ctx, 1, "how many VIX calls to hedge 20 condors?").text.count("For: 20 condors") == 1
    assert a.question(ctx, 1, "should I leg out?").kind == "compare"
    assert a.question(ctx, 1, "explain vega").kind == "explain"
    unknown = a.question(ctx, 1, "what's for lunch")
    assert unknown.kind == "unknown" and "what if SPX 5600" in unknown.text


def test_listener_helpers() -> None:
    assert is_from_bot({"bot_id": "B1", "user": "U1"}, "UBOT")
    assert is_from_bot({"user": "UBOT"}, "UBOT")
    assert not is_from_bot({"user": "U1"}, "UBOT")
    asof = dt.date(2026, 11, 24)
    assert modal_errors("SPX IC 5600/5650/6150/6200 45DTE x10 @17", {}, asof) == {}
    assert "credit" in modal_errors("SPX IC 5600/5650/6150/6200 45DTE x10 @99", {}, asof)
    assert modal_errors("x", {"quantity": "required"}, asof) == {"quantity": "required"}


def test_trading_days_follow_xnys() -> None:
    assert is_trading_day(dt.date(2026, 11, 24))
    assert not is_trading_day(dt.date(2026, 11, 26))  # Thanksgiving
    assert not is_trading_day(dt.date(2026, 11, 28))  # Saturday


def test_chat_session_with_piped_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    services = terminal_services(str(tmp_path / "chat.sqlite"), None)
    out = io.StringIO()
    rc = chat(services, "alice", io.StringIO("open SPX IC 5600/5650/6150/6200 45DTE x10 @17\n"
                                             "what if spx 5600 vix 32\nbogus words here\nquit\n"), out)
    text = out.getvalue()
    assert rc == 0
    assert "#1 SPX" in text and "DEMO marks" in text
    assert "What if SPX 5,600, VIX 32.0, 0 days on" in text
    assert "I can answer" in text
    rows = services.store.db.execute("SELECT role, kind FROM messages ORDER BY id").fetchall()
    assert rows == [("question", "open"), ("answer", "open"), ("question", "what_if"), ("answer", "what_if"),
                    ("question", "unknown"), ("answer", "unknown")]


def test_alvh_chat_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "ALVH_DB": str(tmp_path / "cli.sqlite")}
    p = subprocess.run([sys.executable, "-c", "from alvh_core.cli import main; raise SystemExit(main())", "chat"],
                       input="open SPX IC 5600/5650/6150/6200 45DTE x10 @17\ngreeks\nquit\n",
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("#1 SPX 20") == 2 and "Short deltas" in p.stdout


def test_daily_summary_says_what_changed_since_the_last_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = [dt.datetime(2026, 11, 23, 21, 30, tzinfo=dt.UTC)]
    store = Store(tmp_path / "d.sqlite")
    a = Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: clock[0]))
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5900 vix 18")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17")
    first = a.daily_summary("T1", "C1")
    assert "first summary" in first.text and "no hedge sized yet" in first.text
    p0 = a.command(ctx, "status 1")
    clock[0] = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)
    a.command(ctx, "mark spot 5700 vix 24")
    hedge = a.command(ctx, "hedge")
    a.record(ctx, None, "/alvh hedge", hedge)
    p1 = a.command(ctx, "status 1")
    second = a.daily_summary("T1", "C1")
    import json
    pnl0 = json.loads(p0.analysis_json)["pnl_now"]
    pnl1 = json.loads(p1.analysis_json)["pnl_now"]
    from bot.assistant import money
    assert f"P&L {money(pnl1 - pnl0)}, SPX -200, VIX +6.0 since 2026-11-23" in second.text
    assert "suggestion was: hold" in second.text
    assert f"hedge sized 2026-11-24: {hedge.fields[0][1].split()[1]} x vix call spread" in second.text


def test_comparison_reply_carries_the_decisive_assumptions_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, _ = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5712 vix 24.3")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17")
    r = a.question(ctx, 1, "should I leg out?")
    # the marks, then the model with its paths, seed and premia, then the model-vs-smile buy-back and the costs
    assert "5,712" in r.assumptions[0]
    assert r.assumptions[1].startswith("model: ") and "400 paths" in r.assumptions[1] and "seed 7" in r.assumptions[1]
    assert r.assumptions[2].startswith("today's buy-back: ")
    assert r.assumptions[3].startswith("costs: SPX half-spread")
