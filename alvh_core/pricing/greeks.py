"""The ``Greeks`` result shared by the Black-Scholes-Merton and Black-76 pricers.

Units (kept everywhere in alvh_core): prices in index points per one unit of the underlying (multiply
by the contract multiplier for dollars); ``delta`` per 1 point of the underlying (spot for BSM,
the future for Black-76); ``gamma`` per point squared; ``vega`` per 1 vol point (0.01 in decimal
vol); ``theta`` per calendar day (the change in value when one day passes, market unchanged,
i.e. ``-dV/dtau / 365``); ``rho`` per 1 percentage point of the rate.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Greeks(NamedTuple):
    """Price and sensitivities; each field an ndarray of the broadcast input shape (0-d for scalars)."""

    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    rho: np.ndarray
