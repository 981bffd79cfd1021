"""Honesty of the scenario engine: with premia off, prices along the paths are martingales.

Paired standard errors: shocks are antithetic, so path i and path i + N/2 form one independent pair;
every SE below is computed over pair means. Each check asserts the SE is small enough to matter
and the gap is within 4 SE.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from alvh_core.models import MarketState
from alvh_core.scenarios import load_default_params, simulate, steps_to
from alvh_core.scenarios.base import MarketPaths
from alvh_core.scenarios.simulation import initial_state

ASOF = dt.date(2025, 3, 3)
N_PATHS, N_DAYS = 8000, 45
EXP = N_DAYS / 252
VEXP = 30 / 252


def market(vix: float) -> MarketState:
    return MarketState(spot=5000.0, vix=vix, asof=ASOF, rate=0.04, div_yield=0.013)


def pair_mean_se(x: np.ndarray) -> tuple[float, float]:
    half = x.shape[0] // 2
    pairs = 0.5 * (x[:half] + x[half:])
    return float(pairs.mean()), float(pairs.std(ddof=1) / math.sqrt(half))


@pytest.fixture(scope="module", params=[14.0, 35.0], ids=["calm_vix14", "stressed_vix35"])
def paths_q(request):
    return simulate(market(request.param), N_DAYS, N_PATHS, seed=123, premia=False)


def _instruments(p, spot0: float, vix0: float):
    """name -> (N, T+1) price, discount-to-today flag, in the strategy engineer's mix."""
    s = spot0
    sd = s * vix0 / 100 * math.sqrt(45 / 252)
    kp, kpl, kc, kcl = round(s - 1.0 * sd), round(s - 1.6 * sd), round(s + 0.8 * sd), round(s + 1.3 * sd)
    lp, _ = p.spx_option("P", kpl, EXP)
    sp, _ = p.spx_option("P", kp, EXP)
    sc, _ = p.spx_option("C", kc, EXP)
    lc, _ = p.spx_option("C", kcl, EXP)
    fut = p.vix_future(VEXP)
    k1, k2 = round(vix0 + 2), round(vix0 + 10)
    c1 = p.vix_option("C", k1, VEXP)
    c2 = p.vix_option("C", k2, VEXP)
    return {
        "spx short put": (sp, True),
        "spx short call": (sc, True),
        "condor": (lp - sp - sc + lc, True),
        "vix future": (fut, False),
        "vix call": (c1, True),
        "vix call spread": (c1 - c2, True),
    }


def test_paths_implement_the_contract(paths_q):
    assert isinstance(paths_q, MarketPaths)
    assert paths_q.spot.shape == (N_PATHS, N_DAYS + 1) == paths_q.vix.shape
    assert paths_q.t[0] == 0 and paths_q.t[-1] == pytest.approx(N_DAYS / 252)


def test_prices_are_martingales_with_premia_off(paths_q):
    p = paths_q
    vix0 = 100 * p.vix[0, 0]
    disc = np.exp(-p.rate * p.t)
    for name, (price, discounted) in _instruments(p, p.spot[0, 0], vix0).items():
        today = price[0, 0]
        assert np.all(price[:, 0] == today)
        for j in (1, 10, 29, 30, 44, 45):  # includes the VIX expiry (30) and the SPX expiry (45)
            v = price[:, j] * (disc[j] if discounted else 1.0)
            mean, se = pair_mean_se(v)
            assert se < 0.05 * abs(today) + 1e-3, (name, j, se, today)
            assert abs(mean - today) < 4 * se + 2e-3 * abs(today), (name, j, mean, today, se)


def test_expiry_values_are_payoffs_of_the_simulated_state(paths_q):
    p = paths_q
    fut = p.vix_future(VEXP)
    np.testing.assert_allclose(fut[:, 30], 100 * p.vix[:, 30], rtol=1e-12)
    np.testing.assert_allclose(fut[:, 31:], np.repeat(fut[:, 30:31], N_DAYS - 30, axis=1))
    call = p.vix_option("C", 25.0, VEXP)
    np.testing.assert_allclose(call[:, 30], np.maximum(100 * p.vix[:, 30] - 25.0, 0.0))
    put, delta = p.spx_option("P", 4900.0, EXP)
    np.testing.assert_allclose(put[:, -1], np.maximum(4900.0 - p.spot[:, -1], 0.0))
    assert np.all(delta[:, -1] == 0)
    put20, _ = p.spx_option("P", 4900.0, 20 / 252)
    np.testing.assert_allclose(put20[:, 25], np.maximum(4900.0 - p.spot[:, 20], 0.0))


