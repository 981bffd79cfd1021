"""Hedge sizing: against an independent recomputation with a flat smile and a flat VIX curve, plus
invariants with the shipped smile/curve (scaling in condors and share, wing mirror, expiry rule)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

pytest.importorskip("alvh_core.pricing.smile")
pytest.importorskip("alvh_core.pricing.vix_curve")

from doubles import black76_price, bsm_price_delta  # noqa: E402

from alvh_core.hedge import BETA_DOWN, BETA_UP, size_hedge  # noqa: E402
from alvh_core.models import IronCondor, MarketState  # noqa: E402
from alvh_core.pricing.expiries import next_vx_expiry  # noqa: E402

ASOF = dt.date(2026, 11, 24)
EXP = dt.date(2026, 12, 31)
PUT_TESTED = IronCondor(expiry=EXP, long_put=6300, short_put=6450, short_call=7000, long_call=7150,
                        quantity=10, credit=9.0)
CALL_TESTED = IronCondor(expiry=EXP, long_put=5900, short_put=6050, short_call=6700, long_call=6850,
                         quantity=10, credit=9.0)
MARKET = MarketState(spot=6600.0, vix=22.0, asof=ASOF)


class FlatSmile:
    """Every strike at the VIX level (decimal)."""

    def vol(self, strike, tau, spot, vix_decimal, rate=0.0, div=0.0):
        return np.full(np.shape(strike), vix_decimal, dtype=float)


class FlatCurve:
    """Every VIX future equals spot VIX (points); VIX options at 90% vol."""

    def future(self, vix_decimal, tau):
        return 100.0 * np.asarray(vix_decimal, float)

    def option_vol(self, strike, forward, tau):
        return np.full(np.shape(strike), 0.9)


def _wing(c: IronCondor, wing: str, s: float, vol: float, tau: float, m: MarketState) -> float:
    call = wing == "call"
    ks, kl = (c.short_put, c.long_put) if not call else (c.short_call, c.long_call)
    ps, _ = bsm_price_delta(call, s, ks, tau, vol, m.rate, m.div_yield)
    pl, _ = bsm_price_delta(call, s, kl, tau, vol, m.rate, m.div_yield)
    return float(ps - pl)


@pytest.mark.parametrize("cond,wing", [(PUT_TESTED, "put"), (CALL_TESTED, "call")])
def test_call_spread_size_matches_independent_recomputation(cond, wing):
    plan = size_hedge(cond, MARKET, smile=FlatSmile(), curve=FlatCurve(), share=0.5)
    assert plan.wing == wing
    tau = MARKET.tau(EXP)
    h_exp = next_vx_expiry(EXP)
    assert plan.hedge_expiry == h_exp and h_exp > EXP
    tau_h = MARKET.tau(h_exp)
    k_long = cond.long_put if wing == "put" else cond.long_call
    beta = -4.60 if wing == "put" else -2.92  # the VIX 20-30 regime's betas (down / up days)
    v1 = 22.0 * np.exp(beta * np.log(k_long / 6600.0))
    loss = (_wing(cond, wing, k_long, v1 / 100, tau, MARKET) - _wing(cond, wing, 6600.0, 0.22, tau, MARKET)) * 1000
    assert plan.wing_loss == pytest.approx(loss, rel=1e-9)
    call = wing == "put"  # put wing -> VIX calls, call wing -> VIX puts
    k = (22.0, 32.0) if call else (22.0, 17.0)
    assert plan.strikes == k
    assert plan.kind == ("VIX_CALL" if call else "VIX_PUT")

    def spread(f):
        p = [black76_price(call, f, kk, tau_h, 0.9, MARKET.rate) for kk in k]
        return float(p[0] - p[1])

    gain = (spread(v1) - spread(22.0)) * 100
    assert plan.hedge_gain_per_contract == pytest.approx(gain, rel=1e-9)
    assert plan.contracts == max(1, round(0.5 * loss / gain))
    assert plan.premium == pytest.approx(spread(22.0) * 100 * plan.contracts, rel=1e-9)
    assert plan.cost > plan.premium  # spreads and fees on top
    assert plan.margin == pytest.approx(plan.premium)


def test_futures_direction_margin_and_scaling():
    p = size_hedge(PUT_TESTED, MARKET, instrument="vx", smile=FlatSmile(), curve=FlatCurve(), share=1.0)
    c = size_hedge(CALL_TESTED, MARKET, instrument="vxm", smile=FlatSmile(), curve=FlatCurve(), share=1.0)
    assert (p.kind, p.direction, c.kind, c.direction) == ("VX", 1, "VXM", -1)
    v1 = 22.0 * np.exp(-4.60 * np.log(6300 / 6600.0))
    assert p.hedge_gain_per_contract == pytest.approx((v1 - 22.0) * 1000)
    assert p.premium == 0 and p.margin == 9000 * p.contracts
    # contracts_full is linear in the number of condors
    p20 = size_hedge(PUT_TESTED, MARKET, instrument="vx", smile=FlatSmile(), curve=FlatCurve(), condors=20)
    assert p20.contracts_full == pytest.approx(2 * p.contracts_full)
    assert p20.condors == 20


def test_shipped_smile_and_curve_invariants():
    plan = size_hedge(PUT_TESTED, MARKET, condors=20)
    assert plan.condors == 20 and plan.contracts >= 1
    assert plan.short_delta > 0 and plan.trigger_hit == (plan.short_delta >= 0.15)
    rows = plan.scenarios
    assert [r.spx_move for r in rows] == [-0.02, -0.04, -0.06, -0.10]
    assert all(r.vix > MARKET.vix for r in rows)
    wing = [r.wing_pnl for r in rows]
    hedge = [r.hedge_pnl for r in rows]
    assert all(a > b for a, b in zip(wing, wing[1:]))  # deeper falls lose more on the wing
    assert all(a < b for a, b in zip(hedge, hedge[1:]))  # and gain more on the hedge
    for r in rows:
        assert r.net == pytest.approx(r.wing_pnl + r.hedge_pnl)
        assert r.net_pnl == pytest.approx(r.condor_pnl + r.hedge_pnl)
        assert r.condor_pnl > r.wing_pnl  # the untested call wing gains a little when SPX falls
    half = size_hedge(PUT_TESTED, MARKET, condors=20, share=0.25)
    assert half.contracts_full == pytest.approx(plan.contracts_full)
    assert abs(half.contracts - 0.25 * plan.contracts_full) <= 0.5 + 1e-9


def test_trigger_threshold_and_bad_input():
    lo = size_hedge(PUT_TESTED, MARKET, trigger=0.01, smile=FlatSmile(), curve=FlatCurve())
    hi = size_hedge(PUT_TESTED, MARKET, trigger=0.99, smile=FlatSmile(), curve=FlatCurve())
    assert lo.trigger_hit and not hi.trigger_hit
    with pytest.raises(ValueError, match="instrument"):
        size_hedge(PUT_TESTED, MARKET, instrument="spy_puts")
    with pytest.raises(ValueError, match="trigger"):
        size_hedge(PUT_TESTED, MARKET, trigger=1.5)
    with pytest.raises(ValueError, match="expired"):
        size_hedge(PUT_TESTED, MARKET.model_copy(update={"asof": dt.date(2027, 1, 5)}))


def test_pooled_beta_rule_and_regime_betas():
    pooled = size_hedge(PUT_TESTED, MARKET, smile=FlatSmile(), curve=FlatCurve(), beta_rule="pooled")
    assert pooled.beta == BETA_DOWN
    assert pooled.stress_vix == pytest.approx(22.0 * np.exp(BETA_DOWN * np.log(6300 / 6600.0)))
    calm = size_hedge(PUT_TESTED, MARKET.model_copy(update={"vix": 13.0}), smile=FlatSmile(), curve=FlatCurve())
    wild = size_hedge(PUT_TESTED, MARKET.model_copy(update={"vix": 40.0}), smile=FlatSmile(), curve=FlatCurve())
    assert (calm.beta, wild.beta) == (-10.19, -2.88)
    c = size_hedge(CALL_TESTED, MARKET, smile=FlatSmile(), curve=FlatCurve(), beta_rule="pooled")
    assert c.beta == BETA_UP and c.name == "buy VIX put spread 22/17"


def test_regime_betas_measured_from_the_data(shared_data):
    """The shipped regime betas are what ``measure_betas`` gives on the shared 1990-2018 history."""
    from alvh_core.hedge import BETA_REGIME_DOWN, BETA_REGIME_UP, VIX_REGIME_LABELS, measure_betas
    from alvh_core.history.data import load_daily

    h = load_daily(shared_data).slice(dt.date(1990, 1, 1), dt.date(2018, 12, 31))
    b = measure_betas(h.spx, h.vix)
    assert b["down"]["all"] == pytest.approx(BETA_DOWN, abs=0.05)
    assert b["up"]["all"] == pytest.approx(BETA_UP, abs=0.05)
    for lab, down, up in zip(VIX_REGIME_LABELS, BETA_REGIME_DOWN, BETA_REGIME_UP):
        assert b["down"][lab] == pytest.approx(down, abs=0.01)
        assert b["up"][lab] == pytest.approx(up, abs=0.01)


def test_vxth_weight_and_budget_cap():
    from alvh_core.hedge import vxth_weight

    assert list(vxth_weight([10, 15, 15.5, 30, 31, 50, 51])) == [0, 0, 1, 1, 0.5, 0.5, 0]
    base = size_hedge(PUT_TESTED, MARKET, smile=FlatSmile(), curve=FlatCurve())
    capped = size_hedge(PUT_TESTED, MARKET, smile=FlatSmile(), curve=FlatCurve(), budget_share=0.1)
    budget = 0.1 * 9.0 * 100 * 10
    assert capped.premium <= budget < capped.premium + capped.unit_price * 100 + 1e-9
    assert capped.contracts < base.contracts


# ----- the trader's VIX option marks price the hedge spread (issue 10) -------------------------------

def _marked(plan, prices):
    """MARKET with VIX option marks on the plan's spread legs: ``prices`` (long, short), None = unmarked."""
    from alvh_core.models import VixOptionQuote

    right = "C" if plan.kind == "VIX_CALL" else "P"
    quotes = tuple(VixOptionQuote(expiry=plan.hedge_expiry, strike=k, right=right, price=p)
                   for k, p in zip(plan.strikes, prices) if p is not None)
    return MARKET.model_copy(update={"vix_options": quotes})


