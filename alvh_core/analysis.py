"""Analysis of one SPX iron condor on one market: marks, implied vols, greeks, P&L, risk, odds.

``analyze(condor, market, smile=None) -> Analysis`` and
``what_if(condor, market, spot=None, vix=None, days=0, smile=None) -> Analysis``.

Pricing: Black-Scholes-Merton per leg (European, cash-settled), with each strike's implied vol from
``market.leg_vols`` when given (observed), else from the SPX smile anchored on VIX
(``alvh_core.pricing.smile.DEFAULT_SPX_SMILE`` unless a ``smile`` is passed). ACT/365 time.

Units: leg marks and leg greeks are per one option in index points (delta per SPX point, gamma per
point^2, vega per vol point, theta per calendar day); implied vols are decimals (0.243; show 24.3);
net greeks and P&L are dollars for the whole position (multiplier x quantity), signed for the
position (a short condor has positive theta, negative vega).

Position sign convention: the condor is held as its legs (+1 long, -1 short). ``close_cost`` is what
buying the condor back costs now, per condor, in index points (positive for a short condor);
P&L now = (credit - close_cost) x multiplier x quantity.
"""
from __future__ import annotations

import datetime as dt
import inspect
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alvh_core.events import Event, default_calendar
from alvh_core.models import DAYS_PER_YEAR, IronCondor, MarketState, OptionKind
from alvh_core.pricing import bsm

#: relative strike step for the digital (finite difference of call prices in strike)
DIGITAL_STEP = 1e-4


class Smile(Protocol):
    """Anything that gives decimal implied vols by strike (the SPX smile's interface)."""

    def vol(self, strike: Any, tau: float, spot: float, vix_decimal: float) -> np.ndarray: ...


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LegAnalysis(_Result):
    """One leg, per one option, index points. ``iv`` is None once expired."""

    role: Literal["long put", "short put", "short call", "long call"]
    kind: OptionKind
    strike: float
    sign: Literal[-1, 1]
    mark: float = Field(description="model price per option, index points")
    intrinsic: float = Field(description="exercise value now, index points")
    iv: float | None = Field(description="implied vol used, decimal (0.243); None when expired")
    iv_source: Literal["market", "smile", "expired"]
    delta: float = Field(description="per SPX point, per option")
    gamma: float = Field(description="per SPX point squared, per option")
    vega: float = Field(description="index points per 1 vol point, per option")
    theta: float = Field(description="index points per calendar day, per option")


class NetGreeks(_Result):
    """Whole-position greeks in dollars (multiplier x quantity), signed for the position."""

    delta: float = Field(description="$ per 1 SPX point")
    gamma: float = Field(description="change in $ delta per 1 SPX point")
    vega: float = Field(description="$ per 1 vol point")
    theta: float = Field(description="$ per calendar day")


class Scenario(_Result):
    """What a what-if moved, from the base market."""

    base_spot: float
    base_vix: float
    base_asof: dt.date
    spot: float
    vix: float
    asof: dt.date
    days: int
    pnl_change: float = Field(description="$ P&L in the scenario minus $ P&L now")
    notes: list[str] = Field(default_factory=list)


#: The desk's documented rule: a short strike with |delta| >= TESTED_DELTA is "tested" (status, daily
#: summary, chart and CLI all label with ``Analysis.tested_label``).
TESTED_DELTA = 0.30


class Analysis(_Result):
    """Everything a trader reads off one condor on one market. Money in dollars for the whole position."""

    condor: IronCondor
    market: MarketState
    tau: float = Field(description="years to expiry, ACT/365 (<= 0 once expired)")
    dte: int = Field(description="calendar days to expiry")
    expired: bool
    legs: list[LegAnalysis]
    close_cost: float = Field(description="cost to buy the condor back now, index points per condor")
    net: NetGreeks
    tested_wing: Literal["put", "call"]
    short_put_delta: float
    short_call_delta: float
    pnl_now: float = Field(description="$: (credit - close_cost) x multiplier x quantity")
    pnl_now_pct_of_max: float = Field(description="P&L now as a fraction of max profit")
    max_profit: float = Field(description="$ at expiry")
    max_loss: float = Field(description="$ at expiry, positive number")
    breakevens: tuple[float | None, float | None] = Field(
        description="SPX levels at expiry where P&L is zero; None when that side cannot lose"
    )
    prob_profit: float = Field(ge=0.0, le=1.0, description="risk-neutral probability of P&L > 0 at expiry")
    prob_short_put_itm: float = Field(ge=0.0, le=1.0,
                                      description="risk-neutral probability SPX ends below the short put")
    prob_short_call_itm: float = Field(ge=0.0, le=1.0,
                                       description="risk-neutral probability SPX ends above the short call")
    pop_method: str
    what_if: Scenario | None = None
    assumptions: list[str]
    smile_params: dict[str, Any] | None = None
    events_before_expiry: list[Event] = Field(
        default_factory=list, description="FOMC/CPI/PPI events after asof up to expiry (alvh_core.events)")

    @property
    def tested_label(self) -> str:
        """``put``/``call`` when that short strike's |delta| reaches ``TESTED_DELTA`` (the larger one if
        both do), else ``none``. ``tested_wing`` stays the wing under more pressure (used for sizing)."""
        return tested_label(self.short_put_delta, self.short_call_delta)


