"""Option-pricing inputs of one historical day, from that day's closes.

SPX options are priced on THE SPX surface (:mod:`alvh_core.market.surface`, fitted to real quotes) from
that day's VIX, VIX9D, VIX3M and SKEW: :func:`day_vol` and :func:`day_strike_for_delta`, the same surface
as ``alvh analyze``. The skewness-sloped smile below (``level_vol``, ``spx_vol``) is the replay's former
surface, kept for reference; nothing prices on it any more.

Former SPX implied vol at (strike, tau), all decimals, ACT/365:

1. Level and term structure. The Cboe indices are 30-day-style variance levels: VIX9D at 9 days,
   VIX at 30 days, VIX3M at 93 days (those present that day). Total variance ``w = level^2 * tau`` is
   interpolated linearly in tau between them, flat in level outside. Without VIX9D/VIX3M the level is
   flat at VIX (counted as "modelled term structure").
2. Smile slope from SKEW. Cboe SKEW = 100 - 10 * S where S is the risk-neutral skewness of the 30-day
   log return. The Gram-Charlier (Backus-Foresi-Wu 1997) first-order smile is
   ``sigma(K) = sigma_atm * (1 - S/6 * d)`` with ``d = ln(F/K)/(sigma_atm sqrt(tau)) + sigma_atm sqrt(tau)/2``;
   ``d`` is clipped to [-3, 3] and the vol to [0.4, 3] x ATM. That first-order form is symmetric in d and
   makes OTM calls far too cheap (0.67 x ATM at one sd for SKEW 120); the SPX call wing is much flatter,
   so on the call side (d < 0) the slope is ``CALL_SLOPE_SHARE`` of the put side's and the vol is floored
   at ``CALL_VOL_FLOOR`` x ATM (a 25-delta call ~0.85 x ATM, a 25-delta put ~1.2 x ATM at SKEW 120, as on
   typical SPX screens). Without SKEW, S = DEFAULT_SKEWNESS (modelled).
3. ATM from the variance level: ``sigma_atm = level / R(|S|/6)`` where ``R`` is the ratio of the
   variance-swap vol (Carr-Madan replication over the smile) to the ATM vol, tabulated once for a
   30-day, 20-vol smile (``_VS_RATIO``; it moves by about 2% across 7-90 days and 15-50 vols).

VIX options are priced by Black-76 on the VX future of their expiry (the real settle, else the close,
where the file has that contract on that day; otherwise a mean-reverting model curve from spot VIX), with
vol from VVIX (a 30-day vol of VIX) scaled as ``(30/days)^VOL_TERM_POWER``; without VVIX the vol is
DEFAULT_VIX_OPTION_VOL (modelled). These are documented approximations, not vendor marks.
"""
from __future__ import annotations

import numpy as np

from alvh_core.market.surface import DEFAULT_SURFACE

DAYS_PER_YEAR = 365.0
#: Risk-neutral 30-day skewness used when SKEW is missing (SKEW 120 ~ its 1990-2018 median).
DEFAULT_SKEWNESS = -2.0
#: VIX option Black-76 vol (decimal, 30-day) when VVIX is missing (VVIX 2007-2018 mean ~ 0.87).
DEFAULT_VIX_OPTION_VOL = 0.87
#: VIX option vol falls with maturity: vol(tau) = vol30 * (30 / days) ** VOL_TERM_POWER.
VOL_TERM_POWER = 0.3
#: Call-side slope as a share of the put-side slope, and the call-side vol floor (x ATM).
CALL_SLOPE_SHARE = 0.6
CALL_VOL_FLOOR = 0.75
#: Model VX curve when no contract price exists: F(tau) = theta + (VIX - theta) exp(-kappa tau).
VX_CURVE_THETA = 21.0
VX_CURVE_KAPPA = 4.0


#: sqrt(variance swap) / ATM vol of the smile for |S|/6 = 0, 0.05, ..., 1.0 (30 days, ATM 0.20).
_VS_A = np.arange(21) * 0.05
_VS_RATIO = np.array([1.0, 1.013, 1.0318, 1.0572, 1.0896, 1.1293, 1.1764, 1.2306, 1.2912, 1.3579, 1.4298,
                      1.5063, 1.587, 1.6713, 1.7248, 1.7582, 1.7879, 1.8144, 1.8382, 1.8596, 1.879])


def _dec(x) -> np.ndarray:
    return np.asarray(x, dtype=float) / 100.0


