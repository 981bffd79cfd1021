"""Option-pricing inputs of one historical day, from that day's closes.

SPX options are priced on THE SPX surface (:mod:`alvh_core.market.surface`, fitted to real quotes; the
same surface as ``alvh analyze``): :func:`day_vol` and :func:`day_strike_for_delta` pass it that day's
VIX, VIX9D, VIX3M and SKEW (NaN where the file has no close). The fitted defaults give VIX9D, VIX3M and
SKEW zero weight (the fit to quotes preferred VIX alone: README "The SPX surface"), so today the vols
move with VIX only; :func:`surface_inputs` says which indices the surface actually uses, and the
replay's input summary reports the others as present but unused.

VIX options are priced by Black-76 on the VX future of their expiry (the real settle, else the close,
where the file has that contract on that day; otherwise a mean-reverting model curve from spot VIX), with
vol from VVIX (a 30-day vol of VIX) scaled as ``(30/days)^VOL_TERM_POWER``; without VVIX the vol is
DEFAULT_VIX_OPTION_VOL (modelled). These are documented approximations, not vendor marks.
"""
from __future__ import annotations

import numpy as np

from alvh_core.market.surface import DEFAULT_SURFACE, SpxSurface

DAYS_PER_YEAR = 365.0
#: VIX option Black-76 vol (decimal, 30-day) when VVIX is missing (VVIX 2007-2018 mean ~ 0.87).
DEFAULT_VIX_OPTION_VOL = 0.87
#: VIX option vol falls with maturity: vol(tau) = vol30 * (30 / days) ** VOL_TERM_POWER.
VOL_TERM_POWER = 0.3
#: Model VX curve when no contract price exists: F(tau) = theta + (VIX - theta) exp(-kappa tau).
VX_CURVE_THETA = 21.0
VX_CURVE_KAPPA = 4.0


def _dec(x) -> np.ndarray:
    return np.asarray(x, dtype=float) / 100.0


def surface_inputs(srf: SpxSurface = DEFAULT_SURFACE) -> tuple[str, ...]:
    """The day's indices that move ``srf``'s vols: VIX always; VIX9D, VIX3M, SKEW only where a parameter
    of the surface gives them weight (with the fitted defaults: VIX alone)."""
    pillars = srf.pillar_weight > 0.0
    used = {"VIX": True,
            "VIX9D": pillars or srf.c_ts != 0.0 or srf.r_ts != 0.0,
            "VIX3M": pillars or srf.c_3m != 0.0,
            "SKEW": srf.c_skew != 0.0 or srf.r_skew != 0.0 or srf.e_skew != 0.0}
    return tuple(name for name, on in used.items() if on)


def day_vol(strike, forward, tau, vix, vix9d, vix3m, skew) -> np.ndarray:
    """SPX implied vol (decimal) on THE surface; indices in vol points (SKEW as quoted), NaN = absent."""
    return DEFAULT_SURFACE.vol_fwd(strike, np.maximum(np.asarray(tau, dtype=float), 1.0 / DAYS_PER_YEAR), forward,
                                   _dec(vix), _dec(vix9d), _dec(vix3m), skew)


def day_strike_for_delta(is_call, spot, tau, vix, vix9d, vix3m, skew, delta, rate, div) -> np.ndarray:
    """Strike whose BSM |delta| on THE surface is ``delta``; indices in vol points, NaN = absent."""
    return DEFAULT_SURFACE.strike_for_delta(delta, is_call, tau, spot, _dec(vix), rate, div,
                                            vix9d=_dec(vix9d), vix3m=_dec(vix3m), skew=skew)


def vix_option_vol(tau: np.ndarray, vvix: np.ndarray) -> np.ndarray:
    """Black-76 vol (decimal) of a VIX option with ``tau`` years left; VVIX in vol points, NaN = absent."""
    days = np.maximum(np.asarray(tau, dtype=float) * DAYS_PER_YEAR, 7.0)
    vol30 = np.where(np.isfinite(vvix), np.asarray(vvix, dtype=float) / 100.0, DEFAULT_VIX_OPTION_VOL)
    return vol30 * (30.0 / days) ** VOL_TERM_POWER


def model_vx_future(vix: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Model VX future (points) from spot VIX (points) and ``tau`` years: mean-reverting curve."""
    tau = np.maximum(np.asarray(tau, dtype=float), 0.0)
    return VX_CURVE_THETA + (np.asarray(vix, dtype=float) - VX_CURVE_THETA) * np.exp(-VX_CURVE_KAPPA * tau)
