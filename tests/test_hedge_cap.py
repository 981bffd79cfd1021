"""The sizing stress's contracts are bounded: a VIX call spread that barely moves in the stress (VIX far above its
strikes) asked for 183,889 spreads on a 10-lot (put VIX 60, 90 trading days, a path at VIX 205). ``payoff_cap``:
at most the spreads whose whole payoff is 30x the tested wing's maximum loss; ordinary sizes untouched."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.hedge import MAX_PAYOFF_MULTIPLE, payoff_cap, regime_beta, stress_sizing


def _size(vix: float, future: float, k1: float, k2: float, spot: float = 4691.4, tau_h: float = 0.289) -> dict:
    return stress_sizing("put", "stress", spot=np.array([spot]), vix_points=np.array([vix]), tau=np.array([0.268]),
                         k_short=np.array([3910.0]), k_long=np.array([3860.0]), future=np.array([future]),
                         tau_h=np.array([tau_h]), kind="VIX_CALL", k1=np.array([k1]), k2=np.array([k2]), direction=1,
                         beta=regime_beta(np.array([vix]), "put"), rate=0.04, div=0.013)


def test_runaway_stress_ratio_is_capped_at_the_payoff_multiple():
    # a state like the path that asked for 183,889 spreads: the stress takes VIX 205 -> 359, the curve's future
    # barely moves (171.7 -> 171.9), the 172/182 call spread gains $0.13 a contract against a $1,092 wing loss
    st = _size(204.9, 171.7, 172.0, 182.0)
    raw = float(st["wing_loss"][0] / st["gain"][0])
    cap = MAX_PAYOFF_MULTIPLE * 50.0 / 10.0  # wing 50 points wide, spread 10 points wide
    assert raw > 10 * cap  # the stress ratio alone
    assert float(st["full"][0]) == pytest.approx(cap)


def test_ordinary_sizes_are_untouched():
    st = _size(24.3, 23.9, 25.0, 35.0, spot=4000.0)
    raw = float(st["wing_loss"][0] / st["gain"][0])
    assert 0 < raw < MAX_PAYOFF_MULTIPLE * 5.0 / 3 and float(st["full"][0]) == raw


def test_cap_is_for_option_spreads_only():
    assert payoff_cap("VX", 3910.0, 3860.0, None, None) == np.inf
    assert payoff_cap("VIX_CALL", 3910.0, 3860.0, 30.0, None) == np.inf
    np.testing.assert_allclose(payoff_cap("VIX_PUT", np.array([6000.0]), np.array([6050.0]), np.array([20.0]),
                                          np.array([16.0])), [MAX_PAYOFF_MULTIPLE * 50 / 4])
