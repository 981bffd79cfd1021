"""The feature study's plumbing (README "The SPX surface", features tried): its realised vol and EW
filter against direct loops, and the claim that the c_ts slot adds exactly ``b f`` to ln(ATM ratio)."""
from __future__ import annotations

import numpy as np

from alvh_core.market import feature_study as fs
from alvh_core.market.surface import DEFAULT_SURFACE


def test_realised_vol_and_ew_match_direct_loops():
    rng = np.random.default_rng(3)
    r = np.concatenate([[np.nan], rng.normal(0.0, 0.01, 60)])
    rv = fs._realised(r, 10)
    assert np.isnan(rv[:10]).all()
    for j in (10, 33, 60):
        direct = np.sqrt(252.0 * np.mean(r[j - 9:j + 1] ** 2))
        assert abs(rv[j] - direct) < 1e-12
    ew = fs._ew(r, 10.0)
    a, acc = np.exp(-0.1), 0.0
    for j, x in enumerate(np.nan_to_num(r)):
        acc = a * acc + (1.0 - a) * x
        assert abs(ew[j] - acc) < 1e-12


def test_feature_slot_is_exactly_an_atm_factor():
    """VIX9D := VIX e^f with c_ts = b (pillar weight 0, r_ts 0) multiplies the ATM vol by e^{b f} and
    leaves the smile's shape in z unchanged: the vol at K equals the shipped surface's ATM-scaled vol."""
    b, f = 0.07, np.array([-0.4, 0.0, 0.3, 0.9])
    vix, tau, fwd = np.full(4, 0.30), np.full(4, 20 / 365), np.full(4, 2600.0)
    srf = DEFAULT_SURFACE.model_copy(update={"c_ts": b})
    v9 = vix * np.exp(f)
    a0 = DEFAULT_SURFACE.atm_vol(tau, vix)
    a1 = srf.atm_vol(tau, vix, vix9d=v9)
    np.testing.assert_allclose(a1, a0 * np.exp(b * f), rtol=1e-12)
    # the shape parameters do not see the slot (r_ts = 0), so the smile scales with z = k / (a sqrt tau)
    rho0, eta0 = DEFAULT_SURFACE.shape_params(vix)
    rho1, eta1 = srf.shape_params(vix, vix9d=v9)
    np.testing.assert_allclose(rho1, rho0)
    np.testing.assert_allclose(eta1, eta0)
    k = np.full(4, 2400.0)
    z = np.log(k / fwd) / (a1 * np.sqrt(tau))
    r1, e1 = srf.shape_params(vix, vix9d=v9, atm=a1, tau=tau)
    np.testing.assert_allclose(srf.vol_fwd(k, tau, fwd, vix, vix9d=v9),
                               a1 * srf.shape(z, r1, e1, srf.right_slope(a1, tau), srf.left_slope(a1, tau, vix)),
                               rtol=1e-12)
