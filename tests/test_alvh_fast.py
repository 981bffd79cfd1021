"""The ALVH day loop with batched hedge pricing (issue 16) gives main's per-day loop's numbers.

``alvh_core.strategies.alvh.alvh`` asks the hedge's prices during the loop and prices them at once after it;
``tests/alvh_reference.py`` is main's loop before that change (one pricing call per day, layer and leg), kept
verbatim. Same paths, same rules: the same P&L, ledger, margins, events and diagnostics, to the last bit."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.costs import CostModel
from alvh_core.edge import default_specs, time_to
from alvh_core.hedge import recommend
from alvh_core.models import IronCondor, MarketState
from alvh_core.pricing.expiries import next_vx_expiry
from alvh_core.scenarios.simulation import simulate, steps_to
from alvh_core.strategies.alvh import ALVHPolicy, alvh
from alvh_core.strategies.base import CondorOnPaths
from tests.alvh_reference import alvh_reference

ASOF = dt.date(2026, 3, 2)
MARKET = MarketState(spot=5000.0, vix=22.0, asof=ASOF)
# the short put near the money: layers are added, removed and re-added on many paths
CONDOR = IronCondor(expiry=dt.date(2026, 4, 2), long_put=4800, short_put=4900, short_call=5300, long_call=5400,
                    quantity=10, credit=25.0)


@pytest.fixture(scope="module")
def paths():
    return simulate(MARKET, steps_to(CONDOR.expiry, ASOF), n_paths=1500, seed=11)


class _TablesOnly:
    """The paths without ``vix_option_at``: the hedge is priced from whole (N, T+1) tables (history's way)."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        if name == "vix_option_at":
            raise AttributeError(name)
        return getattr(self._inner, name)


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.pnl, b.pnl)
    assert sorted(a.ledger.flows) == sorted(b.ledger.flows)
    for k in a.ledger.flows:
        np.testing.assert_array_equal(a.ledger.flows[k], b.ledger.flows[k], err_msg=k)
    np.testing.assert_array_equal(a.ledger.fills, b.ledger.fills)
    np.testing.assert_array_equal(a.ledger.peak_margin, b.ledger.peak_margin)
    assert sorted(a.extra) == sorted(b.extra)
    for k, v in a.extra.items():
        if k == "events":
            assert len(v) == len(b.extra[k])
            for e, f in zip(v, b.extra[k]):
                assert sorted(e) == sorted(f)
                for key in e:
                    np.testing.assert_array_equal(e[key], f[key], err_msg=key)
        else:
            np.testing.assert_array_equal(v, b.extra[k], err_msg=k)


POLICIES = {
    "default": ALVHPolicy(),
    "budget": ALVHPolicy(budget_share=0.3),
    "vx": ALVHPolicy(instrument="vx"),
    "vxm_both_wings": ALVHPolicy(instrument="vxm", hedge_call_wing=True),
    "call_wing_spreads_vxth": ALVHPolicy(hedge_call_wing=True, vxth=True, sizing="dollar_delta"),
    "gates_pre_event": ALVHPolicy(rsi_max=70, macd_confirm=True, pre_event_delta=0.1, remove_vix_below=20,
                                  remove_delta=0.1, beta_rule="pooled", max_layers=2),
    "tight_removal_vega": ALVHPolicy(triggers=(0.1, 0.2, 0.3, 0.4), shares=(0.4, 0.3, 0.2, 0.1), max_layers=4,
                                     remove_vix_retrace=0.02, sizing="vega", budget_share=1.0),
}


@pytest.mark.parametrize("name", sorted(POLICIES))
@pytest.mark.parametrize("plan", [True, False], ids=["todays_plan", "no_plan"])
def test_batched_loop_equals_main_loop(paths, name, plan):
    policy = POLICIES[name]
    cp = CondorOnPaths.from_market(CONDOR, paths, MARKET)
    hedge_t = time_to(paths, ASOF, next_vx_expiry(CONDOR.expiry))
    initial = None
    if plan:
        p, _ = recommend(CONDOR, MARKET, policy, costs=CostModel())
        initial = {p.wing: p} if p is not None else {}
    new = alvh(cp, CostModel(), policy, initial=initial, hedge_t=hedge_t)
    ref = alvh_reference(cp, CostModel(), policy, initial=initial, hedge_t=hedge_t)
    _same(new, ref)
    assert len(new.extra["events"]) > 3  # layers were added (and the test compares something)
    assert np.any(new.extra["hedge_pnl"] != 0)


def test_static_specs_and_tables_only_paths(paths):
    """Static instruments (the honesty tests' way) and paths priced from whole tables (history's way)."""
    policy = ALVHPolicy(hedge_call_wing=True)
    specs = default_specs(CONDOR, MARKET, policy, paths)
    for p in (paths, _TablesOnly(paths)):
        cp = CondorOnPaths.from_market(CONDOR, p, MARKET)
        _same(alvh(cp, CostModel(), policy, specs), alvh_reference(cp, CostModel(), policy, specs))
    cp = CondorOnPaths.from_market(CONDOR, _TablesOnly(paths), MARKET)
    hedge_t = time_to(paths, ASOF, next_vx_expiry(CONDOR.expiry))
    new = alvh(cp, CostModel(), POLICIES["budget"], hedge_t=hedge_t)
    _same(new, alvh_reference(cp, CostModel(), POLICIES["budget"], hedge_t=hedge_t))
    assert len(new.extra["events"]) > 3
