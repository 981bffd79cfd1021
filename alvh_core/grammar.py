"""One text grammar for the terminal and Slack: positions, marks, commands and thread questions.

Everything here turns text into a typed pydantic request or raises ``GrammarError`` whose ``str``
is ONE line naming the token that failed and the form that was expected, e.g.
``can't read '5650Q' (position): expected strikes like 5600/5650P 6150/6200C``.

Positions (case-insensitive, extra spaces ignored)::

    SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80
    SPX IC 5600/5650/6150/6200 45DTE x10 @4.80        (DTE counted from ``asof``)
    spx ic 5600/5650/6150/6200 2026-12-18 10x credit 4.8

Marks: ``spot 5712 vix 24.3 [asof 2026-11-24]`` plus, optionally, leg / VX / VIX-option marks
(``5600P 83.10``, ``5650P iv 22.4``, ``vx jan 22.45``, ``vixopt jan 25C 1.85``; see alvh_core.marks).

Commands (the text after ``/alvh``)::

    open POSITION | list | status [id] | mark spot S vix V [asof D] [id] | hedge [id] [condors N]
    compare [id] [paths N] [seed K] [no-premia] [no-costs] | close id | daily on|off [HH:MM] | help [topic]

Thread questions: what-if ("what if SPX 5600 and VIX 32 in 5 days?", "what if spx drops 4%",
"vix 30?"), hedge size ("how many VIX calls for 20 condors?"), greeks / P&L now ("greeks",
"what's my pnl"), should I leg out ("should I leg out?"), explain a term ("explain break-even",
"what is vega"); anything else is ``UnknownQuestion`` with a short list of what can be answered.

Units: strikes, spot and credit in index points; VIX in vol points (24.3); days are calendar days.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from alvh_core.marks import LegMark, MarkError, VixOptionMark, VxMark, take_mark_tokens
from alvh_core.models import IronCondor, MarketState

#: longest text the grammar reads (a Slack message line, not a document)
MAX_TEXT = 2000
#: sanity bounds for numbers typed by a person
MAX_STRIKE = 1_000_000.0
MAX_QUANTITY = 100_000
MAX_DTE = 3650
MAX_PATHS = 2_000_000
MIN_PATHS = 100
MAX_SEED = 2**63 - 1
MAX_DAYS = 3650

POSITION_FORM = "SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80 or SPX IC 5600/5650/6150/6200 45DTE x10 @4.80"
MARKS_FORM = "spot 5712 vix 24.3 [asof 2026-11-24]"
COMMANDS_FORM = (
    "open POSITION | list | status [id] | mark spot S vix V [id] | hedge [id] [condors N] | "
    "compare [id] [paths N] [seed K] [no-premia] [no-costs] | close id | daily on|off [HH:MM] | help [topic]"
)


class GrammarError(ValueError):
    """Text that cannot be read. ``str(err)`` is one line naming the failing token and the expected form."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# ----- text helpers ---------------------------------------------------------------------------

def readable_validation_error(exc: ValidationError) -> str:
    """One readable line for a pydantic ValidationError (domain messages kept, pydantic noise removed)."""
    parts = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid value"))
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
        if err.get("type") == "value_error" or not loc:
            parts.append(msg)
        else:
            got = err.get("input")
            got_txt = f" (got {got!r})" if isinstance(got, (int, float, str)) and len(repr(got)) < 40 else ""
            parts.append(f"{loc}: {msg[:1].lower()}{msg[1:]}{got_txt}")
    return " ".join("; ".join(parts).split()) or "invalid input"


