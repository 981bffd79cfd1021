"""THE honesty test: with premia and costs off, no management choice beats legging out in expectation.

Against the honest double (tests/doubles.py), for a tested put wing and a tested call wing, in a calm
(VIX 14) and a stressed (VIX 35) market, every strategy's EV equals leg_out's within 3 paired SE.
Plus the cost and premia properties of compare(): leg_out with costs is exactly marks minus costs, more
costs never raise EV, the VRP makes holding beat legging out, and the same seed gives the same numbers.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from doubles import GbmVixDouble, bsm_price_delta

from alvh_core.costs import CostModel
from alvh_core.edge import compare
from alvh_core.models import IronCondor, MarketState
from alvh_core.strategies import HedgeSpec, LayerPolicy

ASOF = dt.date(2026, 3, 2)
DTE = 30
SPOT = 5000.0


def condor_for(wing: str, vix: float) -> IronCondor:
    """A condor whose `wing` is tested: its short strike ~1 sd away, the other ~2.5 sd."""
    sd = SPOT * vix / 100 * np.sqrt(DTE / 365)
    near, far = 0.6 * sd, 2.0 * sd
    if wing == "put":
        sp, sc = SPOT - near, SPOT + far
    else:
        sp, sc = SPOT - far, SPOT + near
    sp, sc = round(sp / 5) * 5, round(sc / 5) * 5
    return IronCondor(expiry=ASOF + dt.timedelta(days=DTE), long_put=sp - 50, short_put=sp, short_call=sc,
                      long_call=sc + 50, quantity=10, credit=6.0)


def specs_for(vix: float, futures: bool = False) -> dict[str, HedgeSpec]:
    k = float(round(vix))
    if futures:
        return {"put": HedgeSpec(wing="put", kind="VX", expiry_t=50 / 365, contracts_full=3),
                "call": HedgeSpec(wing="call", kind="VXM", direction=-1, expiry_t=50 / 365, contracts_full=20)}
    return {"put": HedgeSpec(wing="put", kind="VIX_CALL", expiry_t=50 / 365, strikes=(k, k + 10), contracts_full=40),
            "call": HedgeSpec(wing="call", kind="VIX_PUT", expiry_t=50 / 365, strikes=(k, k - 4), contracts_full=40)}


def run(wing, vix, *, premia=False, costs=False, seed=11, n=4000, futures=False, policy=None):
    c = condor_for(wing, vix)
    m = MarketState(spot=SPOT, vix=vix, asof=ASOF)
    paths = GbmVixDouble(SPOT, vix, DTE, n, seed=seed, premia=premia, rate=m.rate, div=m.div_yield)
    policy = policy or LayerPolicy(hedge_call_wing=True)  # both wings hedged: the honesty test covers both
    return c, m, paths, compare(c, m, paths=paths, costs=costs, premia=premia, specs=specs_for(vix, futures),
                                policy=policy)


CASES = [(w, v, f) for w in ("put", "call") for v in (14.0, 35.0) for f in (False, True)]


@pytest.mark.parametrize("wing,vix,futures", CASES)
def test_no_premia_no_costs_no_edge(wing, vix, futures):
    c, m, paths, cmp = run(wing, vix, futures=futures)
    assert cmp.seed_claims.tested_wing == wing
    # the hedge really traded, so the test is not vacuous
    assert cmp.strategies["alvh"].mean_fills > 0
    assert cmp.strategies["take_profit_stop"].std > 0
    for name, d in cmp.vs_leg_out.items():
        if name == "leg_out":
            assert d.diff == 0 and d.se == 0
            continue
        assert d.se > 0, name
        assert abs(d.diff) <= 3 * d.se, f"{name}: diff {d.diff:.1f} vs 3 SE {3 * d.se:.1f}"


def test_no_edge_with_indicator_gates():
    policy = LayerPolicy(rsi_max=70, rsi_period=5, macd_confirm=True, remove_delta=0.1, remove_vix_below=15,
                         hedge_call_wing=True)
    _, _, _, cmp = run("put", 35.0, policy=policy)
    d = cmp.vs_leg_out["alvh"]
    assert cmp.strategies["alvh"].mean_fills > 0
    assert abs(d.diff) <= 3 * d.se


def test_leg_out_with_costs_is_marks_minus_costs_exactly():
    c, m, paths, cmp = run("put", 20.0, costs=True, n=200)
    cm = CostModel()
    tau = DTE / 365
    total = c.credit * c.dollars_per_point
    for leg in c.legs:
        p, _ = bsm_price_delta(leg.kind == "C", SPOT, leg.strike, tau, 0.20, m.rate, m.div_yield)
        p = float(p)
        total += leg.sign * p * c.dollars_per_point
        h = next(hv for b, hv in cm.spx_tiers if p < b)  # the tier table read independently
        total -= c.quantity * (h * 100 + cm.spx_fee)
    lo = cmp.strategies["leg_out"]
    assert lo.ev == pytest.approx(total, abs=1e-6)
    assert lo.std == pytest.approx(0, abs=1e-6) and lo.ev_se == pytest.approx(0, abs=1e-6)
    assert lo.mean_costs == pytest.approx(4 * c.quantity * cm.spx_fee + sum(
        c.quantity * 100 * next(hv for b, hv in cm.spx_tiers if float(bsm_price_delta(
            leg.kind == "C", SPOT, leg.strike, tau, 0.20, m.rate, m.div_yield)[0]) < b) for leg in c.legs))


def test_more_costs_never_raise_ev():
    c = condor_for("put", 25.0)
    m = MarketState(spot=SPOT, vix=25.0, asof=ASOF)
    paths = GbmVixDouble(SPOT, 25.0, DTE, 1000, seed=5, premia=True)
    base = CostModel()
    dear = CostModel(spx_fee=3.0, vix_option_fee=3.0, vx_fee=6.0, settlement_fee_spx=1.0, settlement_fee_vix=1.0,
                     spx_tiers=tuple((b, 2 * h) for b, h in base.spx_tiers),
                     vix_tiers=tuple((b, 2 * h) for b, h in base.vix_tiers))
    both = LayerPolicy(hedge_call_wing=True)
    evs = [compare(c, m, paths=paths, costs=cm, specs=specs_for(25.0), policy=both).strategies
           for cm in (CostModel.zero(), base, dear)]
    for name in evs[0]:
        e0, e1, e2 = (e[name].ev for e in evs)
        assert e0 >= e1 >= e2, name
        if name != "hold":
            assert e0 > e1, name  # every other strategy trades, so costs bite


def test_vrp_makes_hold_beat_leg_out():
    _, _, _, cmp = run("put", 20.0, premia=True, costs=True)
    d = cmp.vs_leg_out["hold"]
    assert d.diff > 3 * d.se
    sc = cmp.seed_claims
    a = cmp.vs_leg_out["alvh"].diff
    assert sc.pct_of_hold_edge == pytest.approx(100 * a / d.diff)
    assert sc.pct_of_tested_wing_credit == pytest.approx(100 * a / (0.5 * 6.0 * 1000))
    assert sc.pct_of_hold_edge_se > 0


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = run("call", 20.0, seed=3, n=500)[3].model_dump_json()
    b = run("call", 20.0, seed=3, n=500)[3].model_dump_json()
    c = run("call", 20.0, seed=4, n=500)[3].model_dump_json()
    assert a == b
    assert a != c


def test_json_keys_exact():
    cmp = run("put", 20.0, n=300)[3]
    d = cmp.model_dump()
    assert set(d) == {"strategies", "vs_leg_out", "seed_claims", "assumptions", "today"}
    assert set(d["strategies"]) == {"hold", "leg_out", "close_tested", "alvh", "take_profit_stop"}
    for v in d["strategies"].values():
        assert {"ev", "ev_se", "std", "cvar95", "p_loss", "worst", "margin"} <= set(v)
    assert set(d["vs_leg_out"]["alvh"]) == {"diff", "se", "se_plain"}  # se: control variates (issue 16)
    assert d["seed_claims"]["summary"].startswith("ALVH vs legging out: ")


def test_claim_percentages_use_the_printed_control_variate_estimates():
    """The claims' percentages are ratios of the numbers the table prints: with control variates on (the anchored
    engine), "ALVH vs leg out +5 ± 146" was shown as "-2% ± 18% of the entry EV" (the plain means' ratio)."""
    from alvh_core.cli.demo import NOW, demo_condor

    cmp = compare(demo_condor(), NOW, n_paths=1000, seed=3)
    sc = cmp.seed_claims
    a, h = cmp.vs_leg_out["alvh"], cmp.vs_leg_out["hold"]
    assert a.se != a.se_plain  # control variates applied, so plain and reduced estimates differ
    assert sc.pct_of_hold_edge == pytest.approx(100 * a.diff / h.diff)
    if sc.pct_of_entry_ev is not None:
        assert sc.pct_of_entry_ev == pytest.approx(100 * a.diff / sc.entry_ev.diff)
    assert 0 < sc.pct_of_hold_edge_se < 100 * 10 * a.se_plain / h.diff
