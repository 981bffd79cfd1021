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

Marked VIX options (``market.vix_options``, the trader's ``vixopt`` marks) price the legs of the spread
they match (same expiry, strike and right): the unit price and the premium use the marked prices
exactly; in the stress each marked leg keeps its marked Black-76 vol's offset from the curve's option
vol (sticky offset), so the stressed value starts from the mark. Unmarked legs stay modelled (the
curve's VIX option smile on the hedge expiry's future). ``HedgePlan.leg_sources`` and the assumptions
say which legs were marked and which modelled.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, computed_field

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
#: The same beta by VIX regime (the VIX close of the day before): one pooled beta hides a hedge about
#: 2.4x too big in calm markets and too small in stress. Measured by ``measure_betas`` on the shared data
#: 1990-01-02..2018-12-31 (``alvh backtest --data DIR`` prints them as measured on its data span).
VIX_REGIME_EDGES = (15.0, 20.0, 30.0)
VIX_REGIME_LABELS = ("VIX<15", "VIX 15-20", "VIX 20-30", "VIX>30")
BETA_REGIME_DOWN = (-10.19, -7.72, -4.60, -2.88)
BETA_REGIME_UP = (-3.94, -4.16, -2.92, -2.22)
BETA_REGIME_SOURCE = ("OLS beta of daily dlnVIX on SPX log return by VIX regime, 1990-2018 (down days "
                      + " / ".join(f"{lab} {b:g}" for lab, b in zip(VIX_REGIME_LABELS, BETA_REGIME_DOWN))
                      + "; up days " + " / ".join(f"{b:g}" for b in BETA_REGIME_UP) + ")")
#: width of the call spread above the long strike, and of the put spread below it (VIX points)
CALL_SPREAD_WIDTH = 10.0
PUT_SPREAD_WIDTH = 5.0
SizingRule = Literal["stress", "dollar_delta", "vega"]
BetaRule = Literal["regime", "pooled"]
#: plain names of the hedge kinds (a tested call wing is hedged with VIX PUT spreads or SHORT futures)
KIND_NAMES = {"VIX_CALL": "VIX call spread", "VIX_PUT": "VIX put spread", "VX": "VX future", "VXM": "VXM future"}


def regime_beta(vix_points, wing: str, rule: BetaRule = "regime", betas=None) -> np.ndarray:
    """Beta of log VIX on SPX log returns for ``wing`` ('put': down days, 'call': up days) at ``vix_points``.

    ``betas``: optional ((down by regime x4), (up by regime x4)) replacing the shipped 1990-2018 table (the
    tuner passes the betas of its training span, so the test span never informs the sizing)."""
    if rule == "pooled":
        return np.full(np.shape(vix_points), BETA_DOWN if wing == "put" else BETA_UP)
    down, up = betas if betas is not None else (BETA_REGIME_DOWN, BETA_REGIME_UP)
    table = np.array(down if wing == "put" else up)
    return table[np.searchsorted(VIX_REGIME_EDGES, np.asarray(vix_points, float), side="right")]


def measure_betas(spx: np.ndarray, vix: np.ndarray) -> dict[str, dict[str, float]]:
    """OLS betas of daily dlnVIX on SPX log returns, down / up days, pooled and by VIX regime of the day before.

    ``spx``, ``vix`` (T,) daily closes. Returns {'down'|'up': {'all'|regime label: beta}}.
    """
    r = np.diff(np.log(np.asarray(spx, float)))
    dv = np.diff(np.log(np.asarray(vix, float)))
    v0 = np.asarray(vix, float)[:-1]
    reg = np.searchsorted(VIX_REGIME_EDGES, v0, side="right")
    out: dict[str, dict[str, float]] = {}
    for side, m0 in (("down", r < 0), ("up", r > 0)):
        row = {}
        for label, m in [("all", m0)] + [(lab, m0 & (reg == i)) for i, lab in enumerate(VIX_REGIME_LABELS)]:
            x, y = r[m], dv[m]
            row[label] = float(np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)) if m.sum() > 2 else float("nan")
        out[side] = row
    return out


def vxth_weight(future) -> np.ndarray:
    """Cboe VXTH's hedge weight as a multiple of its 1% base: 0 at or below 15, 1 for 15-30, 0.5 for 30-50, 0 above."""
    f = np.asarray(future, float)
    return np.select([f <= 15.0, f <= 30.0, f <= 50.0], [0.0, 1.0, 0.5], 0.0)


