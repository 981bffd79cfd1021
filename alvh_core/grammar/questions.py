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
    _refuse_spaced_numbers,
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
    condors: int | None = Field(default=None, ge=1, le=MAX_QUANTITY, description="'for 20 condors': scale the position")
    date: dt.date | None = Field(default=None, description="the scenario's date when one was named (days = date - asof)")
    trading_days: int | None = Field(default=None, ge=0, le=MAX_DAYS, description="as typed: 'in 3 trading days'")
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
        elif self.date is not None:
            days = (self.date - market.asof).days
            if days < 0:
                raise ValueError(f"{self.date} is before the marks' date {market.asof}: expected a future date")
        return spot, vix, days


class HedgeSizeQuestion(_Frozen):
    """How much hedge: ``condors`` overrides the position's count; ``instrument`` as named (None: default)."""

    kind: Literal["hedge_size"] = "hedge_size"
    condors: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)
    instrument: Literal["vix_call_spread", "vx", "vxm"] | None = None
    wing: Literal["put", "call"] | None = None


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


class PositionFactQuestion(_Frozen):
    """One fact of the position now: break-evens, margin, cost to close, tested wing, take profit, recap,
    max profit and loss."""

    kind: Literal["fact"] = "fact"
    fact: Literal["breakevens", "margin", "cost_to_close", "tested", "take_profit", "recap", "max_loss"]


class RollQuestion(_Frozen):
    """Roll one wing's two strikes by ``points`` (signed: -50 = down 50) or to a new short strike ``to``.

    ``wing`` None means the tested wing; ``points`` and ``to`` both None mean one wing width away from SPX."""

    kind: Literal["roll"] = "roll"
    wing: Literal["put", "call"] | None = None
    points: float | None = Field(default=None, ge=-MAX_STRIKE, le=MAX_STRIKE)
    to: float | None = Field(default=None, gt=0, le=MAX_STRIKE)


class HistoryQuestion(_Frozen):
    """What the thread recorded: ``day`` is a weekday name, 'today', 'yesterday' or None (everything)."""

    kind: Literal["history"] = "history"
    day: str | None = None


class AckQuestion(_Frozen):
    """Small talk ("thanks", "ok"): acknowledged with nothing or a reaction."""

    kind: Literal["ack"] = "ack"


class ClarifyQuestion(_Frozen):
    """Text read only in part, or a number that reads two ways: ``question`` is asked back, nothing answered."""

    kind: Literal["clarify"] = "clarify"
    question: str = Field(max_length=300)
    read: str = Field(default="", max_length=300, description="what was understood so far, for the asker")


class UnknownQuestion(_Frozen):
    kind: Literal["unknown"] = "unknown"
    text: str = Field(max_length=200)
    suggestions: tuple[str, ...] = ()


Question = Annotated[
    WhatIfQuestion | HedgeSizeQuestion | GreeksQuestion | ShouldLegOutQuestion | ExplainQuestion
    | PositionFactQuestion | RollQuestion | HistoryQuestion | AckQuestion | ClarifyQuestion | UnknownQuestion,
    Field(discriminator="kind"),
]
QUESTION_ADAPTER: TypeAdapter[Question] = TypeAdapter(Question)

QUESTION_EXAMPLES: tuple[str, ...] = (
    "what if SPX 5600 and VIX 32 in 5 days? / down 5% and VIX +10 next friday",
    "how many VIX calls (or VX, VXM) to hedge 20 condors?",
    "greeks / what's my pnl? / recap",
    "where are my break-evens? / what's the margin? / cost to close? / are we tested?",
    "should I leg out? / should I take profit? / roll the put side down 50",
    "explain break-even / what does ALVH stand for",
    "what did we decide on Tuesday?",
)

# ----- reading -------------------------------------------------------------------------------

_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "a": 1, "an": 1}
_UP = (r"(?:up|rises?|rallies|rally|rallied|rose|jumps?|jumped|spikes?|spiked|climbs?|climbed|gains?|gained"
       r"|higher|pops?|popped|rips?|ripped|\+)")
_DOWN = (r"(?:down|drops?|dropped|falls?|fell|sinks?|sank|declines?|declined|crash(?:es)?|crashed|lower|loses|lost"
         r"|tanks?|tanked|dumps?|dumped|sells? off|sold off|slides?|slid|dips?|dipped|-)")
