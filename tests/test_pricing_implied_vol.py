"""Implied vol: round trips (deep ITM/OTM, 1-day expiries, Black-76), NaN outside the no-arbitrage
bounds, agreement with QuantLib's solver."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh_core.pricing import black76, bsm
from alvh_core.pricing.implied_vol import black76_implied_vol, bsm_implied_vol, normalised_call

EPS = np.finfo(float).eps


def _info_tolerance(price, vega, scale):
    """1e-10 in vol, widened to what the price itself carries: a few ulps of the inputs / vega."""
    return 1e-10 + 16 * EPS * (price + scale) / np.maximum(vega * 100, 1e-300)


def _grid(n, seed, log_m=0.8, tau_lo=1 / 365, tau_hi=5.0, vol_lo=0.02, vol_hi=2.0):
    rng = np.random.default_rng(seed)
    spot = rng.uniform(10, 6000, n)
    strike = spot * np.exp(rng.uniform(-log_m, log_m, n))
    tau = np.exp(rng.uniform(np.log(tau_lo), np.log(tau_hi), n))
    vol = rng.uniform(vol_lo, vol_hi, n)
    rate = rng.uniform(-0.01, 0.08, n)
    div = rng.uniform(0.0, 0.05, n)
    is_call = rng.random(n) < 0.5
    return is_call, spot, strike, tau, vol, rate, div


@pytest.mark.parametrize("seed,kw", [
    (1, {}),
    (2, {"tau_lo": 1 / 365, "tau_hi": 3 / 365}),           # 1-3 day expiries
    (3, {"log_m": 2.0, "vol_lo": 0.3}),                  # very deep ITM/OTM
    (4, {"vol_lo": 0.01, "vol_hi": 0.08, "log_m": 0.1}),  # low vol near the money
])
def test_bsm_round_trip(seed, kw):
    is_call, spot, strike, tau, vol, rate, div = _grid(200_000, seed, **kw)
    g = bsm.greeks(is_call, spot, strike, tau, vol, rate, div)
    iv = bsm_implied_vol(g.price, is_call, spot, strike, tau, rate, div)
    fwd = spot * np.exp((rate - div) * tau)
    otm_value = g.price - np.exp(-rate * tau) * np.maximum(np.where(is_call, 1, -1) * (fwd - strike), 0)
    informative = otm_value > 1e-12 * (spot + strike)  # the price says something about vol
    assert informative.mean() > 0.5
    err = np.abs(iv - vol)
    tol = _info_tolerance(g.price, g.vega, spot + strike)
    assert not np.isnan(iv[informative]).any()
    assert np.all(err[informative] <= tol[informative]), np.max(err[informative] / tol[informative])
    # where vega is material the plain 1e-10 holds
    material = informative & (g.vega * 100 > 1e-3 * g.price) & (g.vega * 100 > 1e-4 * spot)
    assert material.sum() > 1000
    assert np.max(err[material]) < 1e-10
    # whatever is not NaN is close, or the price carries no information (never a wrong number)
    finite = ~np.isnan(iv)
    assert np.all((err <= tol) | ~informative | ~finite)


def test_black76_round_trip_vix_like():
    rng = np.random.default_rng(8)
    n = 100_000
    fwd = rng.uniform(10, 80, n)
    strike = fwd * np.exp(rng.uniform(-0.8, 1.2, n))
    tau = np.exp(rng.uniform(np.log(1 / 365), np.log(0.7), n))
    vol = rng.uniform(0.2, 3.0, n)
    rate = rng.uniform(0, 0.06, n)
    is_call = rng.random(n) < 0.5
    g = black76.greeks(is_call, fwd, strike, tau, vol, rate)
    iv = black76_implied_vol(g.price, is_call, fwd, strike, tau, rate)
    err = np.abs(iv - vol)
    material = (g.vega * 100 > 1e-3 * g.price) & (g.vega * 100 > 1e-5 * fwd)
    assert material.mean() > 0.5
    assert np.max(err[material]) < 1e-10


@pytest.mark.parametrize("is_call", [True, False])
def test_nan_outside_no_arbitrage_bounds(is_call):
    s, k, tau, r, q = 100.0, 90.0, 0.25, 0.05, 0.02
    fwd = s * np.exp((r - q) * tau)
    df = np.exp(-r * tau)
    intrinsic = df * max((fwd - k) if is_call else (k - fwd), 0.0)
    upper = s * np.exp(-q * tau) if is_call else k * df
    prices = np.array([intrinsic - 1e-6, -1.0, upper, upper + 1.0, np.nan, np.inf])
    out = bsm_implied_vol(prices, is_call, s, k, tau, r, q)
    assert np.isnan(out).all()
    # a price at intrinsic (up to rounding) gives a vol that reprices it (0, or a vol with no vega)
    at = bsm_implied_vol(intrinsic, is_call, s, k, tau, r, q)
    assert bsm.price(is_call, s, k, tau, at, r, q) == pytest.approx(intrinsic, abs=1e-12)
    assert bsm_implied_vol(intrinsic + 0.5, is_call, s, k, tau, r, q) == pytest.approx(
        _vol_for(intrinsic + 0.5, is_call, s, k, tau, r, q), abs=1e-12)
    assert np.isfinite(bsm_implied_vol(upper * (1 - 1e-6), is_call, s, k, tau, r, q))


def _vol_for(price, is_call, s, k, tau, r, q):
    from scipy.optimize import brentq
    return brentq(lambda v: float(bsm.price(is_call, s, k, tau, v, r, q)) - price, 1e-6, 5.0, xtol=1e-15)


def test_nan_for_bad_inputs_never_raises():
    out = bsm_implied_vol([1.0, 1.0, 1.0, np.nan], True, [-1, 100, np.nan, 100],
                          [100, 0, 100, 100], [0.1, 0.1, 0.1, 0.1])
    assert np.isnan(out).all()
    assert np.isnan(bsm_implied_vol(1.0, True, 100, 100, 0.0))
    assert np.isnan(bsm_implied_vol(1.0, True, 100, 100, -0.1))
    assert np.isnan(black76_implied_vol(1.0, False, 20, 20, np.nan))


def test_shapes_broadcast():
    prices = bsm.price(True, 100.0, np.array([[90.0], [100.0]]), np.array([0.1, 0.5, 1.0]), 0.25)
    iv = bsm_implied_vol(prices, True, 100.0, np.array([[90.0], [100.0]]), np.array([0.1, 0.5, 1.0]))
    assert iv.shape == (2, 3)
    np.testing.assert_allclose(iv, 0.25, atol=1e-12)
    assert np.ndim(bsm_implied_vol(4.0, True, 100, 100, 0.5)) == 0


def test_matches_quantlib_solver():
    ql = pytest.importorskip("QuantLib")
    rng = np.random.default_rng(12)
    for _ in range(50):
        f, tau = rng.uniform(50, 200), rng.uniform(0.02, 2)
        k, v = f * np.exp(rng.uniform(-0.3, 0.3)), rng.uniform(0.1, 0.8)
        is_call = bool(rng.random() < 0.5)
        df = np.exp(-0.03 * tau)
        g = black76.greeks(is_call, f, k, tau, v, 0.03)
        price = float(g.price)
        std = ql.blackFormulaImpliedStdDev(ql.Option.Call if is_call else ql.Option.Put, k, f, price, df,
                                           0.0, 0.2 * np.sqrt(tau), 1e-14, 200)
        ours = black76_implied_vol(price, is_call, f, k, tau, 0.03)
        assert ours == pytest.approx(std / np.sqrt(tau), abs=1e-6)  # QuantLib's own tolerance
        assert abs(ours - v) <= _info_tolerance(price, g.vega, f + k)


def test_normalised_price_formula_matches_textbook_form():
    from scipy.special import ndtr
    x = np.linspace(-3, 0, 31)[:, None]
    s = np.array([0.05, 0.3, 1.0, 3.0])
    textbook = np.exp(x / 2) * ndtr(x / s + s / 2) - np.exp(-x / 2) * ndtr(x / s - s / 2)
    big = textbook > 1e-3
    np.testing.assert_allclose(normalised_call(x, s)[big], textbook[big], rtol=1e-12)


@settings(max_examples=300, deadline=None)
@given(m=st.floats(-1.5, 1.5), tau=st.floats(1 / 365, 3.0), vol=st.floats(0.03, 2.5),
       is_call=st.booleans(), rate=st.floats(-0.01, 0.1))
def test_property_round_trip(m, tau, vol, is_call, rate):
    spot, strike = 100.0, 100.0 * np.exp(m)
    g = bsm.greeks(is_call, spot, strike, tau, vol, rate, 0.01)
    iv = float(bsm_implied_vol(g.price, is_call, spot, strike, tau, rate, 0.01))
    tol = float(_info_tolerance(g.price, g.vega, spot + strike))
    if np.isnan(iv) or iv == 0.0:  # only when the time value is lost in rounding (price at the bound)
        fwd = spot * np.exp((rate - 0.01) * tau)
        time_value = g.price - np.exp(-rate * tau) * max((fwd - strike) if is_call else (strike - fwd), 0)
        assert time_value <= 1e-13 * (spot + strike)
    else:
        assert abs(iv - vol) <= tol
