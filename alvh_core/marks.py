"""The trader's own marks: SPX legs (price or implied vol), VX futures and VIX options.

Text (inside ``mark ...`` / ``/alvh mark ...``, after ``spot S vix V``; any order):

- SPX legs: ``5600P 83.10`` (a price, index points) or ``5650P iv 22.4`` (implied vol in vol points);
- VX futures: ``vx 22.45`` (the front month) or ``vx jan 22.45`` (the contract of that month);
- VIX options: ``vixopt 25C 1.85``, ``vixopt jan 25C 1.85`` or ``vixopt jan 25C iv 95``
  (front month when the month is omitted).

Example: ``mark spot 5712 vix 24.3 5600P 83.10 5650P 96.90 6150C 6.05 6200C 3.65 vx jan 22.45``.

This module is the marks' text and types (light: the grammar imports it). The marks win over the
model in :mod:`alvh_core.market.marked`: :func:`leg_vols` turns leg marks into implied vols for the position's
expiry (BSM on the spot, rate and dividend yield), refusing a price outside the no-arbitrage bounds of
one option (below the discounted intrinsic value, above the discounted forward or strike) and pairs
of same-type legs whose vertical spread is negative or wider than the discounted strike gap, each with
one message naming the token. :class:`MarkedSurface` bends THE SPX surface through the marked strikes:
``vol = base * (1 + d(z))`` with ``d`` a Gaussian-kernel interpolant in standardised moneyness
``z = ln(K/F) / (a sqrt(tau))`` (bandwidth :data:`BANDWIDTH`), exact at the marked strikes, smooth
everywhere and back to the surface far from them; the bent smile is checked for butterfly arbitrage.
"""
from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: kernel width of the marks' correction, in standardised moneyness units (about 0.75 of a 1-sd move)
BANDWIDTH = 0.75
LEG_RE = re.compile(r"^(\d+(?:\.\d+)?)([pc])$")
MARK_TOKENS_FORM = ("5600P 83.10 | 5650P iv 22.4 | vx 22.45 | vx jan 22.45 | vixopt [jan] 25C 1.85")


