"""The trader's marks: parsing, prices <-> vols, no-arbitrage refusals, the surface through the marks."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.grammar import GrammarError, parse_command, parse_marks
from alvh_core.market.marked import (
    LegMark,
    MarkedSurface,
    MarkError,
    VxMark,
    apply_marks,
    leg_vols,
    vix_option_vols,
    vx_by_expiry,
)
from alvh_core.models import IronCondor, MarketState
from alvh_core.pricing import black76, bsm
from alvh_core.pricing.expiries import vx_expiry
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

ASOF = dt.date(2026, 11, 24)
EXPIRY = dt.date(2026, 12, 18)
TAU = (EXPIRY - ASOF).days / 365
SPOT, R, Q = 5712.0, 0.04, 0.013


def test_issue_example_parses():
    m = parse_marks("spot 5712 vix 24.3 5600P 83.10 5650P 96.90 6150C 6.05 6200C 3.65")
    assert (m.spot, m.vix) == (5712.0, 24.3)
    assert [(x.strike, x.right, x.price) for x in m.legs] == [(5600, "P", 83.1), (5650, "P", 96.9),
                                                              (6150, "C", 6.05), (6200, "C", 3.65)]
    c = parse_command("mark spot 5712 vix 24.3 5650P iv 22.4 vx 22.45 vx jan 22.9 vixopt jan 25C 1.85 2", ASOF)
    assert c.id == 2 and c.marks.legs[0].iv == pytest.approx(0.224)
    assert [(v.month, v.price) for v in c.marks.vx] == [(None, 22.45), (1, 22.9)]
    o = c.marks.vix_options[0]
    assert (o.month, o.strike, o.right, o.price) == (1, 25.0, "C", 1.85)
    assert parse_marks(m.describe()) == m  # round trip


@pytest.mark.parametrize("text,needle", [
    ("spot 5712 vix 24.3 5600P", "'5600P' needs a price or 'iv V'"),
    ("spot 5712 vix 24.3 5600P iv 0.22", "type 22.4, not 0.224"),
    ("spot 5712 vix 24.3 5600P 1 5600P 2", "5600P marked twice"),
    ("spot 5712 vix 24.3 vx 500", "a VX future between 1 and 200"),
    ("spot 5712 vix 24.3 vixopt jan 1.85", "'vixopt' needs a strike and C/P"),
])
def test_bad_mark_tokens_are_one_line(text, needle):
    with pytest.raises(GrammarError) as exc:
        parse_marks(text)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_leg_prices_become_vols_that_reprice_exactly():
    legs = parse_marks("spot 5712 vix 24.3 5600P 83.10 5650P 96.90 6150C 6.05 6200C 3.65 5700P iv 21.5").legs
    vols = leg_vols(legs, TAU, SPOT, R, Q)
    for lg in legs:
        if lg.price is not None:
            p = bsm.price(lg.right == "C", SPOT, lg.strike, TAU, vols[lg.strike], R, Q)
            assert float(p) == pytest.approx(lg.price, abs=1e-9)
    assert vols[5700.0] == pytest.approx(0.215)


@pytest.mark.parametrize("legs,needle", [
    ([LegMark(strike=5600, right="P", price=150.0), LegMark(strike=5650, right="P", price=96.9)],
     "5600P 150 and 5650P 96.9 are arbitrage: the lower strike must be the cheaper put"),
    ([LegMark(strike=5600, right="P", price=20.0), LegMark(strike=5650, right="P", price=96.9)],
     "wider than the discounted strike gap"),
    ([LegMark(strike=6150, right="C", price=6000.0)], "mark 6150C 6000 is outside the no-arbitrage bounds"),
    ([LegMark(strike=6150, right="C", price=2000.0)], "mark 6150C 2000 implies 378.9 vol points"),
    ([LegMark(strike=5000, right="P", price=0.0001)], None),  # tiny but valid
    ([LegMark(strike=6000, right="P", price=100.0)], "outside the no-arbitrage bounds"),  # below intrinsic ~280
])
def test_marks_beyond_no_arbitrage_bounds_are_refused(legs, needle):
    if needle is None:
        assert leg_vols(legs, TAU, SPOT, R, Q)[5000.0] > 0
        return
    with pytest.raises(MarkError) as exc:
        leg_vols(legs, TAU, SPOT, R, Q)
    assert needle in str(exc.value)


def test_surface_passes_exactly_through_marks_and_smoothly_elsewhere():
    marked = {5600.0: 0.26, 5650.0: 0.245, 6150.0: 0.17, 6200.0: 0.172}
    ms = MarkedSurface(DEFAULT_SPX_SMILE, marked, TAU, SPOT, 0.243, R, Q)
    ks = np.array(sorted(marked))
    np.testing.assert_allclose(ms.vol(ks, TAU, SPOT, 0.243, R, Q), [marked[k] for k in ks], rtol=1e-10)
    far = np.array([4000.0, 7500.0])  # far from the marks: back to the surface
    np.testing.assert_allclose(ms.vol(far, TAU, SPOT, 0.243, R, Q), DEFAULT_SPX_SMILE.vol(far, TAU, SPOT, 0.243, R, Q),
                               rtol=1e-3)
    grid = np.linspace(5000, 6500, 3001)
    v = ms.vol(grid, TAU, SPOT, 0.243, R, Q)
    assert np.max(np.abs(np.diff(v, 2))) < 1e-5  # smooth: no kinks between and around the marks
    c = bsm.price(True, SPOT, grid, TAU, v, R, Q)
    assert np.all(np.diff(c, 2) >= -1e-9 * SPOT)  # still free of butterfly arbitrage


def test_marks_that_bend_the_smile_into_arbitrage_are_refused():
    with pytest.raises(MarkError, match="butterfly arbitrage"):
        MarkedSurface(DEFAULT_SPX_SMILE, {5650.0: 0.20, 5675.0: 0.40, 5700.0: 0.20}, TAU, SPOT, 0.243, R, Q)


def test_apply_marks_feeds_the_analysis_and_says_what_was_marked():
    from alvh_core.analysis import analyze
    condor = IronCondor(expiry=EXPIRY, long_put=5600, short_put=5650, short_call=6150, long_call=6200,
                        quantity=10, credit=4.8)
    market = MarketState(spot=SPOT, vix=24.3, asof=ASOF, rate=R, div_yield=Q)
    marks = parse_marks("spot 5712 vix 24.3 5600P 83.10 5650P 96.90 vx jan 22.45")
    m2, smile, note = apply_marks(marks, condor, market)
    a = analyze(condor, m2, smile)
    marks_by_k = {5600.0: 83.10, 5650.0: 96.90}
    for leg in a.legs:
        if leg.strike in marks_by_k:
            assert leg.mark == pytest.approx(marks_by_k[leg.strike], abs=1e-6)
    assert note.startswith("SPX legs marked: 5600P, 5650P; modelled (THE SPX surface): 6150C, 6200C")
    assert "VX marked: 2027-01-20 22.45" in note and m2.vix_futures == {vx_expiry(2027, 1): 22.45}
    # the unmarked call legs are priced on the surface bent through the put marks (far away: ~ unchanged)
    base = DEFAULT_SPX_SMILE.vol(6150.0, TAU, SPOT, 0.243, R, Q)
    assert float(smile.vol(6150.0, TAU, SPOT, 0.243, R, Q)) == pytest.approx(float(base), rel=0.05)


def test_vx_and_vix_option_marks():
    assert vx_by_expiry([VxMark(price=22.45)], ASOF) == {vx_expiry(2026, 12): 22.45}
    assert vx_by_expiry([VxMark(month=11, price=21.0)], ASOF) == {vx_expiry(2027, 11): 21.0}
    opts = parse_marks("spot 5712 vix 24.3 vixopt jan 25C 1.85 vixopt jan 20P iv 90").vix_options
    fut = {vx_expiry(2027, 1): 22.45}
    vols = vix_option_vols(opts, ASOF, 24.3, fut)
    e = vx_expiry(2027, 1)
    tau = (e - ASOF).days / 365
    assert float(black76.price(True, 22.45, 25.0, tau, vols[(e, 25.0, "C")])) == pytest.approx(1.85, abs=1e-9)
    assert vols[(e, 20.0, "P")] == pytest.approx(0.90)
    bad = parse_marks("spot 5712 vix 24.3 vixopt jan 20C 1.0").vix_options  # below intrinsic 2.45
    with pytest.raises(MarkError, match="outside the no-arbitrage bounds on the 2027-01-20 VX future 22.45"):
        vix_option_vols(bad, ASOF, 24.3, fut)


def test_vix_option_marks_reach_the_hedge_sizing():
    from alvh_core.hedge import size_hedge

    condor = IronCondor(expiry=EXPIRY, long_put=5500, short_put=5600, short_call=6150, long_call=6250,
                        quantity=10, credit=4.8)
    market = MarketState(spot=SPOT, vix=24.3, asof=ASOF, rate=R, div_yield=Q)
    marks = parse_marks("spot 5712 vix 24.3 vx jan 22.45 vixopt jan 22C 1.85 vixopt jan 32C 0.40 vixopt feb 30C iv 95")
    m2, _, note = apply_marks(marks, condor, market)
    e = vx_expiry(2027, 1)
    assert {(q.expiry, q.strike, q.right, q.price) for q in m2.vix_options if q.price} == {
        (e, 22.0, "C", 1.85), (e, 32.0, "C", 0.40)}
    assert note.endswith("VIX options marked: 2027-01-20 22C 1.85, 2027-01-20 32C 0.4, 2027-02-17 30C iv 95")
    plan = size_hedge(condor, m2, wing="put")
    assert plan.hedge_expiry == e and plan.strikes == (22.0, 32.0) and plan.vix_future == pytest.approx(22.45)
    assert plan.unit_price == pytest.approx(1.85 - 0.40, abs=1e-12)
    assert "marked: 22C 1.85, 32C 0.4; modelled" in plan.leg_sources
    unmarked = size_hedge(condor, apply_marks(parse_marks("spot 5712 vix 24.3 vx jan 22.45"), condor, market)[0],
                          wing="put")
    assert unmarked.unit_price != pytest.approx(plan.unit_price, abs=0.01) and "marked: none" in unmarked.leg_sources
    # a VIX option mark outside its bounds is refused when marked, with the token
    with pytest.raises(MarkError, match="vixopt jan 20C 1"):
        apply_marks(parse_marks("spot 5712 vix 24.3 vx jan 22.45 vixopt jan 20C 1.0"), condor, market)