def tested_label(short_put_delta: float, short_call_delta: float, threshold: float = TESTED_DELTA) -> str:
    """The display rule for "tested": ``put``/``call`` at |delta| >= ``threshold``, else ``none``."""
    p, c = abs(short_put_delta), abs(short_call_delta)
    if max(p, c) < threshold:
        return "none"
    return "put" if p >= c else "call"


# ----- building blocks ------------------------------------------------------------------------

def default_smile() -> Smile:
    """The SPX smile anchored on VIX (alvh_core.pricing.smile.DEFAULT_SPX_SMILE)."""
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

    return DEFAULT_SPX_SMILE


def expiry_pnl(condor: IronCondor, spx: Any) -> np.ndarray:
    """P&L at expiry in dollars for the whole position at SPX settlement levels ``spx`` (any shape)."""
    s = np.asarray(spx, dtype=float)
    put_loss = np.clip(condor.short_put - s, 0.0, condor.put_width)
    call_loss = np.clip(s - condor.short_call, 0.0, condor.call_width)
    return (condor.credit - put_loss - call_loss) * condor.dollars_per_point


def breakevens(condor: IronCondor) -> tuple[float | None, float | None]:
    """Lower and upper SPX break-evens at expiry; None on a side whose wing is narrower than the
    credit (that side cannot lose)."""
    lo = condor.short_put - condor.credit if condor.credit <= condor.put_width else None
    hi = condor.short_call + condor.credit if condor.credit <= condor.call_width else None
    return lo, hi


def smile_vol(smile: Smile, strike: Any, tau: float, market: MarketState) -> np.ndarray:
    """``smile.vol`` at ``strike`` for ``market``; passes rate/div (they move the forward) when the smile takes them."""
    try:
        params = inspect.signature(smile.vol).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        params = {}
    kw = {"rate": market.rate, "div": market.div_yield} if "rate" in params and "div" in params else {}
    return np.asarray(smile.vol(strike, tau, market.spot, market.vix_decimal, **kw), dtype=float)


def _leg_vols(condor: IronCondor, market: MarketState, tau: float, smile: Smile | None
              ) -> tuple[np.ndarray, list[str], Smile | None]:
    strikes = np.array([leg.strike for leg in condor.legs])
    given = market.leg_vols or {}
    sources = ["market" if float(k) in given else "smile" for k in strikes]
    vols = np.full(4, np.nan)
    if "smile" in sources:
        smile = smile if smile is not None else default_smile()
        vols = smile_vol(smile, strikes, tau, market).reshape(4)
    for i, k in enumerate(strikes):
        if sources[i] == "market":
            vols[i] = given[float(k)]
    if not np.all(np.isfinite(vols) & (vols > 0)):
        raise ValueError(f"smile gave unusable vols {np.round(vols, 4).tolist()} for strikes {strikes.tolist()}")
    return vols, sources, smile


def _prob_above(levels: np.ndarray, market: MarketState, tau: float, vol_at: Any) -> np.ndarray:
    """Risk-neutral P(S_T > K) = -dC/dK / DF by central difference of smile call prices in strike."""
    k = np.asarray(levels, dtype=float)
    h = DIGITAL_STEP * k
    up, dn = k + h, k - h
    c_up = bsm.price(True, market.spot, up, tau, vol_at(up), market.rate, market.div_yield)
    c_dn = bsm.price(True, market.spot, dn, tau, vol_at(dn), market.rate, market.div_yield)
    p = -(c_up - c_dn) / (2.0 * h) * np.exp(market.rate * tau)
    return np.clip(p, 0.0, 1.0)


def _smile_params(smile: Smile | None) -> dict[str, Any] | None:
    if smile is None:
        return None
    dump = getattr(smile, "model_dump", None)
    if callable(dump):
        try:
            return dict(dump(mode="json"))
        except Exception:  # pragma: no cover - a smile that is not plain pydantic
            return None
    return None


