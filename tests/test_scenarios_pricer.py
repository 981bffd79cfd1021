"""The along-path pricer of the scenario model against independent references.

- 1 day to expiry: the HN-GARCH return is conditionally Gaussian, so the model put is exactly
  Black-Scholes with variance h* (closed form);
- alpha -> 0, gamma = 0: constant variance, so every maturity is Black-Scholes;
- the interpolated tables against a direct (slow) COS evaluation at off-grid points;
- prices against Monte Carlo under the risk-neutral law (control variate on the forward);
- deltas against finite differences; VIX futures/options against Monte Carlo.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.hn_garch import GarchParams, simulate_returns
from alvh_core.scenarios.pricer import SpxTablePricer, VixGridPricer, cos_put_reference

R, Q = 0.04, 0.013


def bs_put(s, k, tau, vol, r=R, q=Q):
    d1 = (np.log(s / k) + (r - q + 0.5 * vol**2) * tau) / (vol * np.sqrt(tau))
    d2 = d1 - vol * np.sqrt(tau)
    return k * np.exp(-r * tau) * norm.cdf(-d2) - s * np.exp(-q * tau) * norm.cdf(-d1), -np.exp(-q * tau) * norm.cdf(-d1)


@pytest.fixture(scope="module")
def q() -> GarchParams:
    return load_default_params().risk_neutral()


@pytest.fixture(scope="module")
def pricer(q) -> SpxTablePricer:
    return SpxTablePricer(q, R, Q)


def test_one_day_is_black_scholes_with_variance_h(pricer):
    h = np.array([1.5e-5, 6e-5, 1.5e-4, 6e-4, 4e-3])[None, :]
    k = np.linspace(0.9, 1.06, 9)[:, None]
    price, delta = pricer.price(False, 1.0, k, 1, h)
    ref, ref_delta = bs_put(1.0, k, 1 / 252, np.sqrt(252 * h))
    atm = bs_put(1.0, 1.0, 1 / 252, np.sqrt(252 * h))[0]
    assert np.max(np.abs(price - ref) / atm) < 2e-4
    assert np.max(np.abs(delta - ref_delta)) < 2e-4


def test_constant_variance_limit_is_black_scholes():
    h = 1.2e-4
    beta = 0.9
    flat = GarchParams(omega=h * (1 - beta) - 1e-14, alpha=1e-14, beta=beta, gamma=0.0, lam=-0.5)
    pr = SpxTablePricer(flat, R, Q)
    for n in (5, 21, 45):
        k = np.array([0.85, 0.95, 1.0, 1.04])
        price, delta = pr.price(False, 1.0, k, n, h)
        ref, ref_delta = bs_put(1.0, k, n / 252, math.sqrt(252 * h))
        atm = bs_put(1.0, 1.0, n / 252, math.sqrt(252 * h))[0]
        assert np.max(np.abs(price - ref)) / atm < 3e-4
        assert np.max(np.abs(delta - ref_delta)) < 3e-4


def test_table_interpolation_error_against_direct_cos(q, pricer):
    """Measured: max |table - direct COS| about 1.2e-4 of the ATM price, delta error about 1.6e-4."""
    rng = np.random.default_rng(0)
    worst_p = worst_d = 0.0
    for n in (1, 2, 3, 6, 13, 33, 45):
        for h in np.exp(rng.uniform(math.log(1.5e-5), math.log(3e-3), 4)):
            s = math.sqrt(n * float(q.mean_variance(h, n)))
            x = np.linspace(-4 * s, 4 * s, 33) + rng.uniform(-0.02, 0.02) * s
            ref = cos_put_reference(q, R, Q, n, x, h)
            eps = 1e-5
            ref_d = (cos_put_reference(q, R, Q, n, x + eps, h) - cos_put_reference(q, R, Q, n, x - eps, h)) / (2 * eps)
            atm = cos_put_reference(q, R, Q, n, np.array([0.0]), h)[0]
            p, dp = pricer.put_per_strike(n, x, h)
            worst_p = max(worst_p, float(np.max(np.abs(p - ref)) / atm))
            worst_d = max(worst_d, float(np.max(np.abs(dp - ref_d))))
    assert worst_p < 5e-4
    assert worst_d < 5e-4


def test_prices_match_risk_neutral_monte_carlo(q, pricer):
    n, h0, n_paths = 30, 1.5e-4, 200_000
    z = np.random.default_rng(1).standard_normal((n, n_paths // 2))
    z = np.concatenate([z, -z], axis=1)
    ret, _ = simulate_returns(q, np.full(n_paths, h0), (R - Q) / 252, z)
    st = np.exp(ret.sum(axis=1))
    fwd = math.exp((R - Q) * n / 252)
    disc = math.exp(-R * n / 252)
    for kind, k in (("P", 0.88), ("P", 0.95), ("P", 1.0), ("C", 1.02), ("C", 1.05)):
        pay = np.maximum(k - st, 0) if kind == "P" else np.maximum(st - k, 0)
        # control variate: S_T has known mean fwd
        c = np.cov(pay, st)[0, 1] / np.var(st)
        adj = disc * (pay - c * (st - fwd))
        pairs = 0.5 * (adj[: n_paths // 2] + adj[n_paths // 2 :])
        mc, se = pairs.mean(), pairs.std() / math.sqrt(pairs.size)
        model, _ = pricer.price(kind == "C", 1.0, k, n, h0)
        assert se < 0.03 * model
        assert abs(float(model) - mc) < 4 * se + 2e-4 * model, (kind, k, float(model), mc, se)


def test_delta_matches_finite_difference(pricer):
    spot = np.array([4700.0, 4950.0, 5000.0, 5100.0])
    h = np.array([4e-5, 1.2e-4, 5e-4, 2e-3])
    for kind, strike in (("P", 4800.0), ("C", 5150.0)):
        for n in (2, 9, 40):
            _, delta = pricer.price(kind == "C", spot, strike, n, h)
            bump = 0.5
            up, _ = pricer.price(kind == "C", spot + bump, strike, n, h)
            dn, _ = pricer.price(kind == "C", spot - bump, strike, n, h)
            assert np.max(np.abs(delta - (up - dn) / (2 * bump))) < 2e-3


def test_put_call_parity_and_bounds(pricer):
    spot, h = np.linspace(4000, 6000, 9), 2e-4
    for n in (3, 25):
        call, cd = pricer.price(True, spot, 5000.0, n, h)
        put, pd = pricer.price(False, spot, 5000.0, n, h)
        tau = n / 252
        np.testing.assert_allclose(call - put, spot * math.exp(-Q * tau) - 5000 * math.exp(-R * tau), atol=1e-8)
        # no-arbitrage bounds up to the COS truncation error (measured ~5e-7 of the strike deep in the money)
        assert np.all(put >= np.maximum(5000 * math.exp(-R * tau) - spot * math.exp(-Q * tau), 0) - 5000 * 2e-6)
        assert np.all(np.diff(put) < 0) and np.all((pd <= 1e-6) & (pd >= -1)) and np.all((cd >= -1e-6) & (cd <= 1))


@pytest.mark.parametrize("vix0", [14.0, 35.0])
def test_vix_future_and_options_match_monte_carlo(q, vix0):
    vp = VixGridPricer(q, R)
    a0, a1 = q.vix_coefficients()
    h0 = ((vix0 / 100) ** 2 - a0) / a1
    n, n_paths = 25, 100_000
    z = np.random.default_rng(2).standard_normal((n, n_paths))
    _, H = simulate_returns(q, np.full(n_paths, h0), 0.0, z)
    v_t = vp.vix_points(H[:, n])
    assert vp.vix_points(h0) == pytest.approx(vix0, abs=1e-9)
    disc = math.exp(-R * n / 252)
    for kind, k in (("F", 0.0), ("C", vix0), ("C", vix0 + 10), ("P", vix0 - 2)):
        pay = v_t if kind == "F" else (np.maximum(v_t - k, 0) if kind == "C" else np.maximum(k - v_t, 0))
        pay = pay if kind == "F" else disc * pay
        model = float(vp.evaluate(vp.values(kind, k, n), n, h0))
        se = pay.std() / math.sqrt(n_paths)
        assert se < 0.02 * max(model, 0.5)
        assert abs(model - pay.mean()) < 4 * se + 1e-3 * model, (kind, k, model, pay.mean(), se)
