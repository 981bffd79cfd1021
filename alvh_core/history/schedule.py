"""When trades open and expire in a historical replay.

- Expiries are standard SPX monthlies: the third Friday of the month, or the trading day before it
  when that Friday is a holiday (Good Friday); the settlement price is that day's close (an
  approximation of the AM special opening quotation: the files hold reliable closes only).
- Entries: ``every=None`` (default, CNDR-like) opens on the first trading day after each monthly
  expiry; ``every=N`` opens every N trading days.
- Each entry takes the monthly expiry whose date is nearest ``entry_dte`` calendar days ahead
  (ties: the later one), at least ``min_dte`` days away; entries whose expiry lies past the end of the
  data are dropped (their outcome is unknown).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from alvh_core.history.data import DailyHistory


def third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def monthly_expiries(first: dt.date, last: dt.date) -> np.ndarray:
    """Third Fridays (datetime64[D]) of every month from ``first``'s month to ``last``'s month."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(third_friday(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return np.array(out, dtype="datetime64[D]")


def vx_rule_expiry(after: np.ndarray) -> np.ndarray:
    """(n,) VX expiry by the rule (Wednesday 30 days before the next month's third Friday) that is the
    first on or after each date in ``after`` (datetime64[D]); holiday moves are ignored."""
    after = np.asarray(after, dtype="datetime64[D]")
    lo = after.min().astype(dt.date) - dt.timedelta(days=40)
    hi = after.max().astype(dt.date) + dt.timedelta(days=70)
    fridays = monthly_expiries(lo, hi)
    vx = fridays - np.timedelta64(30, "D")
    return vx[np.searchsorted(vx, after, side="left")]


def settlement_index(history: DailyHistory, expiry: np.ndarray) -> np.ndarray:
    """(n,) index of the last trading day on or before each expiry date; -1 if before the data."""
    return np.searchsorted(history.dates, np.asarray(expiry, dtype="datetime64[D]"), side="right") - 1


def entry_schedule(history: DailyHistory, entry_dte: int = 45, every: int | None = None,
                   min_dte: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entry_idx, expiry_date, settle_idx), each (n_trades,), of the trades to open in ``history``.

    ``expiry_date`` is the calendar expiry (third Friday, datetime64[D]); ``settle_idx`` the trading day
    whose close settles it.
    """
    n = len(history)
    if n < 2:
        empty = np.array([], dtype=np.int64)
        return empty, np.array([], dtype="datetime64[D]"), empty
    fridays = monthly_expiries(history.start - dt.timedelta(days=31), history.end + dt.timedelta(days=400))
    settle_all = settlement_index(history, fridays)
    if every is None:
        # first trading day strictly after each monthly expiry's settlement day
        entries = np.unique(settle_all[(settle_all >= 0) & (settle_all < n - 1)] + 1)
        entries = entries[history.dates[entries] > fridays[0]]
    else:
        entries = np.arange(0, n - 1, int(every))
    d0 = history.dates[entries]
    target = d0 + np.timedelta64(int(entry_dte), "D")
    # candidate expiries: the two fridays around the target; keep >= min_dte days away
    k = np.searchsorted(fridays, target)
    k = np.clip(k, 1, fridays.size - 1)
    before, after = fridays[k - 1], fridays[k]
    pick_after = (after - target) <= (target - before)
    expiry = np.where(pick_after, after, before)
    too_close = (expiry - d0).astype(np.int64) < min_dte
    expiry = np.where(too_close, after, expiry)
    settle = settlement_index(history, expiry)
    complete = (expiry <= history.dates[-1]) & (settle > entries)
    return entries[complete], expiry[complete], settle[complete]
