"""One clock: the injected clock decides every stamp and every "today", whatever the wall clock says.

The date-sensitive scenarios (store stamps, "what did we decide today?", the daily summary's "hedge
sized <date>", the CLI's default as-of date, `alvh chat`) run under several frozen wall-clock dates with
``time-machine``; their answers must be identical. The wall dates include one where the UTC date is a
day ahead of New York's (the bug of 2026-11-25: rows stamped by the wall clock, read by the desk clock).
"""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine

from alvh_core.cli import main
from alvh_core.clock import DESK_TZ, desk_clock_at, desk_date_of, desk_time, desk_today, fixed_clock, utc_stamp
from alvh_core.settings import Settings
from bot.assistant import Assistant, Ctx
from bot.market_data import RecordedMarks
from bot.services import Services
from bot.store import Store
from bot.terminal import chat, terminal_services

#: Wall clocks the scenarios run under: the injected day itself, a UTC day ahead of New York (evening of
#: 2026-12-01 in New York is 2026-12-02 UTC), and a date years away.
WALL = ["2026-11-24T21:30:00+00:00", "2026-12-02T03:00:00+00:00", "2031-07-04T12:00:00+00:00"]

#: The injected clock: Monday 2026-11-23 16:30 New York, then Tuesday 2026-11-24 20:30 New York, which is
#: already Wednesday 2026-11-25 in UTC.
MONDAY = dt.datetime(2026, 11, 23, 21, 30, tzinfo=dt.UTC)
TUESDAY_EVENING = dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC)


def test_clock_helpers() -> None:
    c = fixed_clock("2026-11-25T01:30:00Z")
    assert utc_stamp(c) == "2026-11-25T01:30:00+00:00"
    assert desk_today(c) == dt.date(2026, 11, 24)  # New York is still on Tuesday
    assert desk_date_of("2026-11-25T01:30:00+00:00") == dt.date(2026, 11, 24)
    assert desk_time("2026-11-25T01:30:00+00:00") == "2026-11-24 20:30 ET"
    assert fixed_clock(dt.datetime(2026, 11, 25, 1, 30))() == dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC)
    d = desk_clock_at(dt.date(2026, 7, 1))()  # summer: EDT, UTC-4
    assert d == dt.datetime(2026, 7, 1, 20, 30, tzinfo=dt.UTC) and d.astimezone(DESK_TZ).hour == 16
    with pytest.raises(ValueError, match="aware"):
        utc_stamp(lambda: dt.datetime(2026, 1, 1))


def _desk_scenario(tmp_path, tag: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    now = [MONDAY]
    store = Store(tmp_path / f"{tag}.sqlite")  # built with the default clock: Services rebinds it
    a = Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: now[0],
                           compare_paths=400))
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5900 vix 18")
    opened = a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17")
    first = a.daily_summary("T1", "C1")
    now[0] = TUESDAY_EVENING
    a.command(ctx, "mark spot 5700 vix 24")
    hedge = a.command(ctx, "hedge")
    a.record(ctx, None, "/alvh hedge", hedge)
    status = a.command(ctx, "status 1")
    a.record(ctx, "1.1", "/alvh status 1", status)
    second = a.daily_summary("T1", "C1")
    today = a.question(ctx, 1, "what did we decide today?")
    monday = a.question(ctx, 1, "what did we decide on monday?")
    stamps = [r[0] for r in store.db.execute("SELECT created_at FROM messages ORDER BY id").fetchall()]
    asofs = [r[0] for r in store.db.execute("SELECT asof FROM analyses ORDER BY id").fetchall()]
    return {"opened": opened.text, "first": first.text, "second": second.text, "today": today.text,
            "monday": monday.text, "stamps": stamps, "asofs": asofs,
            "opened_at": store.db.execute("SELECT opened_at FROM positions").fetchone()[0]}


@pytest.mark.parametrize("wall", WALL)
def test_bot_answers_do_not_depend_on_the_wall_clock(tmp_path, wall: str) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(wall, tick=False):
        got = _desk_scenario(tmp_path, "w")
    with time_machine.travel(WALL[0], tick=False):
        ref = _desk_scenario(tmp_path, "ref")
    assert got == ref
    # stamps are the injected instants, in UTC with their zone; dates a trader reads are New York dates
    assert got["opened_at"] == "2026-11-23T21:30:00+00:00"
    assert got["stamps"][-1] == "2026-11-25T01:30:00+00:00"
    assert set(got["asofs"]) <= {"2026-11-23", "2026-11-24"} and "2026-11-24" in got["asofs"]
    assert "Daily adjustment summary Tue 2026-11-24" in str(got["second"])
    assert "hedge sized 2026-11-24:" in str(got["second"])  # the desk date, not the UTC date 11-25
    assert "[status] #1 SPX" in str(got["today"]) and "2026-11-24 20:30 ET" in str(got["today"])
    assert "[status]" not in str(got["monday"])


@pytest.mark.parametrize("wall", WALL)
def test_cli_default_asof_is_the_desk_date_of_the_injected_clock(wall: str, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["analyze", "SPX", "IC", "5600/5650/6150/6200", "24DTE", "x10", "@15.80", "--spot", "5712",
            "--vix", "24.3", "--json"]
    with time_machine.travel(wall, tick=False):
        assert main(argv, clock=fixed_clock(TUESDAY_EVENING)) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["market"]["asof"] == "2026-11-24"  # New York's Tuesday, though UTC says Wednesday
    assert out["condor"]["expiry"] == "2026-12-18"  # 24 DTE from the desk date


@pytest.mark.parametrize("wall", WALL)
def test_chat_session_is_the_same_under_any_wall_clock(tmp_path, wall: str) -> None:  # type: ignore[no-untyped-def]
    lines = "open SPX IC 5600/5650/6150/6200 45DTE x10 @17\nwhat if spx 5600 vix 32\ngreeks\nquit\n"
    outs = []
    for tag, w in (("a", wall), ("b", WALL[0])):
        with time_machine.travel(w, tick=False):
            s = terminal_services(str(tmp_path / f"{tag}.sqlite"), None, clock=desk_clock_at(dt.date(2026, 11, 24)))
            out = io.StringIO()
            assert chat(s, "alice", io.StringIO(lines), out) == 0
            outs.append(out.getvalue())
    assert outs[0] == outs[1]
    assert "SPX 2027-01-08" in outs[0]  # 45 DTE from the injected 2026-11-24


def test_settings_read_dotenv_for_every_command(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`alvh backtest`/`calibrate`/`tune`/`chat` read configuration through Settings, so `.env` counts."""
    for var in ("ALVH_DATA", "ALVH_DB", "ALVH_CHAT_COMPARE_PATHS"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / ".env").write_text(f"ALVH_DATA={tmp_path / 'nodata'}\nALVH_CHAT_COMPARE_PATHS=1234\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().alvh_data == str(tmp_path / "nodata")
    assert Settings().chat_compare_paths == 1234
    assert terminal_services(str(tmp_path / "c.sqlite"), None).compare_paths == 1234
    for cmd in ("backtest", "calibrate", "tune"):
        err = io.StringIO()
        import contextlib
        with contextlib.redirect_stderr(err):
            rc = main([cmd])
        assert rc == 2 and "nodata" in err.getvalue(), (cmd, err.getvalue())
