"""analysis.analyze / what_if against independent references and invariants."""
from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from scipy.stats import lognorm, norm

from alvh_core.analysis import analyze, breakevens, expiry_pnl, shifted_market, what_if
from alvh_core.models import IronCondor, MarketState

ASOF = dt.date(2026, 11, 24)
CONDOR = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5600, short_put=5650, short_call=6150, long_call=6200,
                    quantity=10, credit=4.80)
MARKET = MarketState(spot=5712, vix=24.3, asof=ASOF)


class FlatSmile:
    """Test double: one vol for every strike."""

    def __init__(self, vol: float) -> None:
        self.sigma = vol

    def vol(self, strike, tau, spot, vix_decimal):
        return np.full(np.shape(strike), self.sigma, dtype=float)


class SkewSmile:
    """Test double: vol rising linearly as strike falls below spot (a crude equity skew)."""

    def vol(self, strike, tau, spot, vix_decimal):
        k = np.asarray(strike, dtype=float)
        return np.clip(vix_decimal * (1.0 - 1.5 * np.log(k / spot)), 0.05, 2.0)


def ref_bsm(is_call: bool, s, k, tau, vol, r, q) -> float:
    """Textbook Black-Scholes-Merton, written independently of alvh_core.pricing."""
    d1 = (math.log(s / k) + (r - q + 0.5 * vol * vol) * tau) / (vol * math.sqrt(tau))
    d2 = d1 - vol * math.sqrt(tau)
    if is_call:
        return s * math.exp(-q * tau) * norm.cdf(d1) - k * math.exp(-r * tau) * norm.cdf(d2)
    return k * math.exp(-r * tau) * norm.cdf(-d2) - s * math.exp(-q * tau) * norm.cdf(-d1)


def position_value(condor: IronCondor, market: MarketState, vol: float) -> float:
    """Dollar value of the held legs (negative for a short condor), reference pricer."""
    tau = market.tau(condor.expiry)
    return sum(leg.sign * ref_bsm(leg.kind == "C", market.spot, leg.strike, tau, vol, market.rate, market.div_yield)
               for leg in condor.legs) * condor.dollars_per_point


def test_marks_match_textbook_bsm_and_pnl_is_credit_minus_mark():
    a = analyze(CONDOR, MARKET, smile=FlatSmile(0.22))
    tau = MARKET.tau(CONDOR.expiry)
    for leg in a.legs:
        ref = ref_bsm(leg.kind == "C", 5712, leg.strike, tau, 0.22, MARKET.rate, MARKET.div_yield)
        assert leg.mark == pytest.approx(ref, rel=1e-10, abs=1e-10)
        assert leg.iv == 0.22 and leg.iv_source == "smile"
    assert a.close_cost == pytest.approx(-sum(leg.sign * leg.mark for leg in a.legs))
    assert a.pnl_now == pytest.approx((CONDOR.credit - a.close_cost) * 100 * 10)
    assert a.pnl_now == pytest.approx(CONDOR.max_profit + position_value(CONDOR, MARKET, 0.22), rel=1e-9)
    assert a.dte == 24 and a.tau == pytest.approx(24 / 365)


def test_net_greeks_match_finite_differences_of_position_value():
    vol = 0.21
    a = analyze(CONDOR, MARKET, smile=FlatSmile(vol))
    h = 0.5
    up = MARKET.model_copy(update={"spot": MARKET.spot + h})
    dn = MARKET.model_copy(update={"spot": MARKET.spot - h})
    v0, vu, vd = (position_value(CONDOR, m, vol) for m in (MARKET, up, dn))
    assert a.net.delta == pytest.approx((vu - vd) / (2 * h), rel=1e-5)
    assert a.net.gamma == pytest.approx((vu - 2 * v0 + vd) / h**2, rel=1e-3)
    dv = 1e-4
    vega_fd = (position_value(CONDOR, MARKET, vol + dv) - position_value(CONDOR, MARKET, vol - dv)) / (2 * dv) / 100
    assert a.net.vega == pytest.approx(vega_fd, rel=1e-5)
    # theta: value change when the expiry is one calendar day closer, vol unchanged
    closer = CONDOR.model_copy(update={"expiry": CONDOR.expiry - dt.timedelta(days=1)})
    theta_fd = position_value(closer, MARKET, vol) - v0
    assert a.net.theta == pytest.approx(theta_fd, rel=0.02)
    # a short condor: positive theta, negative vega, and long delta after SPX fell toward the put
    assert a.net.theta > 0 and a.net.vega < 0 and a.net.delta > 0


def test_net_delta_with_a_skewed_smile_is_sticky_strike_fd():
    smile = SkewSmile()
    a = analyze(CONDOR, MARKET, smile=smile)
    h = 0.5
    vols = {leg.strike: leg.iv for leg in a.legs}
    vals = []
    for s in (MARKET.spot + h, MARKET.spot - h):
        m = MarketState(spot=s, vix=MARKET.vix, asof=ASOF, leg_vols=vols)  # vols held by strike
        vals.append(analyze(CONDOR, m).pnl_now)
    assert a.net.delta == pytest.approx((vals[0] - vals[1]) / (2 * h), rel=1e-5)
    assert a.legs[0].iv > a.legs[1].iv > a.legs[2].iv > a.legs[3].iv  # skew reached the legs


