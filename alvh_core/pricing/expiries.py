"""Expiry-date rules for SPX options and CFE VIX (VX) futures / VIX options.

- ``third_friday(year, month)``: the third Friday of a month (the standard monthly expiry day).
- ``spx_monthly_expiry(year, month)``: AM-settled SPX standard monthly expiry: the third Friday, or
  the business day before it when that Friday is an NYSE holiday (e.g. Good Friday 2014-04-18 ->
  2014-04-17).
- ``vx_expiry(year, month)``: final settlement date of the VX future of contract month ``month``
  (VIX options of that month expire the same day): the Wednesday 30 days before the third Friday
  of the *following* month. If that Friday is an exchange holiday, 30 days before the business day
  that precedes it (Good Friday 2008-03-21 -> Tuesday 2008-02-19); if the resulting Wednesday is
  itself a holiday, the business day before it.
- ``next_vx_expiry(after)``, ``next_spx_monthly_expiry(after)``: first expiry strictly after a date.

Holidays come from the one NYSE calendar, :mod:`alvh_core.xnys` (``exchange_calendars`` XNYS where it covers
the date, 1990 to about a year ahead; outside that range only Good Friday, computed, is a holiday).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=8192)
def is_exchange_holiday(day: dt.date) -> bool:
    """True when ``day`` is a weekday on which NYSE is closed (:func:`alvh_core.xnys.is_holiday`: XNYS where
    covered, else Good Friday)."""
    from alvh_core import xnys  # the one XNYS calendar (built once, cached on disk)

    return xnys.is_holiday(day)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_exchange_holiday(day)


def previous_business_day(day: dt.date) -> dt.date:
    """The last business day strictly before ``day``."""
    d = day - dt.timedelta(days=1)
    while not is_business_day(d):
        d -= dt.timedelta(days=1)
    return d


def third_friday(year: int, month: int) -> dt.date:
    """The third Friday of ``year``-``month``."""
    first = dt.date(year, month, 1)
    offset = (4 - first.weekday()) % 7  # Friday is weekday 4
    return first + dt.timedelta(days=offset + 14)


@lru_cache(maxsize=8192)
def spx_monthly_expiry(year: int, month: int) -> dt.date:
    """Standard (AM-settled) SPX monthly expiry: third Friday, or the business day before if a holiday."""
    friday = third_friday(year, month)
    return friday if is_business_day(friday) else previous_business_day(friday)


@lru_cache(maxsize=8192)
def vx_expiry(year: int, month: int) -> dt.date:
    """Final settlement date of the VX future (and VIX options) of contract month ``year``-``month``."""
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    friday = third_friday(ny, nm)
    if not is_business_day(friday):
        friday = previous_business_day(friday)
    day = friday - dt.timedelta(days=30)
    if not is_business_day(day):
        day = previous_business_day(day)
    return day


def _next_by_month(after: dt.date, rule) -> dt.date:
    y, m = after.year, after.month
    for _ in range(3):
        d = rule(y, m)
        if d > after:
            return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    raise AssertionError("unreachable: an expiry falls in every month")


def next_vx_expiry(after: dt.date) -> dt.date:
    """The first VX final settlement date strictly after ``after``."""
    # the VX contract of month m expires in month m (mid-month), so scan from the month of `after`
    return _next_by_month(after, vx_expiry)


def next_spx_monthly_expiry(after: dt.date) -> dt.date:
    """The first standard SPX monthly expiry strictly after ``after``."""
    return _next_by_month(after, spx_monthly_expiry)


def vx_contract_month(expiry: dt.date) -> tuple[int, int]:
    """The (year, month) of the VX contract that settles on ``expiry`` (inverse of ``vx_expiry``)."""
    for y, m in ((expiry.year, expiry.month), ((expiry.year, expiry.month + 1) if expiry.month < 12 else (expiry.year + 1, 1))):
        if vx_expiry(y, m) == expiry:
            return y, m
    raise ValueError(f"{expiry} is not a VX final settlement date")
