"""``alvh tune``: search the ALVH policy space on a training span of the replay, test the best out of sample.

``tune(history, TuneConfig) -> TuneReport``.

1. Every policy of ``policy_grid()`` (triggers and shares, sizing rule, instrument, removal retrace, budget,
   VXTH weights, and issue 17's gates: VIX RSI/MACD, SPX MACD, A/D divergence, the pre-event rule) is replayed on the TRAINING span (default 1990-2010) with the same replay
   (``alvh_core.history.replay.backtest``: the strategy registry on every tested trade at once).
   Objective: the mean per trade of ALVH minus legging out (dollars per condor).
2. Multiple testing: White's (2000) reality check over all policies searched. Statistic
   ``V = max_k sqrt(n) mean(d_k)``, ``d_k`` the per-trade differences of policy k; its null distribution
   from a circular block bootstrap of trades (same resamples for every policy, recentred), p-value = share of
   resamples with ``V* >= V``. A small p-value says the best in-sample difference is more than the luck of
   picking the best of many; a large one says it is not.
3. The best few policies (by training mean) are replayed on the TEST span (default 2011-2018), never used
   to choose them, each with its 95% block-bootstrap interval; the reality check is run again there.
4. The method's two claims, for the default policy and for the tuned one, in and out of sample, each with
   a 95% interval (joint block bootstrap of numerator and denominator): the extra P&L kept over legging out
   as a percent of the entry EV (every trade held to expiry, measured at entry) and as a percent of the
   tested wing's own entry credit.
5. Does a gate help? The tuned policy's other parameters with each gate set (``by_gate``), in and out of sample.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alvh_core.hedge import VIX_REGIME_LABELS, measure_betas
from alvh_core.history.data import DailyHistory
from alvh_core.history.replay import BacktestConfig, BacktestReport, backtest
from alvh_core.history.stats import block_bootstrap_indices, bootstrap_mean_ci, claims_bootstrap
from alvh_core.strategies import ALVHPolicy

#: the gate sets searched (issue 17): none; VIX RSI <= 70 with VIX MACD confirming; SPX MACD confirming; an
#: advance-decline divergence; SPX MACD and A/D together; all three
GATE_SETS: list[dict] = [
    {},
    {"rsi_max": 70.0, "macd_confirm": True},
    {"spx_macd_confirm": True},
    {"ad_divergence": True},
    {"spx_macd_confirm": True, "ad_divergence": True},
    {"rsi_max": 70.0, "macd_confirm": True, "spx_macd_confirm": True, "ad_divergence": True},
]
#: the pre-event rule searched: off, or the first layer at the close before a scheduled FOMC/CPI when |delta| >= 0.25
PRE_EVENT: tuple[float | None, ...] = (None, 0.25)


def policy_grid() -> list[ALVHPolicy]:
    """The policies searched (864): 2 trigger ladders x 3 sizing rules x 2 instruments x 2 removal retraces x
    3 size caps (none, premium <= 0.5 x credit, VXTH weights) x 6 gate sets (``GATE_SETS``) x 2 pre-event rules
    (``PRE_EVENT``)."""
    ladders = [((0.15, 0.25, 0.35), (0.5, 0.25, 0.25)), ((0.30, 0.40, 0.50), (0.5, 0.25, 0.25))]
    caps: list[dict] = [{}, {"budget_share": 0.5}, {"vxth": True}]
    out = []
    for (trig, share), sizing, inst, retrace, cap, gate, pre in itertools.product(
            ladders, ("stress", "dollar_delta", "vega"), ("vix_call_spread", "vx"), (0.10, 0.25), caps, GATE_SETS,
            PRE_EVENT):
        out.append(ALVHPolicy(triggers=trig, shares=share, sizing=sizing, instrument=inst, remove_vix_retrace=retrace,
                              pre_event_delta=pre, **cap, **gate))
    return out


def gate_label(p: ALVHPolicy) -> str:
    """The gates of a policy in a few words ('none' when ungated)."""
    g = []
    if p.rsi_max is not None or p.macd_confirm:
        g.append("VIX RSI/MACD")
    if p.spx_macd_confirm:
        g.append("SPX MACD")
    if p.ad_divergence:
        g.append("A/D divergence")
    if p.pre_event_delta:
        g.append(f"pre-event {p.pre_event_delta:g}")
    return " + ".join(g) or "none"


class ClaimCI(BaseModel):
    """A quantity with its 95% interval."""

    model_config = ConfigDict(frozen=True)

    value: float | None
    ci: tuple[float, float] | None


class SpanResult(BaseModel):
    """One policy on one span: ALVH - leg out per trade (all trades; untested ones add 0) and the claims."""

    model_config = ConfigDict(frozen=True)

    span: str
    n_trades: int
    n_tested: int
    alvh_minus_leg_out: ClaimCI = Field(description="$ per condor per tested trade")
    alvh_minus_hold: ClaimCI = Field(description="what the VIX layers themselves added: ALVH - hold, $ per tested trade")
    pct_of_entry_ev: ClaimCI = Field(description="extra P&L kept / entry EV (every trade held, at entry), %")
    pct_of_tested_wing_credit: ClaimCI = Field(description="extra P&L kept / the tested wing's entry credit, %")


class PolicyRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    policy: str
    policy_json: dict
    train: SpanResult
    test: SpanResult | None = None
    train_vs_ungated: ClaimCI | None = Field(default=None, description="by_gate rows: this gate set minus the same "
                                             "policy ungated, ALVH $ per tested trade (paired), in sample")
    test_vs_ungated: ClaimCI | None = Field(default=None, description="the same out of sample")


def _paired(r: BacktestReport, base: BacktestReport, n_boot: int = 2000, seed: int = 7) -> ClaimCI:
    """Mean over tested trades of ALVH(r) - ALVH(base) (same trades, paired), with its 95% block-bootstrap interval."""
    x = np.array([t.pnl["alvh"] - u.pnl["alvh"] for t, u in zip(r.trades, base.trades) if t.tested is not None])
    if x.size < 2:
        return ClaimCI(value=float(x.mean()) if x.size else None, ci=None)
    _, lo, hi = bootstrap_mean_ci(x, min(r.block_length, x.size), n_boot, seed)
    return ClaimCI(value=float(x.mean()), ci=(float(lo), float(hi)))


class TuneReport(BaseModel):
    """JSON keys: ``train``, ``test``, ``n_policies``, ``reality_check_p_train``, ``reality_check_p_test``,
    ``default``, ``best`` (ranked, the first is the tuned policy), ``method``."""

    train: str
    test: str
    n_policies: int
    reality_check_p_train: float
    reality_check_p_test: float
    layers_reality_check_p_train: float = Field(description="the same check for ALVH - hold (what the VIX layers "
                                                "themselves add), over all policies in sample")
    default: PolicyRow
    best: list[PolicyRow]
    by_gate: list[PolicyRow] = Field(default_factory=list, description="the tuned policy's other parameters with "
                                     "each gate set (GATE_SETS x PRE_EVENT), in and out of sample: does a gate help?")
    method: list[str]


def span_result(r: BacktestReport, label: str, n_boot: int = 2000, seed: int = 7) -> SpanResult:
    """The ALVH-vs-leg-out numbers of one replay, each with a 95% block-bootstrap interval."""
    d = np.array([t.pnl["alvh"] - t.pnl["leg_out"] for t in r.trades])
    dh = np.array([t.pnl["alvh"] - t.pnl["hold"] for t in r.trades])
    tested = np.array([t.tested is not None for t in r.trades])
    held = np.array([t.held_gross for t in r.trades])
    wing = np.array([t.tested_wing_credit for t in r.trades])
    c = claims_bootstrap(d, dh, tested, held, wing, r.block_length, n_boot, seed)
    return SpanResult(
        span=label, n_trades=d.size, n_tested=int(tested.sum()),
        alvh_minus_leg_out=ClaimCI(value=c["extra"][0], ci=c["extra"][1]),
        alvh_minus_hold=ClaimCI(value=c["layers"][0], ci=c["layers"][1]),
        pct_of_entry_ev=ClaimCI(value=c["pct_entry_ev"][0], ci=c["pct_entry_ev"][1]),
        pct_of_tested_wing_credit=ClaimCI(value=c["pct_wing_credit"][0], ci=c["pct_wing_credit"][1]),
    )


def reality_check(d: np.ndarray, block: int, n_boot: int = 2000, seed: int = 11) -> float:
    """White's reality check p-value for H0 "no policy beats legging out": ``d`` (K, n) per-trade differences."""
    k, n = d.shape
    if n < 2:
        return float("nan")
    m = d.mean(axis=1)
    v = np.sqrt(n) * m.max()
    idx = block_bootstrap_indices(n, min(block, n), n_boot, np.random.default_rng(seed))
    # resample means of every policy as one product: counts (B, n) of each trade in each resample
    counts = np.zeros((idx.shape[0], n))
    np.add.at(counts, (np.arange(idx.shape[0])[:, None], idx), 1.0)
    vb = np.sqrt(n) * (d @ counts.T / idx.shape[1] - m[:, None]).max(axis=0)
    return float((vb >= v).mean())