def test_tested_wing_and_short_deltas():
    a = analyze(CONDOR, MARKET, smile=FlatSmile(0.2))
    assert a.tested_wing == "put"
    assert a.short_put_delta < 0 < a.short_call_delta and abs(a.short_put_delta) > a.short_call_delta
    b = analyze(CONDOR, MARKET.model_copy(update={"spot": 6120.0}), smile=FlatSmile(0.2))
    assert b.tested_wing == "call"


def test_at_expiry_marks_are_intrinsic():
    for spot in (5500.0, 5630.0, 5900.0, 6170.0, 6300.0):
        m = MarketState(spot=spot, vix=24.3, asof=CONDOR.expiry)
        a = analyze(CONDOR, m, smile=FlatSmile(0.2))
        assert a.expired and a.tau == 0
        for leg in a.legs:
            assert leg.mark == leg.intrinsic
            assert leg.mark == (max(spot - leg.strike, 0) if leg.kind == "C" else max(leg.strike - spot, 0))
            assert leg.iv is None and leg.delta == leg.gamma == leg.vega == leg.theta == 0
        assert a.pnl_now == pytest.approx(float(expiry_pnl(CONDOR, spot)))
        assert a.prob_profit == float(a.pnl_now > 0)


def test_what_if_past_expiry_settles_at_intrinsic():
    a = what_if(CONDOR, MARKET, spot=5620, days=40, smile=FlatSmile(0.2))
    assert a.expired and a.pnl_now == pytest.approx(float(expiry_pnl(CONDOR, 5620)))
    assert any("past expiry" in n for n in a.what_if.notes)


def test_max_profit_loss_and_breakevens_match_payoff_grid():
    grid = np.linspace(5000, 7000, 200_001)  # 0.01-point grid
    pnl = expiry_pnl(CONDOR, grid)
    a = analyze(CONDOR, MARKET, smile=FlatSmile(0.2))
    assert -pnl.min() == pytest.approx(a.max_loss) and a.max_loss == (50 - 4.80) * 1000
    assert pnl.max() == pytest.approx(a.max_profit) and a.max_profit == 4800
    lo, hi = a.breakevens
    assert (lo, hi) == (pytest.approx(5645.20), pytest.approx(6154.80))
    assert np.allclose(expiry_pnl(CONDOR, [lo, hi]), 0.0, atol=1e-8)
    profitable = grid[pnl > 0]
    assert profitable.min() == pytest.approx(lo, abs=0.011) and profitable.max() == pytest.approx(hi, abs=0.011)


def test_unequal_wings_with_credit_above_the_narrow_wing_has_one_breakeven():
    c = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5550, short_put=5650, short_call=6150, long_call=6160,
                   quantity=1, credit=12)
    lo, hi = breakevens(c)
    assert lo == 5638 and hi is None
    grid = np.linspace(5000, 7000, 20001)
    assert (expiry_pnl(c, grid)[grid > 5640] > 0).all()
    a = analyze(c, MARKET, smile=FlatSmile(0.2))
    tau = MARKET.tau(c.expiry)
    ref = lognorm_prob_above(5638, MARKET, tau, 0.2)
    assert a.prob_profit == pytest.approx(ref, abs=2e-6)


def lognorm_prob_above(level, market, tau, vol):
    """P(S_T > level) for lognormal S_T under the risk-neutral drift r - q (scipy.stats.lognorm)."""
    mu = math.log(market.spot) + (market.rate - market.div_yield - 0.5 * vol * vol) * tau
    return float(lognorm.sf(level, s=vol * math.sqrt(tau), scale=math.exp(mu)))


@pytest.mark.parametrize("vol", [0.12, 0.2, 0.35, 0.8])
@pytest.mark.parametrize("spot", [5500.0, 5712.0, 5900.0, 6300.0])
def test_prob_profit_matches_lognormal_when_smile_is_flat(vol, spot):
    m = MarketState(spot=spot, vix=24.3, asof=ASOF)
    a = analyze(CONDOR, m, smile=FlatSmile(vol))
    tau = m.tau(CONDOR.expiry)
    lo, hi = a.breakevens
    ref = lognorm_prob_above(lo, m, tau, vol) - lognorm_prob_above(hi, m, tau, vol)
    assert 0.0 <= a.prob_profit <= 1.0
    assert a.prob_profit == pytest.approx(ref, abs=2e-6)
    assert "finite difference" in a.pop_method
    assert a.prob_short_put_itm == pytest.approx(1 - lognorm_prob_above(5650, m, tau, vol), abs=2e-6)
    assert a.prob_short_call_itm == pytest.approx(lognorm_prob_above(6150, m, tau, vol), abs=2e-6)


