"""Statistics for overlapping historical trades: circular block bootstrap and drawdown.

Trades entered on consecutive dates overlap in time and share market moves, so their P&Ls are not
independent. The circular block bootstrap (Politis-Romano 1992) resamples blocks of ``block``
consecutive trades (in entry-date order, wrapping around), which keeps that dependence inside a block.
"""
from __future__ import annotations

import math

import numpy as np


def default_block_length(n: int, overlap: float) -> int:
    """Block length in trades: at least the number of trades alive together (``overlap``, rounded up)
    plus one, and at least ``n ** (1/3)`` (the usual rate for the mean); capped at ``n``."""
    if n <= 1:
        return 1
    return int(min(n, max(2, math.ceil(overlap) + 1, math.ceil(n ** (1.0 / 3.0)))))


def block_bootstrap_indices(n: int, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) resampled trade indices: circular blocks of ``block`` consecutive trades."""
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_boot, -1)[:, :n]


def bootstrap_mean_ci(x: np.ndarray, block: int, n_boot: int = 2000, seed: int = 7,
                      level: float = 0.95) -> tuple[float, float, float]:
    """(standard error, lower, upper) of the mean of ``x`` (n,) by circular block bootstrap.

    Percentile interval at ``level``. ``x`` may be (k, n) to bootstrap k series with the same resamples
    (paired differences stay paired); then each returned value is a (k,) array.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    if n < 2:
        nan = np.full(x.shape[:-1], np.nan) if x.ndim > 1 else float("nan")
        return nan, nan, nan
    idx = block_bootstrap_indices(n, min(block, n), n_boot, np.random.default_rng(seed))
    means = x[..., idx].mean(axis=-1)  # (..., n_boot)
    a = (1.0 - level) / 2.0
    se = means.std(axis=-1, ddof=1)
    lo, hi = np.quantile(means, [a, 1.0 - a], axis=-1)
    if x.ndim == 1:
        return float(se), float(lo), float(hi)
    return se, lo, hi


def max_drawdown(equity: np.ndarray) -> float:
    """Largest peak-to-trough fall (a positive number, same units) of a cumulative P&L curve (starts at 0)."""
    e = np.concatenate([[0.0], np.asarray(equity, dtype=float)])
    return float(np.max(np.maximum.accumulate(e) - e))


def claims_bootstrap(d: np.ndarray, dh: np.ndarray, tested: np.ndarray, held: np.ndarray, wing: np.ndarray,
                     block: int, n_boot: int = 2000, seed: int = 7,
                     ) -> dict[str, tuple[float | None, tuple[float, float] | None]]:
    """The method's claims over trades in entry order, each (value, 95% interval) by circular block bootstrap.

    ``d`` (n,) ALVH - leg out, ``dh`` ALVH - hold, ``tested`` bool, ``held`` every trade held to expiry
    before costs (the entry EV's sample), ``wing`` the tested wing's entry credit. Keys: 'extra' and
    'layers' (means over the tested trades), 'pct_entry_ev' (100 x extra / mean held over ALL trades) and
    'pct_wing_credit' (100 x extra / mean tested wing credit). Numerators and denominators are resampled
    together (the same blocks of trades).
    """
    n = d.size
    idx = block_bootstrap_indices(n, max(1, min(block, n)), n_boot, np.random.default_rng(seed))
    t = tested[idx]
    cnt = t.sum(axis=1)
    ok = cnt > 0
    den = np.maximum(cnt, 1)
    per = np.where(ok, (d[idx] * t).sum(axis=1) / den, np.nan)
    per_h = np.where(ok, (dh[idx] * t).sum(axis=1) / den, np.nan)
    ev = held[idx].mean(axis=1)
    wc = np.where(ok, (wing[idx] * t).sum(axis=1) / den, np.nan)

    def q(x: np.ndarray) -> tuple[float, float] | None:
        x = x[np.isfinite(x)]
        return None if x.size < 10 else (float(np.quantile(x, 0.025)), float(np.quantile(x, 0.975)))

    extra = float(d[tested].mean()) if tested.any() else 0.0
    ev0 = float(held.mean())
    w0 = float(wing[tested].mean()) if tested.any() else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_ev = 100.0 * per / np.where(ev > 0, ev, np.nan)
        pct_w = 100.0 * per / np.where(wc > 0, wc, np.nan)
    return {
        "extra": (extra, q(per)),
        "layers": (float(dh[tested].mean()) if tested.any() else 0.0, q(per_h)),
        "pct_entry_ev": (100.0 * extra / ev0 if ev0 > 0 else None, q(pct_ev) if ev0 > 0 else None),
        "pct_wing_credit": (100.0 * extra / w0 if w0 > 0 else None, q(pct_w) if w0 > 0 else None),
    }
