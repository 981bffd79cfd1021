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
import threading
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from alvh_core.analysis import analyze
from alvh_core.costs import CostModel
from alvh_core.models import IronCondor, MarketState, year_fraction
from alvh_core.parallel import one_blas_thread, release_free_memory
from alvh_core.scenarios.anchor import FitRow, MarketTarget, hedge_targets, leg_targets, vix_target
from alvh_core.scenarios.base import MarketPaths
from alvh_core.scenarios.model import HNGarchModel, ScenarioModel
from alvh_core.strategies import (
    REGISTRY,
    STRATEGY_NAMES,
    CondorOnPaths,
    HedgeSpec,
    LayerPolicy,
    StrategyContext,
    StrategyResult,
    TakeProfitStop,
    run_all,
)
from alvh_core.strategies.base import time_to
from alvh_core.variance_reduction import ControlVariates, CVResult, held_masks, model_controls, union


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
    initial_hedge: Any = Field(default=None, description="alvh only: the hedge it starts from today, the one "
                               "`alvh hedge` recommends (alvh_core.hedge.InitialHedge: instrument, strikes, contracts)")
    ev_se_plain: float | None = Field(default=None, description="plain SE of ev when ev/ev_se use control variates")


class PairedDiff(BaseModel):
    """EV(strategy) - EV(leg_out) and the standard error of the per-path difference.

    In ``Comparison.vs_leg_out`` on model paths ``diff``/``se`` are the control-variate estimate and its
    SE (``alvh_core.variance_reduction``) and ``se_plain`` the plain paired SE of the same paths.
    """

    model_config = ConfigDict(frozen=True)

    diff: float
    se: float
    se_plain: float | None = Field(default=None, description="plain paired SE (no control variates), $")
    se_unreached: float | None = Field(default=None, exclude=True,
                                       description="part of se (in quadrature) from legs the paths barely reached: "
                                       "their exact mean missed by the sample, times the exposure, $ (not in --json)")


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
    variance_reduction: str = Field(
        default="", description="how the EV and vs-leg-out SEs were reduced (control variates), empty if plain")
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
        if self.variance_reduction:
            out.append(self.variance_reduction)
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
    #: per-path $ P&L by strategy, float32 (not serialised); set by ``compare`` for the distribution chart: every
    #: path up to ``CHART_PATHS``, the first ``CHART_PATHS`` beyond (whole chunks; metrics use every path)
    _pnls: dict[str, np.ndarray] | None = PrivateAttr(default=None)

    @property
    def pnls(self) -> dict[str, np.ndarray] | None:
        return self._pnls


# ----- metrics --------------------------------------------------------------------------------

def sampling_units(x: np.ndarray, antithetic: bool) -> np.ndarray:
    """The independent draws behind per-path values ``x`` (N,).

    With antithetic shocks path i and path i + N/2 share one draw (+z/-z), so they are averaged into
    one unit before any standard error is taken; treating them as independent would misstate the SE
    (too small for payoffs even in the shocks, too large for odd ones).
    """
    n = x.shape[0]  # rows are paths (extra columns, e.g. several strategies, ride along)
    if antithetic and n >= 4 and n % 2 == 0:
        half = n // 2
        return 0.5 * (x[:half] + x[half:])
    return x


def _se(x: np.ndarray, antithetic: bool) -> float:
    u = sampling_units(x, antithetic)
    return float(u.std(ddof=1) / np.sqrt(u.size)) if u.size > 1 else 0.0


def metrics(res: StrategyResult, antithetic: bool = False) -> StrategyMetrics:
    """Summary statistics of one strategy's per-path P&L (N,); ``ev_se`` over sampling units."""
    summ = res.summary()
    return metrics_from(res.pnl, sampling_units(res.pnl, antithetic), summ.max_margin, summ.mean_costs,
                        summ.mean_fills)


def metrics_from(x: np.ndarray, units: np.ndarray, margin: float, mean_costs: float,
                 mean_fills: float) -> StrategyMetrics:
    """``StrategyMetrics`` from per-path P&L ``x`` (N,) and its sampling units (for ``ev_se``)."""
    n = x.size
    tail = max(1, int(np.ceil(0.05 * n)))
    worst_tail = np.partition(x, tail - 1)[:tail] if tail < n else x
    ev = float(x.mean())
    return StrategyMetrics(
        ev=ev,
        ev_se=float(units.std(ddof=1) / np.sqrt(units.size)) if units.size > 1 else 0.0,
        std=float(x.std(ddof=1)) if n > 1 else 0.0,
        cvar95=float(np.sort(worst_tail).mean()),
        p_loss=float((x < -1e-9).mean()),
        worst=float(x.min()),
        margin=margin,
        return_on_margin=ev / margin if margin > 0 else None,
        mean_costs=mean_costs,
        mean_fills=mean_fills,
    )


