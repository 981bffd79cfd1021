"""The crash-jump extension of the scenario model stays exact: closed-form generating function vs brute
force Monte Carlo, daily moments, the model VIX^2 vs the simulated log contract, martingale prices along
jump paths with premia off, and jump-free parameters reproduce the plain model bit for bit.

Parameters here are a fixed, deliberately jumpy set (not the shipped fit), so the checks bite.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from alvh_core.models import MarketState
from alvh_core.scenarios import ModelParams, load_default_params, simulate
from alvh_core.scenarios.hn_garch import jump_mgf, log_mgf_coefficients, poisson_counts, simulate_returns
from alvh_core.scenarios.pricer import VixGridPricer, cos_put_reference

BASE = load_default_params()
JUMPY = ModelParams(**{**BASE.model_dump(), **dict(jump_rate=0.0005, jump_rate_h=30.0, jump_mean=-0.05,
                                                   jump_std=0.03, jump_var=0.03, jump_rate_ratio=2.5)})
Q = JUMPY.risk_neutral()
ASOF = dt.date(2025, 3, 3)


def pair_mean_se(x: np.ndarray) -> tuple[float, float]:
    half = x.shape[0] // 2
    pairs = 0.5 * (x[:half] + x[half:])
    return float(pairs.mean()), float(pairs.std(ddof=1) / math.sqrt(half))


def test_jump_mgf_is_the_gaussian_integral():
    m, s = -0.05, 0.04
    x, w = np.polynomial.hermite.hermgauss(80)
    j = m + math.sqrt(2) * s * x
    for u, v in [(1.0, 0.0), (0.0, 2.0), (-3.0, 5.0), (2j, -1.0 + 0.5j), (20j, -30.0 - 4j)]:
        brute = np.sum(w * np.exp(u * j + v * j * j)) / math.sqrt(math.pi)
        assert jump_mgf(m, s, np.array(u), np.array(v)) == pytest.approx(brute, rel=1e-10, abs=1e-12)


def test_poisson_counts_by_inversion():
    rng = np.random.default_rng(2)
    lam = np.full(400_000, 0.3)
    n = poisson_counts(lam, rng.random(lam.size))
    for k in range(4):
        assert np.mean(n == k) == pytest.approx(math.exp(-0.3) * 0.3**k / math.factorial(k), abs=0.002)


def test_risk_neutral_law_is_a_martingale_in_closed_form():
    mu = 0.03 / 252
    A, B = log_mgf_coefficients(Q, mu, np.array(1.0), 60)
    np.testing.assert_allclose(A, mu * np.arange(61), atol=1e-15)
    np.testing.assert_allclose(B, 0.0, atol=1e-9)  # round-off of gamma^2 ~ 4e4 terms; B h < 1e-12


@pytest.fixture(scope="module")
def q_sample():
    rng = np.random.default_rng(21)
    n, N = 10, 200_000
    h0 = 1.3 * Q.long_run_variance
    z = rng.standard_normal((n, N))
    R, H = simulate_returns(Q, np.full(N, h0), 0.0, z, rng)
    return h0, R, H


@pytest.mark.parametrize("phi", [0.5, 2.0, 3j, 12j, 30j, -4.0 + 2j])
def test_generating_function_matches_brute_force_monte_carlo(q_sample, phi):
    h0, R, _ = q_sample
    n = R.shape[1]
    A, B = log_mgf_coefficients(Q, 0.0, np.array(phi), n)
    closed = np.exp(A[n] + B[n] * h0)
    draws = np.exp(phi * R.sum(axis=1))
    se = abs(np.std(draws.real)) / math.sqrt(draws.size) + abs(np.std(draws.imag)) / math.sqrt(draws.size)
    assert abs(draws.mean() - closed) < 4 * se + 1e-4, (phi, closed, draws.mean(), se)
    assert se < 0.01


def test_daily_return_moments_match_closed_form(q_sample):
    h0, R, _ = q_sample
    r1 = R[:, 0]
    lam, m, s = float(Q.intensity(h0)), Q.jump_mean, Q.jump_std
    c0, c1 = Q.compensator()
    assert c0 + c1 * h0 == pytest.approx(lam * (math.exp(m + 0.5 * s * s) - 1.0))
    mean = -(c0 + c1 * h0) - 0.5 * h0 + lam * m
    var = h0 + lam * (m * m + s * s)  # compound Poisson: Var S = l E[J^2]
    assert r1.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / r1.size))
    assert r1.var() == pytest.approx(var, rel=0.03)
    # third central moment l E[J^3] (the Gaussian part has none at one day): negative skew
    third = lam * (m**3 + 3 * m * s * s)
    assert third < 0
    assert np.mean((r1 - r1.mean()) ** 3) == pytest.approx(third, rel=0.25)
    # and the variance recursion: E[h_2 | h_1] = omega + alpha + delta l0 E[J^2] + persistence h_1
    expected_h2 = Q.omega + Q.alpha + Q.jump_var * Q.jump_rate * Q.jump_m2 + Q.persistence * h0
    _, _, H = q_sample
    assert H[:, 1].mean() == pytest.approx(expected_h2, rel=0.01)


def test_model_vix_is_the_simulated_log_contract():
    """VIX^2 = (252/21) E^Q[-2 ln(S_21 / F)]: closed form a0 + a1 h vs 200,000 simulated 21-day paths."""
    rng = np.random.default_rng(5)
    n, N = 21, 200_000
    a0, a1 = Q.vix_coefficients()
    for h0 in (0.5 * Q.long_run_variance, 3.0 * Q.long_run_variance):
        z = rng.standard_normal((n, N))
        R, _ = simulate_returns(Q, np.full(N, h0), 0.0, z, rng)
        lc = -2.0 * R.sum(axis=1) * 252 / 21
        assert lc.mean() == pytest.approx(a0 + a1 * h0, abs=4 * lc.std() / math.sqrt(N))
    # jumps add variance the diffusive state does not carry: the VIX sits above sqrt(252 E[mean h])
    assert a0 > BASE.risk_neutral().vix_coefficients()[0]


def test_jump_free_parameters_are_the_plain_model_bit_for_bit():
    explicit = BASE.model_copy(update=dict(jump_rate=0.0, jump_rate_h=0.0, jump_mean=-0.05, jump_std=0.03,
                                           jump_var=0.1, jump_rate_ratio=3.0))
    m = MarketState(spot=5000.0, vix=20.0, asof=ASOF)
    a = simulate(m, 20, 200, seed=4, params=BASE)
    b = simulate(m, 20, 200, seed=4, params=explicit)
    np.testing.assert_array_equal(a.spot, b.spot)
    np.testing.assert_array_equal(a.vix, b.vix)
    assert explicit.risk_neutral() == BASE.risk_neutral()


def test_crash_jumps_steepen_the_put_wing():
    """Same VIX 24: with jumps the deep put is dearer and the ATM cheaper than without (VIX holds jump variance)."""
    from alvh_core.scenarios.simulation import initial_state

    out = {}
    for name, params in (("plain", BASE), ("jumps", JUMPY)):
        h0, _ = initial_state(params, 24.0)
        x = np.log(5700.0 / np.array([5000.0, 5700.0]))
        out[name] = cos_put_reference(params.risk_neutral(), 0.0, 0.0, 17, x, h0)
    assert out["jumps"][0] > 1.05 * out["plain"][0]
    assert out["jumps"][1] < out["plain"][1]


N_PATHS, N_DAYS = 8000, 45


@pytest.fixture(scope="module", params=[(14.0, "jumpy"), (35.0, "jumpy"), (14.0, "shipped"), (35.0, "shipped")],
                ids=["calm_vix14", "stressed_vix35", "shipped_jump_fit_vix14", "shipped_jump_fit_vix35"])
def jump_paths(request):
    vix, which = request.param
    params = JUMPY if which == "jumpy" else load_default_params(jumps=True)
    m = MarketState(spot=5000.0, vix=vix, asof=ASOF, rate=0.04, div_yield=0.013)
    return simulate(m, N_DAYS, N_PATHS, seed=321, premia=False, params=params)


def test_prices_along_jump_paths_are_martingales(jump_paths):
    p = jump_paths
    s, vix0 = p.spot[0, 0], 100 * p.vix[0, 0]
    sd = s * vix0 / 100 * math.sqrt(45 / 252)
    exp_t, vexp_t = N_DAYS / 252, 30 / 252
    lp, _ = p.spx_option("P", round(s - 1.6 * sd), exp_t)
    sp, _ = p.spx_option("P", round(s - 1.0 * sd), exp_t)
    sc, _ = p.spx_option("C", round(s + 0.8 * sd), exp_t)
    lc, _ = p.spx_option("C", round(s + 1.3 * sd), exp_t)
    crash_put, _ = p.spx_option("P", round(s * 0.9), exp_t)
    fut = p.vix_future(vexp_t)
    c1 = p.vix_option("C", round(vix0 + 2), vexp_t)
    c2 = p.vix_option("C", round(vix0 + 10), vexp_t)
    inst = {"short put": (sp, True), "condor": (lp - sp - sc + lc, True), "crash put": (crash_put, True),
            "vix future": (fut, False), "vix call spread": (c1 - c2, True)}
    disc = np.exp(-p.rate * p.t)
    for name, (price, discounted) in inst.items():
        today = price[0, 0]
        for j in (1, 10, 30, 45):
            v = price[:, j] * (disc[j] if discounted else 1.0)
            mean, se = pair_mean_se(v)
            assert se < 0.08 * abs(today) + 1e-3, (name, j, se, today)
            assert abs(mean - today) < 4 * se + 2e-3 * abs(today), (name, j, mean, today, se)
    # the paths do jump: some one-day SPX falls beyond anything the diffusion gives at this vol
    r = np.diff(np.log(p.spot), axis=1)
    assert np.mean(r < -0.04) > 0


def test_vix_grid_transition_is_a_probability_kernel():
    vp = VixGridPricer(Q, 0.0)
    np.testing.assert_allclose(vp._trans.sum(axis=1), 1.0, atol=1e-9)


def test_shipped_jump_fit_loads_and_has_jumps_the_default_has_none():
    assert load_default_params(jumps=True).has_jumps
    assert not load_default_params().has_jumps
