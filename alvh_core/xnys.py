"""One NYSE (XNYS) trading calendar for the whole product, built once and cached on disk.

``exchange_calendars`` is the source of truth, but importing it and building an XNYS calendar costs
about a second per process (and three modules used to build their own). Here the calendar is reduced to
what every user needs: the covered span ``[first, last]`` and the weekdays in it on which NYSE is closed
(holidays and ad-hoc closures). That list is built once per ``exchange_calendars`` version and kept in a
small JSON file (``~/.cache/alvh/``, or ``cache_dir``), so later processes read a few kB instead. The file is
written by a short-lived child interpreter, so no alvh process carries pandas (about 40 MB) for its life.

- ``trading_days(start, end)``: NYSE sessions in ``[start, end]`` (``np.busday_count`` with the holidays;
  vectorised over date arrays);
- ``is_session(day)`` / ``is_holiday(day)`` (a weekday on which NYSE is closed);
- ``calendar()`` -> ``Xnys`` (span, holidays as ``datetime64[D]``, source).

Outside the covered span (or without the package) ``is_session``/``is_holiday`` treat every weekday but
Good Friday (computed) as a session, the one rule every user shares (``pricing.expiries`` and the grammar
call these); ``trading_days`` counts weekdays there. A date past ``last`` triggers one rebuild per process,
in case the package now covers it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import warnings
from pathlib import Path

import numpy as np

#: first date of the calendar (the daily history starts in 1990)
START = "1990-01-01"
_lock = threading.Lock()
_state: dict[str, Xnys] = {}


@dataclasses.dataclass(frozen=True)
class Xnys:
    """Covered span and the weekday closures inside it (sorted ``datetime64[D]``)."""

    first: dt.date | None
    last: dt.date | None
    holidays: np.ndarray
    source: str

    def covers(self, day: dt.date) -> bool:
        return self.first is not None and self.last is not None and self.first <= day <= self.last


def default_cache_dir() -> Path:
    """``~/.cache/alvh`` (the system temp folder when there is no home), shared with the pricing tables."""
    try:
        return Path.home() / ".cache" / "alvh"
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        import tempfile

        return Path(tempfile.gettempdir()) / "alvh-cache"


def _package_version() -> str | None:
    try:
        import importlib.metadata

        return importlib.metadata.version("exchange_calendars")
    except Exception:  # pragma: no cover - package missing
        return None


def build_from_package() -> Xnys:
    """Read the XNYS sessions from ``exchange_calendars`` (slow: about a second)."""
    try:
        import exchange_calendars as xcals

        with warnings.catch_warnings():  # pandas deprecation chatter inside the package
            warnings.simplefilter("ignore")
            cal = xcals.get_calendar("XNYS", start=START)
            sessions = np.asarray(cal.sessions.values.astype("datetime64[D]"))
    except Exception:  # pragma: no cover - calendar package unavailable or broken
        return Xnys(None, None, np.array([], dtype="datetime64[D]"), "weekdays only (exchange_calendars unavailable)")
    first, last = sessions[0], sessions[-1]
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    weekdays = days[np.is_busday(days)]
    holidays = np.setdiff1d(weekdays, sessions)
    return Xnys(first.astype(dt.date), last.astype(dt.date), holidays, f"exchange_calendars {_package_version()}")


def _cache_file(cache_dir: Path, version: str | None) -> Path:
    return cache_dir / f"xnys-{version or 'none'}.json"


def _load(path: Path) -> Xnys | None:
    try:
        d = json.loads(path.read_text())
        return Xnys(dt.date.fromisoformat(d["first"]), dt.date.fromisoformat(d["last"]),
                    np.array(d["holidays"], dtype="datetime64[D]"), d["source"] + " (disk cache)")
    except Exception:
        return None


def _save(path: Path, cal: Xnys) -> None:
    if cal.first is None or cal.last is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"first": cal.first.isoformat(), "last": cal.last.isoformat(),
                                   "holidays": [str(x) for x in cal.holidays], "source": cal.source}))
        tmp.replace(path)
    except OSError:  # a read-only home: the in-process copy still serves
        pass


#: the child interpreter that builds the cache file: ``exchange_calendars`` imports pandas, which a process
#: keeps resident for its life (about 40 MB, and the bot and a 1,000,000-path compare run for long: issue 16)
_CHILD = """import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from alvh_core import xnys
cal = xnys.build_from_package()
if cal.first is None:
    sys.exit(3)
xnys._save(Path(sys.argv[2]), cal)
"""


def _build_in_child(path: Path) -> Xnys | None:
    """Build the calendar in a child interpreter that writes ``path``; ``None`` if that failed (no writable
    cache, no package, no interpreter to start), and the caller builds it in this process."""
    import subprocess
    import sys

    package_root = str(Path(__file__).resolve().parent.parent)
    try:
        subprocess.run([sys.executable, "-c", _CHILD, package_root, str(path)], check=True, timeout=300,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return _load(path)


def calendar(cache_dir: Path | None = None, refresh: bool = False) -> Xnys:
    """The calendar: in-process copy, else the disk cache, else built from the package (in a child process
    that writes the cache, so this one never imports pandas; in this process if that fails)."""
    cal = _state.get("cal")
    if cal is not None and not refresh:
        return cal
    with _lock:
        cal = _state.get("cal")
        if cal is not None and not refresh:
            return cal
        path = _cache_file(cache_dir or default_cache_dir(), _package_version())
        cal = None if refresh else _load(path)
        if cal is None:
            cal = _build_in_child(path)
        if cal is None:
            cal = build_from_package()
            _save(path, cal)
        _state["cal"] = cal
        return cal


def _for(day: dt.date) -> Xnys:
    cal = calendar()
    if cal.last is not None and day > cal.last and not _state.get("refreshed"):
        _state["refreshed"] = cal  # once per process: a newer package may cover more
        cal = calendar(refresh=True)
    return cal


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = ((h + ell - 7 * m + 114) % 31) + 1
    return dt.date(year, month, day)


def is_holiday(day: dt.date) -> bool:
    """True on a weekday on which NYSE is closed: the calendar's closures where it covers ``day``, else
    Good Friday (computed) only."""
    if day.weekday() >= 5:
        return False
    cal = _for(day)
    if not cal.covers(day):
        return day == easter(day.year) - dt.timedelta(days=2)
    i = np.searchsorted(cal.holidays, np.datetime64(day, "D"))
    return bool(i < cal.holidays.size and cal.holidays[i] == np.datetime64(day, "D"))


def covered(day: dt.date) -> bool:
    """True when the calendar (after at most one refresh per process) covers ``day``."""
    return _for(day).covers(day)


def is_session(day: dt.date) -> bool:
    """True on an NYSE trading day (outside the covered span: weekdays but Good Friday)."""
    return day.weekday() < 5 and not is_holiday(day)


def trading_days(start: dt.date, end: dt.date) -> int:
    """Number of NYSE sessions in ``[start, end]`` (0 when end < start); weekdays outside the covered span."""
    if end < start:
        return 0
    cal = _for(end)
    return int(np.busday_count(np.datetime64(start, "D"), np.datetime64(end + dt.timedelta(days=1), "D"),
                               holidays=cal.holidays))