_Q_NUM = r"([0-9]+(?:\.[0-9]+)?)"
#: SPX named as the subject of a level or a move
_SPX = r"(?:spx|spot|s&p ?500|s&p|sp500|spx index|the index|index|the market|market)"
#: ... and the pronouns traders use for it, only before a move ("we drop 100 points", "it falls 3%")
_SPX_MOVER = rf"(?:{_SPX}|we|it|stocks|equities)"
_VIX = r"(?:vix|vol|vols|volatility|implied vol(?:atility)?|iv)"
_AUX = (r"(?:(?:is|was|were|gets?|goes|go|trades?|sits?|stays?|ends?|closes?|settles?|comes?|back|would|will|be"
        r"|holds?|pins?|finishes|expires)\s+){0,3}")
#: words between a subject and a level: "spx 5600", "spx at 5600", "vix spikes to 40", "spx hits 5500"
_LEVEL_VERB = (rf"{_AUX}"
               r"(?:(?:falls?|drops?|rall(?:y|ies)|rises?|climbs?|sinks?|spikes?|jumps?|moves?|goes|go|tanks?|pops?"
               r"|dips?|crash(?:es)?|crush(?:es|ed)?|collapses?|trades?|comes?|gets?|settles?)\s+"
               r"(?:back\s+|down\s+|up\s+|in\s+)?(?:to|at)\s+|(?:at|to|of|near|around|hits?|reaches?|touches?"
               r"|breaks?(?:\s+(?:below|above|through))?|=|@|is at|goes to)\s*)?")
