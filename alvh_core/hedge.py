"""Hedge sizing for the layered VIX hedge: how many VIX call spreads (or VX / VXM futures) per wing.

``size_hedge(condor, market, *, trigger=0.15, share=0.5, instrument="vix_call_spread", beta=None,
condors=None, wing=None, ...) -> HedgePlan``.

Method ("modified CAPM": log VIX regressed on SPX log returns):

1. The tested wing is the one whose short strike has the larger |delta| (SPX smile, BSM), unless
   ``wing`` is given; the trigger is hit when that |delta| >= ``trigger``.
2. Stress: SPX moves to the wing's LONG strike, ``m = ln(K_long / S)``; VIX moves by the regression beta,
   ``VIX' = VIX exp(beta m)``. Default beta: -4.2 for a falling SPX (put wing), -2.9 for a rising SPX
   (call wing), the OLS betas of daily log VIX changes on SPX log returns on down/up days, 1990-2018
   (shared/data PROVENANCE.md).
3. Wing loss in the stress: the tested vertical repriced at (S', VIX') with the same time left,
   dollars for ``condors`` condors (default the position's quantity).
4. Hedge gain in the stress: the instrument repriced with the VIX future of its expiry moved by the
   VIX futures curve from VIX to VIX' (VIX options Black-76 on that future, the curve's option vol).
5. contracts = round(share x wing loss / hedge gain per contract), at least 1.

Instruments. The hedge expires on the first VX expiry AFTER the condor's expiry (``next_vx_expiry``).
- ``vix_call_spread`` (default). Put wing: long call at the VIX future rounded to a whole point, short
  call 10 points higher. Call wing (SPX rallying, VIX falling): the mirror, a VIX PUT spread, long put at
  the future, short put 5 points lower (VIX falls less than it rises; strikes floor at 1).
- ``vx`` / ``vxm``: long futures for the put wing, short futures for the call wing.
VIX strike increment: 1 point. Market-observed VX quotes in ``market.vix_futures`` replace the curve's
level for the hedge expiry (the curve's move is kept as the stress move).
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alvh_core.analysis import analyze
from alvh_core.costs import CostModel
from alvh_core.models import MULTIPLIERS, IronCondor, MarketState
from alvh_core.pricing import black76, bsm
from alvh_core.pricing.expiries import next_vx_expiry
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE
from alvh_core.pricing.vix_curve import VixCurve

Instrument = Literal["vix_call_spread", "vx", "vxm"]
INSTRUMENTS: tuple[str, ...] = ("vix_call_spread", "vx", "vxm")

#: OLS beta of daily log VIX change on SPX log return, 1990-2018, down days / up days (PROVENANCE.md).
BETA_DOWN = -4.2
BETA_UP = -2.9
BETA_SOURCE = "OLS beta of daily dlnVIX on SPX log return 1990-2018 (down days -4.2, up days -2.9)"
#: width of the call spread above the long strike, and of the put spread below it (VIX points)
CALL_SPREAD_WIDTH = 10.0
PUT_SPREAD_WIDTH = 5.0
SCENARIO_MOVES = (0.02, 0.04, 0.06, 0.10)


class ScenarioRow(BaseModel):
    """One instantaneous stress: SPX moved by ``spx_move`` (signed fraction), VIX by the beta."""

    model_config = ConfigDict(frozen=True)

    spx_move: float
    spx: float
    vix: float
    vix_future: float
    wing_pnl: float = Field(description="$ change of the tested wing (negative = loss)")
    hedge_pnl: float = Field(description="$ change of the hedge (before costs)")
    net: float = Field(description="$ wing_pnl + hedge_pnl")
    condor_pnl: float = Field(description="$ change of the whole condor (both wings), for the hedged condor count")
    net_pnl: float = Field(description="$ condor_pnl + hedge_pnl: the whole hedged position")


class HedgePlan(BaseModel):
    """The sized hedge for one wing (money in dollars, prices in points)."""

    model_config = ConfigDict(frozen=True)

    wing: Literal["put", "call"]
    instrument: Instrument
    kind: Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"]
    direction: Literal[-1, 1] = Field(description="+1 long, -1 short (futures)")
    hedge_expiry: dt.date
    strikes: tuple[float, float] | None = Field(description="(long, short) strikes of the spread")
    vix_future: float = Field(description="VIX future of the hedge expiry now, points")
    unit_price: float = Field(description="mid of one unit now, points (spread debit or future price)")
    contracts: int
    contracts_full: float = Field(description="contracts that would offset 100% of the stress loss (unrounded)")
    condors: int
    share: float
    premium: float = Field(description="$ paid for the options at mid (0 for futures)")
    trading_costs: float = Field(description="$ half-spreads and fees to open")
    cost: float = Field(description="$ to put the hedge on: premium + trading costs")
    margin: float = Field(description="$ capital held: option debit, or futures initial margin")
    beta: float
    beta_source: str
    trigger: float
    short_delta: float = Field(description="|delta| of the tested short strike now")
    trigger_hit: bool
    stress_spx: float
    stress_vix: float
    wing_loss: float = Field(description="$ loss of the tested wing in the stress (positive)")
    hedge_gain_per_contract: float = Field(description="$ gain of one contract in the stress")
    scenarios: list[ScenarioRow]
    assumptions: list[str]

    def spec(self, expiry_t: float, contracts_full: float | None = None):
        """The strategy-side ``HedgeSpec`` with the hedge expiry on the paths' clock (years)."""
        from alvh_core.strategies.alvh import HedgeSpec

        return HedgeSpec(wing=self.wing, kind=self.kind, expiry_t=expiry_t,
                         strikes=self.strikes, direction=self.direction,
                         contracts_full=self.contracts_full if contracts_full is None else contracts_full)


