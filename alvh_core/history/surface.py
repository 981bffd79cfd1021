"""Option-pricing inputs of one historical day, from that day's closes.

SPX options are priced on THE SPX surface (:mod:`alvh_core.market.surface`, fitted to real quotes; the
same surface as ``alvh analyze``): :func:`day_vol` and :func:`day_strike_for_delta` pass it that day's
VIX, VIX9D, VIX3M and SKEW (NaN where the file has no close). The fitted defaults give VIX9D, VIX3M and
SKEW zero weight (the fit to quotes preferred VIX alone: README "The SPX surface"), so today the vols
move with VIX only; :func:`surface_inputs` says which indices the surface actually uses, and the
replay's input summary reports the others as present but unused.

VIX options are priced by Black-76 on the VX future of their expiry (the real settle, else the close,
where the file has that contract on that day; otherwise THE VIX futures curve, :mod:`alvh_core.market.vix_curve`,
from that day's VIX, VIX9D and VIX3M), with vol from THE VIX option smile of the same module (by strike and
tenor, scaled by that day's VVIX; without VVIX its typical level). These are documented approximations, not
vendor marks.
"""
from __future__ import annotations

import numpy as np

from alvh_core.market.surface import DEFAULT_SURFACE, SpxSurface
from alvh_core.market.vix_curve import DEFAULT_VIX_CURVE, MEAN_VVIX

DAYS_PER_YEAR = 365.0


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


def vix_option_vol(strike, forward, tau, vvix) -> np.ndarray:
    """Black-76 vol (decimal) of a VIX option on THE VIX option smile (``VixCurve.option_vol``) by strike and
    VX future (points) and ``tau`` years left; VVIX in vol points, NaN = absent (the typical VVIX then)."""
    vv = np.asarray(vvix, dtype=float)
    return DEFAULT_VIX_CURVE.option_vol(strike, forward, tau, np.where(np.isfinite(vv), vv / 100.0, MEAN_VVIX))


def model_vx_future(vix, tau, vix9d=None, vix3m=None) -> np.ndarray:
    """VX future (points) on THE VIX futures curve (``VixCurve.future``) from spot VIX (points) and ``tau``
    years, with VIX9D/VIX3M (points, NaN = absent) where the day has them."""
    dec = None if vix9d is None else _dec(vix9d), None if vix3m is None else _dec(vix3m)
    return DEFAULT_VIX_CURVE.future(_dec(vix), np.maximum(np.asarray(tau, dtype=float), 0.0), *dec)
