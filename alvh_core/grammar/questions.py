"""Thread questions -> a typed question."""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, ValidationError

from alvh_core.grammar.marks import _check_spot, _check_vix, _Frozen
from alvh_core.grammar.text import (
    MAX_DAYS,
    MAX_QUANTITY,
    MAX_STRIKE,
    GrammarError,
    _normalize,
    _show,
    readable_validation_error,
)
from alvh_core.models import MarketState

# ----- thread questions -----------------------------------------------------------------------

class WhatIfQuestion(_Frozen):
    """"What if ...": absolute levels or relative moves, and days forward (calendar days).

    ``spot_change_pct`` is a signed percent of spot (-4 = SPX down 4%); ``vix_change`` is signed
    vol points (+5 = VIX up 5 points); ``vix_change_pct`` a signed percent of VIX (+50 = up 50%).
    ``resolve(market)`` turns these into absolute levels.
    """

    kind: Literal["what_if"] = "what_if"
    spot: float | None = Field(default=None, gt=0)
    spot_change_pct: float | None = Field(default=None, gt=-100, le=1000)
    spot_change: float | None = Field(default=None, ge=-MAX_STRIKE, le=MAX_STRIKE, description="signed SPX points")
    vix: float | None = Field(default=None, ge=1.0, le=200.0)
    vix_change: float | None = Field(default=None, ge=-200, le=200)
    vix_change_pct: float | None = Field(default=None, gt=-100, le=1000)
    days: int = Field(default=0, ge=0, le=MAX_DAYS)
    at_expiry: bool = Field(default=False, description="horizon is the position's expiry (``days`` ignored)")

    def resolve(self, market: MarketState, expiry: dt.date | None = None
                ) -> tuple[float | None, float | None, int]:
        """(spot, vix, days) as absolute levels for ``analysis.what_if``; None = unchanged.
        A VIX moved by a relative amount is clipped to 1-200 vol points; an SPX moved by points is
        floored at 1. ``expiry`` is needed for ``at_expiry`` (days = calendar days to it, at least 0)."""
        spot = self.spot
        if spot is None and self.spot_change_pct is not None:
            spot = market.spot * (1.0 + self.spot_change_pct / 100.0)
        if spot is None and self.spot_change is not None:
            spot = max(1.0, market.spot + self.spot_change)
        vix = self.vix
        if vix is None and self.vix_change is not None:
            vix = market.vix + self.vix_change
        if vix is None and self.vix_change_pct is not None:
            vix = market.vix * (1.0 + self.vix_change_pct / 100.0)
        if vix is not None:
            vix = min(200.0, max(1.0, vix))
        days = self.days
        if self.at_expiry:
            if expiry is None:
                raise ValueError("this what-if is at expiry: pass the position's expiry to resolve()")
            days = max(0, (expiry - market.asof).days)
        return spot, vix, days


class HedgeSizeQuestion(_Frozen):
    kind: Literal["hedge_size"] = "hedge_size"
    condors: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)


class GreeksQuestion(_Frozen):
    """Greeks and P&L now; ``focus`` says which the asker named first."""

    kind: Literal["greeks"] = "greeks"
    focus: Literal["greeks", "pnl"] = "greeks"


class ShouldLegOutQuestion(_Frozen):
    kind: Literal["should_leg_out"] = "should_leg_out"


class ExplainQuestion(_Frozen):
    """Explain a term; ``known`` says whether the glossary has it."""

    kind: Literal["explain"] = "explain"
    term: str = Field(max_length=100)
    known: bool = True


class UnknownQuestion(_Frozen):
    kind: Literal["unknown"] = "unknown"
    text: str = Field(max_length=200)
    suggestions: tuple[str, ...] = ()


Question = Annotated[
    WhatIfQuestion | HedgeSizeQuestion | GreeksQuestion | ShouldLegOutQuestion | ExplainQuestion | UnknownQuestion,
    Field(discriminator="kind"),
]
QUESTION_ADAPTER: TypeAdapter[Question] = TypeAdapter(Question)

QUESTION_EXAMPLES: tuple[str, ...] = (
    "what if SPX 5600 and VIX 32 in 5 days?",
    "what if spx drops 4%?",
    "how many VIX calls for 20 condors?",
    "greeks / what's my pnl?",
    "should I leg out?",
    "explain break-even",
)

_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "a": 1, "an": 1}
_UP = r"(?:up|rises?|rallies|rally|rallied|rose|jumps?|jumped|spikes?|spiked|climbs?|gains?|higher|\+)"
_DOWN = r"(?:down|drops?|dropped|falls?|fell|sinks?|sank|declines?|declined|crash(?:es)?|crashed|lower|loses|-)"
_Q_NUM = r"([0-9]+(?:\.[0-9]+)?)"


