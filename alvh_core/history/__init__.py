"""Daily SPX/VIX history and its replay.

- ``alvh_core.history.data``: ``load_daily(data_dir) -> DailyHistory``, ``DataError``.
- ``alvh_core.history.paths``: ``HistoricalPaths`` (MarketPaths on real history, one row per trade).
- ``alvh_core.history.replay``: ``backtest(history, BacktestConfig) -> BacktestReport``.
- ``alvh_core.history.report``: ``render_text(report)``, ``save_chart(report, path)``.

Only ``data`` is imported here (it needs numpy alone); import the others from their modules.
"""
from alvh_core.history.data import DailyHistory, DataError, load_daily

__all__ = ["DailyHistory", "DataError", "load_daily"]
