"""Positions: ``SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80`` and its variants -> ``IronCondor``."""
from __future__ import annotations

import datetime as dt
import re

from pydantic import ValidationError

from alvh_core.grammar.text import (
    _DATE_RE,
    _NUM,
    MAX_DTE,
    MAX_QUANTITY,
    MAX_STRIKE,
    POSITION_FORM,
    GrammarError,
    _date,
    _normalize,
    _number,
    _show,
    readable_validation_error,
)
from alvh_core.models import IronCondor
from alvh_core.pricing.expiries import is_business_day, previous_business_day

# ----- positions ------------------------------------------------------------------------------

_SPREAD_RE = re.compile(rf"^(-?(?:{_NUM}))/(-?(?:{_NUM}))([pc])$")
_FOUR_RE = re.compile(rf"^(-?(?:{_NUM}))/(-?(?:{_NUM}))/(-?(?:{_NUM}))/(-?(?:{_NUM}))$")
_DTE_RE = re.compile(r"^([0-9]+)(?:dte|d)$")
_QTY_RE = re.compile(r"^(?:x([0-9]+)|([0-9]+)x)$")
_CREDIT_RE = re.compile(r"^@(.*)$")
_STRIKES_FORM = "strikes like 5600/5650P 6150/6200C (or 5600/5650/6150/6200)"


_MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
           "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
           "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
_MON = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"



def _session_near(day: dt.date, asof: dt.date) -> dt.date:
    """``day`` if it is a session, else the nearest session to it that is after ``asof`` (the earlier on a tie):
    45DTE landing on a Saturday is that Friday's expiry, 1DTE on a Friday is Monday's."""
    if is_business_day(day):
        return day
    after = day + dt.timedelta(days=1)
    while not is_business_day(after):
        after += dt.timedelta(days=1)
    before = previous_business_day(day)
    return before if before > asof and (day - before) <= (after - day) else after


def _closed_reason(day: dt.date) -> str:
    return day.strftime("%A") if day.weekday() >= 5 else f"{day.strftime('%A')} NYSE holiday"

def _iso_from_parts(day: str, mon: str, year: str | None, asof: dt.date, shown: str) -> str:
    m, d = _MONTHS[mon], int(day)
    # no year: the nearest such date, this year unless that is more than half a year past (then next year);
    # a date a few days past stays in the past so it is refused as expired rather than read as next year
    years = [int(year) + (2000 if len(year) == 2 else 0)] if year else [asof.year, asof.year + 1]
    for y in years:
        try:
            when = dt.date(y, m, d)
        except ValueError:
            if not year and y == asof.year and m == 2 and d == 29:
                continue
            raise GrammarError(f"can't read '{_show(shown)}' (expiry): no such date; "
                               "expected e.g. Dec 18 or 2026-12-18") from None
        if year or (asof - when).days <= 183:
            return when.isoformat()
    return dt.date(years[-1], m, d).isoformat()


def _month_dates(t: str, asof: dt.date) -> str:
    """'Dec 18', 'dec18', 'December 18, 2026', '18dec26', '18-Dec-2026' -> ISO dates (no year: the next one)."""
    year = r"(20[0-9]{2}(?![0-9/.])|[0-9]{2}(?![0-9/.]))"
    t = re.sub(rf"\b([0-9]{{1,2}})\s*-?\s*{_MON}\s*-?\s*{year}?",
               lambda m: _iso_from_parts(m.group(1), m.group(2), m.group(3), asof, m.group(0)), t)
    t = re.sub(rf"\b{_MON}\s*([0-9]{{1,2}})(?![0-9/.])(?:st|nd|rd|th)?(?:\s*,?\s*(20[0-9]{{2}})(?![0-9/.]))?",
               lambda m: _iso_from_parts(m.group(2), m.group(1), m.group(3), asof, m.group(0)), t)
    return t


