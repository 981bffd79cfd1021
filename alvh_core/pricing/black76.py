"""Black-76 for European options on a future (VIX options on the VIX future of the same expiry).

``price(is_call, forward, strike, tau, vol, rate=0.0)`` and ``greeks(...)`` broadcast over numpy
arrays. ``forward`` and ``strike`` in index points, ``tau`` in years (ACT/365), ``vol`` decimal,
``rate`` continuously compounded (discounting only). The value is
``exp(-r tau) * w * (F N(w d1) - K N(w d2))`` with ``w = +1`` for calls and ``-1`` for puts.

Greeks: delta per point of the future, gamma per point^2 of the future, vega per vol point, theta per
calendar day (``-dV/dtau/365`` with the future held fixed), rho per 1% (of the discount only).
Limits ``tau -> 0`` and ``vol -> 0`` are exact (discounted intrinsic; delta 0 or +/- discount).
"""
from __future__ import annotations

import numpy as np

from alvh_core.pricing import bsm
from alvh_core.pricing.greeks import Greeks


def price(is_call, forward, strike, tau, vol, rate=0.0) -> np.ndarray:
    """Present value in index points; arrays broadcast."""
    # Black-76 is BSM with the dividend yield equal to the rate: S e^{-q tau} = F e^{-r tau}.
    return bsm.price(is_call, forward, strike, tau, vol, rate, rate)


def greeks(is_call, forward, strike, tau, vol, rate=0.0) -> Greeks:
    """Price and greeks (units in the module docstring); arrays broadcast."""
    # BSM with q = r: S e^{-q tau} = F e^{-r tau}, so price, delta, gamma and vega carry over
    # (delta and gamma are then with respect to the future). Theta and rho differ: in Black-76
    # the future is held fixed, so only the discount factor moves with tau and r.
    g = bsm.greeks(is_call, forward, strike, tau, vol, rate, rate)
    tau = np.asarray(tau, dtype=float)
    tau_pos = np.maximum(tau, 0.0)
    vol = np.asarray(vol, dtype=float)
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # vega (per vol point) = e^{-r tau} F phi(d1) sqrt(tau) / 100, so the decay term
        # e^{-r tau} F phi(d1) vol / (2 sqrt(tau)) = 100 vega vol / (2 tau)
        decay = np.where(tau_pos > 0.0, g.vega * 100.0 * vol / (2.0 * tau_pos), 0.0)
    theta = np.where(tau > 0.0, (rate * g.price - decay) / bsm.DAYS_PER_YEAR, 0.0)
    rho = -tau_pos * g.price / 100.0
    return Greeks(g.price, g.delta, g.gamma, g.vega, theta, rho)
