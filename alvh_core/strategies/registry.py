"""One definition of each management strategy: the ``Strategy`` interface and the registry.

Every consumer runs the strategies through here: ``alvh compare`` (``alvh_core.edge.run_strategies``), the
historical replay and ``alvh tune`` (``alvh_core.history.replay``, N trades at once through
``CondorOnPaths.batch``), ``alvh hedge`` (the ALVH policy's first layer, ``alvh_core.hedge.recommend``) and
the bot's daily summary (``suggest``: what the same rules say to do today).

A strategy is ``run(cp, costs, ctx) -> StrategyResult`` on a ``CondorOnPaths`` (N rows: N simulated paths
of one condor, or N historical trades) plus a one-line ``describe(ctx)``; ``StrategyContext`` carries the
rules that are data (the ALVH policy, the take-profit/stop rule) and the hedge inputs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from alvh_core.costs import CostModel
from alvh_core.models import IronCondor
from alvh_core.strategies.alvh import ALVHPolicy, HedgeSpec, alvh
from alvh_core.strategies.base import CondorOnPaths, StrategyResult
from alvh_core.strategies.basic import TakeProfitStop, close_tested, hold, leg_out, take_profit_stop


@dataclasses.dataclass(frozen=True)
class StrategyContext:
    """What the strategies need beyond the condor and costs.

    ``policy``: the ALVH rules; ``rule``: take-profit/stop; ``specs``: static hedge instruments (tests);
    ``initial``: {wing: HedgePlan} today's recommended hedge (layer 0 on date 0); ``hedge_t``: the hedge
    expiry on the paths' clock (scalar or (N,)).
    """

    policy: ALVHPolicy = dataclasses.field(default_factory=ALVHPolicy)
    rule: TakeProfitStop = dataclasses.field(default_factory=TakeProfitStop)
    specs: dict[str, HedgeSpec] | None = None
    initial: dict[str, Any] | None = None
    hedge_t: float | np.ndarray | None = None


class Strategy(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def run(self, cp: CondorOnPaths, costs: CostModel, ctx: StrategyContext) -> StrategyResult: ...

    def describe(self, ctx: StrategyContext) -> str: ...


@dataclasses.dataclass(frozen=True)
class _Rule:
    name: str
    label: str
    fn: Callable[[CondorOnPaths, CostModel, StrategyContext], StrategyResult]
    text: Callable[[StrategyContext], str]

    def run(self, cp: CondorOnPaths, costs: CostModel, ctx: StrategyContext) -> StrategyResult:
        return self.fn(cp, costs, ctx)

    def describe(self, ctx: StrategyContext) -> str:
        return self.text(ctx)


def _tp_text(ctx: StrategyContext) -> str:
    r = ctx.rule
    return (f"take profit at {r.take_profit:.0%} of credit, stop at a loss of {r.stop_loss:g}x credit"
            + (" beyond today's loss" if r.stop_from == "now" else "") + ", checked daily")


REGISTRY: dict[str, Strategy] = {
    s.name: s for s in (
        _Rule("hold", "hold to expiry", lambda cp, c, x: hold(cp, c), lambda x: "hold all four legs to expiry"),
        _Rule("leg_out", "leg out now", lambda cp, c, x: leg_out(cp, c), lambda x: "close all four legs now"),
        _Rule("close_tested", "close tested wing", lambda cp, c, x: close_tested(cp, c),
              lambda x: "close the tested wing now, hold the other to expiry"),
        _Rule("alvh", "ALVH layered hedge",
              lambda cp, c, x: alvh(cp, c, x.policy, x.specs, initial=x.initial, hedge_t=x.hedge_t),
              lambda x: x.policy.describe()),
        _Rule("take_profit_stop", "take profit / stop", lambda cp, c, x: take_profit_stop(cp, c, x.rule), _tp_text),
    )
}
STRATEGY_NAMES: tuple[str, ...] = tuple(REGISTRY)


def run_all(cp: CondorOnPaths, costs: CostModel, ctx: StrategyContext,
            names: tuple[str, ...] = STRATEGY_NAMES) -> dict[str, StrategyResult]:
    """The named strategies on one shared ``cp`` (common random numbers / the same trades)."""
    return {name: REGISTRY[name].run(cp, costs, ctx) for name in names}


def suggest(condor: IronCondor, asof: dt.date, pnl: float, short_deltas: list[float],
            ctx: StrategyContext | None = None, manage_dte: int = 21, tested_delta: float | None = None) -> str:
    """What the registered rules say to do today, and why (the daily summary's suggestion).

    ``pnl`` dollars for the position now; ``short_deltas`` |delta| of the short put and short call. The
    take-profit/stop thresholds are ``ctx.rule``'s; a wing is tested at ``tested_delta`` (default the ALVH
    policy's first trigger), and the suggestion counts the ALVH layer triggers reached.
    """
    ctx = ctx or StrategyContext()
    credit = condor.max_profit
    rule, policy = ctx.rule, ctx.policy
    if pnl == pnl and pnl >= rule.take_profit * credit:
        return f"take profit: P&L ${pnl:,.0f} is at least {rule.take_profit:.0%} of the ${credit:,.0f} credit"
    if pnl == pnl and pnl <= -rule.stop_loss * credit:
        return f"stop out: loss ${pnl:,.0f} reached {rule.stop_loss:g}x the credit"
    trig = policy.triggers[0] if tested_delta is None else tested_delta
    if short_deltas and max(short_deltas) >= trig:
        due = sum(max(short_deltas) >= t for t in policy.triggers[: policy.max_layers])
        return (f"consider closing the tested wing or adding the ALVH hedge: short delta {max(short_deltas):.2f} "
                f">= {trig:g} ({due} of {len(policy.layers())} layer triggers reached; add one layer a day: "
                "`hedge` sizes it)")
    if condor.dte(asof) <= manage_dte:
        return f"manage or close: {condor.dte(asof)} days to expiry (gamma grows inside {manage_dte} DTE)"
    return "hold: no rule triggered"