def spread_strikes(kind: str, future) -> tuple[np.ndarray, np.ndarray]:
    """(long, short) strikes of the VIX spread re-chosen at the future: long at the future rounded to a point,
    short 10 points above (calls) or 5 below (puts, floored at 1, or 0.5 when the long strike is 1)."""
    k1 = np.maximum(1.0, np.round(np.asarray(future, float)))
    if kind == "VIX_CALL":
        return k1, k1 + CALL_SPREAD_WIDTH
    return k1, np.where(k1 > 1, np.maximum(k1 - PUT_SPREAD_WIDTH, 1.0), 0.5)


#: floor of a leg's vol after a marked offset (decimal): the stressed vol of a marked leg stays positive
MIN_MARKED_VOL = 0.01


def _spread_value(kind: str, k1, k2, fut, tau_h, rate: float, curve, offsets=(0.0, 0.0)) -> np.ndarray:
    """Mid of one VIX spread (long k1, short k2), points, on Black-76 with the curve's option vol plus the
    legs' marked ``offsets`` (decimals; 0 for modelled legs); broadcast."""
    is_call = kind == "VIX_CALL"
    v1 = np.asarray(curve.option_vol(k1, fut, tau_h), float)
    v2 = np.asarray(curve.option_vol(k2, fut, tau_h), float)
    if offsets[0] or offsets[1]:
        v1 = np.maximum(v1 + offsets[0], MIN_MARKED_VOL)
        v2 = np.maximum(v2 + offsets[1], MIN_MARKED_VOL)
    return black76.price(is_call, fut, k1, tau_h, v1, rate) - black76.price(is_call, fut, k2, tau_h, v2, rate)


def _spread_pair(kind: str, k1, k2, fut_a, fut_b, tau_h, rate: float, curve, offsets=(0.0, 0.0)) -> np.ndarray:
    """``_spread_value(.., fut_a, ..) - _spread_value(.., fut_b, ..)`` with both futures and both legs in one
    smile call and one Black-76 call; the same numbers."""
    is_call = kind == "VIX_CALL"
    fa, fb = np.asarray(fut_a, float), np.asarray(fut_b, float)
    shape = np.broadcast_shapes(np.shape(k1), np.shape(k2), fa.shape, fb.shape)
    futs = np.stack([np.broadcast_to(fa, shape), np.broadcast_to(fb, shape)])  # (future, ...)
    ks = np.stack([np.broadcast_to(np.asarray(k1, float), (2, *shape)),
                   np.broadcast_to(np.asarray(k2, float), (2, *shape))])  # (leg, future, ...)
    v = np.asarray(curve.option_vol(ks, futs, tau_h), float)
    if offsets[0] or offsets[1]:
        v = np.stack([np.maximum(v[0] + offsets[0], MIN_MARKED_VOL), np.maximum(v[1] + offsets[1], MIN_MARKED_VOL)])
    p = black76.price(is_call, futs, ks, tau_h, v, rate)  # (leg, future, ...)
    return (p[0, 0] - p[1, 0]) - (p[0, 1] - p[1, 1])


def _vertical(smile, is_call: bool, spot, k_short, k_long, tau, vix_points, rate: float, div: float) -> np.ndarray:
    """Value we owe on a short vertical (short minus long), points per condor; broadcast."""
    vs = np.asarray(smile.vol(k_short, tau, spot, vix_points / 100.0, rate=rate, div=div), float)
    vl = np.asarray(smile.vol(k_long, tau, spot, vix_points / 100.0, rate=rate, div=div), float)
    return bsm.price(is_call, spot, k_short, tau, vs, rate, div) - bsm.price(is_call, spot, k_long, tau, vl, rate, div)


