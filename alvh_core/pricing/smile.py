"""The SPX smile entry point, kept for its callers: ``SpxSmile`` IS the one SPX surface.

The surface lives in :mod:`alvh_core.market.surface` (fitted to real SPX quotes, driven by VIX and,
when given, VIX9D, VIX3M, SKEW); this module re-exports it under the names the analysis, hedge sizing,
charts and comparison already use (``SpxSmile``, ``DEFAULT_SPX_SMILE``, ``strike_for_delta``,
``TAU_VIX``), so there is one definition of the smile in the code base.
"""
from __future__ import annotations

from alvh_core.market.surface import DEFAULT_SURFACE, TAU_VIX, SpxSurface

SpxSmile = SpxSurface

DEFAULT_SPX_SMILE = DEFAULT_SURFACE

__all__ = ["DEFAULT_SPX_SMILE", "TAU_VIX", "SpxSmile", "strike_for_delta"]


def strike_for_delta(delta, is_call, tau, spot, vix, rate=0.0, div=0.0, smile: SpxSurface | None = None):
    """``SpxSurface.strike_for_delta`` on ``smile`` (default ``DEFAULT_SPX_SMILE``)."""
    return (smile or DEFAULT_SPX_SMILE).strike_for_delta(delta, is_call, tau, spot, vix, rate, div)