def _q_days(t: str) -> int | None:
    if re.search(r"\btomorrow\b", t):
        return 1
    if re.search(r"\bnext week\b", t):
        return 7
    m = re.search(rf"\b(?:in|after|within|over)\s+(?:the\s+next\s+)?([0-9]+|{'|'.join(_WORD_NUM)})\s*"
                  r"(days?|d|weeks?|wks?|w|trading days?)\b", t)
    if not m:
        m = re.search(r"\b([0-9]+)\s*(days?|weeks?)\s+(?:from now|later|out|forward|ahead)\b", t)
    if not m:
        return None
    n_txt = m.group(1)
    n = _WORD_NUM[n_txt] if n_txt in _WORD_NUM else int(n_txt[:6])
    unit = m.group(2)
    if unit.startswith("w"):
        n *= 7
    elif unit.startswith("trading"):
        n = round(n * 7 / 5)
    if n > MAX_DAYS:
        raise GrammarError(f"'{n_txt} {unit}' is more than {MAX_DAYS} days ahead: expected e.g. in 5 days")
    return n


def _q_number(txt: str, what: str) -> float:
    try:
        v = float(txt)
    except ValueError:  # pragma: no cover - regex guarantees digits
        raise GrammarError(f"can't read '{_show(txt)}' ({what})") from None
    if not math.isfinite(v):
        raise GrammarError(f"{what} '{_show(txt)}' is not a finite number")
    return v


#: words between "spx"/"vix" and a level: "spx 5600", "spx at 5600", "vix spikes to 40", "spx hits 5500"
_LEVEL_VERB = (r"(?:(?:is|was|were|gets?|goes|trades?|sits?|stays?|ends?|closes?|settles?|comes?|back)\s+){0,3}"
               r"(?:(?:falls?|drops?|rall(?:y|ies)|rises?|climbs?|sinks?|spikes?|jumps?|moves?|goes)\s+(?:back\s+)?"
               r"(?:to|at)\s+|(?:at|to|of|near|around|hits?|reaches?|touches?|=|@)\s*)?")


def _what_if(t: str) -> WhatIfQuestion | None:
    """A what-if question from lower-cased text, or None when the text names no level, move or horizon."""
    kw: dict[str, object] = {}
    spx = r"(?:spx|spot|s&p 500|s&p|the index|the market|market|index)"
    verb = r"(?:is\s+|goes\s+|were\s+|was\s+)?"
    m_up = re.search(rf"\b{spx}\s*{verb}{_UP}\s*(?:by\s+)?{_Q_NUM}\s*%", t)
    m_dn = re.search(rf"\b{spx}\s*{verb}{_DOWN}\s*(?:by\s+)?{_Q_NUM}\s*%", t)
    if m_dn or m_up:
        m = m_dn or m_up
        kw["spot_change_pct"] = (-1.0 if m is m_dn else 1.0) * _q_number(m.group(1), "SPX move")
    else:
        pts = r"(?:\s*(?:pts?|points?|handles?)\b)?(?![0-9.]|\s*%)"
        m_up = re.search(rf"\b{spx}\s*{verb}{_UP}\s*(?:by\s+)?{_Q_NUM}{pts}", t)
        m_dn = re.search(rf"\b{spx}\s*{verb}{_DOWN}\s*(?:by\s+)?{_Q_NUM}{pts}", t)
        if m_dn or m_up:
            m = m_dn or m_up
            kw["spot_change"] = (-1.0 if m is m_dn else 1.0) * _q_number(m.group(1), "SPX move")
        else:
            m = re.search(rf"\b{spx}\s*{_LEVEL_VERB}{_Q_NUM}(?![0-9.]|\s*%)", t)
            if m:
                kw["spot"] = _check_spot(_q_number(m.group(1), "SPX level"), m.group(1))
    unit = r"\s*(%|pts?\b|points?\b|vol points?\b)?"
    m_up = re.search(rf"\bvix\s*{verb}{_UP}\s*(?:by\s+)?{_Q_NUM}{unit}", t)
    m_dn = re.search(rf"\bvix\s*{verb}{_DOWN}\s*(?:by\s+)?{_Q_NUM}{unit}", t)
    if m_up or m_dn:
        m = m_dn or m_up
        size = (-1.0 if m is m_dn else 1.0) * _q_number(m.group(1), "VIX move")
        kw["vix_change_pct" if m.group(2) == "%" else "vix_change"] = size
    elif re.search(r"\bvix\s+doubles\b", t):
        kw["vix_change_pct"] = 100.0
    else:
        m = re.search(rf"\bvix\s*{_LEVEL_VERB}{_Q_NUM}(?![0-9.]|\s*%)", t)
        if m:
            kw["vix"] = _check_vix(_q_number(m.group(1), "VIX"), m.group(1))
    is_if = re.search(r"\bwhat if\b|\bif\b|\bsuppose\b|\bscenario\b", t) is not None
    if "spot" not in kw and "spot_change_pct" not in kw and is_if:
        # "what if it drops 4%", "what if we rally 2%": an SPX move without naming SPX
        m = re.search(rf"(?<![a-z])({_UP}|{_DOWN})\s*(?:by\s+)?{_Q_NUM}\s*%", t)
        if m and not re.search(rf"\bvix\s*{verb}{re.escape(m.group(1))}", t):
            up = re.fullmatch(_UP, m.group(1)) is not None
            kw["spot_change_pct"] = (1.0 if up else -1.0) * _q_number(m.group(2), "SPX move")
    days = _q_days(t)
    if days is not None:
        kw["days"] = days
    if re.search(r"\b(?:at|by|on|into) (?:the )?(?:expiry|expiration|settlement)\b", t):
        kw["at_expiry"] = True
    if not kw or (set(kw) == {"days"} and not is_if):
        return None
    try:
        return WhatIfQuestion(**kw)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise GrammarError(f"what-if refused: {readable_validation_error(exc)}") from None