_PTS = r"\s*(?:(pts?|points?|handles?|vol points?)\b|(%))?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD = r"(mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs?|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
#: words that carry a scenario: left unread they mean the question was read only in part
_SCENARIO_WORD = re.compile(rf"^(?:{_SPX}|{_VIX}|{_UP}|{_DOWN}|%|points?|pts?|handles?|doubles?|halves|triples?"
                            r"|sigmas?|sd|std|stdevs?|standard|deviations?|times|x|atr|bps?|basis|lower|higher"
                            r"|days?|weeks?|expiry|expiration|friday|monday|tuesday|wednesday|thursday)$")


def _q_number(txt: str, what: str) -> float:
    try:
        v = float(txt)
    except ValueError:  # pragma: no cover - regex guarantees digits
        raise GrammarError(f"can't read '{_show(txt)}' ({what})") from None
    if not math.isfinite(v):
        raise GrammarError(f"{what} '{_show(txt)}' is not a finite number")
    return v


class _Reader:
    """Text being read: each match marks its characters as used, so what was NOT used can be shown."""

    def __init__(self, t: str):
        self.t = t
        self.used = [False] * len(t)

    def take(self, pattern: str) -> re.Match[str] | None:
        """The first match of ``pattern`` over characters not yet used (and marks it used)."""
        for m in re.finditer(pattern, self.t):
            if m.end() > m.start() and not any(self.used[m.start():m.end()]):
                for i in range(m.start(), m.end()):
                    self.used[i] = True
                return m
        return None

    def leftover(self) -> list[str]:
        """Unused words that carry a number or a scenario word (chatter like 'what happens' is fine)."""
        rest = "".join(" " if u else ch for ch, u in zip(self.t, self.used))
        out = []
        for w in rest.split():
            w = w.strip(",;:()")
            if not w or w in ("and", "if", "&"):
                continue
            if re.search(r"[0-9%+]", w) or _SCENARIO_WORD.match(w):
                out.append(w)
        return out


def _days_ahead(n: int, unit: str, asof: dt.date | None, shown: str) -> tuple[int, int | None]:
    """(calendar days, trading days as typed or None) for 'in N days/weeks/trading days'."""
    if n > MAX_DAYS:
        raise GrammarError(f"'{_show(shown)}' is more than {MAX_DAYS} days ahead: expected e.g. in 5 days")
    if unit.startswith("w"):
        return n * 7, None
    if unit.startswith(("trading", "session", "business")):
        if asof is None:
            return round(n * 7 / 5), n
        from alvh_core.pricing.expiries import is_business_day

        day, left = asof, n
        while left > 0:
            day += dt.timedelta(days=1)
            left -= is_business_day(day)
        return (day - asof).days, n
    return n, None


def _need_asof(asof: dt.date | None, shown: str) -> dt.date:
    if asof is None:
        raise GrammarError(f"'{_show(shown)}' needs today's date to be read: expected e.g. in 5 days")
    return asof


def _horizon(r: _Reader, asof: dt.date | None) -> dict[str, object]:
    """Date or horizon words: at expiry, tomorrow, in 3 (trading) days, next friday, Dec 10, 2026-12-10."""
    kw: dict[str, object] = {}
    found: list[str] = []
    if r.take(r"\b(?:at|by|on|into|until|till|to|through)\s+(?:the\s+)?(?:expiry|expiration|settlement|exp)\b"
              r"|\bheld to expiry\b|\bexpiry\b|\bexpiration\b"):
        kw["at_expiry"] = True
        found.append("expiry")
    m = r.take(r"\b(?:in|after|within|over|for)\s+(?:the\s+next\s+|another\s+)?([0-9]+|"
               + "|".join(_WORD_NUM) + r")\s*(trading days?|sessions?|business days?|days?|d|weeks?|wks?|w)\b"
               r"|\b([0-9]+)\s*(trading days?|days?|weeks?)\s+(?:from now|later|out|forward|ahead|on|time)\b")
    if m:
        n_txt, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        n = _WORD_NUM[n_txt] if n_txt in _WORD_NUM else int(n_txt[:6])
        kw["days"], td = _days_ahead(n, unit, asof, m.group(0))
        if td is not None:
            kw["trading_days"] = td
        found.append(m.group(0))
    if r.take(r"\b(?:by |on )?tomorrow\b|\bovernight\b"):
        kw["days"] = 1
        found.append("tomorrow")
    if r.take(r"\b(?:by |on |later )?today\b|\bright now\b|\bnow\b"):
        kw.setdefault("days", 0)
    if r.take(r"\bnext week\b"):
        kw["days"] = 7
        found.append("next week")
    m = r.take(rf"\b(?:(?:by|on|until|till)\s+)?(?:(next|this|coming)\s+)?{_WD}\b(?:\s+(week))?"
               r"|\bend of (?:the )?week\b|\beow\b")
    if m:
        today = _need_asof(asof, m.group(0))
        if m.group(2):
            wd = next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(m.group(2)[:3]))
        else:
            wd = 4
        ahead = (wd - today.weekday()) % 7 or 7
        if m.group(3):  # "friday week": a week after the coming one
            ahead += 7
        kw["date"] = today + dt.timedelta(days=ahead)
        found.append(m.group(0))
    m = r.take(r"\b(?:(?:by|on|until|till)\s+)?([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\b")
    if m:
        try:
            kw["date"] = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise GrammarError(f"can't read '{_show(m.group(0))}' (date): expected e.g. 2026-12-10 or Dec 10") from None
        found.append(m.group(0))
    m = r.take(rf"\b(?:(?:by|on|until|till)\s+)?{_MONTH}\s*([0-9]{{1,2}})(?:st|nd|rd|th)?\b(?!\s*%)"
               rf"|\b(?:(?:by|on|until|till)\s+)?(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}\b")
    if m:
        today = _need_asof(asof, m.group(0))
        mon_txt, day_txt = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        mon = _MONTHS[mon_txt[:3]]
        try:
            when = dt.date(today.year, mon, int(day_txt))
            if when < today:
                when = dt.date(today.year + 1, mon, int(day_txt))
        except ValueError:
            raise GrammarError(f"can't read '{_show(m.group(0))}' (date): no such date; expected e.g. Dec 10") from None
        kw["date"] = when
        found.append(m.group(0))
    if len(found) > 1:
        raise _Clarify(f"you named two horizons ({', '.join(found)}): which one?")
    if "date" in kw and asof is not None:
        kw["days"] = (kw["date"] - asof).days  # type: ignore[operator]
        if kw["days"] < 0:  # type: ignore[operator]
            raise GrammarError(f"{kw['date']} is before today ({asof}): expected a future date")
        if kw["days"] > MAX_DAYS:  # type: ignore[operator]
            raise GrammarError(f"{kw['date']} is more than {MAX_DAYS} days ahead")
    return kw


class _Clarify(Exception):
    """Raised inside the readers: ask this question back instead of answering."""


def _set(kw: dict[str, object], key: str, value: float, shown: str) -> None:
    group = "spot" if key.startswith("spot") else "vix"
    if any(k.startswith(group) for k in kw):
        raise _Clarify(f"{'SPX' if group == 'spot' else 'VIX'} is given twice ('{_show(shown)}' and before): "
                       "which one should I use?")
    kw[key] = value


