"""The event study on the real 1990-2018 history: counts, an independent recomputation, measured signs."""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import pytest

from alvh_core.cli import main
from alvh_core.event_study import event_study
from alvh_core.events import PACKAGE_FILE, load_events
from alvh_core.history.data import load_daily


@pytest.fixture(scope="module")
def study(shared_data: Path):  # type: ignore[no-untyped-def]
    return event_study(load_daily(shared_data), load_events(PACKAGE_FILE), n_boot=300, seed=3)


def test_counts_cover_the_calendar(study) -> None:  # type: ignore[no-untyped-def]
    g = {x.group: x for x in study.groups}
    assert g["fomc"].n_event == 232  # 8 scheduled meetings a year, 1990-2018
    assert g["fomc"].first == dt.date(1990, 2, 8)  # the day after the meeting: markets inferred the decision
    assert 300 <= g["cpi"].n_event <= 312 and g["cpi"].first == dt.date(1993, 1, 15)
    assert g["ppi"].n_event <= 12 and g["ppi"].first.year == 2018
    assert g["fomc_or_cpi"].n_event <= g["fomc"].n_event + g["cpi"].n_event


def test_fomc_abs_return_ratio_matches_a_plain_recomputation(shared_data: Path, study) -> None:  # type: ignore[no-untyped-def]
    closes = {r["date"]: float(r["close"]) for r in csv.DictReader(open(shared_data / "spx_daily.csv"))}
    vix = {r["date"] for r in csv.DictReader(open(shared_data / "vix_daily.csv"))}
    days = sorted(d for d in closes if d in vix and d <= "2018-12-31")
    cal = load_events(PACKAGE_FILE)
    any_ev = {str(d) for d in cal.market_dates}
    fomc = {str(d) for d, k, s in zip(cal.market_dates, cal.kinds, cal.scheduled) if k == "fomc" and s}
    lo, hi = min(str(d) for d, k in zip(cal.market_dates, cal.kinds) if k == "fomc"), "2026-12-31"
    ev, ot = [], []
    for a, b in zip(days, days[1:]):
        r = abs(math.log(closes[b] / closes[a]))
        if b in fomc:
            ev.append(r)
        elif b not in any_ev and lo <= b <= hi:
            ot.append(r)
    g = next(x for x in study.groups if x.group == "fomc")
    assert len(ev) == g.n_event and len(ot) == g.n_other
    assert g.abs_return.est == pytest.approx((sum(ev) / len(ev)) / (sum(ot) / len(ot)), rel=1e-9)
    assert g.abs_return.lo < g.abs_return.est < g.abs_return.hi


def test_measured_effects(study) -> None:  # type: ignore[no-untyped-def]
    g = {x.group: x for x in study.groups}
    # VIX falls on scheduled FOMC days (the interval excludes zero); unscheduled actions move SPX far more
    assert g["fomc"].vix_day.hi < 0
    assert g["fomc_unscheduled"].abs_return.lo > 1.0
    # the engine's bump is the FOMC/CPI variance ratio, and it was checked out of sample
    assert study.bump == g["fomc_or_cpi"].variance_vs_vix
    assert study.bump_fit is not None and study.bump_fit.fit_period[1] < study.bump_fit.test_period[0]


def test_cli_study_json(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--study", "--data", str(shared_data), "--from", "2010-01-01", "--boot", "100",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"][0] >= "2010-01-01" and {g["group"] for g in out["groups"]} >= {"fomc", "cpi"}
    assert main(["events", "--study", "--data", str(shared_data / "nope")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
