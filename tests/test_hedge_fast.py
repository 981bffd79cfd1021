"""``stress_sizing`` evaluates its two states and two strikes in stacked calls (issue 16); it must give the
numbers of the one-call-per-leg-and-state form kept in ``tests/hedge_reference.py``, to the last bit, for the
shapes the desk uses: one market today (scalars) and every path that may add a layer on a date (arrays)."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.hedge import regime_beta, spread_strikes, stress_sizing
from alvh_core.market.marked import MarkedSurface
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE
from tests.hedge_reference import stress_sizing_reference

KEYS = ("spx", "vix", "future", "wing_loss", "gain", "full")


def _states(m: int, seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    spot = 5000.0 * np.exp(rng.normal(0.0, 0.05, m))
    vix = 22.0 * np.exp(rng.normal(0.0, 0.3, m))
    fut = vix * np.exp(rng.normal(0.02, 0.05, m))
    return {"spot": spot, "vix_points": vix, "tau": rng.uniform(1e-6, 0.15, m),
            "future": fut, "tau_h": rng.uniform(0.05, 0.25, m)}


def _same(a: dict, b: dict) -> None:
    for k in KEYS:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
        assert np.shape(a[k]) == np.shape(b[k]), k


@pytest.mark.parametrize("wing", ["put", "call"])
@pytest.mark.parametrize("sizing", ["stress", "dollar_delta", "vega"])
@pytest.mark.parametrize("kind", ["VIX_CALL", "VIX_PUT", "VX", "VXM"])
def test_paths_equal_reference(wing, sizing, kind):
    st = _states(2001)
    k1, k2 = spread_strikes(kind, st["future"]) if kind.startswith("VIX") else (None, None)
    kw = dict(st, k_short=np.full(2001, 4900.0 if wing == "put" else 5300.0),
              k_long=np.full(2001, 4800.0 if wing == "put" else 5400.0), kind=kind,
              k1=None if k1 is None else np.maximum(k1, 0.5), k2=None if k2 is None else np.maximum(k2, 0.5),
              direction=1 if wing == "put" else -1, beta=regime_beta(st["vix_points"], wing), rate=0.04, div=0.013)
    new = stress_sizing(wing, sizing, **kw)
    ref = stress_sizing_reference(wing, sizing, **kw)
    _same(new, ref)
    assert np.all(np.isfinite(new["full"])) and np.any(new["wing_loss"] > 0)


@pytest.mark.parametrize("offsets", [(0.0, 0.0), (0.05, -0.03)])
def test_one_market_equals_reference(offsets):
    kw = dict(spot=5000.0, vix_points=22.0, tau=30 / 365, k_short=4900.0, k_long=4800.0, future=23.1,
              tau_h=45 / 365, kind="VIX_CALL", k1=23.0, k2=33.0, beta=-4.6, rate=0.04, div=0.013, vol_offsets=offsets)
    new = stress_sizing("put", "stress", **kw)
    _same(new, stress_sizing_reference("put", "stress", **kw))
    assert float(new["gain"]) > 0 and float(new["wing_loss"]) > 0


def test_marked_surface_equals_reference():
    """A marked SPX surface (the trader's marks) goes through the same stacked calls."""
    smile = MarkedSurface(DEFAULT_SPX_SMILE, {4800.0: 0.27, 4900.0: 0.245}, 30 / 365, 5000.0, 0.22, 0.04, 0.013)
    st = _states(301, seed=5)
    kw = dict(st, k_short=4900.0, k_long=4800.0, kind="VIX_CALL", k1=23.0, k2=33.0, beta=-4.6, rate=0.04,
              div=0.013, smile=smile)
    new = stress_sizing("put", "stress", **kw)
    ref = stress_sizing_reference("put", "stress", **kw)
    for k in KEYS:
        np.testing.assert_allclose(new[k], ref[k], rtol=1e-13, atol=1e-9, err_msg=k)


def test_a_stressed_future_never_crosses_zero():
    """Call wing, VIX falling in the stress, a path's future far below the curve (a fast-reverting pricing
    regime): the additive basis would take the stressed future below zero (seen once in test_edge_jumps);
    there the basis is kept as a ratio, so the future stays positive and the layer is sized without NaN."""
    from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE as curve

    vix, tau_h = np.array([14.0, 14.0]), np.array([30 / 365, 30 / 365])
    c0 = float(np.asarray(curve.future(vix / 100.0, tau_h))[0])
    fut = np.array([c0 - 0.5, 1.0])  # an ordinary basis, and a future 1.0 under a curve at about c0
    kw = dict(spot=np.full(2, 5000.0), vix_points=vix, tau=np.full(2, 20 / 365), future=fut, tau_h=tau_h,
              k_short=np.full(2, 5300.0), k_long=np.full(2, 5400.0), kind="VIX_PUT", k1=np.array([13.0, 1.0]),
              k2=np.array([10.0, 0.5]), direction=-1, beta=-4.0, rate=0.04, div=0.013)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log of a negative future on the sizing's side
        new = stress_sizing("call", "stress", **kw)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stress_sizing_reference("call", "stress", **kw)
    c1 = float(np.asarray(curve.future(np.asarray(new["vix"])[1:] / 100.0, tau_h[1:]))[0])
    assert ref["future"][1] < 0 < new["future"][1]  # the additive basis crossed zero; the ratio does not
    assert new["future"][1] == pytest.approx(1.0 * c1 / c0, rel=1e-12)
    assert new["future"][0] == ref["future"][0]  # an ordinary path is untouched, bit for bit
    assert np.all(np.isfinite(new["full"]))