def _span(text: str) -> tuple[dt.date, dt.date]:
    a, b = text.split(":")
    return dt.date.fromisoformat(a), dt.date.fromisoformat(b)


def tune(history: DailyHistory, train: str = "1990-01-01:2010-12-31", test: str = "2011-01-01:2018-12-31",
         policies: list[ALVHPolicy] | None = None, top: int = 5, base: BacktestConfig | None = None,
         progress: Callable[[int, int, str], None] | None = None) -> TuneReport:
    """Search ``policies`` (default ``policy_grid()``) on ``train``, report the best ``top`` on ``test``."""
    (a, b), (c, e) = _span(train), _span(test)
    if not a < b or not c < e:
        raise ValueError(f"spans {train} / {test} must each run forward (A:B with A before B)")
    if b >= c:
        raise ValueError(f"the test span {test} must start after the training span {train} ends (out of sample)")
    base = base or BacktestConfig()
    # the hedge's regime betas are measured on the training span only: the test span informs nothing
    tr = history.slice(a, b)
    mb = measure_betas(tr.spx, tr.vix)
    d4, u4 = ([round(mb[side][lab], 2) for lab in VIX_REGIME_LABELS] for side in ("down", "up"))
    betas = ((d4[0], d4[1], d4[2], d4[3]), (u4[0], u4[1], u4[2], u4[3]))
    grid = [p.model_copy(update={"regime_betas": betas}) for p in (policies or policy_grid())]
    default = ALVHPolicy(regime_betas=betas)

    def run(policy: ALVHPolicy, lo: dt.date, hi: dt.date) -> BacktestReport:
        return backtest(history, base.model_copy(update={"policy": policy, "start": lo, "end": hi, "n_boot": 100}))

    diffs, hdiffs, reports = [], [], []
    for i, pol in enumerate(grid):
        r = run(pol, a, b)
        reports.append(r)
        diffs.append([t.pnl["alvh"] - t.pnl["leg_out"] for t in r.trades])
        hdiffs.append([t.pnl["alvh"] - t.pnl["hold"] for t in r.trades])
        if progress:
            progress(i + 1, len(grid), f"train {train}: {pol.describe()[:70]}")
    d = np.array(diffs)
    block = reports[0].block_length
    p_train = reality_check(d, block)
    p_layers = reality_check(np.array(hdiffs), block)
    order = np.argsort(-d.mean(axis=1), kind="stable")[:top]
    best, test_d = [], []
    for rank, k in enumerate(order, 1):
        rt = run(grid[k], c, e)
        test_d.append([t.pnl["alvh"] - t.pnl["leg_out"] for t in rt.trades])
        best.append(PolicyRow(rank=rank, policy=grid[k].describe(), policy_json=grid[k].model_dump(),
                              train=span_result(reports[k], f"train {train}"), test=span_result(rt, f"test {test}")))
        if progress:
            progress(rank, len(order), f"test {test}: policy #{rank}")
    p_test = reality_check(np.array(test_d), rt.block_length) if test_d else float("nan")
    # each gate set on the tuned policy's other parameters (train results already replayed; test replayed now)
    gate_keys = ("rsi_max", "macd_confirm", "spx_macd_confirm", "ad_divergence", "pre_event_delta")
    off = {"rsi_max": None, "macd_confirm": False, "spx_macd_confirm": False, "ad_divergence": False,
           "pre_event_delta": None}
    by_gate = []
    base_tr: BacktestReport | None = None
    base_te: BacktestReport | None = None
    if len(order):
        tuned = grid[order[0]]
        for gate, pre in itertools.product(GATE_SETS, PRE_EVENT):
            var = tuned.model_copy(update={**off, **gate, "pre_event_delta": pre})
            k = next((i for i, g in enumerate(grid) if all(getattr(g, x) == getattr(var, x) for x in gate_keys)
                      and g.model_dump(exclude=set(gate_keys)) == var.model_dump(exclude=set(gate_keys))), None)
            if k is None:
                continue
            rg = run(grid[k], c, e)
            if gate_label(grid[k]) == "none":
                base_tr, base_te = reports[k], rg
            by_gate.append(PolicyRow(rank=int(np.flatnonzero(np.argsort(-d.mean(axis=1), kind="stable") == k)[0]) + 1,
                                     policy=gate_label(grid[k]), policy_json=grid[k].model_dump(),
                                     train=span_result(reports[k], f"train {train}"), test=span_result(rg, f"test {test}"),
                                     train_vs_ungated=None if base_tr is None else _paired(reports[k], base_tr),
                                     test_vs_ungated=None if base_te is None else _paired(rg, base_te)))
            if progress:
                progress(len(by_gate), len(GATE_SETS) * len(PRE_EVENT), f"test {test}: gate set {gate_label(grid[k])}")
    dr_train, dr_test = run(default, a, b), run(default, c, e)
    default_row = PolicyRow(rank=0, policy=default.describe(), policy_json=default.model_dump(),
                            train=span_result(dr_train, f"train {train}"), test=span_result(dr_test, f"test {test}"))
    method = [
        f"{len(grid)} policies replayed on {train} ({reports[0].n_trades} monthly condors, {reports[0].n_triggered} "
        f"tested); ranked by mean ALVH - leg out per trade; the top {len(order)} replayed on {test} unchanged",
        f"White's reality check (circular block bootstrap, block {block} trades, 2000 resamples): p = {p_train:.3f} "
        f"in sample over all {len(grid)} policies, p = {p_test:.3f} out of sample over the top {len(order)}; "
        f"for the VIX layers alone (ALVH - hold) p = {p_layers:.3f} in sample",
        "claims: extra P&L kept over legging out per tested trade, as % of the entry EV (every trade held to "
        "expiry, measured at entry, before costs) and as % of the tested wing's own entry credit; 95% intervals "
        "by block bootstrap of trades (numerator and denominator resampled together)",
        f"hedge betas by VIX regime measured on the training span only: down {betas[0]}, up {betas[1]}",
        f"replay: {reports[0].assumptions[1]}; {reports[0].assumptions[2]}; {reports[0].assumptions[3]}",
    ]
    return TuneReport(train=train, test=test, n_policies=len(grid), reality_check_p_train=p_train,
                      reality_check_p_test=p_test, layers_reality_check_p_train=p_layers, default=default_row, best=best,
                      by_gate=by_gate, method=method)


