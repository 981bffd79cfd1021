"""Technical indicators along the last axis of a series array, vectorised over the leading axes.

Inputs are levels ``x`` of shape (..., T) (e.g. VIX on N paths: (N, T+1), or one history: (T,)).
Outputs have the same shape; dates without enough history are NaN. The recursions loop over time
steps only.

- ``ema(x, span)``: exponential moving average, alpha = 2/(span+1), seeded with the first value.
- ``rsi(x, period=14)``: Wilder's RSI in [0, 100]; the first value at index ``period`` (simple average
  of the first ``period`` changes, then Wilder smoothing alpha = 1/period). All-up windows give 100.
- ``macd(x, fast=12, slow=26, signal=9)``: (macd line = EMA_fast - EMA_slow, signal = EMA_signal of the
  line, histogram = line - signal); NaN before index ``slow - 1``.
"""
from __future__ import annotations

import numpy as np


def ema(x: np.ndarray, span: int) -> np.ndarray:
    """EMA along the last axis with alpha = 2/(span+1), seeded with x[..., 0]."""
    if span < 1:
        raise ValueError(f"span {span} must be >= 1")
    x = np.asarray(x, float)
    a = 2.0 / (span + 1.0)
    out = np.empty_like(x)
    out[..., 0] = x[..., 0]
    for i in range(1, x.shape[-1]):
        out[..., i] = a * x[..., i] + (1 - a) * out[..., i - 1]
    return out


def rsi(x: np.ndarray, period: int = 14) -> np.ndarray:
    """Wilder's relative strength index along the last axis (see module docstring)."""
    if period < 1:
        raise ValueError(f"period {period} must be >= 1")
    x = np.asarray(x, float)
    out = np.full_like(x, np.nan)
    n = x.shape[-1]
    if n <= period:
        return out
    d = np.diff(x, axis=-1)
    up = np.maximum(d, 0.0)
    dn = np.maximum(-d, 0.0)
    au = up[..., :period].mean(axis=-1)
    ad = dn[..., :period].mean(axis=-1)

    def _val(au: np.ndarray, ad: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = 100.0 - 100.0 / (1.0 + au / ad)
        v = np.where(ad == 0, np.where(au == 0, 50.0, 100.0), v)
        return v

    out[..., period] = _val(au, ad)
    for i in range(period + 1, n):
        au = (au * (period - 1) + up[..., i - 1]) / period
        ad = (ad * (period - 1) + dn[..., i - 1]) / period
        out[..., i] = _val(au, ad)
    return out


def macd(x: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(macd line, signal line, histogram) along the last axis; NaN before index slow-1."""
    if not 1 <= fast < slow:
        raise ValueError(f"need 1 <= fast < slow, got fast={fast}, slow={slow}")
    x = np.asarray(x, float)
    line = ema(x, fast) - ema(x, slow)
    sig = ema(line, signal)
    hist = line - sig
    warm = slow - 1
    for a in (line, sig, hist):
        a[..., :warm] = np.nan
    return line, sig, hist