# ----- pricing pieces ---------------------------------------------------------------------------

def _curve_future(curve: VixCurve, vix_points: float, tau: float) -> float:
    return float(np.asarray(curve.future(vix_points / 100.0, tau)))


def _wing_value(condor: IronCondor, wing: str, spot: float, vix_points: float, tau: float,
                market: MarketState, smile) -> float:
    """Value we owe on the wing's vertical (short minus long), points per condor."""
    kind = wing == "call"
    ks = np.array([condor.short_put, condor.long_put] if wing == "put" else [condor.short_call, condor.long_call])
    vols = np.asarray(smile.vol(ks, tau, spot, vix_points / 100.0, rate=market.rate, div=market.div_yield),
                      float).reshape(2)
    p = bsm.price(kind, spot, ks, tau, vols, market.rate, market.div_yield)
    return float(p[0] - p[1])


def _unit(kind: str, strikes, fut: float, tau: float, rate: float, curve: VixCurve, direction: int) -> float:
    """Mid of one unit, points: spread debit (long - short) or signed future price."""
    if kind in ("VX", "VXM"):
        return direction * fut
    is_call = kind == "VIX_CALL"
    ks = np.array(strikes, float)
    vols = np.asarray(curve.option_vol(ks, fut, tau), float).reshape(2)
    p = black76.price(is_call, fut, ks, tau, vols, rate)
    return float(p[0] - p[1])