def _fmt(c: ClaimCI, unit: str = "") -> str:
    if c.value is None:
        return "n/a"
    ci = f" [{c.ci[0]:,.0f}, {c.ci[1]:,.0f}]" if c.ci else ""
    return f"{c.value:+,.0f}{unit}{ci}"


def render_tune(r: TuneReport) -> str:
    lines = [f"ALVH policy search: {r.n_policies} policies trained on {r.train}, tested on {r.test}", ""]
    head = (f"  {'':<9}{'span':<26}{'n':>5}{'tested':>7}{'ALVH-leg out $ [95%]':>24}{'% entry EV [95%]':>22}"
            f"{'% wing credit [95%]':>21}{'ALVH-hold $ [95%]':>22}")
    for row in [r.default, *r.best]:
        lines.append(("default policy" if row.rank == 0 else f"#{row.rank} (tuned)" if row.rank == 1 else f"#{row.rank}")
                     + ": " + row.policy)
        lines.append(head)
        for s in (row.train, row.test):
            if s is None:
                continue
            lines.append(f"  {'':<9}{s.span:<26}{s.n_trades:>5}{s.n_tested:>7}{_fmt(s.alvh_minus_leg_out):>24}"
                         f"{_fmt(s.pct_of_entry_ev, '%'):>22}{_fmt(s.pct_of_tested_wing_credit, '%'):>21}"
                         f"{_fmt(s.alvh_minus_hold):>22}")
        lines.append("")
    if r.by_gate:
        lines.append("gates on the tuned policy's other parameters (rank = in-sample rank of that variant):")
        lines.append(f"  {'gates':<58}{'rank':>5}{'train ALVH-leg out $':>22}{'test ALVH-leg out $':>22}"
                     f"{'train gate-ungated $':>22}{'test gate-ungated $':>22}")
        for g in r.by_gate:
            na = "n/a"
            lines.append(f"  {g.policy[:58]:<58}{g.rank:>5}{_fmt(g.train.alvh_minus_leg_out):>22}"
                         f"{_fmt(g.test.alvh_minus_leg_out) if g.test else na:>22}"
                         f"{_fmt(g.train_vs_ungated) if g.train_vs_ungated else na:>22}"
                         f"{_fmt(g.test_vs_ungated) if g.test_vs_ungated else na:>22}")
        lines.append("  (per tested trade, 95% block-bootstrap intervals; gate-ungated: paired on the same trades)")
        lines.append("")
    lines.append(f"reality check p-value: {r.reality_check_p_train:.3f} in sample (all {r.n_policies} policies), "
                 f"{r.reality_check_p_test:.3f} out of sample (top {len(r.best)}); VIX layers alone (ALVH - hold): "
                 f"{r.layers_reality_check_p_train:.3f} in sample")
    lines.append("method:")
    lines.extend(f"  - {m}" for m in r.method)
    return "\n".join(lines) + "\n"


