"""The plain management policies: hold, leg out, close the tested wing, take profit / stop.

Each is ``f(cp: CondorOnPaths, costs: CostModel, ...) -> StrategyResult`` applied to all paths at once
(no loop over paths). See ``alvh_core.strategies.base`` for the P&L, cost and margin conventions.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from alvh_core.costs import CostModel
from alvh_core.strategies.base import (
    CALL_WING,
    PUT_WING,
    CondorOnPaths,
    StrategyResult,
    close_legs,
    new_ledger,
    settle_legs,
)

ALL_LEGS = (0, 1, 2, 3)


def hold(cp: CondorOnPaths, costs: CostModel) -> StrategyResult:
    """Hold all four legs to expiry and cash-settle."""
    lg = new_ledger(cp)
    lg.margin(cp.condor_margin())
    settle_legs(lg, cp, ALL_LEGS, costs)
    return StrategyResult("hold", lg.total(), lg)


def leg_out(cp: CondorOnPaths, costs: CostModel) -> StrategyResult:
    """Close all four legs now (date 0) at mid plus costs: deterministic P&L."""
    lg = new_ledger(cp)
    close_legs(lg, cp, ALL_LEGS, 0, costs)
    return StrategyResult("leg_out", lg.total(), lg)


def close_tested(cp: CondorOnPaths, costs: CostModel, wing: str | None = None) -> StrategyResult:
    """Close the tested wing's two legs now, hold the other wing to expiry.

    The tested wing is the one whose short strike has the larger |delta| now, row by row;
    ``wing`` 'put'/'call' overrides the choice for every row.
    """
    put = cp.tested_put() if wing is None else np.full(cp.n, wing == "put")
    lg = new_ledger(cp)
    lg.margin(cp.condor_margin())
    close_legs(lg, cp, PUT_WING, 0, costs, mask=put)
    close_legs(lg, cp, CALL_WING, 0, costs, mask=~put)
    settle_legs(lg, cp, CALL_WING, costs, mask=put)
    settle_legs(lg, cp, PUT_WING, costs, mask=~put)
    return StrategyResult("close_tested", lg.total(), lg, extra={"wing": np.where(put, "put", "call")})


class TakeProfitStop(BaseModel):
    """Practitioner exit rule checked on each date's close before expiry (date 0 included).

    Close everything when the open P&L per condor (credit + signed mark, points) reaches
    ``take_profit`` x credit, or falls to ``-stop_loss`` x credit; otherwise hold to expiry.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    take_profit: float = Field(default=0.5, gt=0, description="share of the credit kept that triggers the exit")
    stop_loss: float = Field(default=2.0, gt=0, description="loss, in multiples of the credit, that triggers the exit")
    stop_from: Literal["entry", "now"] = Field(
        default="now", description="entry: the stop counts the loss since entry; now: the loss beyond today's "
        "(a position already past the stop when it is tested is not stopped out on day one, which would make "
        "the rule leg out)")


def take_profit_stop(cp: CondorOnPaths, costs: CostModel, rule: TakeProfitStop | None = None) -> StrategyResult:
    """Take profit / stop loss (see ``TakeProfitStop``), vectorised over paths via the first hitting date."""
    rule = rule or TakeProfitStop()
    credit = cp.credit[:, None]
    open_pnl = credit + cp.value()  # (N, T+1) open P&L per condor, points
    base = open_pnl[:, :1] if rule.stop_from == "now" else 0.0
    hit = cp.live() & ((open_pnl >= rule.take_profit * credit) | (open_pnl - base <= -rule.stop_loss * credit))
    exited = hit.any(axis=1)
    day = np.where(exited, hit.argmax(axis=1), cp.k_rows)
    lg = new_ledger(cp)
    lg.margin(cp.condor_margin())
    close_legs(lg, cp, ALL_LEGS, np.where(exited, day, 0), costs, mask=exited)
    settle_legs(lg, cp, ALL_LEGS, costs, mask=~exited)
    return StrategyResult("take_profit_stop", lg.total(), lg, extra={"exit_day": day, "exited": exited})
