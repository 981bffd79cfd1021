"""Shared pieces of the grammar: bounds, forms, ``GrammarError`` and the text/number helpers."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from pydantic import ValidationError

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
    text = _join_digit_spaces(text, what)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)
    # Slack escapes these three in message text
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = text.replace("\u2212", "-")  # unicode minus sign
    return text.strip()


#: invisible characters a paste can leave inside a number ("57\u200b12" is 5712 on screen)
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: typographic spaces used as thousands separators ("5\u2009712", "5\u00a0712")
_GROUP_SPACES = "\u00a0\u2007\u2009\u202f\u2008\u200a"
_GROUPED_RE = re.compile(rf"(?<![0-9.,])[0-9]{{1,3}}(?:[{_GROUP_SPACES}][0-9]{{3}})+(?![0-9])")
_SPLIT_RE = re.compile(rf"[0-9]+(?:[{_GROUP_SPACES}]+[0-9]+)+")


def _join_digit_spaces(text: str, what: str) -> str:
    """Numbers written with invisible or typographic spaces are read as ONE number or refused, never cut.

    Zero-width characters are dropped (the trader saw no gap); a thin/non-breaking space between
    groups of three digits is a thousands separator ("5 712" -> 5712); any other such space between
    digits is refused with the reason."""
    text = text.translate({ord(c): None for c in _ZERO_WIDTH})
    text = _GROUPED_RE.sub(lambda m: re.sub(f"[{_GROUP_SPACES}]", "", m.group(0)), text)
    bad = _SPLIT_RE.search(text)
    if bad:
        shown = re.sub(f"[{_GROUP_SPACES}]", " ", bad.group(0))
        raise GrammarError(f"can't read '{shown}' ({what}): a space inside a number; "
                           "write it without spaces, e.g. 5712 or 5,712")
    return text


#: digits split by an ordinary space, "5 712": refused where a number is expected (marks, questions)
_SPACED_RE = re.compile(r"(?<![0-9.,/:\-])[0-9]{1,3}(?: [0-9]{3})+(?![0-9.,/%:\-]|\s*(?:dte|x\b))")


def _refuse_spaced_numbers(text: str, what: str) -> None:
    """``spot 5 712`` must not become SPX 5: a digit group split by a space is refused with the reason."""
    m = _SPACED_RE.search(text)
    if m:
        raise GrammarError(f"can't read '{_show(m.group(0))}' ({what}): a space inside a number? "
                           f"write {m.group(0).replace(' ', '')} or {m.group(0).replace(' ', ',')}")


_NUM = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_NUM_RE = re.compile(rf"^(?:{_NUM})$")


def _number(token: str, what: str, expected: str) -> float:
    t = token.strip()
    if "," in t:
        if not re.fullmatch(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?", t):
            raise GrammarError(f"can't read '{_show(token)}' ({what}): a comma is a thousands separator "
                               f"(5,712); write decimals with a point: expected {expected}")
        t = t.replace(",", "")
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