def paired(a: np.ndarray, b: np.ndarray, antithetic: bool = False) -> PairedDiff:
    """Mean of a - b over paths and the standard error of that mean (paired, over sampling units)."""
    d = a - b
    return PairedDiff(diff=float(d.mean()), se=_se(d, antithetic))


def _ratio_of(a: PairedDiff, b: PairedDiff, corr: float) -> tuple[float, float] | None:
    """a/b of two estimates with their SEs, delta-method SE with the correlation of their sampling units
    (the plain units' correlation stands in for the reduced estimates'); None when b <= 0."""
    if b.diff <= 0:
        return None
    r = a.diff / b.diff
    var = (a.se**2 - 2.0 * r * corr * a.se * b.se + r * r * b.se**2) / b.diff**2
    return float(r), float(np.sqrt(max(var, 0.0)))


def _claims_summary(d: PairedDiff, entry: float, r1: tuple[float, float] | None, wing_credit: float) -> str:
    pe = ("n/a of the entry EV (the held trade's EV is not positive)" if r1 is None
          else f"{100 * r1[0]:+.0f}% ± {100 * r1[1]:.0f}% of the entry EV (${entry:,.0f})")
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


#: anchored models kept for the markets asked about last (``calibrated``): the thread's follow-up questions
#: and a repeated compare of the same position and marks reuse the fit (0.2-0.6 s, issue 16)
ANCHOR_MEMO_SIZE = 16
_anchor_memo: dict[tuple, ScenarioModel] = {}
_anchor_lock = threading.Lock()


def calibrated(model: ScenarioModel, market: MarketState, targets: list[MarketTarget]) -> ScenarioModel:
    """``model.calibrate(market, targets)``, memoised for the last ``ANCHOR_MEMO_SIZE`` calls whose model gives a
    ``calibration_key`` (the fit is a deterministic function of it: the same object comes back)."""
    key = model.calibration_key(market, targets)
    if key is None:
        return model.calibrate(market, targets)
    with _anchor_lock:
        hit = _anchor_memo.pop(key, None)
        if hit is not None:
            _anchor_memo[key] = hit  # most recently used last
            return hit
    fitted = model.calibrate(market, targets)
    with _anchor_lock:
        _anchor_memo[key] = fitted
        while len(_anchor_memo) > ANCHOR_MEMO_SIZE:
            _anchor_memo.pop(next(iter(_anchor_memo)))
    return fitted


def run_strategies(condor: IronCondor, market: MarketState, paths: MarketPaths, costs: CostModel,
                   policy: LayerPolicy, specs: dict[str, HedgeSpec] | None,
                   rule: TakeProfitStop, initial: dict[str, Any] | None = None,
                   hedge_t: float | None = None) -> tuple[CondorOnPaths, dict[str, StrategyResult]]:
    """All registered strategies (``alvh_core.strategies.REGISTRY``) on ``paths``; the condor is priced once."""
    cp = CondorOnPaths.from_market(condor, paths, market)
    res = run_all(cp, costs, StrategyContext(policy=policy, rule=rule, specs=specs, initial=initial, hedge_t=hedge_t))
    assert tuple(res) == STRATEGY_NAMES
    return cp, res


# ----- streaming over chunks of paths (constant memory, exact SEs) ----------------------------------

#: path-days simulated and valued at once (about 270 bytes each at peak: ~70 MB a chunk; 1,000,000 paths
#: x 86 days peaked at 421 MB RSS with 500,000)
PATH_DAYS_PER_CHUNK = 250_000


