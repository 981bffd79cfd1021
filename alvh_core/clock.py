"""The one clock of the product.

A clock is any zero-argument callable returning an *aware* UTC ``datetime`` (``Clock``). Every part
that stamps or reads a time (the bot's store, the assistant, the scheduler, the CLI's default as-of
date, ``alvh chat``) is given one and never calls ``datetime.now``/``date.today`` itself, so a test can
freeze the whole product at one instant.

Conventions: stored instants are UTC ISO-8601 strings with their offset (``utc_stamp``); dates a
trader reads are New York trading dates (``desk_today``: the calendar date in America/New_York).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

#: The desk's zone: daily times, "today" and trading days are New York time.
DESK_TZ = ZoneInfo("America/New_York")

#: A clock: returns the current instant as an aware UTC datetime.
Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The wall clock (aware, UTC)."""
    return dt.datetime.now(dt.UTC)


def fixed_clock(instant: dt.datetime | str) -> Clock:
    """A clock frozen at ``instant`` (aware datetime, or ISO text; a naive value is taken as UTC)."""
    t = dt.datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    t = t.astimezone(dt.UTC)
    return lambda: t


def desk_clock_at(day: dt.date, hhmm: str = "16:30") -> Clock:
    """A clock frozen at ``day`` ``hhmm`` New York time (``alvh chat --asof``, replays, tests)."""
    h, m = (int(x) for x in hhmm.split(":"))
    return fixed_clock(dt.datetime.combine(day, dt.time(h, m), tzinfo=DESK_TZ))


def utc_now(clock: Clock) -> dt.datetime:
    """``clock()`` checked to be aware and converted to UTC."""
    t = clock()
    if t.tzinfo is None:
        raise ValueError("a clock must return an aware datetime")
    return t.astimezone(dt.UTC)


def utc_stamp(clock: Clock) -> str:
    """The stored form of an instant: UTC ISO-8601 with offset, to the second."""
    return utc_now(clock).isoformat(timespec="seconds")


def desk_now(clock: Clock) -> dt.datetime:
    """The instant in New York time."""
    return utc_now(clock).astimezone(DESK_TZ)


def desk_today(clock: Clock) -> dt.date:
    """Today's date on the desk (New York)."""
    return desk_now(clock).date()


def _desk_instant(stamp: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(stamp)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(DESK_TZ)


def desk_date_of(stamp: str) -> dt.date:
    """The New York date of a stored UTC stamp."""
    return _desk_instant(stamp).date()


def desk_time(stamp: str) -> str:
    """A stored UTC stamp as the desk reads it: ``2026-11-24 16:30 ET``."""
    return f"{_desk_instant(stamp):%Y-%m-%d %H:%M} ET"
