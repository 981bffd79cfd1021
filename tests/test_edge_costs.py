"""CostModel: tier lookup, per-fill dollars, zero model, validation."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.costs import CostModel


def test_spx_tiers_and_fees():
    cm = CostModel()
    mids = np.array([0.5, 1.99, 2.0, 4.0, 10.0, 30.0, 80.0])
    # half-spread 0.05/0.05/0.10/0.10/0.20/0.35/0.60 points x 100 + $1.30 per contract
    np.testing.assert_allclose(cm.spx_option(mids, 1), [6.3, 6.3, 11.3, 11.3, 21.3, 36.3, 61.3])
    assert float(cm.spx_option(3.0, -10)) == pytest.approx(113.0)  # sign of the quantity does not matter


def test_vix_and_futures():
    cm = CostModel()
    np.testing.assert_allclose(cm.vix_option(np.array([0.5, 2.0, 5.0]), 2), [2 * 4.1, 2 * 6.1, 2 * 11.1])
    assert float(cm.future("VX", 3)) == pytest.approx(3 * (25.0 + 2.5))
    assert float(cm.future("VXM", 3)) == pytest.approx(3 * (2.5 + 1.0))
    assert cm.initial_margin("VX") == 9000 and cm.initial_margin("VXM") == 900


def test_zero_is_zero_and_user_overrides():
    z = CostModel.zero()
    assert z.is_zero and not CostModel().is_zero
    assert float(z.spx_option(12.0, 5)) == 0 and float(z.vix_option(1.0, 5)) == 0 and float(z.future("VX", 5)) == 0
    assert "costs off" in z.describe()
    cheap = CostModel(spx_fee=0.5)
    assert float(cheap.spx_option(1.0, 1)) == pytest.approx(5.5)


def test_bad_tiers_rejected():
    with pytest.raises(ValueError, match="must increase"):
        CostModel(spx_tiers=((5.0, 0.1), (2.0, 0.05)))
    with pytest.raises(ValueError):
        CostModel(spx_fee=-1)
