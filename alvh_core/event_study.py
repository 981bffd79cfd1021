"""What FOMC, CPI and PPI days did to SPX and VIX: event days against ordinary days, with bootstrap intervals.

``event_study(history, calendar, start=None, end=None, n_boot=2000, seed=7) -> EventStudy``
(``alvh events --study --data DIR [--json]``; ``format_study`` is the text table).

Definitions (day t is the event's market date, ``EventCalendar.mask`` with ``market_date=True``: FOMC
before Feb 1994 is the day after the meeting, when markets inferred the decision):

- ``r_t = ln(SPX_t / SPX_{t-1})``; ``dv_t = ln(VIX_t / VIX_{t-1})`` (close to close).
- Ordinary ("other") days: days of the kind's coverage window (its first to last date inside the
  history; CPI starts 1993-01, PPI 2018-01) that carry no event of any kind. PPI dates before 2018 are
  unknown, so some "other" days before 2018 are PPI days: that biases every ratio towards 1.
- ``abs_return``: mean |r| on event days / mean |r| on other days.
- ``variance``: mean r^2 ratio. ``variance_vs_vix``: mean of (r / s_{t-1})^2 ratio with
  s_{t-1} = VIX_{t-1} / 100 / sqrt(252), the variance relative to what the market expected the
  evening before: the engine's bump (a multiplier of the model's conditional variance), and robust
  to event clusters in calm or stressed years.
- ``abs_vix_change``: mean |dv| ratio. ``vix_day``: mean dv on event days minus other days (log points x 100 = %).
- ``vix_into``: mean ln(VIX_{t-1}/VIX_{t-6}) (the 5 sessions into the event) minus the same over all days;
  ``vix_after``: mean ln(VIX_{t+5}/VIX_t) (the 5 sessions after) minus the same over all days.
- Intervals: percentile bootstrap (95%), event days and other days resampled independently, with the
  same draws for every statistic. Days are treated as independent (volatility clusters: the intervals
  are somewhat too narrow).
- ``bump_fit``: the ``variance_vs_vix`` ratio of scheduled FOMC + CPI days fitted on the first half of
  the window and checked on the second (out of sample): the engine's bump is the full-window value.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from pydantic import BaseModel

from alvh_core.events import EventCalendar

TRADING_DAYS = 252
#: the groups measured: name -> (kinds, scheduled only?)
GROUPS: dict[str, tuple[tuple[str, ...], bool | None]] = {
    "fomc": (("fomc",), True),
    "fomc_unscheduled": (("fomc",), False),
    "cpi": (("cpi",), True),
    "ppi": (("ppi",), True),
    "fomc_or_cpi": (("fomc", "cpi"), True),
}
LABELS = {"fomc": "FOMC (scheduled)", "fomc_unscheduled": "FOMC (unscheduled)", "cpi": "CPI release",
          "ppi": "PPI release", "fomc_or_cpi": "FOMC or CPI"}
WINDOW = 5


class Interval(BaseModel):
    """A point estimate and its 95% bootstrap interval."""

    est: float
    lo: float
    hi: float

    def text(self, fmt: str = ".2f") -> str:
        return f"{self.est:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}]"


class GroupStats(BaseModel):
    group: str
    label: str
    first: dt.date
    last: dt.date
    n_event: int
    n_other: int
    abs_return: Interval
    variance: Interval
    variance_vs_vix: Interval
    abs_vix_change: Interval
    vix_day: Interval
    vix_into: Interval
    vix_after: Interval


class BumpFit(BaseModel):
    fit_period: tuple[dt.date, dt.date]
    test_period: tuple[dt.date, dt.date]
    fit: Interval
    test: Interval
    fit_inside_test_interval: bool


class EventStudy(BaseModel):
    """JSON keys: ``groups`` (one row per event group), ``bump`` (the engine's event-day variance
    multiplier: ``variance_vs_vix`` of scheduled FOMC + CPI days), ``bump_fit``, ``period``, ``notes``."""

    period: tuple[dt.date, dt.date]
    n_boot: int
    seed: int
    groups: list[GroupStats]
    bump: Interval
    bump_fit: BumpFit | None
    notes: list[str]


def _boot_means(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return x[idx].mean(axis=1)


def _ratio(xe: np.ndarray, xo: np.ndarray, ie: np.ndarray, io: np.ndarray) -> Interval:
    est = float(xe.mean() / xo.mean())
    b = _boot_means(xe, ie) / _boot_means(xo, io)
    lo, hi = np.percentile(b, [2.5, 97.5])
    return Interval(est=est, lo=float(lo), hi=float(hi))


def _diff(xe: np.ndarray, xo: np.ndarray, ie: np.ndarray, io: np.ndarray, scale: float = 100.0) -> Interval:
    est = float(xe.mean() - xo.mean()) * scale
    b = (_boot_means(xe, ie) - _boot_means(xo, io)) * scale
    lo, hi = np.percentile(b, [2.5, 97.5])
    return Interval(est=est, lo=float(lo), hi=float(hi))


def _series(history: Any) -> dict[str, np.ndarray]:
    """Daily arrays aligned on day t (index 1..n-1 of the history); NaN where a window leaves the data."""
    spx = np.asarray(history.spx, float)
    vix = np.asarray(history.vix, float)
    lv = np.log(vix)
    n = spx.size
    r = np.full(n, np.nan)
    r[1:] = np.diff(np.log(spx))
    dv = np.full(n, np.nan)
    dv[1:] = np.diff(lv)
    s_prev = np.full(n, np.nan)
    s_prev[1:] = vix[:-1] / 100.0 / np.sqrt(TRADING_DAYS)
    into = np.full(n, np.nan)
    into[WINDOW + 1:] = lv[WINDOW:-1] - lv[: n - WINDOW - 1]
    after = np.full(n, np.nan)
    after[: n - WINDOW] = lv[WINDOW:] - lv[: n - WINDOW]
    return {"r": r, "dv": dv, "z2": (r / s_prev) ** 2, "into": into, "after": after}


def _group_stats(name: str, days: np.ndarray, s: dict[str, np.ndarray], on: np.ndarray, other: np.ndarray,
                 rng: np.random.Generator, n_boot: int) -> GroupStats | None:
    ok = np.isfinite(s["r"]) & np.isfinite(s["dv"]) & np.isfinite(s["z2"])
    ev, ot = on & ok, other & ok
    ne, no = int(ev.sum()), int(ot.sum())
    if ne < 2 or no < 2:
        return None
    ie = rng.integers(0, ne, (n_boot, ne))
    io = rng.integers(0, no, (n_boot, no))
    r, dv = s["r"], s["dv"]

    def window(key: str) -> Interval:
        x = s[key]
        e_ok = ev & np.isfinite(x)
        a_ok = ok & np.isfinite(x)  # all days of the window, events included: the unconditional drift
        xe, xa = x[e_ok], x[a_ok]
        je = rng.integers(0, xe.size, (n_boot, xe.size))
        ja = rng.integers(0, xa.size, (n_boot, xa.size))
        return _diff(xe, xa, je, ja)

    return GroupStats(
        group=name, label=LABELS[name], first=days[on][0].astype(dt.date), last=days[on][-1].astype(dt.date),
        n_event=ne, n_other=no,
        abs_return=_ratio(np.abs(r[ev]), np.abs(r[ot]), ie, io),
        variance=_ratio(r[ev] ** 2, r[ot] ** 2, ie, io),
        variance_vs_vix=_ratio(s["z2"][ev], s["z2"][ot], ie, io),
        abs_vix_change=_ratio(np.abs(dv[ev]), np.abs(dv[ot]), ie, io),
        vix_day=_diff(dv[ev], dv[ot], ie, io),
        vix_into=window("into"),
        vix_after=window("after"),
    )


def _masks(days: np.ndarray, calendar: EventCalendar, kinds: tuple[str, ...],
           scheduled: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """(event days of the group, ordinary days in the group's coverage window)."""
    sel = np.isin(calendar.kinds, kinds)
    if scheduled is True:
        sel &= calendar.scheduled
    elif scheduled is False:
        sel &= ~calendar.scheduled
    on = np.isin(days, calendar.market_dates[sel])
    any_event = np.isin(days, calendar.market_dates)
    cover = np.isin(calendar.kinds, kinds)
    lo, hi = calendar.market_dates[cover].min(), calendar.market_dates[cover].max()
    inside = (days >= lo) & (days <= hi)
    return on & inside, inside & ~any_event


def event_study(history: Any, calendar: EventCalendar, start: dt.date | None = None, end: dt.date | None = None,
                n_boot: int = 2000, seed: int = 7) -> EventStudy:
    """Event days vs ordinary days on the daily ``history`` (see the module docstring)."""
    if start is not None or end is not None:
        history = history.slice(start, end)
    days = np.asarray(history.dates, dtype="datetime64[D]")
    if days.size < 60:
        raise ValueError(f"the history has {days.size} days: the event study needs at least 60")
    s = _series(history)
    rng = np.random.default_rng(seed)
    groups = []
    for name, (kinds, sched) in GROUPS.items():
        on, other = _masks(days, calendar, kinds, sched)
        g = _group_stats(name, days, s, on, other, rng, n_boot)
        if g is not None:
            groups.append(g)
    main = next((g for g in groups if g.group == "fomc_or_cpi"), None)
    if main is None:
        raise ValueError("no FOMC or CPI days inside the history: nothing to measure")
    # out of sample: fit on the first half of the FOMC/CPI window, test on the second
    on, other = _masks(days, calendar, ("fomc", "cpi"), True)
    mid = days[np.flatnonzero(on)[on.sum() // 2]]
    halves = []
    for part in (days < mid, days >= mid):
        g = _group_stats("fomc_or_cpi", days, s, on & part, other & part, rng, n_boot)
        halves.append(g)
    fit = None
    if halves[0] is not None and halves[1] is not None:
        a, b = halves[0], halves[1]
        fit = BumpFit(fit_period=(a.first, a.last), test_period=(b.first, b.last), fit=a.variance_vs_vix,
                      test=b.variance_vs_vix,
                      fit_inside_test_interval=bool(b.variance_vs_vix.lo <= a.variance_vs_vix.est
                                                    <= b.variance_vs_vix.hi))
    notes = [
        "event day = the market date (FOMC before Feb 1994: the day after the meeting); other days = no event "
        "of any kind, inside the group's coverage window",
        "PPI dates are known only from 2018 (one unverified list): before that some 'other' days are PPI days",
        f"95% percentile bootstrap, {n_boot} resamples, seed {seed}; days treated as independent",
        "vix_day/into/after in % (log points x 100): event mean minus ordinary (day) or all-day (windows) mean",
    ]
    return EventStudy(period=(days[0].astype(dt.date), days[-1].astype(dt.date)), n_boot=n_boot, seed=seed,
                      groups=groups, bump=main.variance_vs_vix, bump_fit=fit, notes=notes)


def format_study(st: EventStudy) -> str:
    """The study as a text table (ratios: event / ordinary days; VIX in %)."""
    lines = [f"Event days vs ordinary days, {st.period[0]} .. {st.period[1]} (95% bootstrap intervals)", ""]
    hdr = (f"{'group':<20}{'n':>5}  {'|SPX ret| ratio':<20}{'var ratio vs VIX':<20}{'|dVIX| ratio':<20}"
           f"{'VIX day %':<22}{'VIX 5d into %':<22}{'VIX 5d after %':<22}")
    lines.append(hdr)
    for g in st.groups:
        lines.append(f"{g.label:<20}{g.n_event:>5}  {g.abs_return.text():<20}{g.variance_vs_vix.text():<20}"
                     f"{g.abs_vix_change.text():<20}{g.vix_day.text('+.2f'):<22}{g.vix_into.text('+.2f'):<22}"
                     f"{g.vix_after.text('+.2f'):<22}")
    lines.append("")
    lines.append(f"engine bump (variance ratio vs VIX, scheduled FOMC or CPI days): {st.bump.text()}")
    if st.bump_fit is not None:
        f = st.bump_fit
        lines.append(f"out of sample: fitted {f.fit.text()} on {f.fit_period[0]}..{f.fit_period[1]}; "
                     f"{f.test.text()} on {f.test_period[0]}..{f.test_period[1]}: fit "
                     + ("inside" if f.fit_inside_test_interval else "OUTSIDE") + " the test interval")
    lines.append("notes:")
    lines.extend(f"  - {n}" for n in st.notes)
    return "\n".join(lines)
