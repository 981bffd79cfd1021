"""Historical replay: open a condor on every entry day, walk it on real closes, manage it five ways.

``backtest(history, config) -> BacktestReport``. Steps (all vectorised across trades):

1. ``entry_schedule``: entry days and monthly expiries (see :mod:`alvh_core.history.schedule`).
2. Strikes: short put/call at ``short_delta`` on that day's smile (:mod:`alvh_core.history.surface`),
   rounded to 5 points; long strikes ``width`` points further out (or ``width_pct`` % of spot).
3. ``HistoricalPaths`` (one row per trade, entry to expiry) prices the legs and the VIX hedge daily.
4. Trigger: the first day after entry on which a short strike's |delta| >= ``trigger``.
5. The five policies of :mod:`alvh_core.history.policies`, with costs (``CostModel``).
6. Statistics: mean P&L per trade with a circular block bootstrap interval (blocks of consecutive
   entries, so overlapping trades stay together), drawdown of the realised equity curve, win rate,
   ALVH's extra P&L against legging out, splits by crisis period and VIX regime at entry.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.costs import DEFAULT_COSTS, CostModel
from alvh_core.history import policies, surface
from alvh_core.history.data import DailyHistory
from alvh_core.history.paths import HistoricalPaths
from alvh_core.history.policies import STRATEGIES, CondorBook, VixHedgeQuotes
from alvh_core.history.schedule import entry_schedule, vx_rule_expiry
from alvh_core.history.stats import bootstrap_mean_ci, default_block_length, max_drawdown

#: Crisis periods (inclusive entry-date ranges) for the split by period.
CRISES: dict[str, tuple[dt.date, dt.date]] = {
    "1998": (dt.date(1998, 1, 1), dt.date(1998, 12, 31)),
    "2001-02": (dt.date(2001, 1, 1), dt.date(2002, 12, 31)),
    "2008": (dt.date(2008, 1, 1), dt.date(2008, 12, 31)),
    "2011": (dt.date(2011, 1, 1), dt.date(2011, 12, 31)),
    "2015": (dt.date(2015, 1, 1), dt.date(2015, 12, 31)),
    "2018": (dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
}
#: VIX-at-entry regimes (vol points): label -> [low, high).
REGIMES: dict[str, tuple[float, float]] = {
    "VIX<15": (0.0, 15.0), "VIX 15-20": (15.0, 20.0), "VIX 20-30": (20.0, 30.0), "VIX>30": (30.0, np.inf),
}


class BacktestConfig(BaseModel):
    """Rules of the replay. Deltas are absolute (0.16 = 16-delta); widths in SPX points."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date | None = None
    end: dt.date | None = None
    entry_dte: int = Field(45, ge=7, le=365, description="calendar days to the target expiry at entry")
    entry_every: int | None = Field(None, ge=1, description="enter every N trading days (None: monthly, "
                                    "first trading day after each monthly expiry)")
    short_delta: float = Field(0.16, gt=0.01, lt=0.5)
    width: float = Field(50.0, gt=0, description="long strike distance from the short strike, points")
    width_pct: float | None = Field(None, gt=0, lt=50, description="width as % of spot (overrides width)")
    trigger: float = Field(0.30, gt=0.0, lt=1.0, description="short |delta| at which a wing is tested")
    take_profit: float = Field(0.5, gt=0, description="take_profit_stop: close at this fraction of credit won")
    stop_loss: float = Field(2.0, gt=0, description="take_profit_stop: close at this multiple of credit lost")
    exit_dte: int = Field(21, ge=0, description="take_profit_stop (fast engine only): close with this many "
                          "calendar days left")
    hedge_ratio: float = Field(1.0, gt=0, description="ALVH: share of the condor delta offset by VIX calls")
    max_hedge_debit: float = Field(1.0, gt=0, description="ALVH: hedge debit cap, multiple of entry credit")
    layer_take_profit: float = Field(3.0, gt=1, description="ALVH: sell a layer at this multiple of its cost")
    rate: float = Field(0.03, ge=-0.05, le=0.25, description="constant rate (no rate history in the files)")
    div: float = Field(0.018, ge=0, le=0.2, description="constant SPX dividend yield")
    costs: bool = True
    condors: int = Field(10, ge=1, le=1000, description="shared engine: condors per trade (hedge layers are "
                         "whole contracts); results are reported per condor")
    n_boot: int = Field(2000, ge=100, le=100_000)
    block: int | None = Field(None, ge=1, description="bootstrap block length in trades (None: automatic)")
    seed: int = 7
    engine: Literal["auto", "shared", "fast"] = Field(
        "auto", description="shared: alvh_core.strategies (the code of `alvh compare`) applied at each trigger "
        "day; fast: the vectorised history policies (whole-life take-profit/stop with a DTE exit, own ALVH); "
        "auto: shared when alvh_core.hedge (hedge sizing) is installed, else fast")

    @model_validator(mode="after")
    def _check(self) -> BacktestConfig:
        if self.trigger <= self.short_delta:
            raise ValueError(f"trigger {self.trigger:g} must be above the short delta {self.short_delta:g} "
                             "(otherwise every trade is tested on day one)")
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    def cost_model(self) -> CostModel:
        return DEFAULT_COSTS if self.costs else CostModel.zero()


