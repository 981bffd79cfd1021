"""The contract between path generators and strategies.

A ``MarketPaths`` is a set of joint SPX/VIX paths on a daily grid *together with* the prices of
the instruments along them. Strategies (hold, leg out, close tested, ALVH, ...) only ever see this
interface, so the same policy code runs on

- simulated paths from a scenario model, priced by the model's own (risk-neutral) law, and
- real history (one path per trade) priced from that day's data (``alvh_core.history``).

Shapes: N paths, T+1 dates (column 0 is "now"). All prices in index points.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from alvh_core.models import OptionKind


@runtime_checkable
class MarketPaths(Protocol):
    #: (T+1,) years from the start; t[0] == 0.
    t: np.ndarray
    #: (N, T+1) SPX level.
    spot: np.ndarray
    #: (N, T+1) VIX as a decimal (0.243).
    vix: np.ndarray
    #: continuously compounded short rate used for discounting/financing.
    rate: float

    def spx_option(self, kind: OptionKind, strike: float, expiry_t: float) -> tuple[np.ndarray, np.ndarray]:
        """Price and delta of a European SPX option at every (path, date), each (N, T+1).

        On and after ``expiry_t`` the price is the intrinsic settlement value at expiry (held
        constant) and the delta is 0.
        """
        ...

    def vix_future(self, expiry_t: float) -> np.ndarray:
        """VIX future price at every (path, date), (N, T+1); on and after expiry, the settlement
        (VIX at expiry) held constant."""
        ...

    def vix_option(self, kind: OptionKind, strike: float, expiry_t: float) -> np.ndarray:
        """VIX option price at every (path, date), (N, T+1); on and after expiry, the payoff at
        expiry held constant."""
        ...