def _position_tokens(text: str, asof: dt.date) -> list[str]:
    t = text.lower()
    t = _month_dates(t, asof)
    t = re.sub(r"\b(?:credit|cr|for)\s*[:=]?\s*(?=[$0-9.])", "@", t)   # credit 4.80 -> @4.80
    t = re.sub(r"(?<![0-9.])([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?:credit|cr)\b", r"@\1", t)  # 4.80 credit -> @4.80
    t = re.sub(r"@\s+", "@", t)                              # @ 4.8 -> @4.8
    t = re.sub(r"@\$\s*", "@", t)                            # @$4.80 -> @4.80
    t = re.sub(r"\b(?:sold|sell|short)\s+([0-9]+)(?![0-9./])", r"x\1", t)            # sold 10 -> x10
    t = re.sub(r"(?<![0-9./@-])([0-9]+)\s+(?:spxw?\s+)?(?:condors?|ics?|lots?)\b", r"x\1 ", t)  # 10 condors -> x10
    t = re.sub(r"(?<![0-9./@-])\b([0-9]+)\s+(spxw?)\b", r"x\1 \2", t)       # 10 SPX 5600/... -> x10 spx
    t = re.sub(r"\bx\s+(?=[0-9])", "x", t)                   # x 10 -> x10
    t = re.sub(r"(?<=[0-9])\s+(dte|x)\b", r"\1", t)          # 45 dte -> 45dte, 10 x -> 10x
    t = re.sub(r"\s*/\s*", "/", t)                           # 5600 / 5650 -> 5600/5650
    t = re.sub(r"(?<=[0-9])\s*(puts?|calls?|p|c)\b", lambda m: m.group(1)[0], t)  # 5650 P / puts -> 5650p
    t = re.sub(r"\b(qty|quantity|size)\s*[:=]?\s*(?=[0-9])", "x", t)
    t = t.replace(",", " ")
    return t.split()


def _strike(token: str, whole: str) -> float:
    v = _number(token, "strike", _STRIKES_FORM)
    if v <= 0:
        raise GrammarError(f"strike {_show(token)} in '{_show(whole)}' must be positive")
    if v > MAX_STRIKE:
        raise GrammarError(f"strike {_show(token)} in '{_show(whole)}' is above {MAX_STRIKE:,.0f}: not an SPX strike")
    return v


