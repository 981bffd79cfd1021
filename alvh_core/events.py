"""The event calendar: FOMC decisions, CPI and PPI releases, with their confidence.

The package ships the dates as data (``alvh_core/data/events.csv``, provenance in
``alvh_core/data/events_PROVENANCE.md``); ``ALVH_EVENTS`` (``Settings.alvh_events``) points at a newer
file of the same form. Columns: ``date`` (ISO; FOMC: the decision day, CPI/PPI: the release day),
``kind`` (fomc|cpi|ppi), ``scheduled`` (true|false: unscheduled FOMC actions are false),
``confidence`` (high|medium|low: PPI dates before 2025 come from one unverified list), ``market_date``
(optional: the day markets reacted when it differs, e.g. FOMC before Feb 1994, when decisions were not
announced and markets inferred them the next day). Lines starting with ``#`` are comments.

Public API:

- ``load_events(path) -> EventCalendar``; ``default_calendar(settings=None)`` (ALVH_EVENTS or the
  package file, cached by path); a malformed file raises ``EventFileError`` (one line: file, line, what
  was expected).
- ``EventCalendar.between(start, end)``, ``.before_expiry(asof, expiry)`` (events after ``asof`` up to
  and including ``expiry``), ``.on(day)``, ``.mask(days, ...)`` (vectorised membership of trading days).
- ``Event`` (pydantic, the JSON form ``{"date", "kind", "scheduled", "confidence"}``) and
  ``EventList`` (``{"events": [...]}``).
- ``event_variance_multipliers(days, calendar, bump, ...)``: per-day variance multipliers for a date
  range (the engine's event-day variance, see ``alvh_core.scenarios.simulation.simulate``).
- ``describe_events(events)``: one short line naming them ("FOMC 12-16, CPI 12-10").
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # pragma: no cover
    from alvh_core.settings import Settings

EventKind = Literal["fomc", "cpi", "ppi"]
KINDS: tuple[str, ...] = ("fomc", "cpi", "ppi")
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
PACKAGE_FILE = Path(__file__).resolve().parent / "data" / "events.csv"
LABELS = {"fomc": "FOMC", "cpi": "CPI", "ppi": "PPI"}
#: the kinds the engine bumps and the replay splits on: the ones with a full history (PPI starts 2018)
BUMP_KINDS: tuple[str, ...] = ("fomc", "cpi")
#: measured event-day variance multiplier: mean (r / s_prev)^2 on scheduled FOMC or CPI market days over
#: ordinary days, 1990-2018, s_prev = prior VIX / sqrt(252): 1.08 [0.93, 1.24] (95% bootstrap); fitted
#: 1.14 on 1990-2005, 1.02 [0.84, 1.23] on 2005-2018. Rerun: ``alvh events --study --data ../shared/data``.
EVENT_VARIANCE_BUMP = 1.08
#: share of NYSE trading days 1990-2018 with a scheduled FOMC decision or CPI release (525 of 7,308 in the
#: package calendar; 0.076 on 2005-2018 and 2019-2026): the long-run frequency the engine's multipliers are
#: normalised by, so a day's multiplier depends on the day only, not on the question's horizon
EVENT_DAY_SHARE = 0.072


class EventFileError(ValueError):
    """The event file is missing or malformed (one line: file, line number, expectation)."""


class Event(BaseModel):
    """One event: JSON ``{"date": "2026-12-09", "kind": "fomc", "scheduled": true, "confidence": "high"}``."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    kind: EventKind
    scheduled: bool
    confidence: str = "high"

    def label(self) -> str:
        txt = f"{LABELS[self.kind]} {self.date.isoformat()}"
        if not self.scheduled:
            txt += " (unscheduled)"
        elif self.confidence == "low":
            txt += "?"  # the date comes from one unverified list (PPI before 2025)
        return txt


class EventList(BaseModel):
    """``alvh events --json``: ``{"events": [...], "source": path}``."""

    events: list[Event]
    source: str


