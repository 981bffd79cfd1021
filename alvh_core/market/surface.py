"""THE SPX implied-volatility surface: a parametric smile driven by VIX (and VIX9D, VIX3M, SKEW when
known), fitted to real end-of-day SPX quotes (``shared/data/options``), optionally bent through the
trader's own marks (:mod:`alvh_core.marks`).

Formulas (all vols decimals, ``tau`` in years ACT/365, ``k = ln(K/F)``):

1. **Variance level by tenor** ``L(tau)``: the mean-reverting variance term structure from VIX,
   ``VS(tau) = L_inf^2 + (VIX^2 - L_inf^2) h(kappa tau) / h(kappa tau30)``, ``h(y) = (1-e^-y)/y``
   (``kappa = 1.9``/year, ``L_inf = 0.249``: a least-squares fit of that rule to VIX9D and VIX3M given VIX,
   2011-2018; RMS 1.4 vol points), blended in total variance with weight ``pillar_weight`` with the Cboe
   pillars (VIX9D at 9 days, VIX at 30, VIX3M at 93; total variance linear in tenor between them, a
   missing pillar from the model). The fit to quotes prefers ``pillar_weight = 0`` (README).
2. **ATM vol** ``a = L(tau) * rho_atm``,
   ``ln rho_atm = c0 + c_vix x_vix + c_skew x_skew + c_ts x_ts + c_3m x_3m + c_tau x_tau`` with
   ``x_vix = ln(min(VIX, shape_vix_cap)/0.20)`` (held at the highest VIX fitted, 37.32: beyond the
   quotes the smile's shape in ``z`` and the ATM ratio stop moving, so the surface's own 30-day variance
   swap stays near 1.17-1.21 x VIX instead of 1.32 x at VIX 60 with the terms extrapolated), ``x_skew = (SKEW - 130)/10`` (0 without SKEW), ``x_ts = ln(VIX9D/VIX)``
   (0 without VIX9D), ``x_3m = ln(VIX3M/VIX)`` (the model's VIX3M without it), ``x_tau = ln(tau / 30d)``.
   The variance swap sits above the ATM vol by the skew's contribution; ``rho_atm`` (about 0.8) is that
   ratio measured on the quotes.
3. **Smile in standardised moneyness** ``z = k / (a sqrt(tau))`` (about -1.3 at a 10-delta put):
   ``vol = a * g(z)`` with an SVI-type shape normalised to ``g(0) = 1``

       g(z)^2 = 1 + eta * (rho (z - m) + sqrt((z - m)^2 + s^2) - rho (-m) - sqrt(m^2 + s^2)),

   ``rho = tanh(r0 + r_vix x_vix + r_skew x_skew + r_ts x_ts)`` (the skew: negative),
   ``eta = exp(e0 + e_vix x_vix + e_skew x_skew)`` (the wings' slope), ``s = exp(s0)`` (the rounding at
   the money), ``m`` the SVI's centre (fitted: 1.43; with ``rho > 0`` the minimum is at
   ``z* = m - s rho / sqrt(1 - rho^2)``, about 0.8-0.9, inside the quoted range). **Right wing**: right of ``z*``
   ``g^2 = g*^2 + b_R (sqrt((z - z*)^2 + s_R^2) - s_R)``, ``s_R = b_R / c*``, with the SVI's value and
   curvature at ``z*`` and its own far slope ``b_R = right_slope_z`` (0.2, chosen: the quotes push any cap
   on it to the cap; without it the shifted minimum gives an SVI right wing of ``eta (1 + rho)`` ~ 2.6 and
   absurd far calls). Far out total variance grows like ``eta (1 - rho) a sqrt(tau) |k|`` (left) and
   ``b_R a sqrt(tau) k`` (right); both are softly capped so that slope stays below ``wing_cap`` (Lee's
   bound is 2), which binds only for long-dated, very high-vol smiles. **Far left wing**: left of
   ``z_L = left_wing_z`` (-3, the edge of the fitted puts) ``g^2`` gains
   ``b_L ((sqrt((z - z_L)^2 + 1) - (z - z_L)) / 2 - [the same at z = 0])``: slope ``b_L`` per unit z far out,
   ``b_L = left_slope_z exp(left_slope_vix x_vix)`` softly capped at ``LEFT_SLOPE_CAP`` (Durrleman's
   condition) and by the same Lee-type cap; fitted in a second stage on the 0.2-5 delta puts
   (:func:`fit_left_wing`), which the SVI's left slope, set by the 5-50 delta puts, priced about 5 vol points
   too cheap. The shape is floored at ``g^2 >= 0.05``.

Fit: :func:`fit_surface` (robust least squares of vol errors of out-of-the-money quotes, 7-90 days,
5-50 delta, Black-76 on the parity forward), then :func:`fit_left_wing`, twice; :mod:`alvh_core.market.fit` chooses the free parameters,
refits the shipped defaults and measures them out of sample (``python -m alvh_core.market.fit``; README
"The SPX surface"). Terms with a zero default were tried and made the out-of-sample error worse.
No butterfly arbitrage (call prices convex and decreasing in strike) and no calendar arbitrage (total
variance non-decreasing in tenor at fixed K/F) are checked by tests on a grid of states.

Marks: :class:`alvh_core.market.marked.MarkedSurface` bends this surface exactly through marked strikes.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from alvh_core.pricing import bsm

TAU_VIX = 30.0 / 365.0
TAU_9D = 9.0 / 365.0
TAU_3M = 93.0 / 365.0
MIN_TAU = 1.0 / 365.0 / 24.0
#: rounding (in z) of the far left wing's extra slope at ``left_wing_z`` (0.5 left call prices non-convex at
#: VIX 9, 2 days, just beyond the bend; 1.0 is free of butterfly arbitrage on the test grid)
LEFT_ROUNDING = 1.0
#: soft cap on the far left wing's extra slope (g^2 per unit z): with the rounding above, the shape keeps
#: Durrleman's no-butterfly condition at every VIX for an extra slope up to about 1.1 (1.25 breaks it)
LEFT_SLOPE_CAP = 1.0
#: names of the fitted parameters, in the order of the parameter vector of ``fit_surface``
PARAM_NAMES = ("c0", "c_vix", "c_skew", "c_ts", "c_3m", "c_tau", "r0", "r_vix", "r_skew", "r_ts",
               "e0", "e_vix", "e_skew", "s0", "m", "pillar_weight")


def _nan_if_none(x) -> np.ndarray:
    return np.asarray(np.nan if x is None else x, dtype=float)


class SpxSurface(BaseModel):
    """Parameters of THE SPX surface (see the module docstring); defaults are the fit to real quotes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    c0: float = Field(-0.2141, description="ln ATM / variance level at VIX 20, SKEW 130, flat term structure, 30 days")
    c_vix: float = -0.0192
    c_skew: float = 0.0
    c_ts: float = 0.0
    c_3m: float = Field(0.0, description="ATM ratio per unit ln(VIX3M/VIX) (model VIX3M when not given)")
    c_tau: float = 0.0403
    r0: float = Field(0.4535, description="atanh of the smile's skew parameter rho at the reference state")
    r_vix: float = -0.0827
    r_skew: float = 0.0
    r_ts: float = 0.0
    e0: float = Field(0.4911, description="ln eta, the wings' slope, at the reference state")
    e_vix: float = 0.5262
    e_skew: float = 0.0
    s0: float = Field(0.2278, description="ln s, the rounding of the smile at the money")
    m: float = Field(1.4317, description="shift of the SVI's centre in z (with rho > 0 the smile's minimum sits "
                     "at z* = m - s rho / sqrt(1 - rho^2), about 0.9)")
    pillar_weight: float = Field(0.0, ge=0.0, le=1.0, description="weight of the VIX9D/VIX3M pillars against the model term "
                                 "structure in the variance level (0: the fit to quotes preferred VIX alone)")
    right_slope_z: float = Field(0.2, ge=0.0, le=2.0, description="the right wing's own slope (g^2 per unit z "
                                 "beyond the smile's minimum); 0: the SVI's right wing eta (1 + rho)")
    left_slope_z: float = Field(0.8691, ge=0.0, le=4.0, description="extra slope of the far left wing (g^2 per unit "
                                "z left of left_wing_z) at VIX 20; 0: the SVI's left wing alone")
    left_wing_z: float = Field(-3.0, le=0.0, description="where the far left wing's extra slope starts (z): the edge "
                               "of the fitted 5-delta puts (their 5th percentile z is -2.9)")
    left_slope_vix: float = Field(-1.4402, description="ln of the far left wing's extra slope per unit x_vix: "
                                  "b_L = left_slope_z exp(left_slope_vix x_vix)")
    wing_cap: float = Field(0.8, gt=0.0, le=2.0, description="cap on the wings' total-variance slope in |k|")
    kappa: float = Field(1.9, gt=0.0, description="mean reversion of the variance term structure, 1/year")
    long_run_vol: float = Field(0.249, gt=0.0, description="long-run variance-swap vol (decimal)")
    min_variance_share: float = Field(0.2, gt=0.0, le=1.0, description="floor of VS(tau) as a share of VIX^2")
    shape_vix_cap: float = Field(0.3732, gt=0.0, description="the highest VIX (decimal) of the quotes fitted "
                                 "(2018-02-05 close); above it x_vix is held there: the smile's shape and "
                                 "ATM ratio stop moving with VIX, the level still scales with it")

    # ----- term structure ----------------------------------------------------------------------------
    def variance_swap_vol(self, tau, vix) -> np.ndarray:
        """Model variance-swap vol (decimal) for tenor ``tau`` given only VIX (decimal); arrays broadcast."""
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        v30 = np.asarray(vix, dtype=float) ** 2
        lr = self.long_run_vol**2

        def h(y):
            return -np.expm1(-y) / y

        var = lr + (v30 - lr) * h(self.kappa * tau) / h(self.kappa * TAU_VIX)
        return np.sqrt(np.maximum(var, self.min_variance_share * v30))

    def level(self, tau, vix, vix9d=None, vix3m=None) -> np.ndarray:
        """Variance level ``L(tau)`` (decimal) from VIX and, where finite, VIX9D / VIX3M (decimals)."""
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        v30 = np.asarray(vix, dtype=float)
        v9 = _nan_if_none(vix9d)
        v93 = _nan_if_none(vix3m)
        v9 = np.where(np.isfinite(v9), v9, self.variance_swap_vol(TAU_9D, v30))
        v93 = np.where(np.isfinite(v93), v93, self.variance_swap_vol(TAU_3M, v30))
        w9, w30, w93 = v9**2 * TAU_9D, v30**2 * TAU_VIX, v93**2 * TAU_3M
        w_lo = w9 + (w30 - w9) * (tau - TAU_9D) / (TAU_VIX - TAU_9D)
        w_hi = w30 + (w93 - w30) * (tau - TAU_VIX) / (TAU_3M - TAU_VIX)
        w = np.where(tau <= TAU_9D, v9**2 * tau,
                     np.where(tau <= TAU_VIX, w_lo, np.where(tau <= TAU_3M, w_hi, v93**2 * tau)))
        lam = min(max(self.pillar_weight, 0.0), 1.0)
        w_model = self.variance_swap_vol(tau, v30) ** 2 * tau
        w = lam * w + (1.0 - lam) * w_model
        return np.sqrt(np.maximum(w, 1e-12) / tau)

    # ----- state features ------------------------------------------------------------------------------
    def features(self, vix, vix9d=None, skew=None):
        """(x_vix, x_skew, x_ts) of the module docstring; absent inputs give 0. ``x_vix`` is held at
        ``ln(shape_vix_cap / 0.20)`` above the highest VIX fitted (no extrapolation of the VIX terms)."""
        vix = np.asarray(vix, dtype=float)
        x_vix = np.log(np.minimum(vix, self.shape_vix_cap) / 0.20)
        sk = _nan_if_none(skew)
        x_skew = np.where(np.isfinite(sk), (sk - 130.0) / 10.0, 0.0)
        v9 = _nan_if_none(vix9d)
        with np.errstate(invalid="ignore", divide="ignore"):
            x_ts = np.where(np.isfinite(v9) & (v9 > 0), np.log(v9 / vix), 0.0)
        return x_vix, x_skew, x_ts

    def x_3m(self, vix, vix3m=None) -> np.ndarray:
        """ln(VIX3M/VIX), with the term-structure model's VIX3M where VIX3M is not given."""
        vix = np.asarray(vix, dtype=float)
        v3 = _nan_if_none(vix3m)
        v3 = np.where(np.isfinite(v3) & (v3 > 0), v3, self.variance_swap_vol(TAU_3M, vix))
        return np.log(v3 / vix)

    def atm_vol(self, tau, vix, vix9d=None, vix3m=None, skew=None) -> np.ndarray:
        """ATM (at-the-forward) implied vol, decimal; arrays broadcast."""
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        x_vix, x_skew, x_ts = self.features(vix, vix9d, skew)
        x_tau = np.log(tau / TAU_VIX)
        ln_ratio = self.c0 + self.c_vix * x_vix + self.c_skew * x_skew + self.c_ts * x_ts + self.c_tau * x_tau
        if self.c_3m != 0.0:
            ln_ratio = ln_ratio + self.c_3m * self.x_3m(vix, vix3m)
        return self.level(tau, vix, vix9d, vix3m) * np.exp(ln_ratio)

    def shape_params(self, vix, vix9d=None, skew=None, atm=None, tau=None) -> tuple[np.ndarray, np.ndarray]:
        """(rho, eta) of the smile at this state; with ``atm`` and ``tau`` the wing cap is applied.

        Wing cap: far out, total variance grows like ``eta (1 +- rho) a sqrt(tau) |k|``; Lee's bound
        needs that slope below 2 and butterfly-free wings want it well below, so ``eta`` is scaled by
        ``1 / (1 + (slope / wing_cap)^4)^(1/4)`` (no change for ordinary states: slope ~0.05 at VIX 20,
        30 days; it binds only for long-dated, very high-vol smiles).
        """
        x_vix, x_skew, x_ts = self.features(vix, vix9d, skew)
        rho = np.tanh(self.r0 + self.r_vix * x_vix + self.r_skew * x_skew + self.r_ts * x_ts)
        eta = np.exp(self.e0 + self.e_vix * x_vix + self.e_skew * x_skew)
        if atm is not None and tau is not None:
            slope = eta * (1.0 + np.abs(rho)) * np.asarray(atm, float) * np.sqrt(np.asarray(tau, float))
            eta = eta / (1.0 + (slope / self.wing_cap) ** 4) ** 0.25
        return rho, eta

    def right_slope(self, atm=None, tau=None) -> np.ndarray | None:
        """The right wing's own slope ``b_R = right_slope_z`` (g^2 per unit z beyond the minimum), None when
        it is 0; with ``atm`` and ``tau`` the same Lee-type wing cap as ``eta``'s is applied."""
        if self.right_slope_z <= 0.0:
            return None
        br = np.asarray(self.right_slope_z)
        if atm is not None and tau is not None:
            slope = br * np.asarray(atm, float) * np.sqrt(np.asarray(tau, float))
            br = br / (1.0 + (slope / self.wing_cap) ** 4) ** 0.25
        return br

    def left_slope(self, atm=None, tau=None, vix=None) -> np.ndarray | None:
        """The far left wing's extra slope ``b_L = left_slope_z exp(left_slope_vix x_vix)`` (at VIX 20 without
        ``vix``), softly capped at ``LEFT_SLOPE_CAP``; None when 0; with ``atm`` and ``tau`` the Lee-type wing
        cap of :meth:`right_slope` is applied."""
        if self.left_slope_z <= 0.0:
            return None
        bl = np.asarray(self.left_slope_z)
        if vix is not None and self.left_slope_vix != 0.0:
            bl = bl * np.exp(self.left_slope_vix * self.features(vix)[0])
        bl = bl / (1.0 + (bl / LEFT_SLOPE_CAP) ** 4) ** 0.25
        if atm is not None and tau is not None:
            slope = bl * np.asarray(atm, float) * np.sqrt(np.asarray(tau, float))
            bl = bl / (1.0 + (slope / self.wing_cap) ** 4) ** 0.25
        return bl

    def shape(self, z, rho, eta, br=None, bl=None) -> np.ndarray:
        """g(z): vol relative to ATM at standardised moneyness ``z``.

        With a right-wing slope ``br`` (:meth:`right_slope`), right of the SVI's minimum
        ``z* = m - s rho / sqrt(1 - rho^2)`` the shape is the hyperbola
        ``g*^2 + br (sqrt((z - z*)^2 + s_R^2) - s_R)``, ``s_R = br / c*``, with the SVI's value ``g*^2`` and
        curvature ``c* = eta (1 - rho^2)^(3/2) / s`` there (so g^2 is twice differentiable) and slope ``br``
        far out: the minimum may move inside the quoted range without steepening the wing beyond it.
        """
        s = math.exp(self.s0)
        m = self.m
        zm = np.asarray(z, dtype=float) - m
        g2 = 1.0 + eta * (rho * zm + np.sqrt(zm * zm + s * s) + rho * m - math.sqrt(m * m + s * s))
        if br is not None:
            one_m = np.maximum(1.0 - rho * rho, 1e-12)
            xs = -s * rho / np.sqrt(one_m)
            g2s = 1.0 + eta * (rho * xs + s / np.sqrt(one_m) + rho * m - math.sqrt(m * m + s * s))
            curv = eta * one_m**1.5 / s
            s_r = br / np.maximum(curv, 1e-12)
            d = zm - xs
            right = g2s + br * (np.sqrt(d * d + s_r * s_r) - s_r)
            g2 = np.where(d > 0.0, right, g2)
        if bl is not None:
            s_l = LEFT_ROUNDING
            x = np.asarray(z, dtype=float) - self.left_wing_z
            x0 = -self.left_wing_z
            g2 = g2 + bl * 0.5 * ((np.sqrt(x * x + s_l * s_l) - x) - (math.sqrt(x0 * x0 + s_l * s_l) - x0))
        return np.sqrt(np.maximum(g2, 0.05))

    # ----- public --------------------------------------------------------------------------------------
    def vol_fwd(self, strike, tau, forward, vix, vix9d=None, vix3m=None, skew=None) -> np.ndarray:
        """Implied vol (decimal) by strike and tenor for the expiry's forward; arrays broadcast."""
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        a = self.atm_vol(tau, vix, vix9d, vix3m, skew)
        rho, eta = self.shape_params(vix, vix9d, skew, a, tau)
        z = np.log(np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)) / (a * np.sqrt(tau))
        return a * self.shape(z, rho, eta, self.right_slope(a, tau), self.left_slope(a, tau, vix))

    def vol(self, strike, tau, spot, vix, rate=0.0, div=0.0, vix9d=None, vix3m=None, skew=None) -> np.ndarray:
        """Implied vol (decimal) by strike and tenor; arrays broadcast.

        ``strike``, ``spot`` in index points; ``tau`` in years (clamped to one hour); ``vix`` (and the
        optional ``vix9d``, ``vix3m``) decimals (0.20); ``skew`` the Cboe SKEW index (130); ``rate``/``div``
        continuously compounded decimals (they move the forward).
        """
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        fwd = bsm.forward(spot, tau, rate, div)
        return self.vol_fwd(strike, tau, fwd, vix, vix9d, vix3m, skew)

    def strike_for_delta(self, delta, is_call, tau, spot, vix, rate=0.0, div=0.0,
                         vix9d=None, vix3m=None, skew=None) -> np.ndarray:
        """Strike whose BSM spot delta on this surface equals ``delta``; arrays broadcast.

        ``delta`` absolute (0.10) or signed (-0.10 for a put); spot delta ``e^{-q tau} N(d1)`` (calls) /
        ``-e^{-q tau} N(-d1)`` (puts). Bisection in standardised moneyness (delta is monotone in strike
        on an arbitrage-free smile). Strikes unrounded.
        """
        delta = np.abs(np.asarray(delta, dtype=float))
        is_call = np.asarray(is_call, dtype=bool)
        tau = np.maximum(np.asarray(tau, dtype=float), MIN_TAU)
        delta, is_call, tau, spot, vix, rate, div = np.broadcast_arrays(
            delta, is_call, tau, np.asarray(spot, float), np.asarray(vix, float),
            np.asarray(rate, float), np.asarray(div, float))
        a = self.atm_vol(tau, vix, vix9d, vix3m, skew)
        rho, eta = self.shape_params(vix, vix9d, skew, a, tau)
        br = self.right_slope(a, tau)
        bl = self.left_slope(a, tau, vix)
        s = a * np.sqrt(tau)
        target = np.clip(delta * np.exp(div * tau), 1e-12, 1 - 1e-12)
        lo = np.full(delta.shape, -40.0)
        hi = np.full(delta.shape, 40.0)
        for _ in range(70):
            mid = 0.5 * (lo + hi)
            g = self.shape(mid, rho, eta, br, bl)
            d1 = -mid / g + 0.5 * s * g
            too_low_z = np.where(is_call, ndtr(d1) > target, ndtr(-d1) < target)
            lo = np.where(too_low_z, mid, lo)
            hi = np.where(too_low_z, hi, mid)
        z = 0.5 * (lo + hi)
        fwd = bsm.forward(spot, tau, rate, div)
        return fwd * np.exp(z * s)

    def replicated_vs(self, tau, vix, vix9d=None, vix3m=None, skew=None, n: int = 2401) -> np.ndarray:
        """Variance-swap vol (decimal) of this smile by static replication, ``(2/tau) int OTM(K)/K^2 dK``
        over ``|z| <= 24`` at forward 1 (the VIX formula without its strike truncation); arrays broadcast."""
        tau, vix, v9, v3, sk = np.broadcast_arrays(np.maximum(np.asarray(tau, float), MIN_TAU),
                                                   np.asarray(vix, float), _nan_if_none(vix9d),
                                                   _nan_if_none(vix3m), _nan_if_none(skew))
        a = self.atm_vol(tau, vix, v9, v3, sk)[..., None]
        rho, eta = (x[..., None] for x in self.shape_params(vix, v9, sk, a[..., 0], tau))
        br = self.right_slope(a[..., 0], tau)
        br = None if br is None else br[..., None]
        bl = self.left_slope(a[..., 0], tau, vix)
        bl = None if bl is None else bl[..., None]
        z = np.linspace(-24.0, 24.0, n)
        sq = np.sqrt(tau)[..., None]
        k = z * a * sq
        tot = a * self.shape(z, rho, eta, br, bl) * sq
        otm = bsm.price(k > 0.0, 1.0, np.exp(k), 1.0, tot)
        var_tau = 2.0 * np.trapezoid(otm * np.exp(-k), k, axis=-1)
        return np.sqrt(var_tau / tau)

    # ----- fitting -------------------------------------------------------------------------------------
    def params_vector(self) -> np.ndarray:
        return np.array([getattr(self, n) for n in PARAM_NAMES], dtype=float)

    def with_params(self, vector: Sequence[float]) -> SpxSurface:
        return self.model_copy(update={n: float(v) for n, v in zip(PARAM_NAMES, vector)})


