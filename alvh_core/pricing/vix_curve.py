"""The VIX curve entry point, kept for its callers: ``VixCurve`` IS the one VX futures curve and VIX
option smile of :mod:`alvh_core.market.vix_curve` (fitted to VX settles 2009-2018 and to the VIX
option quotes of 2016-06-01). Units: ``vix`` decimal in, futures in index points out."""
from __future__ import annotations

from alvh_core.market.vix_curve import DEFAULT_VIX_CURVE, TAU_30D, VixCurve

__all__ = ["DEFAULT_VIX_CURVE", "TAU_30D", "VixCurve"]