class MarkError(ValueError):
    """A mark that cannot be used; the message is one line naming the token and what is expected."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LegMark(_Frozen):
    """An SPX option mark: price (index points) or implied vol (decimal); a price wins when both are set
    (the bot stores a price mark with the vol it implied at the typed spot)."""

    strike: float = Field(gt=0)
    right: Literal["P", "C"]
    price: float | None = Field(default=None, gt=0)
    iv: float | None = Field(default=None, gt=0, lt=5)

    @property
    def token(self) -> str:
        k = f"{self.strike:g}{self.right}"
        return f"{k} {self.price:g}" if self.price is not None else f"{k} iv {self.iv * 100:g}"  # type: ignore[operator]


class VxMark(_Frozen):
    """A VX future mark (index points); ``month`` 1-12 or None for the front month."""

    month: int | None = Field(default=None, ge=1, le=12)
    price: float = Field(ge=1.0, le=200.0)

    @property
    def token(self) -> str:
        return "vx " + (f"{MONTHS[self.month - 1]} " if self.month else "") + f"{self.price:g}"


class VixOptionMark(_Frozen):
    """A VIX option mark: price (points) or Black-76 implied vol (decimal) on its VX future."""

    month: int | None = Field(default=None, ge=1, le=12)
    strike: float = Field(gt=0)
    right: Literal["P", "C"]
    price: float | None = Field(default=None, gt=0)
    iv: float | None = Field(default=None, gt=0, lt=20)

    @property
    def token(self) -> str:
        m = f"{MONTHS[self.month - 1]} " if self.month else ""
        v = f"{self.price:g}" if self.price is not None else f"iv {self.iv * 100:g}"  # type: ignore[operator]
        return f"vixopt {m}{self.strike:g}{self.right} {v}"


def _num(text: str, what: str) -> float:
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        raise MarkError(f"can't read '{text}' ({what}): expected a number; marks read {MARK_TOKENS_FORM}") from None
    if not math.isfinite(v):
        raise MarkError(f"can't read '{text}' ({what}): expected a number")
    return v


def _value(tokens: list[str], originals: list[str], i: int, label: str, iv_range: tuple[float, float]
           ) -> tuple[float | None, float | None, int]:
    """(price, iv decimal, next index) of the value after token ``i`` (``83.10`` or ``iv 22.4``)."""
    if i + 1 >= len(tokens):
        raise MarkError(f"'{label}' needs a price or 'iv V' after it (e.g. {label} 83.10 or {label} iv 22.4)")
    if tokens[i + 1] == "iv":
        if i + 2 >= len(tokens):
            raise MarkError(f"'{label} iv' needs an implied vol in vol points (e.g. {label} iv 22.4)")
        v = _num(originals[i + 2], f"{label} iv")
        lo, hi = iv_range
        if not lo <= v <= hi:
            hint = " (type 22.4, not 0.224)" if 0 < v < 1 else ""
            raise MarkError(f"{label} iv {originals[i + 2]}: implied vol outside {lo:g}-{hi:g} vol points{hint}")
        return None, v / 100.0, i + 3
    p = _num(originals[i + 1], label)
    if p <= 0:
        raise MarkError(f"{label} {originals[i + 1]}: a price must be positive (index points)")
    return p, None, i + 2


def take_mark_tokens(tokens: list[str], originals: list[str]
                     ) -> tuple[tuple[LegMark, ...], tuple[VxMark, ...], tuple[VixOptionMark, ...], list[str]]:
    """Consume leg / VX / VIX-option marks from lower-cased ``tokens`` (``originals`` as typed);
    return them and the original tokens left over, in order. Raises :class:`MarkError`."""
    legs: dict[tuple[float, str], LegMark] = {}
    vx: dict[int | None, VxMark] = {}
    vopts: dict[tuple[int | None, float, str], VixOptionMark] = {}
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        m = LEG_RE.match(tok)
        if m:
            strike, right = float(m.group(1)), m.group(2).upper()
            label = f"{strike:g}{right}"
            price, iv, i = _value(tokens, originals, i, label, (1.0, 300.0))
            if (strike, right) in legs:
                raise MarkError(f"{label} marked twice: give each leg once")
            legs[(strike, right)] = LegMark(strike=strike, right=right, price=price, iv=iv)
            continue
        if tok == "vx":
            month = None
            j = i + 1
            if j < len(tokens) and tokens[j][:3] in MONTHS and not tokens[j][:1].isdigit():
                month = MONTHS.index(tokens[j][:3]) + 1
                j += 1
            if j >= len(tokens):
                raise MarkError("'vx' needs a price after it (e.g. vx 22.45 or vx jan 22.45)")
            p = _num(originals[j], "vx")
            if not 1.0 <= p <= 200.0:
                raise MarkError(f"vx {originals[j]}: a VX future between 1 and 200 VIX points (e.g. vx 22.45)")
            if month in vx:
                raise MarkError(f"vx {'front month' if month is None else MONTHS[month - 1]} marked twice")
            vx[month] = VxMark(month=month, price=p)
            i = j + 1
            continue
        if tok in ("vixopt", "vixoption", "vix-option"):
            month = None
            j = i + 1
            if j < len(tokens) and tokens[j][:3] in MONTHS:
                month = MONTHS.index(tokens[j][:3]) + 1
                j += 1
            mm = LEG_RE.match(tokens[j]) if j < len(tokens) else None
            if mm is None:
                raise MarkError("'vixopt' needs a strike and C/P (e.g. vixopt jan 25C 1.85)")
            strike, right = float(mm.group(1)), mm.group(2).upper()
            label = f"vixopt {strike:g}{right}"
            price, iv, i = _value(tokens, originals, j, label, (5.0, 1000.0))
            key = (month, strike, right)
            if key in vopts:
                raise MarkError(f"{label} marked twice")
            vopts[key] = VixOptionMark(month=month, strike=strike, right=right, price=price, iv=iv)
            continue
        rest.append(originals[i])
        i += 1
    return tuple(legs.values()), tuple(vx.values()), tuple(vopts.values()), rest
