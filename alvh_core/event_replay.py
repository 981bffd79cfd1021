"""The historical replay split by event and by gate (issue 17 item 5).

``replay_by_event(report, history, calendar, breadth=None) -> EventReplay`` reads the trades of an
``alvh_core.history.replay.BacktestReport`` (entry, expiry, trigger day, tested wing, P&L per strategy)
and splits them:

- ``fomc_in_life`` / ``cpi_in_life``: a scheduled FOMC decision (market date) / a CPI release fell in
  (entry, expiry] ("unknown" for CPI before the calendar's first CPI date, 1993-01);
- ``event_after_trigger`` (tested trades): a scheduled FOMC or CPI within the 5 sessions after the
  trigger day, i.e. while the hedge was on;
- gates on the trigger day (tested trades), each of ``alvh_core.strategies.gates``: ``pre_event``
  (an FOMC/CPI on the next session), ``spx_macd`` (SPX MACD confirms the tested side), ``breadth``
  (an A/D divergence against the tested side in the last 10 days: on / off / no data).

Each group reports the mean P&L per condor of hold, leg out and ALVH and the paired differences
ALVH - leg out and hold - leg out with 95% block-bootstrap intervals (``history.stats``, blocks of
neighbouring trades in entry order). The replay's ALVH does not use the gates: a split by gate measures
what a gated ALVH would have kept on the trades the gate lets through.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from pydantic import BaseModel

from alvh_core.event_study import Interval
from alvh_core.events import EventCalendar
from alvh_core.history.stats import bootstrap_mean_ci, default_block_length
from alvh_core.strategies.gates import ad_divergence, ad_line, breadth_gate, spx_macd_gate

AFTER_TRIGGER = 5
STRATS = ("hold", "leg_out", "alvh")


class SplitRow(BaseModel):
    split: str
    group: str
    n: int
    n_tested: int
    mean: dict[str, float]
    alvh_minus_leg_out: Interval | None
    hold_minus_leg_out: Interval | None


class EventReplay(BaseModel):
    """JSON keys: ``rows`` (split, group, n, means, paired differences with intervals), ``breadth_missing_days``
    (trading days of the replay without breadth data), ``breadth_missing_triggers``, ``notes``."""

    period: tuple[dt.date, dt.date]
    n_trades: int
    engine: str
    rows: list[SplitRow]
    breadth_missing_days: list[dt.date]
    breadth_missing_triggers: list[dt.date]
    notes: list[str]


def _interval(x: np.ndarray, n_boot: int, seed: int) -> Interval | None:
    if x.size < 3:
        return None
    _, lo, hi = bootstrap_mean_ci(x[None, :], default_block_length(x.size, 1.0), n_boot, seed)
    return Interval(est=float(x.mean()), lo=float(np.ravel(lo)[0]), hi=float(np.ravel(hi)[0]))


def _rows(split: str, labels: np.ndarray, order: list[str], pnl: dict[str, np.ndarray], tested: np.ndarray,
          n_boot: int, seed: int) -> list[SplitRow]:
    out = []
    for g in order:
        m = labels == g
        if not m.any():
            continue
        out.append(SplitRow(
            split=split, group=g, n=int(m.sum()), n_tested=int((m & tested).sum()),
            mean={s: float(pnl[s][m].mean()) for s in STRATS},
            alvh_minus_leg_out=_interval(pnl["alvh"][m] - pnl["leg_out"][m], n_boot, seed),
            hold_minus_leg_out=_interval(pnl["hold"][m] - pnl["leg_out"][m], n_boot, seed),
        ))
    return out


def replay_by_event(report: Any, history: Any, calendar: EventCalendar,
                    breadth: tuple[np.ndarray, np.ndarray] | None = None, n_boot: int = 2000,
                    seed: int = 7) -> EventReplay:
    """Split ``report.trades`` by events in their life and by gate state on the trigger day."""
    trades = report.trades
    if not trades:
        raise ValueError("the replay has no trades to split")
    dates = np.asarray(history.dates, dtype="datetime64[D]")
    entry = np.array([t.entry for t in trades], dtype="datetime64[D]")
    expiry = np.array([t.expiry for t in trades], dtype="datetime64[D]")
    tested = np.array([t.trigger is not None for t in trades])
    trig = np.array([t.trigger if t.trigger is not None else t.entry for t in trades], dtype="datetime64[D]")
    put_side = np.array([t.tested == "put" for t in trades])
    pnl = {s: np.array([t.pnl[s] for t in trades]) for s in STRATS}

    def in_window(lo: np.ndarray, hi: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
        sel = np.isin(calendar.kinds, kinds) & calendar.scheduled
        ev = np.sort(calendar.market_dates[sel])
        return np.searchsorted(ev, hi, side="right") > np.searchsorted(ev, lo, side="right")

    yes_no = np.array(["no", "yes"])
    rows = _rows("fomc_in_life", yes_no[in_window(entry, expiry, ("fomc",)).astype(int)], ["yes", "no"], pnl,
                 tested, n_boot, seed)
    cpi = in_window(entry, expiry, ("cpi",))
    cpi_first = calendar.market_dates[calendar.kinds == "cpi"].min() if (calendar.kinds == "cpi").any() else None
    cpi_lab = yes_no[cpi.astype(int)]
    if cpi_first is not None:  # CPI dates before 1993 are not in the calendar: those trades are unknown
        cpi_lab = np.where(entry < cpi_first, "unknown", cpi_lab)
    rows += _rows("cpi_in_life", cpi_lab, ["yes", "no", "unknown"], pnl, tested, n_boot, seed)
    # sessions after the trigger day
    ti = np.clip(np.searchsorted(dates, trig), 0, dates.size - 1)
    after_hi = dates[np.minimum(ti + AFTER_TRIGGER, dates.size - 1)]
    after = in_window(trig, after_hi, ("fomc", "cpi"))
    lab = np.where(tested, yes_no[after.astype(int)], "untested")
    rows += _rows("event_after_trigger", lab, ["yes", "no"], pnl, tested, n_boot, seed)
    nxt = dates[np.minimum(ti + 1, dates.size - 1)]
    pre = in_window(trig, nxt, ("fomc", "cpi"))
    rows += _rows("gate_pre_event", np.where(tested, yes_no[pre.astype(int)], "untested"), ["yes", "no"], pnl,
                  tested, n_boot, seed)
    spx = np.asarray(history.spx, float)
    g_put, g_call = spx_macd_gate(spx, "put"), spx_macd_gate(spx, "call")
    macd_on = np.where(put_side, g_put[ti], g_call[ti])
    rows += _rows("gate_spx_macd", np.where(tested, yes_no[macd_on.astype(int)], "untested"), ["yes", "no"], pnl,
                  tested, n_boot, seed)
    missing_days: list[dt.date] = []
    missing_trig: list[dt.date] = []
    if breadth is not None:
        adv, dec = breadth
        div = ad_divergence(spx, ad_line(adv, dec), 20)
        nodata = np.isnan(div)
        b_put = breadth_gate(div, "put") & ~nodata
        b_call = breadth_gate(div, "call") & ~nodata
        on = np.where(put_side, b_put[ti], b_call[ti])
        lab = np.where(~tested, "untested", np.where(nodata[ti], "no data", yes_no[on.astype(int)]))
        rows += _rows("gate_breadth", lab, ["yes", "no", "no data"], pnl, tested, n_boot, seed)
        missing_days = [d.astype(dt.date) for d in dates[np.isnan(np.asarray(adv, float))]]
        missing_trig = sorted({trig[i].astype(dt.date) for i in np.flatnonzero(tested & nodata[ti])})
    notes = [
        "P&L per condor ($) from the replay's trades; ALVH - leg out and hold - leg out are paired per trade; "
        f"95% circular block bootstrap over trades in entry order, {n_boot} resamples, seed {seed}",
        "events: scheduled FOMC decisions (market date) and CPI releases from the product's calendar; "
        f"'event_after_trigger' = within {AFTER_TRIGGER} sessions after the trigger day",
        "gates are read on the trigger day; the replay's ALVH itself is ungated: a 'yes' row is what ALVH kept "
        "on the trades that gate would have let through",
    ]
    if breadth is not None:
        notes.append(f"breadth: {len(missing_days)} replay day(s) without NYSE advance/decline data; the "
                     "divergence (20-day window) is undefined for 20 days after each, "
                     f"{len(missing_trig)} trigger day(s) fell there ('no data')")
    return EventReplay(period=(dates[0].astype(dt.date), dates[-1].astype(dt.date)), n_trades=len(trades),
                       engine=str(getattr(report, "engine", "strategy registry")), rows=rows, breadth_missing_days=missing_days,
                       breadth_missing_triggers=missing_trig, notes=notes)


def format_replay(r: EventReplay) -> str:
    def iv(x: Interval | None) -> str:
        return "n<3" if x is None else f"{x.est:+,.0f} [{x.lo:+,.0f}, {x.hi:+,.0f}]"

    lines = [f"Replay by event and gate, {r.period[0]} .. {r.period[1]}: {r.n_trades} trades (engine {r.engine})",
             "", f"{'split':<22}{'group':<10}{'n':>5}{'tested':>7}{'hold':>8}{'leg out':>9}{'alvh':>8}"
                 f"  {'ALVH - leg out [95%]':<24}{'hold - leg out [95%]':<24}"]
    for x in r.rows:
        lines.append(f"{x.split:<22}{x.group:<10}{x.n:>5}{x.n_tested:>7}{x.mean['hold']:>8,.0f}"
                     f"{x.mean['leg_out']:>9,.0f}{x.mean['alvh']:>8,.0f}  {iv(x.alvh_minus_leg_out):<24}"
                     f"{iv(x.hold_minus_leg_out):<24}")
    if r.breadth_missing_days:
        lines.append("")
        lines.append("days without breadth data: " + ", ".join(d.isoformat() for d in r.breadth_missing_days))
    lines.append("notes:")
    lines.extend(f"  - {n}" for n in r.notes)
    return "\n".join(lines)