def test_skew_lowers_prob_profit_versus_flat_at_the_atm_vol():
    # put skew fattens the left tail: the lower break-even is more likely to be breached
    skew = analyze(CONDOR, MarketState(spot=5900, vix=18, asof=ASOF), smile=SkewSmile())
    flat = analyze(CONDOR, MarketState(spot=5900, vix=18, asof=ASOF), smile=FlatSmile(0.18))
    assert 0 < skew.prob_profit < flat.prob_profit < 1


def test_observed_leg_vols_override_the_smile():
    vols = {5600.0: 0.30, 5650.0: 0.28, 6150.0: 0.17, 6200.0: 0.16}
    m = MarketState(spot=5712, vix=24.3, asof=ASOF, leg_vols=vols)
    a = analyze(CONDOR, m, smile=FlatSmile(0.99))
    assert [leg.iv for leg in a.legs] == [0.30, 0.28, 0.17, 0.16]
    assert {leg.iv_source for leg in a.legs} == {"market"}
    assert any("observed leg vols" in s for s in a.assumptions)
    assert 0 < a.prob_profit < 1
    partial = MarketState(spot=5712, vix=24.3, asof=ASOF, leg_vols={5650.0: 0.28})
    b = analyze(CONDOR, partial, smile=FlatSmile(0.2))
    assert [leg.iv_source for leg in b.legs] == ["smile", "market", "smile", "smile"]
    assert [leg.iv for leg in b.legs] == [0.2, 0.28, 0.2, 0.2]


def test_what_if_equals_analyze_on_the_shifted_market():
    sm = FlatSmile(0.25)
    w = what_if(CONDOR, MARKET, spot=5600, vix=32, days=5, smile=sm)
    direct = analyze(CONDOR, MarketState(spot=5600, vix=32, asof=ASOF + dt.timedelta(days=5)), smile=sm)
    assert w.pnl_now == pytest.approx(direct.pnl_now)
    assert w.what_if.pnl_change == pytest.approx(direct.pnl_now - analyze(CONDOR, MARKET, smile=sm).pnl_now)
    assert (w.what_if.base_spot, w.what_if.spot, w.what_if.days) == (5712, 5600, 5)
    same = what_if(CONDOR, MARKET, smile=sm)
    assert same.what_if.pnl_change == 0


def test_shifted_market_drops_stale_leg_vols_and_refuses_bad_input():
    m = MarketState(spot=5712, vix=24.3, asof=ASOF, leg_vols={5650.0: 0.28})
    moved, notes = shifted_market(m, vix=30)
    assert moved.leg_vols is None and notes
    kept, notes2 = shifted_market(m, days=2)
    assert kept.leg_vols == {5650.0: 0.28} and not notes2 and kept.asof == ASOF + dt.timedelta(days=2)
    with pytest.raises(ValueError, match="days -1"):
        shifted_market(m, days=-1)
    with pytest.raises(ValueError, match="VIX 0"):
        shifted_market(m, vix=0.5)


def test_json_round_trip():
    a = analyze(CONDOR, MARKET, smile=FlatSmile(0.2))
    data = json.loads(a.model_dump_json())
    assert data["tested_wing"] == "put" and len(data["legs"]) == 4
    assert type(a).model_validate_json(a.model_dump_json()) == a


def test_default_smile_prob_profit_matches_analytic_skew_digital():
    """With the SPX smile, P(S_T > K) = N(d2) - dC/dsigma * dsigma/dK * e^{rT} (the skew-adjusted digital);
    the finite-difference PoP must agree with this closed form (smile slope by a wider independent step)."""
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE as smile

    a = analyze(CONDOR, MARKET)
    tau = MARKET.tau(CONDOR.expiry)
    r, q = MARKET.rate, MARKET.div_yield

    def p_above(k):
        vol = float(smile.vol(k, tau, MARKET.spot, MARKET.vix_decimal, r, q))
        h = 0.05
        slope = float((smile.vol(k + h, tau, MARKET.spot, MARKET.vix_decimal, r, q)
                       - smile.vol(k - h, tau, MARKET.spot, MARKET.vix_decimal, r, q)) / (2 * h))
        d1 = (math.log(MARKET.spot / k) + (r - q + 0.5 * vol * vol) * tau) / (vol * math.sqrt(tau))
        d2 = d1 - vol * math.sqrt(tau)
        vega = MARKET.spot * math.exp(-q * tau) * norm.pdf(d1) * math.sqrt(tau)  # per unit vol
        return norm.cdf(d2) - vega * slope * math.exp(r * tau)

    lo, hi = a.breakevens
    assert a.prob_profit == pytest.approx(p_above(lo) - p_above(hi), abs=1e-5)
    assert a.prob_short_put_itm == pytest.approx(1 - p_above(5650.0), abs=1e-5)
    # with put skew, |delta| of the short put overstates its risk-neutral odds of finishing in the money
    assert a.prob_short_put_itm < abs(a.short_put_delta)
    assert a.smile_params is not None and "c0" in a.smile_params  # the fitted surface (alvh_core.market.surface)
    assert any(x.startswith("smile params: c0=") for x in a.assumptions)
    assert all(leg.iv_source == "smile" for leg in a.legs)
    # the smile reached the legs: put wing vols above the call wing vols
    assert a.legs[0].iv > a.legs[1].iv > a.legs[2].iv
