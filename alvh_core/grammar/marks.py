"""Marks typed by a trader: ``spot 5712 vix 24.3 [asof 2026-11-24]`` plus, optionally, leg / VX / VIX-option
marks (``5600P 83.10``, ``5650P iv 22.4``, ``vx jan 22.45``, ``vixopt jan 25C 1.85``; see alvh_core.marks).
One parser: ``_marks_from_tokens``."""
from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field

from alvh_core.grammar.text import (
    MARKS_FORM,
    MAX_STRIKE,
    GrammarError,
    _date,
    _fmt,
    _normalize,
    _number,
    _refuse_spaced_numbers,
    _show,
)
from alvh_core.marks import LegMark, MarkError, VixOptionMark, VxMark, take_mark_tokens
from alvh_core.models import MarketState

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
    _refuse_spaced_numbers(raw, "marks")
    tokens, originals = _kv_tokens(raw)
    marks, rest = _marks_from_tokens(tokens, originals, MARKS_FORM)
    if rest:
        raise GrammarError(f"can't read '{_show(rest[0])}' (marks): expected {MARKS_FORM}")
    return marks