@dataclasses.dataclass(frozen=True, eq=False)
class EventCalendar:
    """Events sorted by date. Shapes: (n,) each. ``market_dates`` equals ``dates`` where not given."""

    dates: np.ndarray  # datetime64[D]
    kinds: np.ndarray  # str
    scheduled: np.ndarray  # bool
    confidence: np.ndarray  # str
    market_dates: np.ndarray  # datetime64[D]
    source: str = ""

    def __len__(self) -> int:
        return int(self.dates.shape[0])

    def _events(self, sel: np.ndarray) -> list[Event]:
        return [Event(date=self.dates[i].astype(dt.date), kind=str(self.kinds[i]),  # type: ignore[arg-type]
                      scheduled=bool(self.scheduled[i]), confidence=str(self.confidence[i]))
                for i in np.flatnonzero(sel)]

    def between(self, start: dt.date | None = None, end: dt.date | None = None,
                kinds: tuple[str, ...] | None = None) -> list[Event]:
        """Events with ``start <= date <= end`` (either bound may be None), optionally of ``kinds``."""
        sel = np.ones(len(self), bool)
        if start is not None:
            sel &= self.dates >= np.datetime64(start, "D")
        if end is not None:
            sel &= self.dates <= np.datetime64(end, "D")
        if kinds is not None:
            sel &= np.isin(self.kinds, kinds)
        return self._events(sel)

    def before_expiry(self, asof: dt.date, expiry: dt.date) -> list[Event]:
        """Events after ``asof`` up to and including ``expiry`` (what can still move the condor)."""
        if expiry <= asof:
            return []
        return self.between(asof + dt.timedelta(days=1), expiry)

    def on(self, day: dt.date) -> list[Event]:
        return self.between(day, day)

    @property
    def first(self) -> dt.date | None:
        return self.dates[0].astype(dt.date) if len(self) else None

    @property
    def last(self) -> dt.date | None:
        return self.dates[-1].astype(dt.date) if len(self) else None

    def mask(self, days: np.ndarray, kinds: tuple[str, ...] = KINDS, scheduled_only: bool = False,
             market_date: bool = True) -> np.ndarray:
        """(n,) bool: which of ``days`` (datetime64[D] or ISO dates) carry an event of ``kinds``.

        ``market_date``: use the day markets reacted (FOMC before 1994: the next day), else the event date.
        """
        sel = np.isin(self.kinds, kinds)
        if scheduled_only:
            sel &= self.scheduled
        ev = (self.market_dates if market_date else self.dates)[sel]
        return np.isin(np.asarray(days, dtype="datetime64[D]"), ev)


# ----- loading ------------------------------------------------------------------------------------

def _err(path: Path, line: int, what: str) -> EventFileError:
    return EventFileError(f"event file {path.name} line {line}: {what}")


def load_events(path: str | Path) -> EventCalendar:
    """Read an event CSV (see module docstring); raises ``EventFileError`` on a bad file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise EventFileError(f"event file {p}: cannot read it ({exc.strerror or exc}); "
                             "expected a CSV with columns date,kind,scheduled[,confidence,market_date]") from None
    header: list[str] | None = None
    dates: list[dt.date] = []
    kinds: list[str] = []
    sched: list[bool] = []
    conf: list[str] = []
    mdates: list[dt.date] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if header is None:
            header = [c.lower() for c in cells]
            missing = [c for c in ("date", "kind", "scheduled") if c not in header]
            if missing:
                raise _err(p, n, f"header lacks {', '.join(missing)}; expected date,kind,scheduled"
                                 "[,confidence,market_date]")
            continue
        row = dict(zip(header, cells))
        try:
            day = dt.date.fromisoformat(row.get("date", ""))
        except ValueError:
            raise _err(p, n, f"date {row.get('date', '')!r} is not YYYY-MM-DD") from None
        kind = row.get("kind", "").lower()
        if kind not in KINDS:
            raise _err(p, n, f"kind {kind!r} is not one of fomc|cpi|ppi")
        s = row.get("scheduled", "").lower()
        if s not in ("true", "false"):
            raise _err(p, n, f"scheduled {s!r} is not true|false")
        c = (row.get("confidence") or "high").lower()
        if c not in CONFIDENCES:
            raise _err(p, n, f"confidence {c!r} is not high|medium|low")
        md = row.get("market_date") or ""
        try:
            mday = dt.date.fromisoformat(md) if md else day
        except ValueError:
            raise _err(p, n, f"market_date {md!r} is not YYYY-MM-DD") from None
        dates.append(day)
        kinds.append(kind)
        sched.append(s == "true")
        conf.append(c)
        mdates.append(mday)
    if header is None:
        raise EventFileError(f"event file {p.name}: no header; expected date,kind,scheduled[,confidence,market_date]")
    order = np.lexsort((np.array(kinds, dtype=str), np.array(dates, dtype="datetime64[D]")))
    return EventCalendar(
        dates=np.array(dates, dtype="datetime64[D]")[order].reshape(-1),
        kinds=np.array(kinds, dtype=str)[order].reshape(-1),
        scheduled=np.array(sched, dtype=bool)[order].reshape(-1),
        confidence=np.array(conf, dtype=str)[order].reshape(-1),
        market_dates=np.array(mdates, dtype="datetime64[D]")[order].reshape(-1),
        source=str(p),
    )


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> EventCalendar:
    return load_events(path)


def calendar_path(settings: Settings | None = None) -> Path:
    """``ALVH_EVENTS`` (Settings.alvh_events) when set, else the package file.

    Without ``settings``: the environment's, read once per (ALVH_EVENTS variables, ./.env file and its
    modification): building ``Settings()`` reads every variable and the .env file (a few ms), and a compare
    asks nine times."""
    if settings is None:
        return _environment_calendar_path(_environment_key())
    return Path(settings.alvh_events) if settings.alvh_events else PACKAGE_FILE


def _environment_key() -> tuple:
    """What ``Settings().alvh_events`` reads: the ALVH_EVENTS variable (any case) and the ./.env file."""
    names = tuple(sorted((k, v) for k, v in os.environ.items() if k.lower() == "alvh_events"))
    try:
        st = os.stat(".env")
        dotenv = (os.path.abspath(".env"), st.st_mtime_ns, st.st_size)
    except OSError:
        dotenv = None
    return names, dotenv


@lru_cache(maxsize=8)
def _environment_calendar_path(key: tuple) -> Path:
    from alvh_core.settings import Settings

    return calendar_path(Settings())


def default_calendar(settings: Settings | None = None) -> EventCalendar:
    """The product's calendar (ALVH_EVENTS or the package file), cached per path and modification time."""
    p = calendar_path(settings)
    try:
        mtime = p.stat().st_mtime
    except OSError:
        return load_events(p)  # raises the one-line EventFileError
    return _cached(str(p), mtime)


