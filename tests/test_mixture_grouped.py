"""The mixture's blocks of one law priced as one group (issue 16) against the block-by-block reference."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.cli.demo import NOW, demo_condor
from alvh_core.edge import hedge_plans, market_targets
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.model import HNGarchModel, MixturePaths
from alvh_core.strategies import LayerPolicy


@pytest.fixture(scope="module")
def paths() -> MixturePaths:
    condor = demo_condor()
    targets = market_targets(condor, NOW, hedge_plans(condor, NOW, LayerPolicy()))
    model = HNGarchModel(load_default_params(jumps=True)).calibrate(NOW, targets)
    p = model.simulate(NOW, 17, 2000, 5, premia=True)
    assert isinstance(p, MixturePaths)
    return p


def test_grouping_shares_pricers(paths):
    groups = paths._groups("spx", 17)  # noqa: SLF001
    # fewer groups than blocks (several nodes of one regime), and every row in exactly one group
    assert len(groups) < len(paths.blocks)
    rows = np.sort(np.concatenate([r for _, r in groups]))
    np.testing.assert_array_equal(rows, np.arange(paths.n_paths))


@pytest.mark.parametrize("steps", [17, 9, 30, 1])  # the condor's expiry, one inside the horizon, one past it, 1 day
def test_grouped_spx_option_equals_per_block(paths, steps):
    t = steps / 252
    for kind, strike in (("P", 5600.0), ("P", 5650.0), ("C", 6150.0), ("C", 6200.0), ("P", 5900.0)):
        p, d = paths.spx_option(kind, strike, t)
        p_ref, d_ref = paths.spx_option_by_block(kind, strike, t)
        np.testing.assert_array_equal(p, p_ref)
        np.testing.assert_array_equal(d, d_ref)
        assert np.isfinite(p).all() and np.all(p[:, 0] == p[0, 0])  # date 0: one mixture price


@pytest.mark.parametrize("steps", [17, 9, 30])
def test_grouped_vix_instruments_equal_per_block(paths, steps):
    t = steps / 252
    np.testing.assert_array_equal(paths.vix_future(t), paths.vix_future_by_block(t))
    for kind, strike in (("C", 25.0), ("P", 18.0)):
        np.testing.assert_array_equal(paths.vix_option(kind, strike, t), paths.vix_option_by_block(kind, strike, t))


def test_grouped_rejects_bad_input(paths):
    with pytest.raises(ValueError, match="option kind"):
        paths.spx_option("X", 5600.0, 17 / 252)
    with pytest.raises(ValueError, match="strike must be positive"):
        paths.vix_option("C", 0.0, 17 / 252)


def test_grouped_equals_per_block_with_the_compiled_kernel(paths):
    from alvh_core.scenarios.kernels import numba_kernel

    if numba_kernel() is None:
        pytest.skip("numba not installed: the compiled kernel is not used")
    for kind, strike in (("P", 5650.0), ("C", 6150.0)):
        p, d = paths.spx_option(kind, strike, 17 / 252)
        p_ref, d_ref = paths.spx_option_by_block(kind, strike, 17 / 252)
        np.testing.assert_array_equal(p, p_ref)
        np.testing.assert_array_equal(d, d_ref)


def test_today_prices_equal_per_block(paths):
    from alvh_core.scenarios.model import block_today_prices

    legs = (("P", 5600.0), ("P", 5650.0), ("C", 6150.0), ("C", 6200.0))
    for n_exp in (17, 3):
        got = paths.today_prices(legs, n_exp)
        ref = np.array([block_today_prices(b, legs, n_exp) for b in paths.blocks])
        np.testing.assert_array_equal(got, ref)
        # and each is the block's own date-0 price along its paths
        b = paths.blocks[0]
        np.testing.assert_array_equal(got[0, 1], b.spx_option("P", 5650.0, n_exp / 252)[0][0, 0])


def test_cos_reference_of_several_points_equals_one_call_per_point():
    import math

    from alvh_core.scenarios.pricer import cos_put_reference

    q = load_default_params(jumps=True).risk_neutral()
    x = np.array([math.log(5800.0 / k) for k in (5600.0, 5650.0, 6150.0, 6200.0, 5000.0, 7000.0)])
    for n in (1, 17, 40):
        for h in (1e-5, 2e-4):
            for ev in ((), (1.0,) * (n - 1) + (1.5,)):
                many = cos_put_reference(q, 0.04, 0.013, n, x, h, events=ev)
                one = [cos_put_reference(q, 0.04, 0.013, n, x[i:i + 1], h, events=ev)[0] for i in range(x.size)]
                np.testing.assert_array_equal(many, one)
                assert np.all(many > -1e-12) and many[4] < many[0] < many[1] < many[2]  # puts rise with the strike


def test_model_controls_grouped_equal_per_block(paths, monkeypatch):
    from alvh_core.scenarios import model as model_mod
    from alvh_core.strategies.base import CondorOnPaths
    from alvh_core.variance_reduction import _terminal_means, model_controls

    cp = CondorOnPaths.from_market(demo_condor(), paths, NOW)
    held = {"x": [np.arange(cp.k)[None, :] < (np.arange(paths.n_paths) % 7)[:, None]]}
    got = model_controls(paths, cp, "put", held)
    from alvh_core import variance_reduction as vr

    monkeypatch.setattr(model_mod, "GROUPED", False)
    monkeypatch.setattr(vr, "GROUPED_CONTROLS", False)
    _terminal_means.cache_clear()
    ref = model_controls(paths, cp, "put", held)
    assert got.keys() == ref.keys()
    for name in got:
        # the martingale columns are row-wise dot products over days (BLAS): a row's rounding may depend on where it
        # sits in the matrix, so equal to 1e-12 of each column's scale; everything else bit for bit
        scale = np.abs(ref[name].values).max(axis=0)
        np.testing.assert_allclose(got[name].values, ref[name].values, rtol=0, atol=1e-12 * scale.max())
        assert np.all(np.abs(got[name].values - ref[name].values) <= 1e-12 * scale)
        np.testing.assert_array_equal(got[name].means, ref[name].means)
        np.testing.assert_array_equal(got[name].accuracy, ref[name].accuracy)
    assert got["x"].values.shape[1] > got[""].values.shape[1]


def test_date0_mixture_price_of_vix_options_equals_the_per_block_tables(paths):
    firsts, _ = paths._date0_blocks()  # noqa: SLF001
    assert firsts is not None and firsts.size == len(paths.blocks)
    rows = np.arange(0, paths.n_paths, 97)
    days = np.zeros(rows.size, np.intp)
    days[::3] = 5
    strikes = np.where(np.arange(rows.size) % 2 == 0, 21.0, 27.0)
    for kind in ("C", "P"):
        got = paths.vix_option_at(kind, strikes, 17 / 252, rows, days)
        for k in (21.0, 27.0):
            table = paths.vix_option_by_block(kind, k, 17 / 252)
            sel = strikes == k
            np.testing.assert_array_equal(got[sel], table[rows[sel], days[sel]])


def test_anchor_node_prices_with_one_stencil_per_expiry_equal_a_look_up_per_leg():
    from alvh_core.scenarios.anchor import node_prices, node_states, regimes
    from alvh_core.scenarios.pricer import event_pattern, spx_pricer

    condor = demo_condor()
    targets = market_targets(condor, NOW, hedge_plans(condor, NOW, LayerPolicy()))
    model = HNGarchModel(load_default_params(jumps=True))
    ev = model.event_multipliers(NOW, 17)
    spx = [i for i, t in enumerate(targets) if t.kind in ("SPX_P", "SPX_C", "CONDOR")]
    assert len(spx) >= 4
    for p in regimes(load_default_params(jumps=True))[::5]:
        h = node_states(p, NOW.vix)
        if not h.size:
            continue
        got = node_prices(p, h, targets, NOW.spot, NOW.rate, NOW.div_yield, ev)
        for i in spx:
            t = targets[i]
            pricer = spx_pricer(p.risk_neutral(), NOW.rate, NOW.div_yield, event_pattern(ev, t.steps))
            ref = sum(w * pricer.price(k == "C", np.full(h.size, NOW.spot), strike, np.full(h.size, t.steps), h)[0]
                      for k, strike, w in (t.legs or ((t.kind[-1], t.strike, 1.0),)))
            np.testing.assert_array_equal(got[i], ref)
