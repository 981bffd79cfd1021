"""Black-Scholes-Merton for European (cash-settled) index options, vectorised over numpy arrays.

``price(is_call, spot, strike, tau, vol, rate=0.0, div=0.0)`` and ``greeks(...)`` take arrays of any
broadcastable shape (scalars too) and return arrays of the broadcast shape.

- ``is_call``: bool (array); True for a call, False for a put.
- ``spot``, ``strike``: index points (> 0).
- ``tau``: years to expiry (ACT/365); ``tau <= 0`` means expired: value is intrinsic.
- ``vol``: decimal (0.18); ``vol == 0`` gives the discounted intrinsic value of the forward.
- ``rate``, ``div``: continuously compounded decimals (risk-free rate, dividend yield).

Units of the greeks: see :mod:`alvh_core.pricing.greeks` (vega per vol point, theta per calendar day).
Limits: as ``tau -> 0`` or ``vol -> 0`` the price tends to (discounted) intrinsic and delta to
0 or +/-1 (times the dividend discount); at the money with zero variance the digital is taken
as 1/2. These limits are computed exactly, not by letting the formula overflow.

The forward form is :mod:`alvh_core.pricing.black76` (``F = S exp((r - q) tau)``, discount ``exp(-r tau)``).
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from alvh_core.pricing.greeks import Greeks

DAYS_PER_YEAR = 365.0
_INV_SQRT_2PI = 0.3989422804014327


def _d1_d2(spot, strike, tau, vol, rate, div):
    """d1, d2 and total std s = vol*sqrt(tau); exact limits where s == 0 (d = +/-inf, 0 at the money)."""
    tau_pos = np.maximum(tau, 0.0)
    s = vol * np.sqrt(tau_pos)
    log_fk = np.log(spot / strike) + (rate - div) * tau_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = log_fk / s + 0.5 * s
    zero = s <= 0.0
    if np.any(zero):
        # +/-inf away from the money; 0 at the money (the digital N(0) = 1/2)
        lim = np.where(log_fk > 0, np.inf, np.where(log_fk < 0, -np.inf, 0.0))
        d1 = np.where(zero, lim, d1)
        d2 = np.where(zero, lim, d1 - s)
    else:
        d2 = d1 - s
    return d1, d2, s, tau_pos


def price(is_call, spot, strike, tau, vol, rate=0.0, div=0.0) -> np.ndarray:
    """Present value in index points; arrays broadcast. See the module docstring for units and limits."""
    is_call, spot, strike, tau, vol, rate, div = map(np.asarray, (is_call, spot, strike, tau, vol, rate, div))
    d1, d2, _, tau_pos = _d1_d2(spot, strike, tau, vol, rate, div)
    w = np.where(is_call, 1.0, -1.0)
    df_q = np.exp(-div * tau_pos)
    df_r = np.exp(-rate * tau_pos)
    return w * (spot * df_q * ndtr(w * d1) - strike * df_r * ndtr(w * d2))


def greeks(is_call, spot, strike, tau, vol, rate=0.0, div=0.0) -> Greeks:
    """Price, delta, gamma, vega (per vol point), theta (per calendar day), rho (per 1% rate).

    One pass: d1/d2, the normal cdfs and the density are computed once and shared.
    Shapes: every input broadcasts; every field has the broadcast shape.
    """
    is_call, spot, strike, tau, vol, rate, div = map(np.asarray, (is_call, spot, strike, tau, vol, rate, div))
    d1, d2, s, tau_pos = _d1_d2(spot, strike, tau, vol, rate, div)
    w = np.where(is_call, 1.0, -1.0)
    df_q = np.exp(-div * tau_pos)
    df_r = np.exp(-rate * tau_pos)
    nd1 = ndtr(w * d1)
    nd2 = ndtr(w * d2)
    pdf1 = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)  # 0 where d1 = +/-inf
    sdq = spot * df_q
    kdr = strike * df_r
    value = w * (sdq * nd1 - kdr * nd2)
    delta = w * df_q * nd1
    sqrt_tau = np.sqrt(tau_pos)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(s > 0.0, df_q * pdf1 / (spot * s), 0.0)
        decay = np.where(s > 0.0, sdq * pdf1 * vol / (2.0 * sqrt_tau), 0.0)
    vega = sdq * pdf1 * sqrt_tau / 100.0
    # dV/dt (calendar time passing) = -dV/dtau
    theta_year = -decay - w * rate * kdr * nd2 + w * div * sdq * nd1
    theta = np.where(tau > 0.0, theta_year / DAYS_PER_YEAR, 0.0)
    rho = w * kdr * tau_pos * nd2 / 100.0
    return Greeks(value, delta, gamma, vega, theta, rho)


def forward(spot, tau, rate=0.0, div=0.0) -> np.ndarray:
    """Forward price ``S exp((r - q) tau)`` in index points."""
    return np.asarray(spot) * np.exp((np.asarray(rate) - np.asarray(div)) * np.maximum(tau, 0.0))
