"""Position lifecycle: close with a fill, edit, roll one vertical, record the hedge actually bought.

Pure domain (no Slack, no database). ``parse_lifecycle(text, asof)`` reads the four commands; the
functions below turn them into new positions, realised P&L and valued hedge holdings.

Grammar (prices in index points per condor, or per contract for hedges):

- ``close ID [at PRICE | at LP/SP/SC/LC]``: PRICE is the debit paid to buy the condor back; four
  numbers are the per-leg fills (long put, short put, short call, long call), debit =
  SP + SC - LP - LC. Realised P&L = (credit - debit) x 100 x quantity.
- ``edit ID [credit X] [x N | qty N] [expiry DATE] [strikes LP/SP/SC/LC] [opened DATE]``.
- ``roll ID put|call to K1/K2 [EXPIRY] [at PRICE]``: closes the put (or call) vertical and opens
  K1/K2 in its place (K1 < K2). PRICE is the roll's net CREDIT per condor (negative = a debit); the
  position's credit becomes credit + PRICE, so its P&L history stays one line. Without PRICE the
  roll is priced at model mid on the current marks (the handler says so). The condor model holds one
  expiry: a roll to another expiry than the other wing's is refused with that reason.
- ``hedge ID bought|sold N vix|vx|vxm [K1[/K2]] [call|put] MONTH|DATE @PRICE`` (``at PRICE`` too):
  VIX options (x100; K1/K2 = long/short strikes of a spread, calls unless ``put``) or VX (x1000) /
  VXM (x100) futures. MONTH (``jan``, ``jan27``) resolves to that month's VX settlement date
  (``pricing.expiries.vx_expiry``), the first one on or after today.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.models import MULTIPLIERS, IronCondor, MarketState
from alvh_core.pricing import black76
from alvh_core.pricing.expiries import vx_expiry
from alvh_core.pricing.vix_curve import VixCurve

HedgeKind = Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"]

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


class LifecycleError(ValueError):
    """A lifecycle command that cannot be read; the message names the token and the expected form."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HedgeHolding(_Frozen):
    """A hedge the desk actually holds: ``quantity`` (signed, + bought) units at ``price`` points each.

    A VIX option spread is one unit = long ``strikes[0]`` and short ``strikes[1]`` (price = net debit);
    a single option has ``strikes[1] is None``; futures have no strikes.
    """

    kind: HedgeKind
    quantity: int
    expiry: dt.date
    price: float = Field(ge=0)
    strikes: tuple[float, float | None] | None = None

    @model_validator(mode="after")
    def _check(self) -> HedgeHolding:
        if self.quantity == 0:
            raise ValueError("hedge quantity must not be zero")
        if self.kind in ("VIX_CALL", "VIX_PUT"):
            if self.strikes is None or self.strikes[0] <= 0 or (self.strikes[1] is not None and self.strikes[1] <= 0):
                raise ValueError(f"{self.kind.replace('_', ' ')} needs positive strikes (e.g. 22/32)")
        elif self.strikes is not None:
            raise ValueError(f"{self.kind} is a future and takes no strike")
        return self

    @property
    def multiplier(self) -> int:
        return MULTIPLIERS["VIX"] if self.kind.startswith("VIX_") else MULTIPLIERS[self.kind]

    def describe(self) -> str:
        side = "long" if self.quantity > 0 else "short"
        if self.strikes is None:
            what: str = self.kind
        else:
            k = f"{self.strikes[0]:g}" + ("" if self.strikes[1] is None else f"/{self.strikes[1]:g}")
            what = f"VIX {k} {'call' if self.kind == 'VIX_CALL' else 'put'}" + (
                " spread" if self.strikes[1] is not None else "")
        return f"{side} {abs(self.quantity)} x {what} exp {self.expiry} @{self.price:g}"

    def value_points(self, market: MarketState, vix_points: np.ndarray | float | None = None,
                     curve: VixCurve | None = None) -> np.ndarray:
        """Mid of one unit (points) with spot VIX at ``vix_points`` (default the market's), vectorised.

        Options: Black-76 on the VX future of the hedge's expiry from the VIX futures curve (its option
        smile); futures: that future. Past expiry: intrinsic on spot VIX."""
        curve = curve or VixCurve()
        v = np.asarray(market.vix if vix_points is None else vix_points, dtype=float)
        tau = market.tau(self.expiry)
        fut = np.asarray(curve.future(v / 100.0, tau), dtype=float)
        if self.kind in ("VX", "VXM"):
            return fut
        is_call = self.kind == "VIX_CALL"
        assert self.strikes is not None
        out = np.zeros_like(fut)
        for sign, k in ((1.0, self.strikes[0]), (-1.0, self.strikes[1])):
            if k is None:
                continue
            if tau <= 0:
                px = np.maximum(fut - k, 0.0) if is_call else np.maximum(k - fut, 0.0)
            else:
                vol = np.asarray(curve.option_vol(k, fut, tau), dtype=float)
                px = np.asarray(black76.price(is_call, fut, k, tau, vol, market.rate), dtype=float)
            out = out + sign * px
        return out

    def pnl(self, market: MarketState, vix_points: np.ndarray | float | None = None,
            curve: VixCurve | None = None) -> np.ndarray:
        """$ mark-to-model P&L against the fill (before costs), vectorised over ``vix_points``."""
        return (self.value_points(market, vix_points, curve) - self.price) * self.quantity * self.multiplier


