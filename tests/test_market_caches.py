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
    from alvh_core.scenarios.anchor import REGIMES

    params = load_default_params(jumps=True)
    regs = regimes(params)
    # the real-world law (control variates' means), a plain and a jump pricing regime (-25% crashes, leverage
    # x2.5; issue 11's wide variance-driven crashes of log size N(-0.5, 0.35^2), now the last regime, have a
    # shared-grid error of up to 2.2e-8 per unit strike at 45 days against main's 4.9e-9 there: over this
    # test's 2x, far inside the tables' stated accuracy TABLE_ACCURACY = 2e-5)
    return [params.real_world(), regs[0].risk_neutral(), regs[REGIMES.index((0.0, -0.25, 0.003, 2.5))].risk_neutral()]


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


def test_cos_reference_on_shared_grids_for_the_wide_crash_regime():
    """The 27th regime (issue 11: crashes of log size N(-0.5, 0.35^2) loading the variance) is left out of the
    2x-of-main check above: sharing frequency grids moves its 45-day prices by up to 2.2e-8 per unit strike
    against a 16,384-term reference (main's series 4.9e-9 there). Held here to its own bound, 50x inside
    ``TABLE_ACCURACY`` and measured at 1e-15 to 1e-10 up to 12 days."""
    from alvh_core.scenarios.anchor import REGIMES
    from alvh_core.scenarios.pricer import TABLE_ACCURACY

    q = regimes(load_default_params(jumps=True))[REGIMES.index((0.5, -0.5, 0.0, 0.6, 0.5, 0.35))].risk_neutral()
    assert (q.jump_mean, q.jump_std) == (-0.5, 0.35) and q.jump_var > 0
    rng = np.random.default_rng(5)
    worst = 0.0
    for n in (1, 2, 12, 45):
        for h, x in states(q, n, rng):
            got = cos_put_reference(q, 0.04, 0.013, n, x, h)
            fine = cos_put_main(q, 0.04, 0.013, n, x, h, n_terms=16384, width=80.0)
            err = np.abs(got - fine).max()
            assert err < (1e-9 if n <= 12 else 5e-8), (n, err)
            worst = max(worst, err)
    assert worst < TABLE_ACCURACY / 50


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


def table_errors_main(p, h, targets, spot, rate, div, events=None):
    """main's anchor.table_errors before issue 16 (one table look-up per state)."""
    from alvh_core.scenarios.pricer import event_pattern, spx_pricer

    q = p.risk_neutral()
    by_steps: dict[int, set[float]] = {}
    for t in targets:
        if t.kind in ("SPX_P", "SPX_C", "CONDOR"):
            for _, strike, _ in t.legs or ((t.kind[-1], t.strike, 1.0),):
                by_steps.setdefault(t.steps, set()).add(strike)
    out = np.zeros(h.size)
    for n, strikes in by_steps.items():
        x = np.log(spot / np.array(sorted(strikes)))
        pattern = event_pattern(events, n)
        pricer = spx_pricer(q, rate, div, pattern)
        for j, hv in enumerate(h):
            exact = cos_put_reference(q, rate, div, n, x, float(hv), events=pattern)
            table = pricer.put_per_strike(np.full(x.size, n), x, np.full(x.size, hv))[0]
            out[j] = max(out[j], float(np.abs(table - exact).max()))
    return out


@pytest.mark.parametrize("with_events", [False, True])
def test_table_errors_in_one_look_up_equal_mains_loop(with_events):
    """The anchor's node check prices every (state, strike) in one table look-up: the same errors, bit for bit."""
    from alvh_core.cli.demo import NOW, demo_condor
    from alvh_core.edge import hedge_plans, market_targets
    from alvh_core.scenarios.anchor import node_states, table_errors
    from alvh_core.strategies import LayerPolicy

    condor = demo_condor()
    targets = market_targets(condor, NOW, hedge_plans(condor, NOW, LayerPolicy()))
    events = np.array([1.0] * 10 + [2.5, 1.0, 1.0, 1.6]) if with_events else None
    regs = regimes(load_default_params(jumps=True))
    for p in (regs[0], regs[6], regs[-1]):
        h = node_states(p, NOW.vix)
        got = table_errors(p, h, targets, NOW.spot, NOW.rate, NOW.div_yield, events)
        ref = table_errors_main(p, h, targets, NOW.spot, NOW.rate, NOW.div_yield, events)
        assert got.shape == (h.size,) and np.array_equal(got, ref)
        assert (got > 0).all()
        assert table_errors(p, h[:0], targets, NOW.spot, NOW.rate, NOW.div_yield, events).shape == (0,)
