"""Event days in the engine: the variance hook keeps the pricing law a martingale and moves variance onto event days."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.events import EVENT_VARIANCE_BUMP, PACKAGE_FILE, event_multipliers_for, load_events
from alvh_core.models import MarketState
from alvh_core.scenarios import simulate
from alvh_core.scenarios.simulation import apply_event_variance

ASOF = dt.date(2026, 11, 24)  # FOMC 2026-12-09 and CPI 2026-12-10 inside the next 24 sessions
MARKET = MarketState(spot=5712.0, vix=24.3, asof=ASOF)
N_DAYS = 24


@pytest.fixture(scope="module")
def mult() -> np.ndarray:
    return event_multipliers_for(ASOF, N_DAYS, bump=3.0, calendar=load_events(PACKAGE_FILE))


def test_multipliers_mark_the_event_sessions(mult: np.ndarray) -> None:
    on = np.flatnonzero(mult > mult.min())
    # sessions after 2026-11-24: 11-25, (26 Thanksgiving), 11-27, 11-30, 12-01..12-04, 12-07, 12-08, then
    # 12-09 (FOMC) is the 10th and 12-10 (CPI) the 11th: return columns 9 and 10
    assert on.tolist() == [9, 10]
    assert mult.sum() == pytest.approx(N_DAYS) and mult[on[0]] / mult[0] == pytest.approx(3.0)


def test_all_ones_changes_nothing() -> None:
    a = simulate(MARKET, N_DAYS, n_paths=200, seed=5, premia=False)
    b = simulate(MARKET, N_DAYS, n_paths=200, seed=5, premia=False, event_variance=np.ones(N_DAYS))
    assert np.array_equal(a.spot, b.spot) and np.array_equal(a.vix, b.vix)


@pytest.mark.parametrize("jumps", [False, True])
def test_pricing_law_stays_a_martingale_with_event_days(mult: np.ndarray, jumps: bool) -> None:
    from alvh_core.scenarios import load_default_params

    params = load_default_params(jumps=jumps)
    p = simulate(MARKET, N_DAYS, n_paths=6000, seed=9, premia=False, params=params, event_variance=mult)
    base = simulate(MARKET, N_DAYS, n_paths=6000, seed=9, premia=False, params=params)
    carry = np.exp(-(MARKET.rate - MARKET.div_yield) * np.arange(N_DAYS + 1) / 252)
    disc = p.spot * carry / MARKET.spot  # (N, T+1), should have mean 1 at every date
    half = disc.shape[0] // 2
    units = 0.5 * (disc[:half] + disc[half:])  # antithetic pairs are one draw
    se = units.std(axis=0, ddof=1) / np.sqrt(half)
    assert np.all(np.abs(units.mean(axis=0) - 1.0)[1:] < 4 * se[1:] + 1e-12)
    r, r0 = np.diff(np.log(p.spot), axis=1), np.diff(np.log(base.spot), axis=1)
    ratio = (r ** 2).mean(axis=0) / (r0 ** 2).mean(axis=0)
    # the total variance to expiry is kept (the normalisation): within a few per cent
    assert (r ** 2).sum(axis=1).mean() == pytest.approx((r0 ** 2).sum(axis=1).mean(), rel=0.04)
    if jumps:  # jumps are not scaled: the event day's total variance rises by less than the diffusive bump
        assert 1.0 < ratio[9] < mult[9] / mult[0]
    else:  # the event day carries ~3x the variance of the same day without the hook (same shocks)
        assert ratio[9] == pytest.approx(mult[9], rel=0.06) and ratio[0] == pytest.approx(mult[0], rel=0.06)


def test_real_world_law_keeps_its_equity_premium(mult: np.ndarray) -> None:
    a = simulate(MARKET, N_DAYS, n_paths=6000, seed=4, premia=True)
    b = simulate(MARKET, N_DAYS, n_paths=6000, seed=4, premia=True, event_variance=mult)
    ga, gb = a.spot[:, -1] / MARKET.spot, b.spot[:, -1] / MARKET.spot
    d = gb - ga
    assert abs(d.mean()) < 4 * d.std(ddof=1) / np.sqrt(d.size)


def test_bad_multipliers_are_one_line() -> None:
    with pytest.raises(ValueError, match="event_variance must be 24 positive numbers"):
        simulate(MARKET, N_DAYS, n_paths=20, seed=1, event_variance=np.ones(5))
    with pytest.raises(ValueError, match="positive"):
        apply_event_variance(np.zeros((2, 3)), np.ones((2, 4)), np.zeros((3, 2)), np.array([1.0, -1.0, 1.0]))


def test_no_edge_with_premia_off_and_the_measured_bump() -> None:
    from alvh_core.edge import compare
    from alvh_core.models import IronCondor

    condor = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5550, short_put=5600, short_call=6150,
                        long_call=6200, quantity=10, credit=12.0)
    m = event_multipliers_for(ASOF, N_DAYS, bump=EVENT_VARIANCE_BUMP, calendar=load_events(PACKAGE_FILE))
    paths = simulate(MARKET, N_DAYS, n_paths=4000, seed=21, premia=False, event_variance=m)
    c = compare(condor, MARKET, paths=paths, premia=False, costs=False)
    for name, d in c.vs_leg_out.items():
        if name != "leg_out":
            assert abs(d.diff) < 3 * d.se + 1.0, (name, d.diff, d.se)
