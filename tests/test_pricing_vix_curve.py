"""THE VIX futures curve and VIX option smile (alvh_core.market.vix_curve): shape, units, the fit to
the VX history (out of sample) and to the real VIX option quotes of 2016-06-01."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.market import vix_curve as mvc
from alvh_core.pricing import black76
from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE as CURVE
from alvh_core.pricing.vix_curve import VixCurve


def test_contango_low_backwardation_high_and_convergence():
    taus = np.array([0.0, 0.05, 0.15, 0.4])
    for v3 in (None, 0.16, 0.35):
        low = CURVE.future(0.12, taus, vix3m=None if v3 is None else 0.15)
        high = CURVE.future(0.40, taus, vix3m=None if v3 is None else 0.33)
        assert low[0] == pytest.approx(12.0) and high[0] == pytest.approx(40.0)  # settles at spot VIX
        assert np.all(np.diff(low) > 0) and np.all(np.diff(high) < 0)
    # VIX3M above what VIX predicts steepens the curve; VIX9D above it lowers the front
    assert CURVE.future(0.2, 0.1, vix3m=0.24) > CURVE.future(0.2, 0.1, vix3m=0.21)
    assert CURVE.future(0.2, 0.05, vix9d=0.26, vix3m=0.22) < CURVE.future(0.2, 0.05, vix9d=0.18, vix3m=0.22)


def test_monthly_curve_lists_vx_expiries_and_marks_win():
    from alvh_core.pricing.expiries import vx_expiry
    rows = CURVE.monthly_curve(dt.date(2026, 11, 24), 0.243, months=3, marks={vx_expiry(2027, 1): 22.45})
    assert [r["expiry"] for r in rows] == [vx_expiry(2026, 12), vx_expiry(2027, 1), vx_expiry(2027, 2)]
    assert rows[1] == {"expiry": vx_expiry(2027, 1), "price": 22.45, "source": "marked"}
    assert rows[0]["source"] == "model" and rows[0]["price"] == pytest.approx(
        float(CURVE.future(0.243, (vx_expiry(2026, 12) - dt.date(2026, 11, 24)).days / 365)))


def test_vix_option_smile_shape():
    f = 20.0
    k = np.array([14.0, 17.0, 20.0, 25.0, 30.0, 40.0])
    v30 = CURVE.option_vol(k, f, 30 / 365)
    assert np.all(np.diff(v30) > 0)  # upward skew
    assert 0.6 <= v30[2] <= 1.0
    atm = CURVE.option_vol(f, f, np.array([7, 30, 60, 90, 180]) / 365)
    # flat up to flat_days (70), then decaying with tenor
    assert atm[0] == pytest.approx(atm[1], rel=1e-12) and atm[2] == pytest.approx(atm[1], rel=1e-12)
    assert np.all(np.diff(atm[2:]) < 0)
    assert atm[-1] == pytest.approx(atm[1] * (180 / CURVE.flat_days) ** -CURVE.term_decay, rel=1e-12)
    assert CURVE.option_vol(f, f, 30 / 365, vvix=1.2) == pytest.approx(1.2 * CURVE.vvix_to_atm, rel=1e-12)


def test_vix_option_prices_have_no_butterfly_arbitrage():
    for tau in (7 / 365, 30 / 365, 120 / 365):
        k = np.linspace(8, 80, 2000)
        c = black76.price(True, 20.0, k, tau, CURVE.option_vol(k, 20.0, tau))
        assert np.all(np.diff(c) <= 1e-12) and np.all(np.diff(c, 2) >= -1e-12)


def test_validates():
    with pytest.raises(ValueError):
        VixCurve(kappa=-1)


@pytest.fixture(scope="module")
def vx(shared_data):
    from alvh_core.history.data import load_daily
    return mvc.vx_sample(load_daily(shared_data))


def test_futures_out_of_sample_by_year(vx):
    """Each year 2010-2018 predicted by a fit on the other years: 0.85 points RMS over the first three
    contracts (the former curve: 2.31 in sample), within 1.7 at VIX >= 30, bias within 0.25."""
    sel = vx["date"] >= np.datetime64("2014-01-01")  # four test years keep the test quick
    sub = {k: v[sel] for k, v in vx.items()}
    err = mvc.futures_out_of_sample(sub, years=(2014, 2015, 2016, 2018))
    ok = np.isfinite(err)
    assert ok.sum() > 2900
    e = err[ok]
    assert np.sqrt(np.mean(e**2)) < 0.9 and abs(e.mean()) < 0.25
    hi = sub["vix"][ok] >= 25
    assert hi.sum() > 40 and np.sqrt(np.mean(e[hi] ** 2)) < 1.7
    former = mvc.FORMER_CURVE.future(sub["vix"][ok] / 100, sub["tau"][ok]) - sub["price"][ok]
    assert np.sqrt(np.mean(e**2)) < 0.8 * np.sqrt(np.mean(former**2))


def test_contango_statistics_match_the_data(vx):
    """2013-2018: front over spot about +6% in data and curve; second over front about +6-8%."""
    d = {k: v[vx["date"] >= np.datetime64("2013-01-01")] for k, v in vx.items()}
    model = CURVE.future(d["vix"] / 100, d["tau"], d["vix9d"] / 100, d["vix3m"] / 100)
    f1 = d["rank"] == 1
    data_front, model_front = np.mean(d["price"][f1] / d["vix"][f1] - 1), np.mean(model[f1] / d["vix"][f1] - 1)
    assert 0.04 < data_front < 0.08 and abs(model_front - data_front) < 0.01
    assert 0.75 < np.mean(model[f1] > d["vix"][f1]) < 0.92


def test_vix_option_smile_fits_2016_06_01(shared_data):
    """Black-76 on the same-expiry VX settle: the fitted smile is within 3.2 vol points RMS of the
    194 out-of-the-money quotes in sample (2.90; the former form 6.36, the rule-of-thumb smile before it
    22.7); refit reproduces it (leaving each expiry out: tests/test_vix_smile.py)."""
    s = mvc.vix_option_sample(shared_data)
    assert s["strike"].size == 194 and s["vvix"] == pytest.approx(0.7893)
    e = 100 * (CURVE.option_vol(s["strike"], s["forward"], s["tau"], s["vvix"]) - s["vol"])
    assert np.sqrt(np.mean(e**2)) < 3.2 and abs(e.mean()) < 0.6
    refit = mvc.fit_options(s)
    for n in mvc.OPTION_PARAMS:
        assert getattr(refit, n) == pytest.approx(getattr(CURVE, n), abs=2e-3 * max(1.0, abs(getattr(CURVE, n))))
    assert refit.atm_30d == pytest.approx(CURVE.atm_30d, abs=2e-3)
    # the forward of a monthly expiry is the VX settle of that day (June 15.275, July 17.525)
    jun = s["expiry"] == np.datetime64("2016-06-15")
    assert s["forward"][jun][0] == pytest.approx(15.275)
