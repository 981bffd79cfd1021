"""VIX futures curve and VIX option smile: shape, units, and the facts from the design notes on
the VX history."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.pricing import black76
from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE as CURVE
from alvh_core.pricing.vix_curve import VixCurve


def test_contango_low_backwardation_high_and_convergence():
    taus = np.array([0.0, 0.05, 0.15, 0.4])
    low = CURVE.future(0.13, taus)
    high = CURVE.future(0.40, taus)
    assert low[0] == pytest.approx(13.0) and high[0] == pytest.approx(40.0)
    assert np.all(np.diff(low) > 0) and np.all(np.diff(high) < 0)
    assert CURVE.future(0.3, 50.0) == pytest.approx(CURVE.theta, rel=1e-6)
    assert CURVE.future(CURVE.theta / 100, 0.3) == pytest.approx(CURVE.theta)


def test_vix_option_smile_shape():
    f = 20.0
    k = np.array([14.0, 17.0, 20.0, 25.0, 30.0, 40.0])
    v30 = CURVE.option_vol(k, f, 30 / 365)
    assert np.all(np.diff(v30) > 0)  # upward skew
    assert 0.6 <= v30[2] <= 1.0
    # short-dated vol higher, decaying with tenor
    atm = CURVE.option_vol(f, f, np.array([7, 30, 90, 180]) / 365)
    assert np.all(np.diff(atm) < 0) and atm[0] > 1.0
    # VVIX scales the level
    assert CURVE.option_vol(f, f, 30 / 365, vvix=1.2) == pytest.approx(1.2 * 0.9, rel=1e-12)


def test_vix_option_prices_have_no_butterfly_arbitrage():
    for tau in (7 / 365, 30 / 365, 120 / 365):
        k = np.linspace(8, 80, 2000)
        c = black76.price(True, 20.0, k, tau, CURVE.option_vol(k, 20.0, tau))
        assert np.all(np.diff(c) <= 1e-12) and np.all(np.diff(c, 2) >= -1e-12)


def test_validates():
    with pytest.raises(ValueError):
        VixCurve(kappa=-1)


def test_design_note_facts_on_vx_history(shared_data):
    """Model curve vs the 2013-2018 VX settles: front above spot ~3 days in 4 (model and data),
    second month ~5% above the first, RMS pricing error ~1.2 points."""
    import pandas as pd
    vx = pd.read_csv(shared_data / "vx_futures_daily.csv", parse_dates=["date", "expiry"])
    vix = pd.read_csv(shared_data / "vix_daily.csv", parse_dates=["date"], index_col="date")["close"]
    vx = vx[vx.date >= "2013-06-20"].merge(vix.rename("vix"), left_on="date", right_index=True)
    vx["px"] = vx.settle.fillna(vx.close)
    vx["tau"] = (vx.expiry - vx.date).dt.days / 365
    vx = vx[vx.tau > 0].sort_values(["date", "expiry"])
    vx["model"] = CURVE.future(vx.vix.to_numpy() / 100, vx.tau.to_numpy())
    rms = np.sqrt(np.mean(((vx.model - vx.px) ** 2)[vx.tau < 0.75]))
    assert rms < 1.4
    front = vx.groupby("date").nth(0).set_index("date")
    second = vx.groupby("date").nth(1).set_index("date")
    data_above, model_above = (front.px > front.vix).mean(), (front.model > front.vix).mean()
    assert 0.7 <= data_above <= 0.9 and 0.7 <= model_above <= 0.9
    ratio_data = (second.px / front.px).mean()
    ratio_model = (second.model / front.model).mean()
    assert 1.03 <= ratio_data <= 1.08
    assert 1.03 <= ratio_model <= 1.08
