"""The anchor's dual solver (issue 16): the Newton ridge path of ``fit_mixture`` against scipy's L-BFGS-B,
the solver it replaced (kept here as the reference), on real anchor problems and on unreachable targets.

``data/anchor_dual_problems.npz``: the (prices, targets, tolerances, prior) that ``anchor`` passed to
``fit_mixture`` in the demo compare (SPX 5712, VIX 24.3) and the same position at VIX 14, 35 and 60 (8 targets,
78-148 nodes; their rows are collinear to 1e-16, so only the ridge holds the dual's curvature in some directions).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from alvh_core.scenarios.anchor import RIDGE, fit_mixture

DATA = np.load(Path(__file__).parent / "data" / "anchor_dual_problems.npz")
REAL = ("demo", "vix14", "vix35", "vix60")


def problem(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return tuple(DATA[f"{name}_{f}"] for f in ("prices", "targets", "tol", "prior"))  # type: ignore[return-value]


def unreachable(name: str, how: str):
    prices, targets, tol, prior = problem(name)
    t = targets.copy()
    if how == "above_every_node":  # the first target 30% above the highest node price: no mixture reaches it
        t[0] = prices[0].max() * 1.3
    else:  # every target 5 tolerances off, alternating signs: contradictory marks
        t += 5 * tol * np.sign(np.arange(t.size) % 2 - 0.5)
    return prices, t, tol, prior


def primal(prices, targets, tol, prior, pi, ridge=RIDGE):
    """KL(pi || prior) + |residual in tolerance units|^2 / (2 ridge): the problem whose dual fit_mixture solves."""
    nz = pi > 0
    res = (prices @ pi - targets) / tol
    return float(np.sum(pi[nz] * np.log(pi[nz] / prior[nz]))) + 0.5 * res @ res / ridge


def lbfgsb_reference(prices, targets, tol, prior, ridge=RIDGE):
    """main's fit_mixture before issue 16 (scipy L-BFGS-B on the same dual)."""
    a = prices / tol[:, None]
    b = targets / tol
    lp = np.log(np.maximum(prior, 1e-300))

    def f(theta):
        s = lp + theta @ a
        mx = s.max()
        w = np.exp(s - mx)
        z = w.sum()
        pi = w / z
        return float(mx + math.log(z) - theta @ b + 0.5 * ridge * theta @ theta), a @ pi - b + ridge * theta

    res = optimize.minimize(f, np.zeros(b.size), jac=True, method="L-BFGS-B",
                            options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-15})
    s = lp + res.x @ a
    w = np.exp(s - s.max())
    pi = w / w.sum()
    nz = pi > 0
    return pi, float(np.sum(pi[nz] * (np.log(pi[nz]) - lp[nz])))


CASES = [(n, None) for n in REAL] + [(n, h) for n in REAL for h in ("above_every_node", "contradictory")]


@pytest.mark.parametrize("name,how", CASES)
def test_newton_dual_matches_lbfgsb(name, how):
    p = problem(name) if how is None else unreachable(name, how)
    prices, targets, tol, prior = p
    pi, kl = fit_mixture(*p)
    ref_pi, ref_kl = lbfgsb_reference(*p)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12) and (pi >= 0).all()
    # the same optimum: the Newton path's primal value is at least as low as L-BFGS-B's (to its rounding)
    val, ref_val = primal(*p, pi), primal(*p, ref_pi)
    assert val <= ref_val + 1e-12 * abs(ref_val)
    # same weights and entropy to L-BFGS-B's own accuracy (its gradient stops at 1e-7..6e-3 on these problems)
    far = bool(np.abs((prices @ ref_pi - targets) / tol).max() > 1.0)  # out of reach (VIX 60 is, as marked)
    np.testing.assert_allclose(pi, ref_pi, atol=1e-4 if far else 1e-6)
    assert kl == pytest.approx(ref_kl, rel=1e-5 if far else 1e-6)
    # the same residuals in tolerance units (the ridge residual when the targets are out of reach)
    res, ref_res = (prices @ pi - targets) / tol, (prices @ ref_pi - targets) / tol
    # (to L-BFGS-B's gradient, 5e-5 here; it stops short when the residual is 100+ tolerances: 3e-3 off there)
    np.testing.assert_allclose(res, ref_res, rtol=1e-3 if far else 0.0, atol=1e-2 if far else 1e-4)
    if how is not None:
        assert far and np.abs(res).max() > 1.0  # the targets are really out of reach: the ridge residual is what is fitted


@pytest.mark.parametrize("name", REAL[:3])  # (VIX 60's residual of 15 tolerances leaves 1e-6 of rounding)
def test_newton_dual_is_a_stationary_point_of_the_primal(name):
    """Moving weight between any two nodes does not lower KL + |residual|^2 / (2 ridge) (first order)."""
    prices, targets, tol, prior = problem(name)
    pi, _ = fit_mixture(prices, targets, tol, prior)
    res = (prices @ pi - targets) / tol
    # gradient of the primal in pi: log(pi / prior) + 1 + (a' res) / ridge; equal on every node with weight
    heavy = pi > 1e-6
    grad = (np.log(pi[heavy] / prior[heavy]) + ((prices[:, heavy] / tol[:, None]).T @ res) / RIDGE)
    assert heavy.sum() >= 3
    assert grad.max() - grad.min() < 1e-6 * np.abs(grad).max()


@pytest.mark.parametrize("cols", [[0, 5, 9, 40, 77], [10, 11], [3]])
def test_fewer_nodes_than_targets(cols):
    """After the table check refuses nodes, fewer nodes than targets may remain: the Hessian's directions past
    their rank hold only the ridge; the optimum is still L-BFGS-B's or better."""
    prices, targets, tol, prior = problem("demo")
    p = (prices[:, cols], targets, tol, prior[cols] / prior[cols].sum())
    pi, kl = fit_mixture(*p)
    ref_pi, ref_kl = lbfgsb_reference(*p)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12) and (pi >= 0).all()
    assert primal(*p, pi) <= primal(*p, ref_pi) * (1 + 1e-12)
    np.testing.assert_allclose(pi, ref_pi, atol=1e-4)
    assert kl == pytest.approx(ref_kl, rel=1e-4, abs=1e-12)
