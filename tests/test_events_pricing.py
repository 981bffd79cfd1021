"""Event days inside the pricing law (issue 17): the event-aware SPX tables, the anchor and the honesty test.

An event day with variance multiplier m has the return of ``apply_event_variance`` (sqrt(m h) z, convexity
-m h / 2, h' updated by the same z); for a fixed expiry its position counted from expiry is known, so the
tables are the Heston-Nandi backward recursion with that step's z-coefficient scaled by sqrt(m): exact.
References here are independent of the tables: Monte Carlo of the simulated law (paired with the plain
law on the same shocks), the direct COS sum, put-call parity, and the honesty test on anchored paths.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.events import EVENT_DAY_SHARE, EVENT_VARIANCE_BUMP, PACKAGE_FILE, load_events
from alvh_core.models import IronCondor, MarketState
from alvh_core.scenarios import load_default_params, simulate
from alvh_core.scenarios.hn_garch import TRADING_DAYS, log_mgf_coefficients
from alvh_core.scenarios.pricer import (
    TABLE_ACCURACY,
    SpxTablePricer,
    cos_put_reference,
    event_pattern,
    spx_pricer,
)

MK = MarketState(spot=5000.0, vix=20.0, asof=dt.date(2026, 3, 2))
N = 10


def _bumped(m: float = 4.0, step: int = 5) -> np.ndarray:
    mult = np.ones(N)
    mult[step - 1] = m
    return mult


def test_event_pattern_counts_positions_from_expiry() -> None:
    mult = np.array([1.0, 1.0, 2.0, 1.0])  # step 3 is the event day
    assert event_pattern(mult, 4) == (1.0, 2.0, 1.0, 1.0)  # 2 days before expiry's close: position 2
    assert event_pattern(mult, 6) == (1.0, 1.0, 1.0, 2.0, 1.0, 1.0)  # steps 5, 6 past the paths count 1
    assert event_pattern(mult, 2) == ()  # expiry before the event: the plain tables
    assert event_pattern(np.ones(5), 5) == () and event_pattern(None, 5) == ()


def test_all_ones_is_the_plain_law_bit_for_bit() -> None:
    q = load_default_params(jumps=True).risk_neutral()
    phi = 1j * np.linspace(0.0, 40.0, 7)
    a0, b0 = log_mgf_coefficients(q, 1e-4, phi, 12)
    a1, b1 = log_mgf_coefficients(q, 1e-4, phi, 12, mult=np.ones(12))
    assert np.array_equal(a0, a1) and np.array_equal(b0, b1)
    assert spx_pricer(q, MK.rate, MK.div_yield, (1.0,) * 8) is spx_pricer(q, MK.rate, MK.div_yield)
    plain = SpxTablePricer(q, MK.rate, MK.div_yield)
    plain._load_disk = lambda: None  # compute, do not read the cache: the same code path as the event tables
    ones = SpxTablePricer(q, MK.rate, MK.div_yield, (1.0,) * 16)
    assert np.array_equal(plain._class_tables(16), ones._class_tables(16))


@pytest.mark.parametrize("jumps", [False, True])
def test_event_tables_equal_monte_carlo_of_the_same_law(jumps: bool) -> None:
    """The table price at t=0 of puts with an event day 5 of 10 equals the simulated law's discounted payoff
    mean (3 SE), and the event's effect (event minus plain, same shocks) equals the tables' (3 paired SE)."""
    params = load_default_params(jumps=jumps)
    q = params.risk_neutral()
    ev = simulate(MK, N, n_paths=200_000, seed=11, premia=False, params=params, event_variance=_bumped())
    base = simulate(MK, N, n_paths=200_000, seed=11, premia=False, params=params)
    disc = np.exp(-MK.rate * N / TRADING_DAYS)
    half = ev.n_paths // 2
    h0 = base.h_q[:1, 0]
    for strike in (4700.0, 5000.0, 5250.0):
        table = ev.spx_option("P", strike, N / TRADING_DAYS)[0][0, 0]
        plain = spx_pricer(q, MK.rate, MK.div_yield).price(False, np.array([MK.spot]), strike, np.array([N]), h0)[0][0]
        pay_e = disc * np.maximum(strike - ev.spot[:, -1], 0.0)
        pay_b = disc * np.maximum(strike - base.spot[:, -1], 0.0)
        units_e = 0.5 * (pay_e[:half] + pay_e[half:])  # antithetic pairs are one draw
        d = pay_e - pay_b
        units_d = 0.5 * (d[:half] + d[half:])
        se_e = units_e.std(ddof=1) / np.sqrt(half)
        se_d = units_d.std(ddof=1) / np.sqrt(half)
        assert abs(table - units_e.mean()) < 3 * se_e, (strike, table, units_e.mean(), se_e)
        assert abs((table - plain) - units_d.mean()) < 3 * se_d, (strike, table - plain, units_d.mean(), se_d)
        assert table - plain > 10 * se_d  # the event day matters: the test is not vacuous


@pytest.mark.parametrize("bump", [EVENT_VARIANCE_BUMP, 3.0])
def test_event_tables_equal_the_direct_cos_sum(bump: float) -> None:
    cal = load_events(PACKAGE_FILE)
    from alvh_core.events import event_multipliers_for

    asof = dt.date(2026, 11, 24)  # FOMC 12-09 and CPI 12-10 inside the next 17 sessions
    mult = event_multipliers_for(asof, 17, bump=bump, calendar=cal, frequency=EVENT_DAY_SHARE)
    for jumps in (False, True):
        q = load_default_params(jumps=jumps).risk_neutral()
        for n in (17, 9, 6):
            pattern = event_pattern(mult, n)
            assert pattern and len(pattern) == n
            pricer = spx_pricer(q, MK.rate, MK.div_yield, pattern)
            x = np.array([-0.12, -0.04, 0.0, 0.03, 0.1])
            for h in (0.6e-4, 2.5e-4, 1.2e-3):
                exact = cos_put_reference(q, MK.rate, MK.div_yield, n, x, h, events=pattern)
                got = pricer.put_per_strike(np.full(x.size, n), x, np.full(x.size, h))[0]
                assert np.abs(got - exact).max() < TABLE_ACCURACY, (jumps, n, h)


def test_put_call_parity_and_monotonicity_with_events() -> None:
    q = load_default_params(jumps=True).risk_neutral()
    strikes = np.arange(4500.0, 5501.0, 50.0)
    h = np.full(strikes.size, 1.5e-4)
    n = np.full(strikes.size, N)
    atm = []
    for m in (1.0, 2.0, 4.0):
        pricer = spx_pricer(q, MK.rate, MK.div_yield, event_pattern(_bumped(m), N))
        puts = np.array([pricer.price(False, np.array([MK.spot]), k, n[:1], h[:1])[0][0] for k in strikes])
        calls = np.array([pricer.price(True, np.array([MK.spot]), k, n[:1], h[:1])[0][0] for k in strikes])
        tau = N / TRADING_DAYS
        parity = MK.spot * np.exp(-MK.div_yield * tau) - strikes * np.exp(-MK.rate * tau)
        assert np.allclose(calls - puts, parity, atol=1e-9)
        assert np.all(np.diff(puts) > 0) and np.all(np.diff(calls) < 0)
        assert np.all(np.diff(puts, 2) > -1e-9)  # convex in strike
        atm.append(puts[strikes == 5000.0][0])
    assert atm[0] < atm[1] < atm[2]  # more variance on one day, dearer options


def test_anchor_hits_its_targets_with_events_on() -> None:
    from alvh_core.scenarios.anchor import leg_targets, vix_target
    from alvh_core.scenarios.model import HNGarchModel

    asof = dt.date(2026, 11, 24)
    market = MarketState(spot=5712.0, vix=24.3, asof=asof)
    condor = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5600, short_put=5650, short_call=6150,
                        long_call=6200, quantity=10, credit=4.8)
    targets = leg_targets(condor, market) + [vix_target(market)]
    cal = load_events(PACKAGE_FILE)
    fits = {}
    for bump in (1.0, 3.0):
        model = HNGarchModel(event_bump=bump, event_calendar=cal).calibrate(market, targets)
        rows = {r.name: r for r in model.fit.rows}
        assert abs(rows["buy-back"].error) <= 0.01 * rows["buy-back"].market
        for r in model.fit.rows:
            if r.name != "VIX^2":
                assert r.within, r
        fits[bump] = np.array([n.weight for n in model.nodes])
    # the events moved the weights (the calibration sees them): with 3x variance on two days before expiry
    # the law needs less variance elsewhere to reproduce the same leg prices
    assert np.abs(fits[3.0] - fits[1.0]).sum() > 0.01


def test_model_assumptions_name_the_events_and_the_bump() -> None:
    from alvh_core.scenarios.model import HNGarchModel

    market = MarketState(spot=5712.0, vix=24.3, asof=dt.date(2026, 11, 24))
    model = HNGarchModel(event_calendar=load_events(PACKAGE_FILE))
    line = model.event_line(market, 17)
    assert "FOMC 2026-12-09" in line and "CPI 2026-12-10" in line and f"{EVENT_VARIANCE_BUMP:g}x" in line
    mult = model.event_multipliers(market, 17)
    assert mult is not None and np.count_nonzero(mult > 1.0) == 2
    assert mult.max() / mult.min() == pytest.approx(EVENT_VARIANCE_BUMP)
    assert HNGarchModel(event_bump=1.0).event_multipliers(market, 17) is None
    assert "no bump" in HNGarchModel(event_bump=None).event_line(market, 17)


def test_event_day_share_is_the_calendars() -> None:
    from alvh_core.events import trading_days_after

    days = trading_days_after(dt.date(1989, 12, 31), 7400)
    days = days[days <= np.datetime64("2018-12-31")]
    on = load_events(PACKAGE_FILE).mask(days, kinds=("fomc", "cpi"), scheduled_only=True)
    assert on.mean() == pytest.approx(EVENT_DAY_SHARE, abs=0.001)


@pytest.mark.parametrize("wing", ["put", "call"])
def test_no_edge_anchored_with_events_premia_and_costs_off(wing: str) -> None:
    """Premia off + costs off + events on (3x, so they matter): the anchored engine's pricing law, paths and
    SPX prices along them carry the same event days, so every strategy is within 3 paired SE of leg out."""
    from alvh_core.edge import compare
    from alvh_core.scenarios.model import HNGarchModel

    asof = dt.date(2026, 11, 24)
    market = MarketState(spot=5712.0, vix=24.3, asof=asof)
    if wing == "put":
        condor = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5550, short_put=5600, short_call=6150,
                            long_call=6200, quantity=10, credit=12.0)
    else:
        condor = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5250, short_put=5300, short_call=5800,
                            long_call=5850, quantity=10, credit=12.0)
    model = HNGarchModel(event_bump=3.0, event_calendar=load_events(PACKAGE_FILE))
    # 16,000 paths: at 4,000 the put wing's hold - leg out was -291 +- 97 (3.0 SE) with the 0.001 + 25 h crash law,
    # +49 +- 92 at seed 22 and +7 +- 38 at 16,000 paths (seed 21): a noise draw, not a bias
    c = compare(condor, market, n_paths=16_000, seed=21, premia=False, costs=False, model=model)
    assert any("FOMC 2026-12-09" in a and "3x" in a for a in c.assumptions.lines())
    assert c.strategies["hold"].std > 0
    for name, d in c.vs_leg_out.items():
        if name != "leg_out":
            assert d.se > 0, name
            assert abs(d.diff) <= 3 * d.se, f"{name}: diff {d.diff:.1f} vs 3 SE {3 * d.se:.1f}"


def test_compare_cli_names_the_events_and_turns_them_off(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from alvh_core.cli import main

    pos = ["SPX", "2026-12-18", "5600/5650P", "6150/6200C", "x10", "@4.80", "--spot", "5712", "--vix", "24.3",
           "--asof", "2026-11-24", "--paths", "400", "--json"]
    out = {}
    for extra in ([], ["--no-events"]):
        assert main(["compare", *pos, *extra]) == 0
        d = json.loads(capsys.readouterr().out)
        out[bool(extra)] = d["assumptions"]["params"]  # the model's assumption lines, "; "-joined
    assert f"event days: FOMC 2026-12-09, CPI 2026-12-10 carry {EVENT_VARIANCE_BUMP:g}x" in out[False]
    assert "event days: no bump" in out[True]
    assert main(["compare", *pos, "--event-bump", "99"]) == 2
    assert "between 0.2 and 10" in capsys.readouterr().err