# ----- analysis -------------------------------------------------------------------------------

def analyze(condor: IronCondor, market: MarketState, smile: Smile | None = None) -> Analysis:
    """Marks, implied vols, greeks, P&L, max P/L, break-evens and probability of profit now.

    ``smile``: decimal vols by strike (default: the SPX smile anchored on VIX); ignored for strikes
    in ``market.leg_vols``. Expired positions (tau <= 0) are valued at intrinsic with zero greeks.
    """
    tau = market.tau(condor.expiry)
    dte = condor.dte(market.asof)
    expired = tau <= 0.0
    legs = condor.legs
    strikes = np.array([leg.strike for leg in legs])
    is_call = np.array([leg.kind == "C" for leg in legs])
    signs = np.array([leg.sign for leg in legs], dtype=float)
    intrinsic = np.where(is_call, np.maximum(market.spot - strikes, 0.0), np.maximum(strikes - market.spot, 0.0))
    assumptions: list[str] = []
    used_smile: Smile | None = None

    if expired:
        vols = np.full(4, np.nan)
        sources = ["expired"] * 4
        mark = intrinsic.copy()
        delta = gamma = vega = theta = np.zeros(4)
        when = "expiry day" if dte == 0 else f"expired on {condor.expiry.isoformat()}"
        assumptions.append(f"{when}: legs valued at intrinsic (settlement) against SPX {market.spot:g}, greeks zero; "
                           "day granularity, intraday time value on expiry day is ignored")
    else:
        vols, sources, used_smile = _leg_vols(condor, market, tau, smile)
        gk = bsm.greeks(is_call, market.spot, strikes, tau, vols, market.rate, market.div_yield)
        mark, delta, gamma, vega, theta = (np.asarray(x, dtype=float) for x in gk[:5])

    dpp = condor.dollars_per_point
    close_cost = float(-(signs * mark).sum())
    net = NetGreeks(
        delta=float((signs * delta).sum() * dpp),
        gamma=float((signs * gamma).sum() * dpp),
        vega=float((signs * vega).sum() * dpp),
        theta=float((signs * theta).sum() * dpp),
    )
    # the short strikes' deltas decide the tested wing; once expired, distance to spot does
    sp_delta, sc_delta = float(delta[1]), float(delta[2])
    if expired:
        tested: Literal["put", "call"] = (
            "put" if abs(market.spot - condor.short_put) <= abs(condor.short_call - market.spot) else "call")
    else:
        tested = "put" if abs(sp_delta) >= abs(sc_delta) else "call"

    be_lo, be_hi = breakevens(condor)
    if expired:
        pop = float(expiry_pnl(condor, market.spot) > 0.0)
        p_sp_itm = float(market.spot < condor.short_put)
        p_sc_itm = float(market.spot > condor.short_call)
        pop_method = "expired: 1 if the settlement P&L is positive, else 0"
    else:
        levels = np.array([b for b in (be_lo, be_hi) if b is not None], dtype=float)
        if used_smile is not None:
            sm = used_smile

            def vol_at(k: np.ndarray) -> np.ndarray:
                return smile_vol(sm, k, tau, market)
            pop_method = ("risk-neutral, from the smile: digital prices by central finite difference of call "
                          f"prices in strike (step {DIGITAL_STEP:g} x strike), P(lower BE < SPX at expiry < upper BE)")
        else:  # every strike observed: interpolate the observed vols linearly in strike (flat beyond)
            order = np.argsort(strikes)

            def vol_at(k: np.ndarray) -> np.ndarray:
                return np.interp(k, strikes[order], vols[order])
            pop_method = ("risk-neutral, from the observed leg vols interpolated linearly in strike (flat "
                          "beyond): digital prices by central finite difference of call prices in strike")
        p_above = _prob_above(levels, market, tau, vol_at) if levels.size else np.array([])
        it = iter(p_above.tolist())
        p_lo = next(it) if be_lo is not None else 1.0
        p_hi = next(it) if be_hi is not None else 0.0
        pop = float(np.clip(p_lo - p_hi, 0.0, 1.0))
        p_shorts = _prob_above(np.array([condor.short_put, condor.short_call]), market, tau, vol_at)
        p_sp_itm, p_sc_itm = float(1.0 - p_shorts[0]), float(p_shorts[1])

    pnl_now = (condor.credit - close_cost) * dpp
    src = sorted(set(sources))
    if not expired:
        vol_txt = {"market": "observed leg vols (market.leg_vols)",
                   "smile": f"SPX smile {type(used_smile).__name__} anchored on VIX {market.vix:g}"}
        assumptions.append("vols: " + " + ".join(vol_txt[s] for s in src))
        sp = _smile_params(used_smile)
        if sp:
            assumptions.append("smile params: " + ", ".join(
                f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in sp.items()))
        assumptions.append("pricing: Black-Scholes-Merton, European cash-settled; no early exercise; "
                           "mid marks, no transaction costs")
    assumptions.append(f"rate {market.rate:.2%} and dividend yield {market.div_yield:.2%}, continuously compounded")
    assumptions.append(f"time ACT/{DAYS_PER_YEAR:.0f} calendar days: {dte} days to expiry "
                       f"({condor.expiry.isoformat()}) from {market.asof.isoformat()}")
    assumptions.append("probability of profit is " + pop_method.split(":")[0]
                       + " (under-states real-world odds when implied vol carries a risk premium)")
    assumptions.append(f"money: dollars for {condor.quantity} condor(s) x {condor.multiplier} per point")

    leg_results = [
        LegAnalysis(
            role=role, kind=leg.kind, strike=leg.strike, sign=leg.sign, mark=float(mark[i]),
            intrinsic=float(intrinsic[i]), iv=None if expired else float(vols[i]),
            iv_source=sources[i], delta=float(delta[i]), gamma=float(gamma[i]), vega=float(vega[i]),
            theta=float(theta[i]),
        )
        for i, (leg, role) in enumerate(zip(legs, ("long put", "short put", "short call", "long call"), strict=True))
    ]
    return Analysis(
        condor=condor, market=market, tau=tau, dte=dte, expired=expired, legs=leg_results,
        close_cost=close_cost, net=net, tested_wing=tested, short_put_delta=sp_delta, short_call_delta=sc_delta,
        pnl_now=pnl_now, pnl_now_pct_of_max=pnl_now / condor.max_profit, max_profit=condor.max_profit,
        max_loss=condor.max_loss, breakevens=(be_lo, be_hi), prob_profit=pop, pop_method=pop_method,
        prob_short_put_itm=p_sp_itm, prob_short_call_itm=p_sc_itm,
        assumptions=assumptions, smile_params=_smile_params(used_smile),
        events_before_expiry=default_calendar().before_expiry(market.asof, condor.expiry),
    )


