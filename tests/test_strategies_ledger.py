"""Strategies: P&L conservation (every dollar traced to a fill or settlement), independent references,
layer mechanics and the indicators (RSI/MACD against slow reference loops)."""
from __future__ import annotations

import numpy as np
import pytest
from doubles import GbmVixDouble
from test_edge_honesty import DTE, SPOT, condor_for, specs_for

from alvh_core.costs import CostModel
from alvh_core.models import IronCondor
from alvh_core.strategies import (
    CondorOnPaths,
    HedgeSpec,
    LayerPolicy,
    TakeProfitStop,
    alvh,
    close_tested,
    hold,
    leg_out,
    take_profit_stop,
)
from alvh_core.strategies.indicators import ema, macd, rsi


@pytest.fixture(scope="module")
def setup():
    c = condor_for("put", 25.0)
    paths = GbmVixDouble(SPOT, 25.0, DTE, 600, seed=21, premia=True)
    return c, paths, CondorOnPaths(c, paths, DTE / 365)


def _settle_value(c: IronCondor, s: np.ndarray) -> np.ndarray:
    """Signed expiry value of the condor, points per condor, from the SPX level alone."""
    return (np.maximum(c.long_put - s, 0) - np.maximum(c.short_put - s, 0)
            - np.maximum(s - c.short_call, 0) + np.maximum(s - c.long_call, 0))


@pytest.mark.parametrize("costs", [CostModel.zero(), CostModel()])
def test_hold_pnl_is_credit_plus_discounted_settlement(setup, costs):
    c, paths, cp = setup
    r = hold(cp, costs)
    ref = (c.credit + np.exp(-paths.rate * DTE / 365) * _settle_value(c, paths.spot[:, -1])) * c.dollars_per_point
    np.testing.assert_allclose(r.pnl, ref, atol=1e-6)
    np.testing.assert_allclose(r.pnl, r.ledger.total())
    assert r.ledger.fills.sum() == 0  # settlement is not a fill
    assert r.summary().max_margin == 50 * c.dollars_per_point


def test_close_tested_is_leg_out_of_one_wing_plus_hold_of_other(setup):
    c, paths, cp = setup
    cm = CostModel()
    r = close_tested(cp, cm)
    assert cp.tested_wing() == "put"
    put_mark = -cp.price[1, 0, 0] + cp.price[0, 0, 0]
    put_cost = c.quantity * sum(float(cm.spx_option(cp.price[i, 0, 0], 1)) for i in (0, 1))
    call_settle = -np.maximum(paths.spot[:, -1] - c.short_call, 0) + np.maximum(paths.spot[:, -1] - c.long_call, 0)
    ref = ((c.credit + put_mark) * c.dollars_per_point - put_cost
           + np.exp(-paths.rate * DTE / 365) * call_settle * c.dollars_per_point)
    np.testing.assert_allclose(r.pnl, ref, atol=1e-6)
    assert r.ledger.fills.mean() == 2 * c.quantity


def test_take_profit_stop_exits_on_first_hit_at_that_days_marks(setup):
    c, paths, cp = setup
    rule = TakeProfitStop(take_profit=0.5, stop_loss=6.0, stop_from="entry")
    r = take_profit_stop(cp, CostModel.zero(), rule)
    day, exited = r.extra["exit_day"], r.extra["exited"]
    assert exited.any() and (~exited).any()
    v = cp.value()
    for i in np.flatnonzero(exited)[:50]:  # slow reference on a sample of paths
        pnl_path = c.credit + v[i, : cp.k]
        first = next(d for d in range(cp.k) if pnl_path[d] >= 0.5 * c.credit or pnl_path[d] <= -6 * c.credit)
        assert day[i] == first
        assert r.pnl[i] == pytest.approx(pnl_path[first] * np.exp(-paths.rate * paths.t[first]) * c.dollars_per_point
                                         + c.credit * c.dollars_per_point * (1 - np.exp(-paths.rate * paths.t[first])),
                                         abs=1e-6)
    held = ~exited
    ref = (c.credit + np.exp(-paths.rate * DTE / 365) * _settle_value(c, paths.spot[held, -1])) * c.dollars_per_point
    np.testing.assert_allclose(r.pnl[held], ref, atol=1e-6)


