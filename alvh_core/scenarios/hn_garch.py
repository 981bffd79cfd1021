"""Heston-Nandi GARCH(1,1): the daily recursion, its affine generating function and the model VIX.

One set of parameters describes the law of daily SPX log returns under ONE measure:

    R_{t+1} = mu + lam * h_{t+1} + sqrt(h_{t+1}) * z_{t+1},          z iid N(0, 1)
    h_{t+2} = omega + beta * h_{t+1} + alpha * (z_{t+1} - gamma * sqrt(h_{t+1}))**2

``h_{t+1}`` (daily variance, a decimal per trading day) is known at the close of day t: it is the
state of the model. ``mu`` is the per-step drift of the forward, ``(r - q) / 252``. Under the
risk-neutral measure ``lam = -1/2`` (so E[exp(R)] = exp(mu)).

References: Heston & Nandi (2000), RFS 13, "A closed-form GARCH option valuation model";
Christoffersen, Heston & Jacobs (2013), RFS 26, "Capturing option anomalies with a
variance-dependent pricing kernel" (the P -> Q map used in :mod:`alvh_core.scenarios.params`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

#: Trading days per year: one simulation step is 1/252 of a year of "vol time".
TRADING_DAYS = 252
#: Trading days in the VIX window (30 calendar days).
VIX_DAYS = 21


@dataclasses.dataclass(frozen=True)
class GarchParams:
    """Heston-Nandi parameters under one measure (daily units). ``lam = -0.5`` is risk neutral."""

    omega: float
    alpha: float
    beta: float
    gamma: float
    lam: float

    @property
    def persistence(self) -> float:
        """beta + alpha * gamma**2: E[h_{t+2} | h_{t+1}] = omega + alpha + persistence * h_{t+1}."""
        return self.beta + self.alpha * self.gamma**2

    @property
    def long_run_variance(self) -> float:
        """Unconditional mean of h (daily variance)."""
        return (self.omega + self.alpha) / (1.0 - self.persistence)

    def mean_variance(self, h_next: np.ndarray | float, n: int) -> np.ndarray:
        """E[(h_{t+1} + ... + h_{t+n}) / n | h_{t+1}]: average expected daily variance over n days."""
        rho, v = self.persistence, self.long_run_variance
        h = np.asarray(h_next, dtype=float)
        if n <= 0:
            return h
        factor = (1.0 - rho**n) / (n * (1.0 - rho))
        return v + (h - v) * factor

    def vix_coefficients(self, window: int = VIX_DAYS) -> tuple[float, float]:
        """(a0, a1) with model VIX**2 (annualised decimal variance) = a0 + a1 * h_{t+1}.

        VIX**2 = (252 / window) * E[h_{t+1} + ... + h_{t+window} | h_{t+1}] under THIS measure
        (use the risk-neutral parameters for the model VIX).
        """
        rho, v = self.persistence, self.long_run_variance
        factor = (1.0 - rho**window) / (1.0 - rho)
        scale = TRADING_DAYS / window
        return scale * v * (window - factor), scale * factor

    def next_variance(self, h: np.ndarray, z: np.ndarray) -> np.ndarray:
        """h_{t+2} from h_{t+1} and the shock z_{t+1} (broadcasts)."""
        return self.omega + self.beta * h + self.alpha * (z - self.gamma * np.sqrt(h)) ** 2


def check_stationary(p: GarchParams, what: str = "parameters") -> None:
    if not (p.omega >= 0 and p.alpha > 0 and p.beta >= 0):
        raise ValueError(f"{what}: need omega >= 0, alpha > 0, beta >= 0 (got {p})")
    if not p.persistence < 1.0:
        raise ValueError(f"{what}: persistence beta + alpha*gamma^2 = {p.persistence:.5f} must be below 1")


def log_mgf_coefficients(p: GarchParams, mu: float, phi: np.ndarray, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """Affine coefficients of the generating function of the n-day log return.

    E[exp(phi * (ln S_{t+n} - ln S_t)) | h_{t+1}] = exp(A[n] + B[n] * h_{t+1}) for n = 0..n_max.

    ``phi`` is any array (complex for a characteristic function, phi = i u); the result has shape
    (n_max + 1,) + phi.shape. Recursion of Heston & Nandi (2000), eq. (7)-(8), run forward in the
    number of remaining days (a loop over days only).
    """
    phi = np.asarray(phi)
    dtype = np.result_type(phi, float)
    A = np.zeros((n_max + 1,) + phi.shape, dtype=dtype)
    B = np.zeros_like(A)
    a_n = np.zeros(phi.shape, dtype=dtype)
    b_n = np.zeros(phi.shape, dtype=dtype)
    c1 = phi * (p.lam + p.gamma) - 0.5 * p.gamma**2
    c2 = 0.5 * (phi - p.gamma) ** 2
    for n in range(1, n_max + 1):
        denom = 1.0 - 2.0 * p.alpha * b_n
        a_n = a_n + phi * mu + b_n * p.omega - 0.5 * np.log(denom)
        b_n = c1 + p.beta * b_n + c2 / denom
        A[n] = a_n
        B[n] = b_n
    return A, B


def simulate_returns(
    p: GarchParams, h1: np.ndarray, mu: float, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact simulation of the daily recursion.

    ``h1``: (N,) state h_{t+1} at day 0; ``z``: (T, N) standard normal shocks.
    Returns log returns R (N, T) and states H (N, T+1) with H[:, j] = h_{j+1} (known at day j).
    """
    T, N = z.shape
    H = np.empty((T + 1, N))
    R = np.empty((T, N))
    h = np.broadcast_to(np.asarray(h1, dtype=float), (N,)).copy()
    H[0] = h
    for j in range(T):
        sq = np.sqrt(h)
        R[j] = mu + p.lam * h + sq * z[j]
        h = p.omega + p.beta * h + p.alpha * (z[j] - p.gamma * sq) ** 2
        H[j + 1] = h
    return R.T.copy(), H.T.copy()
