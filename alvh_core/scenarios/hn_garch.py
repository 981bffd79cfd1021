"""Heston-Nandi GARCH(1,1): the daily recursion, its affine generating function and the model VIX.

One set of parameters describes the law of daily SPX log returns under ONE measure:

    R_{t+1} = mu - c(h) + lam * h_{t+1} + sqrt(h_{t+1}) * z_{t+1} + S_{t+1},     z iid N(0, 1)
    h_{t+2} = omega + beta * h_{t+1} + alpha * (z_{t+1} - gamma * sqrt(h_{t+1}))**2 + delta * Q_{t+1}

with optional crash jumps: N_{t+1} ~ Poisson(l(h)), l(h) = jump_rate + jump_rate_h * h_{t+1} jumps in
the day, each J_i ~ N(jump_mean, jump_std**2) (independent of z and of each other), S = sum J_i,
Q = sum J_i**2 (``delta = jump_var`` loads the crash on next day's variance: crashes raise vol), and
c(h) = comp0 + comp1 * h a drift compensator (by default this law's own, c(h) = l(h) kappa with
kappa = E[e^J] - 1, so E[exp(R)] = exp(mu) at lam = -1/2). The intensity grows with variance (crashes
cluster in stress; calm markets have almost none), and the model stays affine: given h,
E[exp(u S + v Q)] = exp(l(h) (G(u, v) - 1)) with G = E[exp(u J + v J**2)] closed form (a Gaussian
integral), so the generating-function recursion gains l0 (G - 1) in A and l1 (G - 1) in B. With
zero jump rates every function below gives bit-for-bit the plain Heston-Nandi numbers.

``h_{t+1}`` (daily variance, a decimal per trading day) is known at the close of day t: it is the
state of the model. ``mu`` is the per-step drift of the forward, ``(r - q) / 252``. Under the
risk-neutral measure ``lam = -1/2`` (so E[exp(R)] = exp(mu)).

References: Heston & Nandi (2000), RFS 13, "A closed-form GARCH option valuation model";
Christoffersen, Heston & Jacobs (2013), RFS 26, "Capturing option anomalies with a
variance-dependent pricing kernel" (the P -> Q map used in :mod:`alvh_core.scenarios.params`).
"""
from __future__ import annotations

