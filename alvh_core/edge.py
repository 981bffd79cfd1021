"""The management comparison: every strategy on ONE shared set of paths, with honest uncertainty.

``compare(condor, market, ...) -> Comparison`` runs hold, leg_out, close_tested, alvh and
take_profit_stop on the same paths (common random numbers) and reports, per strategy, EV and its
standard error, risk (std, CVaR95, P(loss), worst), costs and margin; the difference to legging out with
its PAIRED standard error (the SE of the per-path difference); the method's two claims as measured
numbers; and every assumption behind them.

P&L is in dollars for the whole position, cash flows discounted to the valuation date (see
``alvh_core.strategies.base``). With premia and costs off, every strategy's EV must equal leg_out's
within its paired SE: the engine manufactures no edge (tests/test_edge_honesty.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alvh_core.analysis import analyze
from alvh_core.costs import CostModel
from alvh_core.models import IronCondor, MarketState, year_fraction
from alvh_core.scenarios.anchor import FitRow, MarketTarget, hedge_targets, leg_targets, vix_target
from alvh_core.scenarios.base import MarketPaths
from alvh_core.scenarios.model import HNGarchModel, ScenarioModel
from alvh_core.strategies import (
    STRATEGY_NAMES,
    CondorOnPaths,
    HedgeSpec,
    LayerPolicy,
    StrategyResult,
    TakeProfitStop,
    alvh,
    close_tested,
    hold,
    leg_out,
    take_profit_stop,
)
from alvh_core.strategies.base import time_to


class StrategyMetrics(BaseModel):
    """One strategy over the paths. Dollars, whole position; ``cvar95`` and ``worst`` are P&L (negative = loss)."""

    model_config = ConfigDict(frozen=True)

    ev: float = Field(description="mean P&L, $")
    ev_se: float = Field(description="standard error of ev, $")
    std: float = Field(description="standard deviation of P&L across paths, $")
    cvar95: float = Field(description="mean P&L of the worst 5% of paths, $")
    p_loss: float = Field(description="share of paths with P&L < 0")
    worst: float = Field(description="worst path P&L, $")
    margin: float = Field(description="largest margin/capital held on any path and date, $")
    return_on_margin: float | None = Field(description="ev / margin (None when no margin is held)")
    mean_costs: float = Field(description="mean transaction costs paid, $")
    mean_fills: float = Field(description="mean contracts filled per path")


class PairedDiff(BaseModel):
    """EV(strategy) - EV(leg_out) and the standard error of the per-path difference."""

    model_config = ConfigDict(frozen=True)

    diff: float
    se: float


class SeedClaims(BaseModel):
    """The ALVH method's two claims, as measured on these paths (all $ unless marked %).

    - ``alvh_minus_leg_out``: extra EV kept by the layered hedge over legging out now (paired SE);
    - ``entry_ev``: the trade's model EV if simply held: credit - E[discounted settlement] under the
      paths' law, before costs ($). With premia off this equals credit - today's model marks.
    - ``pct_of_entry_ev``: 100 x alvh_minus_leg_out / entry_ev (None when entry_ev <= 0), delta-method SE;
    - ``tested_wing_credit``: the tested wing's share of the credit, taken as half the condor credit
      (balanced-condor assumption: the wing credits at entry are not recorded);
    - ``pct_of_tested_wing_credit``: 100 x alvh_minus_leg_out / tested_wing_credit;
    - ``pct_of_hold_edge``: 100 x (alvh - leg_out) / (hold - leg_out), paired per path, delta-method SE:
      how much of holding's edge over legging out the hedged hold keeps (None when hold's edge <= 0).
    """

    model_config = ConfigDict(frozen=True)

    tested_wing: str
    alvh_minus_leg_out: PairedDiff
    entry_ev: PairedDiff
    pct_of_entry_ev: float | None
    pct_of_entry_ev_se: float | None
    tested_wing_credit: float
    pct_of_tested_wing_credit: float
    pct_of_tested_wing_credit_se: float
    pct_of_hold_edge: float | None = Field(
        default=None, description="100 x (EV alvh - EV leg_out) / (EV hold - EV leg_out): share of the edge that "
        "holding keeps over legging out which ALVH keeps too (None when holding has no positive edge)")
    pct_of_hold_edge_se: float | None = None
    summary: str = Field(default="", description="the two claims in one sentence, for chat replies")
    definitions: str = (
        "extra EV = EV(alvh) - EV(leg_out) on shared paths; entry EV = credit - E[discounted settlement] of "
        "the condor held to expiry (before costs); tested wing credit = half the condor credit"
    )


class Assumptions(BaseModel):
    """Everything needed to reproduce and explain the numbers."""

    model_config = ConfigDict(frozen=True)

    position: str
    asof: dt.date
    expiry: dt.date
    horizon_days: int
    spot: float
    vix: float
    model: str
    params: str
    n_paths: int
    seed: int | None
    premia: bool
    costs: str
    policy: str
    take_profit_stop: str
    hedges: list[str]
    close_cost_model: float | None = Field(
        default=None, description="today's cost to buy the condor back under the paths' pricing law, points per condor "
        "(what leg out pays before costs)")
    close_cost_smile: float | None = Field(
        default=None, description="the same from the desk smile (alvh analyze), points per condor")
    calibration: str | None = Field(
        default=None, description="today's market against the engine's pricing law, one line (Today.line)")
    conventions: str = (
        "P&L in $ for the whole position incl. the entry credit; cash flows discounted to the valuation date; "
        "fills at model mid plus half-spread and fees; cash settlement at expiry crosses no spread"
    )

    def lines(self) -> list[str]:
        """The assumptions as short lines, most decisive first (shared by the CLI and the bot)."""
        out = [f"model: {self.model}; {self.params}"]
        if self.calibration:
            out.append("today's buy-back: leg out fills at the pricing law's price (every strategy is valued by one "
                       f"law); {self.calibration}")
        elif self.close_cost_model is not None and self.close_cost_smile is not None:
            out.append(f"today's buy-back: {self.close_cost_model:.2f} pts/condor under the model (leg out fills there, "
                       f"so every strategy is valued by one law) vs {self.close_cost_smile:.2f} on the desk smile "
                       "(alvh analyze); the gap is the model's disagreement with the smile, and every EV difference "
                       "between trading now and holding carries it")
        out.append(f"costs: {self.costs}")
        out.append(self.policy)
        out.extend(f"hedge {h}" for h in self.hedges)
        out.append(self.take_profit_stop)
        out.append(self.conventions)
        return out


class Today(BaseModel):
    """Today's market against the engine's pricing law, per condor / per hedge unit, in points.

    ``market_buyback``: the condor's buy-back from the desk surface / the trader's marks (``analyze``);
    ``model_buyback``: what "leg out now" fills at on the paths (before costs). ``market_hedge`` /
    ``model_hedge``: one unit of the hedge instrument (VIX option spread debit or VX future price).
    ``calibration``: every target, market against model; ``calibrated``: all within their tolerance.
    """

    model_config = ConfigDict(frozen=True)

    market_buyback: float
    model_buyback: float
    buyback_error_pct: float
    hedge_instrument: str | None = None
    market_hedge: float | None = None
    model_hedge: float | None = None
    hedge_error_pct: float | None = None
    calibration: list[FitRow] | None = None
    calibrated: bool | None = None
    calibration_method: str | None = None

    def line(self) -> str:
        """One line for every answer: how closely the engine matches today's market."""
        out = (f"today (market/model, points): buy-back {self.market_buyback:.2f}/{self.model_buyback:.2f} "
               f"({self.buyback_error_pct:+.1f}%)")
        if self.market_hedge is not None and self.model_hedge is not None:
            out += (f"; hedge {self.hedge_instrument} {self.market_hedge:.2f}/{self.model_hedge:.2f} "
                    f"({self.hedge_error_pct:+.1f}%)")
        if self.calibration is not None:
            worst = max(self.calibration, key=lambda r: abs(r.error) / r.tolerance)
            out += ("; calibration within every target" if self.calibrated else
                    f"; calibration MISSED, worst {worst.name} {worst.market:.2f}/{worst.model:.2f} "
                    f"({abs(worst.error) / worst.tolerance:.1f}x its tolerance {worst.tolerance:.2f})")
        else:
            out += "; pricing law not calibrated to today's market (supplied paths)"
        return out


