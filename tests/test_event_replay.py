"""The replay split by event and gate, on the real 1990-2018 history (small bootstrap)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from alvh_core.cli import main
from alvh_core.event_replay import replay_by_event
from alvh_core.events import PACKAGE_FILE, load_events
from alvh_core.history.data import load_daily
from alvh_core.history.replay import BacktestConfig, backtest
from alvh_core.strategies.gates import load_breadth


@pytest.fixture(scope="module")
def split(shared_data: Path):  # type: ignore[no-untyped-def]
    h = load_daily(shared_data).slice("1990-01-01", "2018-12-31")
    rep = backtest(h, BacktestConfig(n_boot=200))
    return rep, replay_by_event(rep, h, load_events(PACKAGE_FILE), load_breadth(shared_data, h.dates), n_boot=200)


def test_every_split_partitions_the_trades_and_its_means_add_up(split) -> None:  # type: ignore[no-untyped-def]
    rep, r = split
    pnl = {s: np.array([t.pnl[s] for t in rep.trades]) for s in ("hold", "leg_out", "alvh")}
    tested = sum(t.trigger is not None for t in rep.trades)
    for name in {x.split for x in r.rows}:
        rows = [x for x in r.rows if x.split == name]
        n = sum(x.n for x in rows)
        total = {s: sum(x.mean[s] * x.n for x in rows) for s in pnl}
        if name in ("fomc_in_life", "cpi_in_life"):
            assert n == rep.n_trades
            for s in pnl:
                assert total[s] == pytest.approx(pnl[s].sum(), rel=1e-9, abs=1e-6)
        else:  # gate and after-trigger splits cover the tested trades
            assert n == tested and all(x.n == x.n_tested for x in rows)


def test_cpi_unknown_before_1993_and_breadth_gaps_reported(split) -> None:  # type: ignore[no-untyped-def]
    rep, r = split
    unknown = next(x for x in r.rows if x.split == "cpi_in_life" and x.group == "unknown")
    assert unknown.n == sum(t.entry < dt.date(1993, 1, 15) for t in rep.trades)
    # a 45-day trade inside the CPI calendar spans a monthly CPI release, except across the 1995-96 shutdown
    # (the December 1995 CPI came out on 1996-02-01)
    no = [x for x in r.rows if x.split == "cpi_in_life" and x.group == "no"]
    assert sum(x.n for x in no) == sum(dt.date(1995, 12, 1) <= t.entry <= dt.date(1995, 12, 31) for t in rep.trades)
    assert r.breadth_missing_days == [dt.date(1999, 11, 26), dt.date(2002, 6, 20)]
    for d in r.breadth_missing_triggers:
        assert any(dt.timedelta(0) <= d - m <= dt.timedelta(days=31) for m in r.breadth_missing_days)


def test_intervals_hold_their_estimate(split) -> None:  # type: ignore[no-untyped-def]
    _, r = split
    for x in r.rows:
        for iv in (x.alvh_minus_leg_out, x.hold_minus_leg_out):
            if iv is not None:
                assert iv.lo <= iv.est <= iv.hi


def test_cli_replay_json(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--replay", "--data", str(shared_data), "--from", "2010-01-01",
                 "--boot", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"][0] >= "2010-01-01" and {x["split"] for x in out["rows"]} >= {"fomc_in_life", "gate_breadth"}
    assert main(["events", "--replay", "--study", "--data", str(shared_data)]) == 2
