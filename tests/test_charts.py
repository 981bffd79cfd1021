"""The one chart module (alvh_core.charts): curve values against the analysis, the hedge at the count it
was sized for, over the whole range with its costs, and an axis fitted to the expected move."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core import charts
from alvh_core.analysis import analyze, what_if
from alvh_core.edge import compare
from alvh_core.hedge import size_hedge
from alvh_core.models import IronCondor, MarketState

CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)
M = MarketState(spot=5900, vix=18, asof=dt.date(2026, 11, 24))
PNG = b"\x89PNG\r\n\x1a\n"


def _curve(curves: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    return next(v for k, v in curves.items() if k.startswith(prefix))


def test_today_curves_name_their_vix_and_match_what_if() -> None:
    _, spots, curves = charts.pnl_curves(CONDOR, M)
    assert "today, VIX held at 18" in curves and any("beta -7.72 down / -4.16 up" in k for k in curves)
    i = int(np.argmin(abs(spots - 5600)))
    held = what_if(CONDOR, M, spot=float(spots[i])).pnl_now  # VIX held, as the what-if answers
    assert _curve(curves, "today, VIX held")[i] == pytest.approx(held, abs=1e-6)
    moved_vix = 18 * np.exp(-7.72 * np.log(spots[i] / 5900))  # the VIX 15-20 regime's down-day beta
    assert _curve(curves, "today, VIX moves")[i] == pytest.approx(
        what_if(CONDOR, M, spot=float(spots[i]), vix=float(moved_vix)).pnl_now, abs=1e-6)
    j = int(np.argmin(abs(spots - 5900)))
    assert spots[j] == pytest.approx(5900, abs=5)


def test_hedge_is_charted_at_its_condor_count_over_the_whole_range_with_costs() -> None:
    plan = size_hedge(CONDOR, M, condors=20)  # the issue: a 20-condor hedge was added to the 10-lot
    charted, spots, curves = charts.pnl_curves(CONDOR, M, plan=plan)
    assert charted.quantity == 20 and curves["at expiry"].max() == pytest.approx(17.0 * 100 * 20)
    hedged = _curve(curves, "today + hedge") - _curve(curves, "today, VIX moves")
    j = int(np.argmin(abs(spots - M.spot)))
    assert hedged[j] == pytest.approx(-plan.trading_costs, rel=0.02)  # at spot: only the costs to open
    assert spots[0] < 5600 and spots[-1] > 6200 and np.all(np.isfinite(hedged))
    assert hedged[0] > 0 and hedged[-1] < -plan.trading_costs  # pays on the way down, costs on the way up
    # the plan's own scenario rows agree with the curve where they overlap (same repricing, no costs)
    for row in plan.scenarios:
        k = np.interp(row.spx, spots, hedged + plan.trading_costs)
        assert k == pytest.approx(row.hedge_pnl, rel=0.03, abs=50)
    assert charts.pnl_chart(CONDOR, M, plan=plan)[:8] == PNG


def test_axis_fits_the_expected_move_and_shows_every_strike() -> None:
    one_day = IronCondor(expiry=dt.date(2026, 11, 25), long_put=5830, short_put=5850, short_call=5950,
                         long_call=5970, quantity=10, credit=4.0)
    lo, hi = charts.x_range(one_day, M)
    move = 5900 * 0.18 * np.sqrt(1 / 365)
    assert hi - lo < 0.05 * 5900 and lo <= 5830 and hi >= 5970  # not +/-10% of spot
    assert lo == pytest.approx(min(5900 - 2 * move, 5830 - 7), abs=1e-6)
    lo, hi = charts.x_range(CONDOR, M)
    assert (lo, hi) == pytest.approx((5900 - 2 * 5900 * 0.18 * np.sqrt(45 / 365),
                                      5900 + 2 * 5900 * 0.18 * np.sqrt(45 / 365)))


def test_today_at_spot_is_the_analysis_and_compare_chart_draws() -> None:
    _, spots, curves = charts.pnl_curves(CONDOR, M)
    at = np.interp(5900, spots, _curve(curves, "today, VIX moves"))
    assert at == pytest.approx(analyze(CONDOR, M).pnl_now, abs=2.0)
    # the chart draws the per-path P&L; with control variates off, its mean is the reported EV exactly
    c = compare(CONDOR, M, n_paths=200, seed=1, control_variates=False)
    assert c.pnls is not None and set(c.pnls) == set(c.strategies)
    assert np.mean(c.pnls["hold"]) == pytest.approx(c.strategies["hold"].ev)
    cv = compare(CONDOR, M, n_paths=200, seed=1)  # same paths: the reduced EV is within noise of that mean
    assert abs(cv.strategies["hold"].ev - np.mean(cv.pnls["hold"])) < 4 * cv.strategies["hold"].ev_se_plain
    assert charts.compare_chart(c)[:8] == PNG


@pytest.mark.parametrize("cmd,extra", [("analyze", []), ("hedge", ["--condors", "20"]),
                                       ("compare", ["--paths", "200"])])
def test_cli_chart_flag_writes_the_png(cmd, extra, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from alvh_core.cli import main

    pos = ["SPX", "2027-01-08", "5600/5650P", "6150/6200C", "x10", "@17"]
    mkt = ["--spot", "5900", "--vix", "18", "--asof", "2026-11-24"]
    out = tmp_path / f"{cmd}.png"
    assert main([cmd, *pos, *mkt, *extra, "--json", "--chart", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and f"chart written to {out}" in capsys.readouterr().err
    assert main([cmd, *pos, *mkt, *extra, "--chart", str(tmp_path / "x.jpg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("expected a .png file name") and "\n" not in err
