"""The event calendar: package data, ALVH_EVENTS, `alvh events`, events before expiry, tomorrow's warning."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from alvh_core.cli import main
from alvh_core.events import (
    PACKAGE_FILE,
    EventFileError,
    calendar_path,
    default_calendar,
    event_variance_multipliers,
    load_events,
    next_trading_day,
    tomorrow_warning,
)
from alvh_core.settings import Settings

D = dt.date


def test_package_calendar_holds_the_shared_counts_and_known_dates() -> None:
    cal = load_events(PACKAGE_FILE)
    kinds, counts = np.unique(cal.kinds, return_counts=True)
    assert dict(zip(kinds.tolist(), counts.tolist())) == {"cpi": 407, "fomc": 328, "ppi": 127}
    assert int((cal.kinds == "fomc").sum() - (cal.scheduled & (cal.kinds == "fomc")).sum()) == 33
    assert np.all(np.diff(cal.dates.astype(int)) >= 0)
    # the emergency cuts are unscheduled; a Sunday action reacts on Monday
    oct08 = [e for e in cal.on(D(2008, 10, 8)) if e.kind == "fomc"]
    assert len(oct08) == 1 and not oct08[0].scheduled
    i = int(np.flatnonzero((cal.dates == np.datetime64("2020-03-15")) & (cal.kinds == "fomc"))[0])
    assert cal.market_dates[i] == np.datetime64("2020-03-16")
    # before Feb 1994 markets learnt the decision the next day
    assert cal.mask(np.array(["1990-02-08"], dtype="datetime64[D]"), kinds=("fomc",))[0]
    assert not cal.mask(np.array(["1990-02-08"], dtype="datetime64[D]"), kinds=("fomc",), market_date=False)[0]
    assert {e.confidence for e in cal.between(D(2018, 1, 1), D(2024, 12, 31), ("ppi",))} == {"low"}


def test_before_expiry_is_after_asof_through_expiry() -> None:
    cal = default_calendar(Settings(_env_file=None))
    evs = cal.before_expiry(D(2026, 11, 24), D(2026, 12, 18))
    got = [(e.date.isoformat(), e.kind) for e in evs if e.kind != "ppi"]
    assert got == [("2026-12-09", "fomc"), ("2026-12-10", "cpi")]
    assert [e.kind for e in cal.before_expiry(D(2026, 12, 9), D(2026, 12, 10)) if e.kind != "ppi"] == ["cpi"]
    assert [e.kind for e in cal.before_expiry(D(2026, 12, 8), D(2026, 12, 9))] == ["fomc"]
    assert cal.before_expiry(D(2026, 12, 18), D(2026, 12, 18)) == []


def test_alvh_events_setting_points_at_another_file(tmp_path: Path) -> None:
    f = tmp_path / "ev.csv"
    f.write_text("# newer dates\ndate,kind,scheduled\n2030-01-30,fomc,true\n2030-01-15,cpi,true\n")
    s = Settings(_env_file=None, ALVH_EVENTS=str(f))
    assert calendar_path(s) == f
    cal = default_calendar(s)
    assert [(e.date, e.kind, e.confidence) for e in cal.between()] == [
        (D(2030, 1, 15), "cpi", "high"), (D(2030, 1, 30), "fomc", "high")]
    assert calendar_path(Settings(_env_file=None)) == PACKAGE_FILE


def test_the_environments_calendar_path_follows_alvh_events_and_dotenv(tmp_path: Path, monkeypatch) -> None:
    """``calendar_path()`` keeps the environment's answer (issue 16: Settings() cost a compare 9 x a few ms) but
    follows a changed ALVH_EVENTS variable and a new or edited ./.env at once, as Settings() does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALVH_EVENTS", raising=False)
    assert calendar_path() == PACKAGE_FILE == calendar_path(Settings())
    f, g = tmp_path / "a.csv", tmp_path / "b.csv"
    monkeypatch.setenv("ALVH_EVENTS", str(f))
    assert calendar_path() == f == calendar_path(Settings())
    monkeypatch.delenv("ALVH_EVENTS")
    (tmp_path / ".env").write_text(f"ALVH_EVENTS={g}\n")
    assert calendar_path() == g == calendar_path(Settings())
    (tmp_path / ".env").write_text(f"ALVH_EVENTS={f}\nPORT=3001\n")  # edited (size changed)
    assert calendar_path() == f == calendar_path(Settings())
    (tmp_path / ".env").unlink()
    assert calendar_path() == PACKAGE_FILE


