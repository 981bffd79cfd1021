"""The market-anchored pricing law: minimum-relative-entropy mixture weights, the mixture path set, the demo fit."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.analysis import analyze
from alvh_core.cli.demo import NOW, demo_condor
from alvh_core.edge import hedge_plans, market_targets
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.anchor import fit_mixture
from alvh_core.scenarios.model import HNGarchModel, MixturePaths, ScenarioModel
from alvh_core.strategies import LayerPolicy


def test_fit_mixture_recovers_reachable_targets_exactly():
    rng = np.random.default_rng(2)
    prices = rng.uniform(1.0, 50.0, size=(4, 30))
    true = rng.dirichlet(np.ones(30))
    targets = prices @ true
    prior = np.full(30, 1 / 30)
    pi, kl = fit_mixture(prices, targets, np.full(4, 0.01), prior)
    assert pi.sum() == pytest.approx(1.0) and (pi >= 0).all()
    np.testing.assert_allclose(prices @ pi, targets, atol=1e-4)
    assert 0 < kl  # the targets moved the weights off the prior
    # the prior itself is returned when it already prices the targets
    pi0, kl0 = fit_mixture(prices, prices @ prior, np.full(4, 0.01), prior)
    np.testing.assert_allclose(pi0, prior, atol=1e-6)
    assert kl0 == pytest.approx(0.0, abs=1e-8)


@pytest.fixture(scope="module")
def anchored():
    condor = demo_condor()
    plans = hedge_plans(condor, NOW, LayerPolicy())
    targets = market_targets(condor, NOW, plans)
    return condor, targets, HNGarchModel(load_default_params(jumps=True)).calibrate(NOW, targets)


def test_demo_pricing_law_matches_todays_buyback_and_vx(anchored):
    _, targets, model = anchored
    assert isinstance(model, ScenarioModel)
    rows = {r.name: r for r in model.fit.rows}
    bb = rows["buy-back"]
    condor = anchored[0]
    assert bb.market == pytest.approx(analyze(condor, NOW).close_cost, abs=0.01)  # the desk surface's buy-back
    assert abs(bb.model / bb.market - 1) <= 0.01  # within 1% (the unanchored engine said 23.42)
    vx = next(r for n, r in rows.items() if n.startswith("VX "))
    assert abs(vx.error) <= 0.10
    spread = next(r for n, r in rows.items() if n.startswith("VIX ") and n.endswith("C"))
    assert abs(spread.error) <= 0.05 * spread.market
    for leg in ("5600P", "5650P", "6150C", "6200C"):
        assert abs(rows[leg].error_vol_pts) < 0.5, leg


def test_mixture_paths_price_today_once_and_are_fair(anchored):
    condor, _, model = anchored
    n = 17  # NYSE days from 2026-11-24 to 2026-12-18
    paths = model.simulate(NOW, n, 4000, 3, premia=False)
    assert isinstance(paths, MixturePaths) and paths.spot.shape == (4000, n + 1)
    assert len(paths.blocks) > 1  # a real mixture
    t = n / 252
    price, delta = paths.spx_option("P", condor.short_put, t)
    assert np.ptp(price[:, 0]) == 0 and np.ptp(delta[:, 0]) == 0  # today's price is one number
    # under the pricing law the discounted settlement averages to today's price (antithetic pairs as units)
    x = np.exp(-paths.rate * t) * price[:, -1]
    units = 0.5 * (x[:2000] + x[2000:])
    assert abs(units.mean() - price[0, 0]) < 3 * units.std(ddof=1) / np.sqrt(units.size)


@pytest.mark.parametrize("vix", [14.0, 24.0, 35.0, 60.0])
@pytest.mark.parametrize("wing", ["put", "call"])
def test_every_kept_node_prices_its_legs_at_the_laws_exact_cos_prices(wing, vix):
    """Issue 11: the paths trade at SPX table prices, so every node the anchor keeps must have table prices
    at the four strikes within the tables' stated accuracy of its law's exact COS prices (a 2,048-term
    direct COS sum, independent of the tables). Before: a calm node of a -12% crash regime was 0.3 pt off
    (VIX 35, call tested), and the premia-off honesty test failed there."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_edge_honesty import ASOF, SPOT, condor_for

    from alvh_core.models import MarketState
    from alvh_core.scenarios.anchor import CHECK_WEIGHT
    from alvh_core.scenarios.hn_garch import TRADING_DAYS
    from alvh_core.scenarios.pricer import TABLE_ACCURACY, cos_put_reference, spx_pricer
    from alvh_core.scenarios.simulation import steps_to

    condor = condor_for(wing, vix)
    market = MarketState(spot=SPOT, vix=vix, asof=ASOF)
    model = HNGarchModel(load_default_params(jumps=True)).calibrate(market, market_targets(condor, market, {}))
    n = steps_to(condor.expiry, ASOF)
    strikes = np.array([leg.strike for leg in condor.legs])
    x = np.log(SPOT / strikes)
    kept = [node for node in model.nodes if node.weight >= CHECK_WEIGHT]
    assert kept and sum(node.weight for node in kept) > 0.99
    for node in kept:
        q = model.regimes[node.regime].risk_neutral()
        exact = cos_put_reference(q, market.rate, market.div_yield, n, x, node.h_q0)
        pricer = spx_pricer(q, market.rate, market.div_yield)
        for is_call, strike, e in zip((False, False, True, True), strikes, exact, strict=True):
            table, _ = pricer.price(is_call, np.array([SPOT]), float(strike), np.array([n]), np.array([node.h_q0]))
            tau = n / TRADING_DAYS
            exact_pts = strike * e + (SPOT * np.exp(-market.div_yield * tau) - strike * np.exp(-market.rate * tau)
                                      if is_call else 0.0)
            assert abs(float(table[0]) - exact_pts) <= TABLE_ACCURACY * strike, (node, strike, table, exact_pts)


