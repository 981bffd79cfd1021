"""VIX futures curve and VIX option smile from spot VIX.

Futures. The VX future expiring in ``tau`` years is modelled as a log-level that mean-reverts in
tenor towards a long-run level ``theta`` (points):

    ln F(tau) = ln theta + (ln VIX - ln theta) * exp(-kappa * tau).

So the curve is in contango when VIX is below ``theta`` and in backwardation above it, and it
converges to spot VIX at expiry. Defaults ``kappa = 3.0`` per year and ``theta = 19.7`` are a
least-squares fit to Cboe VX settlements against VIX, 2013-06..2018-12 (the full term structure in
``shared/data``; RMS error 1.2 points). On that history the rule puts the front month above spot on
about three days in four and the second month about 5-6% above the first, as the design notes say.
The fitted ``theta`` sits above the median VIX (17.4): that gap is the futures risk premium (a long
front-month future loses on average into settlement).

Units: ``vix`` is a **decimal** (0.243) like every vol inside the core; futures prices come back in
**index points** (18.6), the way VX trades. ``tau`` in years (ACT/365).

Options. VIX options are priced with Black-76 on the future of the same expiry. Their ATM vol decays
with tenor, ``atm(tau) = base * (tau / tau30)^(-term_decay)`` with ``base`` = ``vvix_to_atm * VVIX`` when
VVIX is given, else ``atm_30d``, clipped to [``min_vol``, ``max_vol``]. The smile is upward sloping in
standardised moneyness ``m = ln(K/F) / (atm sqrt(tau))``:
``vol = atm * (1 + skew*u + curvature*u^2)`` with the soft clamp ``u = m_max tanh(m / m_max)`` (smooth
and flat far out, so the shape adds no butterfly arbitrage), kept within [min_factor, max_factor]. Defaults (ATM 30-day about 80%, 1 week about 130%, 3 months about 55%; a 1.5x-future
call about 25-30% above ATM, a 0.8x put about 15% below) are typical of listed VIX options; they are
rules of thumb, not a fit (there is no VIX option data in ``shared/data``).
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

TAU_30D = 30.0 / 365.0


class VixCurve(BaseModel):
    """VIX futures curve and VIX option smile parameters (documented defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kappa: float = Field(3.0, gt=0.0, description="mean reversion of the futures curve in tenor, 1/year")
    theta: float = Field(19.7, gt=0.0, description="long-run level of the futures curve, VIX points")
    atm_30d: float = Field(0.80, gt=0.0, description="30-day ATM VIX option vol (decimal) without VVIX")
    vvix_to_atm: float = Field(0.90, gt=0.0, description="30-day ATM VIX option vol / VVIX")
    term_decay: float = Field(0.35, ge=0.0, description="ATM vol ~ tau^-term_decay")
    skew: float = Field(0.14, ge=0.0, description="d(vol/atm)/dm at the money (upward skew)")
    curvature: float = Field(0.01, ge=0.0, description="curvature of vol/atm in m")
    m_max: float = Field(4.0, gt=0.0, description="reach of the soft clamp on standardised moneyness")
    min_factor: float = Field(0.4, gt=0.0)
    max_factor: float = Field(2.5, gt=0.0)
    min_vol: float = Field(0.2, gt=0.0)
    max_vol: float = Field(3.0, gt=0.0)

    def future(self, vix, tau) -> np.ndarray:
        """VX future price in index points for tenor ``tau`` (years) given spot VIX as a **decimal**.

        Arrays broadcast; ``tau <= 0`` gives spot VIX in points (settlement).
        """
        vix_pts = 100.0 * np.asarray(vix, dtype=float)
        w = np.exp(-self.kappa * np.maximum(np.asarray(tau, dtype=float), 0.0))
        return np.exp(np.log(self.theta) + (np.log(vix_pts) - np.log(self.theta)) * w)

    def atm_vol(self, tau, vvix=None) -> np.ndarray:
        """ATM VIX option vol (decimal) for tenor ``tau``; ``vvix`` (decimal, 0.90) scales it if given."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0)
        base = self.atm_30d if vvix is None else self.vvix_to_atm * np.asarray(vvix, dtype=float)
        return np.clip(base * (tau / TAU_30D) ** (-self.term_decay), self.min_vol, self.max_vol)

    def option_vol(self, strike, forward, tau, vvix=None) -> np.ndarray:
        """Black-76 vol (decimal) of a VIX option by strike (points), its future (points) and tenor."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0)
        atm = self.atm_vol(tau, vvix)
        m = np.log(np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)) / (atm * np.sqrt(tau))
        u = self.m_max * np.tanh(m / self.m_max)  # soft clamp: smooth, flat far out (no kink)
        factor = np.clip(1.0 + self.skew * u + self.curvature * u * u, self.min_factor, self.max_factor)
        return atm * factor


DEFAULT_VIX_CURVE = VixCurve()
