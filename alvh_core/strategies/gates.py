"""Optional layering gates as pure vectorised functions (issue 17): events, SPX MACD, A/D divergence.

Arrays run along the last axis over dates: (..., T) (N simulated paths x T+1 dates, or one history).
Each gate returns a bool array of the same shape, True where a layer MAY go on. Dates on which a gate
has no value (indicator warm-up, no breadth data) pass, as the VIX RSI/MACD gates of
``alvh_core.strategies.alvh`` do; ``breadth_missing`` says which days had no breadth data.

- ``event_ahead(has_event, lookahead)``: True at date j when an event falls on dates j+1..j+lookahead
  (the close before the event is the last chance to layer before it).
- ``pre_event_trigger(abs_delta, ahead, delta_min)``: the wing is "within a stated delta" of being tested
  (its short |delta| >= ``delta_min``) on the close before an event: the method layers then rather
  than wait for the event to push delta through the trigger.
- ``spx_macd_gate(spx, wing)``: SPX momentum confirms the threat: put wing while the SPX MACD line is
  below its signal line, call wing while above (MACD 12/26/9 of ``indicators.macd``).
- Advance-decline divergence (NYSE advancing minus declining issues, ``nyse_breadth.csv``):
  ``ad_line = cumsum(advances - declines)``. On day t, over the trailing ``window`` days (t included):
  a *bearish* divergence is SPX closing at its window high while the A/D line is below its own window
  high (the rally is not broad); a *bullish* divergence is SPX at its window low while the A/D line is
  above its window low. ``ad_divergence`` returns -1 / +1 / 0, NaN where a breadth value is missing
  inside the window. ``breadth_gate(div, wing, memory)``: put wing passes when a bearish divergence
  occurred in the last ``memory`` days, call wing on a bullish one; no data passes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from alvh_core.strategies.indicators import macd

Wing = Literal["put", "call"]


def event_ahead(has_event: np.ndarray, lookahead: int = 1) -> np.ndarray:
    """(..., T) bool: an event on one of the next ``lookahead`` dates (not today's)."""
    if lookahead < 1:
        raise ValueError(f"lookahead {lookahead} must be >= 1 date")
    e = np.asarray(has_event, bool)
    c = np.concatenate([np.zeros(e.shape[:-1] + (1,), int), np.cumsum(e, axis=-1)], axis=-1)
    t = e.shape[-1]
    j = np.arange(t)
    hi = np.minimum(j + lookahead, t - 1)
    # events on dates j+1..hi = c[hi+1] - c[j+1]
    return (c[..., hi + 1] - c[..., np.minimum(j + 1, t)]) > 0


def pre_event_trigger(abs_delta: np.ndarray, ahead: np.ndarray, delta_min: float) -> np.ndarray:
    """(N, T) bool: an event is ahead and the short's |delta| is already >= ``delta_min``."""
    if not 0 < delta_min < 1:
        raise ValueError(f"pre-event delta {delta_min} must be an |delta| between 0 and 1")
    return (np.asarray(abs_delta) >= delta_min) & np.asarray(ahead, bool)


def spx_macd_gate(spx: np.ndarray, wing: Wing, fast: int = 12, slow: int = 26, signal: int = 9) -> np.ndarray:
    """(..., T) bool: SPX MACD line below (put wing) / above (call wing) its signal line; warm-up passes."""
    line, sig, _ = macd(np.asarray(spx, float), fast, slow, signal)
    cond = line < sig if wing == "put" else line > sig
    return cond | np.isnan(line)


def _rolling_max(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing max over ``window`` dates (t included) along the last axis; NaN where any is NaN."""
    from numpy.lib.stride_tricks import sliding_window_view

    out = np.full(x.shape, np.nan)
    if x.shape[-1] >= window:
        out[..., window - 1:] = sliding_window_view(x, window, axis=-1).max(axis=-1)
    return out


def ad_line(advances: np.ndarray, declines: np.ndarray) -> np.ndarray:
    """Cumulative net advances; NaN on days without data (the line continues from the last value)."""
    net = np.asarray(advances, float) - np.asarray(declines, float)
    line = np.cumsum(np.where(np.isnan(net), 0.0, net), axis=-1)
    return np.where(np.isnan(net), np.nan, line)


def ad_divergence(spx: np.ndarray, adl: np.ndarray, window: int = 20) -> np.ndarray:
    """(..., T) float: -1 bearish, +1 bullish, 0 none, NaN without breadth in the window (see module doc)."""
    if window < 2:
        raise ValueError(f"divergence window {window} must be >= 2 days")
    s = np.asarray(spx, float)
    a = np.asarray(adl, float)
    s_hi, s_lo = _rolling_max(s, window), -_rolling_max(-s, window)
    a_hi, a_lo = _rolling_max(a, window), -_rolling_max(-a, window)
    bear = (s >= s_hi) & (a < a_hi)
    bull = (s <= s_lo) & (a > a_lo)
    out = np.where(bear, -1.0, np.where(bull, 1.0, 0.0))
    return np.where(np.isnan(a_hi) | np.isnan(s_hi), np.nan, out)


def breadth_gate(div: np.ndarray, wing: Wing, memory: int = 10) -> np.ndarray:
    """(..., T) bool: a divergence against the wing in the last ``memory`` days; no data passes."""
    if memory < 1:
        raise ValueError(f"divergence memory {memory} must be >= 1 day")
    d = np.asarray(div, float)
    want = -1.0 if wing == "put" else 1.0
    hit = (d == want).astype(float)
    c = np.concatenate([np.zeros(d.shape[:-1] + (1,)), np.cumsum(hit, axis=-1)], axis=-1)
    t = d.shape[-1]
    j = np.arange(t)
    recent = (c[..., j + 1] - c[..., np.maximum(j + 1 - memory, 0)]) > 0
    return recent | np.isnan(d)


def breadth_missing(div: np.ndarray) -> np.ndarray:
    """(..., T) bool: no breadth data behind the divergence that day (the gate passed by default)."""
    return np.isnan(np.asarray(div, float))


# ----- the breadth file ---------------------------------------------------------------------------------

def load_breadth(path: str | Path, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(advances, declines) from ``nyse_breadth.csv`` (``date,advances,declines,...``; a directory is
    searched for ``events/nyse_breadth.csv`` or ``nyse_breadth.csv``) aligned to ``dates``; NaN where absent."""
    import csv

    p = Path(path)
    if p.is_dir():
        for cand in (p / "events" / "nyse_breadth.csv", p / "nyse_breadth.csv"):
            if cand.is_file():
                p = cand
                break
    if not p.is_file():
        raise ValueError(f"no breadth file at {path}: expected nyse_breadth.csv (date,advances,declines)")
    d: list[str] = []
    adv: list[float] = []
    dec: list[float] = []
    with p.open(newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                d.append(row["date"])
                adv.append(float(row["advances"]))
                dec.append(float(row["declines"]))
            except (KeyError, ValueError, TypeError):
                raise ValueError(f"{p.name} line {n}: expected date,advances,declines with numbers") from None
    bd = np.array(d, dtype="datetime64[D]")
    days = np.asarray(dates, dtype="datetime64[D]")
    pos = np.searchsorted(bd, days)
    pos_c = np.minimum(pos, max(bd.size - 1, 0))
    hit = (pos < bd.size) & (bd[pos_c] == days) if bd.size else np.zeros(days.shape, bool)
    a = np.where(hit, np.array(adv)[pos_c] if bd.size else np.nan, np.nan)
    b = np.where(hit, np.array(dec)[pos_c] if bd.size else np.nan, np.nan)
    return a, b


def path_event_days(asof, n_steps: int, kinds: tuple[str, ...] = ("fomc", "cpi"), calendar=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(n_steps+1,) bool: which path columns (0 = ``asof``, j = the j-th NYSE session after it) carry a
    scheduled event of ``kinds`` (the product's calendar unless ``calendar`` is given)."""
    from alvh_core.events import default_calendar, trading_days_after

    cal = calendar if calendar is not None else default_calendar()
    days = np.concatenate([np.array([asof], dtype="datetime64[D]"), trading_days_after(asof, n_steps)])
    return cal.mask(days, kinds=kinds, scheduled_only=True)
