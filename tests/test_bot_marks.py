"""Issue 10 in the bot: leg / VX marks stored per position with their time, used by the answers."""
from __future__ import annotations

import datetime as dt
import json

from alvh_core.pricing import bsm
from bot.assistant import Assistant, Ctx
from bot.market_data import RecordedMarks
from bot.services import Services
from bot.store import MIGRATIONS, Store

NOW = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)  # Tuesday, 16:30 New York


def make(tmp_path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "a.sqlite")
    return Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW,
                              compare_paths=400)), store


def test_leg_marks_are_stored_per_position_and_win(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    assert store.schema_version() == len(MIGRATIONS)
    ctx = Ctx("T1", "U1", "C1")
    assert a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17").kind == "open"
    r = a.command(ctx, "mark spot 5712 vix 24.3 5600P 83.10 5650P 96.90 vx jan 22.45 1")
    assert r.kind == "mark" and not r.ephemeral
    assert "marked: 5600P, 5650P; modelled (THE SPX surface): 6150C, 6200C" in r.text
    rows = store.position_marks("T1", 1, dt.date(2026, 11, 24))
    assert sorted(x["token"] for x in rows) == sorted(["5600P 83.1", "5650P 96.9", "vx jan 22.45"])
    assert all(x["marked_at"].startswith("2026-") and x["user_id"] == "U1" for x in rows)
    s = a.command(ctx, "status 1")
    assert "SPX legs marked: 5600P, 5650P; modelled (THE SPX surface): 6150C, 6200C" in s.text
    assert any("VX marked: 2027-01-20 22.45" in n for n in s.notes)
    legs = {leg["strike"]: leg for leg in json.loads(s.analysis_json)["legs"]}
    tau = (dt.date(2027, 1, 8) - dt.date(2026, 11, 24)).days / 365
    assert legs[5600.0]["mark"] == bsm.price(False, 5712.0, 5600.0, tau, legs[5600.0]["iv"], 0.04, 0.013)
    assert abs(legs[5600.0]["mark"] - 83.10) < 1e-6 and abs(legs[5650.0]["mark"] - 96.90) < 1e-6


def test_marks_beyond_bounds_get_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17")
    r = a.command(ctx, "mark spot 5712 vix 24.3 5600P 150 5650P 96.90")
    assert r.ephemeral and "5600P 150 and 5650P 96.9 are arbitrage" in r.text
    assert store.position_marks("T1", 1, dt.date(2026, 11, 24)) == [] and store.latest_mark("T1") is None


def test_vix_option_marks_price_the_hedge_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, store = make(tmp_path)
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "open SPX IC 5500/5600/6150/6250 2026-12-18 x10 @4.8")
    r = a.command(ctx, "mark spot 5712 vix 24.3 vx jan 22.45 vixopt jan 22C 1.85 vixopt jan 32C 0.40 1")
    assert r.kind == "mark" and not r.ephemeral, r.text
    assert "VIX options marked: 2027-01-20 22C 1.85, 2027-01-20 32C 0.4" in r.text
    h = a.command(ctx, "hedge 1")
    assert h.kind == "hedge", h.text
    plan = json.loads(h.analysis_json)
    assert plan["strikes"] == [22.0, 32.0] and abs(plan["unit_price"] - 1.45) < 1e-12
    assert "Unit price: 1.45 pts (vix call, marked)" in h.text
    assert any("marked: 22C 1.85, 32C 0.4; modelled" in x for x in h.assumptions)
