"""``Services``: what the bot's listeners and scheduler are given (store, market data, clock, options).

Tests build their own ``Services`` (a temp SQLite file, a fixed clock, fewer Monte Carlo paths) and
pass it to ``bot.app.build_app``; nothing is monkeypatched.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from alvh_core.clock import DESK_TZ, Clock, desk_now, desk_today, system_clock
from bot.market_data import CsvDailyMarks, FirstAvailable, MarketDataSource, RecordedMarks
from bot.settings import Settings
from bot.store import Store

__all__ = ["DESK_TZ", "Services", "default_services"]


@dataclass
class Services:
    """Injected dependencies. ``clock()`` returns an aware datetime (UTC).

    The clock is injected here once: the store is bound to it (``Store.use_clock``), and the
    assistant, the scheduler and ``alvh chat`` read "now" and "today" only through these services.
    """

    store: Store
    market_data: MarketDataSource
    clock: Clock = system_clock
    compare_paths: int = 20_000
    seed: int = 7
    charts: bool = True
    #: load the compiled interpolation kernel at start (``Settings.accelerate``)
    accelerate: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store.use_clock(self.clock)

    def now_desk(self) -> dt.datetime:
        return desk_now(self.clock)

    def today(self) -> dt.date:
        """Today's date on the desk (New York)."""
        return desk_today(self.clock)


def default_services(settings: Settings, clock: Clock = system_clock) -> Services:
    """Services for a running app: the SQLite file, recorded marks then the daily CSV if configured."""
    store = Store(settings.alvh_db, clock=clock)
    sources: list[MarketDataSource] = [RecordedMarks(store)]
    if settings.alvh_data:
        sources.append(CsvDailyMarks(settings.alvh_data))
    return Services(store=store, market_data=FirstAvailable(*sources), clock=clock,
                    compare_paths=settings.compare_paths, charts=settings.charts, accelerate=settings.accelerate)