def _moves(r: _Reader) -> dict[str, object]:
    """SPX and VIX levels and moves, each read once; unattached moves go to SPX only when unambiguous."""
    kw: dict[str, object] = {}
    verb = r"(?:is\s+|goes\s+|were\s+|was\s+|would\s+|will\s+)?"
    # relative moves with a subject: "spx down 5%", "we drop 100 points", "vix +10", "vol up 50%"
    for subj, group in ((_VIX, "vix"), (_SPX_MOVER, "spot")):
        m = r.take(rf"(?<![a-z]){subj}\s*{verb}{_UP}\s*(?:by\s+)?{_Q_NUM}{_PTS}")
        m_dn = None if m else r.take(rf"(?<![a-z]){subj}\s*{verb}{_DOWN}\s*(?:by\s+)?{_Q_NUM}{_PTS}")
        mm = m or m_dn
        if mm:
            size = (1.0 if m else -1.0) * _q_number(mm.group(1), f"{group} move")
            if group == "spot":
                _set(kw, "spot_change_pct" if mm.group(3) else "spot_change", size, mm.group(0))
            else:
                _set(kw, "vix_change_pct" if mm.group(3) else "vix_change", size, mm.group(0))
    for subj, group in ((_VIX, "vix"), (_SPX_MOVER, "spot")):
        mm = r.take(rf"(?<![a-z]){subj}\s*{verb}(?:by\s+)?{_Q_NUM}{_PTS}\s*(lower|higher|down|up)\b")
        if mm:
            size = (1.0 if mm.group(4) in ("higher", "up") else -1.0) * _q_number(mm.group(1), f"{group} move")
            key = f"{group}_change_pct" if mm.group(3) else f"{group}_change"
            _set(kw, key, size, mm.group(0))
    # "unchanged", "flat": the level stays (read, nothing to set)
    r.take(rf"(?<![a-z])(?:{_SPX_MOVER}|{_VIX})\s+(?:is\s+|stays\s+|stays\s+at\s+|remains\s+)?"
           r"(?:unchanged|flat|where it is|put)\b")
    m = r.take(rf"\b{_VIX}\s+(doubles?|halves|triples?)\b")
    if m:
        _set(kw, "vix_change_pct", {"d": 100.0, "h": -50.0, "t": 200.0}[m.group(1)[0]], m.group(0))
    m = r.take(rf"\b{_SPX}\s+(halves)\b")
    if m:
        _set(kw, "spot_change_pct", -50.0, m.group(0))
    # absolute levels: "spx 5600", "spot at 5,600", "vol spikes to 35", "vix 30"
    for subj, group in ((_VIX, "vix"), (_SPX, "spot")):
        m = r.take(rf"(?<![a-z]){subj}\s*{_LEVEL_VERB}{_Q_NUM}(?![0-9.]|\s*%)(?:\s*(?:pts?|points?|level)\b)?")
        if m:
            v = _q_number(m.group(1), "VIX" if group == "vix" else "SPX level")
            _set(kw, group, _check_vix(v, m.group(1)) if group == "vix" else _check_spot(v, m.group(1)), m.group(0))
    # a move with no subject: "down 5% and vix up 10", "a 5% drop", "what if we... -3%"
    m = r.take(rf"(?<![a-z0-9]){_UP}\s*(?:by\s+)?{_Q_NUM}{_PTS}")
    m_dn = None if m else r.take(rf"(?<![a-z0-9]){_DOWN}\s*(?:by\s+)?{_Q_NUM}{_PTS}")
    m_rev = None if (m or m_dn) else r.take(
        rf"\b(?:a\s+)?{_Q_NUM}\s*(%|pts?|points?|handles?)?\s*(drop|decline|sell-?off|selloff|fall|crash|dump|down"
        r"|rally|rise|pop|gain|up|move lower|move higher)\b")
    if m or m_dn:
        mm = m or m_dn
        assert mm is not None
        size = (1.0 if m else -1.0) * _q_number(mm.group(1), "move")
        unit = mm.group(3) or mm.group(2)
        _unattached(kw, size, unit, mm.group(0))
    elif m_rev:
        up = m_rev.group(3) in ("rally", "rise", "pop", "gain", "up", "move higher")
        size = (1.0 if up else -1.0) * _q_number(m_rev.group(1), "move")
        _unattached(kw, size, m_rev.group(2), m_rev.group(0))
    return kw


def _unattached(kw: dict[str, object], size: float, unit: str | None, shown: str) -> None:
    """A move that names no index: % or points is SPX (VIX moves name VIX); a bare number is asked back."""
    if unit == "%" or (unit and unit.startswith(("p", "h"))):
        if any(k.startswith("spot") for k in kw):
            raise _Clarify(f"'{_show(shown)}' names no index and SPX is already given: is it a VIX move?")
        kw["spot_change_pct" if unit == "%" else "spot_change"] = size
        return
    sign = "+" if size > 0 else ""
    raise _Clarify(f"'{_show(shown)}' names no index: SPX {sign}{size:g} points, SPX {sign}{size:g}% "
                   f"or VIX {sign}{size:g}?")


