"""The stressed-curve variants tried for the VX futures curve (README "VIX futures curve", ``kappa_ts`` and
the VVIX terms ``b_vvix, c_vvix, d_vvix``): their plumbing. None is adopted (0 in the shipped curve);
``python -m alvh_core.market.vix_curve --tried``."""
from __future__ import annotations

import numpy as np

from alvh_core.market.surface import DEFAULT_SURFACE, TAU_3M, TAU_9D
from alvh_core.market.vix_curve import DEFAULT_VIX_CURVE, X3_RANGE, X9_RANGE, XT_RANGE


def test_kappa_ts_is_a_term_structure_dependent_mean_reversion():
    """``kappa exp(kappa_ts ln(VIX/VIX3M))`` replaces ``kappa`` when VIX3M is given (ratio clipped to
    XT_RANGE); without VIX3M (the VIX-only law) and with ``kappa_ts = 0`` the curve is unchanged."""
    c = DEFAULT_VIX_CURVE.model_copy(update={"kappa_ts": 1.4})
    vix = np.array([0.12, 0.20, 0.35, 0.45, 0.60])
    v3 = np.array([0.15, 0.21, 0.30, 0.36, 0.40])
    v9 = np.array([0.10, 0.19, 0.40, 0.55, 0.75])
    tau = np.array([10, 30, 50, 70, 90]) / 365
    assert DEFAULT_VIX_CURVE.kappa_ts == 0.0
    np.testing.assert_array_equal(c.future(vix, tau), DEFAULT_VIX_CURVE.future(vix, tau))
    got = c.future(vix, tau, v9, v3)
    # the formula of the module docstring written out with the scaled rate
    k = c.kappa * np.exp(1.4 * np.clip(np.log(vix / v3), *XT_RANGE))
    x = np.log(vix / 0.2)
    x3 = np.clip(np.log(v3 / DEFAULT_SURFACE.variance_swap_vol(TAU_3M, vix)), *X3_RANGE)
    x9 = np.clip(np.log(v9 / DEFAULT_SURFACE.variance_swap_vol(TAU_9D, vix)), *X9_RANGE)
    s1, s2 = 1 - np.exp(-k * tau), 1 - np.exp(-c.kappa2 * tau)
    ln_p = s1 * (c.a0 + c.a1 * x + c.a2 * x * x) + s2 * (c.b3 * x3 + c.a3 * x3 * x) + c.b9 * x9 * np.exp(-k * tau) * s2
    np.testing.assert_allclose(got, 100 * vix * np.exp(ln_p), rtol=1e-12)
    # backwardation (VIX > VIX3M) with kappa_ts > 0: the curve leaves spot faster than the shipped one
    assert abs(got[-1] - 100 * vix[-1]) > abs(DEFAULT_VIX_CURVE.future(vix, tau, v9, v3)[-1] - 100 * vix[-1])


def test_vvix_terms_tried_are_optional_and_off_in_the_shipped_curve():
    """The three VVIX terms tried for the stressed curve (README "Tried for the stressed curve"): 0 in the
    shipped curve; with VVIX absent (None or NaN) a curve with them set is the curve without them; with VVIX
    given the log premium gains ``s1 (b_vvix + d_vvix x) clip(ln(VVIX/0.881)) - c_vvix (VVIX^2 - 0.881^2) tau``."""
    from alvh_core.market.vix_curve import MEAN_VVIX, VV_RANGE

    assert (DEFAULT_VIX_CURVE.b_vvix, DEFAULT_VIX_CURVE.c_vvix, DEFAULT_VIX_CURVE.d_vvix) == (0.0, 0.0, 0.0)
    c = DEFAULT_VIX_CURVE.model_copy(update={"b_vvix": -0.25, "c_vvix": 0.55, "d_vvix": 0.08})
    vix = np.array([0.12, 0.20, 0.35, 0.45])
    v3 = np.array([0.15, 0.21, 0.30, 0.36])
    v9 = np.array([0.10, 0.19, 0.40, 0.55])
    vv = np.array([0.70, 0.881, 1.40, 2.10])
    tau = np.array([10, 30, 60, 90]) / 365
    base = DEFAULT_VIX_CURVE.future(vix, tau, v9, v3)
    np.testing.assert_array_equal(c.future(vix, tau, v9, v3), base)
    np.testing.assert_array_equal(c.future(vix, tau, v9, v3, np.full(4, np.nan)), base)
    np.testing.assert_array_equal(DEFAULT_VIX_CURVE.future(vix, tau, v9, v3, vv), base)
    # the VIX-only law (no VIX3M) ignores VVIX
    np.testing.assert_array_equal(c.future(vix, tau, vvix=vv), DEFAULT_VIX_CURVE.future(vix, tau))
    s1 = 1 - np.exp(-c.kappa * tau)
    xv = np.clip(np.log(vv / MEAN_VVIX), *VV_RANGE)
    extra = s1 * (c.b_vvix + c.d_vvix * np.log(vix / 0.2)) * xv - c.c_vvix * (vv**2 - MEAN_VVIX**2) * tau
    np.testing.assert_allclose(c.future(vix, tau, v9, v3, vv), base * np.exp(extra), rtol=1e-12)
    # at the typical VVIX the level terms vanish and the convexity term is 0
    np.testing.assert_allclose(c.future(vix, tau, v9, v3, np.full(4, MEAN_VVIX)), base, rtol=1e-12)