def test_anchor_refuses_nodes_whose_tables_miss_the_exact_prices(monkeypatch):
    """The guard itself: with an impossible stated accuracy every node that gets weight is refused in turn."""
    import alvh_core.scenarios.anchor as anchor_mod

    targets = market_targets(demo_condor(), NOW, {})
    monkeypatch.setattr(anchor_mod, "TABLE_ACCURACY", 1e-12)
    with pytest.raises(ValueError, match="within the tables' accuracy"):
        HNGarchModel(load_default_params(jumps=True)).calibrate(NOW, targets)


def test_shorter_half_life_regime_keeps_vol_of_variance_and_long_run_variance():
    """A regime's 5th entry scales the risk-neutral variance half-life (issue 11: inverted VIX term structure at
    high VIX); the vol of variance (alpha gamma^2) and the real-world long-run variance stay the base law's."""
    import math

    from alvh_core.scenarios.anchor import _shorter_half_life
    from alvh_core.scenarios.params import ModelParams

    base = load_default_params(jumps=True)
    bq = base.risk_neutral()
    half = math.log(0.5) / math.log(bq.persistence)
    for factor in (0.5, 0.25):
        d = _shorter_half_life(base.model_dump(), factor)
        assert d is not None
        p = ModelParams.model_validate(d)
        q = p.risk_neutral()
        assert math.log(0.5) / math.log(q.persistence) == pytest.approx(factor * half, rel=1e-9)
        assert q.alpha * q.gamma**2 == pytest.approx(bq.alpha * bq.gamma**2, rel=1e-12)
        assert p.real_world().long_run_variance == pytest.approx(base.real_world().long_run_variance, rel=1e-9)
    # a half-life so long that the real-world law would not be stationary (omega < 0) is refused, not clipped
    assert _shorter_half_life(base.model_dump(), 1e6) is None


