"""The hot kernel of the along-path pricer: 4x4 cubic interpolation of the COS tables.

``interp_put(x, inv_scale, base, wh, price_flat, delta_flat, y0, dy, n_y, y_max)`` returns the put price
per unit strike and its x-derivative at every element (any shape): the log-moneyness x is standardised
(y = x inv_scale, clipped to +-y_max), a 4-point Lagrange stencil is taken in y, and the 16 table
values around each point (4 in y x 4 in ln h*, the latter prepared per expiry in ``StateStencil``) are
combined. Two implementations, the same arithmetic in the same order:

- ``interp_put_numpy``: the reference (vectorised numpy: 16 gathers per table);
- ``interp_put_numba``: one fused compiled loop (no temporaries, ``_numba_kernel.py``), used once
  loaded (``numba_kernel()``; the bot's start-up warm-up loads it) when ``numba`` is installed
  (``pip install numba``, in the ``fast`` and ``test`` extras) and ``ACCELERATE`` is True.

``tests/test_scenarios_kernels.py`` checks the two agree to round-off on real tables.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: use the compiled kernel when numba is importable (set False to force the numpy reference)
ACCELERATE = True


def lagrange4(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cubic Lagrange weights for nodes at offsets -1, 0, 1, 2 evaluated at t (0 <= t < 1)."""
    tm1, tm2, tp1 = t - 1.0, t - 2.0, t + 1.0
    a = t * tm1
    b = tp1 * tm2
    return (a * tm2 * (-1.0 / 6.0), b * tm1 * 0.5, b * t * -0.5, a * tp1 * (1.0 / 6.0))


def stencil(pos: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Base index (node at offset -1) and fractional position for a 4-point stencil."""
    i = np.floor(pos).astype(np.intp)
    i = np.clip(i, 1, n_nodes - 3)
    return i - 1, pos - i


def interp_put_numpy(x: np.ndarray, inv_scale: np.ndarray, base: np.ndarray, wh: tuple[np.ndarray, ...],
                     price_flat: np.ndarray, delta_flat: np.ndarray, y0: float, dy: float, n_y: int,
                     y_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference: (p, dp/dx, y) by numpy gathers (see module docstring)."""
    y = x * inv_scale
    iy, ty = stencil((np.clip(y, -y_max, y_max) - y0) / dy, n_y)
    wy = lagrange4(ty)
    b0 = base + iy
    p = np.zeros(x.shape)
    dp = np.zeros(x.shape)
    for b in range(4):
        ip = np.zeros(x.shape)
        idp = np.zeros(x.shape)
        for a in range(4):
            idx = b0 + (b * n_y + a)
            ip += wy[a] * price_flat.take(idx)
            idp += wy[a] * delta_flat.take(idx)
        p += wh[b] * ip
        dp += wh[b] * idp
    return p, dp, y


def _build_numba() -> Callable[..., Any] | None:
    try:
        from alvh_core.scenarios._numba_kernel import interp_put_kernel
    except Exception:  # pragma: no cover - numba not installed (or broken)
        return None
    return interp_put_kernel


_NUMBA: dict[str, Any] = {}


def numba_kernel() -> Callable[..., Any] | None:
    """The compiled kernel (compiled once per process, cached on disk by numba), or None without numba."""
    if "k" not in _NUMBA:
        _NUMBA["k"] = _build_numba()
    return _NUMBA["k"]


def interp_put_numba(x: np.ndarray, inv_scale: np.ndarray, base: np.ndarray, wh: tuple[np.ndarray, ...],
                     price_flat: np.ndarray, delta_flat: np.ndarray, y0: float, dy: float, n_y: int,
                     y_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fused compiled loop (same arithmetic as ``interp_put_numpy``); raises without numba."""
    kernel = numba_kernel()
    if kernel is None:
        raise RuntimeError("numba is not installed: pip install numba (or use interp_put_numpy)")
    shape = np.broadcast_shapes(np.shape(x), np.shape(inv_scale), np.shape(base))

    def flat(a: Any, dtype: Any) -> np.ndarray:
        if type(a) is np.ndarray and a.shape == shape and a.dtype == dtype and a.flags.c_contiguous:
            return a.reshape(-1)  # already so (a stencil's arrays): a view, no broadcast machinery per strike
        return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=dtype), shape)).reshape(-1)

    xs, sc, bs = flat(x, float), flat(inv_scale, float), flat(base, np.int64)
    w = [flat(v, float) for v in wh]
    p, dp, y = np.empty(xs.size), np.empty(xs.size), np.empty(xs.size)
    kernel(xs, sc, bs, w[0], w[1], w[2], w[3], price_flat, delta_flat, float(y0), float(dy), int(n_y),
           float(y_max), p, dp, y)
    return p.reshape(shape), dp.reshape(shape), y.reshape(shape)


def interp_put(*args: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``interp_put_numba`` once the compiled kernel is loaded (``numba_kernel()``, done by
    ``scenarios.warm.warm_up`` at bot start) and ``ACCELERATE``; else the numpy reference.

    Not loaded on demand: importing numba and loading even a cached kernel costs ~0.5-1 s per process,
    more than it saves on one command-line comparison; a long-running process (the bot) gains."""
    if ACCELERATE and _NUMBA.get("k") is not None:
        return interp_put_numba(*args)
    return interp_put_numpy(*args)
