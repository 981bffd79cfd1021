"""A parametric SPX implied-volatility smile anchored on VIX.

Shape. With ``F = S e^{(r-q) tau}``, ``k = ln(K/F)`` and the ATM vol ``a(tau)``, the standardised
moneyness is ``z = k / (a(tau) sqrt(tau))`` (about -1.3 at a 10-delta put, +1.3 at a 10-delta call), and

    vol(K, tau) = a(tau) * g(z),   g = 1 + slope*u + curv*u^2,   u = reach * tanh(z / reach),

with ``curv, reach = put_curvature, put_reach`` for ``z < 0`` and ``call_curvature, call_reach`` above.
The soft clamp ``u`` makes the wings flatten smoothly (no kink, so no butterfly arbitrage from the
shape, and flat far wings respect Lee's moment bound). The negative ``slope`` plus the put curvature
make the put side steep (a 5-delta put about 1.7x ATM at most); the call side falls below ATM and
flattens at about 0.77x ATM, as SPX calls do. Defaults were fitted to the typical SPX levels below
under the constraint of no butterfly arbitrage on a grid (tests check it). Because the skew is
in ``z``, the skew in log-strike scales like ``1/sqrt(tau)`` (the "square-root rule") and in vol
points like the ATM level.

ATM tied to VIX. VIX is the 30-day variance-swap rate of the whole smile (the skew included), so the
30-day ATM vol sits below VIX. The variance-swap rate of this smile is computed exactly by static
replication (``(2/tau) * int OTM(K)/K^2 dK``); because the shape is in ``z`` it is ``a * R(a sqrt(tau))``
for a ratio ``R`` that depends only on ``s = a sqrt(tau)``. ``R`` is tabulated once per parameter set
(about 1.07 with the defaults), and ``a`` is solved from the variance-swap rate by a short fixed point.

Term structure. The variance-swap variance for tenor ``tau`` mean-reverts in tenor:

    VS(tau) = L^2 + (VIX^2 - L^2) * h(kappa tau) / h(kappa tau30),   h(y) = (1 - e^{-y}) / y,

(expected average of a mean-reverting forward variance; exact at ``tau30 = 30/365``), floored at
``min_variance_share * VIX^2``. Defaults ``kappa = 1.9`` per year and ``L = 0.249`` are a least-squares
fit of this rule to Cboe VIX9D and VIX3M given VIX, 2011-2018 (RMS error 1.4 vol points).

Defaults give, for 30-45 DTE and VIX 20: ATM about 18.5, 10-delta put about 27-28, 10-delta call
about 15 (typical SPX). Vols returned are decimals.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from alvh_core.pricing import bsm

TAU_VIX = 30.0 / 365.0


class SpxSmile(BaseModel):
    """Parameters of the SPX smile (documented defaults; see the module docstring for the formulas)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slope: float = Field(-0.174, le=0.0, description="dg/dz at the money: skew per standardised unit")
    put_curvature: float = Field(0.254, ge=0.0, description="curvature of g in u for z < 0")
    call_curvature: float = Field(0.0, ge=0.0, description="curvature of g in u for z >= 0")
    put_reach: float = Field(1.32, gt=0.0, description="soft clamp on the put side: u -> -put_reach")
    call_reach: float = Field(1.34, gt=0.0, description="soft clamp on the call side: u -> call_reach")
    kappa: float = Field(1.9, gt=0.0, description="mean reversion of the variance term structure, 1/year")
    long_run_vol: float = Field(0.249, gt=0.0, description="long-run variance-swap vol (decimal)")
    min_variance_share: float = Field(0.2, gt=0.0, le=1.0,
                                      description="floor of VS(tau) as a share of VIX^2")

    # ----- shape ---------------------------------------------------------------------------------
    def shape(self, z) -> np.ndarray:
        """g(z): vol relative to ATM at standardised moneyness z (clamped, flat beyond)."""
        z = np.asarray(z, dtype=float)
        put = z < 0.0
        reach = np.where(put, self.put_reach, self.call_reach)
        u = reach * np.tanh(z / reach)  # soft clamp: smooth, flat far out
        curv = np.where(put, self.put_curvature, self.call_curvature)
        return 1.0 + self.slope * u + curv * u * u

    @cached_property
    def _ratio_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(s grid, R(s)): variance-swap vol / ATM vol as a function of s = a sqrt(tau)."""
        s_grid = np.geomspace(1e-3, 4.0, 80)
        z = np.linspace(-14.0, 14.0, 4001)
        s = s_grid[:, None]
        k = z[None, :] * s                      # log-moneyness (a sqrt(tau) = s)
        tot = s * self.shape(z)[None, :]        # sigma(k) sqrt(tau)
        # undiscounted OTM price / F at forward 1, strike e^k
        otm = bsm.price(k > 0.0, 1.0, np.exp(k), 1.0, tot)
        # (2/tau) int OTM(K)/K^2 dK with K = e^k: integrand OTM e^{-k} dk; times tau -> 2 int ...
        var_tau = 2.0 * np.trapezoid(otm * np.exp(-k), k, axis=1)
        ratio = np.sqrt(var_tau) / s_grid
        return s_grid, ratio

    def vs_ratio(self, s) -> np.ndarray:
        """R(s) = variance-swap vol / ATM vol for total ATM std ``s = a sqrt(tau)``."""
        grid, ratio = self._ratio_table
        return np.interp(np.asarray(s, dtype=float), grid, ratio)

    # ----- term structure ----------------------------------------------------------------------------
    def variance_swap_vol(self, tau, vix) -> np.ndarray:
        """Variance-swap vol (decimal) for tenor ``tau`` (years) given VIX (decimal); arrays broadcast."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        v30 = np.asarray(vix, dtype=float) ** 2
        lr = self.long_run_vol**2

        def h(y):
            return -np.expm1(-y) / y

        var = lr + (v30 - lr) * h(self.kappa * tau) / h(self.kappa * TAU_VIX)
        return np.sqrt(np.maximum(var, self.min_variance_share * v30))

    def atm_vol(self, tau, vix) -> np.ndarray:
        """ATM (at-the-forward) implied vol, decimal, for tenor ``tau`` given VIX (decimal)."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        vs = self.variance_swap_vol(tau, vix)
        sqrt_tau = np.sqrt(tau)
        a = vs / self.vs_ratio(vs * sqrt_tau)
        for _ in range(4):  # R varies slowly with s: the fixed point converges in a few steps
            a = vs / self.vs_ratio(a * sqrt_tau)
        return a

    # ----- public --------------------------------------------------------------------------------------
    def vol(self, strike, tau, spot, vix, rate=0.0, div=0.0) -> np.ndarray:
        """Implied vol (decimal) by strike and tenor; arrays broadcast.

        ``strike``, ``spot`` in index points; ``tau`` in years (clamped to one hour); ``vix`` decimal
        (0.20); ``rate``/``div`` continuously compounded decimals (they move the forward).
        """
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        fwd = bsm.forward(spot, tau, rate, div)
        a = self.atm_vol(tau, vix)
        z = np.log(np.asarray(strike, dtype=float) / fwd) / (a * np.sqrt(tau))
        return a * self.shape(z)

    def strike_for_delta(self, delta, is_call, tau, spot, vix, rate=0.0, div=0.0) -> np.ndarray:
        """Strike whose BSM spot delta on this smile equals ``delta``; arrays broadcast.

        ``delta`` may be given as an absolute value (0.10) or signed (-0.10 for a put); it is the
        spot delta ``e^{-q tau} N(d1)`` (calls) / ``-e^{-q tau} N(-d1)`` (puts). Solved by bisection in
        standardised moneyness (delta is monotone in strike on this smile). Strikes unrounded.
        """
        delta = np.abs(np.asarray(delta, dtype=float))
        is_call = np.asarray(is_call, dtype=bool)
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        delta, is_call, tau, spot, vix, rate, div = np.broadcast_arrays(
            delta, is_call, tau, np.asarray(spot, float), np.asarray(vix, float),
            np.asarray(rate, float), np.asarray(div, float))
        a = self.atm_vol(tau, vix)
        s = a * np.sqrt(tau)
        # target N(w d1) = delta e^{q tau}; d1 = -z/g + s g / 2 in standardised units
        target = np.clip(delta * np.exp(div * tau), 1e-12, 1 - 1e-12)
        lo = np.full(delta.shape, -40.0)
        hi = np.full(delta.shape, 40.0)
        for _ in range(70):
            mid = 0.5 * (lo + hi)
            g = self.shape(mid)
            d1 = -mid / g + 0.5 * s * g
            # w N(w d1) is decreasing in z for calls (N(d1) falls) and for puts (N(-d1) rises)
            too_low_z = np.where(is_call, ndtr(d1) > target, ndtr(-d1) < target)
            lo = np.where(too_low_z, mid, lo)
            hi = np.where(too_low_z, hi, mid)
        z = 0.5 * (lo + hi)
        fwd = bsm.forward(spot, tau, rate, div)
        return fwd * np.exp(z * s)


DEFAULT_SPX_SMILE = SpxSmile()


def strike_for_delta(delta, is_call, tau, spot, vix, rate=0.0, div=0.0, smile: SpxSmile | None = None):
    """``SpxSmile.strike_for_delta`` on ``smile`` (default ``DEFAULT_SPX_SMILE``)."""
    return (smile or DEFAULT_SPX_SMILE).strike_for_delta(delta, is_call, tau, spot, vix, rate, div)