class StrategyStats(BaseModel):
    """One strategy over all trades; dollars per condor."""

    mean: float
    se: float
    ci_low: float
    ci_high: float
    total: float
    max_drawdown: float
    win_rate: float
    worst: float
    best: float
    mean_costs: float
    mean_fills: float


class DiffStats(BaseModel):
    """Paired difference (strategy - leg_out) per trade, dollars, block-bootstrap interval."""

    mean: float
    se: float
    ci_low: float
    ci_high: float


class ClaimStats(BaseModel):
    """The method's two claimed quantities, measured on the tested (triggered) trades.

    As in ``alvh_core.edge.SeedClaims`` but realised: ``extra_ev`` is the mean of (ALVH - leg out) P&L per
    tested trade; ``entry_ev`` the mean P&L of the tested trades held to expiry before costs (credit -
    settlement), ``pct_of_entry_ev`` None when it is <= 0; ``tested_wing_credit`` the mean entry credit of
    the tested vertical (recorded, not half the credit). ``hedge_value_put_side``: mean (ALVH - hold) on
    put-side tests, i.e. what the VIX layers themselves added (``hedge_value_call_side`` the same on call-side
    tests: 0 for the fast engine, which holds them). Dollars per condor; CIs by block bootstrap.
    """

    n_triggered: int
    n_put_side: int
    extra_ev: float
    extra_ev_ci: tuple[float, float]
    entry_ev: float
    pct_of_entry_ev: float | None
    tested_wing_credit: float
    pct_of_tested_wing_credit: float | None
    hedge_value_put_side: float | None
    hedge_value_put_side_ci: tuple[float, float] | None
    hedge_value_call_side: float | None = None
    hedge_value_call_side_ci: tuple[float, float] | None = None


class GroupRow(BaseModel):
    group: str
    n: int
    n_triggered: int
    mean: dict[str, float]
    alvh_minus_leg_out: float


class InputSources(BaseModel):
    """Which pricing inputs were real and which modelled (see alvh_core.history.surface)."""

    days: int = Field(description="distinct trading days priced")
    spx_term_real_days: int = Field(description="days with VIX9D or VIX3M (real term structure)")
    spx_term_model_days: int
    skew_real_days: int = Field(description="days with SKEW (real smile slope)")
    skew_model_days: int
    hedge_days: int = Field(description="distinct days on which an ALVH hedge was priced")
    vx_settle_days: int = Field(description="hedge days priced on the real VX settle of the contract")
    vx_close_days: int = Field(description="hedge days on the real VX close (no settle in the file)")
    vx_model_days: int = Field(description="hedge days on the model VX curve")
    vvix_real_days: int
    vvix_model_days: int


class TradeRecord(BaseModel):
    entry: dt.date
    expiry: dt.date
    spot: float
    vix: float
    strikes: tuple[float, float, float, float]
    credit: float = Field(description="entry credit at mid, points")
    trigger: dt.date | None
    tested: str | None
    hedge_contracts: float = Field(description="ALVH VIX calls per layer per condor")
    pnl: dict[str, float]


