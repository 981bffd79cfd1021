"""Run the strategy engineer's policies (``alvh_core.strategies``, the code behind ``alvh compare``) on history.

For every tested trade, ``HistoricalPaths`` holds one row from the trigger day to the condor's
settlement, and ``alvh_core.edge.run_strategies`` applies hold / leg out / close tested / ALVH /
take-profit-stop exactly as the comparison does "now" on simulated paths (column 0 = the trigger day,
cash flows discounted to it at the replay's rate, the condor's entry credit included). The entry
costs, paid before, are added here. Trades that are never tested are held by every strategy.

One call per tested trade (the strategy API takes one condor with scalar strikes); each call is
vectorised over its dates, so a 30-year monthly replay takes a second or two.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from alvh_core.costs import CostModel
from alvh_core.history.data import DailyHistory
from alvh_core.history.paths import HistoricalPaths
from alvh_core.models import IronCondor, MarketState


@dataclasses.dataclass
class SharedRun:
    """Per-trade results of the shared strategies: ``pnl[name]`` (N,) dollars incl. entry costs,
    ``exit_col[name]`` (N,) column (from entry) of the final exit, ``costs[name]`` (N,) dollars,
    ``fills[name]`` (N,) contracts, ``hedge_contracts`` (N,) ALVH contracts of the tested wing's first
    layer; all per condor. ``n_unsized``: tested trades on which hedge sizing refused (ALVH held them)."""

    pnl: dict[str, np.ndarray]
    exit_col: dict[str, np.ndarray]
    costs: dict[str, np.ndarray]
    fills: dict[str, np.ndarray]
    hedge_contracts: np.ndarray
    policy: str
    rule: str
    n_unsized: int = 0


def market_on(history: DailyHistory, i: int, rate: float, div: float) -> MarketState:
    """MarketState of history day ``i`` with that day's real VX quotes."""
    quotes = history.vx[i]
    have = np.isfinite(quotes)
    futures = {e.astype(dt.date): float(q) for e, q in zip(history.vx_expiries[have], quotes[have])} or None
    return MarketState(spot=float(history.spx[i]), vix=float(history.vix[i]), asof=history.dates[i].astype(dt.date),
                       rate=rate, div_yield=div, vix_futures=futures)


def run_shared(history: DailyHistory, entries: np.ndarray, settle: np.ndarray, strikes: np.ndarray,
               credit: np.ndarray, trigger: np.ndarray, tested_put: np.ndarray, hold_pnl: np.ndarray, entry_costs: np.ndarray,
               costs: CostModel, rate: float, div: float, policy=None, rule=None, condors: int = 10) -> SharedRun:
    """Shared-strategy P&L per trade.

    ``entries``/``settle`` (N,) day indices; ``strikes`` (4, N); ``credit`` (N,) entry credit, points;
    ``trigger`` (N,) column from entry (-1 never tested); ``tested_put`` (N,) bool; ``hold_pnl`` (N,) the untested trades' P&L
    (incl. entry costs); ``entry_costs`` (N,) dollars; all per condor. The strategies run on a book of
    ``condors`` condors (hedge layers are whole contracts, at least one, so a single condor would be
    over-hedged by rounding); their P&L, costs and fills are divided back to one condor.
    """
    from alvh_core.edge import default_specs, run_strategies
    from alvh_core.strategies import STRATEGY_NAMES, LayerPolicy, TakeProfitStop

    policy = policy or LayerPolicy()
    rule = rule or TakeProfitStop()
    n = entries.size
    k_col = settle - entries
    pnl = {s: hold_pnl.astype(float).copy() for s in STRATEGY_NAMES}
    exit_col = {s: k_col.copy() for s in STRATEGY_NAMES}
    cost_out = {s: entry_costs.astype(float).copy() for s in STRATEGY_NAMES}
    fills = {s: np.full(n, 4.0) for s in STRATEGY_NAMES}
    hedge_q = np.zeros(n)
    unsized = 0
    for i in np.nonzero(trigger >= 0)[0]:
        d = int(entries[i] + trigger[i])
        condor = IronCondor(expiry=history.dates[settle[i]].astype(dt.date), long_put=float(strikes[0, i]),
                            short_put=float(strikes[1, i]), short_call=float(strikes[2, i]),
                            long_call=float(strikes[3, i]), quantity=int(condors), credit=float(credit[i]),
                            opened=history.dates[entries[i]].astype(dt.date))
        market = market_on(history, d, rate, div)
        paths = HistoricalPaths(history, np.array([d]), np.array([settle[i]]), rate=rate, div=div)
        try:
            specs = default_specs(condor, market, policy)
        except ValueError:
            # hedge sizing refuses (e.g. SPX already beyond the long strike): ALVH holds on this trade
            specs = {}
            unsized += 1
        _, res = run_strategies(condor, market, paths, costs, policy, specs, rule)
        for s, r in res.items():
            pnl[s][i] = float(r.pnl[0]) / condors - entry_costs[i]
            cost_out[s][i] = entry_costs[i] - float(r.ledger.flows.get("costs", np.zeros(1))[0]) / condors
            fills[s][i] = 4.0 + float(r.ledger.fills[0]) / condors
        exit_col["leg_out"][i] = trigger[i]
        tp = res["take_profit_stop"].extra
        if bool(np.asarray(tp["exited"])[0]):
            exit_col["take_profit_stop"][i] = trigger[i] + int(np.asarray(tp["exit_day"])[0])
        key = "put_0_contracts" if tested_put[i] else "call_0_contracts"
        hedge_q[i] = float(np.asarray(res["alvh"].extra.get(key, 0.0))) / condors
    return SharedRun(pnl, exit_col, cost_out, fills, hedge_q, policy.describe(),
                     f"take profit at {rule.take_profit:g} x credit, stop at {rule.stop_loss:g} x credit lost, "
                     "checked daily from the trigger", unsized)
