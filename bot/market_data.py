"""Where the bot gets SPX/VIX marks: a small ``MarketDataSource`` protocol and three sources.

- ``RecordedMarks``: the marks traders typed (``/alvh mark spot 5600 vix 18``), per team, from SQLite.
- ``CsvDailyMarks``: the last close on or before a date from daily CSVs in the format of
  ``../shared/data`` (``spx_daily.csv`` and ``vix_daily.csv``, columns ``date,...,close``).
- ``FirstAvailable``: tries sources in order (recorded marks first, then the CSV).

A live source plugs in by implementing ``latest(team_id, asof) -> Mark | None`` and passing it in
``Services(market_data=...)``.
"""
from __future__ import annotations

import bisect
import csv
import datetime as dt
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from bot.store import Store


class Mark(BaseModel):
    """An SPX level and a VIX level (vol points) observed on ``asof``, and where they came from."""

    spot: float
    vix: float
    asof: dt.date
    source: str


@runtime_checkable
class MarketDataSource(Protocol):
    def latest(self, team_id: str, asof: dt.date) -> Mark | None:
        """The most recent mark on or before ``asof`` for this team, or None."""
        ...


class RecordedMarks:
    """Marks recorded by the team's traders."""

    def __init__(self, store: Store):
        self.store = store

    def latest(self, team_id: str, asof: dt.date) -> Mark | None:
        row = self.store.latest_mark(team_id, on_or_before=asof)
        if row is None:
            return None
        return Mark(spot=row["spot"], vix=row["vix"], asof=dt.date.fromisoformat(row["asof"]),
                    source=f"recorded by <@{row['user_id']}>" if row.get("user_id") else "recorded")


def _read_closes(path: Path) -> tuple[list[dt.date], list[float]]:
    dates: list[dt.date] = []
    closes: list[float] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("close"):
                dates.append(dt.date.fromisoformat(row["date"]))
                closes.append(float(row["close"]))
    return dates, closes


class CsvDailyMarks:
    """Daily closes from ``spx_daily.csv`` and ``vix_daily.csv`` in ``data_dir`` (same for every team)."""

    def __init__(self, data_dir: str | Path):
        d = Path(data_dir)
        spx_d, spx_c = _read_closes(d / "spx_daily.csv")
        vix = dict(zip(*_read_closes(d / "vix_daily.csv")))
        both = [(day, s, vix[day]) for day, s in zip(spx_d, spx_c) if day in vix]
        self._dates = [b[0] for b in both]
        self._spot = [b[1] for b in both]
        self._vix = [b[2] for b in both]
        self.name = f"daily CSV {d}"

    def latest(self, team_id: str, asof: dt.date) -> Mark | None:
        i = bisect.bisect_right(self._dates, asof) - 1
        if i < 0:
            return None
        return Mark(spot=self._spot[i], vix=self._vix[i], asof=self._dates[i], source="daily CSV close")


class FirstAvailable:
    """The most recent mark among several sources (ties go to the earlier source)."""

    def __init__(self, *sources: MarketDataSource):
        self.sources = sources

    def latest(self, team_id: str, asof: dt.date) -> Mark | None:
        best: Mark | None = None
        for s in self.sources:
            m = s.latest(team_id, asof)
            if m is not None and (best is None or m.asof > best.asof):
                best = m
        return best
