"""Typed domain objects: condor legs, hedge legs, market state.

Units (stated once, kept everywhere):
- prices and strikes in index points; money in dollars for whole positions
  (SPX and VIX options x100, VX futures x1000, VXM futures x100);
- volatility as a decimal inside the core (0.243), in vol points on screen and in text (24.3);
  ``MarketState.vix`` is in vol points because that is how traders quote it;
- time in years, ACT/365 (``year_fraction``).

Every invariant is validated here, once, with a message a trader understands.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DAYS_PER_YEAR = 365.0

#: Contract multipliers in dollars per index point.
MULTIPLIERS: dict[str, int] = {"SPX": 100, "VIX": 100, "VX": 1000, "VXM": 100}

OptionKind = Literal["P", "C"]


def year_fraction(start: dt.date, end: dt.date) -> float:
    """ACT/365 year fraction from ``start`` to ``end`` (negative if ``end`` is before ``start``)."""
    return (end - start).days / DAYS_PER_YEAR


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OptionLeg(_Frozen):
    """One option leg of a position, per one unit of the position.

    ``sign`` is +1 for a long leg, -1 for a short leg.
    """

    kind: OptionKind
    strike: float = Field(gt=0)
    sign: Literal[-1, 1]


class IronCondor(_Frozen):
    """A short SPX iron condor: long put < short put < short call < long call, one expiry.

    ``credit`` is the net premium received per condor in index points (4.80 means $480 a condor
    with the multiplier of 100). ``quantity`` is the number of condors.
    """

    underlying: Literal["SPX"] = "SPX"
    expiry: dt.date
    long_put: float = Field(gt=0, description="long (protective) put strike")
    short_put: float = Field(gt=0, description="short put strike")
    short_call: float = Field(gt=0, description="short call strike")
    long_call: float = Field(gt=0, description="long (protective) call strike")
    quantity: int = Field(ge=1, le=100_000, description="number of condors")
    credit: float = Field(gt=0, description="credit received per condor, index points")
    multiplier: int = MULTIPLIERS["SPX"]
    opened: dt.date | None = None

    @model_validator(mode="after")
    def _check_strikes(self) -> IronCondor:
        lp, sp, sc, lc = self.long_put, self.short_put, self.short_call, self.long_call
        if not lp < sp:
            raise ValueError(f"long put {lp:g} must be below short put {sp:g}")
        if not sp < sc:
            raise ValueError(f"short put {sp:g} must be below short call {sc:g}")
        if not sc < lc:
            raise ValueError(f"short call {sc:g} must be below long call {lc:g}")
        if self.credit >= self.max_width:
            raise ValueError(
                f"credit {self.credit:g} must be less than the widest wing ({self.max_width:g} points); "
                "a condor cannot collect more than it can lose"
            )
        if self.opened is not None and self.opened > self.expiry:
            raise ValueError(f"opened {self.opened} is after expiry {self.expiry}")
        return self

    # ----- geometry -------------------------------------------------------------------------
    @property
    def put_width(self) -> float:
        return self.short_put - self.long_put

    @property
    def call_width(self) -> float:
        return self.long_call - self.short_call

    @property
    def max_width(self) -> float:
        return max(self.put_width, self.call_width)

    @property
    def legs(self) -> tuple[OptionLeg, OptionLeg, OptionLeg, OptionLeg]:
        """Legs in the order long put, short put, short call, long call."""
        return (
            OptionLeg(kind="P", strike=self.long_put, sign=1),
            OptionLeg(kind="P", strike=self.short_put, sign=-1),
            OptionLeg(kind="C", strike=self.short_call, sign=-1),
            OptionLeg(kind="C", strike=self.long_call, sign=1),
        )

    @property
    def dollars_per_point(self) -> float:
        """Dollars per index point of the whole position (multiplier x quantity)."""
        return float(self.multiplier * self.quantity)

    @property
    def max_profit(self) -> float:
        """Maximum profit of the whole position at expiry, dollars."""
        return self.credit * self.dollars_per_point

    @property
    def max_loss(self) -> float:
        """Maximum loss of the whole position at expiry, dollars (a positive number)."""
        return (self.max_width - self.credit) * self.dollars_per_point

    @property
    def breakevens(self) -> tuple[float, float]:
        """Lower and upper break-even SPX levels at expiry."""
        return (self.short_put - self.credit, self.short_call + self.credit)

    def dte(self, asof: dt.date) -> int:
        """Calendar days to expiry."""
        return (self.expiry - asof).days

    def describe(self) -> str:
        """Canonical text form, parseable by the grammar (exact: ``parse_position(c.describe()) == c``)."""
        credit = f"{self.credit:.2f}" if round(self.credit, 2) == self.credit else f"{self.credit:.10g}"
        return (
            f"SPX {self.expiry.isoformat()} {self.long_put:.10g}/{self.short_put:.10g}P "
            f"{self.short_call:.10g}/{self.long_call:.10g}C x{self.quantity} @{credit}"
        )


HedgeInstrument = Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"]


class HedgeLeg(_Frozen):
    """One VIX hedge leg: a VIX option (x100), a VX future (x1000) or a VXM future (x100).

    ``quantity`` is signed (+ long). ``price`` is the fill price in index points.
    ``strike`` is required for options and absent for futures.
    """

    instrument: HedgeInstrument
    expiry: dt.date
    quantity: int
    price: float = Field(ge=0)
    strike: float | None = None

    @model_validator(mode="after")
    def _check(self) -> HedgeLeg:
        if self.quantity == 0:
            raise ValueError("hedge quantity must not be zero")
        is_option = self.instrument in ("VIX_CALL", "VIX_PUT")
        if is_option and (self.strike is None or self.strike <= 0):
            raise ValueError(f"{self.instrument} needs a positive strike")
        if not is_option and self.strike is not None:
            raise ValueError(f"{self.instrument} is a future and takes no strike")
        return self

    @property
    def multiplier(self) -> int:
        return MULTIPLIERS["VIX"] if self.instrument.startswith("VIX_") else MULTIPLIERS[self.instrument]


class VixOptionQuote(_Frozen):
    """A VIX option the trader marked (``vixopt ...``), resolved to its expiry: a price in VIX points or a
    Black-76 implied vol (decimal) on the VX future of that expiry. A price wins when both are set."""

    expiry: dt.date
    strike: float = Field(gt=0)
    right: Literal["P", "C"]
    price: float | None = Field(default=None, gt=0)
    iv: float | None = Field(default=None, gt=0, lt=20)

    @property
    def label(self) -> str:
        v = f"{self.price:g}" if self.price is not None else f"iv {self.iv * 100:g}"  # type: ignore[operator]
        return f"{self.expiry} {self.strike:g}{self.right} {v}"


class MarketState(_Frozen):
    """What the market looks like on one date.

    ``vix`` is in vol points (24.3). ``rate`` and ``div_yield`` are continuously compounded decimals.
    ``leg_vols`` optionally overrides the model smile with observed implied vols (decimals) by strike.
    ``vix_futures`` optionally gives observed VX settles by expiry date.
    ``vix_options`` optionally gives the trader's marked VIX options; the hedge sizing prices the legs of
    its VIX spread from them where expiry, strike and right match (``alvh_core.hedge``).
    """

    spot: float = Field(gt=0, description="SPX level")
    vix: float = Field(gt=0, description="VIX in vol points")
    asof: dt.date
    rate: float = Field(default=0.04, ge=-0.05, le=0.25)
    div_yield: float = Field(default=0.013, ge=0.0, le=0.2)
    leg_vols: dict[float, float] | None = None
    vix_futures: dict[dt.date, float] | None = None
    vix_options: tuple[VixOptionQuote, ...] | None = None

    @field_validator("vix")
    @classmethod
    def _vix_range(cls, v: float) -> float:
        if not 1.0 <= v <= 200.0:
            raise ValueError(f"VIX {v:g} is outside 1-200 vol points (type 24.3, not 0.243)")
        return v

    @field_validator("leg_vols")
    @classmethod
    def _vols(cls, v: dict[float, float] | None) -> dict[float, float] | None:
        if v is not None:
            for k, s in v.items():
                if not 0.005 <= s <= 5.0:
                    raise ValueError(f"implied vol {s:g} for strike {k:g} must be a decimal in 0.005-5")
        return v

    @property
    def vix_decimal(self) -> float:
        return self.vix / 100.0

    def tau(self, expiry: dt.date) -> float:
        """ACT/365 years from ``asof`` to ``expiry``."""
        return year_fraction(self.asof, expiry)
