"""Management policies for an open SPX iron condor, applied vectorised to one shared set of paths.

Every policy sees only the ``MarketPaths`` interface (via ``CondorOnPaths``), so simulated paths and
historical replays (one path per trade) run the same code. Each returns a ``StrategyResult``: per-path
P&L in dollars for the whole position and the ``Ledger`` that produced it (P&L == ledger total).

Names: ``hold``, ``leg_out``, ``close_tested``, ``alvh``, ``take_profit_stop`` (``STRATEGY_NAMES``).
"""
from __future__ import annotations

from alvh_core.strategies.alvh import HedgeSpec, LayerPolicy, alvh
from alvh_core.strategies.base import CondorOnPaths, Ledger, LedgerSummary, StrategyResult, expiry_index
from alvh_core.strategies.basic import TakeProfitStop, close_tested, hold, leg_out, take_profit_stop

STRATEGY_NAMES = ("hold", "leg_out", "close_tested", "alvh", "take_profit_stop")

__all__ = [
    "STRATEGY_NAMES", "CondorOnPaths", "HedgeSpec", "LayerPolicy", "Ledger", "LedgerSummary", "StrategyResult",
    "TakeProfitStop", "alvh", "close_tested", "expiry_index", "hold", "leg_out", "take_profit_stop",
]