# ----- commands ---------------------------------------------------------------------------------

class CloseFill(_Frozen):
    kind: Literal["close"] = "close"
    id: int
    price: float | None = Field(default=None, description="debit paid per condor, points")
    leg_fills: tuple[float, float, float, float] | None = None

    def debit(self) -> float | None:
        if self.leg_fills is not None:
            lp, sp, sc, lc = self.leg_fills
            return sp + sc - lp - lc
        return self.price


class EditCommand(_Frozen):
    kind: Literal["edit"] = "edit"
    id: int
    changes: dict[str, object]


class RollCommand(_Frozen):
    kind: Literal["roll"] = "roll"
    id: int
    wing: Literal["put", "call"]
    strikes: tuple[float, float]
    expiry: dt.date | None = None
    price: float | None = Field(default=None, description="net credit of the roll per condor, points")


class HedgeBought(_Frozen):
    kind: Literal["hedge_bought"] = "hedge_bought"
    id: int
    holding: HedgeHolding


LifecycleCommand = CloseFill | EditCommand | RollCommand | HedgeBought

USAGE = {
    "close": "close ID [at PRICE | at LP/SP/SC/LC]   (debit per condor, or the four leg fills)",
    "edit": "edit ID [credit X] [x N] [expiry DATE] [strikes LP/SP/SC/LC] [opened DATE]",
    "roll": "roll ID put|call to K1/K2 [EXPIRY] [at NET_CREDIT]   (negative = debit)",
    "hedge": "hedge ID bought|sold N vix|vx|vxm [K1/K2] [call|put] MONTH|DATE @PRICE   "
             "(e.g. hedge 3 bought 10 vix 22/32 jan @1.95)",
}


def _num(tok: str, what: str, usage: str) -> float:
    try:
        v = float(tok.replace(",", "").lstrip("@$"))
    except ValueError:
        raise LifecycleError(f"can't read '{tok[:30]}' as {what}: expected {usage}") from None
    if not np.isfinite(v):
        raise LifecycleError(f"{what} '{tok[:30]}' is not a finite number: expected {usage}")
    return v


def _id(tok: str | None, verb: str) -> int:
    if tok is None or not re.fullmatch(r"#?\d{1,9}", tok):
        shown = "nothing" if tok is None else f"'{tok[:30]}'"
        raise LifecycleError(f"{verb} needs a position id, got {shown}: expected {USAGE[verb]}")
    return int(tok.lstrip("#"))


def _date(tok: str, asof: dt.date, what: str, usage: str) -> dt.date:
    """ISO date, or a month (``jan``, ``jan27``, ``2027-01``) resolved to that month's VX settlement."""
    t = tok.lower()
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    m = re.fullmatch(r"([a-z]{3})[a-z]*[-']?(\d{2}|\d{4})?", t) or None
    ym = re.fullmatch(r"(\d{4})-(\d{2})", t)
    if ym:
        return vx_expiry(int(ym.group(1)), int(ym.group(2)))
    if m and m.group(1) in _MONTHS:
        month = _MONTHS[m.group(1)]
        if m.group(2):
            year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
            return vx_expiry(year, month)
        for year in (asof.year, asof.year + 1):
            d = vx_expiry(year, month)
            if d >= asof:
                return d
    raise LifecycleError(f"can't read '{tok[:30]}' as {what}: expected YYYY-MM-DD or a month like jan; {usage}")


def _price_after(words: list[str], i: int, usage: str, what: str = "price") -> tuple[str, int]:
    """The token holding the price at ``words[i]`` ('at X', '@X' or '@ X'); returns (token, next index)."""
    w = words[i]
    if w in ("at", "@"):
        if i + 1 >= len(words):
            raise LifecycleError(f"'{w}' needs a {what} after it: expected {usage}")
        return words[i + 1], i + 2
    return w[1:], i + 1


