"""Standard errors are taken over independent draws: antithetic pairs count once."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.edge import paired, sampling_units
from alvh_core.models import MarketState
from alvh_core.scenarios import simulate


def test_even_payoff_of_antithetic_pairs_has_the_se_of_half_the_paths():
    z = np.random.default_rng(3).standard_normal(5000)
    x = np.concatenate([z, -z]) ** 2  # even in the shock: both halves identical
    naive = x.std(ddof=1) / np.sqrt(x.size)
    se = paired(x, np.zeros_like(x), antithetic=True).se
    assert np.isclose(se, z.__pow__(2).std(ddof=1) / np.sqrt(z.size))
    assert se > 1.35 * naive  # the naive SE would claim sqrt(2) too much precision


def test_odd_payoff_of_antithetic_pairs_has_no_noise():
    z = np.random.default_rng(4).standard_normal(3000)
    x = np.concatenate([z, -z])
    assert np.allclose(sampling_units(x, True), 0.0)
    assert paired(x, np.zeros_like(x), antithetic=True).se == 0.0
    assert paired(x, np.zeros_like(x), antithetic=False).se > 0.0


def test_simulated_paths_declare_their_antithetic_pairs():
    m = MarketState(spot=5000, vix=20, asof=dt.date(2026, 11, 24))
    p = simulate(m, 5, n_paths=8, seed=1)
    assert p.antithetic
    # path i and path i + N/2 are mirror draws: their log returns on day 1 sum to twice the drift part
    r = np.log(p.spot[:, 1] / p.spot[:, 0])
    assert np.allclose(r[:4] + r[4:], (r[:4] + r[4:])[0])
    assert not simulate(m, 5, n_paths=8, seed=1, antithetic=False).antithetic


def test_comparison_states_todays_buy_back_under_the_model_and_the_smile():
    from alvh_core.analysis import analyze
    from alvh_core.edge import compare
    from alvh_core.grammar import parse_position

    m = MarketState(spot=5712, vix=24.3, asof=dt.date(2026, 11, 24))
    c = parse_position("SPX 2026-12-18 5600/5650P 6150/6200C x10 @15.80", m.asof)
    cmp = compare(c, m, n_paths=200, seed=1, premia=False, costs=False)
    a = cmp.assumptions
    assert np.isclose(a.close_cost_smile, analyze(c, m).close_cost)
    # with premia and costs off, legging out pays exactly today's model buy-back
    lo = cmp.strategies["leg_out"].ev
    assert np.isclose(lo, (c.credit - a.close_cost_model) * c.dollars_per_point, atol=1e-6)


def test_an_odd_path_count_is_rounded_up_to_whole_antithetic_pairs(capsys):
    from alvh_core.cli import main
    from alvh_core.edge import compare
    from alvh_core.grammar import parse_position

    m = MarketState(spot=5712, vix=24.3, asof=dt.date(2026, 11, 24))
    c = parse_position("SPX 2026-12-18 5600/5650P 6150/6200C x10 @15.80", m.asof)
    assert compare(c, m, n_paths=101, seed=1).assumptions.n_paths == 102
    assert main(["demo", "--paths", "101"]) == 0
    assert "102 paths" in capsys.readouterr().out


def test_a_control_carried_by_a_few_units_is_not_used() -> None:
    """A control that is non-zero on 2 of 2,000 units (a far leg two paths reach) lets the regression fit
    those units exactly: the SE collapses while the estimate moves by beta x the control's noise. Such a
    control is dropped (effective units (sum c^2)^2 / sum c^4 below MIN_EFFECTIVE_UNITS), its known miss (sample
    mean minus exact mean, times its coefficient) added to the SE; a broad one is kept."""
    from alvh_core.variance_reduction import estimate

    rng = np.random.default_rng(4)
    n = 2000
    y = rng.standard_normal(n)  # truth: mean 0, SE about 1 / sqrt(n)
    rare = np.zeros(n)
    rare[[3, 7]] = [40.0, 55.0]
    y_rare = y + 25.0 * rare  # y loads on the rare control too
    mu_rare = 0.0  # its exact mean is 0 only approximately in the sample: sampling noise of 2 units
    r = estimate(y_rare, rare[:, None], np.array([mu_rare]))
    assert r.estimate[0] == pytest.approx(r.plain[0], abs=1e-12)  # not used: the plain estimate stands
    # ... but its SE carries what the rare control says: its sample mean (95 / 2,000) misses its exact mean 0,
    # and the estimate loads 25x on it: 1.19 of the plain estimate's 1.19 error (1.4 plain SEs) is that miss
    miss = rare.mean() - mu_rare
    assert r.se[0] == pytest.approx(np.hypot(r.se_plain[0], 25.0 * miss), rel=1e-3)
    assert abs(r.estimate[0]) < 1.0 * r.se[0] < 1.5 * r.se_plain[0] + 1e-9 + abs(r.estimate[0])
    assert abs(r.plain[0]) > 1.3 * r.se_plain[0]  # the plain SE alone understates that error
    broad = rng.standard_normal(n)
    r2 = estimate(y + 3.0 * broad, broad[:, None], np.array([0.0]))
    assert r2.se[0] < 0.4 * r2.se_plain[0]  # a broad control is still used
