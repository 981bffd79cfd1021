"""Position lifecycle (issue 15): close with a fill, edit, roll, hedge bought; stored with who and when."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core import lifecycle as lc
from alvh_core.analysis import tested_label as label_rule
from alvh_core.models import IronCondor, MarketState
from alvh_core.pricing import black76
from alvh_core.pricing.expiries import vx_expiry
from alvh_core.pricing.vix_curve import VixCurve
from bot.assistant import Assistant, Ctx
from bot.market_data import RecordedMarks
from bot.services import Services
from bot.store import MIGRATIONS, Store

NOW = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)  # Tuesday, 16:30 New York
TODAY = dt.date(2026, 11, 24)
CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)


def make(tmp_path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "a.sqlite")
    return Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW,
                              compare_paths=400)), store


def test_parse_forms_and_errors() -> None:
    c = lc.parse_lifecycle("close 3 at 0.5/2.1/1.9/0.4", TODAY)
    assert isinstance(c, lc.CloseFill) and c.debit() == pytest.approx(2.1 + 1.9 - 0.5 - 0.4)
    assert lc.parse_lifecycle("close #3 @1.2", TODAY) == lc.CloseFill(id=3, price=1.2)
    assert lc.parse_lifecycle("close 3", TODAY) == lc.CloseFill(id=3)
    r = lc.parse_lifecycle("roll 3 put to 5550/5500 at -0.40", TODAY)
    assert r == lc.RollCommand(id=3, wing="put", strikes=(5500, 5550), price=-0.40)
    h = lc.parse_lifecycle("hedge 3 bought 10 vix 22/32 jan @1.95", TODAY)
    assert isinstance(h, lc.HedgeBought)
    assert h.holding == lc.HedgeHolding(kind="VIX_CALL", quantity=10, expiry=vx_expiry(2027, 1), price=1.95,
                                        strikes=(22, 32))
    assert lc.parse_lifecycle("hedge 3 sold 2 vxm dec at 19", TODAY).holding.quantity == -2  # type: ignore[union-attr]
    assert lc.parse_lifecycle("hedge 3 condors 20", TODAY) is None  # sizing stays with the main grammar
    e = lc.parse_lifecycle("edit 3 credit 16.5 x12", TODAY)
    assert e == lc.EditCommand(id=3, changes={"credit": 16.5, "quantity": 12})
    for bad, needle in [("close", "position id"), ("close 3 at 1/2", "one debit or four"),
                        ("roll 3 wing", "put or call"), ("hedge 3 bought 10 vix jan @2", "strikes"),
                        ("hedge 3 bought 10 vix 22/32 @2", "expiry is missing"),
                        ("hedge 3 bought 5 vx 20 jan @18", "no strike"), ("edit 3 colour red", "can't edit")]:
        with pytest.raises(lc.LifecycleError, match=needle) as exc:
            lc.parse_lifecycle(bad, TODAY)
        msg = str(exc.value)  # one line that names what was wrong and ends with the expected form
        assert "\n" not in msg and msg.endswith(lc.USAGE[bad.split()[0]])


def test_realised_pnl_roll_and_tested_rule() -> None:
    assert lc.realized_pnl(CONDOR, 5.0) == pytest.approx((17.0 - 5.0) * 100 * 10)
    r = lc.rolled(CONDOR, "put", (5500, 5550), -0.40)
    assert (r.long_put, r.short_put, r.credit) == (5500, 5550, pytest.approx(16.6))
    assert (r.short_call, r.long_call, r.expiry) == (6150, 6200, CONDOR.expiry)
    with pytest.raises(ValueError, match="one expiry"):
        lc.rolled(CONDOR, "put", (5500, 5550), 1.0, expiry=dt.date(2027, 2, 19))
    with pytest.raises(ValueError, match="net credit"):
        lc.rolled(CONDOR, "call", (6200, 6250), -17.5)
    # roll at model mid = new vertical minus old (pricing the same vertical gives exactly zero)
    m = MarketState(spot=5900, vix=18, asof=TODAY)
    assert lc.model_roll_credit(CONDOR, "put", (5600, 5650), m) == pytest.approx(0.0, abs=1e-12)
    assert lc.model_roll_credit(CONDOR, "put", (5500, 5550), m) < 0  # further OTM: less premium, a debit
    # the display rule: 0.30 threshold, the larger delta wins; a balanced fresh condor is not tested
    assert label_rule(-0.24, 0.23) == "none" and label_rule(-0.12, 0.31) == "call"
    assert label_rule(-0.35, 0.31) == "put" and label_rule(-0.30, 0.1) == "put"


def test_hedge_holding_values_against_black76_and_the_curve() -> None:
    m = MarketState(spot=5900, vix=18, asof=TODAY)
    curve = VixCurve()
    exp = vx_expiry(2027, 1)
    tau = m.tau(exp)
    fut = float(curve.future(0.18, tau))
    vx = lc.HedgeHolding(kind="VX", quantity=2, expiry=exp, price=18.0)
    assert float(vx.pnl(m)) == pytest.approx((fut - 18.0) * 1000 * 2)
    call = lc.HedgeHolding(kind="VIX_CALL", quantity=10, expiry=exp, price=1.95, strikes=(22, 32))
    ref = sum(s * float(black76.price(True, fut, k, tau, float(curve.option_vol(k, fut, tau)), m.rate))
              for s, k in ((1, 22), (-1, 32)))
    assert float(call.value_points(m)) == pytest.approx(ref)
    # vectorised over VIX, monotone up, and a call spread is worth at most its width
    v = call.value_points(m, np.array([12.0, 18.0, 30.0, 60.0, 150.0]))
    assert np.all(np.diff(v) > 0) and v[-1] <= 10.0 + 1e-9


def test_desk_flow_open_hedge_edit_roll_close(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    a.command(ctx, "mark spot 5900 vix 18")
    h = a.command(ctx, "hedge 1 bought 10 vix 22/32 jan @1.95")
    assert h.kind == "hedge_bought" and dict(h.fields)["Paid"] == "$1,950"
    s = a.command(ctx, "status 1")
    f = dict(s.fields)
    assert f["Hedge held"].startswith("long 10 x VIX 22/32 call spread exp 2027-01-20 @1.95")
    assert "P&L with hedge" in f
    # a teammate cannot change it; an edit needs a real change
    assert a.command(Ctx("T1", "U2", "C1"), "close 1 at 3").ephemeral
    assert a.command(ctx, "edit 1 credit 60").ephemeral  # credit >= wing width: refused, one line
    e = a.command(ctx, "edit 1 x12")
    assert dict(e.fields)["Now"].endswith("x12 @17.00")
    r = a.command(ctx, "roll 1 put to 5500/5550 at -0.40")
    assert dict(r.fields)["Now"] == "SPX 2027-01-08 5500/5550P 6150/6200C x12 @16.60"
    c = a.command(ctx, "close 1 at 0.5/2.1/1.9/0.4")
    assert c.title == "Position #1 CLOSED"
    assert dict(c.fields)["Realised P&L"] == f"${(16.6 - 3.1) * 100 * 12:,.0f}"
    # closed everywhere: status says CLOSED with the realised P&L, no live P&L; hedge/compare refuse
    s = a.command(ctx, "status 1")
    f = dict(s.fields)
    assert s.title.startswith("#1 CLOSED") and f["Realised P&L"] == "$16,200" and "P&L now" not in f
    assert a.command(ctx, "compare 1").ephemeral and a.command(ctx, "list").text.startswith("No open positions")
    assert a.command(ctx, "close 1").ephemeral
    assert store.hedge_holdings("T1", 1) == []  # the hedge was closed with the position
    # every change stored with who and when, in order, and shown in the thread
    ev = store.position_events("T1", 1)
    assert [x["kind"] for x in ev] == ["open", "hedge", "edit", "roll", "close"]
    assert {x["user_id"] for x in ev} == {"U1"} and all(x["at"].startswith("2026-11-24T21:30") for x in ev[1:])
    assert "History of #1" in c.text and "<@U1> rolled put 5600/5650 to 5500/5550" in c.text
    assert store.schema_version() == len(MIGRATIONS) and "position_events" in store.db.table_names()


def test_roll_without_a_fill_is_booked_at_model_mid(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, _ = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    assert "no marks" in a.command(ctx, "roll 1 call to 6200/6250").text
    a.command(ctx, "mark spot 5900 vix 18")
    r = a.command(ctx, "roll 1 call to 6200/6250")
    net = lc.model_roll_credit(CONDOR, "call", (6200, 6250), MarketState(spot=5900, vix=18, asof=TODAY))
    assert f"model mid {net:+.2f}" in r.text and net < 0


def test_summary_leads_with_stale_marks_and_shows_the_hedge_held(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.render import reply_blocks

    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    store.add_mark("T1", "U1", TODAY - dt.timedelta(days=4), 5900, 18)
    vx = a.command(ctx, "hedge 1 bought 2 vx jan @18.00")
    assert dict(vx.fields)["Per VIX point"].startswith("$2,000 (futures: no premium")
    r = a.daily_summary("T1", "C1")
    assert r.title.startswith("STALE MARKS (4 days old, 2026-11-20)")
    assert r.text.splitlines()[1].startswith(":warning: These figures use marks from 2026-11-20")
    blocks = reply_blocks(r)
    assert blocks[1]["text"]["text"].startswith(":warning:")  # right under the header
    assert "hedge held: long 2 x VX exp 2027-01-20 @18" in r.text
    assert r.table is not None and r.table.rows[0][3] == "none"  # deltas < 0.30: not "tested"
    # fresh marks: no stale lead
    store.add_mark("T1", "U1", TODAY, 5900, 18)
    assert not a.daily_summary("T1", "C1").title.startswith("STALE")


def test_compare_adds_the_held_hedge_to_every_strategy() -> None:
    from alvh_core.edge import compare

    m = MarketState(spot=5900, vix=18, asof=TODAY)
    held = [lc.HedgeHolding(kind="VX", quantity=3, expiry=vx_expiry(2027, 1), price=17.0)]
    base = compare(CONDOR, m, n_paths=200, seed=3)
    with_h = compare(CONDOR, m, n_paths=200, seed=3, held=held)
    shift = {n: with_h.strategies[n].ev - base.strategies[n].ev for n in base.strategies}
    assert len({round(v, 6) for v in shift.values()}) == 1 and abs(next(iter(shift.values()))) > 1
    # paired differences against leg out are unchanged: every choice keeps the hedge
    for n in base.vs_leg_out:
        assert with_h.vs_leg_out[n].diff == pytest.approx(base.vs_leg_out[n].diff)
    assert any("held (desk's fills" in line for line in with_h.assumptions.lines())


def test_what_if_card_keeps_vega_and_theta_in_one_section(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.render import reply_blocks

    a, _ = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    a.command(ctx, "mark spot 5900 vix 18")
    r = a.question(ctx, 1, "what if SPX 5600 and VIX 32 in 5 days?")
    assert "Vega $/vol pt, theta $/day" in dict(r.fields) and len(r.fields) <= 10
    sections = [b for b in reply_blocks(r) if b["type"] == "section" and "fields" in b]
    assert len(sections) == 1 and any(f["text"].startswith("*Vega $/vol pt, theta $/day*")
                                      for f in sections[0]["fields"])


def test_daily_summary_lists_positions_closed_today_with_realised_pnl(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    a.command(ctx, "open SPX IC 5500/5550/6250/6300 2027-01-08 x5 @9")
    a.command(ctx, "mark spot 5900 vix 18")
    a.command(ctx, "close 1 at 4.5")
    r = a.daily_summary("T1", "C1")
    assert "#1 SPX 2027-01-08 5600/5650P 6150/6200C x10 @17.00 CLOSED: realised $12,500" in r.text
    assert r.table is not None and [row[0] for row in r.table.rows] == ["#2"]  # only #2 is live
    a.command(ctx, "close 2")
    assert "#2 SPX 2027-01-08 5500/5550P 6250/6300C x5 @9.00 CLOSED (no fill recorded)" in a.daily_summary(
        "T1", "C1").text


def test_slack_charts_for_hedge_compare_and_held_hedge(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, _ = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    a.command(ctx, "mark spot 5750 vix 22")
    hedge = a.question(ctx, 1, "how many VIX calls to hedge 20 condors?")
    png = a.chart_png(ctx, hedge)
    assert png is not None and png[:4] == b"\x89PNG"
    cmp = a.command(ctx, "compare 1 paths 200")
    assert cmp.chart and a.chart_png(ctx, cmp)[:4] == b"\x89PNG"  # type: ignore[index]
    assert a.chart_png(ctx, cmp) is None  # the per-path P&L is charted once, then let go
    a.command(ctx, "hedge 1 bought 10 vix 22/32 jan @1.95")
    assert a.chart_png(ctx, a.command(ctx, "status 1"))[:4] == b"\x89PNG"  # type: ignore[index]
