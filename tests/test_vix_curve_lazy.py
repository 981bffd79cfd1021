"""``VixCurve.future`` skips the VIX3M / VIX9D surprise terms where no path carries them (issue 16): the same
numbers as the full formula, which a single present value elsewhere in the array forces."""
from __future__ import annotations

import numpy as np

from alvh_core.market.vix_curve import VixCurve


def test_future_without_vix3m_or_vix9d_equals_the_full_formula():
    c = VixCurve()
    rng = np.random.default_rng(4)
    v = rng.uniform(0.09, 0.8, 200)
    tau = rng.uniform(-0.02, 0.6, 200)
    tau[:5] = 0.0
    v3 = np.full(200, np.nan)
    v3[0] = 0.22  # one present value: the full formula runs for every element
    v9 = np.full(200, np.nan)
    v9[0] = 0.18
    full = c.future(v, tau, v9, v3)
    lazy = c.future(v, tau)  # no VIX3M anywhere: the VIX-only law alone
    np.testing.assert_array_equal(lazy[1:], full[1:])
    v3_all = rng.uniform(0.1, 0.7, 200)
    with_9 = c.future(v, tau, v9, v3_all)  # VIX9D on one element only: the full formula
    without_9 = c.future(v, tau, None, v3_all)  # none: its surprise is the clipped 0
    np.testing.assert_array_equal(without_9[1:], with_9[1:])
    # settlement: tau <= 0 gives spot VIX in points; shapes follow every argument
    np.testing.assert_allclose(lazy[:5], 100 * v[:5], rtol=1e-15)
    assert c.future(0.2, 0.1, None, np.full((3, 4), np.nan)).shape == (3, 4)
    assert c.future(v, 0.1).shape == (200,)