@pytest.mark.parametrize("body, says", [
    ("date,kind\n2030-01-30,fomc\n", "header lacks scheduled"),
    ("date,kind,scheduled\n2030-13-30,fomc,true\n", "line 2: date '2030-13-30' is not YYYY-MM-DD"),
    ("date,kind,scheduled\n2030-01-30,ecb,true\n", "line 2: kind 'ecb' is not one of fomc|cpi|ppi"),
    ("date,kind,scheduled\n2030-01-30,fomc,maybe\n", "line 2: scheduled 'maybe' is not true|false"),
])
def test_a_bad_event_file_is_one_line_naming_the_line(tmp_path: Path, body: str, says: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(body)
    with pytest.raises(EventFileError, match=says) as exc:
        load_events(f)
    assert "\n" not in str(exc.value)


def test_cli_events_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--from", "2018-12-01", "--to", "2018-12-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(e["date"], e["kind"], e["scheduled"]) for e in out["events"]] == [
        ("2018-12-11", "ppi", True), ("2018-12-12", "cpi", True), ("2018-12-19", "fomc", True)]
    assert main(["events", "--from", "2008-10-01", "--to", "2008-10-31", "--kind", "fomc"]) == 0
    text = capsys.readouterr().out
    assert "2008-10-08  Wed  FOMC  NO" in text and "2008-10-29  Wed  FOMC  yes" in text


def test_cli_events_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--from", "2018-12-31", "--to", "2018-12-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--to 2018-12-01 is before --from 2018-12-31" in err
    assert main(["events", "--from", "12/01/2018"]) == 2
    assert "expected YYYY-MM-DD" in capsys.readouterr().err


def test_analyze_json_names_events_before_expiry(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["analyze", "SPX", "2026-12-18", "5600/5650P", "6150/6200C", "x10", "@4.80", "--spot", "5712",
            "--vix", "24.3", "--asof", "2026-11-24"]
    assert main([*args, "--json"]) == 0
    evs = json.loads(capsys.readouterr().out)["events_before_expiry"]
    assert {"date": "2026-12-09", "kind": "fomc", "scheduled": True, "confidence": "high"} in evs
    assert all("2026-11-25" <= e["date"] <= "2026-12-18" for e in evs)
    assert main(args) == 0
    assert "events before expiry: FOMC 2026-12-09, CPI 2026-12-10" in capsys.readouterr().out


def test_event_variance_multipliers_move_variance_onto_event_days_and_keep_its_level() -> None:
    cal = load_events(PACKAGE_FILE)
    days = np.arange(np.datetime64("2010-01-01"), np.datetime64("2019-01-01"))
    days = days[np.is_busday(days)]
    m = event_variance_multipliers(days, cal, bump=2.0)
    on = cal.mask(days, kinds=("fomc", "cpi"), scheduled_only=True)
    assert 0.05 < on.mean() < 0.15  # ~8 FOMC + 12 CPI a year out of ~252 days
    assert m.mean() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(m[on] / m[~on][0], 2.0)
    assert np.all(event_variance_multipliers(days, cal, bump=1.0) == 1.0)
    with pytest.raises(ValueError, match="must be positive"):
        event_variance_multipliers(days, cal, bump=0.0)


def test_tomorrow_warning_the_day_before_an_event() -> None:
    cal = load_events(PACKAGE_FILE)
    assert tomorrow_warning(D(2026, 12, 8), cal) == "Tomorrow (Wed 2026-12-09): FOMC 2026-12-09"
    assert tomorrow_warning(D(2026, 12, 7), cal) is None
    # Friday before: the next session is Monday; a Sunday action in between is named too
    assert next_trading_day(D(2020, 3, 13)) == D(2020, 3, 16)
    assert "FOMC 2020-03-15 (unscheduled)" in (tomorrow_warning(D(2020, 3, 13), cal) or "")
    # the day before Thanksgiving: the next session is Friday
    assert next_trading_day(D(2026, 11, 25)) == D(2026, 11, 27)


def test_daily_summary_warns_the_day_before_fomc(tmp_path: Path) -> None:
    from bot.assistant import Assistant, Ctx
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.store import Store

    clock = [dt.datetime(2026, 12, 8, 21, 30, tzinfo=dt.UTC)]  # Tuesday 16:30 New York
    store = Store(tmp_path / "e.sqlite")
    a = Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: clock[0]))
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5900 vix 18")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2026-12-18 x10 @17")
    r = a.daily_summary("T1", "C1")
    assert "Tomorrow (Wed 2026-12-09): FOMC 2026-12-09" in r.text
    assert "Events before expiry: FOMC 2026-12-09, CPI 2026-12-10" in r.text
    status = a.command(ctx, "status 1")
    assert "Events before expiry: FOMC 2026-12-09, CPI 2026-12-10" in status.text
    assert any(n.startswith("*Events before expiry:* FOMC 2026-12-09") for n in status.notes)  # a line, not a field
    clock[0] = dt.datetime(2026, 12, 11, 21, 30, tzinfo=dt.UTC)  # Friday: nothing through Monday
    assert "Tomorrow" not in a.daily_summary("T1", "C1").text