def shifted_market(market: MarketState, spot: float | None = None, vix: float | None = None,
                   days: int = 0) -> tuple[MarketState, list[str]]:
    """The market moved to ``spot``/``vix`` (None = unchanged) and ``days`` calendar days later.

    Observed ``leg_vols`` describe today's smile; when spot or VIX moves they are dropped (the
    smile anchored on the new VIX prices the legs) and a note says so.
    """
    if days < 0:
        raise ValueError(f"days {days} must be zero or more (what-if looks forward)")
    data = market.model_dump()
    notes: list[str] = []
    if spot is not None:
        data["spot"] = float(spot)
    if vix is not None:
        data["vix"] = float(vix)
    data["asof"] = market.asof + dt.timedelta(days=int(days))
    moved = (spot is not None and spot != market.spot) or (vix is not None and vix != market.vix)
    if market.leg_vols and moved:
        data["leg_vols"] = None
        notes.append("observed leg vols dropped: the moved market is priced on the smile anchored on the new VIX")
    return MarketState(**data), notes


def what_if(condor: IronCondor, market: MarketState, spot: float | None = None, vix: float | None = None,
            days: int = 0, smile: Smile | None = None) -> Analysis:
    """``analyze`` on the market moved to ``spot``/``vix`` (None = unchanged), ``days`` calendar days on.

    The result's ``what_if`` says what moved and the P&L change against now. A horizon past expiry
    values the condor at intrinsic (settled at that SPX level).
    """
    base = analyze(condor, market, smile)
    moved, notes = shifted_market(market, spot, vix, days)
    res = analyze(condor, moved, smile)
    if moved.asof > condor.expiry:
        notes.append(f"horizon {moved.asof.isoformat()} is past expiry {condor.expiry.isoformat()}: "
                     "settled at intrinsic")
    scen = Scenario(base_spot=market.spot, base_vix=market.vix, base_asof=market.asof, spot=moved.spot,
                    vix=moved.vix, asof=moved.asof, days=int(days), pnl_change=res.pnl_now - base.pnl_now,
                    notes=notes)
    return res.model_copy(update={"what_if": scen, "assumptions": res.assumptions + notes})