def parse_lifecycle(text: str, asof: dt.date) -> LifecycleCommand | None:
    """``close``/``edit``/``roll``/``hedge ID bought|sold`` text -> a command; None for other commands
    (a plain ``hedge [id]`` sizing request stays with the main grammar)."""
    words = (text or "").strip().split()
    if not words:
        return None
    verb = words[0].lower()
    rest = [w.lower() for w in words[1:]]
    if verb == "close":
        return _parse_close(rest)
    if verb == "edit":
        return _parse_edit(rest, asof)
    if verb == "roll":
        return _parse_roll(rest, asof)
    if verb == "hedge" and any(w in ("bought", "sold", "buy", "sell") for w in rest[:2]):
        return _parse_hedge(rest, asof)
    return None


def _parse_close(rest: list[str]) -> CloseFill:
    usage = USAGE["close"]
    pid = _id(rest[0] if rest else None, "close")
    if len(rest) == 1:
        return CloseFill(id=pid)
    tok, nxt = _price_after(rest, 1, usage) if rest[1] in ("at", "@") or rest[1].startswith("@") else (None, 1)
    if tok is None or nxt != len(rest):
        raise LifecycleError(f"can't read '{' '.join(rest[1:])[:40]}' after close {pid}: expected {usage}")
    parts = tok.split("/")
    if len(parts) == 4:
        fills = tuple(_num(p, "a leg fill", usage) for p in parts)
        if min(fills) < 0:
            raise LifecycleError(f"leg fills {tok} must be zero or more: expected {usage}")
        return CloseFill(id=pid, leg_fills=fills)  # type: ignore[arg-type]
    if len(parts) != 1:
        raise LifecycleError(f"'{tok[:30]}' has {len(parts)} prices; give one debit or four leg fills: {usage}")
    price = _num(tok, "the closing debit", usage)
    if price < 0:
        raise LifecycleError(f"closing debit {price:g} must be zero or more (points paid per condor): {usage}")
    return CloseFill(id=pid, price=price)


def _strikes4(tok: str, usage: str) -> tuple[float, float, float, float]:
    parts = tok.replace("p", "").replace("c", "").split("/")
    if len(parts) != 4:
        raise LifecycleError(f"strikes '{tok[:30]}' need four numbers LP/SP/SC/LC: {usage}")
    a, b, c, d = (_num(p, "a strike", usage) for p in parts)
    return a, b, c, d


def _parse_edit(rest: list[str], asof: dt.date) -> EditCommand:
    usage = USAGE["edit"]
    pid = _id(rest[0] if rest else None, "edit")
    changes: dict[str, object] = {}
    i = 1
    while i < len(rest):
        w = rest[i]
        if re.fullmatch(r"x\d+", w):
            changes["quantity"] = int(w[1:])
            i += 1
            continue
        if w.startswith("@"):
            changes["credit"] = _num(w, "the credit", usage)
            i += 1
            continue
        if i + 1 >= len(rest):
            raise LifecycleError(f"'{w[:30]}' needs a value after it: expected {usage}")
        val = rest[i + 1]
        if w in ("credit", "price"):
            changes["credit"] = _num(val, "the credit", usage)
        elif w in ("x", "qty", "quantity", "size"):
            q = _num(val.lstrip("x"), "the quantity", usage)
            if q != int(q):
                raise LifecycleError(f"quantity '{val}' must be a whole number of condors: {usage}")
            changes["quantity"] = int(q)
        elif w in ("expiry", "exp", "expires"):
            changes["expiry"] = _date(val, asof, "the expiry", usage)
        elif w in ("opened", "open"):
            changes["opened"] = _date(val, asof, "the open date", usage)
        elif w in ("strikes", "strike"):
            lp, sp, sc, lc = _strikes4(val, usage)
            changes.update(long_put=lp, short_put=sp, short_call=sc, long_call=lc)
        else:
            raise LifecycleError(f"can't edit '{w[:30]}': expected {usage}")
        i += 2
    if not changes:
        raise LifecycleError(f"edit {pid} changes nothing: expected {usage}")
    return EditCommand(id=pid, changes=changes)