def _show(token: str, limit: int = 30) -> str:
    """A token as it may appear inside an error line: printable, short, quoted by the caller."""
    clean = "".join(ch if ch.isprintable() and ch not in "\r\n\t" else "?" for ch in token)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _normalize(text: object, what: str) -> str:
    """NFKC (full-width digits become ASCII), control characters to spaces, length-checked."""
    if not isinstance(text, str):
        raise GrammarError(f"expected text for the {what}, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise GrammarError(f"{what} text is {len(text)} characters: expected at most {MAX_TEXT}")
    text = unicodedata.normalize("NFKC", text)
    # Slack escapes these three in message text
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = text.replace("\u2212", "-")  # unicode minus sign
    return text.strip()


_NUM = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_NUM_RE = re.compile(rf"^(?:{_NUM})$")


def _number(token: str, what: str, expected: str) -> float:
    t = token.strip().replace(",", "")
    neg = t.startswith("-")
    if neg or t.startswith("+"):
        t = t[1:]
    if not _NUM_RE.match(t):
        raise GrammarError(f"can't read '{_show(token)}' ({what}): expected {expected}")
    v = float(t)
    if not math.isfinite(v):
        raise GrammarError(f"{what} '{_show(token)}' is not a finite number: expected {expected}")
    return -v if neg else v


def _date(token: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(token)
    except ValueError:
        raise GrammarError(f"can't read '{_show(token)}' ({what}): expected a date like 2026-12-18") from None


_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")


def _fmt(v: float) -> str:
    """Shortest faithful text for a number typed back into the grammar."""
    return f"{v:.10g}" if abs(v) < 1e10 else repr(v)


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
        expiry = asof + dt.timedelta(days=dte)
    if expiry < asof:
        raise GrammarError(f"expiry {expiry.isoformat()} is before {asof.isoformat()}: that condor has already expired")
    try:
        return IronCondor(expiry=expiry, long_put=lp, short_put=sp, short_call=sc, long_call=lc,
                          quantity=quantity if quantity is not None else 1, credit=credit)
    except ValidationError as exc:
        raise GrammarError(f"position refused: {readable_validation_error(exc)}") from None


# ----- marks ----------------------------------------------------------------------------------

class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Marks(_Frozen):
    """A market update typed by a trader: SPX level, VIX in vol points, optional date."""

    spot: float = Field(gt=0, description="SPX level")
    vix: float = Field(ge=1.0, le=200.0, description="VIX in vol points")
    asof: dt.date | None = None
    #: the trader's leg / VX / VIX-option marks (alvh_core.marks), e.g. ``5600P 83.10 vx jan 22.45``
    legs: tuple[LegMark, ...] = ()
    vx: tuple[VxMark, ...] = ()
    vix_options: tuple[VixOptionMark, ...] = ()

    def market(self, asof: dt.date | None = None, **kw: object) -> MarketState:
        """A MarketState from these marks (``self.asof`` wins over ``asof``; one of them is needed)."""
        day = self.asof or asof
        if day is None:
            raise ValueError("marks without a date need the as-of date (add 'asof YYYY-MM-DD')")
        return MarketState(spot=self.spot, vix=self.vix, asof=day, **kw)  # type: ignore[arg-type]

    def describe(self) -> str:
        s = f"spot {_fmt(self.spot)} vix {_fmt(self.vix)}"
        s += "".join(f" {m.token}" for m in (*self.legs, *self.vx, *self.vix_options))
        return s + (f" asof {self.asof.isoformat()}" if self.asof else "")


def _check_spot(v: float, token: str) -> float:
    if v <= 0:
        raise GrammarError(f"spot {_show(token)} must be a positive SPX level, e.g. spot 5712")
    if v > MAX_STRIKE:
        raise GrammarError(f"spot {_show(token)} is above {MAX_STRIKE:,.0f}: not an SPX level")
    return v


def _check_vix(v: float, token: str) -> float:
    if not 1.0 <= v <= 200.0:
        hint = " (type 24.3, not 0.243)" if 0 < v < 1 else ""
        raise GrammarError(f"VIX {_show(token)} is outside 1-200 vol points{hint}: expected e.g. vix 24.3")
    return v


def _marks_from_tokens(tokens: list[str], originals: list[str], form: str) -> tuple[Marks, list[str]]:
    """Consume spot/vix/asof pairs (and leg/VX/VIX-option marks, alvh_core.marks); return the marks and
    the tokens left over (in order)."""
    try:
        legs, vxm, vopts, originals = take_mark_tokens(tokens, originals)
    except MarkError as exc:
        raise GrammarError(str(exc)) from None
    tokens = [o.lower() for o in originals]
    spot = vix = None
    asof = None
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("spot", "spx", "vix", "asof", "date", "on"):
            if i + 1 >= len(tokens):
                raise GrammarError(f"'{_show(originals[i])}' needs a value after it: expected {form}")
            val, shown = tokens[i + 1], originals[i + 1]
            if tok in ("spot", "spx"):
                if spot is not None:
                    raise GrammarError(f"spot given twice: expected {form}")
                spot = _check_spot(_number(val, "spot", "an SPX level like 5712"), shown)
            elif tok == "vix":
                if vix is not None:
                    raise GrammarError(f"vix given twice: expected {form}")
                vix = _check_vix(_number(val, "vix", "VIX in vol points like 24.3"), shown)
            else:
                if asof is not None:
                    raise GrammarError(f"asof given twice: expected {form}")
                asof = _date(val, "asof")
            i += 2
            continue
        rest.append(originals[i])
        i += 1
    if spot is None:
        raise GrammarError(f"missing spot: expected {form}")
    if vix is None:
        raise GrammarError(f"missing vix: expected {form}")
    return Marks(spot=spot, vix=vix, asof=asof, legs=legs, vx=vxm, vix_options=vopts), rest


def _kv_tokens(text: str) -> tuple[list[str], list[str]]:
    t = re.sub(r"\s*[=:]\s*", " ", text)
    originals = t.split()
    return [o.lower() for o in originals], originals


def parse_marks(text: str) -> Marks:
    """Read ``spot 5712 vix 24.3 [asof 2026-11-24]`` (any order, ``=``/``:`` allowed, SPX for spot)."""
    raw = _normalize(text, "marks")
    tokens, originals = _kv_tokens(raw)
    marks, rest = _marks_from_tokens(tokens, originals, MARKS_FORM)
    if rest:
        raise GrammarError(f"can't read '{_show(rest[0])}' (marks): expected {MARKS_FORM}")
    return marks


# ----- commands -------------------------------------------------------------------------------

PositionId = Annotated[int, Field(ge=1, le=10**12)]


class OpenCommand(_Frozen):
    kind: Literal["open"] = "open"
    position: IronCondor

    def describe(self) -> str:
        return f"open {self.position.describe()}"


class ListCommand(_Frozen):
    kind: Literal["list"] = "list"

    def describe(self) -> str:
        return "list"


class StatusCommand(_Frozen):
    kind: Literal["status"] = "status"
    id: PositionId | None = None

    def describe(self) -> str:
        return "status" + (f" {self.id}" if self.id is not None else "")


class MarkCommand(_Frozen):
    kind: Literal["mark"] = "mark"
    marks: Marks
    id: PositionId | None = None

    @property
    def spot(self) -> float:
        return self.marks.spot

    @property
    def vix(self) -> float:
        return self.marks.vix

    @property
    def asof(self) -> dt.date | None:
        return self.marks.asof

    def describe(self) -> str:
        return f"mark {self.marks.describe()}" + (f" {self.id}" if self.id is not None else "")


class HedgeCommand(_Frozen):
    kind: Literal["hedge"] = "hedge"
    id: PositionId | None = None
    condors: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)

    def describe(self) -> str:
        s = "hedge" + (f" {self.id}" if self.id is not None else "")
        return s + (f" condors {self.condors}" if self.condors is not None else "")


class CompareCommand(_Frozen):
    kind: Literal["compare"] = "compare"
    id: PositionId | None = None
    paths: int | None = Field(default=None, ge=MIN_PATHS, le=MAX_PATHS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    premia: bool = True
    costs: bool = True

    def describe(self) -> str:
        s = "compare" + (f" {self.id}" if self.id is not None else "")
        s += f" paths {self.paths}" if self.paths is not None else ""
        s += f" seed {self.seed}" if self.seed is not None else ""
        s += "" if self.premia else " no-premia"
        return s + ("" if self.costs else " no-costs")


class CloseCommand(_Frozen):
    kind: Literal["close"] = "close"
    id: PositionId

    def describe(self) -> str:
        return f"close {self.id}"


class DailyCommand(_Frozen):
    kind: Literal["daily"] = "daily"
    on: bool
    time: dt.time | None = None

    def describe(self) -> str:
        s = "daily " + ("on" if self.on else "off")
        return s + (f" {self.time.strftime('%H:%M')}" if self.time is not None else "")


class HelpCommand(_Frozen):
    kind: Literal["help"] = "help"
    topic: str | None = Field(default=None, max_length=100)

    def describe(self) -> str:
        return "help" + (f" {self.topic}" if self.topic else "")


Command = Annotated[
    OpenCommand | ListCommand | StatusCommand | MarkCommand | HedgeCommand | CompareCommand | CloseCommand | DailyCommand | HelpCommand,
    Field(discriminator="kind"),
]
#: validates/dumps any Command (e.g. ``COMMAND_ADAPTER.validate_json(stored)``)
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)

COMMAND_WORDS = ("open", "list", "status", "mark", "hedge", "compare", "close", "daily", "help")


def _int_token(token: str, what: str, expected: str, lo: int, hi: int, allow_k: bool = False) -> int:
    t = token.lower().replace(",", "").replace("_", "")
    mult = 1
    if allow_k and t.endswith("k"):
        t, mult = t[:-1], 1000
    elif allow_k and t.endswith("m"):
        t, mult = t[:-1], 1_000_000
    if not re.fullmatch(r"[0-9]{1,19}", t):
        raise GrammarError(f"can't read '{_show(token)}' ({what}): expected {expected}")
    v = int(t) * mult
    if not lo <= v <= hi:
        raise GrammarError(f"{what} {_show(token)} is outside {lo:,}-{hi:,}: expected {expected}")
    return v


def _id_token(token: str, cmd: str) -> int:
    return _int_token(token.lstrip("#"), f"{cmd} id", "a position id like 3 (see list)", 1, 10**12)


def _is_id(token: str) -> bool:
    return bool(re.fullmatch(r"#?[0-9]+", token))


def parse_command(text: str, asof: dt.date) -> Command:
    """Read a command (the text after ``/alvh``). Empty text is ``help``."""
    raw = _normalize(text, "command")
    if raw.startswith("/alvh"):
        raw = raw[5:].strip()
    if not raw:
        return HelpCommand()
    word, _, rest = raw.partition(" ")
    verb = word.lower()
    rest = rest.strip()
    words = rest.split()
    lw = [w.lower() for w in words]

    if verb in ("open", "add", "new"):
        if not rest:
            raise GrammarError(f"open needs a position: expected open {POSITION_FORM}")
        return OpenCommand(position=parse_position(rest, asof))
    if verb in ("list", "ls", "positions"):
        if words:
            raise GrammarError(f"can't read '{_show(words[0])}' (list): list takes nothing after it")
        return ListCommand()
    if verb in ("status", "show"):
        if len(words) > 1:
            raise GrammarError(f"can't read '{_show(words[1])}' (status): expected status [id]")
        return StatusCommand(id=_id_token(words[0], "status") if words else None)
    if verb == "mark":
        tokens, originals = _kv_tokens(rest)
        marks, left = _marks_from_tokens(tokens, originals, "mark spot 5712 vix 24.3 [asof 2026-11-24] [id]")
        pid = None
        if left:
            if len(left) > 1 or not _is_id(left[0]):
                bad = left[1] if _is_id(left[0]) else left[0]
                raise GrammarError(f"can't read '{_show(bad)}' (mark): "
                                   "expected mark spot 5712 vix 24.3 [asof 2026-11-24] [id]")
            pid = _id_token(left[0], "mark")
        return MarkCommand(marks=marks, id=pid)
    if verb == "hedge":
        pid = condors = None
        i = 0
        while i < len(lw):
            w = lw[i]
            if w in ("condors", "condor", "for", "x") and i + 1 < len(lw):
                if condors is not None:
                    raise GrammarError("condors given twice: expected hedge [id] [condors N]")
                condors = _int_token(words[i + 1], "condors", "a number of condors like 20", 1, MAX_QUANTITY)
                i += 2
                continue
            m = re.fullmatch(r"([0-9]+)(?:condors?)?", w)
            if i + 1 < len(lw) and lw[i + 1] in ("condors", "condor") and m and \
                    not (i + 2 < len(lw) and _is_id(lw[i + 2])):  # "2 condors 20" reads as id 2, condors 20
                if condors is not None:
                    raise GrammarError("condors given twice: expected hedge [id] [condors N]")
                condors = _int_token(words[i], "condors", "a number of condors like 20", 1, MAX_QUANTITY)
                i += 2
                continue
            if _is_id(w) and pid is None:
                pid = _id_token(words[i], "hedge")
                i += 1
                continue
            raise GrammarError(f"can't read '{_show(words[i])}' (hedge): expected hedge [id] [condors N]")
        return HedgeCommand(id=pid, condors=condors)
    if verb == "compare":
        form = "compare [id] [paths N] [seed K] [no-premia] [no-costs]"
        kw: dict[str, object] = {}
        i = 0
        while i < len(lw):
            w = lw[i]
            if w in ("paths", "seed") and i + 1 < len(lw):
                if w in kw:
                    raise GrammarError(f"{w} given twice: expected {form}")
                if w == "paths":
                    kw["paths"] = _int_token(words[i + 1], "paths", "a path count like 20000 or 20k",
                                             MIN_PATHS, MAX_PATHS, allow_k=True)
                else:
                    kw["seed"] = _int_token(words[i + 1], "seed", "a non-negative integer seed", 0, MAX_SEED)
                i += 2
                continue
            if w in ("no-premia", "nopremia", "no_premia", "no-premium"):
                kw["premia"] = False
            elif w in ("no-costs", "nocosts", "no_costs", "no-cost"):
                kw["costs"] = False
            elif _is_id(w) and "id" not in kw:
                kw["id"] = _id_token(words[i], "compare")
            else:
                raise GrammarError(f"can't read '{_show(words[i])}' (compare): expected {form}")
            i += 1
        return CompareCommand(**kw)  # type: ignore[arg-type]
    if verb == "close":
        if len(words) != 1:
            what = f"can't read '{_show(words[1])}' (close)" if words else "close needs a position id"
            raise GrammarError(f"{what}: expected close id (see list)")
        return CloseCommand(id=_id_token(words[0], "close"))
    if verb == "daily":
        form = "daily on|off [HH:MM]"
        if not words or lw[0] not in ("on", "off"):
            shown = f"can't read '{_show(words[0])}' (daily)" if words else "daily needs on or off"
            raise GrammarError(f"{shown}: expected {form}")
        on = lw[0] == "on"
        when = None
        if len(words) >= 2:
            m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", lw[1])
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
                raise GrammarError(f"can't read '{_show(words[1])}' (daily time): expected HH:MM like 15:45")
            when = dt.time(int(m.group(1)), int(m.group(2)))
        if len(words) > 2:
            raise GrammarError(f"can't read '{_show(words[2])}' (daily): expected {form}")
        return DailyCommand(on=on, time=when)
    if verb in ("help", "?", "h"):
        topic = " ".join(lw)[:100] or None
        return HelpCommand(topic=topic)
    raise GrammarError(f"unknown command '{_show(word)}': expected one of {', '.join(COMMAND_WORDS)}")


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