def size_hedge(
    condor: IronCondor,
    market: MarketState,
    *,
    trigger: float = 0.15,
    share: float = 0.5,
    instrument: Instrument = "vix_call_spread",
    beta: float | None = None,
    condors: int | None = None,
    wing: Literal["put", "call"] | None = None,
    costs: CostModel | None = None,
    smile=None,
    curve: VixCurve | None = None,
) -> HedgePlan:
    """Size the hedge of one wing (see module docstring). ``condors`` overrides the position's quantity."""
    if instrument not in INSTRUMENTS:
        raise ValueError(f"instrument '{instrument}' is not one of {', '.join(INSTRUMENTS)}")
    if not 0 < trigger < 1:
        raise ValueError(f"trigger {trigger:g} must be a |delta| between 0 and 1 (e.g. 0.15)")
    if not share > 0:
        raise ValueError(f"share {share:g} must be positive (0.5 = offset half the wing's stress loss)")
    if condors is not None and condors < 1:
        raise ValueError(f"condors {condors} must be at least 1")
    tau = market.tau(condor.expiry)
    if tau <= 0:
        raise ValueError(f"the condor expired {condor.expiry}; nothing to hedge as of {market.asof}")
    smile = smile or DEFAULT_SPX_SMILE
    curve = curve or VixCurve()
    costs = costs or CostModel()
    n_condors = condors or condor.quantity
    now = analyze(condor, market, smile)  # one definition of the short deltas and the tested wing
    d_put, d_call = abs(now.short_put_delta), abs(now.short_call_delta)
    wing = wing or now.tested_wing
    short_delta = d_put if wing == "put" else d_call
    if beta is None:
        beta = BETA_DOWN if wing == "put" else BETA_UP
        beta_src = BETA_SOURCE
    else:
        beta_src = "given"
    k_long = condor.long_put if wing == "put" else condor.long_call

    # hedge instrument
    h_exp = next_vx_expiry(condor.expiry)
    tau_h = market.tau(h_exp)
    curve_now = _curve_future(curve, market.vix, tau_h)
    basis = 0.0
    if market.vix_futures and h_exp in market.vix_futures:
        basis = float(market.vix_futures[h_exp]) - curve_now
    fut0 = curve_now + basis
    if instrument == "vix_call_spread":
        k1 = float(max(1.0, round(fut0)))
        if wing == "put":
            kind, strikes = "VIX_CALL", (k1, k1 + CALL_SPREAD_WIDTH)
        else:
            kind, strikes = "VIX_PUT", (k1, max(k1 - PUT_SPREAD_WIDTH, 1.0 if k1 > 1 else 0.5))
        direction, mult = 1, MULTIPLIERS["VIX"]
    else:
        kind = "VX" if instrument == "vx" else "VXM"
        strikes, direction, mult = None, (1 if wing == "put" else -1), MULTIPLIERS[kind]
    unit0 = _unit(kind, strikes, fut0, tau_h, market.rate, curve, direction)

    def stressed(move: float) -> tuple[float, float, float, float, float]:
        """(spx, vix, future, wing $ change per condor-set, hedge $ change per contract) for SPX x (1+move)."""
        s1 = market.spot * (1 + move)
        v1 = market.vix * float(np.exp(beta * np.log1p(move)))
        f1 = _curve_future(curve, v1, tau_h) + basis
        w0 = _wing_value(condor, wing, market.spot, market.vix, tau, market, smile)
        w1 = _wing_value(condor, wing, s1, v1, tau, market, smile)
        wing_pnl = -(w1 - w0) * MULTIPLIERS["SPX"] * n_condors
        hedge_pc = (_unit(kind, strikes, f1, tau_h, market.rate, curve, direction) - unit0) * mult
        return s1, v1, f1, wing_pnl, hedge_pc

    other = "call" if wing == "put" else "put"

    def other_wing_pnl(s1: float, v1: float) -> float:
        o0 = _wing_value(condor, other, market.spot, market.vix, tau, market, smile)
        o1 = _wing_value(condor, other, s1, v1, tau, market, smile)
        return -(o1 - o0) * MULTIPLIERS["SPX"] * n_condors

    stress_move = k_long / market.spot - 1.0
    s1, v1, f1, wing_pnl, gain = stressed(stress_move)
    wing_loss = max(-wing_pnl, 0.0)
    if gain <= 0:
        raise ValueError(f"the {instrument} does not gain when SPX moves to {k_long:g} with beta {beta:g}; "
                         "choose another instrument or beta")
    full = wing_loss / gain
    contracts = max(1, int(np.floor(share * full + 0.5)))
    if kind in ("VX", "VXM"):
        premium = 0.0
        trading = float(costs.future(kind, contracts))
        margin = costs.initial_margin(kind) * contracts
    else:
        ks = np.array(strikes, float)
        vols = np.asarray(curve.option_vol(ks, fut0, tau_h), float).reshape(2)
        legs = black76.price(kind == "VIX_CALL", fut0, ks, tau_h, vols, market.rate)
        premium = unit0 * mult * contracts
        trading = float(sum(costs.vix_option(float(p), contracts) for p in np.asarray(legs).reshape(2)))
        margin = premium
    moves = SCENARIO_MOVES if wing == "call" else tuple(-m for m in SCENARIO_MOVES)
    rows = []
    for mv in moves:
        a, b, c, wp, hp = stressed(mv)
        cp_ = wp + other_wing_pnl(a, b)
        rows.append(ScenarioRow(spx_move=mv, spx=a, vix=b, vix_future=c, wing_pnl=wp, hedge_pnl=hp * contracts,
                                net=wp + hp * contracts, condor_pnl=cp_, net_pnl=cp_ + hp * contracts))
    notes = [
        f"stress: SPX to the long {wing} strike {k_long:g} ({stress_move:+.1%}), VIX x exp(beta ln move), "
        f"beta {beta:g} ({beta_src}); instantaneous, same time to expiry",
        "SPX legs: BSM on the SPX smile anchored on VIX; hedge: Black-76 on the VIX future of the hedge expiry "
        "(VIX futures curve; the curve's move from VIX to the stressed VIX)",
        f"hedge expiry {h_exp} = first VX expiry after the condor's {condor.expiry}",
        f"sized to offset {share:.0%} of the wing's stress loss for {n_condors} condors; costs: {costs.describe()}",
    ]
    if basis:
        notes.append(f"VX {h_exp} quoted at {fut0:.2f} (curve {curve_now:.2f}); basis kept in the stress")
    return HedgePlan(
        wing=wing, instrument=instrument, kind=kind, direction=direction, hedge_expiry=h_exp, strikes=strikes,
        vix_future=fut0, unit_price=unit0 if kind not in ("VX", "VXM") else fut0, contracts=contracts,
        contracts_full=full, condors=n_condors, share=share, premium=premium, trading_costs=trading,
        cost=premium + trading, margin=margin, beta=beta, beta_source=beta_src, trigger=trigger,
        short_delta=short_delta, trigger_hit=short_delta >= trigger, stress_spx=s1, stress_vix=v1,
        wing_loss=wing_loss, hedge_gain_per_contract=gain, scenarios=rows, assumptions=notes,
    )