def _model_leg(plan, k):
    from alvh_core.pricing.vix_curve import VixCurve

    tau_h = MARKET.tau(plan.hedge_expiry)
    vol = float(VixCurve().option_vol(k, plan.vix_future, tau_h))
    return black76_price(plan.kind == "VIX_CALL", plan.vix_future, k, tau_h, vol, MARKET.rate)


def test_marked_vix_options_price_the_hedge_spread_exactly():
    plan0 = size_hedge(PUT_TESTED, MARKET, condors=20)
    k1, k2 = plan0.strikes
    assert plan0.unit_price == pytest.approx(_model_leg(plan0, k1) - _model_leg(plan0, k2), abs=1e-9)
    assert "marked: none" in plan0.leg_sources and f"{k1:g}C, {k2:g}C" in plan0.leg_sources
    # both legs marked: the unit price is the marked spread, the premium follows
    plan = size_hedge(PUT_TESTED, _marked(plan0, (2.10, 0.65)), condors=20)
    assert plan.strikes == plan0.strikes and plan.hedge_expiry == plan0.hedge_expiry
    assert plan.unit_price == pytest.approx(2.10 - 0.65, abs=1e-12)
    assert plan.premium == pytest.approx((2.10 - 0.65) * 100 * plan.contracts, abs=1e-9)
    assert plan.leg_sources.startswith(f"hedge legs ({plan0.hedge_expiry} VIX calls): marked: {k1:g}C 2.1, "
                                       f"{k2:g}C 0.65; modelled")
    assert plan.leg_sources.endswith(": none") and plan.leg_sources in plan.assumptions[2]
    # only the long leg marked: the short leg stays modelled
    one = size_hedge(PUT_TESTED, _marked(plan0, (2.10, None)), condors=20)
    assert one.unit_price == pytest.approx(2.10 - _model_leg(plan0, k2), abs=1e-9)
    assert f"marked: {k1:g}C 2.1; modelled" in one.leg_sources and one.leg_sources.endswith(f": {k2:g}C")