def fit_surface(strike, tau, forward, market_vol, vix, vix9d=None, vix3m=None, skew=None,
                start: SpxSurface | None = None, fixed: Sequence[str] = (), vix_weight: float = 0.0,
                hold_vix: bool = True) -> SpxSurface:
    """Least-squares fit of the surface's parameters to market vols (decimals); arrays (N,) aligned.

    ``fixed`` names parameters held at ``start``'s values (e.g. features absent from the fit data).
    Robust loss (soft L1 with a 2-vol-point scale) so a few stale quotes do not steer the fit.
    ``hold_vix``: the returned surface's ``shape_vix_cap`` is the highest VIX of the sample (its VIX terms
    are not extrapolated beyond the VIX range fitted); False: no cap (extrapolated, the former behaviour).
    ``vix_weight > 0`` adds, per distinct state, the residual ``vix_weight * (replicated 30-day
    variance swap - VIX)`` in vol points: VIX itself is a quote of the whole 30-day smile, and it
    pins the wings beyond the 5-delta quotes.
    """
    from scipy.optimize import least_squares

    base = start or SpxSurface()
    # the VIX terms are fitted on the sample's VIX range and held beyond it (``shape_vix_cap``)
    cap = float(np.nanmax(np.asarray(vix, dtype=float))) if hold_vix else 1e6
    base = base.model_copy(update={"shape_vix_cap": cap})
    x0 = base.params_vector()
    free = np.array([n not in fixed for n in PARAM_NAMES])

    vix_a, v9_a, v3_a, sk_a = (np.broadcast_to(_nan_if_none(x), np.shape(strike)) for x in (vix, vix9d, vix3m, skew))
    states = np.unique(np.column_stack([vix_a, v9_a, v3_a, sk_a]), axis=0)

    def resid(xf: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[free] = xf
        srf = base.with_params(x)
        r = 100.0 * (srf.vol_fwd(strike, tau, forward, vix, vix9d, vix3m, skew) - market_vol)
        if vix_weight > 0.0:
            vs = srf.replicated_vs(TAU_VIX, states[:, 0], states[:, 1], states[:, 2], states[:, 3])
            r = np.concatenate([r, vix_weight * 100.0 * (vs - states[:, 0])])
        return r

    res = least_squares(resid, x0[free], loss="soft_l1", f_scale=2.0, x_scale=1.0, max_nfev=400)
    x = x0.copy()
    x[free] = res.x
    return base.with_params(x)


def fit_left_wing(surface: SpxSurface, strike, tau, forward, market_vol, vix, vix9d=None, vix3m=None,
                  skew=None) -> SpxSurface:
    """Second stage of the fit: the far left wing's extra slope (``left_slope_z``, ``left_slope_vix``) on
    out-of-the-money puts beyond the fitted delta range (0.2-5 delta), every other parameter held; soft-L1
    least squares of vol errors (2-vol-point scale), the slope in [0, 4]."""
    from scipy.optimize import least_squares

    def resid(x: np.ndarray) -> np.ndarray:
        srf = surface.model_copy(update={"left_slope_z": float(x[0]), "left_slope_vix": float(x[1])})
        return 100.0 * (srf.vol_fwd(strike, tau, forward, vix, vix9d, vix3m, skew) - market_vol)

    res = least_squares(resid, [0.5, -1.0], loss="soft_l1", f_scale=2.0, bounds=([0.0, -8.0], [4.0, 4.0]))
    return surface.model_copy(update={"left_slope_z": float(res.x[0]), "left_slope_vix": float(res.x[1])})


#: THE surface with the fitted defaults (``alvh_core.pricing.smile.DEFAULT_SPX_SMILE`` is this object).
DEFAULT_SURFACE = SpxSurface()
