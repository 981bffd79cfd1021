"""Issue 16, a compare on a new market: what does not move with the market is kept (the COS series'
coefficients of ``cos_put_reference`` per state, the generating function's recursion per frequency grid), and
the kept numbers equal fresh ones; the shared grids keep main's accuracy."""
from __future__ import annotations

import math

import numpy as np
import pytest

from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.anchor import regimes
from alvh_core.scenarios.hn_garch import TRADING_DAYS, log_mgf_coefficients
from alvh_core.scenarios.pricer import _cos_grid, _cos_put_coefficients, cos_put_reference


def cos_put_main(q, rate, div, n, x, h, n_terms=2048, width=40.0, events=()):
    """main's cos_put_reference before issue 16's cache (the recursion run on every call)."""
    x = np.asarray(x, dtype=float)
    mu = (rate - div) / TRADING_DAYS
    hbar = float(q.mean_variance(h, n))
    s = math.sqrt(n * (hbar + (float(q.intensity(hbar)) * q.jump_m2 if q.has_jumps else 0.0)))
    a, b = -width * s, width * s
    k = np.arange(n_terms)
    u = k * math.pi / (b - a)
    A, B = log_mgf_coefficients(q, mu, 1j * u, n, mult=np.array(events, dtype=float) if events else None)
    cf = np.exp(A[n] + B[n] * h)
    half = np.sin(k * math.pi / 2.0)
    psi = np.where(k == 0, -a, half / np.where(u == 0, 1.0, u))
    chi = (np.cos(k * math.pi / 2.0) - math.exp(a) + u * half) / (1.0 + u * u)
    V = 2.0 / (b - a) * (psi - chi)
    V[0] *= 0.5
    terms = (cf * V)[None, :] * np.exp(1j * np.outer(x - a, u))
    return math.exp(-rate * n / TRADING_DAYS) * terms.real.sum(axis=1)


@pytest.fixture(scope="module")
def laws():
    params = load_default_params(jumps=True)
    regs = regimes(params)
    # the real-world law (control variates' means), a plain and a jump pricing regime
    return [params.real_world(), regs[0].risk_neutral(), regs[-1].risk_neutral()]


def states(q, n, rng, k=3):
    """k states of law q (0.3-4x its long-run variance) and the x = ln(S/K) grid +-10 sd of n days around them."""
    out = []
    for _ in range(k):
        h = float(q.long_run_variance) * float(rng.uniform(0.3, 4.0))
        hbar = float(q.mean_variance(h, n))
        s = math.sqrt(n * (hbar + (float(q.intensity(hbar)) * q.jump_m2 if q.has_jumps else 0.0)))
        out.append((h, np.linspace(-10 * s, 10 * s, 21)))
    return out


@pytest.mark.parametrize("events", [(), (1.0, 1.0, 2.5, 1.0, 1.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)])
def test_cos_reference_on_shared_grids_is_as_accurate_as_main(laws, events):
    """The frequency grid is shared by nearby states (its unit rounded up to a power of 2^(1/8)): the prices
    move only within the COS reference's own error, measured against a 16,384-term reference over +-80 sd."""
    rng = np.random.default_rng(5)
    for q in laws:
        for n in (1, 2, 12, 45):
            ev = events[-n:] if events else ()
            for h, x in states(q, n, rng):
                got = cos_put_reference(q, 0.04, 0.013, n, x, h, events=ev)
                ref = cos_put_main(q, 0.04, 0.013, n, x, h, events=ev)
                fine = cos_put_main(q, 0.04, 0.013, n, x, h, n_terms=16384, width=80.0, events=ev)
                # main's own error: up to 4e-8 per unit strike at one day, 1e-9 at 12 days (leverage x2.5)
                assert np.abs(got - fine).max() <= max(2.0 * np.abs(ref - fine).max(), 2e-11)
                assert np.abs(got - ref).max() < (1e-7 if n == 1 else 1e-8)


def test_kept_coefficients_equal_fresh_ones_bit_for_bit(laws):
    """A new market whose states did not move (SPX moved) is priced from the kept coefficients: the same
    numbers as computing them again; nearby states share one recursion."""
    q = laws[2]
    h = float(q.long_run_variance)
    x = np.log(5712.0 / np.array([5600.0, 5650.0, 6150.0, 6200.0]))
    _cos_put_coefficients.cache_clear()
    _cos_grid.cache_clear()
    first = cos_put_reference(q, 0.04, 0.013, 17, x, h)
    moved = cos_put_reference(q, 0.04, 0.013, 17, x + 0.001, h)  # SPX +0.1%
    one_leg = cos_put_reference(q, 0.04, 0.013, 17, x[1:2], h)
    assert _cos_put_coefficients.cache_info().misses == 1
    _cos_put_coefficients.cache_clear()
    _cos_grid.cache_clear()
    assert np.array_equal(cos_put_reference(q, 0.04, 0.013, 17, x + 0.001, h), moved)
    assert np.array_equal(cos_put_reference(q, 0.04, 0.013, 17, x, h), first)
    assert np.array_equal(one_leg, first[1:2])  # one leg at a time (as the control variates ask): the same row
    # VIX 0.5% higher (the state 1% higher): a new state, the same frequency grid and recursion
    cos_put_reference(q, 0.04, 0.013, 17, x, h * 1.01)
    assert _cos_put_coefficients.cache_info().misses == 2 and _cos_grid.cache_info().misses == 1


def test_kept_coefficients_are_read_only(laws):
    cv, a, u = _cos_put_coefficients(laws[0], 0.04, 0.013, 17, float(laws[0].long_run_variance), 2048, 40.0, ())
    with pytest.raises(ValueError):
        cv[0] = 0.0
    with pytest.raises(ValueError):
        u[1] = 0.0
