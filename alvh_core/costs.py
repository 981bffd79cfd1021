"""Transaction costs: half-spreads and fees charged at every fill.

A fill at mid ``m`` of one contract costs ``half_spread(m) * multiplier + fee`` dollars (the half-spread
is the distance from mid to the price we actually get, buying or selling). Costs are charged at every
fill: closing condor legs, adding and removing hedge layers, futures round trips.

Cash settlement at expiry (SPX options are cash-settled, AM for standard monthlies; VIX options and VX
futures are cash-settled on the special opening quotation) crosses no spread. By default it costs nothing
more; ``settlement_fee_*`` lets a user add a broker's exercise/assignment or settlement fee.

Defaults are deliberately ordinary retail-to-small-desk numbers (2024-2026 quotes, per contract, per
side), charged per leg. A multi-leg order often fills inside the sum of the legs' half-spreads, so these
costs are on the conservative side. Every number is a field a user can change::

    CostModel(spx_fee=0.95)                    # cheaper broker
    CostModel.zero()                           # frictionless (the honesty tests)

Units: half-spreads in index points of the instrument, fees in dollars per contract per side.
"""
from __future__ import annotations

import functools
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.models import MULTIPLIERS

Tier = tuple[float, float]
"""(upper price bound in points, half-spread in points): the half-spread applies to mids below the bound."""

#: SPX option half-spread by mid price: a cheap wing (< 2.00) is usually a tick or two wide (0.10),
#: a 10-point option about 0.40 wide, a 30-point option 0.60-1.00 wide.
DEFAULT_SPX_TIERS: tuple[Tier, ...] = (
    (2.0, 0.05),
    (5.0, 0.10),
    (15.0, 0.20),
    (40.0, 0.35),
    (float("inf"), 0.60),
)

#: VIX option half-spread by mid price (penny ticks below 3.00, nickel above).
DEFAULT_VIX_TIERS: tuple[Tier, ...] = (
    (1.0, 0.03),
    (3.0, 0.05),
    (float("inf"), 0.10),
)

HedgeKind = Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"]