class BacktestReport(BaseModel):
    """Everything ``alvh backtest`` prints; dollars per condor (multiplier 100, one condor a trade)."""

    config: BacktestConfig
    engine: str = Field(description="the engine used: shared (alvh_core.strategies) or fast (history policies)")
    data_source: str
    data_start: dt.date
    data_end: dt.date
    n_trades: int
    n_triggered: int
    block_length: int
    strategies: dict[str, StrategyStats]
    vs_leg_out: dict[str, DiffStats]
    claims: ClaimStats
    by_period: list[GroupRow]
    by_regime: list[GroupRow]
    inputs: InputSources
    assumptions: list[str]
    trades: list[TradeRecord]
    equity_dates: list[dt.date] = Field(default_factory=list, exclude=True)
    equity: dict[str, list[float]] = Field(default_factory=dict, exclude=True)


# ----- strikes ---------------------------------------------------------------------------------


def strike_for_delta(is_call: bool, spot: np.ndarray, tau: np.ndarray, vix: np.ndarray, vix9d: np.ndarray,
                     vix3m: np.ndarray, skew: np.ndarray, delta: float, rate: float, div: float) -> np.ndarray:
    """Strike (N,) whose BSM |delta| on the day's surface is ``delta`` (indices in vol points, NaN = absent),
    unrounded: THE SPX surface's ``strike_for_delta`` (alvh_core.market.surface)."""
    return surface.day_strike_for_delta(is_call, spot, tau, vix, vix9d, vix3m, skew, delta, rate, div)


def _round5(x: np.ndarray) -> np.ndarray:
    return np.maximum(5.0, 5.0 * np.round(x / 5.0))


# ----- replay ----------------------------------------------------------------------------------


def _group_rows(labels: np.ndarray, order: list[str], pnl: dict[str, np.ndarray], trig: np.ndarray) -> list[GroupRow]:
    rows = []
    for g in order:
        m = labels == g
        if not m.any():
            continue
        rows.append(GroupRow(
            group=g, n=int(m.sum()), n_triggered=int((m & trig).sum()),
            mean={s: float(pnl[s][m].mean()) for s in STRATEGIES},
            alvh_minus_leg_out=float((pnl["alvh"][m] - pnl["leg_out"][m]).mean()),
        ))
    return rows