def _hedge_ref(paths, cp, r, specs_or_none, hedge_t=None):
    """Hedge P&L recomputed from the recorded events (slow reference: a loop over paths)."""
    disc = np.exp(-paths.rate * paths.t)
    ref = np.zeros(cp.n)
    for e in r.extra["events"]:
        kind = e["kind"]
        t_h = specs_or_none[e["wing"]].expiry_t if specs_or_none else hedge_t
        direction = specs_or_none[e["wing"]].direction if specs_or_none else (1 if e["wing"] == "put" or kind.startswith("VIX") else -1)
        for j, i in enumerate(e["rows"]):
            a, b, q = e["add_day"], int(e["remove_day"][j]), e["contracts"][j]
            assert a < b <= cp.k
            if kind in ("VX", "VXM"):
                f = direction * paths.vix_future(t_h)[i] * (1000 if kind == "VX" else 100)
                ref[i] += q * sum(disc[d] * (f[d] - f[d - 1]) for d in range(a + 1, b + 1))
            else:
                o = "C" if kind == "VIX_CALL" else "P"
                u = 100 * (paths.vix_option(o, e["k1"][j], t_h)[i]
                           - (paths.vix_option(o, e["k2"][j], t_h)[i] if e["k2"][j] > 0 else 0.0))
                ref[i] += q * (u[b] * disc[b] - u[a] * disc[a])
    return ref


@pytest.mark.parametrize("futures", [False, True])
def test_alvh_hedge_pnl_traced_to_layer_fills(setup, futures):
    """alvh P&L = hold P&L + hedge flows recomputed from the recorded add/remove dates (static specs)."""
    c, paths, cp = setup
    specs = specs_for(25.0, futures=futures)
    policy = LayerPolicy(hedge_call_wing=True)
    r = alvh(cp, CostModel.zero(), policy, specs)
    h = hold(cp, CostModel.zero())
    np.testing.assert_allclose(r.pnl, r.ledger.total())
    ref = _hedge_ref(paths, cp, r, specs)
    assert sum(len(e["rows"]) for e in r.extra["events"]) > 20
    np.testing.assert_allclose(r.pnl - h.pnl, ref, atol=1e-6)
    np.testing.assert_allclose(r.extra["hedge_pnl"], ref, atol=1e-6)


def test_alvh_dynamic_layers_struck_at_the_future_and_traced(setup):
    """Practitioner rules: strikes re-chosen at the hedge future on each add, sizes from the path's market,
    one add a day, removal only with hysteresis, removed layers can come back; every dollar traced."""
    c, paths, cp = setup
    t_h = DTE / 365 + 20 / 365
    policy = LayerPolicy(remove_vix_retrace=0.05)
    r = alvh(cp, CostModel.zero(), policy, hedge_t=t_h)
    h = hold(cp, CostModel.zero())
    ref = _hedge_ref(paths, cp, r, None, t_h)
    np.testing.assert_allclose(r.pnl - h.pnl, ref, atol=1e-6)
    fut = paths.vix_future(t_h)
    absd = np.abs(cp.delta[1])
    vix = paths.vix * 100
    adds_per_day = np.zeros((cp.n, cp.k + 1), int)
    seen = {}
    readded = 0
    for e in r.extra["events"]:
        d, li = e["add_day"], e["layer"]
        trig = policy.triggers[li]
        assert (absd[e["rows"], d] >= trig).all()
        if li > 0 or d > 0:  # added after a crossing of its trigger from below, on or before the add date
            crossed = (absd[e["rows"], 1: d + 1] >= trig) & (absd[e["rows"], : d] < trig)
            assert crossed.any(axis=1).all()
        else:
            assert li == 0
        np.testing.assert_array_equal(e["k1"], np.maximum(1, np.round(fut[e["rows"], d])))
        np.testing.assert_array_equal(e["k2"], e["k1"] + 10)
        assert (e["contracts"] >= 1).all()
        adds_per_day[e["rows"], d] += 1
        for j, i in enumerate(e["rows"]):
            b = int(e["remove_day"][j])
            if b < cp.k:  # removed before expiry: back below the trigger AND VIX retraced from its peak
                assert absd[i, b] < trig
                assert vix[i, b] <= 0.95 * vix[i, d: b + 1].max() + 1e-9
            readded += (li, i) in seen
            seen[(li, i)] = b
    assert adds_per_day.max() == 1
    assert readded > 0
def test_layer_policy_validation():
    with pytest.raises(ValueError, match="one share per trigger"):
        LayerPolicy(triggers=(0.1, 0.2), shares=(0.5,))
    with pytest.raises(ValueError, match="must increase"):
        LayerPolicy(triggers=(0.3, 0.2), shares=(0.5, 0.5))
    assert HedgeSpec(wing="put", kind="VX", expiry_t=0.1, contracts_full=3).layer_contracts(0.1) == 1


