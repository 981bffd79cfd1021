"""BSM and Black-76: textbook values, QuantLib on a random grid, parity, bounds, monotonicity,
greeks against finite differences, limit cases."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alvh_core.pricing import black76, bsm

ql = pytest.importorskip("QuantLib")


# ----- textbook values (Hull, Options, Futures and Other Derivatives) ----------------------------
def test_hull_call_put_values():
    # Hull Example 15.6: S=42, K=40, r=10%, sigma=20%, T=0.5 -> c=4.76, p=0.81
    assert bsm.price(True, 42, 40, 0.5, 0.2, 0.1) == pytest.approx(4.76, abs=0.005)
    assert bsm.price(False, 42, 40, 0.5, 0.2, 0.1) == pytest.approx(0.81, abs=0.005)


def test_hull_greeks_example():
    # Hull ch. 19: S=49, K=50, r=5%, sigma=20%, T=20 weeks: delta 0.522, gamma 0.066,
    # vega 12.1 per 1.00 of vol, theta -4.31 per year, rho 8.91 per 1.00 of rate.
    g = bsm.greeks(True, 49, 50, 0.3846, 0.2, 0.05)
    assert g.delta == pytest.approx(0.522, abs=0.0006)
    assert g.gamma == pytest.approx(0.066, abs=0.0006)
    assert g.vega == pytest.approx(0.121, abs=0.0006)  # per vol point
    assert g.theta * 365 == pytest.approx(-4.31, abs=0.01)  # per calendar day
    assert g.rho == pytest.approx(0.0891, abs=0.0002)  # per 1%


def test_hull_black76_example():
    # Hull Example 18.? (futures options): F=20, K=20, r=9%, T=4 months, sigma=25% -> put 1.12
    assert black76.price(False, 20, 20, 4 / 12, 0.25, 0.09) == pytest.approx(1.12, abs=0.005)
    assert black76.price(True, 20, 20, 4 / 12, 0.25, 0.09) == pytest.approx(1.12, abs=0.005)


# ----- QuantLib on a wide random grid --------------------------------------------------------------
def _random_grid(n, seed):
    rng = np.random.default_rng(seed)
    spot = rng.uniform(50, 5000, n)
    strike = spot * np.exp(rng.uniform(-0.6, 0.6, n))
    tau = np.exp(rng.uniform(np.log(1 / 365), np.log(3.0), n))
    vol = rng.uniform(0.05, 1.2, n)
    rate = rng.uniform(-0.01, 0.08, n)
    div = rng.uniform(0.0, 0.05, n)
    is_call = rng.random(n) < 0.5
    return is_call, spot, strike, tau, vol, rate, div


def test_bsm_matches_quantlib_black_calculator():
    is_call, spot, strike, tau, vol, rate, div = _random_grid(600, seed=11)
    g = bsm.greeks(is_call, spot, strike, tau, vol, rate, div)
    for i in range(spot.size):
        fwd = spot[i] * np.exp((rate[i] - div[i]) * tau[i])
        calc = ql.BlackCalculator(
            ql.PlainVanillaPayoff(ql.Option.Call if is_call[i] else ql.Option.Put, float(strike[i])),
            float(fwd), float(vol[i] * np.sqrt(tau[i])), float(np.exp(-rate[i] * tau[i])),
        )
        scale = spot[i]
        assert g.price[i] == pytest.approx(calc.value(), rel=1e-10, abs=1e-12 * scale)
        assert g.delta[i] == pytest.approx(calc.delta(float(spot[i])), abs=1e-11)
        assert g.gamma[i] == pytest.approx(calc.gamma(float(spot[i])), rel=1e-9, abs=1e-14)
        assert g.vega[i] == pytest.approx(calc.vega(float(tau[i])) / 100, rel=1e-9, abs=1e-12 * scale)
        assert g.theta[i] == pytest.approx(calc.theta(float(spot[i]), float(tau[i])) / 365, rel=1e-8, abs=1e-11 * scale)
        assert g.rho[i] == pytest.approx(calc.rho(float(tau[i])) / 100, rel=1e-9, abs=1e-12 * scale)


def test_bsm_matches_quantlib_analytic_european_engine():
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    rng = np.random.default_rng(5)
    for _ in range(60):
        s, days = rng.uniform(1000, 6000), int(rng.integers(1, 800))
        k, v, r, q = s * np.exp(rng.uniform(-0.4, 0.4)), rng.uniform(0.08, 0.9), rng.uniform(0, 0.07), rng.uniform(0, 0.03)
        is_call = bool(rng.random() < 0.5)
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(s)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
            ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), v, dc)),
        )
        opt = ql.VanillaOption(
            ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, k),
            ql.EuropeanExercise(today + days),
        )
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        g = bsm.greeks(is_call, s, k, days / 365, v, r, q)
        assert g.price == pytest.approx(opt.NPV(), rel=1e-9, abs=1e-9)
        assert g.delta == pytest.approx(opt.delta(), abs=1e-10)
        assert g.gamma == pytest.approx(opt.gamma(), rel=1e-8, abs=1e-14)
        assert g.vega == pytest.approx(opt.vega() / 100, rel=1e-8, abs=1e-10)
        assert g.theta == pytest.approx(opt.theta() / 365, rel=1e-7, abs=1e-9)


def test_black76_matches_quantlib():
    rng = np.random.default_rng(3)
    n = 300
    fwd = rng.uniform(10, 60, n)
    strike = fwd * np.exp(rng.uniform(-0.7, 0.9, n))
    tau = np.exp(rng.uniform(np.log(2 / 365), np.log(1.0), n))
    vol = rng.uniform(0.3, 2.0, n)
    rate = rng.uniform(0, 0.06, n)
    is_call = rng.random(n) < 0.5
    g = black76.greeks(is_call, fwd, strike, tau, vol, rate)
    for i in range(n):
        calc = ql.BlackCalculator(
            ql.PlainVanillaPayoff(ql.Option.Call if is_call[i] else ql.Option.Put, float(strike[i])),
            float(fwd[i]), float(vol[i] * np.sqrt(tau[i])), float(np.exp(-rate[i] * tau[i])),
        )
        assert g.price[i] == pytest.approx(calc.value(), rel=1e-10, abs=1e-13)
        # delta/gamma w.r.t. the future (QuantLib's deltaForward/gammaForward include the discount)
        assert g.delta[i] == pytest.approx(calc.deltaForward(), abs=1e-11)
        assert g.gamma[i] == pytest.approx(calc.gammaForward(), rel=1e-9, abs=1e-14)
        assert g.vega[i] == pytest.approx(calc.vega(float(tau[i])) / 100, rel=1e-9, abs=1e-13)


# ----- invariants ------------------------------------------------------------------------------------
def test_put_call_parity_on_grid():
    _, spot, strike, tau, vol, rate, div = _random_grid(20_000, seed=2)
    c = bsm.price(True, spot, strike, tau, vol, rate, div)
    p = bsm.price(False, spot, strike, tau, vol, rate, div)
    parity = spot * np.exp(-div * tau) - strike * np.exp(-rate * tau)
    assert np.all(np.abs((c - p) - parity) <= 1e-11 * (spot + strike))
    # Black-76 parity: c - p = e^{-r tau} (F - K)
    c76 = black76.price(True, spot, strike, tau, vol, rate)
    p76 = black76.price(False, spot, strike, tau, vol, rate)
    assert np.all(np.abs((c76 - p76) - np.exp(-rate * tau) * (spot - strike)) <= 1e-11 * (spot + strike))


def test_no_arbitrage_bounds_and_monotonicity():
    is_call, spot, strike, tau, vol, rate, div = _random_grid(20_000, seed=4)
    v = bsm.price(is_call, spot, strike, tau, vol, rate, div)
    sq, kr = spot * np.exp(-div * tau), strike * np.exp(-rate * tau)
    lower = np.where(is_call, np.maximum(sq - kr, 0), np.maximum(kr - sq, 0))
    upper = np.where(is_call, sq, kr)
    tol = 1e-12 * (spot + strike)
    assert np.all(v >= lower - tol) and np.all(v <= upper + tol)
    # increasing in vol, calls decreasing / puts increasing in strike
    v_up = bsm.price(is_call, spot, strike, tau, vol * 1.01, rate, div)
    assert np.all(v_up >= v - tol)
    assert np.mean(v_up > v) > 0.5
    v_k = bsm.price(is_call, spot, strike * 1.001, tau, vol, rate, div)
    assert np.all(np.where(is_call, v_k <= v + tol, v_k >= v - tol))


def _assert_close(actual, desired, atol):
    bad = np.abs(actual - desired) > atol
    assert not bad.any(), (actual[bad][:5], desired[bad][:5])


def test_greeks_match_finite_differences():
    is_call, spot, strike, tau, vol, rate, div = _random_grid(2000, seed=9)
    tau = np.maximum(tau, 10 / 365)  # keep FD well conditioned
    g = bsm.greeks(is_call, spot, strike, tau, vol, rate, div)
    h = spot * 1e-5
    up = bsm.price(is_call, spot + h, strike, tau, vol, rate, div)
    dn = bsm.price(is_call, spot - h, strike, tau, vol, rate, div)
    scale = spot
    np.testing.assert_allclose(g.delta, (up - dn) / (2 * h), atol=1e-6)
    np.testing.assert_allclose(g.gamma * spot, (up - 2 * g.price + dn) / h**2 * spot, atol=2e-3)
    dv = 1e-5
    vega_fd = (bsm.price(is_call, spot, strike, tau, vol + dv, rate, div)
               - bsm.price(is_call, spot, strike, tau, vol - dv, rate, div)) / (2 * dv) / 100
    _assert_close(g.vega, vega_fd, 1e-7 * scale)
    dt = 1e-5
    theta_fd = -(bsm.price(is_call, spot, strike, tau + dt, vol, rate, div)
                 - bsm.price(is_call, spot, strike, tau - dt, vol, rate, div)) / (2 * dt) / 365
    _assert_close(g.theta, theta_fd, 1e-7 * scale)
    dr = 1e-6
    rho_fd = (bsm.price(is_call, spot, strike, tau, vol, rate + dr, div)
              - bsm.price(is_call, spot, strike, tau, vol, rate - dr, div)) / (2 * dr) / 100
    _assert_close(g.rho, rho_fd, 1e-7 * scale)


def test_black76_theta_and_rho_finite_differences():
    rng = np.random.default_rng(21)
    n = 500
    fwd, tau = rng.uniform(12, 40, n), rng.uniform(0.02, 1.0, n)
    strike, vol, rate = fwd * np.exp(rng.uniform(-0.5, 0.8, n)), rng.uniform(0.4, 1.5, n), rng.uniform(0, 0.06, n)
    is_call = rng.random(n) < 0.5
    g = black76.greeks(is_call, fwd, strike, tau, vol, rate)
    dt = 1e-6
    theta_fd = -(black76.price(is_call, fwd, strike, tau + dt, vol, rate)
                 - black76.price(is_call, fwd, strike, tau - dt, vol, rate)) / (2 * dt) / 365
    np.testing.assert_allclose(g.theta, theta_fd, atol=1e-8)
    rho_fd = (black76.price(is_call, fwd, strike, tau, vol, rate + 1e-6)
              - black76.price(is_call, fwd, strike, tau, vol, rate - 1e-6)) / 2e-6 / 100
    np.testing.assert_allclose(g.rho, rho_fd, atol=1e-9)


@pytest.mark.parametrize("is_call", [True, False])
def test_limits_at_expiry_and_zero_vol(is_call):
    spot = np.array([90.0, 100.0, 110.0])
    g = bsm.greeks(is_call, spot, 100.0, 0.0, 0.2, 0.05, 0.01)
    intrinsic = np.maximum(spot - 100, 0) if is_call else np.maximum(100 - spot, 0)
    np.testing.assert_array_equal(g.price, intrinsic)
    expected_delta = np.array([0, 0.5, 1.0]) if is_call else np.array([-1.0, -0.5, 0])
    np.testing.assert_array_equal(g.delta, expected_delta)
    np.testing.assert_array_equal(g.gamma, 0)
    np.testing.assert_array_equal(g.vega, 0)
    np.testing.assert_array_equal(g.theta, 0)
    # negative tau is expired too
    assert bsm.price(is_call, 110.0, 100.0, -0.1, 0.2) == (10.0 if is_call else 0.0)
    # vol -> 0 with time left: discounted intrinsic of the forward, continuous with small vol
    tau, r, q = 0.5, 0.05, 0.01
    g0 = bsm.greeks(is_call, spot, 100.0, tau, 0.0, r, q)
    g_small = bsm.greeks(is_call, spot, 100.0, tau, 1e-7, r, q)
    fwd = spot * np.exp((r - q) * tau)
    w = 1 if is_call else -1
    np.testing.assert_allclose(g0.price, np.exp(-r * tau) * np.maximum(w * (fwd - 100), 0), rtol=1e-14)
    np.testing.assert_allclose(g0.price, g_small.price, atol=1e-9)
    np.testing.assert_allclose(g0.delta, g_small.delta, atol=1e-9)
    np.testing.assert_allclose(g0.theta, g_small.theta, atol=1e-9)
    assert np.all(np.isfinite(g0.gamma)) and np.all(g0.gamma == 0)


def test_limit_approaching_expiry_is_continuous():
    g = bsm.greeks(True, 101.0, 100.0, 1e-10, 0.2)
    assert g.price == pytest.approx(1.0, abs=1e-9)
    assert g.delta == pytest.approx(1.0, abs=1e-12)


def test_broadcasting_shapes():
    spot = np.linspace(90, 110, 5)[:, None]
    strike = np.array([95.0, 100.0, 105.0])
    g = bsm.greeks(np.array([True, False, True]), spot, strike, 0.1, 0.2)
    assert all(np.shape(f) == (5, 3) for f in g)
    assert np.ndim(bsm.price(True, 100, 100, 0.1, 0.2)) == 0


@settings(max_examples=200, deadline=None)
@given(
    spot=st.floats(10, 10_000), m=st.floats(-1.0, 1.0), tau=st.floats(1 / 365, 5.0),
    vol=st.floats(0.01, 3.0), rate=st.floats(-0.02, 0.2), div=st.floats(0, 0.1),
)
def test_property_parity_and_delta_bounds(spot, m, tau, vol, rate, div):
    strike = spot * np.exp(m)
    c = bsm.greeks(True, spot, strike, tau, vol, rate, div)
    p = bsm.greeks(False, spot, strike, tau, vol, rate, div)
    assert float(c.price - p.price) == pytest.approx(
        spot * np.exp(-div * tau) - strike * np.exp(-rate * tau), abs=1e-10 * (spot + strike))
    assert float(c.delta - p.delta) == pytest.approx(np.exp(-div * tau), abs=1e-12)
    assert 0 <= c.delta <= 1 and -1 <= p.delta <= 0
    assert c.gamma == pytest.approx(float(p.gamma), rel=1e-12, abs=1e-300)
    assert c.vega >= 0


def test_black76_limits_at_expiry_and_zero_vol():
    f = np.array([15.0, 20.0, 30.0])
    g = black76.greeks(True, f, 20.0, 0.0, 0.9, 0.05)
    np.testing.assert_array_equal(g.price, [0.0, 0.0, 10.0])
    np.testing.assert_array_equal(g.delta, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g.theta, 0.0)
    g0 = black76.greeks(False, f, 20.0, 0.25, 0.0, 0.05)
    df = np.exp(-0.05 * 0.25)
    np.testing.assert_allclose(g0.price, df * np.maximum(20.0 - f, 0), rtol=1e-15)
    np.testing.assert_allclose(g0.delta, [-df, -0.5 * df, 0.0], rtol=1e-15)
    # with zero vol only discounting decays: theta = r V per year
    np.testing.assert_allclose(g0.theta, 0.05 * g0.price / 365, rtol=1e-12)