def chunk_sizes(n_paths: int, n_days: int, budget: int | None = None) -> list[int]:
    """Even chunk sizes (whole antithetic pairs, as equal as possible) adding up to ``n_paths`` (even), each
    at most ``budget`` path-days (default ``PATH_DAYS_PER_CHUNK``) but never under two pairs; one chunk when
    everything fits."""
    budget = PATH_DAYS_PER_CHUNK if budget is None else budget
    pairs = n_paths // 2
    per = max(4, budget // (2 * (n_days + 1)))  # pairs per chunk (>= 4, so every chunk keeps >= 2 pairs)
    if pairs <= per:
        return [n_paths]
    count = -(-pairs // per)
    q, r = divmod(pairs, count)
    return [2 * (q + 1)] * r + [2 * q] * (count - r)


#: runs of at least this many chunks give the allocator's free pages back to the system when they end
RELEASE_AFTER_CHUNKS = 16
#: paths whose P&L ``compare`` keeps for the distribution chart (float32: 4 MB over 5 strategies); a bigger run's
#: chart shows its first chunks' paths, its metrics all of them
CHART_PATHS = 200_000


class _Moments:
    """Streaming count, sum and centred second moments of named 1-D columns, and the cross moments of chosen
    pairs (Chan, Golub & LeVeque's pairwise update): exact up to float rounding, and one chunk gives numpy's
    own ``mean`` / ``std(ddof=1)`` bit for bit (the same sums, in the same order)."""

    def __init__(self, pairs: tuple[tuple[str, str], ...] = ()) -> None:
        self.n: dict[str, int] = {}
        self.sum: dict[str, float] = {}
        self.m2: dict[str, float] = {}
        self.cross = {p: 0.0 for p in pairs}

    def add(self, cols: dict[str, np.ndarray]) -> None:
        chunk = {}
        for k, x in cols.items():
            nb = int(x.size)
            sb = float(x.sum())
            d = x - sb / nb if nb else x
            chunk[k] = (nb, sb, d, float((d * d).sum()))
        for (a, b), c in self.cross.items():  # before the columns move: the deltas use the old means
            na, sa, da, _ = chunk[a]
            nb, sb, db, _ = chunk[b]
            c_b = float((da * db).sum())
            n0 = self.n.get(a, 0)
            if n0:
                dxa = sa / na - self.sum[a] / n0
                dxb = sb / nb - self.sum[b] / n0
                c_b += dxa * dxb * n0 * na / (n0 + na)
            self.cross[(a, b)] = c + c_b
        for k, (nb, sb, _, m2b) in chunk.items():
            n0 = self.n.get(k, 0)
            if n0:
                delta = sb / nb - self.sum[k] / n0
                m2b += self.m2[k] + delta * delta * n0 * nb / (n0 + nb)
                sb += self.sum[k]
            self.n[k], self.sum[k], self.m2[k] = n0 + nb, sb, m2b

    def mean(self, k: str) -> float:
        return self.sum[k] / self.n[k]

    def std(self, k: str) -> float:
        """Sample standard deviation (ddof 1; 0 with fewer than 2 values)."""
        n = self.n[k]
        return float(np.sqrt(self.m2[k] / (n - 1))) if n > 1 else 0.0

    def se(self, k: str) -> float:
        """Standard error of the mean (the column's values are independent units)."""
        n = self.n[k]
        return float(np.sqrt(self.m2[k] / (n - 1)) / np.sqrt(n)) if n > 1 else 0.0

    def corr(self, a: str, b: str) -> float:
        """Correlation of a pair (0 when either is constant or there are fewer than 3 values)."""
        if self.n[a] < 3 or self.m2[a] == 0.0 or self.m2[b] == 0.0:
            return 0.0
        return float(np.clip(self.cross[(a, b)] / np.sqrt(self.m2[a] * self.m2[b]), -1.0, 1.0))


class _Tally:
    """What ``compare`` keeps of each chunk (issue 16: memory that does not grow with paths x days beyond 4 bytes a
    path and strategy): streamed sums and moments of each strategy's P&L and of the sampling units (EV, std, SEs,
    the ratios' correlations), the control-variate moments, P(loss), the worst path, the worst 5% for CVaR (exact:
    the candidates are cut to the final tail as chunks come, ``n_total`` known), and each path's P&L as float32 for
    the distribution chart only (up to ``CHART_PATHS`` paths). One chunk gives the numbers of valuing all paths at once (bit for bit for EV, std,
    SEs, CVaR, P(loss), worst); several, the same up to float rounding."""

    #: unit columns whose correlation the claims' ratios use
    PAIRS = (("alvh", "entry"), ("alvh", "hold"))

    def __init__(self, control_variates: bool, n_total: int | None = None) -> None:
        self.cv = control_variates
        self.n_total = n_total
        self.reduced = False
        self.n = 0
        self.pnl = _Moments()  # per strategy: each path's P&L
        self.units = _Moments(self.PAIRS)  # "entry", per strategy vs leg out, and "ev:<name>": the P&L's own units
        self.loss: dict[str, int] = {}
        self.worst: dict[str, float] = {}
        self.tail: dict[str, np.ndarray] = {}
        self.pnl32: dict[str, list[np.ndarray] | np.ndarray] = {}
        self.charted = 0  # paths in pnl32
        self.costs: dict[str, float] = {}
        self.fills: dict[str, float] = {}
        self.margin: dict[str, float] = {}
        self.acc = ControlVariates()
        self.mu: tuple[np.ndarray, np.ndarray] | tuple[None, None] = (None, None)
        self._mu_by_label: dict = {}  # control label -> (exact mean, accuracy)
        self.names: list[str] = []
        self._res: CVResult | None = None
        self.entry_sum = 0.0
        self.wing = "put"
        self.mult = 0.0
        self.close_model = 0.0

    @staticmethod
    def tail_size(n: int) -> int:
        """Paths in the worst 5% (``metrics_from``'s CVaR95)."""
        return max(1, int(np.ceil(0.05 * n)))

    def _keep(self, name: str, x: np.ndarray) -> None:
        """P(loss), worst, CVaR candidates and the float32 copy of one chunk's P&L ``x``."""
        self.loss[name] = self.loss.get(name, 0) + int(np.count_nonzero(x < -1e-9))
        self.worst[name] = min(self.worst.get(name, np.inf), float(x.min()))
        pool = x if name not in self.tail else np.concatenate([self.tail[name], x])
        if self.n_total is not None:  # the final tail is known: keep its candidates only
            k = self.tail_size(self.n_total)
            if pool.size > k:
                pool = np.partition(pool, k - 1)[:k]
        self.tail[name] = pool if pool is not x else x.copy()
        if self.n_total is not None:
            buf = self.pnl32.get(name)
            if buf is None:
                buf = self.pnl32[name] = np.empty(min(self.n_total, CHART_PATHS), np.float32)
            assert isinstance(buf, np.ndarray)
            if self.n + x.size <= buf.size:  # whole chunks only
                buf[self.n:self.n + x.size] = x
                self.charted = self.n + x.size
        else:
            parts = self.pnl32.setdefault(name, [])
            assert isinstance(parts, list)
            parts.append(x.astype(np.float32))
            self.charted = self.n + x.size

    def add(self, cp: CondorOnPaths, paths: MarketPaths, res: dict[str, StrategyResult]) -> None:
        anti = bool(getattr(paths, "antithetic", False))
        lo = res["leg_out"].pnl
        n = lo.size
        if self.n_total is not None and self.n + n > self.n_total:
            raise ValueError(f"{self.n + n} paths added to a tally of {self.n_total}")
        if self.n == 0:
            self.wing = cp.tested_wing()
            self.mult = cp.mult
            self.close_model = float(-cp.value()[:, 0].mean())  # column 0 is today: identical on every path
        # variance reduction (issue 16): controls with exact means under the paths' law (None: plain SEs)
        controls = model_controls(paths, cp, self.wing, {name: held_masks(r.extra, n, cp.k)
                                                          for name, r in res.items()}) if self.cv else None
        self.reduced = controls is not None
        hold_flows = res["hold"].ledger.flows
        entry = hold_flows["credit"] + hold_flows["settlement"]  # before costs
        self.entry_sum += float(entry.sum())
        lo_units = sampling_units(lo, anti)
        names = list(res)
        ys = []
        for name, r in res.items():
            summ = r.summary()
            self._keep(name, r.pnl)
            ys.append(sampling_units(r.pnl - lo, anti))  # paired with leg out
            self.costs[name] = self.costs.get(name, 0.0) + summ.mean_costs * n
            self.fills[name] = self.fills.get(name, 0.0) + summ.mean_fills * n
            self.margin[name] = max(self.margin.get(name, 0.0), summ.max_margin)
        ys.extend(u + lo_units for u in ys[: len(names)])  # units of each P&L itself
        self.pnl.add({name: r.pnl for name, r in res.items()})
        self.units.add({"entry": sampling_units(entry, anti), **dict(zip(names, ys)),
                        **{f"ev:{name}": u for name, u in zip(names, ys[len(names):])}})
        ctl = None if controls is None else union(controls)
        self.names = names
        # one regression for every column: [vs leg out per strategy] + [EV per strategy]
        labels = None if ctl is None else ctl.column_labels()
        self.acc.add(np.stack(ys, axis=1), None if ctl is None else sampling_units(ctl.values, anti), labels)
        if ctl is not None:  # the means by label, in the regression's order (the latest chunk's accuracy; a
            # stratum of an earlier chunk only: mean 0, exact)
            for lab, m_, a_ in zip(labels, ctl.means, ctl.accuracy, strict=True):
                self._mu_by_label[lab] = (float(m_), float(a_))
            got = [self._mu_by_label.get(lab, (0.0, 0.0)) for lab in self.acc.labels or []]
            self.mu = (np.array([m_ for m_, _ in got]), np.array([a_ for _, a_ in got]))
        self.n += n

    def joined_pnl(self) -> dict[str, np.ndarray]:
        """Each path's P&L per strategy, float32 (the distribution chart's input; metrics use the float64 stream):
        all paths, or the first ``CHART_PATHS`` (whole chunks) when ``n_total`` is given."""
        out = {}
        for k, v in self.pnl32.items():
            if isinstance(v, list):
                v = self.pnl32[k] = np.concatenate(v) if len(v) > 1 else v[0]
            out[k] = v[: self.charted]
        return out

    def entry_se(self) -> float:
        return self.units.se("entry")

    def unit_corr(self, a: str, b: str) -> float:
        return self.units.corr(a, b)

    def _result(self) -> CVResult:
        if self._res is None:
            self._res = self.acc.result(*self.mu)
        return self._res

    def vs_leg_out(self) -> dict[str, PairedDiff]:
        r = self._result()
        return {name: PairedDiff(diff=float(r.estimate[i]), se=float(r.se[i]), se_plain=float(r.se_plain[i]),
                                 se_unreached=None if r.unreached is None else float(r.unreached[i]))
                for i, name in enumerate(self.names)}

    def _cvar(self, name: str) -> float:
        k, pool = self.tail_size(self.n), self.tail[name]
        worst_tail = np.partition(pool, k - 1)[:k] if k < pool.size else pool
        return float(np.sort(worst_tail).mean())

    def strategies(self) -> dict[str, StrategyMetrics]:
        """Metrics per strategy; with controls, ev / ev_se are the control-variate estimate (plain SE kept in
        ev_se_plain) so the EV column and the vs-leg-out column tell one story."""
        out = {}
        for name in self.names:
            ev = self.pnl.mean(name)
            margin = self.margin[name]
            m = StrategyMetrics(
                ev=ev, ev_se=self.units.se(f"ev:{name}"), std=self.pnl.std(name), cvar95=self._cvar(name),
                p_loss=self.loss[name] / self.n, worst=self.worst[name], margin=margin,
                return_on_margin=ev / margin if margin > 0 else None,
                mean_costs=self.costs[name] / self.n, mean_fills=self.fills[name] / self.n,
            )
            if self.reduced and m.std > 1e-9 * max(1.0, abs(m.ev)):  # leg out (same P&L on every path) kept
                r, i = self._result(), len(self.names) + self.names.index(name)
                ev = float(r.estimate[i])
                m = m.model_copy(update={"ev": ev, "ev_se": float(r.se[i]), "ev_se_plain": m.ev_se,
                                         "return_on_margin": ev / m.margin if m.margin > 0 else None})
            out[name] = m
        return out


@one_blas_thread()  # small linear algebra: BLAS threads only wait on each other
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
    held: Any = None,
    control_variates: bool = True,
    model: ScenarioModel | None = None,
    anchored: bool = True,
) -> Comparison:
    """Compare the management choices for ``condor`` in ``market`` on one shared path set.

    ``paths`` (a MarketPaths whose column 0 is ``market.asof``) overrides simulation; otherwise ``model``
    (default: ``HNGarchModel(params)``, crash jumps on) is calibrated to today's market
    (:func:`market_targets`; ``anchored=False`` skips that) and draws the paths.
    ALVH starts from the hedge ``alvh hedge`` recommends today (``alvh_core.hedge.recommend``: the same
    instrument, strikes and contracts) and adds later layers on the paths; ``specs`` replaces that by static
    hedge instruments/sizes per wing (tests, benchmarks).
    ``held`` (``alvh_core.lifecycle.HedgeHolding`` list): the hedge the desk already holds; its P&L from the
    fills to the horizon (on the same paths) is added to every strategy, since each choice keeps it.
    ``control_variates=False`` reports the plain estimator only (benchmarks, checks). Runs with one BLAS
    thread (:func:`alvh_core.parallel.one_blas_thread`).
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
    chunks = 1
    fit = None
    # ALVH starts from the hedge `alvh hedge` recommends today (same instrument, strikes, contracts); the
    # pricing law is calibrated to that hedge's VX future and spread (static ``specs``: to the legs only)
    from alvh_core.hedge import recommend
    from alvh_core.pricing.expiries import next_vx_expiry

    plan, initial_hedge = recommend(condor, market, policy, costs=cost_model)
    initial = {plan.wing: plan} if plan is not None else {}
    plans = dict(initial) if specs is None else {}
    if specs is None:
        main: str | None = initial_hedge.wing
    else:
        tested = analyze(condor, market).tested_wing
        main = tested if tested in specs else next(iter(specs), None)
    if paths is None:
        from alvh_core.scenarios.simulation import steps_to

        # the scenario model draws antithetic pairs: an odd request is rounded up to the next even count
        n_days = steps_to(condor.expiry, market.asof)
        sizes = chunk_sizes(n_paths + n_paths % 2, n_days)
        chunks = len(sizes)
        if model is None:
            model = HNGarchModel(params) if params is not None else HNGarchModel()
        if anchored:  # the pricing law reproduces today's legs, VIX and the hedge ALVH starts from
            model = calibrated(model, market, market_targets(condor, market, plans))
        fit = getattr(model, "fit", None)
        model_name = model.name
        # one chunk: exactly the draw of this seed; several: an independent seed per chunk from it
        seeds = [seed] if chunks == 1 else [int(x) for x in np.random.SeedSequence(seed).generate_state(chunks)]
        path_sets: Any = (model.simulate(market, n_days, size, s_, premia) for size, s_ in zip(sizes, seeds))
    else:
        model_name = type(paths).__name__
        path_sets = iter([paths])
    held_list = list(held) if held else []
    held_sum = 0.0
    hedge_model = None
    tally = _Tally(control_variates, n_total=sum(sizes) if simulated else None)
    for chunk in path_sets:  # constant memory: one chunk of paths alive at a time (issue 16)
        hedge_t = time_to(chunk, market.asof, next_vx_expiry(condor.expiry))
        if tally.n == 0:
            notes = getattr(chunk, "assumptions", None)
            if notes:
                params_txt = "; ".join(notes)
            elif simulated:
                params_txt = str(getattr(chunk, "params", "default calibration"))
            spec_today = specs.get(main) if specs and main else (
                plans[main].spec(hedge_t) if main in plans else None)
            if spec_today is not None:
                hedge_model = _hedge_unit_today(chunk, spec_today)
        cp, res = run_strategies(condor, market, chunk, cost_model, policy, specs, rule, initial=initial,
                                 hedge_t=hedge_t)
        if held_list:  # the desk's hedge is kept by every choice: its P&L on these paths joins each strategy
            import dataclasses

            from alvh_core.lifecycle import holdings_on_paths

            held_pnl = holdings_on_paths(held_list, chunk, market.asof)
            held_sum += float(held_pnl.sum())
            res = {name: dataclasses.replace(r, pnl=r.pnl + held_pnl) for name, r in res.items()}
        tally.add(cp, chunk, res)
        del cp, res, chunk
    if chunks >= RELEASE_AFTER_CHUNKS:  # a long run hands its freed pages back (not between chunks: refaulting them
        release_free_memory()  # cost 5-10% of a 2-chunk compare and did not lower the peak)
    if chunks > 1:
        params_txt = params_txt.replace(f"seed {seeds[0]}", f"seed {seed}").replace(
            f"{sizes[0]} paths x", f"{tally.n} paths in {chunks} chunks x")
    held_note = None
    if held_list:
        held_note = ("held (desk's fills, added to every strategy, marked at the horizon on these paths, "
                     f"EV {held_sum / tally.n:+,.0f} $): " + "; ".join(h.describe() for h in held_list))
    strategies, vs = tally.strategies(), tally.vs_leg_out()
    strategies["alvh"] = strategies["alvh"].model_copy(update={"initial_hedge": None if specs else initial_hedge})

    # ----- the method's claims, measured -----
    wing = tally.wing
    wing_credit = 0.5 * condor.credit * tally.mult
    entry = PairedDiff(diff=tally.entry_sum / tally.n, se=tally.entry_se())
    # the ratios use the same estimates the table prints (control-variate ones where they apply), so "+5 ± 146
    # vs leg out" is never shown as "-2% of the entry EV" from the plain means
    r1 = _ratio_of(vs["alvh"], entry, tally.unit_corr("alvh", "entry"))
    r2 = _ratio_of(vs["alvh"], vs["hold"], tally.unit_corr("alvh", "hold"))
    claims = SeedClaims(
        tested_wing=wing,
        alvh_minus_leg_out=vs["alvh"],
        entry_ev=entry,
        pct_of_entry_ev=None if r1 is None else 100 * r1[0],
        pct_of_entry_ev_se=None if r1 is None else 100 * r1[1],
        tested_wing_credit=wing_credit,
        pct_of_tested_wing_credit=100 * vs["alvh"].diff / wing_credit,
        pct_of_tested_wing_credit_se=100 * vs["alvh"].se / wing_credit,
        pct_of_hold_edge=None if r2 is None else 100 * r2[0],
        pct_of_hold_edge_se=None if r2 is None else 100 * r2[1],
        summary=_claims_summary(vs["alvh"], entry.diff, r1, wing_credit),
    )
    hedges = []
    if specs:
        for w, sp in specs.items():
            if w == "call" and not policy.hedge_call_wing:
                continue
            strikes = "" if sp.strikes is None else " " + "/".join(f"{k:g}" for k in sp.strikes if k is not None)
            layers = "+".join(str(sp.layer_contracts(sh)) for _, sh in policy.layers())
            hedges.append(f"{w} wing (static): {'short ' if sp.direction < 0 else ''}{sp.kind}{strikes} expiring in "
                          f"t={sp.expiry_t:.3f}y on the paths' clock, layers of {layers} contracts")
    elif initial_hedge.hedged:
        ih = initial_hedge
        hedges.append(f"{ih.wing} wing: starts from `alvh hedge`'s plan, {ih.contracts} x {ih.name} exp {ih.hedge_expiry}"
                      + (" put on today" if ih.trigger_hit else f" ({ih.reason}; added when crossed)")
                      + "; later layers sized and struck on the path when their triggers are crossed")
    else:
        hedges.append(f"{initial_hedge.wing} wing: {initial_hedge.reason.split(';')[0]}")
    if held_note:
        hedges.append(held_note)
    close_model = tally.close_model
    close_smile = analyze(condor, market).close_cost
    hedge_market = float(plans[main].unit_price) if main in plans else None
    spec_main = specs.get(main) if specs and main else (plans[main] if main in plans else None)
    today = Today(
        market_buyback=close_smile, model_buyback=close_model, buyback_error_pct=_pct(close_model, close_smile),
        hedge_instrument=None if spec_main is None else (
            spec_main.kind + ("" if spec_main.strikes is None else
                              " " + "/".join(f"{k:g}" for k in spec_main.strikes if k is not None))),
        market_hedge=hedge_market, model_hedge=hedge_model,
        hedge_error_pct=None if hedge_market is None or hedge_model is None else _pct(hedge_model, hedge_market),
        calibration=None if fit is None else fit.rows, calibrated=None if fit is None else fit.ok,
        calibration_method=None if fit is None else fit.method,
    )
    assumptions = Assumptions(
        close_cost_model=close_model, close_cost_smile=close_smile, calibration=today.line(),
        position=condor.describe(), asof=market.asof, expiry=condor.expiry, horizon_days=dte,
        spot=market.spot, vix=market.vix, model=model_name, params=params_txt,
        n_paths=tally.n, seed=seed if simulated else None,
        premia=premia, costs=cost_model.describe(), policy=policy.describe(),
        take_profit_stop=REGISTRY["take_profit_stop"].describe(StrategyContext(rule=rule)), hedges=hedges,
        variance_reduction="" if not tally.reduced else (
            "EV and vs-leg-out SEs use control variates with exact means under the paths' law (leg settlements, "
            "SPX at expiry, delta-hedge gains and variance innovations while each position is held); "
            "se_plain in --json is the plain SE"),
    )
    out = Comparison(strategies=strategies, vs_leg_out=vs, seed_claims=claims, assumptions=assumptions, today=today)
    out._pnls = tally.joined_pnl()  # for the distribution chart (float32: 4 bytes a path and strategy)
    return out