def test_marks_at_the_model_prices_change_nothing_and_other_contracts_are_ignored():
    plan0 = size_hedge(PUT_TESTED, MARKET, condors=20)
    k1, k2 = plan0.strikes
    same = size_hedge(PUT_TESTED, _marked(plan0, (_model_leg(plan0, k1), _model_leg(plan0, k2))), condors=20)
    assert same.contracts == plan0.contracts
    assert same.hedge_gain_per_contract == pytest.approx(plan0.hedge_gain_per_contract, rel=1e-8)
    for a, b in zip(same.scenarios, plan0.scenarios):
        assert a.hedge_pnl == pytest.approx(b.hedge_pnl, rel=1e-8, abs=1e-6)
    # a dearer marked long call: the stress still starts from the mark (gain = stressed - marked, > 0)
    dear = size_hedge(PUT_TESTED, _marked(plan0, (_model_leg(plan0, k1) + 0.5, None)), condors=20)
    assert dear.unit_price == pytest.approx(plan0.unit_price + 0.5, abs=1e-9)
    assert dear.hedge_gain_per_contract > 0
    # marks on another expiry or strike do not touch this hedge
    from alvh_core.models import VixOptionQuote

    other = MARKET.model_copy(update={"vix_options": (
        VixOptionQuote(expiry=plan0.hedge_expiry, strike=k1 + 1, right="C", price=1.0),
        VixOptionQuote(expiry=dt.date(2027, 6, 16), strike=k1, right="C", price=1.0),
        VixOptionQuote(expiry=plan0.hedge_expiry, strike=k1, right="P", price=1.0))})
    assert size_hedge(PUT_TESTED, other, condors=20).unit_price == pytest.approx(plan0.unit_price, abs=1e-12)