class Comparison(BaseModel):
    """JSON keys: ``strategies``, ``vs_leg_out``, ``seed_claims``, ``assumptions``, ``today``."""

    model_config = ConfigDict(frozen=True)

    strategies: dict[str, StrategyMetrics]
    vs_leg_out: dict[str, PairedDiff]
    seed_claims: SeedClaims
    assumptions: Assumptions
    today: Today | None = None


# ----- metrics --------------------------------------------------------------------------------

def sampling_units(x: np.ndarray, antithetic: bool) -> np.ndarray:
    """The independent draws behind per-path values ``x`` (N,).

    With antithetic shocks path i and path i + N/2 share one draw (+z/-z), so they are averaged into
    one unit before any standard error is taken; treating them as independent would misstate the SE
    (too small for payoffs even in the shocks, too large for odd ones).
    """
    if antithetic and x.size >= 4 and x.size % 2 == 0:
        half = x.size // 2
        return 0.5 * (x[:half] + x[half:])
    return x


def _se(x: np.ndarray, antithetic: bool) -> float:
    u = sampling_units(x, antithetic)
    return float(u.std(ddof=1) / np.sqrt(u.size)) if u.size > 1 else 0.0


def metrics(res: StrategyResult, antithetic: bool = False) -> StrategyMetrics:
    """Summary statistics of one strategy's per-path P&L (N,); ``ev_se`` over sampling units."""
    x = res.pnl
    n = x.size
    srt = np.sort(x)
    tail = max(1, int(np.ceil(0.05 * n)))
    summ = res.summary()
    ev = float(x.mean())
    margin = summ.max_margin
    return StrategyMetrics(
        ev=ev,
        ev_se=_se(x, antithetic),
        std=float(x.std(ddof=1)) if n > 1 else 0.0,
        cvar95=float(srt[:tail].mean()),
        p_loss=float((x < -1e-9).mean()),
        worst=float(srt[0]),
        margin=margin,
        return_on_margin=ev / margin if margin > 0 else None,
        mean_costs=summ.mean_costs,
        mean_fills=summ.mean_fills,
    )


