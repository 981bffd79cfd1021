"""SPX smile sanity (SpxSmile is the one surface): levels at 10 delta, put skew above calls, replication,
no butterfly arbitrage, term structure, strike_for_delta round trip."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.pricing import bsm
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE, SpxSmile, strike_for_delta

SM = DEFAULT_SPX_SMILE


@pytest.mark.parametrize("dte", [14, 30, 45])
def test_typical_levels_at_vix_20(dte):
    """VIX 20: ATM about 16 (2018-02-14..20 quotes: 15.4-16.2 at VIX 19.3-20.6), 10-delta put about 24-26
    (22.7 at 14 days on 2018-02-14), 10-delta call about 13-14 (13.7): the fitted surface."""
    tau = dte / 365
    kp = strike_for_delta(0.10, False, tau, 5000.0, 0.20, 0.04, 0.013)
    kc = strike_for_delta(0.10, True, tau, 5000.0, 0.20, 0.04, 0.013)
    fwd = bsm.forward(5000.0, tau, 0.04, 0.013)
    atm, vp, vc = SM.vol(np.array([fwd, kp, kc]), tau, 5000.0, 0.20, 0.04, 0.013)
    assert 0.15 <= atm <= 0.17
    assert 0.23 <= vp <= 0.27
    assert 0.125 <= vc <= 0.145
    assert kp < 5000 < kc


def test_put_skew_above_call_and_monotone_down_to_call_wing():
    tau = 40 / 365
    for vix in (0.12, 0.2, 0.35):
        for d in (0.05, 0.1, 0.2, 0.3):
            kp = strike_for_delta(d, False, tau, 4000.0, vix)
            kc = strike_for_delta(d, True, tau, 4000.0, vix)
            vp, vc = SM.vol(np.array([kp, kc]), tau, 4000.0, vix)
            assert vp > vc
        k = np.linspace(3000, 4100, 50)
        assert np.all(np.diff(SM.vol(k, tau, 4000.0, vix)) < 0)  # decreasing through the money
        k = np.linspace(1000, float(strike_for_delta(0.25, True, tau, 4000.0, vix)), 500)
        assert np.all(np.diff(SM.vol(k, tau, 4000.0, vix)) < 0)  # and down to the 25-delta call


def test_strike_for_delta_round_trip():
    rng = np.random.default_rng(0)
    n = 500
    delta = rng.uniform(0.02, 0.6, n)
    is_call = rng.random(n) < 0.5
    tau = rng.uniform(2 / 365, 1.0, n)
    vix = rng.uniform(0.1, 0.6, n)
    k = SM.strike_for_delta(delta, is_call, tau, 4500.0, vix, 0.04, 0.013)
    vol = SM.vol(k, tau, 4500.0, vix, 0.04, 0.013)
    g = bsm.greeks(is_call, 4500.0, k, tau, vol, 0.04, 0.013)
    np.testing.assert_allclose(np.abs(g.delta), delta, atol=1e-9)
    # signed put deltas are accepted too
    np.testing.assert_allclose(SM.strike_for_delta(-0.1, False, 0.1, 4500.0, 0.2),
                               SM.strike_for_delta(0.1, False, 0.1, 4500.0, 0.2))


@pytest.mark.parametrize("vix", [0.11, 0.2, 0.4])
def test_vix_sits_above_the_atm_vol_like_a_variance_swap(vix):
    """Replicate the 30-day variance swap from the smile's OTM prices (independent quadrature): it sits
    above the ATM vol (the skew's contribution) and near VIX. The ATM/level ratio and the wings are fitted
    to 5-50 delta quotes, not forced through VIX: the extrapolated far put wing puts the replicated rate
    about 5% below VIX at VIX 11 and 17% above it at VIX 40 (README "The SPX surface")."""
    tau, spot = 30 / 365, 3000.0
    k = np.linspace(spot * 0.2, spot * 2.5, 200_001)
    vol = SM.vol(k, tau, spot, vix)
    otm = bsm.price(k > spot, spot, k, tau, vol)
    var = 2.0 / tau * np.trapezoid(otm / k**2, k)
    assert np.sqrt(var) == pytest.approx(vix, rel=0.2)
    assert np.sqrt(var) == pytest.approx(SM.replicated_vs(tau, vix), rel=5e-3)  # its own quadrature (to K = 0)
    assert SM.atm_vol(tau, vix) < 0.9 * np.sqrt(var)


def test_no_butterfly_or_calendar_arbitrage():
    spot = 4000.0
    for vix in (0.1, 0.2, 0.4, 0.7):
        for tau in (1 / 365, 7 / 365, 30 / 365, 0.25, 1.0):
            k = np.linspace(spot * 0.5, spot * 1.4, 3001)
            c = bsm.price(True, spot, k, tau, SM.vol(k, tau, spot, vix))
            assert np.all(np.diff(c) <= 1e-9)
            assert np.all(np.diff(c, 2) >= -1e-10 * spot), (vix, tau)
        # total variance increases with tenor at fixed standardised moneyness (ATM here)
        taus = np.linspace(1 / 365, 2.0, 200)
        assert np.all(np.diff(SM.atm_vol(taus, vix) ** 2 * taus) > 0)
        for x in (0.7, 0.9, 1.0, 1.1):  # and at fixed K/F
            w = SM.vol(x * spot, taus, spot, vix) ** 2 * taus
            assert np.all(np.diff(w) > 0), (vix, x)


def test_term_structure_mean_reverts():
    low, high = SM.atm_vol(np.array([0.05, 0.5, 2.0]), 0.12), SM.atm_vol(np.array([0.05, 0.5, 2.0]), 0.45)
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) < 0)  # contango when low, inverted when high
    assert SM.variance_swap_vol(30 / 365, 0.2) == pytest.approx(0.2, rel=1e-12)


def test_params_validate_and_vectorise():
    with pytest.raises(ValueError):
        SpxSmile(kappa=0.0)
    with pytest.raises(ValueError):
        SpxSmile(pillar_weight=1.5)
    v = SM.vol(np.full((3, 4), 4000.0), np.array([0.1, 0.2, 0.3, 0.4]), 4000.0, np.array([[0.15], [0.2], [0.3]]))
    assert v.shape == (3, 4) and np.all(np.isfinite(v))


def test_matches_vix3m_and_vix9d_history(shared_data):
    """The term-structure rule reproduces Cboe VIX9D/VIX3M from VIX within ~1.6-1.8 vol points RMS."""
    import pandas as pd
    v = pd.read_csv(shared_data / "vix_daily.csv", index_col=0)["close"]
    v3 = pd.read_csv(shared_data / "vix3m_daily.csv", index_col=0)["close"]
    v9 = pd.read_csv(shared_data / "vix9d_daily.csv", index_col=0)["close"]
    df = pd.concat([v, v3, v9], axis=1, keys=["v", "v3", "v9"]).dropna()
    assert len(df) > 1500
    pred3 = 100 * SM.variance_swap_vol(93 / 365, df.v.to_numpy() / 100)
    pred9 = 100 * SM.variance_swap_vol(9 / 365, df.v.to_numpy() / 100)
    assert np.sqrt(np.mean((pred3 - df.v3.to_numpy()) ** 2)) < 1.6
    assert np.sqrt(np.mean((pred9 - df.v9.to_numpy()) ** 2)) < 1.8
    assert abs(np.mean(pred3 - df.v3.to_numpy())) < 0.5


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=100, deadline=None)
@given(vix=st.floats(0.09, 0.9), dte=st.integers(1, 400), d1=st.floats(0.02, 0.5), d2=st.floats(0.02, 0.5))
def test_property_strikes_ordered_by_delta(vix, dte, d1, d2):
    """Lower put delta -> lower strike; lower call delta -> higher strike; puts below calls."""
    tau = dte / 365
    lo, hi = sorted((d1, d2))
    if hi - lo < 1e-6:
        return
    kp = SM.strike_for_delta(np.array([lo, hi]), False, tau, 4000.0, vix)
    kc = SM.strike_for_delta(np.array([lo, hi]), True, tau, 4000.0, vix)
    assert kp[0] < kp[1] and kc[0] > kc[1]
    assert kp[1] < kc[1] or hi > 0.45
