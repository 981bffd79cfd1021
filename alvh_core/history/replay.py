"""Historical replay: open a condor on every entry day, walk it on real closes, manage it five ways.

``backtest(history, config) -> BacktestReport``. Steps (all vectorised across trades):

1. ``entry_schedule``: entry days and monthly expiries (see :mod:`alvh_core.history.schedule`).
2. Strikes: short put/call at ``short_delta`` on that day's THE SPX surface (:mod:`alvh_core.history.surface`),
   rounded to 5 points; long strikes by default at ``long_delta`` as Cboe's CNDR sets them (or a share of
   spot, ``width_pct``, or fixed points, ``width``).
3. ``HistoricalPaths`` (one row per trade) price the legs and the VIX hedge daily.
4. Trigger: the first close after entry on which a short strike's |delta| >= ``trigger``.
5. Management: the registered strategies (``alvh_core.strategies.REGISTRY``, the code of ``alvh compare``)
   run on every tested trade at once (``CondorOnPaths.batch``, column 0 = the fill day: the trigger's close,
   or the next day's with ``fill_lag=1``); untested trades are held by all.
6. Statistics: mean P&L per trade with a circular block bootstrap interval (blocks of consecutive
   entries, so overlapping trades stay together), drawdown of the realised equity curve, win rate,
   ALVH's extra P&L against legging out, splits by crisis period, VIX regime at entry, VIX at the
   trigger and tested wing.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.costs import DEFAULT_COSTS, CostModel
from alvh_core.history import surface
from alvh_core.history.data import DailyHistory
from alvh_core.history.paths import HistoricalPaths
from alvh_core.history.schedule import entry_schedule, vx_rule_expiry
from alvh_core.history.stats import bootstrap_mean_ci, claims_bootstrap, default_block_length, max_drawdown
from alvh_core.strategies import (
    STRATEGY_NAMES,
    ALVHPolicy,
    CondorOnPaths,
    StrategyContext,
    TakeProfitStop,
    hold,
    run_all,
)

STRATEGIES = STRATEGY_NAMES
SIGN = np.array([1.0, -1.0, -1.0, 1.0])  # long put, short put, short call, long call
MULT = 100.0

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
#: VIX-at-the-trigger buckets for the split of the tested trades.
TRIGGER_REGIMES: dict[str, tuple[float, float]] = {
    "VIX<15": (0.0, 15.0), "VIX 15-25": (15.0, 25.0), "VIX 25-35": (25.0, 35.0), "VIX>35": (35.0, np.inf),
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
    long_delta: float = Field(0.05, gt=0.005, lt=0.5, description="long strikes at this |delta| (CNDR: 0.05), "
                              "the default wing rule")
    width: float | None = Field(None, gt=0, description="long strike distance from the short strike, points "
                                "(overrides long_delta)")
    width_pct: float | None = Field(None, gt=0, lt=50, description="width as % of spot (overrides long_delta)")
    trigger: float = Field(0.30, gt=0.0, lt=1.0, description="short |delta| at which a wing is tested")
    fill_lag: int = Field(0, ge=0, le=1, description="0: manage on the trigger's close; 1: on the next day's close")
    settle: Literal["open", "close"] = Field("open", description="SPX options settle on the expiry day's open "
                                             "(AM settlement, the SOQ approximated by the open) where the data has "
                                             "a reliable open that day, else on its close; or always the close")
    take_profit: float = Field(0.5, gt=0, description="take_profit_stop: close at this fraction of credit won")
    stop_loss: float = Field(2.0, gt=0, description="take_profit_stop: close at this multiple of credit lost")
    stop_from: Literal["entry", "now"] = Field("now", description="take_profit_stop: the stop counts the loss "
                                               "beyond the loss at the trigger (now) or since entry")
    policy: ALVHPolicy = Field(default_factory=ALVHPolicy, description="the ALVH rules")
    rate: float = Field(0.03, ge=-0.05, le=0.25, description="constant rate (no rate history in the files)")
    div: float = Field(0.018, ge=0, le=0.2, description="constant SPX dividend yield")
    costs: bool = True
    condors: int = Field(10, ge=1, le=1000, description="condors per trade (hedge layers are whole contracts); "
                         "results are reported per condor")
    n_boot: int = Field(2000, ge=100, le=100_000)
    block: int | None = Field(None, ge=1, description="bootstrap block length in trades (None: automatic)")
    seed: int = 7

    @model_validator(mode="after")
    def _check(self) -> BacktestConfig:
        if self.trigger <= self.short_delta:
            raise ValueError(f"trigger {self.trigger:g} must be above the short delta {self.short_delta:g} "
                             "(otherwise every trade is tested on day one)")
        if not (self.width or self.width_pct) and self.long_delta >= self.short_delta:
            raise ValueError(f"long delta {self.long_delta:g} must be below the short delta {self.short_delta:g} "
                             "(the long strikes lie further out)")
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
    tests: 0 unless the policy hedges the call wing). ``entry_ev``: the EV at entry, measured at entry: the
    mean of EVERY trade held to expiry (credit - settlement, before costs), since at entry nobody knows which
    trades will be tested. Dollars per condor; CIs by block bootstrap.
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
    pct_of_entry_ev_ci: tuple[float, float] | None = None
    pct_of_tested_wing_credit_ci: tuple[float, float] | None = None


class GroupRow(BaseModel):
    group: str
    n: int
    n_triggered: int
    mean: dict[str, float]
    alvh_minus_leg_out: float
    alvh_minus_leg_out_ci: tuple[float, float] | None = None


class InputSources(BaseModel):
    """Which pricing inputs were real and which modelled (see alvh_core.history.surface)."""

    days: int = Field(description="distinct trading days priced")
    surface_inputs: list[str] = Field(default_factory=lambda: ["VIX"],
                                      description="indices THE SPX surface prices on (history.surface.surface_inputs)")
    spx_term_real_days: int = Field(description="days with VIX9D or VIX3M in the data (they move the SPX vols only "
                                    "if surface_inputs lists them)")
    spx_term_model_days: int
    skew_real_days: int = Field(description="days with SKEW in the data (it moves the SPX vols only if "
                                "surface_inputs lists it; the fitted surface does not)")
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
    hedge_contracts: float = Field(description="ALVH contracts of the first layer, per condor")
    trigger_vix: float | None = None
    held_gross: float = Field(0.0, description="held to expiry from entry before costs: credit - settlement, $")
    tested_wing_credit: float = Field(0.0, description="the tested wing's own entry credit, $ (0 if untested)")
    pnl: dict[str, float]


class BacktestReport(BaseModel):
    """Everything ``alvh backtest`` prints; dollars per condor (multiplier 100, one condor a trade)."""

    config: BacktestConfig
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
    by_trigger_vix: list[GroupRow] = Field(default_factory=list)
    by_wing: list[GroupRow] = Field(default_factory=list)
    day0_exits_take_profit_stop: int = Field(0, description="tested trades that take_profit_stop closed on its "
                                             "first day (those collapse to leg out)")
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


def _diff_ci(x: np.ndarray, cfg: BacktestConfig) -> tuple[float, float] | None:
    """95% block-bootstrap interval of mean(x) (x in entry order), None for fewer than 2 trades."""
    if x.size < 2:
        return None
    _, lo, hi = bootstrap_mean_ci(x, cfg.block or default_block_length(x.size, 1.0), cfg.n_boot, cfg.seed)
    return float(lo), float(hi)


def _group_rows(labels: np.ndarray, order: list[str], pnl: dict[str, np.ndarray], trig: np.ndarray,
                cfg: BacktestConfig) -> list[GroupRow]:
    rows = []
    for g in order:
        m = labels == g
        if not m.any():
            continue
        d = (pnl["alvh"] - pnl["leg_out"])[m]
        rows.append(GroupRow(
            group=g, n=int(m.sum()), n_triggered=int((m & trig).sum()),
            mean={s: float(pnl[s][m].mean()) for s in STRATEGIES},
            alvh_minus_leg_out=float(d.mean()), alvh_minus_leg_out_ci=_diff_ci(d, cfg),
        ))
    return rows


def find_trigger(delta: np.ndarray, k: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """First column j in [1, k-1] with |short put delta| or |short call delta| >= threshold.

    ``delta`` (4, N, T+1) leg deltas; ``k`` (N,) expiry columns. Returns (trigger (N,), -1 if none;
    tested_put (N,) bool)."""
    n, t1 = delta.shape[1:]
    j = np.arange(t1)[None, :]
    window = (j >= 1) & (j < k[:, None])
    dp, dc = np.abs(delta[1]), np.abs(delta[2])
    hit = window & ((dp >= threshold) | (dc >= threshold))
    any_hit = hit.any(axis=1)
    col = np.where(any_hit, hit.argmax(axis=1), -1)
    c = np.maximum(col, 0)
    tested_put = dp[np.arange(n), c] >= dc[np.arange(n), c]
    return col, tested_put & any_hit


def hedge_expiry_dates(h: DailyHistory, expiry: np.ndarray) -> np.ndarray:
    """(N,) the VX expiry the hedge uses for each condor expiry: the first in the file on or after it (the rule
    date when the file has none close by)."""
    rule = vx_rule_expiry(expiry)
    if not h.vx_expiries.size:
        return rule
    pos = np.searchsorted(h.vx_expiries, expiry)
    in_file = pos < h.vx_expiries.size
    vx_exp = np.where(in_file, h.vx_expiries[np.minimum(pos, h.vx_expiries.size - 1)], rule)
    # the file's contracts run out in its last months: fall back to the rule if the file's is far later
    return np.where((vx_exp - rule).astype(np.int64) > 7, rule, vx_exp)


def _betas_note(h: DailyHistory) -> str:
    """The regime betas measured on this data span, beside the shipped ones the hedge sizing uses."""
    from alvh_core.hedge import BETA_REGIME_DOWN, VIX_REGIME_LABELS, measure_betas

    b = measure_betas(h.spx, h.vix)
    got = " / ".join(f"{lab} {b['down'][lab]:.2f}" for lab in VIX_REGIME_LABELS)
    ship = " / ".join(f"{x:g}" for x in BETA_REGIME_DOWN)
    return (f"beta of dlnVIX on SPX log returns, down days, measured on {h.start}..{h.end}: {got} (pooled "
            f"{b['down']['all']:.2f}; up days pooled {b['up']['all']:.2f}); hedge sizing uses the 1990-2018 "
            f"betas {ship}")


def backtest(history: DailyHistory, config: BacktestConfig | None = None, progress=None) -> BacktestReport:
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
    q = cfg.condors
    am = cfg.settle == "open"
    paths = HistoricalPaths(h, entries, settle, rate=cfg.rate, div=cfg.div, settle_on_open=am)
    d0 = h.dates[entries]
    # priced to the settlement day (the third Friday, or the day before when it is a holiday)
    expiry_t = (h.dates[settle] - d0).astype(np.int64) / 365.0
    s0 = h.spx[entries]
    day0 = (h.vix[entries], h.vix9d[entries], h.vix3m[entries], h.skew[entries])
    k_sp = _round5(strike_for_delta(False, s0, expiry_t, *day0, cfg.short_delta, cfg.rate, cfg.div))
    k_sc = _round5(strike_for_delta(True, s0, expiry_t, *day0, cfg.short_delta, cfg.rate, cfg.div))
    k_sp = np.minimum(k_sp, 5.0 * np.floor(s0 / 5.0))
    k_sc = np.maximum(np.maximum(k_sc, k_sp + 5.0), 5.0 * np.ceil(s0 / 5.0))
    if cfg.width_pct or cfg.width:
        width = _round5(s0 * cfg.width_pct / 100.0) if cfg.width_pct else np.full(n, float(cfg.width))
        k_lp = np.maximum(k_sp - width, 1.0)
        k_lc = k_sc + width
    else:  # CNDR: long wings by delta
        k_lp = np.minimum(_round5(strike_for_delta(False, s0, expiry_t, *day0, cfg.long_delta, cfg.rate,
                                                   cfg.div)), k_sp - 5.0)
        k_lp = np.maximum(k_lp, 1.0)
        k_lc = np.maximum(_round5(strike_for_delta(True, s0, expiry_t, *day0, cfg.long_delta, cfg.rate,
                                                   cfg.div)), k_sc + 5.0)
    strikes = np.stack([k_lp, k_sp, k_sc, k_lc])
    # the book from entry: credit, entry costs, the trigger, and the held-to-expiry P&L of every trade
    cp0 = CondorOnPaths.batch(paths, strikes, expiry_t, np.zeros(n), q, cfg.div)
    price = cp0.price
    credit = -(SIGN @ price[:, :, 0])
    cp0.credit = credit
    entry_costs = sum(costs.spx_option(price[i, :, 0], 1.0) for i in range(4))
    k_col = cp0.k_rows
    trigger, tested_put = find_trigger(cp0.delta, k_col, cfg.trigger)
    trig = trigger >= 0
    held0 = hold(cp0, costs)
    pnl0 = held0.pnl / q - entry_costs
    pnl = {s: pnl0.copy() for s in STRATEGIES}
    exit_col = {s: k_col.copy() for s in STRATEGIES}
    cost_paid = {s: entry_costs - held0.ledger.flows.get("costs", np.zeros(n)) / q for s in STRATEGIES}
    fills = {s: np.full(n, 4.0) for s in STRATEGIES}
    hedge_q = np.zeros(n)
    vx_exp = hedge_expiry_dates(h, expiry)
    day0_exits = 0
    trigger_vix = np.full(n, np.nan)
    it = np.flatnonzero(trig)
    if it.size:
        fill = np.minimum(trigger[it] + cfg.fill_lag, k_col[it] - 1)
        start = entries[it] + fill
        trigger_vix[it] = h.vix[entries[it] + trigger[it]]
        p1 = HistoricalPaths(h, start, settle[it], rate=cfg.rate, div=cfg.div, settle_on_open=am)
        t_exp = (h.dates[settle[it]] - h.dates[start]).astype(np.int64) / 365.0
        hedge_t = (vx_exp[it] - h.dates[start]).astype(np.int64) / 365.0
        cp1 = CondorOnPaths.batch(p1, strikes[:, it], t_exp, credit[it], q, cfg.div)
        rule = TakeProfitStop(take_profit=cfg.take_profit, stop_loss=cfg.stop_loss, stop_from=cfg.stop_from)
        res = run_all(cp1, costs, StrategyContext(policy=cfg.policy, rule=rule, hedge_t=hedge_t))
        to_entry = np.exp(-cfg.rate * (h.dates[start] - d0[it]).astype(np.int64) / 365.0)  # discount to entry
        for s, r in res.items():
            pnl[s][it] = r.pnl * to_entry / q - entry_costs[it]
            cost_paid[s][it] = entry_costs[it] - r.ledger.flows.get("costs", np.zeros(it.size)) * to_entry / q
            fills[s][it] = 4.0 + r.ledger.fills / q
        exit_col["leg_out"][it] = fill
        tp = res["take_profit_stop"].extra
        ex = np.asarray(tp["exited"])
        exit_col["take_profit_stop"][it] = np.where(ex, fill + np.asarray(tp["exit_day"]), k_col[it])
        day0_exits = int((ex & (np.asarray(tp["exit_day"]) == 0)).sum())
        for e in res["alvh"].extra["events"]:
            if e["layer"] == 0:
                first = hedge_q[it[e["rows"]]] == 0
                hedge_q[it[e["rows"]][first]] = e["contracts"][first] / q
    if progress is not None:
        progress(1, 1)
    policy_note = ("management by alvh_core.strategies (the registry `alvh compare` runs), all tested trades at "
                   f"once from the {'trigger day' if cfg.fill_lag == 0 else 'day after the trigger'}: "
                   f"{cfg.policy.describe()}; take_profit_stop: take profit at {cfg.take_profit:g} x credit, stop at "
                   f"{cfg.stop_loss:g} x credit lost {'beyond the loss at the trigger' if cfg.stop_from == 'now' else 'since entry'}; "
                   f"untested trades are held by all; a book of {q} condors a trade (whole hedge contracts), "
                   "reported per condor")

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

    diff = pnl["alvh"] - pnl["leg_out"]
    hold_flows = held0.ledger.flows
    held = (hold_flows["credit"] + hold_flows["settlement"]) / q  # every trade held to expiry, before costs
    wing_credit = np.where(tested_put, price[1, rows, 0] - price[0, rows, 0], price[2, rows, 0] - price[3, rows, 0])
    c_ci = _diff_ci(diff[trig], cfg) or (float("nan"), float("nan"))
    extra = float(diff[trig].mean()) if trig.any() else 0.0
    entry_ev = float(held.mean())

    def layers_value(mask: np.ndarray) -> tuple[float | None, tuple[float, float] | None]:
        if mask.sum() < 2:
            return None, None
        hdiff = (pnl["alvh"] - pnl["hold"])[mask]
        return float(hdiff.mean()), _diff_ci(hdiff, cfg)

    hv, hv_ci = layers_value(trig & tested_put)
    hc, hc_ci = layers_value(trig & ~tested_put)
    twc = float(wing_credit[trig].mean() * MULT) if trig.any() else 0.0
    cb = claims_bootstrap(diff, pnl["alvh"] - pnl["hold"], trig, held, np.where(trig, wing_credit * MULT, 0.0),
                          block, cfg.n_boot, cfg.seed)
    claims = ClaimStats(
        n_triggered=int(trig.sum()), n_put_side=int((trig & tested_put).sum()), extra_ev=extra,
        extra_ev_ci=c_ci, entry_ev=entry_ev, pct_of_entry_ev_ci=cb["pct_entry_ev"][1],
        pct_of_tested_wing_credit_ci=cb["pct_wing_credit"][1],
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
    tregime = np.array(["untested"] * n, dtype=object)
    for name, (a, b) in TRIGGER_REGIMES.items():
        tregime[trig & (trigger_vix >= a) & (trigger_vix < b)] = name
    wing_lab = np.where(trig, np.where(tested_put, "put tested", "call tested"), "untested").astype(object)
    tc = np.maximum(trigger, 0)
    fut_real = paths.vx_future_with_source((vx_exp - d0).astype(np.int64) / 365.0)[1]

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
        days=int(days_used.size), surface_inputs=list(surface.surface_inputs()), spx_term_real_days=int(term_real.sum()), spx_term_model_days=int((~term_real).sum()),
        skew_real_days=int(skew_real.sum()), skew_model_days=int((~skew_real).sum()),
        hedge_days=int(hedge_days.size), vx_settle_days=int(settle_days.size), vx_close_days=int(close_days.size),
        vx_model_days=int(hedge_days.size - real_days.size),
        vvix_real_days=int(vvix_real.sum()), vvix_model_days=int((~vvix_real).sum()),
    )

    tdates = paths.dates
    n_layer = hedge_q
    n_open = int(np.isfinite(h.spx_open[settle]).sum()) if (am and h.spx_open is not None) else 0
    trades = [
        TradeRecord(
            entry=entry_dates[i], expiry=expiry[i].astype(dt.date), spot=float(s0[i]), vix=float(vix0[i]),
            strikes=(float(k_lp[i]), float(k_sp[i]), float(k_sc[i]), float(k_lc[i])),
            credit=float(credit[i]), trigger_vix=None if not trig[i] else float(trigger_vix[i]),
            held_gross=float(held[i]), tested_wing_credit=float(wing_credit[i] * MULT) if trig[i] else 0.0,
            trigger=tdates[i, trigger[i]].astype(dt.date) if trigger[i] >= 0 else None,
            tested=("put" if tested_put[i] else "call") if trigger[i] >= 0 else None,
            hedge_contracts=float(n_layer[i]),
            pnl={s: float(pnl[s][i]) for s in STRATEGIES},
        )
        for i in range(n)
    ]
    assumptions = [
        policy_note,
        f"one condor per entry ({'monthly, first trading day after the monthly expiry' if cfg.entry_every is None else f'every {cfg.entry_every} trading days'}), "
        f"expiry: the monthly nearest {cfg.entry_dte} calendar days ahead, settled "
        + (f"on that day's open (AM settlement ~ the opening print) for {n_open} of {n} trades; on its close for "
           f"the {n - n_open} whose expiry day has no reliable open in the data (before about 2006 the file's "
           "opens copy the previous close)" if am else "on that day's close (not the AM SOQ)"),
        f"short strikes at {cfg.short_delta:g} delta on the day's smile, rounded to 5 points; long strikes "
        + (f"{cfg.width_pct:g}% of spot further out" if cfg.width_pct else f"{cfg.width:g} points further out"
           if cfg.width else f"at {cfg.long_delta:g} delta (as Cboe's CNDR)"),
        f"tested when a short |delta| >= {cfg.trigger:g} on a close after entry; fills at "
        + ("that close's model mid" if cfg.fill_lag == 0 else "the NEXT day's close (model mid)"),
        "SPX options: BSM on THE SPX surface (alvh_core.market.surface, fitted to real SPX quotes; the same "
        f"surface as alvh analyze) from that day's {'/'.join(surface.surface_inputs())}, constant rate "
        f"{cfg.rate:g} and dividend yield {cfg.div:g}",
        "VIX options: Black-76 on the VX contract's settle (else close) where the file has it, else THE VIX futures "
        "curve (alvh_core.market.vix_curve) from that day's VIX/VIX9D/VIX3M; vol from THE VIX option smile by strike "
        "and tenor, scaled by that day's VVIX (else its typical level, 88)",
        f"costs: {costs.describe()}",
        f"mean P&L intervals: circular block bootstrap over entry order, block {block} trades, "
        f"{cfg.n_boot} resamples, seed {cfg.seed}; equity curve books each trade's P&L on its exit day",
        "P&L per single condor in dollars, cash flows discounted to the entry day at the constant rate",
        _betas_note(h),
    ]
    return BacktestReport(
        config=cfg, data_source=h.source, data_start=h.start, data_end=h.end, n_trades=n, n_triggered=int(trig.sum()),
        block_length=int(block), strategies=strategies, vs_leg_out=vs_leg_out, claims=claims,
        by_period=_group_rows(period, list(CRISES) + ["other"], pnl, trig, cfg),
        by_regime=_group_rows(regime, list(REGIMES), pnl, trig, cfg),
        by_trigger_vix=_group_rows(tregime, list(TRIGGER_REGIMES), pnl, trig, cfg),
        by_wing=_group_rows(wing_lab, ["put tested", "call tested"], pnl, trig, cfg),
        day0_exits_take_profit_stop=day0_exits,
        inputs=inputs, assumptions=assumptions, trades=trades,
        equity_dates=list(h.dates.astype(dt.date)), equity=equity,
    )