def paired(a: np.ndarray, b: np.ndarray, antithetic: bool = False) -> PairedDiff:
    """Mean of a - b over paths and the standard error of that mean (paired, over sampling units)."""
    d = a - b
    return PairedDiff(diff=float(d.mean()), se=_se(d, antithetic))


def _ratio(a: np.ndarray, b: np.ndarray, antithetic: bool = False) -> tuple[float, float] | None:
    """mean(a)/mean(b) and its delta-method SE over sampling units; None when mean(b) <= 0."""
    a, b = sampling_units(a, antithetic), sampling_units(b, antithetic)
    n = a.size
    ma, mb = a.mean(), b.mean()
    if mb <= 0:
        return None
    if n < 2:
        return float(ma / mb), 0.0
    cov = np.cov(a, b, ddof=1)
    var = (cov[0, 0] / mb**2 - 2 * ma * cov[0, 1] / mb**3 + ma**2 * cov[1, 1] / mb**4) / n
    return float(ma / mb), float(np.sqrt(max(var, 0.0)))


def _claims_summary(d: PairedDiff, entry: np.ndarray, r1: tuple[float, float] | None, wing_credit: float) -> str:
    pe = ("n/a of the entry EV (the held trade's EV is not positive)" if r1 is None
          else f"{100 * r1[0]:+.0f}% ± {100 * r1[1]:.0f}% of the entry EV (${entry.mean():,.0f})")
    return (f"ALVH vs legging out: {d.diff:+,.0f} ± {d.se:,.0f} $ ({pe}; "
            f"{100 * d.diff / wing_credit:+.0f}% ± {100 * d.se / wing_credit:.0f}% of the tested wing's credit)")


def _resolve_costs(costs: bool | CostModel) -> CostModel:
    if isinstance(costs, CostModel):
        return costs
    return CostModel() if costs else CostModel.zero()


def hedge_plans(condor: IronCondor, market: MarketState, policy: LayerPolicy) -> dict[str, Any]:
    """``alvh_core.hedge.size_hedge`` per hedged wing (sized for 100% of the stress loss)."""
    from alvh_core.hedge import size_hedge

    return {wing: size_hedge(condor, market, instrument=policy.instrument, share=1.0, wing=wing,
                             trigger=policy.triggers[0])
            for wing in (("put", "call") if policy.hedge_call_wing else ("put",))}


def specs_from_plans(plans: dict[str, Any], market: MarketState,
                     paths: MarketPaths | None = None) -> dict[str, HedgeSpec]:
    """Strategy-side hedge specs, the hedge expiry on the clock of ``paths`` (ACT/365 without paths)."""
    return {wing: plan.spec(time_to(paths, market.asof, plan.hedge_expiry) if paths is not None
                            else year_fraction(market.asof, plan.hedge_expiry))
            for wing, plan in plans.items()}