@pytest.mark.parametrize("vix", [9.5, 12.0, 19.3, 35.0, 80.0])
def test_model_vix_at_start_equals_market_vix(vix):
    p = simulate(market(vix), 2, 4, seed=1)
    assert 100 * p.vix[0, 0] == pytest.approx(vix, abs=1e-9)


def test_vix_below_model_floor_is_clamped_and_said():
    params = load_default_params()
    h, clamped = initial_state(params, 5.0)
    assert clamped
    p = simulate(market(5.0), 2, 4, seed=1)
    assert 100 * p.vix[0, 0] > 5.0
    assert any("floor" in a for a in p.assumptions)


def test_same_seed_same_numbers():
    a = simulate(market(20.0), 10, 200, seed=5)
    b = simulate(market(20.0), 10, 200, seed=5)
    c = simulate(market(20.0), 10, 200, seed=6)
    np.testing.assert_array_equal(a.spot, b.spot)
    np.testing.assert_array_equal(a.vix, b.vix)
    assert not np.array_equal(a.spot, c.spot)
    g1 = simulate(market(20.0), 10, 200, seed=np.random.default_rng(9))
    g2 = simulate(market(20.0), 10, 200, seed=np.random.default_rng(9))
    np.testing.assert_array_equal(g1.spot, g2.spot)


def test_premia_on_shows_the_variance_risk_premium():
    """Real-world paths from VIX 19.3: VIX above realised vol, futures drift down, VIX calls rich."""
    m = market(19.3)
    p = simulate(m, 21, 8000, seed=77, premia=True)
    rv = p.realized_vol(0, 21)
    mean_rv2, se_rv2 = pair_mean_se(rv**2)
    assert (100 * p.vix[0, 0]) ** 2 / 1e4 > mean_rv2 + 4 * se_rv2
    fut = p.vix_future(21 / 252)
    m_t, se_t = pair_mean_se(fut[:, 21])
    assert fut[0, 0] - m_t > 4 * se_t
    call = p.vix_option("C", 22.0, 21 / 252)
    payoff, se_c = pair_mean_se(call[:, 21] * math.exp(-m.rate * 21 / 252))
    assert call[0, 0] - payoff > 4 * se_c
    # and the same comparisons are fair with premia off
    pq = simulate(m, 21, 8000, seed=77, premia=False)
    mq, seq = pair_mean_se(pq.vix_future(21 / 252)[:, 21])
    assert abs(fut[0, 0] - mq) < 4 * seq


def test_leverage_effect_on_simulated_paths():
    p = simulate(market(19.3), 60, 2000, seed=3, premia=True)
    r = np.diff(np.log(p.spot), axis=1).ravel()
    dv = np.diff(np.log(p.vix), axis=1).ravel()
    assert np.corrcoef(r, dv)[0, 1] < -0.6
    up, dn = r > 0, r < 0
    b_up = np.polyfit(r[up], dv[up], 1)[0]
    b_dn = np.polyfit(r[dn], dv[dn], 1)[0]
    assert b_dn < b_up < 0


def test_steps_to_counts_nyse_sessions():
    assert steps_to(dt.date(2025, 4, 17), dt.date(2025, 3, 3)) == 33
    # Christmas and New Year's Day closed
    assert steps_to(dt.date(2025, 1, 3), dt.date(2024, 12, 20)) == 8
    assert steps_to(dt.date(2025, 3, 3), dt.date(2025, 3, 3)) == 0
    assert steps_to(dt.date(2025, 3, 4), dt.date(2025, 3, 3)) == 1


def test_time_to_uses_the_trading_day_clock(paths_q):
    assert paths_q.time_to(dt.date(2025, 4, 17)) == pytest.approx(33 / 252)
    price, _ = paths_q.spx_option("P", 4900.0, paths_q.time_to(dt.date(2025, 4, 17)))
    np.testing.assert_allclose(price[:, 40], np.maximum(4900.0 - paths_q.spot[:, 33], 0.0))


def test_bad_expiry_and_inputs_are_rejected(paths_q):
    with pytest.raises(ValueError, match="whole number"):
        paths_q.spx_option("P", 4900.0, 0.1)
    with pytest.raises(ValueError, match="kind"):
        paths_q.spx_option("X", 4900.0, EXP)
    with pytest.raises(ValueError, match="n_paths"):
        simulate(market(20.0), 5, 3)
