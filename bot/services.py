"""``Services``: what the bot's listeners and scheduler are given (store, market data, clock, options).

Tests build their own ``Services`` (a temp SQLite file, a fixed clock, fewer Monte Carlo paths) and
pass it to ``bot.app.build_app``; nothing is monkeypatched.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.market_data import CsvDailyMarks, FirstAvailable, MarketDataSource, RecordedMarks
from bot.settings import Settings
from bot.store import Store

#: The desk's clock: daily times, "today" and trading days are New York time.
DESK_TZ = ZoneInfo("America/New_York")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    """Injected dependencies. ``clock()`` returns an aware datetime (UTC)."""

    store: Store
    market_data: MarketDataSource
    clock: Callable[[], dt.datetime] = utc_now
    compare_paths: int = 20_000
    seed: int = 7
    charts: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    def now_desk(self) -> dt.datetime:
        return self.clock().astimezone(DESK_TZ)

    def today(self) -> dt.date:
        """Today's date on the desk (New York)."""
        return self.now_desk().date()


def default_services(settings: Settings) -> Services:
    """Services for a running app: the SQLite file, recorded marks then the daily CSV if configured."""
    store = Store(settings.alvh_db)
    sources: list[MarketDataSource] = [RecordedMarks(store)]
    if settings.alvh_data:
        sources.append(CsvDailyMarks(settings.alvh_data))
    return Services(store=store, market_data=FirstAvailable(*sources), compare_paths=settings.compare_paths,
                    charts=settings.charts)