def _explain_term(t: str) -> str | None:
    pats = (
        r"^(?:please\s+)?(?:explain|define|definition of|meaning of|describe)\s+(?:what\s+)?(.+)$",
        r"^what(?:'s| is| are|s)\s+(.+?)(?:\s+mean)?$",
        r"^what does\s+(.+?)\s+mean$",
        r"^(?:tell me about|help with|help on)\s+(.+)$",
    )
    for p in pats:
        m = re.match(p, t)
        if m:
            term = m.group(1).strip()
            term = re.sub(r"^(?:a|an|the|by|is|are|meant by)\s+", "", term).strip()
            term = re.sub(r"\s+(?:means?|is|please)$", "", term).strip()
            if re.match(r"^(?:my|our|the position'?s?|this|it|its|current|going on|up|happening)\b", term):
                return None
            return term or None
    return None


def parse_question(text: str) -> Question:
    """Classify a thread message. Never raises for ordinary chatter (that is ``UnknownQuestion``);
    raises GrammarError only for text too long or numbers out of range in a recognised question."""
    raw = _normalize(text, "question")
    t = " ".join(raw.lower().replace("’", "'").split())
    t = re.sub(r"^<@[^>]*>\s*", "", t)          # leading Slack mention
    t = t.strip(" ?!.")
    t = re.sub(r"(?<=[0-9]),(?=[0-9]{3}\b)", "", t)           # 5,600 -> 5600
    t = re.sub(r"\s*(?:percent|pct)\b", "%", t)               # 10 percent -> 10%
    t_nopunct = t.replace("?", " ").replace("!", " ").strip()
    t = " ".join(t_nopunct.split())
    if not t:
        return UnknownQuestion(text="", suggestions=QUESTION_EXAMPLES)

    # 1. hedge size
    if re.search(r"\bhow (?:many|much)\b.*\b(?:vix|calls?|hedge|hedges|vx|vxm|futures?)\b", t) or \
            re.search(r"\b(?:hedge size|size (?:the|my|a)? ?hedge|hedge ratio for|hedge for)\b", t) or \
            re.match(r"^(?:hedge|size hedge)\b", t):
        m = re.search(r"\b(?:for|with|on)\s+([0-9]{1,7})\s*(?:condors?|ics?|lots?|contracts?)?\b", t) or \
            re.search(r"\b([0-9]{1,7})\s*(?:condors?|ics?)\b", t)
        condors = None
        if m:
            condors = int(m.group(1))
            if not 1 <= condors <= MAX_QUANTITY:
                raise GrammarError(f"condors {condors} is outside 1-{MAX_QUANTITY:,}: expected e.g. for 20 condors")
        return HedgeSizeQuestion(condors=condors)

    # 2. should I leg out
    if re.search(r"\bleg(?:ging)?[ -]?out\b|\bshould i (?:close|adjust|roll|hold|exit|do)\b|\bwhat should i do\b"
                 r"|\bcompare\b|\bclose the tested\b", t):
        return ShouldLegOutQuestion()

    # 3. explain a term (before greeks: "what is vega" explains vega)
    term = _explain_term(t)
    if term is not None and not re.match(r"^if\b", term):
        from alvh_core.glossary import lookup

        key = lookup(term)
        if key is not None:
            return ExplainQuestion(term=key, known=True)
        if not re.search(r"\b(?:pnl|p&l|p/l|profit|greeks?|delta|risk)\b", term) and \
                not re.search(r"[0-9]", term):
            return ExplainQuestion(term=term[:100], known=False)

    # 4. what-if
    q = _what_if(t)
    if q is not None:
        return q

    # 5. greeks / P&L now
    pnl = re.search(r"\b(?:pnl|p&l|p/l|p & l|profit|loss|how am i doing"
                    r"|how(?:'s| is) (?:my|the) (?:position|trade|condor)"
                    r"|up or down|making money|losing)\b", t)
    greeks = re.search(r"\b(?:greeks?|delta|gamma|vega|theta|exposure|risk|status|position|mark)\b", t)
    if pnl or greeks:
        focus: Literal["greeks", "pnl"] = "pnl" if pnl and (not greeks or pnl.start() < greeks.start()) else "greeks"
        return GreeksQuestion(focus=focus)
    # 6. a bare term: "break-even?", "CVaR"
    if len(t) <= 40:
        from alvh_core.glossary import lookup

        key = lookup(t)
        if key is not None:
            return ExplainQuestion(term=key, known=True)
    return UnknownQuestion(text=_show(raw, 200), suggestions=QUESTION_EXAMPLES)