#: the replay's design choices varied one at a time from the default (label -> BacktestConfig changes)
DESIGN_CHOICES: dict[str, dict] = {
    "default: long wings 0.05 delta, fill at the trigger close, stop from the trigger, AM open settle, costs": {},
    "wings 50 points": {"width": 50.0},
    "wings 2% of spot": {"width_pct": 2.0},
    "fills the day after the trigger": {"fill_lag": 1},
    "stop counted from entry": {"stop_from": "entry"},
    "settle on the expiry close": {"settle": "close"},
    "no costs": {"costs": False},
    "tested at |delta| 0.25": {"trigger": 0.25},
    "short strikes at 0.10 delta": {"short_delta": 0.10},
}


class SensitivityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    choice: str
    n_tested: int
    vs_leg_out: dict[str, ClaimCI] = Field(description="strategy - leg out per trade (all trades), $ with 95% CI")
    tp_day0_exits: int


def sensitivity(history: DailyHistory, base: BacktestConfig | None = None,
                choices: dict[str, dict] | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> list[SensitivityRow]:
    """The replay with each design choice changed alone: every strategy minus leg out, with its interval."""
    base = base or BacktestConfig()
    choices = choices or DESIGN_CHOICES
    out = []
    for i, (label, upd) in enumerate(choices.items()):
        r = backtest(history, base.model_copy(update={**upd, "n_boot": 1000}))
        out.append(SensitivityRow(
            choice=label, n_tested=r.n_triggered, tp_day0_exits=r.day0_exits_take_profit_stop,
            vs_leg_out={s: ClaimCI(value=d.mean, ci=(d.ci_low, d.ci_high)) for s, d in r.vs_leg_out.items()}))
        if progress:
            progress(i + 1, len(choices), label)
    return out


def render_sensitivity(rows: list[SensitivityRow]) -> str:
    names = [s for s in rows[0].vs_leg_out]
    lines = ["Replay design choices, one at a time: strategy minus leg out, $ per condor per trade [95% CI]",
             f"  {'choice':<44}{'tested':>7}" + "".join(f"{n:>22}" for n in names) + f"{'TP day-0 exits':>16}"]
    for r in rows:
        lines.append(f"  {r.choice[:44]:<44}{r.n_tested:>7}" + "".join(f"{_fmt(r.vs_leg_out[n]):>22}" for n in names)
                     + f"{r.tp_day0_exits:>16}")
    return "\n".join(lines) + "\n"