def default_specs(condor: IronCondor, market: MarketState, policy: LayerPolicy,
                  paths: MarketPaths | None = None) -> dict[str, HedgeSpec]:
    """Hedge specs for both wings from ``alvh_core.hedge.size_hedge`` (sized for 100% of the stress loss).

    The hedge expiry is put on the clock of ``paths`` (``strategies.base.time_to``; ACT/365 without paths).
    """
    return specs_from_plans(hedge_plans(condor, market, policy), market, paths)


def market_targets(condor: IronCondor, market: MarketState, plans: dict[str, Any]) -> list[MarketTarget]:
    """Today's prices the pricing law is calibrated to: the four legs (``analyze``: the desk surface and
    the trader's marks), today's VIX, and each hedge plan's VX future and VIX option spread."""
    return leg_targets(condor, market) + [vix_target(market)] + hedge_targets(list(plans.values()), market)


def _hedge_unit_today(paths: MarketPaths, spec: HedgeSpec) -> float:
    """Model price of one hedge unit now (points): spread debit, or the signed future (-F when short), as
    ``HedgePlan.unit_price`` states it; column 0 of the paths."""
    if spec.kind in ("VX", "VXM"):
        return spec.direction * float(np.asarray(paths.vix_future(spec.expiry_t))[:, 0].mean())
    kind = "C" if spec.kind == "VIX_CALL" else "P"
    assert spec.strikes is not None
    v = float(np.asarray(paths.vix_option(kind, spec.strikes[0], spec.expiry_t))[:, 0].mean())
    if spec.strikes[1] is not None:
        v -= float(np.asarray(paths.vix_option(kind, spec.strikes[1], spec.expiry_t))[:, 0].mean())
    return v


def _pct(model: float, market: float) -> float:
    return 100.0 * (model - market) / market if abs(market) > 1e-12 else 0.0


def run_strategies(condor: IronCondor, market: MarketState, paths: MarketPaths, costs: CostModel,
                   policy: LayerPolicy, specs: dict[str, HedgeSpec],
                   rule: TakeProfitStop) -> tuple[CondorOnPaths, dict[str, StrategyResult]]:
    """All five strategies on ``paths``; the condor is priced once and shared."""
    cp = CondorOnPaths.from_market(condor, paths, market)
    res = {
        "hold": hold(cp, costs),
        "leg_out": leg_out(cp, costs),
        "close_tested": close_tested(cp, costs),
        "alvh": alvh(cp, costs, policy, specs),
        "take_profit_stop": take_profit_stop(cp, costs, rule),
    }
    assert tuple(res) == STRATEGY_NAMES
    return cp, res