def describe_events(events: list[Event], limit: int = 8) -> str:
    """``"FOMC 2026-12-09, CPI 2026-12-10"`` (at most ``limit``, then "+N more"); "none" when empty.

    A date ending in "?" is unverified (low confidence); "(unscheduled)" marks an unscheduled FOMC action.
    """
    if not events:
        return "none"
    txt = ", ".join(e.label() for e in events[:limit])
    txt += f" +{len(events) - limit} more" if len(events) > limit else ""
    return txt + (" (? = date unverified)" if any(e.confidence == "low" for e in events[:limit]) else "")


# ----- the engine's event-day variance ------------------------------------------------------------

def event_variance_multipliers(days: np.ndarray, calendar: EventCalendar, bump: float,
                               kinds: tuple[str, ...] = BUMP_KINDS, frequency: float | None = None,
                               ) -> np.ndarray:
    """(n,) daily variance multipliers for the trading ``days`` (datetime64[D]).

    Scheduled events of ``kinds`` get ``bump`` x the variance of an ordinary day (the measured ratio of
    mean squared SPX log returns, ``alvh events --study``). The multipliers are normalised so that a
    long run of days with event ``frequency`` (the share of trading days with an event; default: the
    share among ``days``) averages 1: the model's variance level, calibrated to VIX over all days, is
    kept; only its timing moves onto the event days. ``bump == 1`` gives all ones.
    """
    if not bump > 0:
        raise ValueError(f"event variance bump must be positive (got {bump!r})")
    on = calendar.mask(days, kinds=kinds, scheduled_only=True)
    f = float(on.mean()) if frequency is None and on.size else float(frequency or 0.0)
    if not 0.0 <= f < 1.0:
        raise ValueError(f"event frequency {f!r} must be in [0, 1)")
    base = 1.0 / (1.0 + f * (bump - 1.0))
    return np.where(on, bump * base, base)


def event_multipliers_for(asof: dt.date, n_days: int, bump: float = EVENT_VARIANCE_BUMP,
                          calendar: EventCalendar | None = None, frequency: float | None = None) -> np.ndarray:
    """(n_days,) multipliers for the simulation steps after ``asof`` (``simulate(event_variance=...)``).

    ``frequency`` None: normalised over the horizon itself (today's VIX already prices the events inside
    it, so the total variance to expiry is kept and only moved onto the event days). The engine
    (``HNGarchModel``) passes ``EVENT_DAY_SHARE``: each day's multiplier is then a property of the day
    (bump x base on a scheduled FOMC/CPI session, base = 1 / (1 + share (bump - 1)) on others), the same for
    every expiry priced and every horizon simulated, and the anchored pricing law sets the level.
    """
    cal = calendar if calendar is not None else default_calendar()
    return event_variance_multipliers(trading_days_after(asof, n_days), cal, bump, frequency=frequency)


def trading_days_after(asof: dt.date, n_days: int) -> np.ndarray:
    """(n_days,) datetime64[D]: the NYSE trading days after ``asof`` (simulation steps 1..n_days)."""
    from alvh_core.pricing.expiries import is_business_day

    out: list[dt.date] = []
    d = asof
    while len(out) < n_days:
        d += dt.timedelta(days=1)
        if is_business_day(d):
            out.append(d)
    return np.array(out, dtype="datetime64[D]")


def next_trading_day(day: dt.date) -> dt.date:
    """The NYSE trading day after ``day``."""
    return trading_days_after(day, 1)[0].astype(dt.date)


def tomorrow_warning(today: dt.date, calendar: EventCalendar | None = None) -> str | None:
    """"Tomorrow (Wed 2026-12-09): FOMC decision" when the next trading day carries an event, else None."""
    cal = calendar if calendar is not None else default_calendar()
    nxt = next_trading_day(today)
    # events dated on a non-trading day between today and the next session count too (a Sunday FOMC)
    evs = cal.between(today + dt.timedelta(days=1), nxt)
    if not evs:
        return None
    return f"Tomorrow ({nxt:%a %Y-%m-%d}): {describe_events(evs)}"
