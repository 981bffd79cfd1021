"""Honest test doubles for the MarketPaths protocol (alvh_core/scenarios/base.py).

``GbmVixDouble``: SPX is a geometric Brownian motion priced by Black-Scholes-Merton at one constant
implied vol; VIX is a driftless lognormal martingale ``X`` (flat futures curve: every VIX future equals
``X`` until it expires, so ``F_T(T) = VIX_T``) and VIX options are Black-76 on that future at the
vol-of-vol ``nu``. The two Brownian motions have correlation ``rho``.

With ``premia=False`` the paths move under the pricing measure: SPX drifts at ``rate - div``, realized
vol equals implied vol, X has no drift. Every discounted price along the paths is then a martingale,
so no trading rule can make money in expectation (the honesty tests rely on exactly this).
With ``premia=True`` the paths move under a "real-world" law with a variance risk premium (realized vol
``vrp_ratio`` x implied), an equity premium and VIX futures rolling down, while prices keep using the
pricing-measure formulas: selling options then earns on average.

The pricing formulas here are written independently of alvh_core.pricing on purpose.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from alvh_core.models import OptionKind


def bsm_price_delta(is_call: bool, s, k, tau, vol, r, q):
    """Black-Scholes-Merton price and delta, broadcast; tau <= 0 gives intrinsic and delta 0."""
    s = np.asarray(s, float)
    tau = np.asarray(tau, float)
    live = tau > 0
    tt = np.where(live, tau, 1.0)
    sq = vol * np.sqrt(tt)
    d1 = (np.log(s / k) + (r - q + 0.5 * vol * vol) * tt) / sq
    d2 = d1 - sq
    dq, dr = np.exp(-q * tt), np.exp(-r * tt)
    if is_call:
        p = s * dq * ndtr(d1) - k * dr * ndtr(d2)
        dlt = dq * ndtr(d1)
        intr = np.maximum(s - k, 0.0)
    else:
        p = k * dr * ndtr(-d2) - s * dq * ndtr(-d1)
        dlt = -dq * ndtr(-d1)
        intr = np.maximum(k - s, 0.0)
    return np.where(live, p, intr), np.where(live, dlt, 0.0)


def black76_price(is_call: bool, f, k, tau, vol, r):
    """Black-76 price, broadcast; tau <= 0 gives intrinsic."""
    f = np.asarray(f, float)
    tau = np.asarray(tau, float)
    live = tau > 0
    tt = np.where(live, tau, 1.0)
    sq = vol * np.sqrt(tt)
    d1 = (np.log(f / k) + 0.5 * vol * vol * tt) / sq
    d2 = d1 - sq
    dr = np.exp(-r * tt)
    if is_call:
        p = dr * (f * ndtr(d1) - k * ndtr(d2))
        intr = np.maximum(f - k, 0.0)
    else:
        p = dr * (k * ndtr(-d2) - f * ndtr(-d1))
        intr = np.maximum(k - f, 0.0)
    return np.where(live, p, intr)


class GbmVixDouble:
    """MarketPaths double. Shapes: N = n_paths, T+1 = n_days+1 daily calendar dates (t in years, ACT/365)."""

    def __init__(self, spot: float, vix_points: float, n_days: int, n_paths: int = 4000, seed: int = 1,
                 premia: bool = False, rate: float = 0.04, div: float = 0.013, implied_vol: float | None = None,
                 nu: float = 1.0, rho: float = -0.7, vrp_ratio: float = 0.8, equity_premium: float = 0.05,
                 vix_roll: float = -0.6):
        self.rate, self.div = rate, div
        self.implied_vol = implied_vol if implied_vol is not None else vix_points / 100.0
        self.nu = nu
        self.t = np.arange(n_days + 1) / 365.0
        dt = 1.0 / 365.0
        rng = np.random.default_rng(seed)
        z1 = rng.standard_normal((n_paths, n_days))
        z2 = rho * z1 + np.sqrt(1 - rho * rho) * rng.standard_normal((n_paths, n_days))
        sig = self.implied_vol * (vrp_ratio if premia else 1.0)
        mu = rate - div + (equity_premium if premia else 0.0)
        ls = np.cumsum((mu - 0.5 * sig * sig) * dt + sig * np.sqrt(dt) * z1, axis=1)
        drift_x = vix_roll if premia else 0.0
        lx = np.cumsum((drift_x - 0.5 * nu * nu) * dt + nu * np.sqrt(dt) * z2, axis=1)
        zero = np.zeros((n_paths, 1))
        self.spot = spot * np.exp(np.hstack([zero, ls]))
        self._x = (vix_points / 100.0) * np.exp(np.hstack([zero, lx]))
        self.vix = self._x.copy()

    def _upto(self, expiry_t: float) -> tuple[np.ndarray, int]:
        """tau (T+1,) clipped at 0 and the index of the expiry date (last date <= expiry_t)."""
        tau = np.maximum(expiry_t - self.t, 0.0)
        k = int(np.searchsorted(self.t, expiry_t + 1e-9, side="right") - 1)
        return tau, k

    def spx_option(self, kind: OptionKind, strike: float, expiry_t: float):
        tau, k = self._upto(expiry_t)
        p, d = bsm_price_delta(kind == "C", self.spot, strike, tau[None, :], self.implied_vol, self.rate, self.div)
        p[:, k + 1:] = p[:, [k]]
        d[:, k:] = 0.0
        return p, d

    def vix_future(self, expiry_t: float) -> np.ndarray:
        _, k = self._upto(expiry_t)
        f = self._x.copy()
        f[:, k + 1:] = f[:, [k]]
        return f * 100.0

    def vix_option(self, kind: OptionKind, strike: float, expiry_t: float) -> np.ndarray:
        tau, k = self._upto(expiry_t)
        f = self.vix_future(expiry_t)
        p = black76_price(kind == "C", f, strike, tau[None, :], self.nu, self.rate)
        p[:, k + 1:] = p[:, [k]]
        return p