def parse_position(text: str, asof: dt.date) -> IronCondor:
    """Read an SPX iron condor; DTE forms count calendar days from ``asof``.

    Raises GrammarError (one line) for unreadable text, a missing piece, an expiry before
    ``asof``, or a condor that violates the domain rules (strike order, credit below width).
    """
    raw = _normalize(text, "position")
    if not raw:
        raise GrammarError(f"empty position: expected {POSITION_FORM}")
    tokens = _position_tokens(raw, asof)
    originals = {t.lower(): t for t in raw.split()}

    expiry: dt.date | None = None
    dte: int | None = None
    puts: tuple[float, float] | None = None
    calls: tuple[float, float] | None = None
    four: tuple[float, float, float, float] | None = None
    quantity: int | None = None
    credit: float | None = None

    def once(current: object, name: str, tok: str) -> None:
        if current is not None:
            shown = _show(originals.get(tok, tok))
            raise GrammarError(f"'{shown}' gives the {name} a second time: expected one {name}")

    for i, tok in enumerate(tokens):
        shown = originals.get(tok, tok)
        if tok == "spx" or tok == "spxw":
            continue
        if tok in ("ic", "iron", "condor", "condors", "short", "sold", "sell", "exp", "expiry", "expiring", "expires",
                   "expiration", "on"):
            continue
        if i == 0 and tok in ("ndx", "rut", "xsp", "spy", "qqq", "es"):
            raise GrammarError(f"underlying '{_show(shown)}' is not supported: expected SPX")
        if _DATE_RE.match(tok):
            once(expiry if expiry is not None else dte, "expiry", tok)
            expiry = _date(tok, "expiry")
            continue
        m = _DTE_RE.match(tok)
        if m:
            once(expiry if expiry is not None else dte, "expiry", tok)
            dte = int(m.group(1)) if len(m.group(1)) < 7 else MAX_DTE + 1
            if dte > MAX_DTE:
                raise GrammarError(f"'{_show(shown)}' is more than {MAX_DTE} days to expiry: expected e.g. 45DTE")
            continue
        m = _QTY_RE.match(tok)
        if m:
            once(quantity, "quantity", tok)
            digits = m.group(1) or m.group(2)
            q = int(digits) if len(digits) < 10 else MAX_QUANTITY + 1
            if q < 1:
                raise GrammarError(f"quantity '{_show(shown)}' must be at least 1 condor: expected e.g. x10")
            if q > MAX_QUANTITY:
                raise GrammarError(f"quantity '{_show(shown)}' is above {MAX_QUANTITY:,}: expected e.g. x10")
            quantity = q
            continue
        m = _CREDIT_RE.match(tok)
        if m:
            once(credit, "credit", tok)
            body = m.group(1)
            if not body:
                raise GrammarError("credit is missing after '@': expected e.g. @4.80 or credit 4.80")
            c = _number(body, "credit", "a credit like @4.80 (index points per condor)")
            if c <= 0:
                raise GrammarError(f"credit {_show(body)} must be positive: "
                                   "a short condor is opened for a credit, e.g. @4.80")
            credit = c
            continue
        m = _SPREAD_RE.match(tok)
        if m:
            a, b = _strike(m.group(1), shown), _strike(m.group(2), shown)
            lo, hi = min(a, b), max(a, b)
            if lo == hi:
                raise GrammarError(f"'{_show(shown)}' has the same strike twice: expected two strikes like 5600/5650P")
            if m.group(3) == "p":
                once(puts if puts is not None else four, "put spread", tok)
                puts = (lo, hi)
            else:
                once(calls if calls is not None else four, "call spread", tok)
                calls = (lo, hi)
            continue
        m = _FOUR_RE.match(tok)
        if m:
            once(four if four is not None else (puts or calls), "strikes", tok)
            four = tuple(_strike(g, shown) for g in m.groups())  # type: ignore[assignment]
            continue
        if "/" in tok or tok[:1].isdigit():
            raise GrammarError(f"can't read '{_show(shown)}' (position): expected {_STRIKES_FORM}")
        raise GrammarError(f"can't read '{_show(shown)}' (position): expected {POSITION_FORM}")

    if four is not None:
        lp, sp, sc, lc = four
    elif puts is not None and calls is not None:
        (lp, sp), (sc, lc) = puts, calls
    elif puts is not None:
        raise GrammarError(f"missing the call spread: expected {_STRIKES_FORM}")
    elif calls is not None:
        raise GrammarError(f"missing the put spread: expected {_STRIKES_FORM}")
    else:
        raise GrammarError(f"missing strikes: expected {_STRIKES_FORM}")
    if expiry is None and dte is None:
        raise GrammarError("missing expiry: expected a date like 2026-12-18 or days to expiry like 45DTE")
    if credit is None:
        raise GrammarError("missing credit: expected e.g. @4.80 or credit 4.80 (index points per condor)")
    if expiry is None:
        assert dte is not None
        expiry = _session_near(asof + dt.timedelta(days=dte), asof)
    if expiry < asof:
        raise GrammarError(f"expiry {expiry.isoformat()} is before {asof.isoformat()}: that condor has already expired")
    if not is_business_day(expiry):
        before = previous_business_day(expiry)
        raise GrammarError(f"expiry {expiry.isoformat()} is a {_closed_reason(expiry)}: SPX options expire on NYSE "
                           f"trading days; expected e.g. {before.isoformat()} (the session before)")
    try:
        return IronCondor(expiry=expiry, long_put=lp, short_put=sp, short_call=sc, long_call=lc,
                          quantity=quantity if quantity is not None else 1, credit=credit)
    except ValidationError as exc:
        raise GrammarError(f"position refused: {readable_validation_error(exc)}") from None