@functools.lru_cache(maxsize=64)
def _tier_arrays(tiers: tuple[Tier, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(bounds, half-spreads) of a tier table as arrays, built once per table (read-only)."""
    bounds = np.array([b for b, _ in tiers])
    halves = np.array([h for _, h in tiers])
    bounds.flags.writeable = False
    halves.flags.writeable = False
    return bounds, halves


def _tiered(mid: np.ndarray, tiers: tuple[Tier, ...]) -> np.ndarray:
    """Half-spread (points) for each mid in ``mid`` (any shape) from an ascending tier table."""
    mid = np.asarray(mid, dtype=float)
    bounds, halves = _tier_arrays(tuple(tiers))
    idx = np.searchsorted(bounds, np.abs(mid), side="right")
    idx = np.minimum(idx, len(tiers) - 1)
    return halves[idx]


class CostModel(BaseModel):
    """Half-spreads and fees for the instruments the strategies trade (see module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spx_tiers: tuple[Tier, ...] = Field(
        default=DEFAULT_SPX_TIERS, description="SPX option (upper mid bound, half-spread) points, ascending")
    spx_fee: float = Field(default=1.30, ge=0,
                           description="$ per SPX option contract per side (commission ~0.65 + Cboe fees ~0.65)")
    vix_tiers: tuple[Tier, ...] = Field(
        default=DEFAULT_VIX_TIERS, description="VIX option (upper mid bound, half-spread) points, ascending")
    vix_option_fee: float = Field(default=1.10, ge=0, description="$ per VIX option contract per side")
    vx_half_spread: float = Field(default=0.025, ge=0, description="VX future half-spread, points (1 tick = 0.05)")
    vx_fee: float = Field(default=2.50, ge=0, description="$ per VX future per side (commission + CFE fees)")
    vxm_half_spread: float = Field(default=0.025, ge=0, description="VXM future half-spread, points")
    vxm_fee: float = Field(default=1.00, ge=0, description="$ per VXM future per side")
    settlement_fee_spx: float = Field(default=0.0, ge=0,
                                      description="$ per SPX option contract settled in the money at expiry")
    settlement_fee_vix: float = Field(default=0.0, ge=0,
                                      description="$ per VIX option/future contract cash-settled at expiry")
    vx_initial_margin: float = Field(default=9_000.0, ge=0, description="$ initial margin per VX future (approx.)")
    vxm_initial_margin: float = Field(default=900.0, ge=0, description="$ initial margin per VXM future (approx.)")

    @model_validator(mode="after")
    def _check_tiers(self) -> CostModel:
        for name in ("spx_tiers", "vix_tiers"):
            tiers = getattr(self, name)
            if not tiers:
                raise ValueError(f"{name} must hold at least one (bound, half_spread) tier")
            bounds = [b for b, _ in tiers]
            if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
                raise ValueError(f"{name} bounds must increase, got {bounds}")
            if any(h < 0 for _, h in tiers):
                raise ValueError(f"{name} half-spreads must be >= 0")
        return self

    @classmethod
    def zero(cls) -> CostModel:
        """No spreads, no fees, no settlement fees (margins kept: they are capital, not cost)."""
        return cls(
            spx_tiers=((float("inf"), 0.0),), spx_fee=0.0, vix_tiers=((float("inf"), 0.0),),
            vix_option_fee=0.0, vx_half_spread=0.0, vx_fee=0.0, vxm_half_spread=0.0, vxm_fee=0.0,
        )

    @property
    def is_zero(self) -> bool:
        z = CostModel.zero()
        return all(getattr(self, f) == getattr(z, f) for f in type(self).model_fields if "margin" not in f)

    # ----- per-fill costs, dollars, vectorised over mids ---------------------------------------
    def spx_option(self, mid: np.ndarray, contracts: np.ndarray | float) -> np.ndarray:
        """Dollar cost of filling ``|contracts|`` SPX options at mid ``mid`` (points); same shape as the broadcast."""
        n = np.abs(np.asarray(contracts, dtype=float))
        return n * (_tiered(mid, self.spx_tiers) * MULTIPLIERS["SPX"] + self.spx_fee)

    def vix_option(self, mid: np.ndarray, contracts: np.ndarray | float) -> np.ndarray:
        """Dollar cost of filling ``|contracts|`` VIX options at mid ``mid`` (points)."""
        n = np.abs(np.asarray(contracts, dtype=float))
        return n * (_tiered(mid, self.vix_tiers) * MULTIPLIERS["VIX"] + self.vix_option_fee)

    def future(self, kind: Literal["VX", "VXM"], contracts: np.ndarray | float) -> np.ndarray:
        """Dollar cost of filling ``|contracts|`` VX or VXM futures (price-independent)."""
        n = np.abs(np.asarray(contracts, dtype=float))
        if kind == "VX":
            return n * (self.vx_half_spread * MULTIPLIERS["VX"] + self.vx_fee)
        return n * (self.vxm_half_spread * MULTIPLIERS["VXM"] + self.vxm_fee)

    def hedge_fill(self, kind: HedgeKind, mid: np.ndarray, contracts: np.ndarray | float) -> np.ndarray:
        """Dollar cost of one hedge fill of any kind."""
        if kind in ("VIX_CALL", "VIX_PUT"):
            return self.vix_option(mid, contracts)
        return self.future(kind, contracts) * np.ones_like(np.asarray(mid, dtype=float))

    def initial_margin(self, kind: Literal["VX", "VXM"]) -> float:
        return self.vx_initial_margin if kind == "VX" else self.vxm_initial_margin

    def describe(self) -> str:
        """One line for the assumptions block."""
        if self.is_zero:
            return "costs off (no spreads, no fees)"
        spx = ", ".join(f"<{b:g}: {h:g}" if np.isfinite(b) else f"else {h:g}" for b, h in self.spx_tiers)
        return (f"SPX half-spread by mid [{spx}] pts + ${self.spx_fee:.2f}/contract; VIX options "
                f"half-spread {self.vix_tiers[0][1]:g}-{self.vix_tiers[-1][1]:g} pts + ${self.vix_option_fee:.2f}; "
                f"VX {self.vx_half_spread:g} pts + ${self.vx_fee:.2f}; VXM {self.vxm_half_spread:g} pts + "
                f"${self.vxm_fee:.2f}; cash settlement ${self.settlement_fee_spx:g}/SPX contract")


DEFAULT_COSTS = CostModel()