def test_every_regime_fits_in_the_kept_pricers():
    """The pricers are kept per process in LRU caches; with more regimes than kept, every compare reloaded every
    regime's tables from disk (a warm demo compare went 1.1 -> 3.2 s when 26 regimes met a cache of 16)."""
    from alvh_core.scenarios import pricer
    from alvh_core.scenarios.anchor import REGIMES, STRESS_REGIMES

    assert len(REGIMES) + len(STRESS_REGIMES) <= pricer.PRICERS_KEPT
    for cached in (pricer._plain_pricer, pricer._event_pricer, pricer.vix_pricer):
        assert cached.cache_info().maxsize >= len(REGIMES) + len(STRESS_REGIMES)


def test_call_tested_vix_60_45_days_meets_every_issue_target():
    """Issue 11: call VIX 60 45d missed the desk's far put (2845P 21.7 against 41.6; buy-back -3.4%): it needs
    crashes of widely spread size under a cheap call wing. Through ``compare`` (the targets it anchors to): each leg
    within its tolerance and the buy-back within 1%."""
    import sys
    from pathlib import Path

    from alvh_core.edge import compare

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from claims_grid import grid_condor

    condor, market = grid_condor("call", 60.0, 45)
    rows = compare(condor, market, n_paths=2000, seed=7).today.calibration
    assert [r.name for r in rows] == ["2845P", "2895P", "5630C", "5680C", "buy-back", "VIX^2"]
    bb = rows[4]
    assert abs(bb.error) <= 0.01 * bb.market
    assert all(r.within for r in rows[:5]), rows
    assert rows[0].market == pytest.approx(41.58, abs=0.01) and rows[0].model > 40.0  # 21.72 before


def test_regime_jump_std_entry_keeps_the_variance_loading():
    """A regime's 6th entry is the std of its log jump; a variance-driven regime keeps the shipped law's jump
    loading on next day's variance (jump_var x rate_h x E[J^2]) whatever its jump size and spread."""
    import alvh_core.scenarios.anchor as anchor_mod
    from alvh_core.scenarios.anchor import regimes

    base = load_default_params(jumps=True)
    loading = base.jump_var * base.jump_rate_h * (base.jump_mean**2 + base.jump_std**2)
    regs = dict(zip(anchor_mod.REGIMES, regimes(base), strict=True))
    wide = regs[(0.5, -0.5, 0.0, 0.6, 0.5, 0.35)]
    assert (wide.jump_mean, wide.jump_std, wide.jump_rate_h) == (-0.5, 0.35, 0.5 * base.jump_rate_h)
    assert wide.jump_var * wide.jump_rate_h * (0.25 + 0.35**2) == pytest.approx(loading, rel=1e-12)
    assert regs[(0.0, -0.5, 0.002, 1.0)].jump_std == base.jump_std  # no 6th entry: the shipped law's spread


def _grid_fit(wing: str, vix: float, dte: int):
    """(targets, regimes, fit) of the claims grid's case, anchored as ``compare`` anchors it."""
    import sys
    from pathlib import Path

    from alvh_core.scenarios.anchor import anchor

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from claims_grid import grid_condor

    from alvh_core.edge import _resolve_costs
    from alvh_core.hedge import recommend

    condor, market = grid_condor(wing, vix, dte)
    plan, _ = recommend(condor, market, LayerPolicy(), costs=_resolve_costs(True))  # the plan compare starts from
    targets = market_targets(condor, market, {plan.wing: plan} if plan is not None else {})
    model = HNGarchModel(load_default_params(jumps=True))
    n = max(t.steps for t in targets if t.kind in ("SPX_P", "SPX_C", "CONDOR"))
    events = model.event_multipliers(market, n)
    return market, targets, events, anchor(model.params, market, targets, events)


def _issue_targets_met(rows) -> bool:
    """Issue 11's targets: each leg within its tolerance (0.25 vol points or 1%), the buy-back within 1%, the VX
    future within 0.10, the VIX call spread within 5% (today's VIX is a looser target of the fit, not the issue's)."""
    return all(r.within for r in rows if r.name != "VIX^2")