def day_vol(strike, forward, tau, vix, vix9d, vix3m, skew) -> np.ndarray:
    """SPX implied vol (decimal) on THE surface; indices in vol points (SKEW as quoted), NaN = absent."""
    return DEFAULT_SURFACE.vol_fwd(strike, np.maximum(np.asarray(tau, dtype=float), 1.0 / DAYS_PER_YEAR), forward,
                                   _dec(vix), _dec(vix9d), _dec(vix3m), skew)


def day_strike_for_delta(is_call, spot, tau, vix, vix9d, vix3m, skew, delta, rate, div) -> np.ndarray:
    """Strike whose BSM |delta| on THE surface is ``delta``; indices in vol points, NaN = absent."""
    return DEFAULT_SURFACE.strike_for_delta(delta, is_call, tau, spot, _dec(vix), rate, div,
                                            vix9d=_dec(vix9d), vix3m=_dec(vix3m), skew=skew)


def level_vol(tau: np.ndarray, vix9d: np.ndarray, vix: np.ndarray, vix3m: np.ndarray) -> np.ndarray:
    """Variance-level vol (decimal) at ``tau`` years; the index arrays are in vol points, NaN = absent.

    All arguments broadcast together. Linear in total variance between the available pillars
    (9, 30, 93 days), flat outside.
    """
    tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / DAYS_PER_YEAR)
    v30 = np.asarray(vix, dtype=float) / 100.0
    v9 = np.where(np.isfinite(vix9d), np.asarray(vix9d, dtype=float) / 100.0, v30)
    v93 = np.where(np.isfinite(vix3m), np.asarray(vix3m, dtype=float) / 100.0, v30)
    t9, t30, t93 = 9.0 / DAYS_PER_YEAR, 30.0 / DAYS_PER_YEAR, 93.0 / DAYS_PER_YEAR
    w9, w30, w93 = v9**2 * t9, v30**2 * t30, v93**2 * t93
    w_lo = w9 + (w30 - w9) * (tau - t9) / (t30 - t9)
    w_hi = w30 + (w93 - w30) * (tau - t30) / (t93 - t30)
    w = np.where(tau <= t9, v9**2 * tau, np.where(tau <= t30, w_lo, np.where(tau <= t93, w_hi, v93**2 * tau)))
    return np.sqrt(np.maximum(w, 1e-12) / tau)


def skewness_from_skew(skew: np.ndarray) -> np.ndarray:
    """Risk-neutral skewness S from Cboe SKEW (SKEW = 100 - 10 S); DEFAULT_SKEWNESS where NaN."""
    skew = np.asarray(skew, dtype=float)
    return np.where(np.isfinite(skew), (100.0 - skew) / 10.0, DEFAULT_SKEWNESS)


def spx_vol(strike: np.ndarray, forward: np.ndarray, tau: np.ndarray, level: np.ndarray,
            skewness: np.ndarray) -> np.ndarray:
    """SPX implied vol (decimal) of the skewness-sloped smile; all arguments broadcast.

    ``level`` is the variance-level vol at ``tau`` (``level_vol``), ``skewness`` from ``skewness_from_skew``.
    """
    tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / DAYS_PER_YEAR)
    a = np.asarray(skewness, dtype=float) / 6.0
    atm = np.asarray(level, dtype=float) / np.interp(np.abs(a), _VS_A, _VS_RATIO)
    sq = atm * np.sqrt(tau)
    d = np.clip(np.log(np.asarray(forward, dtype=float) / np.asarray(strike, dtype=float)) / sq + 0.5 * sq, -3.0, 3.0)
    slope = np.where(d < 0.0, CALL_SLOPE_SHARE * a, a)
    mult = np.clip(1.0 - slope * d, 0.4, 3.0)
    return atm * np.where(d < 0.0, np.maximum(mult, CALL_VOL_FLOOR), mult)


def vix_option_vol(tau: np.ndarray, vvix: np.ndarray) -> np.ndarray:
    """Black-76 vol (decimal) of a VIX option with ``tau`` years left; VVIX in vol points, NaN = absent."""
    days = np.maximum(np.asarray(tau, dtype=float) * DAYS_PER_YEAR, 7.0)
    vol30 = np.where(np.isfinite(vvix), np.asarray(vvix, dtype=float) / 100.0, DEFAULT_VIX_OPTION_VOL)
    return vol30 * (30.0 / days) ** VOL_TERM_POWER


def model_vx_future(vix: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Model VX future (points) from spot VIX (points) and ``tau`` years: mean-reverting curve."""
    tau = np.maximum(np.asarray(tau, dtype=float), 0.0)
    return VX_CURVE_THETA + (np.asarray(vix, dtype=float) - VX_CURVE_THETA) * np.exp(-VX_CURVE_KAPPA * tau)