def _what_if(t: str, asof: dt.date | None) -> WhatIfQuestion | ClarifyQuestion | None:
    """A what-if from normalised text, a clarifying question, or None when it names no move, level or horizon."""
    r = _Reader(t)
    is_if = re.search(r"\bwhat if\b|\bif\b|\bsuppose\b|\bscenario\b|\bwhat happens\b|\bwhat about\b", t) is not None
    try:
        horizon = _horizon(r, asof)
        count = _count(r)
        moves = _moves(r)
    except _Clarify as exc:
        return ClarifyQuestion(question=str(exc))
    kw = {**moves, **horizon, **count}
    if not moves:
        m = re.search(r"(?<![a-z0-9.])([0-9]+(?:\.[0-9]+)?)(?![0-9.])", "".join(
            " " if u else ch for ch, u in zip(r.t, r.used)))
        if m and is_if:
            v = float(m.group(1))
            guess = f"SPX {m.group(1)}" if v >= 200 else f"VIX {m.group(1)}" if v <= 100 else None
            return ClarifyQuestion(question=f"what is '{m.group(1)}'? name the index, e.g. "
                                   f"'{guess or 'SPX ' + m.group(1)}'")
    if not kw or (not moves and not is_if):
        return None
    left = r.leftover()
    if left:
        read = _describe(kw)
        return ClarifyQuestion(question=f"I read {read} but could not use '{' '.join(left)[:80]}': "
                               "please rephrase, e.g. 'what if SPX -5% and VIX +10 in 3 days'", read=read)
    try:
        return WhatIfQuestion(**kw)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise GrammarError(f"what-if refused: {readable_validation_error(exc)}") from None


def _count(r: _Reader) -> dict[str, object]:
    """'for 20 condors', '20 lots': how many condors the scenario is for."""
    m = r.take(r"\b(?:for|with|on|at)?\s*([0-9]+)\s*(?:iron condors?|condors?|lots?|ics?|contracts?)\b")
    if not m:
        return {}
    n = int(m.group(1)[:9])
    if not 1 <= n <= MAX_QUANTITY:
        raise GrammarError(f"condors {n} is outside 1-{MAX_QUANTITY:,}: expected e.g. for 20 condors")
    return {"condors": n}


def _scenario_in(t: str, asof: dt.date | None) -> str | None:
    """What-if content (a move, a level, a later day) inside another question, described; None if none.
    ("at expiry" is not one: break-evens are at expiry by definition.)"""
    r = _Reader(t)
    try:
        kw = {**_horizon(r, asof), **_moves(r)}
    except (_Clarify, GrammarError):
        return "a second horizon or number"
    kw.pop("at_expiry", None)
    if not kw.get("days"):
        kw.pop("days", None)
    return _describe(kw) if kw else None


def _describe(kw: dict[str, object]) -> str:
    parts = []
    for k, label in (("spot", "SPX {:g}"), ("spot_change_pct", "SPX {:+g}%"), ("spot_change", "SPX {:+g} points"),
                     ("vix", "VIX {:g}"), ("vix_change", "VIX {:+g}"), ("vix_change_pct", "VIX {:+g}%"),
                     ("date", "on {}"), ("days", "in {} days"), ("condors", "{} condors")):
        if k in kw and not (k == "days" and "date" in kw):
            parts.append("in 1 day" if k == "days" and kw[k] == 1 else label.format(kw[k]))
    if kw.get("at_expiry"):
        parts.append("at expiry")
    return ", ".join(parts) or "nothing"


def _explain_term(t: str) -> str | None:
    pats = (
        r"^(?:please\s+)?(?:explain|define|definition of|meaning of|describe)\s+(?:what\s+)?(.+)$",
        r"^what does\s+(.+?)\s+(?:stand for|mean|refer to)$",
        r"^what(?:'s| is| are|s)\s+(.+?)(?:\s+(?:mean|stand for))?$",
        r"^(?:tell me about|help with|help on)\s+(.+)$",
        r"^(.+?)\s+(?:stands for|meaning)$",
    )
    for p in pats:
        m = re.match(p, t)
        if m:
            term = m.group(1).strip()
            term = re.sub(r"^(?:a|an|the|by|is|are|meant by)\s+", "", term).strip()
            term = re.sub(r"\s+(?:means?|is|please)$", "", term).strip()
            if re.match(r"^(?:my|our|the position'?s?|this|it|its|current|going on|up|happening|we)\b", term):
                return None
            return term or None
    return None