@pytest.mark.parametrize("vix, worst_before", [(35.0, "VIX "), (60.0, "buy-back")])
def test_put_tested_45_day_stress_cases_meet_every_issue_target_with_the_stress_regimes(vix, worst_before):
    """Issue 11: put VIX 35 / 60 with 45 days missed with the 27 regimes (VIX 32/42C +5.6%; buy-back +10.3%).
    The stress regimes join only there: the fit meets every target of the issue, and the 27 alone still miss."""
    from alvh_core.scenarios.anchor import REGIMES, STRESS_REGIMES, _Nodes, fit_rows, node_states, regimes

    market, targets, events, (regs, nodes, fit) = _grid_fit("put", vix, 45)
    assert "stress regimes joined" in fit.method and len(regs) == len(STRESS_REGIMES) + len(
        [p for p in regimes(load_default_params(jumps=True)) if node_states(p, market.vix).size])
    assert _issue_targets_met(fit.rows), [(r.name, r.market, r.model) for r in fit.rows]
    bb = next(r for r in fit.rows if r.name == "buy-back")
    assert abs(bb.error) <= 0.01 * bb.market
    stress_weight = sum(n.weight for n in nodes if n.regime >= len(regs) - len(STRESS_REGIMES))
    assert stress_weight > 0.2  # the stress regimes carry the fit, not a rounding
    # the 27 regimes alone (the fit before): the same target missed
    base = _Nodes(market, targets, events)
    base.add([p for p in regimes(load_default_params(jumps=True)) if node_states(p, market.vix).size])
    pi, _ = base.fit()
    before = next(r for r in fit_rows(targets, base.prices @ pi) if r.name.startswith(worst_before))
    assert len(REGIMES) == 27 and not before.within, before  # VIX spread +5.6% (5% allowed); buy-back +10.3%


def test_markets_the_27_regimes_reach_do_not_take_the_stress_regimes(anchored):
    """The demo (VIX 24.3, 17 days) and a call-tested VIX 60 7-day condor fit with the 27 regimes: their law is the one
    before the stress regimes were added. Put VIX 14 45d misses only today's VIX (a looser helper target, 1.5x its
    tolerance): that alone does not call the stress regimes (with them its SEs grew 3-9x for a VIX^2 0.5 tol closer)."""
    _, _, model = anchored
    assert "stress" not in model.fit.method and all(n.regime < 27 for n in model.nodes)
    _, _, _, (regs, _, fit) = _grid_fit("call", 60.0, 7)
    assert "stress" not in fit.method and len(regs) <= 27 and fit.ok
    _, _, _, (regs, _, fit) = _grid_fit("put", 14.0, 45)
    assert "stress" not in fit.method and [r.name for r in fit.rows if not r.within] == ["VIX^2"]


@pytest.mark.parametrize("vix", [35.0, 60.0])
def test_stress_regimes_keep_the_honesty_test(vix):
    """Premia and costs off, the paths follow the pricing law: with the stress regimes carrying the fit (put-tested,
    45 days, VIX 35 / 60) no strategy beats legging out beyond 3 paired SEs (measured at seeds 7 and 11: within
    1.4 SE). A stress regime whose tables priced off its law would show here as an edge."""
    import sys
    from pathlib import Path

    from alvh_core.edge import compare

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from claims_grid import grid_condor

    assert "stress regimes joined" in _grid_fit("put", vix, 45)[3][2].method
    condor, market = grid_condor("put", vix, 45)
    r = compare(condor, market, n_paths=40_000, seed=7, premia=False, costs=False)
    assert all(row.within for row in r.today.calibration if row.name != "VIX^2")
    for name, d in r.vs_leg_out.items():
        if name != "leg_out":
            assert d.se > 0 and abs(d.diff) <= 3 * d.se, (name, d.diff, d.se)
