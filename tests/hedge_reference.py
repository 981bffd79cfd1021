"""``alvh_core.hedge.stress_sizing`` as it was before issue 16's stacked evaluation (two vertical and two
spread valuations, one pricing call per leg and state), kept verbatim as the reference its fast form must
equal (tests/test_hedge_fast.py)."""
from __future__ import annotations

import numpy as np

from alvh_core.hedge import _spread_value, _vertical, payoff_cap
from alvh_core.models import MULTIPLIERS
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE
from alvh_core.pricing.vix_curve import VixCurve


def stress_sizing_reference(wing: str, sizing, *, spot, vix_points, tau, k_short, k_long, future, tau_h,
                            kind: str, k1=None, k2=None, direction: int = 1, beta, rate: float, div: float,
                            smile=None, curve=None, vol_offsets=(0.0, 0.0)) -> dict[str, np.ndarray]:
    smile = smile or DEFAULT_SPX_SMILE
    curve = curve or VixCurve()
    spot = np.asarray(spot, float)
    vix_points = np.asarray(vix_points, float)
    is_call = wing == "call"
    if sizing == "vega" and not is_call:
        s1 = spot
        v1 = vix_points + 1.0
    else:
        s1 = np.asarray(k_long, float) * np.ones_like(spot) if sizing == "stress" else spot * (1.01 if is_call else 0.99)
        v1 = vix_points * np.exp(np.asarray(beta, float) * np.log(s1 / spot))
    curve_now = np.asarray(curve.future(vix_points / 100.0, tau_h), float)
    basis = np.asarray(future, float) - curve_now
    f1 = np.asarray(curve.future(v1 / 100.0, tau_h), float) + basis
    w0 = _vertical(smile, is_call, spot, k_short, k_long, tau, vix_points, rate, div)
    w1 = _vertical(smile, is_call, s1, k_short, k_long, tau, v1, rate, div)
    wing_loss = np.maximum((w1 - w0) * MULTIPLIERS["SPX"], 0.0)
    if kind in ("VX", "VXM"):
        gain = direction * (f1 - np.asarray(future, float)) * MULTIPLIERS[kind]
    else:
        gain = (_spread_value(kind, k1, k2, f1, tau_h, rate, curve, vol_offsets)
                - _spread_value(kind, k1, k2, future, tau_h, rate, curve, vol_offsets)) * MULTIPLIERS["VIX"]
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.where(gain > 0, wing_loss / np.where(gain > 0, gain, 1.0), 0.0)
    full = np.minimum(full, payoff_cap(kind, k_short, k_long, k1, k2))  # the sizing rule's cap (not its evaluation)
    return {"spx": s1, "vix": v1, "future": f1, "wing_loss": wing_loss, "gain": gain, "full": full}

