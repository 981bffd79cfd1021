"""Block Kit builders as plain functions: Slack's limits hold for any Reply (hypothesis), and real
results (analysis, hedge, compare, daily) render with their key parts."""
from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant, Ctx
from bot.market_data import RecordedMarks
from bot.render import (
    FALLBACK_MAX,
    HEADER_MAX,
    MAX_BLOCKS,
    SECTION_MAX,
    message_payload,
    modal_position_text,
    open_modal,
    reply_blocks,
)
from bot.reply import Button, Reply, Table
from bot.services import Services
from bot.store import Store

text = st.text(min_size=0, max_size=4000)
short = st.text(min_size=0, max_size=300)


@st.composite
def replies(draw) -> Reply:  # type: ignore[no-untyped-def]
    ncol = draw(st.integers(1, 8))
    table = draw(st.none() | st.builds(
        Table, columns=st.lists(short, min_size=ncol, max_size=ncol),
        rows=st.lists(st.lists(short, min_size=ncol, max_size=ncol), max_size=60)))
    return Reply(kind=draw(short), title=draw(text), text=draw(text),
                 fields=draw(st.lists(st.tuples(short, text), max_size=40)), table=table,
                 notes=draw(st.lists(text, max_size=60)), assumptions=draw(st.lists(text, max_size=30)),
                 buttons=draw(st.lists(st.builds(Button, action_id=st.sampled_from(["alvh_hedge", "alvh_compare"]),
                                                 text=short, value=short), max_size=30)))


def _check_limits(payload: dict) -> None:
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= MAX_BLOCKS
    assert payload["text"].strip() and len(payload["text"]) <= FALLBACK_MAX
    for b in blocks:
        if b["type"] == "header":
            assert b["text"]["text"].strip() and len(b["text"]["text"]) <= HEADER_MAX
        if b["type"] == "section":
            if "text" in b:
                assert b["text"]["text"].strip() and len(b["text"]["text"]) <= SECTION_MAX
            for f in b.get("fields", []):
                assert len(f["text"]) <= 2000
            assert len(b.get("fields", [])) <= 10
        if b["type"] == "context":
            assert 1 <= len(b["elements"]) <= 10
            assert all(e["text"].strip() and len(e["text"]) <= SECTION_MAX for e in b["elements"])
        if b["type"] == "table":
            assert 1 <= len(b["rows"]) <= 100 and all(1 <= len(r) <= 20 for r in b["rows"])
            assert all(c["type"] == "raw_text" and 1 <= len(c["text"]) <= 2000 for r in b["rows"] for c in r)
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            assert all(e["text"]["text"].strip() and len(e["text"]["text"]) <= 75 for e in b["elements"])
    assert sum(b["type"] == "table" for b in blocks) <= 1  # Slack allows one table per message
    assert len(json.dumps(payload)) < 200_000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_any_reply_respects_block_kit_limits(reply: Reply) -> None:
    _check_limits(message_payload(reply))


def test_table_is_a_code_block_and_mrkdwn_is_escaped() -> None:
    r = Reply(kind="x", title="T", text="t", fields=[("P&L <now>", "-$5")],
              table=Table(columns=["a", "b"], rows=[["x", "1"]]))
    blocks = reply_blocks(r)
    assert blocks[1]["fields"][0]["text"] == "*P&amp;L &lt;now&gt;*\n-$5"
    assert blocks[2]["type"] == "table"  # a Block Kit table block; the text fallback keeps the table as text
    assert [[c["text"] for c in r] for r in blocks[2]["rows"]] == [["a", "b"], ["x", "1"]]
    assert blocks[2]["column_settings"][1] == {"align": "right"}
    wide = Reply(kind="x", title="T", text="t", table=Table(columns=["c"], rows=[["1"]] * 120))
    assert reply_blocks(wide)[1]["text"]["text"].startswith("```c")  # over 100 rows: code block


def test_modal_round_trip_to_grammar_text() -> None:
    view = open_modal("C9")
    assert view["private_metadata"] == "C9" and len(view["blocks"]) == 7
    values = {b["block_id"]: {"value": {"value": v}} for b, v in
              zip(view["blocks"], ["2026-12-18", "5600", "5650", "6150", "6200", "10", "17"])}
    text, errors = modal_position_text(values)
    assert errors == {}
    assert text == "SPX IC 5600/5650/6150/6200 2026-12-18 x10 @17"
    values["credit"] = {"value": {"value": " "}}
    assert modal_position_text(values)[1] == {"credit": "required"}


def test_real_results_render_within_limits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "r.sqlite")
    now = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)
    a = Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: now, compare_paths=400))
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5900 vix 18")
    opened = a.command(ctx, "open SPX IC 5600/5650/6150/6200 45DTE x10 @17")
    hedge = a.command(ctx, "hedge")
    compare = a.command(ctx, "compare")
    a.command(ctx, "daily on")
    daily = a.daily_summary("T1", "C1")
    for r in (opened, hedge, compare, daily, a.command(ctx, "help"), a.command(ctx, "nonsense")):
        _check_limits(message_payload(r))
    assert [row[0] for row in compare.table.rows] == ["hold", "leg_out", "close_tested", "alvh", "take_profit_stop"]
    assert compare.notes[0].startswith("*Verdict:*")
    assert [row[0] for row in hedge.table.rows] == ["-2%", "-4%", "-6%", "-10%"]
    assert "#1" in daily.text and "Suggests" in daily.notes[0]


@st.composite
def condor_texts(draw) -> str:  # type: ignore[no-untyped-def]
    sp = draw(st.integers(2000, 7000)) // 5 * 5
    pw, cw = draw(st.integers(1, 60)) * 5, draw(st.integers(1, 60)) * 5
    sc = sp + draw(st.integers(1, 200)) * 5
    credit = draw(st.floats(0.05, 0.95)) * min(pw, cw)
    return (f"SPX IC {sp - pw}/{sp}/{sc}/{sc + cw} {draw(st.integers(1, 400))}DTE "
            f"x{draw(st.integers(1, 100_000))} @{credit:.2f}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(condor_texts(), st.floats(100, 9000), st.floats(9, 90))
def test_any_position_renders_within_limits(tmp_path, text: str, spot: float, vix: float) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "h.sqlite")
    now = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)
    a = Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: now))
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, f"mark spot {spot:.2f} vix {vix:.2f}")
    r = a.command(ctx, f"open {text}")
    assert r.kind == "open", r.text
    _check_limits(message_payload(r))
    w = a.question(ctx, r.position_id, "what if SPX down 10% and VIX up 50% in 3 days?")
    assert w.kind == "what_if", w.text
    _check_limits(message_payload(w))