def stress_sizing(wing: str, sizing: SizingRule, *, spot, vix_points, tau, k_short, k_long, future, tau_h,
                  kind: str, k1=None, k2=None, direction: int = 1, beta, rate: float, div: float,
                  smile=None, curve=None, vol_offsets=(0.0, 0.0)) -> dict[str, np.ndarray]:
    """The sizing stress, vectorised over any broadcast shape (one market today, or every path on an add date).

    ``sizing``: 'stress' SPX to the wing's long strike; 'dollar_delta' SPX 1% against the wing; 'vega' VIX
    +1 point with SPX unchanged (put wing; a call wing is sized by dollar delta, because a VIX put spread
    gains when VIX falls while a short call vertical loses when vol rises). VIX moves by ``beta``:
    VIX' = VIX exp(beta ln(S'/S)). The hedge's future moves along the VIX futures curve from VIX to VIX',
    keeping the observed basis ``future - curve(VIX)``; ``vol_offsets`` are the spread legs' marked vol
    offsets (see :func:`hedge_leg_marks`).
    Returns 'spx', 'vix', 'future' (stressed), 'wing_loss' ($ per condor, >= 0), 'gain' ($ per contract),
    'full' (contracts per condor that offset 100% of the wing's loss; 0 where the hedge does not gain).
    """
    smile = smile or DEFAULT_SPX_SMILE
    curve = curve or VixCurve()
    spot = np.asarray(spot, float)
    vix_points = np.asarray(vix_points, float)
    is_call = wing == "call"
    if sizing == "vega" and not is_call:
        s1 = spot
        v1 = vix_points + 1.0
    else:
        s1 = np.asarray(k_long, float) * np.ones_like(spot) if sizing == "stress" else spot * (1.01 if is_call else 0.99)
        v1 = vix_points * np.exp(np.asarray(beta, float) * np.log(s1 / spot))
    # (issue 16) the two states (now, stressed) and the two strikes stacked on leading axes: each piece (the
    # curve, the SPX surface, BSM, the VIX option smile, Black-76) is one call and the surface's state terms are
    # evaluated once per state, not once per strike; elementwise the same numbers as one call per leg and state
    # (tests/test_hedge_fast.py against tests/hedge_reference.py)
    fut0 = np.asarray(future, float)
    shape = np.broadcast_shapes(np.shape(spot), np.shape(s1), np.shape(vix_points), np.shape(v1), np.shape(tau),
                                np.shape(k_short), np.shape(k_long), np.shape(fut0), np.shape(tau_h))
    states_s = np.stack([np.broadcast_to(spot, shape), np.broadcast_to(s1, shape)])
    states_v = np.stack([np.broadcast_to(vix_points, shape), np.broadcast_to(v1, shape)])
    curve_both = np.asarray(curve.future(states_v / 100.0, tau_h), float)
    curve_now = curve_both[0]
    basis = fut0 - curve_now
    f1 = curve_both[1] + basis
    # a future far below the curve (a path's fast mean reversion) with VIX falling in the stress can cross
    # zero with an additive basis: there the basis is kept as a ratio instead (always positive)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(f1 > 0.0, f1, fut0 * curve_both[1] / curve_now)
    ks = np.stack([np.broadcast_to(np.asarray(k_short, float), (2, *shape)),
                   np.broadcast_to(np.asarray(k_long, float), (2, *shape))])  # (strike, state, ...)
    vols = np.asarray(smile.vol(ks, tau, states_s, states_v / 100.0, rate=rate, div=div), float)
    legs = bsm.price(is_call, states_s, ks, tau, vols, rate, div)  # (strike: short/long, state: now/stressed, ...)
    w0 = legs[0, 0] - legs[1, 0]
    w1 = legs[0, 1] - legs[1, 1]
    wing_loss = np.maximum((w1 - w0) * MULTIPLIERS["SPX"], 0.0)
    if kind in ("VX", "VXM"):
        gain = direction * (f1 - fut0) * MULTIPLIERS[kind]
    else:
        gain = (_spread_pair(kind, k1, k2, f1, fut0, tau_h, rate, curve, vol_offsets)) * MULTIPLIERS["VIX"]
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.where(gain > 0, wing_loss / np.where(gain > 0, gain, 1.0), 0.0)
    full = np.minimum(full, payoff_cap(kind, k_short, k_long, k1, k2))
    return {"spx": s1, "vix": v1, "future": f1, "wing_loss": wing_loss, "gain": gain, "full": full}


#: a VIX option spread hedge pays at most this many times the tested wing's maximum loss (``payoff_cap``)
MAX_PAYOFF_MULTIPLE = 30.0