def test_marked_vix_option_outside_its_bounds_is_one_line():
    plan0 = size_hedge(PUT_TESTED, MARKET, condors=20)
    intrinsic_plus = plan0.vix_future + 5.0  # a call worth more than its future
    with pytest.raises(ValueError, match=r"marked VIX option .* is outside its no-arbitrage bounds on the"):
        size_hedge(PUT_TESTED, _marked(plan0, (intrinsic_plus, None)), condors=20)


def test_alvh_hedge_marks_flag(capsys):
    import json

    from alvh_core.cli import main

    pos = ["SPX", "2026-12-18", "5500/5600P", "6150/6250C", "x10", "@4.80"]
    mkt = ["--spot", "5712", "--vix", "24.3", "--asof", "2026-11-24"]
    code = main(["hedge", *pos, *mkt, "--json", "--marks", "vx jan 22.45 vixopt jan 22C 1.85 vixopt jan 32C 0.40"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["strikes"] == [22.0, 32.0] and d["vix_future"] == pytest.approx(22.45)
    assert d["unit_price"] == pytest.approx(1.45, abs=1e-12)
    assert d["premium"] == pytest.approx(145.0 * d["contracts"], abs=1e-6)
    assert "marked: 22C 1.85, 32C 0.4; modelled" in d["leg_sources"]
    code = main(["hedge", *pos, *mkt, "--marks", "vx jan 22.45 vixopt jan 22C 1.85"])
    out = capsys.readouterr().out
    assert code == 0 and "marked: 22C 1.85; modelled (VIX option smile, Black-76 on the VX future 22.45): 32C" in out
    assert "VIX options marked: 2027-01-20 22C 1.85" in out
    for marks, needle in (("vx jan 22.45 vixopt jan 20C 1.0", "vixopt jan 20C 1 is outside the no-arbitrage"),
                          ("vx jan 22.45 bogus", "--marks: can't read 'bogus'")):
        assert main(["hedge", *pos, *mkt, "--marks", marks]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err