import dataclasses
import math

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
    jump_rate: float = 0.0
    jump_rate_h: float = 0.0
    jump_mean: float = 0.0
    jump_std: float = 0.0
    jump_var: float = 0.0
    comp0: float | None = None
    comp1: float | None = None

    @property
    def has_jumps(self) -> bool:
        return self.jump_rate > 0.0 or self.jump_rate_h > 0.0

    @property
    def jump_kappa(self) -> float:
        """E[e^J] - 1 for one jump."""
        return math.expm1(self.jump_mean + 0.5 * self.jump_std**2)

    @property
    def jump_m2(self) -> float:
        """E[J^2] for one jump."""
        return self.jump_mean**2 + self.jump_std**2

    def compensator(self) -> tuple[float, float]:
        """(c0, c1) of the drift compensator c(h) = c0 + c1 h (default: this law's l(h) kappa)."""
        k = self.jump_kappa if self.has_jumps else 0.0
        c0 = self.jump_rate * k if self.comp0 is None else self.comp0
        c1 = self.jump_rate_h * k if self.comp1 is None else self.comp1
        return float(c0), float(c1)

    def intensity(self, h: np.ndarray | float) -> np.ndarray:
        """Expected number of jumps in the day, l(h) = jump_rate + jump_rate_h * h."""
        return self.jump_rate + self.jump_rate_h * np.asarray(h, dtype=float)

    @property
    def persistence(self) -> float:
        """E[h_{t+2} | h_{t+1}] = omega + alpha + delta l0 E[J^2] + persistence * h_{t+1}, with
        persistence = beta + alpha * gamma**2 (+ delta l1 E[J^2] with jumps)."""
        if self.has_jumps:
            return self.beta + self.alpha * self.gamma**2 + self.jump_var * self.jump_rate_h * self.jump_m2
        return self.beta + self.alpha * self.gamma**2

    @property
    def long_run_variance(self) -> float:
        """Unconditional mean of h (daily variance)."""
        if self.has_jumps:
            return (self.omega + self.alpha + self.jump_var * self.jump_rate * self.jump_m2) / (1.0 - self.persistence)
        return (self.omega + self.alpha) / (1.0 - self.persistence)

    def log_contract_loading(self) -> tuple[float, float]:
        """(e0, e1): -2 E[R - mu | h] = e0 + e1 h under this law when lam = -1/2 (e0 = 0, e1 = 1 without jumps).

        = 2 c(h) + h - 2 l(h) E[J] = h + 2 l(h) (kappa - mJ) with the default compensator."""
        if not self.has_jumps:
            return 0.0, 1.0
        c0, c1 = self.compensator()
        m = self.jump_mean
        return 2.0 * (c0 - self.jump_rate * m), 1.0 + 2.0 * (c1 - self.jump_rate_h * m)

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
        (use the risk-neutral parameters for the model VIX). With jumps VIX**2 is the log contract,
        (252 / window) E[-2 ln(S_{t+window} / F)] = (252 / window) sum_k E[e0 + e1 h_k].
        """
        rho, v = self.persistence, self.long_run_variance
        factor = (1.0 - rho**window) / (1.0 - rho)
        scale = TRADING_DAYS / window
        if self.has_jumps:
            e0, e1 = self.log_contract_loading()
            return scale * (e1 * v * (window - factor) + window * e0), scale * e1 * factor
        return scale * v * (window - factor), scale * factor

    def next_variance(self, h: np.ndarray, z: np.ndarray) -> np.ndarray:
        """h_{t+2} from h_{t+1} and the shock z_{t+1} on a day without jumps (broadcasts)."""
        return self.omega + self.beta * h + self.alpha * (z - self.gamma * np.sqrt(h)) ** 2


def jump_mgf(m: float, s: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """G(u, v) = E[exp(u J + v J^2)], J ~ N(m, s^2): exp((u m + v m^2 + u^2 s^2 / 2) / d) / sqrt(d),
    d = 1 - 2 v s^2 (complex u, v allowed; needs Re(d) > 0; principal branch)."""
    d = 1.0 - 2.0 * v * (s * s)
    return np.exp((u * m + v * m * m + 0.5 * u * u * s * s) / d - 0.5 * np.log(d))


def check_stationary(p: GarchParams, what: str = "parameters") -> None:
    if not (p.omega >= 0 and p.alpha > 0 and p.beta >= 0):
        raise ValueError(f"{what}: need omega >= 0, alpha > 0, beta >= 0 (got {p})")
    if not p.persistence < 1.0:
        raise ValueError(f"{what}: persistence beta + alpha*gamma^2 = {p.persistence:.5f} must be below 1")


def log_mgf_coefficients(p: GarchParams, mu: float, phi: np.ndarray, n_max: int,
                         mult: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Affine coefficients of the generating function of the n-day log return.

    E[exp(phi * (ln S_{t+n} - ln S_t)) | h_{t+1}] = exp(A[n] + B[n] * h_{t+1}) for n = 0..n_max.

    ``phi`` is any array (complex for a characteristic function, phi = i u); the result has shape
    (n_max + 1,) + phi.shape. Recursion of Heston & Nandi (2000), eq. (7)-(8), run forward in the
    number of remaining days (a loop over days only): step n adds the FIRST day of an n-day window, the
    day n trading days before expiry.

    ``mult`` (issue 17, event days): variance multipliers by position from expiry, ``mult[k - 1]`` for the
    day k trading days before expiry (k = 1 is the expiry day's own return; positions past the array: 1).
    Such a day's return is the one of ``alvh_core.scenarios.simulation.apply_event_variance``:
    R = mu - c(h) + (lam - (m - 1) / 2) h + sqrt(m h) z + S, with h' updated by the same z as on any day.
    Its step stays closed form: the Gaussian integral E[exp(phi sqrt(m h) z + b alpha (z - gamma sqrt h)^2)]
    is the plain one with phi -> phi sqrt(m) in the z terms (c2 and the phi gamma part of c1) and the
    convexity shift -phi (m - 1) / 2 h. ``mult=None`` or all ones: bit for bit the plain recursion.
    """
    phi = np.asarray(phi)
    dtype = np.result_type(phi, float)
    A = np.zeros((n_max + 1,) + phi.shape, dtype=dtype)
    B = np.zeros_like(A)
    a_n = np.zeros(phi.shape, dtype=dtype)
    b_n = np.zeros(phi.shape, dtype=dtype)
    comp0, comp1 = p.compensator() if p.has_jumps else (0.0, 0.0)
    drift = mu - comp0

    def coefs(m: float) -> tuple[np.ndarray, np.ndarray]:
        if m == 1.0:
            c1 = phi * (p.lam + p.gamma) - 0.5 * p.gamma**2
            c2 = 0.5 * (phi - p.gamma) ** 2
        else:
            ps = phi * math.sqrt(m)
            c1 = phi * (p.lam - 0.5 * (m - 1.0)) + ps * p.gamma - 0.5 * p.gamma**2
            c2 = 0.5 * (ps - p.gamma) ** 2
        return (c1 - phi * comp1 if p.has_jumps else c1), c2

    plain = coefs(1.0)
    ms = np.ones(0) if mult is None else np.asarray(mult, dtype=float)
    for n in range(1, n_max + 1):
        m = float(ms[n - 1]) if n <= ms.size else 1.0
        c1, c2 = plain if m == 1.0 else coefs(m)
        denom = 1.0 - 2.0 * p.alpha * b_n
        if p.has_jumps:
            g1 = jump_mgf(p.jump_mean, p.jump_std, phi, p.jump_var * b_n) - 1.0
            a_n = a_n + phi * drift + b_n * p.omega - 0.5 * np.log(denom) + p.jump_rate * g1
            b_n = c1 + p.beta * b_n + c2 / denom + p.jump_rate_h * g1
        else:
            a_n = a_n + phi * mu + b_n * p.omega - 0.5 * np.log(denom)
            b_n = c1 + p.beta * b_n + c2 / denom
        A[n] = a_n
        B[n] = b_n
    return A, B