def payoff_cap(kind: str, k_short, k_long, k1, k2) -> np.ndarray | float:
    """Most VIX option spreads per condor ``full`` may ask for: those whose whole payoff (spread width x $100 each)
    is ``MAX_PAYOFF_MULTIPLE`` times the tested wing's maximum loss (wing width x $100); inf for futures and single
    options.

    The stress ratio wing loss / spread gain has no bound of its own: where the spread barely moves in the stress
    (VIX far above its strikes, a path at VIX 205) it asked for 183,889 spreads on a 10-lot (put VIX 60, 90 trading
    days: ALVH's worst path -$85 million, margin $476 million). Measured on the demo and the put-tested grid at
    20,000 paths (VIX 14-60, 7-90 calendar days), a layer's spreads pay 0.8-2.9x its share of the wing's maximum loss at the
    median and at most 22.8x: the cap (30x) leaves those sizes alone and stops the runaway ones."""
    if kind in ("VX", "VXM") or k1 is None or k2 is None:
        return np.inf
    width = np.abs(np.asarray(k2, float) - np.asarray(k1, float)) * MULTIPLIERS["VIX"]
    wing = MAX_PAYOFF_MULTIPLE * np.abs(np.asarray(k_short, float) - np.asarray(k_long, float)) * MULTIPLIERS["SPX"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0, wing / np.where(width > 0, width, 1.0), np.inf)