def _hedge(t: str) -> HedgeSizeQuestion | ClarifyQuestion | None:
    if not (re.search(r"\bhow (?:many|much)\b.*\b(?:vix|calls?|hedge|hedges|hedging|vx|vxm|futures?|spreads?)\b", t)
            or re.search(r"\bshould (?:i|we) hedge\b|\bhedge cost\b|\bcost of (?:the |a )?hedge\b"
                         r"|\bwould the hedge\b|\bdo (?:i|we) need (?:a |to )?hedge\b", t)
            or re.search(r"\b(?:hedge size|size (?:the|my|a|our)? ?hedge|hedge ratio|hedge for|hedge it|hedge this"
                         r"|hedge (?:the|my|our) (?:position|condor|put|call|wing|side|downside|upside))\b", t)
            or re.match(r"^(?:hedge|size hedge|hedge me|hedging)\b", t)):
        return None
    r = _Reader(t)
    kw: dict[str, object] = {}
    m = r.take(r"\b(?:for|with|on|hedge|cover|covering|protect)\s+([0-9]+)\s*(?:iron condors?|condors?|ics?|lots?"
               r"|contracts?|units?|positions?)?\b") or \
        r.take(r"\b([0-9]+)\s*(?:iron condors?|condors?|ics?|lots?)\b")
    if m:
        n = int(m.group(1)[:9])
        if not 1 <= n <= MAX_QUANTITY:
            raise GrammarError(f"condors {n} is outside 1-{MAX_QUANTITY:,}: expected e.g. for 20 condors")
        kw["condors"] = n
    named = []
    if r.take(r"\b(?:/?vxm|mini[- ]?vix(?: futures?)?|mini vx|vix minis?|mini futures?)\b"):
        named.append("vxm")
    if r.take(r"\b(?:/?vx(?: futures?)?|vix futures?|futures?)\b"):
        named.append("vx")
    if r.take(r"\b(?:vix calls?(?: spreads?)?|vix call spreads?|call spreads?|calls)\b"):
        named.append("vix_call_spread")
    if len(named) > 1:
        return ClarifyQuestion(question=f"which hedge instrument: {' or '.join(n.replace('_', ' ') for n in named)}?")
    if named:
        kw["instrument"] = named[0]
    m = r.take(r"\b(put|call)s?\s+(?:side|wing|spread)\b|\b(downside|upside)\b")
    if m:
        kw["wing"] = "put" if (m.group(1) or "") == "put" or m.group(2) == "downside" else "call"
    left = [w for w in r.leftover() if re.search(r"[0-9]", w)]
    if left:
        return ClarifyQuestion(question=f"I could not use '{' '.join(left)[:60]}' in a hedge question: "
                               "e.g. 'how many VX futures to hedge 20 condors?'")
    return HedgeSizeQuestion(**kw)  # type: ignore[arg-type]


def _roll(t: str) -> RollQuestion | ClarifyQuestion | None:
    if not re.search(r"\broll(?:ing|ed)?\b", t):
        return None
    r = _Reader(t)
    kw: dict[str, object] = {}
    m = r.take(r"\b(puts?|calls?)\b(?:\s+(?:side|wing|spread))?|\b(downside|upside)\b")
    if m:
        kw["wing"] = "put" if (m.group(1) or "").startswith("put") or m.group(2) == "downside" else "call"
    if r.take(r"\broll(?:ing|ed)?\s+(?:it\s+|them\s+)?out\b|\bnext (?:month|expiry|week)\b|\blater expiry\b"):
        return ClarifyQuestion(question="rolling out to a later expiry is not modelled yet: I can roll a wing's "
                               "strikes, e.g. 'roll the put side down 50'")
    m = r.take(r"\b(?:to|at)\s+([0-9]+(?:\.[0-9]+)?)\b")
    if m:
        kw["to"] = _check_spot(float(m.group(1)), m.group(1))
    m = r.take(r"\b(down|lower|up|higher)\s*(?:by\s+)?(?:([0-9]+(?:\.[0-9]+)?)\s*(?:pts?|points?|handles?|strikes?)?)?")
    if m:
        down = m.group(1) in ("down", "lower")
        if m.group(2) and "to" not in kw:
            kw["points"] = (-1.0 if down else 1.0) * float(m.group(2))
        if "wing" not in kw:
            kw["wing"] = "put" if down else "call"
    left = [w for w in r.leftover() if re.search(r"[0-9]", w)]
    if left:
        return ClarifyQuestion(question=f"I could not use '{' '.join(left)[:60]}' in the roll: "
                               "e.g. 'roll the put side down 50' or 'roll the calls to 6250'")
    return RollQuestion(**kw)  # type: ignore[arg-type]