def poisson_counts(lam: np.ndarray, u: np.ndarray, n_max: int = 30) -> np.ndarray:
    """Poisson(lam) counts by inversion of uniforms ``u`` (same shape; a loop over counts, not paths)."""
    n = np.zeros(lam.shape, dtype=np.int64)
    term = np.exp(-lam)
    cdf = term.copy()
    for k in range(1, n_max + 1):
        more = u > cdf
        if not more.any():
            break
        n += more
        term = term * lam / k
        cdf = cdf + term
    return n


def simulate_jump_day(p: GarchParams, h: np.ndarray, rng: np.random.Generator, pairs: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
    """One day's (S, Q) = (sum J_i, sum J_i^2) given the states ``h`` (N,), exact.

    N ~ Poisson(l(h)) by inversion; given N: sum xi = sqrt(N) eta, sum xi^2 = eta^2 + chi2(N - 1), so
    S = N m + s sqrt(N) eta and Q = N m^2 + 2 m s sqrt(N) eta + s^2 (eta^2 + chi2(N - 1)).
    ``pairs``: path i and i + N/2 share their uniforms and eta (an antithetic pair, each with its own h).
    """
    size = h.shape[0]
    if pairs:
        half = size // 2
        u = rng.random(half)
        eta = rng.standard_normal(half)
        u, eta = np.concatenate([u, u]), np.concatenate([eta, eta])
    else:
        u = rng.random(size)
        eta = rng.standard_normal(size)
    n = poisson_counts(p.intensity(h), u)
    m, s = p.jump_mean, p.jump_std
    rn = np.sqrt(n)
    chi = np.zeros(size)
    many = n >= 2
    if many.any():
        chi[many] = 2.0 * rng.standard_gamma(0.5 * (n[many] - 1))
    big_s = n * m + s * rn * eta
    big_q = n * m * m + 2.0 * m * s * rn * eta + s * s * (np.where(n > 0, eta * eta, 0.0) + chi)
    return big_s, big_q


def simulate_returns(
    p: GarchParams, h1: np.ndarray, mu: float, z: np.ndarray,
    rng: np.random.Generator | None = None, pairs: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact simulation of the daily recursion.

    ``h1``: (N,) state h_{t+1} at day 0; ``z``: (T, N) standard normal shocks; ``rng``: draws the jumps
    (required when the law has jumps, unused otherwise); ``pairs``: antithetic pairs share jump draws.
    Returns log returns R (N, T) and states H (N, T+1) with H[:, j] = h_{j+1} (known at day j).
    """
    T, N = z.shape
    H = np.empty((T + 1, N))
    R = np.empty((T, N))
    h = np.broadcast_to(np.asarray(h1, dtype=float), (N,)).copy()
    H[0] = h
    if p.has_jumps:
        if rng is None:
            raise ValueError("the law has jumps: pass rng to draw them")
        comp0, comp1 = p.compensator()
        drift = mu - comp0
        lam = p.lam - comp1
        for j in range(T):
            sq = np.sqrt(h)
            big_s, big_q = simulate_jump_day(p, h, rng, pairs)
            R[j] = drift + lam * h + sq * z[j] + big_s
            h = p.omega + p.beta * h + p.alpha * (z[j] - p.gamma * sq) ** 2 + p.jump_var * big_q
            H[j + 1] = h
        return R.T.copy(), H.T.copy()
    for j in range(T):
        sq = np.sqrt(h)
        R[j] = mu + p.lam * h + sq * z[j]
        h = p.omega + p.beta * h + p.alpha * (z[j] - p.gamma * sq) ** 2
        H[j + 1] = h
    return R.T.copy(), H.T.copy()