def backtest(history: DailyHistory, config: BacktestConfig | None = None) -> BacktestReport:
    """Replay ``history`` under ``config`` (see module docstring). Raises ValueError if no trade fits."""
    cfg = config or BacktestConfig()
    h = history.slice(cfg.start, cfg.end)
    entries, expiry, settle = entry_schedule(h, cfg.entry_dte, cfg.entry_every)
    if entries.size == 0:
        raise ValueError(f"no complete trade in {h.start if len(h) else cfg.start}..{h.end if len(h) else cfg.end}: "
                         f"need at least {cfg.entry_dte} calendar days of data after an entry day")
    costs = cfg.cost_model()
    n = entries.size
    rows = np.arange(n)
    paths = HistoricalPaths(h, entries, settle, rate=cfg.rate, div=cfg.div)
    d0 = h.dates[entries]
    # priced to the settlement day (the third Friday, or the day before when it is a holiday)
    expiry_t = (h.dates[settle] - d0).astype(np.int64) / 365.0
    s0 = h.spx[entries]
    day0 = (h.vix[entries], h.vix9d[entries], h.vix3m[entries], h.skew[entries])
    k_sp = _round5(strike_for_delta(False, s0, expiry_t, *day0, cfg.short_delta, cfg.rate, cfg.div))
    k_sc = _round5(strike_for_delta(True, s0, expiry_t, *day0, cfg.short_delta, cfg.rate, cfg.div))
    k_sp = np.minimum(k_sp, 5.0 * np.floor(s0 / 5.0))
    k_sc = np.maximum(np.maximum(k_sc, k_sp + 5.0), 5.0 * np.ceil(s0 / 5.0))
    width = _round5(s0 * cfg.width_pct / 100.0) if cfg.width_pct else np.full(n, float(cfg.width))
    k_lp = np.maximum(k_sp - width, 1.0)
    k_lc = k_sc + width
    strikes = (k_lp, k_sp, k_sc, k_lc)
    kinds = ("P", "P", "C", "C")
    priced = [paths.spx_option(kind, k, expiry_t) for kind, k in zip(kinds, strikes)]
    price = np.stack([p for p, _ in priced])
    delta = np.stack([d for _, d in priced])
    k_col = settle - entries
    dte = (expiry[:, None] - paths.dates).astype(np.int64)
    trigger, tested_put = policies.find_trigger(delta, k_col, cfg.trigger)
    book = CondorBook(price=price, delta=delta, k=k_col, dte=dte, trigger=trigger, tested_put=tested_put)

    # ALVH hedge: VIX calls on the first VX expiry on or after the condor expiry
    if h.vx_expiries.size:
        pos = np.searchsorted(h.vx_expiries, expiry)
        in_file = pos < h.vx_expiries.size
        vx_exp = np.where(in_file, h.vx_expiries[np.minimum(pos, h.vx_expiries.size - 1)], vx_rule_expiry(expiry))
        # the file's contracts run out in its last months: fall back to the rule if the file's is far later
        rule = vx_rule_expiry(expiry)
        vx_exp = np.where((vx_exp - rule).astype(np.int64) > 7, rule, vx_exp)
    else:
        vx_exp = vx_rule_expiry(expiry)
    hedge_t = (vx_exp - d0).astype(np.int64) / 365.0
    fut, fut_real = paths.vx_future_with_source(hedge_t)
    tc = np.maximum(trigger, 0)
    f_trig = fut[rows, tc]
    lay_k = np.stack([np.maximum(1.0, np.round(f_trig * m)) for m in policies.LAYER_MONEYNESS])
    lay_px = np.stack([paths.vix_option("C", k, hedge_t) for k in lay_k])
    lay_dl = np.stack([paths.vix_option_delta("C", k, hedge_t) for k in lay_k])
    quotes = VixHedgeQuotes(price=lay_px, delta=lay_dl, strike=lay_k, future=fut)

    ledgers = {
        "hold": policies.hold(book, costs),
        "leg_out": policies.leg_out(book, costs),
        "close_tested": policies.close_tested(book, costs),
        "take_profit_stop": policies.take_profit_stop(book, costs, cfg.take_profit, cfg.stop_loss, cfg.exit_dte),
    }
    ledgers["alvh"], n_layer = policies.alvh(book, paths.spot, quotes, costs, cfg.hedge_ratio,
                                             cfg.max_hedge_debit, cfg.layer_take_profit)
    pnl = {s: ledgers[s].total() for s in STRATEGIES}
    exit_col = {s: ledgers[s].exit_col for s in STRATEGIES}
    cost_paid = {s: -ledgers[s].flows["costs"] for s in STRATEGIES}
    fills = {s: ledgers[s].fills for s in STRATEGIES}
    engine_note = ("management by the vectorised history policies (alvh_core.history.policies): "
                   + policies.describe(cfg.take_profit, cfg.stop_loss, cfg.exit_dte))
    engine = cfg.engine
    if engine in ("auto", "shared"):
        try:
            import alvh_core.hedge  # noqa: F401  (hedge sizing for the shared ALVH)
        except ImportError:
            if engine == "shared":
                raise ValueError("engine 'shared' needs alvh_core.hedge (hedge sizing), which is not installed; "
                                 "use engine 'fast' (--engine fast)") from None
            engine = "fast"
            engine_note += " [auto: alvh_core.hedge not installed, so not the shared strategies]"
        else:
            engine = "shared"
    if engine == "shared":
        from alvh_core.history.shared import run_shared
        from alvh_core.strategies import TakeProfitStop

        hold_l = ledgers["hold"]
        credit_pts = -(policies.SIGN @ price[:, :, 0])
        run = run_shared(h, entries, settle, np.stack(strikes), credit_pts, trigger, tested_put,
                         pnl["hold"], -hold_l.flows["costs"], costs, cfg.rate, cfg.div, condors=cfg.condors,
                         rule=TakeProfitStop(take_profit=cfg.take_profit, stop_loss=cfg.stop_loss))
        pnl, exit_col, cost_paid, fills, n_layer = run.pnl, run.exit_col, run.costs, run.fills, run.hedge_contracts
        engine_note = ("management by alvh_core.strategies (the code of `alvh compare`) from each trigger day: "
                       f"{run.policy}; take_profit_stop: {run.rule}; untested trades are held by all; a book of "
                       f"{cfg.condors} condors a trade (whole hedge contracts), reported per condor"
                       + (f"; hedge sizing refused {run.n_unsized} tested trades (SPX already past the long "
                          "strike), which ALVH held unhedged" if run.n_unsized else ""))

    # ----- statistics ------------------------------------------------------------------------
    hold_days = float(k_col.mean())
    spacing = float(np.diff(entries).mean()) if n > 1 else 1.0
    block = cfg.block or default_block_length(n, hold_days / max(spacing, 1.0))
    stacked = np.stack([pnl[s] for s in STRATEGIES] + [pnl[s] - pnl["leg_out"] for s in STRATEGIES])
    se, lo, hi = bootstrap_mean_ci(stacked, block, cfg.n_boot, cfg.seed)
    ns = len(STRATEGIES)
    equity: dict[str, list[float]] = {}
    strategies: dict[str, StrategyStats] = {}
    for i, s in enumerate(STRATEGIES):
        daily = np.zeros(len(h))
        np.add.at(daily, entries + exit_col[s], pnl[s])
        eq = np.cumsum(daily)
        equity[s] = eq.tolist()
        strategies[s] = StrategyStats(
            mean=float(pnl[s].mean()), se=float(se[i]), ci_low=float(lo[i]), ci_high=float(hi[i]),
            total=float(pnl[s].sum()), max_drawdown=max_drawdown(eq), win_rate=float((pnl[s] > 0).mean()),
            worst=float(pnl[s].min()), best=float(pnl[s].max()),
            mean_costs=float(cost_paid[s].mean()), mean_fills=float(fills[s].mean()),
        )
    vs_leg_out = {s: DiffStats(mean=float(stacked[ns + i].mean()), se=float(se[ns + i]), ci_low=float(lo[ns + i]),
                               ci_high=float(hi[ns + i])) for i, s in enumerate(STRATEGIES) if s != "leg_out"}

    trig = trigger >= 0
    diff = pnl["alvh"] - pnl["leg_out"]
    hold_flows = ledgers["hold"].flows
    held = hold_flows["credit"] + hold_flows["settlement"]  # held to expiry, before costs
    wing_credit = np.where(tested_put, price[1, rows, 0] - price[0, rows, 0], price[2, rows, 0] - price[3, rows, 0])
    if trig.sum() >= 2:
        tb = default_block_length(int(trig.sum()), 1.0)
        _, c_lo, c_hi = bootstrap_mean_ci(diff[trig], cfg.block or tb, cfg.n_boot, cfg.seed)
    else:
        c_lo = c_hi = float("nan")
    extra = float(diff[trig].mean()) if trig.any() else 0.0
    entry_ev = float(held[trig].mean()) if trig.any() else 0.0
    def layers_value(mask: np.ndarray) -> tuple[float | None, tuple[float, float] | None]:
        if mask.sum() < 2:
            return None, None
        hdiff = (pnl["alvh"] - pnl["hold"])[mask]
        _, h_lo, h_hi = bootstrap_mean_ci(hdiff, cfg.block or default_block_length(hdiff.size, 1.0), cfg.n_boot, cfg.seed)
        return float(hdiff.mean()), (float(h_lo), float(h_hi))

    hv, hv_ci = layers_value(trig & tested_put)
    hc, hc_ci = layers_value(trig & ~tested_put)
    twc = float(wing_credit[trig].mean() * policies.MULT) if trig.any() else 0.0
    claims = ClaimStats(
        n_triggered=int(trig.sum()), n_put_side=int((trig & tested_put).sum()), extra_ev=extra,
        extra_ev_ci=(float(c_lo), float(c_hi)), entry_ev=entry_ev,
        pct_of_entry_ev=100.0 * extra / entry_ev if entry_ev > 0 else None,
        tested_wing_credit=twc, pct_of_tested_wing_credit=100.0 * extra / twc if twc > 0 else None,
        hedge_value_put_side=hv, hedge_value_put_side_ci=hv_ci, hedge_value_call_side=hc, hedge_value_call_side_ci=hc_ci,
    )

    entry_dates = d0.astype(dt.date)
    period = np.array(["other"] * n, dtype=object)
    for name, (a, b) in CRISES.items():
        period[(d0 >= np.datetime64(a)) & (d0 <= np.datetime64(b))] = name
    vix0 = h.vix[entries]
    regime = np.empty(n, dtype=object)
    for name, (a, b) in REGIMES.items():
        regime[(vix0 >= a) & (vix0 < b)] = name

    # ----- input provenance (distinct days) ---------------------------------------------------
    days_used = np.unique(paths.idx[paths.alive])
    term_real = np.isfinite(h.vix9d[days_used]) | np.isfinite(h.vix3m[days_used])
    skew_real = np.isfinite(h.skew[days_used])
    hedged = (trig & tested_put)[:, None] & (np.arange(paths.shape[1])[None, :] >= tc[:, None]) & paths.alive
    hedge_days = np.unique(paths.idx[hedged])
    real_cells = hedged & fut_real
    if h.vx_expiries.size:
        col = np.minimum(np.searchsorted(h.vx_expiries, vx_exp), h.vx_expiries.size - 1)
        settle_flag = h.vx_is_settle[paths.idx, col[:, None]] & real_cells
    else:
        settle_flag = np.zeros_like(real_cells)
    settle_days = np.unique(paths.idx[settle_flag])
    real_days = np.unique(paths.idx[real_cells])
    close_days = np.setdiff1d(real_days, settle_days)
    vvix_real = np.isfinite(h.vvix[hedge_days])
    inputs = InputSources(
        days=int(days_used.size), spx_term_real_days=int(term_real.sum()), spx_term_model_days=int((~term_real).sum()),
        skew_real_days=int(skew_real.sum()), skew_model_days=int((~skew_real).sum()),
        hedge_days=int(hedge_days.size), vx_settle_days=int(settle_days.size), vx_close_days=int(close_days.size),
        vx_model_days=int(hedge_days.size - real_days.size),
        vvix_real_days=int(vvix_real.sum()), vvix_model_days=int((~vvix_real).sum()),
    )

    tdates = paths.dates
    trades = [
        TradeRecord(
            entry=entry_dates[i], expiry=expiry[i].astype(dt.date), spot=float(s0[i]), vix=float(vix0[i]),
            strikes=(float(k_lp[i]), float(k_sp[i]), float(k_sc[i]), float(k_lc[i])),
            credit=float(-(policies.SIGN @ price[:, i, 0])),
            trigger=tdates[i, trigger[i]].astype(dt.date) if trigger[i] >= 0 else None,
            tested=("put" if tested_put[i] else "call") if trigger[i] >= 0 else None,
            hedge_contracts=float(n_layer[i]),
            pnl={s: float(pnl[s][i]) for s in STRATEGIES},
        )
        for i in range(n)
    ]
    assumptions = [
        engine_note,
        f"one condor per entry ({'monthly, first trading day after the monthly expiry' if cfg.entry_every is None else f'every {cfg.entry_every} trading days'}), "
        f"expiry: the monthly nearest {cfg.entry_dte} calendar days ahead, settled on that day's close (not the AM SOQ)",
        f"short strikes at {cfg.short_delta:g} delta on the day's smile, rounded to 5 points; wings "
        + (f"{cfg.width_pct:g}% of spot" if cfg.width_pct else f"{cfg.width:g} points") + " further out",
        f"tested when a short |delta| >= {cfg.trigger:g} on a close after entry; fills at that close's model mid",
        "SPX options: BSM, vol level from VIX (VIX9D/VIX3M term structure where present), slope from SKEW "
        "(Gram-Charlier, S = (100 - SKEW)/10), constant rate "
        f"{cfg.rate:g} and dividend yield {cfg.div:g}",
        "VIX options: Black-76 on the VX contract's settle (else close) where the file has it, else a model "
        "curve; vol from VVIX x (30/days)^0.3, else 0.87",
        f"costs: {costs.describe()}",
        f"mean P&L intervals: circular block bootstrap over entry order, block {block} trades, "
        f"{cfg.n_boot} resamples, seed {cfg.seed}; equity curve books each trade's P&L on its exit day",
        "P&L per single condor in dollars, undiscounted",
    ]
    return BacktestReport(
        config=cfg, engine=engine, data_source=h.source, data_start=h.start, data_end=h.end, n_trades=n, n_triggered=int(trig.sum()),
        block_length=int(block), strategies=strategies, vs_leg_out=vs_leg_out, claims=claims,
        by_period=_group_rows(period, list(CRISES) + ["other"], pnl, trig),
        by_regime=_group_rows(regime, list(REGIMES), pnl, trig),
        inputs=inputs, assumptions=assumptions, trades=trades,
        equity_dates=list(h.dates.astype(dt.date)), equity=equity,
    )
