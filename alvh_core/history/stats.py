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