def layer_contracts(full, share: float, *, weight=1.0, unit_cost=None, budget_left=None) -> np.ndarray:
    """Whole contracts of one layer: share x full x weight rounded (at least 1 where that is positive),
    then cut to what ``budget_left`` dollars buy at ``unit_cost`` dollars a contract (0 when nothing fits)."""
    q_raw = share * np.asarray(full, float) * np.asarray(weight, float)
    q = np.where(q_raw > 0, np.maximum(1.0, np.floor(q_raw + 0.5)), 0.0)
    if budget_left is not None and unit_cost is not None:
        uc = np.asarray(unit_cost, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = np.where(uc > 0, np.floor(np.maximum(budget_left, 0.0) / np.where(uc > 0, uc, 1.0)), np.inf)
        q = np.minimum(q, cap)
    return q


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
    leg_sources: str = Field("", description="which hedge legs were priced from the trader's VIX option marks "
                             "and which were modelled ('' for futures)")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        """What to trade, named by its direction: 'buy VIX call spread 22/32', 'buy VIX put spread 16/11',
        'sell VX future'."""
        what = KIND_NAMES[self.kind]
        if self.strikes:
            what += f" {self.strikes[0]:g}/{self.strikes[1]:g}"
        return f"{'buy' if self.direction > 0 else 'sell'} {what}"

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


def _unit(kind: str, strikes, fut: float, tau: float, rate: float, curve: VixCurve, direction: int,
          offsets=(0.0, 0.0)) -> float:
    """Mid of one unit, points: spread debit (long - short) or signed future price."""
    if kind in ("VX", "VXM"):
        return direction * fut
    return float(_spread_value(kind, strikes[0], strikes[1], fut, tau, rate, curve, offsets))


def hedge_leg_marks(market: MarketState, kind: str, expiry: dt.date, strikes, fut: float, tau: float,
                    curve: VixCurve) -> tuple[tuple[float, float], list[float], str]:
    """((vol offsets), [leg prices now], sources line) of the VIX spread's (long, short) legs.

    A leg matching a marked VIX option of ``market.vix_options`` (expiry, strike, right) is priced at the
    mark (a price as is; an ``iv`` mark by Black-76 on ``fut``) and its offset is the marked vol minus the
    curve's option vol at ``fut``; other legs are modelled (offset 0, the curve's price). A marked price
    with no Black-76 vol on ``fut`` (outside its bounds) raises ValueError naming the mark.
    """
    from alvh_core.pricing.implied_vol import black76_implied_vol

    right = "C" if kind == "VIX_CALL" else "P"
    is_call = right == "C"
    marks = {(q.expiry, float(q.strike), q.right): q for q in (market.vix_options or ())}
    offsets, prices, marked, modelled = [], [], [], []
    for k in strikes:
        model_vol = float(np.asarray(curve.option_vol(float(k), fut, tau), float))
        q = marks.get((expiry, float(k), right))
        label = f"{float(k):g}{right}"
        if q is None:
            offsets.append(0.0)
            prices.append(float(black76.price(is_call, fut, float(k), tau, model_vol, market.rate)))
            modelled.append(label)
            continue
        if q.price is not None:
            vol = float(black76_implied_vol(q.price, is_call, fut, float(k), tau, market.rate))
            if not np.isfinite(vol):
                raise ValueError(f"marked VIX option {q.label} is outside its no-arbitrage bounds on the {expiry} "
                                 f"VX future {fut:.2f}: re-mark it or the VX future")
            price = float(q.price)
        else:
            vol = float(q.iv)  # type: ignore[arg-type]
            price = float(black76.price(is_call, fut, float(k), tau, vol, market.rate))
        offsets.append(vol - model_vol)
        prices.append(price)
        marked.append(f"{label} {q.price:g}" if q.price is not None else f"{label} iv {vol * 100:g}")
    line = (f"hedge legs ({expiry} VIX {'calls' if is_call else 'puts'}): marked: {', '.join(marked) or 'none'}; "
            f"modelled (VIX option smile, Black-76 on the VX future {fut:.2f}): {', '.join(modelled) or 'none'}")
    return (offsets[0], offsets[1]), prices, line


def size_hedge(
    condor: IronCondor,
    market: MarketState,
    *,
    trigger: float = 0.15,
    share: float = 0.5,
    instrument: Instrument = "vix_call_spread",
    beta: float | None = None,
    beta_rule: BetaRule = "regime",
    betas=None,
    sizing: SizingRule = "stress",
    vxth: bool = False,
    budget_share: float | None = None,
    condors: int | None = None,
    wing: Literal["put", "call"] | None = None,
    costs: CostModel | None = None,
    smile=None,
    curve: VixCurve | None = None,
) -> HedgePlan:
    """Size the hedge of one wing (see module docstring). ``condors`` overrides the position's quantity.

    ``beta`` fixes the beta; otherwise ``beta_rule`` 'regime' (default: the beta of today's VIX regime) or
    'pooled'. ``sizing``: see ``stress_sizing``. ``vxth`` scales the size by Cboe VXTH's weight of the hedge
    future's level; ``budget_share`` caps the premium at that share of the position's credit.
    The same functions size every later layer along the paths in ``alvh compare``.
    """
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
        beta = float(regime_beta(market.vix, wing, beta_rule, betas))
        beta_src = (BETA_SOURCE if beta_rule == "pooled" else BETA_REGIME_SOURCE if betas is None
                    else f"beta by VIX regime given by the policy: down {betas[0]}, up {betas[1]}")
    else:
        beta_src = "given"
    k_long = condor.long_put if wing == "put" else condor.long_call
    k_short = condor.short_put if wing == "put" else condor.short_call

    # hedge instrument
    h_exp = next_vx_expiry(condor.expiry)
    tau_h = market.tau(h_exp)
    curve_now = _curve_future(curve, market.vix, tau_h)
    basis = 0.0
    if market.vix_futures and h_exp in market.vix_futures:
        basis = float(market.vix_futures[h_exp]) - curve_now
    fut0 = curve_now + basis
    strikes: tuple[float, float] | None
    if instrument == "vix_call_spread":
        kind = "VIX_CALL" if wing == "put" else "VIX_PUT"
        k1a, k2a = spread_strikes(kind, fut0)
        strikes = (float(k1a), float(k2a))
        direction, mult = 1, MULTIPLIERS["VIX"]
        offsets, leg_prices, leg_sources = hedge_leg_marks(market, kind, h_exp, strikes, fut0, tau_h, curve)
        unit0 = leg_prices[0] - leg_prices[1]  # the marked spread exactly when both legs are marked
    else:
        kind = "VX" if instrument == "vx" else "VXM"
        strikes, direction, mult = None, (1 if wing == "put" else -1), MULTIPLIERS[kind]
        offsets, leg_prices, leg_sources = (0.0, 0.0), [], ""
        unit0 = _unit(kind, strikes, fut0, tau_h, market.rate, curve, direction)

    def stressed(move: float) -> tuple[float, float, float, float, float]:
        """(spx, vix, future, wing $ change per condor-set, hedge $ change per contract) for SPX x (1+move)."""
        s1 = market.spot * (1 + move)
        v1 = market.vix * float(np.exp(beta * np.log1p(move)))
        f1 = _curve_future(curve, v1, tau_h) + basis
        w0 = _wing_value(condor, wing, market.spot, market.vix, tau, market, smile)
        w1 = _wing_value(condor, wing, s1, v1, tau, market, smile)
        wing_pnl = -(w1 - w0) * MULTIPLIERS["SPX"] * n_condors
        hedge_pc = (_unit(kind, strikes, f1, tau_h, market.rate, curve, direction, offsets) - unit0) * mult
        return s1, v1, f1, wing_pnl, hedge_pc

    other = "call" if wing == "put" else "put"

    def other_wing_pnl(s1: float, v1: float) -> float:
        o0 = _wing_value(condor, other, market.spot, market.vix, tau, market, smile)
        o1 = _wing_value(condor, other, s1, v1, tau, market, smile)
        return -(o1 - o0) * MULTIPLIERS["SPX"] * n_condors

    st = stress_sizing(wing, sizing, spot=market.spot, vix_points=market.vix, tau=tau, k_short=k_short,
                       k_long=k_long, future=fut0, tau_h=tau_h, kind=kind,
                       k1=None if strikes is None else strikes[0], k2=None if strikes is None else strikes[1],
                       direction=direction, beta=beta, rate=market.rate, div=market.div_yield, smile=smile, curve=curve,
                       vol_offsets=offsets)
    s1, v1 = float(st["spx"]), float(st["vix"])
    wing_loss = float(st["wing_loss"]) * n_condors
    gain = float(st["gain"])
    stress_move = s1 / market.spot - 1.0
    if gain <= 0:
        raise ValueError(f"the {instrument} does not gain when SPX moves to {s1:,.0f} with beta {beta:g}; "
                         "choose another instrument or beta")
    full = float(st["full"]) * n_condors  # wing loss / gain, at most the spreads that pay the wing's max loss
    weight = float(vxth_weight(fut0)) if vxth else 1.0
    unit_cost = unit0 * mult if kind not in ("VX", "VXM") else None
    budget = budget_share * condor.credit * MULTIPLIERS["SPX"] * n_condors if budget_share else None
    contracts = int(layer_contracts(full, share, weight=weight, unit_cost=unit_cost, budget_left=budget))
    if kind in ("VX", "VXM"):
        premium = 0.0
        trading = float(costs.future(kind, contracts))
        margin = costs.initial_margin(kind) * contracts
    else:
        premium = unit0 * mult * contracts
        trading = float(sum(costs.vix_option(float(p), contracts) for p in leg_prices))
        margin = premium
    moves = SCENARIO_MOVES if wing == "call" else tuple(-m for m in SCENARIO_MOVES)
    rows = []
    for mv in moves:
        a, b, c, wp, hp = stressed(mv)
        cp_ = wp + other_wing_pnl(a, b)
        rows.append(ScenarioRow(spx_move=mv, spx=a, vix=b, vix_future=c, wing_pnl=wp, hedge_pnl=hp * contracts,
                                net=wp + hp * contracts, condor_pnl=cp_, net_pnl=cp_ + hp * contracts))
    what = {"stress": f"SPX to the long {wing} strike {k_long:g} ({stress_move:+.1%})",
            "dollar_delta": f"dollar delta: SPX {stress_move:+.1%}",
            "vega": "vega: VIX +1 point, SPX unchanged"}[sizing if not (sizing == "vega" and wing == "call")
                                                        else "dollar_delta"]
    notes = [
        f"stress: {what}, VIX x exp(beta ln move), beta {beta:g} at VIX {market.vix:g} ({beta_src}); "
        "instantaneous, same time to expiry",
        "SPX legs: BSM on the SPX smile anchored on VIX; hedge: Black-76 on the VIX future of the hedge expiry "
        "(VIX futures curve; the curve's move from VIX to the stressed VIX)",
        *([leg_sources + (" (marked legs keep their vol offset to the smile in the stress)"
                          if any(offsets) else "")] if leg_sources else []),
        f"hedge expiry {h_exp} = first VX expiry after the condor's {condor.expiry}",
        f"sized to offset {share:.0%} of the wing's stress loss for {n_condors} condors; costs: {costs.describe()}",
    ]
    if vxth:
        notes.append(f"VXTH weight at VX {fut0:.2f}: x{weight:g} (0 at or below 15, 1 for 15-30, 0.5 for 30-50, 0 above)")
    if budget is not None:
        notes.append(f"budget: premium capped at {budget_share:.0%} of the credit (${budget:,.0f})")
    if contracts == 0:
        notes.append("no contracts: the VXTH weight or the budget leaves nothing to buy")
    if basis:
        notes.append(f"VX {h_exp} quoted at {fut0:.2f} (curve {curve_now:.2f}); basis kept in the stress")
    return HedgePlan(
        wing=wing, instrument=instrument, kind=kind, direction=direction, hedge_expiry=h_exp, strikes=strikes,
        vix_future=fut0, unit_price=unit0 if kind not in ("VX", "VXM") else fut0, contracts=contracts,
        contracts_full=full, condors=n_condors, share=share, premium=premium, trading_costs=trading,
        cost=premium + trading, margin=margin, beta=beta, beta_source=beta_src, trigger=trigger,
        short_delta=short_delta, trigger_hit=short_delta >= trigger, stress_spx=s1, stress_vix=v1,
        wing_loss=wing_loss, hedge_gain_per_contract=gain, scenarios=rows, assumptions=notes,
        leg_sources=leg_sources,
    )


CALL_WING_REASON = (
    "the call wing is not hedged with VIX: in rallies VIX falls less than it rises in sell-offs (up-day beta "
    "about -2.9 against -4.2 on down days) and the VX future after expiry moves about half as much as spot VIX, "
    "so offsetting a call wing takes about twice the VIX put spreads per dollar and their spreads and fees eat "
    "the offset; the comparison (alvh compare) holds that wing, so this tool does not recommend a hedge it does "
    "not evaluate. Close the tested call wing or hold it; to size the mirror hedge anyway (VIX put spreads or "
    "short VX/VXM) pass --hedge-call-wing, which alvh compare also takes")


class InitialHedge(BaseModel):
    """The hedge ``alvh hedge`` recommends today, in the terms ``alvh compare`` starts from.

    ``instrument``/``strikes``/``contracts`` equal the HedgePlan's; ``hedged`` False (and ``reason``) when the
    policy leaves the tested wing unhedged (a call wing by default).
    """

    model_config = ConfigDict(frozen=True)

    wing: Literal["put", "call"]
    hedged: bool
    instrument: Instrument | None = None
    kind: Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"] | None = None
    name: str | None = None
    strikes: tuple[float, float] | None = None
    contracts: int = 0
    hedge_expiry: dt.date | None = None
    trigger_hit: bool = False
    reason: str = ""


def recommend(condor: IronCondor, market: MarketState, policy, *, condors: int | None = None,
              wing: Literal["put", "call"] | None = None, trigger: float | None = None, share: float | None = None,
              beta: float | None = None, costs: CostModel | None = None, smile=None
              ) -> tuple[HedgePlan | None, InitialHedge]:
    """Today's hedge of the tested wing under ``policy`` (an ``ALVHPolicy``): its first layer, sized by
    ``size_hedge`` with the policy's sizing rule, beta rule, VXTH option and budget. The same call gives
    ``alvh hedge`` its plan and ``alvh compare`` its starting hedge. A tested call wing gets no plan unless
    ``policy.hedge_call_wing`` or ``wing='call'`` is asked for explicitly. ``smile``: the SPX surface (THE
    surface by default; the marked one from ``apply_marks``)."""
    tested = analyze(condor, market, smile).tested_wing
    w = wing or tested
    if w == "call" and not policy.hedge_call_wing and wing is None:
        return None, InitialHedge(wing="call", hedged=False, reason=CALL_WING_REASON)
    plan = size_hedge(condor, market, trigger=trigger or policy.triggers[0], share=share or policy.shares[0],
                      instrument=policy.instrument, beta=beta, beta_rule=policy.beta_rule,
                      betas=policy.regime_betas, sizing=policy.sizing,
                      vxth=policy.vxth, budget_share=policy.budget_share, condors=condors, wing=w, costs=costs,
                      smile=smile)
    return plan, InitialHedge(wing=plan.wing, hedged=True, instrument=plan.instrument, kind=plan.kind,
                              name=plan.name, strikes=plan.strikes, contracts=plan.contracts,
                              hedge_expiry=plan.hedge_expiry, trigger_hit=plan.trigger_hit,
                              reason="" if plan.trigger_hit else
                              f"trigger not hit yet (|delta| {plan.short_delta:.3f} < {plan.trigger:g})")