def compare(
    condor: IronCondor,
    market: MarketState,
    *,
    n_paths: int = 4000,
    seed: int = 7,
    premia: bool = True,
    costs: bool | CostModel = True,
    policy: LayerPolicy | None = None,
    paths: MarketPaths | None = None,
    take_profit: TakeProfitStop | None = None,
    specs: dict[str, HedgeSpec] | None = None,
    params: Any = None,
    model: ScenarioModel | None = None,
    anchored: bool = True,
) -> Comparison:
    """Compare the management choices for ``condor`` in ``market`` on one shared path set.

    ``paths`` (a MarketPaths whose column 0 is ``market.asof``) overrides simulation; otherwise ``model``
    (default: ``HNGarchModel(params)``, crash jumps on) is calibrated to today's market
    (:func:`market_targets`; ``anchored=False`` skips that) and draws the paths.
    ``specs`` overrides the hedge instruments/sizes (default: ``alvh_core.hedge.size_hedge`` per wing).
    """
    dte = condor.dte(market.asof)
    if dte <= 0:
        raise ValueError(f"the condor expires {condor.expiry} on or before the valuation date {market.asof}; "
                         "nothing left to manage")
    if n_paths < 2:
        raise ValueError(f"paths {n_paths} must be at least 2 (use a few thousand)")
    cost_model = _resolve_costs(costs)
    policy = policy or LayerPolicy()
    rule = take_profit or TakeProfitStop()
    params_txt = "supplied paths"
    simulated = paths is None
    plans = hedge_plans(condor, market, policy) if specs is None else {}
    fit = None
    if paths is None:
        from alvh_core.scenarios.simulation import steps_to

        if model is None:
            model = HNGarchModel(params) if params is not None else HNGarchModel()
        if anchored:
            model = model.calibrate(market, market_targets(condor, market, plans))
        fit = model.fit
        paths = model.simulate(market, steps_to(condor.expiry, market.asof), n_paths, seed, premia)
        model_name = model.name
    else:
        model_name = type(paths).__name__
    notes = getattr(paths, "assumptions", None)
    if notes:
        params_txt = "; ".join(notes)
    if specs is None:
        specs = specs_from_plans(plans, market, paths)
    cp, res = run_strategies(condor, market, paths, cost_model, policy, specs, rule)
    lo = res["leg_out"].pnl
    anti = bool(getattr(paths, "antithetic", False))
    strategies = {name: metrics(r, anti) for name, r in res.items()}
    vs = {name: paired(r.pnl, lo, anti) for name, r in res.items()}

    # ----- the method's claims, measured -----
    wing = cp.tested_wing()
    extra = res["alvh"].pnl - lo
    hold_flows = res["hold"].ledger.flows
    entry = hold_flows["credit"] + hold_flows["settlement"]  # before costs
    r1 = _ratio(extra, entry, anti)
    r2 = _ratio(extra, res["hold"].pnl - lo, anti)
    wing_credit = 0.5 * condor.credit * cp.mult
    claims = SeedClaims(
        tested_wing=wing,
        alvh_minus_leg_out=vs["alvh"],
        entry_ev=PairedDiff(diff=float(entry.mean()), se=_se(entry, anti)),
        pct_of_entry_ev=None if r1 is None else 100 * r1[0],
        pct_of_entry_ev_se=None if r1 is None else 100 * r1[1],
        tested_wing_credit=wing_credit,
        pct_of_tested_wing_credit=100 * vs["alvh"].diff / wing_credit,
        pct_of_tested_wing_credit_se=100 * vs["alvh"].se / wing_credit,
        pct_of_hold_edge=None if r2 is None else 100 * r2[0],
        pct_of_hold_edge_se=None if r2 is None else 100 * r2[1],
        summary=_claims_summary(vs["alvh"], entry, r1, wing_credit),
    )
    hedges = []
    for w, s in specs.items():
        if w == "call" and not policy.hedge_call_wing:
            continue
        strikes = "" if s.strikes is None else " " + "/".join(f"{k:g}" for k in s.strikes if k is not None)
        layers = "+".join(str(s.layer_contracts(sh)) for _, sh in policy.layers())
        hedges.append(f"{w} wing: {'short ' if s.direction < 0 else ''}{s.kind}{strikes} expiring in "
                      f"t={s.expiry_t:.3f}y on the paths' clock, layers of {layers} contracts")
    close_model = float(-cp.value()[:, 0].mean())  # column 0 is today: identical on every path
    close_smile = analyze(condor, market).close_cost
    main = cp.tested_wing() if cp.tested_wing() in specs else next(iter(specs), None)
    hedge_model = hedge_market = None
    if main is not None:
        hedge_model = _hedge_unit_today(paths, specs[main])
        if main in plans:
            hedge_market = float(plans[main].unit_price)
    today = Today(
        market_buyback=close_smile, model_buyback=close_model, buyback_error_pct=_pct(close_model, close_smile),
        hedge_instrument=None if main is None else (
            specs[main].kind + ("" if specs[main].strikes is None else
                                " " + "/".join(f"{k:g}" for k in specs[main].strikes if k is not None))),
        market_hedge=hedge_market, model_hedge=hedge_model,
        hedge_error_pct=None if hedge_market is None or hedge_model is None else _pct(hedge_model, hedge_market),
        calibration=None if fit is None else fit.rows, calibrated=None if fit is None else fit.ok,
        calibration_method=None if fit is None else fit.method,
    )
    assumptions = Assumptions(
        close_cost_model=close_model, close_cost_smile=close_smile, calibration=today.line(),
        position=condor.describe(), asof=market.asof, expiry=condor.expiry, horizon_days=dte,
        spot=market.spot, vix=market.vix, model=model_name, params=params_txt,
        n_paths=int(np.asarray(paths.spot).shape[0]), seed=seed if simulated else None,
        premia=premia, costs=cost_model.describe(), policy=policy.describe(),
        take_profit_stop=f"take profit at {rule.take_profit:.0%} of credit, stop at a loss of "
                         f"{rule.stop_loss:g}x credit, checked daily", hedges=hedges,
    )
    return Comparison(strategies=strategies, vs_leg_out=vs, seed_claims=claims, assumptions=assumptions, today=today)
