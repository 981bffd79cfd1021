"""The honesty test against the REAL scenario model (alvh_core.scenarios.simulate), and compare() end to end.

Premia and costs off: every strategy's EV equals leg_out's within 3 paired SE for a tested put wing and a
tested call wing, calm (VIX 14) and stressed (VIX 35). Premia on: holding beats legging out (the VRP).
Skips while the scenario model (or its shipped parameters) is not installed.
"""
from __future__ import annotations

import pytest
from test_edge_honesty import ASOF, SPOT, condor_for

from alvh_core.edge import compare
from alvh_core.models import MarketState
from alvh_core.strategies import HedgeSpec, LayerPolicy


def _model():
    from alvh_core.scenarios.params import load_default_params
    from alvh_core.scenarios.simulation import simulate, steps_to

    load_default_params()  # a broken shipped calibration fails here, it is not skipped
    return simulate, steps_to


def _specs(n_steps: int, vix: float) -> dict[str, HedgeSpec]:
    k = float(round(vix))
    t_h = (n_steps + 15) / 252
    return {"put": HedgeSpec(wing="put", kind="VIX_CALL", expiry_t=t_h, strikes=(k, k + 10), contracts_full=40),
            "call": HedgeSpec(wing="call", kind="VXM", direction=-1, expiry_t=t_h, contracts_full=30)}


@pytest.mark.parametrize("wing", ["put", "call"])
@pytest.mark.parametrize("vix", [14.0, 35.0])
def test_model_no_premia_no_costs_no_edge(wing, vix):
    simulate, steps_to = _model()
    c = condor_for(wing, vix)
    m = MarketState(spot=SPOT, vix=vix, asof=ASOF)
    n = steps_to(c.expiry, ASOF)
    paths = simulate(m, n, n_paths=4000, seed=17, premia=False)
    cmp = compare(c, m, paths=paths, costs=False, premia=False, specs=_specs(n, vix),
                  policy=LayerPolicy(hedge_call_wing=True))
    assert cmp.seed_claims.tested_wing == wing
    assert cmp.strategies["alvh"].mean_fills > 0
    for name, d in cmp.vs_leg_out.items():
        if name != "leg_out":  # SE 0: no path reaches the wing still held (see tests/test_edge_jumps.py): $1 at most
            bound = 3 * d.se if d.se > 0 else 1.0
            assert abs(d.diff) <= bound, f"{name}: diff {d.diff:.1f} vs 3 SE {3 * d.se:.1f}"


def test_model_vrp_hold_beats_leg_out_and_seed_reproducible():
    simulate, steps_to = _model()
    c = condor_for("put", 20.0)
    m = MarketState(spot=SPOT, vix=20.0, asof=ASOF)
    n = steps_to(c.expiry, ASOF)
    runs = [compare(c, m, paths=simulate(m, n, n_paths=4000, seed=5, premia=True), costs=True,
                    specs=_specs(n, 20.0)) for _ in range(2)]
    d = runs[0].vs_leg_out["hold"]
    assert d.diff > 2 * d.se
    assert runs[0].model_dump_json() == runs[1].model_dump_json()


@pytest.mark.parametrize("wing,vix,instrument", [("put", 35.0, "vix_call_spread"), ("call", 14.0, "vix_call_spread"),
                                                 ("put", 14.0, "vix_call_spread"), ("call", 35.0, "vix_call_spread"),
                                                 ("put", 20.0, "vx"), ("call", 20.0, "vxm")])
def test_model_end_to_end_default_sizing_no_edge(wing, vix, instrument):
    """compare() as the CLI calls it (the market-anchored crash-jump mixture, hedge sized by size_hedge), premia
    and costs off: both wings, VIX 14 and 35, crashes on."""
    _model()
    c = condor_for(wing, vix)
    m = MarketState(spot=SPOT, vix=vix, asof=ASOF)
    cmp = compare(c, m, n_paths=4000, seed=23, premia=False, costs=False,
                  policy=LayerPolicy(instrument=instrument, hedge_call_wing=True))
    assert cmp.strategies["alvh"].mean_fills > 0
    for name, d in cmp.vs_leg_out.items():
        if name != "leg_out":  # SE 0: no path reaches the wing still held (see tests/test_edge_jumps.py): $1 at most
            bound = 3 * d.se if d.se > 0 else 1.0
            assert abs(d.diff) <= bound, f"{name}: diff {d.diff:.1f} vs 3 SE {3 * d.se:.1f}"
