"""Issue 16, a compare on a new market: the caches of what does not move with SPX equal the computations they
replace, bit for bit (the COS series' coefficients of ``cos_put_reference``)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.anchor import regimes
from alvh_core.scenarios.hn_garch import TRADING_DAYS, log_mgf_coefficients
from alvh_core.scenarios.pricer import _cos_put_coefficients, cos_put_reference


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


@pytest.mark.parametrize("events", [(), (1.0, 1.0, 2.5, 1.0, 1.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)])
def test_cos_reference_with_kept_coefficients_equals_main_bit_for_bit(laws, events):
    _cos_put_coefficients.cache_clear()
    rng = np.random.default_rng(5)
    for q in laws:
        for n in (1, 12, 17, 45):
            ev = events[-n:] if events else ()
            h = float(q.long_run_variance) * float(rng.uniform(0.4, 3.0))
            for spot in (5712.0, 5717.0, 5520.0):  # a new market: SPX moved, the state did not
                x = np.log(spot / np.array([5600.0, 5650.0, 6150.0, 6200.0]))
                got = cos_put_reference(q, 0.04, 0.013, n, x, h, events=ev)
                ref = cos_put_main(q, 0.04, 0.013, n, x, h, events=ev)
                assert np.array_equal(got, ref)
                # one leg at a time (as the control variates ask) is the same row
                assert np.array_equal(cos_put_reference(q, 0.04, 0.013, n, x[1:2], h, events=ev), ref[1:2])
    info = _cos_put_coefficients.cache_info()
    assert info.misses == len(laws) * 4 and info.hits > info.misses  # one recursion per (law, n, h, events)


def test_kept_coefficients_are_read_only(laws):
    cv, a, u = _cos_put_coefficients(laws[0], 0.04, 0.013, 17, float(laws[0].long_run_variance), 2048, 40.0, ())
    with pytest.raises(ValueError):
        cv[0] = 0.0
    with pytest.raises(ValueError):
        u[1] = 0.0
