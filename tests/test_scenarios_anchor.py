"""The market-anchored pricing law: minimum-relative-entropy mixture weights, the mixture path set, the demo fit."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.analysis import analyze
from alvh_core.cli.demo import NOW, demo_condor
from alvh_core.edge import hedge_plans, market_targets
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.anchor import fit_mixture
from alvh_core.scenarios.model import HNGarchModel, MixturePaths, ScenarioModel
from alvh_core.strategies import LayerPolicy


def test_fit_mixture_recovers_reachable_targets_exactly():
    rng = np.random.default_rng(2)
    prices = rng.uniform(1.0, 50.0, size=(4, 30))
    true = rng.dirichlet(np.ones(30))
    targets = prices @ true
    prior = np.full(30, 1 / 30)
    pi, kl = fit_mixture(prices, targets, np.full(4, 0.01), prior)
    assert pi.sum() == pytest.approx(1.0) and (pi >= 0).all()
    np.testing.assert_allclose(prices @ pi, targets, atol=1e-4)
    assert 0 < kl  # the targets moved the weights off the prior
    # the prior itself is returned when it already prices the targets
    pi0, kl0 = fit_mixture(prices, prices @ prior, np.full(4, 0.01), prior)
    np.testing.assert_allclose(pi0, prior, atol=1e-6)
    assert kl0 == pytest.approx(0.0, abs=1e-8)


@pytest.fixture(scope="module")
def anchored():
    condor = demo_condor()
    plans = hedge_plans(condor, NOW, LayerPolicy())
    targets = market_targets(condor, NOW, plans)
    return condor, targets, HNGarchModel(load_default_params(jumps=True)).calibrate(NOW, targets)


def test_demo_pricing_law_matches_todays_buyback_and_vx(anchored):
    _, targets, model = anchored
    assert isinstance(model, ScenarioModel)
    rows = {r.name: r for r in model.fit.rows}
    bb = rows["buy-back"]
    condor = anchored[0]
    assert bb.market == pytest.approx(analyze(condor, NOW).close_cost, abs=0.01)  # the desk surface's buy-back
    assert abs(bb.model / bb.market - 1) <= 0.01  # within 1% (the unanchored engine said 23.42)
    vx = next(r for n, r in rows.items() if n.startswith("VX "))
    assert abs(vx.error) <= 0.10
    spread = next(r for n, r in rows.items() if n.startswith("VIX ") and n.endswith("C"))
    assert abs(spread.error) <= 0.05 * spread.market
    for leg in ("5600P", "5650P", "6150C", "6200C"):
        assert abs(rows[leg].error_vol_pts) < 0.5, leg


def test_mixture_paths_price_today_once_and_are_fair(anchored):
    condor, _, model = anchored
    n = 17  # NYSE days from 2026-11-24 to 2026-12-18
    paths = model.simulate(NOW, n, 4000, 3, premia=False)
    assert isinstance(paths, MixturePaths) and paths.spot.shape == (4000, n + 1)
    assert len(paths.blocks) > 1  # a real mixture
    t = n / 252
    price, delta = paths.spx_option("P", condor.short_put, t)
    assert np.ptp(price[:, 0]) == 0 and np.ptp(delta[:, 0]) == 0  # today's price is one number
    # under the pricing law the discounted settlement averages to today's price (antithetic pairs as units)
    x = np.exp(-paths.rate * t) * price[:, -1]
    units = 0.5 * (x[:2000] + x[2000:])
    assert abs(units.mean() - price[0, 0]) < 3 * units.std(ddof=1) / np.sqrt(units.size)
