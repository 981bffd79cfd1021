"""Management policies for an open SPX iron condor, applied vectorised to one shared set of paths.

Every policy sees only the ``MarketPaths`` interface (via ``CondorOnPaths``), so simulated paths and
historical replays (one path per trade) run the same code. Each returns a ``StrategyResult``: per-path
P&L in dollars for the whole position and the ``Ledger`` that produced it (P&L == ledger total).

Names: ``hold``, ``leg_out``, ``close_tested``, ``alvh``, ``take_profit_stop`` (``STRATEGY_NAMES``), each defined
once and run through ``REGISTRY`` (``alvh_core.strategies.registry``).
"""
from __future__ import annotations

from alvh_core.strategies.alvh import ALVHPolicy, HedgeSpec, LayerPolicy, alvh
from alvh_core.strategies.base import CondorOnPaths, Ledger, LedgerSummary, StrategyResult, expiry_index
from alvh_core.strategies.basic import TakeProfitStop, close_tested, hold, leg_out, take_profit_stop
from alvh_core.strategies.registry import REGISTRY, STRATEGY_NAMES, Strategy, StrategyContext, run_all, suggest

__all__ = [
    "REGISTRY", "STRATEGY_NAMES", "ALVHPolicy", "CondorOnPaths", "HedgeSpec", "LayerPolicy", "Ledger", "LedgerSummary",
    "Strategy", "StrategyContext", "StrategyResult", "TakeProfitStop", "alvh", "close_tested", "expiry_index", "hold",
    "leg_out", "run_all", "suggest", "take_profit_stop",
]
