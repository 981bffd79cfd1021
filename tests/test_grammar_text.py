"""Grammar: positions, marks, commands, questions; one-line errors; hypothesis round trips and hostile text."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alvh_core import grammar as g
from alvh_core import xnys
from alvh_core.glossary import TERMS, explain, lookup
from alvh_core.grammar import GrammarError, parse_command, parse_marks, parse_position, parse_question
from alvh_core.models import IronCondor

ASOF = dt.date(2026, 11, 24)
REF = IronCondor(expiry=dt.date(2026, 12, 18), long_put=5600, short_put=5650, short_call=6150, long_call=6200,
                 quantity=10, credit=4.80)


# ----- positions ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80",
    "spx 2026-12-18 5600/5650p 6150/6200c 10x @ 4.8",
    "  SPX   2026-12-18  5600/5650P   6150/6200C  x10  credit 4.80 ",
    "SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80",
    "SPX IC 5600/5650/6150/6200 24DTE x10 @4.80",
    "spx ic 5600/5650/6150/6200 24 dte 10x credit 4.8",
    "SPX 2026-12-18 5600 / 5650 P 6150/6200 C x 10 @ 4.8",
    "SPX 2026-12-18 5650/5600P 6200/6150C x10 @4.80",   # spread strikes in either order
    "SPX 2026-12-18 5600/5650 puts 6150/6200 calls qty 10 @4.80",
    "ＳＰＸ ２０２６-１２-１８ ５６００/５６５０Ｐ ６１５０/６２００Ｃ ｘ１０ ＠４.８０",  # full-width
    "SPX Dec 18 5600/5650P 6150/6200C x10 @4.80",
    "SPX dec18 5600/5650P 6150/6200C x10 4.80 credit",
    "SPX 18DEC26 5600/5650P 6150/6200C 10x @$4.80",
    "sold 10 SPX December 18, 2026 5600/5650P 6150/6200C for 4.80",
    "SPX 18-Dec-2026 IC 5600/5650/6150/6200 x10 cr 4.8",
    "10 SPX condors exp Dec 18 5600/5650P 6150/6200C @4.8",
    "10 SPX 2026-12-18 5600/5650P 6150/6200C @4.80",          # a count right before the underlying
])
def test_position_forms_read_the_same_condor(text):
    assert parse_position(text, ASOF) == REF


def test_dte_counts_calendar_days_from_asof():
    c = parse_position("SPX IC 5600/5650/6150/6200 45DTE x10 @4.80", ASOF)
    assert c.expiry == ASOF + dt.timedelta(days=45) and c.dte(ASOF) == 45


def test_month_name_without_year_is_the_nearest_date():
    assert parse_position("SPX Jan 15 5600/5650P 6150/6200C @4.8", ASOF).expiry == dt.date(2027, 1, 15)
    assert parse_position("SPX Mar 19 5600/5650P 6150/6200C @4.8", ASOF).expiry == dt.date(2027, 3, 19)
    with pytest.raises(GrammarError, match="2026-11-20 is before 2026-11-24"):  # a few days past: refused
        parse_position("SPX Nov 20 5600/5650P 6150/6200C @4.8", ASOF)
    with pytest.raises(GrammarError, match="no such date"):
        parse_position("SPX Feb 30 5600/5650P 6150/6200C @4.8", ASOF)


@pytest.mark.parametrize("text, why, before", [
    ("SPX 2027-03-20 5600/5650P 6150/6200C @4.8", "Saturday", "2027-03-19"),
    ("SPX Dec 25 5600/5650P 6150/6200C @4.8", "Friday NYSE holiday", "2026-12-24"),
    ("SPX IC 5600/5650/6150/6200 2027-03-26 x10 @4.8", "Friday NYSE holiday", "2027-03-25"),  # Good Friday 2027
])
def test_an_expiry_on_a_closed_day_is_refused_naming_the_session_before(text, why, before):
    with pytest.raises(GrammarError, match=f"is a {why}: SPX options expire on NYSE trading days; expected e.g. {before}"):
        parse_position(text, ASOF)


@pytest.mark.parametrize("dte, asof, expiry", [
    ("45DTE", dt.date(2026, 12, 2), dt.date(2027, 1, 15)),   # lands on Saturday 2027-01-16: that Friday
    ("24DTE", dt.date(2026, 11, 24), dt.date(2026, 12, 18)),  # a session already: unchanged
    ("1DTE", dt.date(2026, 12, 4), dt.date(2026, 12, 7)),     # Friday + 1 = Saturday: not back to today, Monday
    ("30DTE", dt.date(2026, 11, 25), dt.date(2026, 12, 24)),  # Christmas Day: the session before, one day nearer
    ("2DTE", dt.date(2026, 12, 4), dt.date(2026, 12, 7)),     # Sunday: Monday is nearer than Friday
])
def test_dte_lands_on_the_nearest_session_after_today(dte, asof, expiry):
    assert parse_position(f"SPX IC 5600/5650/6150/6200 {dte} x10 @4.8", asof).expiry == expiry


def test_quantity_defaults_to_one():
    assert parse_position("SPX 2026-12-18 5600/5650P 6150/6200C @4.80", ASOF).quantity == 1


def test_describe_round_trip_reference():
    assert parse_position(REF.describe(), ASOF) == REF


@pytest.mark.parametrize("text, needle", [
    ("SPX 2026-12-18 5600/5650Q 6150/6200C x10 @4.80",
     "can't read '5600/5650Q' (position): expected strikes like 5600/5650P 6150/6200C"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x10 @60", "credit 60 must be less than the widest wing (50 points)"),
    ("SPX 2026-11-20 5600/5650P 6150/6200C x10 @4.80", "expiry 2026-11-20 is before 2026-11-24"),
    ("SPX 2026-12-18 -5600/5650P 6150/6200C x10 @4.80", "strike -5600"),
    ("SPX 2026-12-18 0/5650P 6150/6200C x10 @4.80", "must be positive"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x0 @4.80", "quantity 'x0' must be at least 1"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x10 @0", "credit 0 must be positive"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x10 @-1", "credit -1 must be positive"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x10", "missing credit"),
    ("SPX 5600/5650P 6150/6200C x10 @4.8", "missing expiry"),
    ("SPX 2026-12-18 5600/5650P x10 @4.8", "missing the call spread"),
    ("SPX 2026-12-18 x10 @4.8", "missing strikes"),
    ("SPX 2026-13-18 5600/5650P 6150/6200C x10 @4.8", "can't read '2026-13-18' (expiry)"),
    ("SPX 2026-12-18 6150/6200P 5600/5650C x10 @4.8", "short put 6200 must be below short call 5600"),
    ("SPX IC 5650/5600/6150/6200 2026-12-18 x10 @4.8", "long put 5650 must be below short put 5600"),
    ("NDX 2026-12-18 5600/5650P 6150/6200C x10 @4.8", "underlying 'NDX' is not supported"),
    ("SPX 2026-12-18 2026-12-19 5600/5650P 6150/6200C x10 @4.8", "second time"),
    ("SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.8 @5", "second time"),
    ("", "empty position"),
    ("SPX 2026-12-18 5600/5600P 6150/6200C x10 @4.8", "same strike twice"),
])
def test_position_errors_are_one_line_and_name_the_problem(text, needle):
    with pytest.raises(GrammarError) as ei:
        parse_position(text, ASOF)
    msg = str(ei.value)
    assert needle in msg
    assert "\n" not in msg and "Value error" not in msg and "pydantic" not in msg.lower()


def test_expiry_today_is_allowed_0dte():
    assert parse_position("SPX IC 5600/5650/6150/6200 0DTE x1 @1", ASOF).expiry == ASOF


# ----- marks ----------------------------------------------------------------------------------

def test_marks_forms():
    m = parse_marks("spot 5712 vix 24.3 asof 2026-11-24")
    assert (m.spot, m.vix, m.asof) == (5712.0, 24.3, ASOF)
    assert parse_marks("VIX=24.3 SPX: 5712") == g.Marks(spot=5712, vix=24.3)
    assert parse_marks(m.describe()) == m
    ms = m.market()
    assert ms.asof == ASOF and ms.vix_decimal == pytest.approx(0.243)


@pytest.mark.parametrize("text, needle", [
    ("spot 5712 vix 0", "VIX 0 is outside 1-200"),
    ("spot 5712 vix 0.243", "type 24.3, not 0.243"),
    ("spot -5 vix 20", "spot -5 must be a positive"),
    ("spot 5712", "missing vix"),
    ("vix 20", "missing spot"),
    ("spot 5712 vix", "'vix' needs a value"),
    ("spot abc vix 20", "can't read 'abc' (spot)"),
    ("spot 5712 vix 20 banana", "can't read 'banana' (marks)"),
    ("spot 5712 vix 20 asof 2026-02-30", "can't read '2026-02-30' (asof)"),
    ("spot 5712 spot 5700 vix 20", "spot given twice"),
])
def test_marks_errors(text, needle):
    with pytest.raises(GrammarError, match=None) as ei:
        parse_marks(text)
    assert needle in str(ei.value) and "\n" not in str(ei.value)


# ----- commands -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("open SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80", g.OpenCommand(position=REF)),
    ("/alvh list", g.ListCommand()),
    ("LIST", g.ListCommand()),
    ("status", g.StatusCommand()),
    ("status #3", g.StatusCommand(id=3)),
    ("mark spot 5712 vix 24.3", g.MarkCommand(marks=g.Marks(spot=5712, vix=24.3))),
    ("mark spot 5712 vix 24.3 asof 2026-11-24 7", g.MarkCommand(marks=g.Marks(spot=5712, vix=24.3, asof=ASOF), id=7)),
    ("hedge", g.HedgeCommand()),
    ("hedge 2 condors 20", g.HedgeCommand(id=2, condors=20)),
    ("hedge 20 condors", g.HedgeCommand(condors=20)),
    ("compare", g.CompareCommand()),
    ("compare 4 paths 20k seed 7 no-premia no-costs",
     g.CompareCommand(id=4, paths=20000, seed=7, premia=False, costs=False)),
    ("close 3", g.CloseCommand(id=3)),
    ("daily on 15:45", g.DailyCommand(on=True, time=dt.time(15, 45))),
    ("daily off", g.DailyCommand(on=False)),
    ("help", g.HelpCommand()),
    ("help Compare", g.HelpCommand(topic="compare")),
    ("", g.HelpCommand()),
])
def test_commands(text, expected):
    cmd = parse_command(text, ASOF)
    assert cmd == expected
    assert parse_command(cmd.describe(), ASOF) == cmd
    assert g.COMMAND_ADAPTER.validate_json(g.COMMAND_ADAPTER.dump_json(cmd)) == cmd


@pytest.mark.parametrize("text, needle", [
    ("frobnicate", "unknown command 'frobnicate'"),
    ("close", "close needs a position id"),
    ("close abc", "can't read 'abc' (close id)"),
    ("close 0", "close id 0 is outside"),
    ("daily maybe", "can't read 'maybe' (daily)"),
    ("daily on 25:00", "can't read '25:00' (daily time)"),
    ("compare paths 5", "paths 5 is outside 100-2,000,000"),
    ("compare paths lots", "can't read 'lots' (paths)"),
    ("compare turbo", "can't read 'turbo' (compare)"),
    ("hedge condors 0", "condors 0 is outside"),
    ("mark spot 5712", "missing vix"),
    ("mark spot 5712 vix 24 x y", "can't read 'x' (mark)"),
    ("open", "open needs a position"),
    ("open SPX 2026-12-18 5600/5650Q 6150/6200C x10 @4.80", "can't read '5600/5650Q'"),
    ("list everything", "list takes nothing"),
])
def test_command_errors(text, needle):
    with pytest.raises(GrammarError) as ei:
        parse_command(text, ASOF)
    assert needle in str(ei.value) and "\n" not in str(ei.value)


def test_mark_command_exposes_spot_vix_asof():
    cmd = parse_command("mark spot 5712 vix 24.3 asof 2026-11-24 7", ASOF)
    assert (cmd.spot, cmd.vix, cmd.asof, cmd.id) == (5712.0, 24.3, ASOF, 7)


# ----- questions ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("what if SPX 5600 and VIX 32 in 5 days?", g.WhatIfQuestion(spot=5600, vix=32, days=5)),
    ("what if spx drops 4%", g.WhatIfQuestion(spot_change_pct=-4)),
    ("What if SPX rallies 2.5%?", g.WhatIfQuestion(spot_change_pct=2.5)),
    ("vix 30?", g.WhatIfQuestion(vix=30)),
    ("what if vix up 5 points tomorrow", g.WhatIfQuestion(vix_change=5, days=1)),
    ("what if vix up 50%", g.WhatIfQuestion(vix_change_pct=50)),
    ("what if it falls 3% over 2 weeks", g.WhatIfQuestion(spot_change_pct=-3, days=14)),
    ("<@U0ABC> what if spx 5500", g.WhatIfQuestion(spot=5500)),
    ("what if nothing moves in 10 days", g.WhatIfQuestion(days=10)),
    ("what happens if SPX hits 5,500", g.WhatIfQuestion(spot=5500)),
    ("what if SPX rallies to 6100", g.WhatIfQuestion(spot=6100)),
    ("spx drops to 5400 and vix jumps to 35", g.WhatIfQuestion(spot=5400, vix=35)),
    ("what if spx drops 50", g.WhatIfQuestion(spot_change=-50)),
    ("what if spx up 200 points", g.WhatIfQuestion(spot_change=200)),
    ("what if spx falls 10 percent", g.WhatIfQuestion(spot_change_pct=-10)),
    ("what if spx 5600 vix 28 at expiry", g.WhatIfQuestion(spot=5600, vix=28, at_expiry=True)),
    ("how many VIX calls for 20 condors?", g.HedgeSizeQuestion(condors=20, instrument="vix_call_spread")),
    ("hedge 20 condors", g.HedgeSizeQuestion(condors=20)),
    ("break-even?", g.ExplainQuestion(term="break-even")),
    ("CVaR", g.ExplainQuestion(term="cvar")),
    ("what's my risk", g.GreeksQuestion()),
    ("how much hedge do I need", g.HedgeSizeQuestion()),
    ("greeks", g.GreeksQuestion()),
    ("what's my pnl", g.GreeksQuestion(focus="pnl")),
    ("what’s my P&L?", g.GreeksQuestion(focus="pnl")),
    ("what's my P&amp;L?", g.GreeksQuestion(focus="pnl")),  # Slack-escaped
    ("what's my delta", g.GreeksQuestion()),
    ("should I leg out?", g.ShouldLegOutQuestion()),
    ("what should I do", g.ShouldLegOutQuestion()),
    ("explain break-even", g.ExplainQuestion(term="break-even")),
    ("what is vega", g.ExplainQuestion(term="vega")),
    ("what's a tested wing?", g.ExplainQuestion(term="tested wing")),
    ("define CVaR", g.ExplainQuestion(term="cvar")),
    ("what does contango mean", g.ExplainQuestion(term="vix futures contango")),
    ("explain frobnitz", g.ExplainQuestion(term="frobnitz", known=False)),
])
def test_questions(text, expected):
    assert parse_question(text) == expected


def test_unknown_question_lists_what_can_be_answered():
    q = parse_question("tell me a joke")
    assert q.kind == "unknown" and len(q.suggestions) >= 4 and any("what if" in s for s in q.suggestions)


def test_what_if_resolve():
    from alvh_core.models import MarketState

    m = MarketState(spot=5000, vix=20, asof=ASOF)
    assert parse_question("what if spx drops 4% and vix up 5").resolve(m) == (pytest.approx(4800), 25, 0)
    assert parse_question("what if vix doubles in 3 days").resolve(m) == (None, 40, 3)
    assert parse_question("what if vix down 50 points").resolve(m) == (None, 1.0, 0)  # clipped
    assert parse_question("what if spx down 120").resolve(m) == (4880, None, 0)
    q = parse_question("what if spx 4900 at expiry")
    assert q.resolve(m, expiry=ASOF + dt.timedelta(days=24)) == (4900, None, 24)
    with pytest.raises(ValueError, match="expiry"):
        q.resolve(m)


@pytest.mark.parametrize("text", ["what if vix 0", "what if vix 500", "how many vix calls for 0 condors"])
def test_question_numbers_out_of_range(text):
    with pytest.raises(GrammarError):
        parse_question(text)


# ----- glossary -------------------------------------------------------------------------------

@pytest.mark.parametrize("term, key", [
    ("Break Even", "break-even"), ("breakevens", "break-even"), ("TIME-SHIFTING", "time-shifting"),
    ("layered hedges", "layered hedge"), ("tested wings", "tested wing"), ("Iron-Condors", "iron condor"),
    ("legging-out", "legging out"), ("VRP", "variance risk premium"), ("expected shortfall", "cvar"),
    ("standard errors", "standard error"), ("hedge ratios", "hedge ratio"), ("vix contango", "vix futures contango"),
    ("backwardation", "backwardation"), ("thetas", "theta"), ("modified CAPM", "modified capm"),
    ("varaince risk premium", "variance risk premium"),  # small typo
])
def test_glossary_fuzzy(term, key):
    assert lookup(term) == key
    assert explain(term)


def test_glossary_nonstandard_terms_say_so():
    for term in ("time-shifting", "layered hedge", "modified CAPM"):
        assert "not a standard options term" in explain(term)
    for term in TERMS:
        assert len(explain(term)) > 80
    assert explain("frobnitz") is None and explain("") is None


# ----- properties -----------------------------------------------------------------------------

@st.composite
def condors(draw):
    half = st.integers(min_value=2, max_value=19_998)  # strikes on a 0.5 grid, below 10,000
    lp, sp, sc, lc = sorted(draw(st.lists(half, min_size=4, max_size=4, unique=True)))
    width = max(sp - lp, lc - sc) / 2.0
    credit_cents = draw(st.integers(min_value=1, max_value=max(1, int(width * 100) - 1)))
    expiry = ASOF + dt.timedelta(days=draw(st.integers(0, 3000)))
    while not xnys.is_session(expiry):  # SPX expiries are NYSE sessions (a closed day is refused)
        expiry += dt.timedelta(days=1)
    return IronCondor(expiry=expiry, long_put=lp / 2, short_put=sp / 2, short_call=sc / 2, long_call=lc / 2,
                      quantity=draw(st.integers(1, 100_000)), credit=credit_cents / 100.0)


@given(condors())
@settings(max_examples=200, deadline=None)
def test_round_trip_random_condors(c):
    assert parse_position(c.describe(), ASOF) == c
    assert parse_command("open " + c.describe(), ASOF) == g.OpenCommand(position=c)


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=200),
    st.builds(lambda a, b: a + b, st.sampled_from([
        "SPX 2026-12-18 ", "open ", "mark spot ", "compare paths ", "what if vix ", "'; DROP TABLE positions;--",
        "<script>", "${jndi:ldap://x}", "\x00\x1b[31m", "SPX IC 1/2/3/4 ", "1e309/5650P ", "9" * 400 + "x ",
    ]), st.text(max_size=80)),
    st.just("9" * 5000), st.just("@" * 3000), st.just("spx " * 600),
)


@given(HOSTILE)
@example("ROLL")  # found by hypothesis: the lifecycle reader raised its own error, not GrammarError
@example("edit")
@example("hedge 1 bought")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_text_only_ever_raises_grammar_error(text):
    for fn in (lambda s: parse_position(s, ASOF), parse_marks, lambda s: parse_command(s, ASOF), parse_question):
        try:
            fn(text)
        except GrammarError as exc:
            msg = str(exc)
            assert msg and "\n" not in msg and len(msg) < 400


@given(st.sampled_from(["list", "status", "hedge", "compare", "help"]),
       st.integers(1, 10**6), st.integers(100, 2_000_000), st.integers(0, 2**63 - 1), st.booleans(), st.booleans())
@settings(max_examples=100, deadline=None)
def test_command_round_trip(verb, pid, paths, seed, premia, costs):
    cmds = {
        "list": g.ListCommand(), "status": g.StatusCommand(id=pid),
        "hedge": g.HedgeCommand(id=pid, condors=paths % 1000 + 1),
        "compare": g.CompareCommand(id=pid, paths=paths, seed=seed, premia=premia, costs=costs),
        "help": g.HelpCommand(topic="compare"),
    }
    cmd = cmds[verb]
    assert parse_command(cmd.describe(), ASOF) == cmd


@given(st.integers(1, 10_000_000).map(lambda c: c / 100), st.integers(100, 20_000).map(lambda c: c / 100),
       st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))),
       st.one_of(st.none(), st.integers(1, 10**6)), st.booleans(),
       st.times().map(lambda t: t.replace(second=0, microsecond=0)))
@settings(max_examples=100, deadline=None)
def test_mark_and_daily_round_trip(spot, vix, asof, pid, on, when):
    mark = g.MarkCommand(marks=g.Marks(spot=spot, vix=vix, asof=asof), id=pid)
    assert parse_command(mark.describe(), ASOF) == mark
    assert parse_marks(mark.marks.describe()) == mark.marks
    daily = g.DailyCommand(on=on, time=when)
    assert parse_command(daily.describe(), ASOF) == daily


def test_describe_round_trips_quarter_point_strikes_and_fine_credits():
    c = IronCondor(expiry=dt.date(2027, 1, 15), long_put=12345.25, short_put=12395.5, short_call=13000,
                   long_call=13050.75, quantity=3, credit=4.875)
    assert c.describe() == "SPX 2027-01-15 12345.25/12395.5P 13000/13050.75C x3 @4.875"
    assert parse_position(c.describe(), dt.date(2026, 11, 24)) == c