#: small talk, as word sequences; a message made only of these is acknowledged, not answered
_ACK_PHRASES = frozenset(tuple(p.split()) for p in (
    "ok", "okay", "k", "kk", "thanks", "thank you", "so much", "a lot", "thx", "ty", "tyvm",
    "cheers", "cool", "great", "nice", "perfect", "got it", "gotcha", "sounds good", "understood", "roger",
    "roger that", "noted", "will do", "makes sense", "awesome", "sweet", "good", "all good", "fine", "yep", "yes",
    "yeah", "no worries", "np", "lol", "haha", ":+1:", ":thumbsup:", "👍", "🙏", "🙌", "nice one", "appreciate it",
    "much appreciated", "merci", "very much"))
_ACK_LONGEST = max(len(p) for p in _ACK_PHRASES)


def _is_small_talk(t: str) -> bool:
    """True when the text is made only of small-talk phrases (linear-time word DP, no regex backtracking)."""
    words = re.findall(r"[^\s,.!]+", t)
    if not words or len(words) > 30:
        return False
    ok = [True] + [False] * len(words)
    for i in range(1, len(words) + 1):
        ok[i] = any(ok[i - n] and tuple(words[i - n:i]) in _ACK_PHRASES for n in range(1, min(_ACK_LONGEST, i) + 1))
    return ok[-1]


_FACTS: tuple[tuple[str, str], ...] = (
    ("take_profit", r"\btake (?:the |some )?profits?\b|\b(?:lock in|bank) (?:the |some )?(?:profits?|gains?)\b"
                    r"|\bclose (?:it |this )?for (?:a )?profit\b|\btp\b"),
    ("tested", r"\bare we tested\b|\b(?:is|are) (?:the |my |our |a |either )?(?:put|call|short)?\s*"
               r"(?:side|wing|strike|strikes|shorts?)?\s*(?:being )?tested\b|\bwhich (?:side|wing) is tested\b"
               r"|\btested\?*$|\bam i tested\b|\bis (?:it|this|anything) tested\b|\bany side tested\b"),
    ("breakevens", r"\bbreak[- ]?evens?\b.*\b(?:my|our|the|where|what)\b|\b(?:where|what)(?:'s| are| is|'re|s)\b.*"
                   r"\bbreak[- ]?evens?\b|\b(?:my|our|the|its)\s+break[- ]?evens?\b"
                   r"|\bbreak[- ]?evens?\s+(?:on|for|of|now)\b|\bb/?es\b"),
    ("margin", r"\bmargin\b|\bbuying power\b|\bbpr\b|\bcapital (?:required|requirement|at risk|needed)\b"
               r"|\bhow much capital\b"),
    ("cost_to_close", r"\bcost (?:me |us )?to close\b|\bclose (?:it |this |the position )?(?:now )?cost\b"
                      r"|\bbuy (?:it |this |them )?back\b|\bprice to close\b|\bclosing cost\b|\bcost to exit\b"
                      r"|\bto close (?:it|this|now)\b.*\bcost\b|\bhow much to close\b|\bclose out cost\b"),
    ("max_loss", r"\b(?:my|our|the|this|its)\s+max(?:imum)?\s+(?:loss|profit|risk|gain)\b|\bhow much can (?:i|we) lose\b"
                 r"|\bwhat(?:'s| is) (?:my|our) (?:worst case|downside)\b"),
    ("recap", r"\brecap\b|\bsummary\b|\bsummari[sz]e\b|\bhow (?:are|am) (?:we|i) doing\b|\bcatch me up\b"
              r"|\bwhere are we\b|\bwhere do we stand\b|\bstatus update\b|\bwhat'?s the story\b|\bsitrep\b"
              r"|\bin trouble\b|\bhow bad is it\b"),
)