def _parse_roll(rest: list[str], asof: dt.date) -> RollCommand:
    usage = USAGE["roll"]
    pid = _id(rest[0] if rest else None, "roll")
    if len(rest) < 2 or rest[1] not in ("put", "puts", "call", "calls"):
        got = f"'{rest[1][:30]}'" if len(rest) > 1 else "nothing"
        raise LifecycleError(f"roll {pid} needs the wing, put or call, got {got}: expected {usage}")
    wing: Literal["put", "call"] = "put" if rest[1].startswith("put") else "call"
    i = 2
    if i < len(rest) and rest[i] == "to":
        i += 1
    if i >= len(rest):
        raise LifecycleError(f"roll {pid} {wing} needs the new strikes K1/K2: expected {usage}")
    parts = rest[i].rstrip("pc").split("/")
    if len(parts) != 2:
        raise LifecycleError(f"new strikes '{rest[i][:30]}' need two numbers K1/K2: expected {usage}")
    k1, k2 = sorted(_num(p, "a strike", usage) for p in parts)
    if not 0 < k1 < k2:
        raise LifecycleError(f"new strikes '{rest[i][:30]}' must be two different positive strikes: {usage}")
    i += 1
    expiry = price = None
    while i < len(rest):
        w = rest[i]
        if w in ("at", "@") or w.startswith("@"):
            tok, i = _price_after(rest, i, usage, "net credit")
            price = _num(tok, "the roll's net credit", usage)
            continue
        expiry = _date(w, asof, "the expiry", usage)
        i += 1
    return RollCommand(id=pid, wing=wing, strikes=(k1, k2), expiry=expiry, price=price)


def _parse_hedge(rest: list[str], asof: dt.date) -> HedgeBought:
    usage = USAGE["hedge"]
    pid = _id(rest[0] if rest else None, "hedge")
    if len(rest) < 2 or rest[1] not in ("bought", "sold", "buy", "sell"):
        raise LifecycleError(f"hedge {pid} needs bought or sold: expected {usage}")
    sign = 1 if rest[1] in ("bought", "buy") else -1
    if len(rest) < 3:
        raise LifecycleError(f"hedge {pid} {rest[1]} needs a number of contracts: expected {usage}")
    n = _num(rest[2].lstrip("x"), "the number of contracts", usage)
    if n != int(n) or n <= 0:
        raise LifecycleError(f"contracts '{rest[2]}' must be a positive whole number: expected {usage}")
    if len(rest) < 4 or rest[3] not in ("vix", "vx", "vxm"):
        got = f"'{rest[3][:30]}'" if len(rest) > 3 else "nothing"
        raise LifecycleError(f"the instrument must be vix, vx or vxm, got {got}: expected {usage}")
    inst = rest[3]
    strikes: tuple[float, float | None] | None = None
    is_put = False
    expiry = None
    price = None
    i = 4
    while i < len(rest):
        w = rest[i]
        if w in ("at", "@") or w.startswith("@"):
            tok, i = _price_after(rest, i, usage)
            price = _num(tok, "the fill price", usage)
            continue
        if w in ("call", "calls", "c"):
            i += 1
            continue
        if w in ("put", "puts", "p"):
            is_put = True
            i += 1
            continue
        if re.fullmatch(r"[\d.]+(/[\d.]+)?[cp]?", w):
            if w[-1] in "cp":
                is_put = w[-1] == "p"
                w = w[:-1]
            ks = [_num(p, "a VIX strike", usage) for p in w.split("/")]
            strikes = (ks[0], ks[1] if len(ks) == 2 else None)
            i += 1
            continue
        expiry = _date(w, asof, "the hedge expiry", usage)
        i += 1
    if price is None:
        raise LifecycleError(f"the fill price is missing (@PRICE): expected {usage}")
    if expiry is None:
        raise LifecycleError(f"the hedge expiry is missing (a month like jan or a date): expected {usage}")
    if inst == "vix":
        if strikes is None:
            raise LifecycleError(f"VIX options need strikes (e.g. 22/32): expected {usage}")
        kind: HedgeKind = "VIX_PUT" if is_put else "VIX_CALL"
    else:
        if strikes is not None:
            raise LifecycleError(f"{inst.upper()} futures take no strike: expected {usage}")
        kind = "VX" if inst == "vx" else "VXM"
    try:
        holding = HedgeHolding(kind=kind, quantity=sign * int(n), expiry=expiry, price=price, strikes=strikes)
    except ValueError as exc:
        raise LifecycleError(f"{' '.join(str(exc).split())[:160]}: expected {usage}") from None
    return HedgeBought(id=pid, holding=holding)


# ----- what the commands do to a position ---------------------------------------------------------

def realized_pnl(condor: IronCondor, debit: float) -> float:
    """$ realised when the whole condor is bought back for ``debit`` points per condor."""
    return (condor.credit - debit) * condor.dollars_per_point


