"""`alvh tune`: White's reality check against known cases, and a small search end to end on the shared data."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from alvh_core.history.tune import reality_check


def test_reality_check_knows_luck_from_edge() -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 1.0, (40, 300))  # 40 policies, no edge: the best in-sample mean is luck
    assert reality_check(noise, block=1, n_boot=1000) > 0.1
    edge = noise.copy()
    edge[7] += 0.4  # one policy with a real edge of 0.4 sd per trade
    assert reality_check(edge, block=1, n_boot=1000) < 0.01
    # a single policy: the check is the one-sided bootstrap test of its mean
    assert reality_check(noise[:1] + 1.0, block=1, n_boot=500) < 0.01


def test_tune_small_search_on_shared_data(shared_data: Path) -> None:
    from alvh_core.history.data import load_daily
    from alvh_core.history.tune import GATE_SETS, gate_label, policy_grid, render_tune, tune

    grid = policy_grid()
    assert len(grid) == 864 and len({p.model_dump_json() for p in grid}) == 864
    # the gates are grid dimensions: every gate set, with and without the pre-event rule, on every other setting
    labels = {gate_label(p) for p in grid}
    assert {"none", "VIX RSI/MACD", "SPX MACD", "A/D divergence", "SPX MACD + A/D divergence",
            "pre-event 0.25", "VIX RSI/MACD + SPX MACD + A/D divergence + pre-event 0.25"} <= labels
    assert len(labels) == 12 and sum(gate_label(p) == "none" for p in grid) == 72
    seen: list[str] = []
    sub = grid[0:12:2]  # one setting with each gate set (pre-event off)
    assert [gate_label(p) for p in sub][:4] == ["none", "VIX RSI/MACD", "SPX MACD", "A/D divergence"]
    assert len(GATE_SETS) == len(sub)
    r = tune(load_daily(shared_data), "2004-01-01:2010-12-31", "2011-01-01:2014-12-31", policies=sub, top=2,
             progress=lambda i, n, w: seen.append(w))
    assert r.n_policies == 6 and len(r.best) == 2 and len(r.by_gate) == 6 and len(seen) == 6 + 2 + 6
    # the gates change the replay's ALVH: not all gate sets give the same in-sample result
    assert len({round(g.train.alvh_minus_leg_out.value, 6) for g in r.by_gate}) > 1
    assert {g.policy for g in r.by_gate} == {gate_label(p) for p in sub}
    none = next(g for g in r.by_gate if g.policy == "none")
    assert none.test_vs_ungated.value == 0.0 and none.train_vs_ungated.ci == (0.0, 0.0)
    ad = next(g for g in r.by_gate if g.policy == "A/D divergence")
    c_ = ad.train_vs_ungated
    assert c_.ci[0] <= c_.value <= c_.ci[1] and c_.ci[0] < c_.ci[1]
    b0, b1 = r.best
    assert b0.train.alvh_minus_leg_out.value >= b1.train.alvh_minus_leg_out.value
    for row in (r.default, b0):
        for span in (row.train, row.test):
            c = span.alvh_minus_leg_out
            assert c.ci[0] <= c.value <= c.ci[1]
    assert 0.0 <= r.reality_check_p_train <= 1.0
    # the hedge's betas come from the training span (2004-2010), not the shipped 1990-2018 table
    from alvh_core.hedge import BETA_REGIME_DOWN
    down = r.best[0].policy_json["regime_betas"][0]
    assert down == r.default.policy_json["regime_betas"][0] and tuple(down) != BETA_REGIME_DOWN
    js = json.loads(r.model_dump_json())
    assert js["best"][0]["test"]["pct_of_tested_wing_credit"]["value"] is not None
    assert "reality check" in render_tune(r) and "gates on the tuned policy" in render_tune(r)


def test_tune_refuses_overlapping_spans(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from alvh_core.cli import main

    assert main(["tune", "--data", str(shared_data), "--train", "1990-01-01:2012-12-31",
                 "--test", "2011-01-01:2018-12-31"]) == 2
    err = capsys.readouterr().err
    assert "must start after the training span" in err and err.count("\n") == 1
    assert main(["tune", "--data", str(shared_data), "--train", "2010"]) == 2
    assert "expected START:END" in capsys.readouterr().err


def test_sensitivity_rows_change_one_choice_each(tmp_path: Path) -> None:
    import datetime as dt

    from test_history_replay import business_days, write_set

    from alvh_core.history.data import load_daily
    from alvh_core.history.replay import BacktestConfig, backtest
    from alvh_core.history.tune import render_sensitivity, sensitivity

    days = business_days("2021-01-04", "2021-04-30")
    after = np.array([d >= dt.date(2021, 2, 1) for d in days])
    h = load_daily(write_set(tmp_path / "c", days, np.where(after, 3800.0, 4000.0), np.where(after, 30.0, 20.0)))
    rows = sensitivity(h, choices={"default": {}, "no costs": {"costs": False}})
    assert rows[0].n_tested >= 1
    ref = backtest(h, BacktestConfig(costs=False, n_boot=1000))
    assert rows[1].vs_leg_out["hold"].value == pytest.approx(ref.vs_leg_out["hold"].mean)
    assert rows[0].vs_leg_out["hold"].value != pytest.approx(rows[1].vs_leg_out["hold"].value)
    assert "no costs" in render_sensitivity(rows)