def parse_question(text: str, asof: dt.date | None = None) -> Question:
    """Classify a thread message. Never raises for ordinary chatter (that is ``UnknownQuestion``);
    raises GrammarError only for text too long or numbers out of range in a recognised question.

    ``asof`` (the desk's today) is needed for dates ("next friday", "Dec 10"); without it such a
    date is refused. Text read only in part, or a number that reads two ways, is a ``ClarifyQuestion``.
    """
    raw = _normalize(text, "question")
    t = " ".join(raw.lower().replace("’", "'").split())
    t = re.sub(r"^(?:<@[^>]*>\s*)+", "", t)          # leading Slack mention(s)
    t = re.sub(r"^@?alvh\b[\s,:]*", "", t)
    t = t.strip(" ?!.")
    t = re.sub(r"(?<=[0-9]),(?=[0-9]{3}\b)", "", t)           # 5,600 -> 5600
    bad = re.search(r"[0-9]+,[0-9]+", t)
    if bad:
        raise GrammarError(f"can't read '{_show(bad.group(0))}': a comma inside a number is a thousands separator "
                           "(5,712); write decimals with a point (24.3)")
    _refuse_spaced_numbers(t, "question")
    t = re.sub(r"\s*(?:percent|pct)\b", "%", t)               # 10 percent -> 10%
    t = re.sub(r"(?<![0-9])\$(?=[0-9])", "", t)
    t = " ".join(t.replace("?", " ").replace("!", " ").split())
    if not t:
        return UnknownQuestion(text="", suggestions=QUESTION_EXAMPLES)
    if _is_small_talk(t):
        return AckQuestion()
    # dispatch in order; the corpus test pins which reader answers which phrasing
    if re.search(r"\b(?:decide|decided|discuss|discussed|said|say|history|agree|agreed)\b", t):
        day = next((d for d in ("today", "yesterday", *_WEEKDAYS) if re.search(rf"\b{d}\b", t)), None)
        return HistoryQuestion(day=day)
    m = re.match(r"^what does\s+(.+?)\s+(?:stand for|mean|refer to)$", t)
    if m:
        return _explain(m.group(1))
    hedge = _hedge(t)
    if hedge is not None:
        return hedge
    roll = _roll(t)
    if roll is not None:
        return roll
    for fact, pattern in _FACTS:
        if re.search(pattern, t):
            scenario = _scenario_in(t, asof)
            if scenario:
                return ClarifyQuestion(question=f"I answer the {fact.replace('_', ' ')} for today's marks; for "
                                       f"a scenario ({scenario}) ask 'what if ...' on its own: which one?")
            return PositionFactQuestion(fact=fact)  # type: ignore[arg-type]
    if re.search(r"\bleg(?:ging)?[ -]?out\b|\bshould (?:i|we) (?:close|adjust|hold|exit|do)\b"
                 r"|\bwhat should (?:i|we) do\b|\bcompare\b|\bclose the tested\b|\bmanagement (?:choices|options)\b", t):
        scenario = _scenario_in(t, asof)
        if scenario:
            return ClarifyQuestion(question=f"I compare the choices from today's marks, not from a scenario "
                                   f"({scenario}): ask 'should I leg out?' and 'what if ...' separately")
        return ShouldLegOutQuestion()
    term = _explain_term(t)
    if term is not None and not re.match(r"^if\b", term):
        from alvh_core.glossary import lookup

        key = lookup(term)
        if key is not None:
            return ExplainQuestion(term=key, known=True)
        if not re.search(r"\b(?:pnl|p&l|p/l|profit|greeks?|delta|risk)\b", term) and \
                not re.search(r"[0-9]", term) and not re.search(rf"\b(?:{_SPX}|{_VIX})\b", term):
            return ExplainQuestion(term=term[:100], known=False)
    q = _what_if(t, asof)
    if q is not None:
        return q
    pnl = re.search(r"\b(?:pnl|p&l|p/l|p & l|profit|loss|how am i doing|making per day|per day|making|decay"
                    r"|how(?:'s| is) (?:my|the|our) (?:position|trade|condor)"
                    r"|up or down|making money|losing)\b", t)
    greeks = re.search(r"\b(?:greeks?|delta|gamma|vega|theta|exposure|risk|status|position|mark|show)\b", t)
    if pnl or greeks:
        focus: Literal["greeks", "pnl"] = "pnl" if pnl and (not greeks or pnl.start() < greeks.start()) else "greeks"
        return GreeksQuestion(focus=focus)
    if len(t) <= 40:
        from alvh_core.glossary import lookup

        key = lookup(t)
        if key is not None:
            return ExplainQuestion(term=key, known=True)
    return UnknownQuestion(text=_show(raw, 200), suggestions=QUESTION_EXAMPLES)


def _explain(term: str) -> ExplainQuestion:
    from alvh_core.glossary import lookup

    key = lookup(term)
    return ExplainQuestion(term=key, known=True) if key else ExplainQuestion(term=term[:100], known=False)