def edited(condor: IronCondor, changes: dict[str, object]) -> IronCondor:
    """The condor with ``changes`` applied (validated by ``IronCondor``: a bad edit raises ValueError)."""
    data = condor.model_dump()
    data.update(changes)
    return IronCondor.model_validate(data)


def rolled(condor: IronCondor, wing: str, strikes: tuple[float, float], net_credit: float,
           expiry: dt.date | None = None) -> IronCondor:
    """The condor after rolling ``wing`` to ``strikes`` (long, short sorted by the wing) for ``net_credit``.

    The credit becomes credit + net_credit (a debit reduces it); the result is validated (a debit that
    leaves no net credit, or strikes that cross the other wing, raise ValueError with the reason)."""
    if expiry is not None and expiry != condor.expiry:
        raise ValueError(f"this position holds one expiry ({condor.expiry}); rolling only the {wing} wing to "
                         f"{expiry} would split it. Close it and open the new condor instead")
    k1, k2 = sorted(strikes)
    changes: dict[str, object] = ({"long_put": k1, "short_put": k2} if wing == "put"
                                  else {"short_call": k1, "long_call": k2})
    credit = condor.credit + net_credit
    if credit <= 0:
        raise ValueError(f"the roll's debit {-net_credit:g} uses up the {condor.credit:g} credit; the condor "
                         "model needs a net credit (close the position and open a new one)")
    changes["credit"] = round(credit, 10)
    return edited(condor, changes)


def vertical_value(condor: IronCondor, wing: str, market: MarketState,
                   strikes: tuple[float, float] | None = None) -> float:
    """Model mid we owe on the ``wing`` vertical (short minus long), points per condor, on the SPX smile."""
    from alvh_core.pricing import bsm
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

    if strikes is None:
        strikes = ((condor.long_put, condor.short_put) if wing == "put" else (condor.short_call, condor.long_call))
    lo, hi = sorted(strikes)
    short_k, long_k = (hi, lo) if wing == "put" else (lo, hi)
    tau = market.tau(condor.expiry)
    ks = np.array([short_k, long_k])
    is_call = wing == "call"
    if tau <= 0:
        intr = np.maximum(market.spot - ks, 0) if is_call else np.maximum(ks - market.spot, 0)
        return float(intr[0] - intr[1])
    vols = np.asarray(DEFAULT_SPX_SMILE.vol(ks, tau, market.spot, market.vix_decimal, market.rate,
                                            market.div_yield), float).reshape(2)
    p = np.asarray(bsm.price(is_call, market.spot, ks, tau, vols, market.rate, market.div_yield), float)
    return float(p[0] - p[1])


def model_roll_credit(condor: IronCondor, wing: str, strikes: tuple[float, float], market: MarketState) -> float:
    """Net credit of a roll at model mid: value of the new vertical sold minus the old one bought back."""
    return vertical_value(condor, wing, market, strikes) - vertical_value(condor, wing, market)


def holdings_pnl(holdings: list[HedgeHolding], market: MarketState,
                 vix_points: np.ndarray | float | None = None) -> np.ndarray:
    """$ P&L of all ``holdings`` at spot VIX ``vix_points`` (default the market's), vectorised."""
    total = np.zeros(np.shape(np.asarray(market.vix if vix_points is None else vix_points, dtype=float)))
    for h in holdings:
        total = total + h.pnl(market, vix_points)
    return total


def holdings_on_paths(holdings: list[HedgeHolding], paths, asof: dt.date) -> np.ndarray:
    """(N,) $ P&L of the held hedge from its fills to the paths' last date (the condor's horizon), before
    exit costs, undiscounted. VIX options and futures are priced by the paths' own ``vix_option`` /
    ``vix_future`` (after expiry: the settlement held), so it shares the comparison's random numbers."""
    from alvh_core.strategies.base import time_to

    n = np.asarray(paths.spot).shape[0]
    total = np.zeros(n)
    for h in holdings:
        t = max(time_to(paths, asof, h.expiry), 1e-9)
        if h.kind in ("VX", "VXM"):
            last = np.asarray(paths.vix_future(t), float)[:, -1]
        else:
            assert h.strikes is not None
            kind = "C" if h.kind == "VIX_CALL" else "P"
            last = np.asarray(paths.vix_option(kind, h.strikes[0], t), float)[:, -1]
            if h.strikes[1] is not None:
                last = last - np.asarray(paths.vix_option(kind, h.strikes[1], t), float)[:, -1]
        total += (last - h.price) * h.quantity * h.multiplier
    return total