def test_take_profit_stop_counts_the_stop_from_now_by_default(setup):
    """Default: the stop is a loss of ``stop_loss`` x credit BEYOND today's open P&L, so a position already past
    the stop is not legged out on day one; from entry it is."""
    c, paths, cp = setup
    deep = TakeProfitStop(take_profit=5.0, stop_loss=0.01)
    assert deep.stop_from == "now"
    now = take_profit_stop(cp, CostModel.zero(), deep)
    entry = take_profit_stop(cp, CostModel.zero(), deep.model_copy(update={"stop_from": "entry"}))
    open0 = c.credit + cp.value()[:, 0]
    past = open0 <= -0.01 * c.credit
    assert past.all() and (entry.extra["exit_day"] == 0).all()
    assert (now.extra["exit_day"] > 0).mean() > 0.3
    v = c.credit + cp.value()
    for i in np.flatnonzero(now.extra["exited"])[:30]:
        d = now.extra["exit_day"][i]
        assert v[i, d] - open0[i] <= -0.01 * c.credit + 1e-12
        assert (v[i, :d] - open0[i] > -0.01 * c.credit).all()


def test_leg_out_flows_and_fills(setup):
    c, paths, cp = setup
    r = leg_out(cp, CostModel())
    assert r.ledger.fills.mean() == 4 * c.quantity
    assert set(r.ledger.flows) == {"credit", "close", "costs"}


# ----- indicators -------------------------------------------------------------------------------

def _rsi_slow(x: list[float], n: int) -> list[float]:
    out = [np.nan] * len(x)
    ch = [x[i] - x[i - 1] for i in range(1, len(x))]
    au = sum(max(c, 0) for c in ch[:n]) / n
    ad = sum(max(-c, 0) for c in ch[:n]) / n
    out[n] = 100 - 100 / (1 + au / ad)
    for i in range(n + 1, len(x)):
        c = ch[i - 1]
        au = (au * (n - 1) + max(c, 0)) / n
        ad = (ad * (n - 1) + max(-c, 0)) / n
        out[i] = 100 - 100 / (1 + au / ad)
    return out


def test_rsi_matches_slow_wilder_reference_and_bounds():
    rng = np.random.default_rng(0)
    x = 20 * np.exp(np.cumsum(0.05 * rng.standard_normal((3, 60)), axis=1))
    r = rsi(x, 14)
    for row in range(3):
        np.testing.assert_allclose(r[row], _rsi_slow(list(x[row]), 14), equal_nan=True)
    assert np.isnan(r[:, :14]).all() and np.nanmin(r) >= 0 and np.nanmax(r) <= 100
    assert rsi(np.arange(30.0), 14)[-1] == 100.0
    assert rsi(np.arange(30.0)[::-1], 14)[-1] == 0.0


def test_macd_is_ema_difference_and_signal():
    rng = np.random.default_rng(1)
    x = 20 + np.cumsum(rng.standard_normal(80))
    line, sig, hist = macd(x)
    # EMA reference by hand, alpha = 2/(n+1)
    def e(v, n):
        out, a = [v[0]], 2 / (n + 1)
        for u in v[1:]:
            out.append(a * u + (1 - a) * out[-1])
        return np.array(out)
    ref_line = e(x, 12) - e(x, 26)
    np.testing.assert_allclose(line[25:], ref_line[25:])
    np.testing.assert_allclose(sig[25:], e(ref_line, 9)[25:])
    np.testing.assert_allclose(hist[25:], (ref_line - e(ref_line, 9))[25:])
    assert np.isnan(line[:25]).all()
    np.testing.assert_allclose(ema(np.full(10, 3.0), 5), 3.0)


def test_alvh_starts_from_todays_plan_and_never_stacks_on_day_one(setup):
    """A tested position: date 0 holds exactly the plan `alvh hedge` recommends (its strikes and contracts on
    every path) and nothing else; deeper layers only come on later crossings of their triggers."""
    import datetime as dt

    from test_edge_honesty import ASOF

    from alvh_core.hedge import recommend
    from alvh_core.models import MarketState

    c, paths, cp = setup
    market = MarketState(spot=SPOT, vix=25.0, asof=ASOF)
    policy = LayerPolicy()
    plan, init = recommend(c, market, policy)
    assert plan is not None and plan.trigger_hit and init.contracts == plan.contracts >= 1
    t_h = (dt.date.fromisoformat(str(plan.hedge_expiry)) - ASOF).days / 365
    r = alvh(cp, CostModel(), policy, initial={"put": plan}, hedge_t=t_h)
    day0 = [e for e in r.extra["events"] if e["add_day"] == 0]
    assert len(day0) == 1 and day0[0]["layer"] == 0 and day0[0]["rows"].size == cp.n
    assert (day0[0]["contracts"] == plan.contracts).all()
    assert (day0[0]["k1"] == plan.strikes[0]).all() and (day0[0]["k2"] == plan.strikes[1]).all()
    absd = np.abs(cp.delta[1])
    for e in r.extra["events"]:
        if e["layer"] > 0:  # a deeper layer needs a crossing of its trigger after date 0
            trig = policy.triggers[e["layer"]]
            d = e["add_day"]
            assert d > 0 and ((absd[e["rows"], 1: d + 1] >= trig) & (absd[e["rows"], :d] < trig)).any(axis=1).all()
