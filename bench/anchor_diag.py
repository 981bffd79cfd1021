"""Diagnose the anchored pricing law's calibration (issue 11): per case of the claims grid, is today's target
vector inside the convex hull of the node prices (within tolerances), and which targets conflict.

    PYTHONPATH=. python bench/anchor_diag.py [--cases "put 35 45" ...] [--detail]

For each case: the anchor's own fit (minimum relative entropy, the shipped path), then the best any mixture of
the same nodes can do (a linear program: minimise the largest error in units of each target's tolerance over
the simplex of weights; <= 1 means every target is reachable). With ``--detail``: per target, the market, the
node range (min / max over the nodes), the fitted model and the LP's model, and the implied vols (market leg
vol from the desk surface; the node's Black-Scholes implied vol range).
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import numpy as np
from scipy import optimize

from alvh_core.cli.demo import NOW, demo_condor
from alvh_core.edge import _resolve_costs, market_targets
from alvh_core.hedge import recommend
from alvh_core.scenarios import anchor as A
from alvh_core.scenarios.model import HNGarchModel
from alvh_core.strategies import LayerPolicy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from claims_grid import grid_condor  # noqa: E402


def minimax(prices: np.ndarray, tgt: np.ndarray, tol: np.ndarray) -> tuple[float, np.ndarray]:
    """min t s.t. |prices @ pi - tgt| <= t tol, pi in the simplex. Returns (t, pi)."""
    m, n = prices.shape
    a = prices / tol[:, None]
    b = tgt / tol
    c = np.zeros(n + 1)
    c[-1] = 1.0
    a_ub = np.block([[a, -np.ones((m, 1))], [-a, -np.ones((m, 1))]])
    b_ub = np.concatenate([b, -b])
    a_eq = np.concatenate([np.ones(n), [0.0]])[None, :]
    res = optimize.linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=[(0, None)] * n + [(0, None)],
                           method="highs")
    return float(res.x[-1]), res.x[:-1]


def cases() -> list[tuple[str, object, object]]:
    out = [("demo", demo_condor(), NOW)]
    for wing in ("put", "call"):
        for vix in (14.0, 35.0, 60.0):
            for dte in (7, 45):
                c, m = grid_condor(wing, vix, dte)
                out.append((f"{wing} {vix:g} {dte}", c, m))
    return out


def run(label, condor, market, detail: bool) -> dict:
    model = HNGarchModel()
    plan, _ = recommend(condor, market, LayerPolicy(), costs=_resolve_costs(True))
    plans = {plan.wing: plan} if plan is not None else {}
    targets = market_targets(condor, market, plans)
    n = max(t.steps for t in targets if t.kind in ("SPX_P", "SPX_C", "CONDOR"))
    ev = model.event_multipliers(market, n)
    regs, nodes, fit = A.anchor(model.params, market, targets, ev)
    blocks, owner = [], []
    for r, p in enumerate(regs):
        h = A.node_states(p, market.vix)
        blocks.append(A.node_prices(p, h, targets, market.spot, market.rate, market.div_yield, ev))
        owner += [r] * h.size
    prices = np.concatenate(blocks, axis=1)
    tgt = np.array([t.market for t in targets])
    tol = np.array([t.tolerance for t in targets])
    t_all, pi = minimax(prices, tgt, tol)
    worst = fit.worst()
    bb = next(r for r in fit.rows if r.name == "buy-back")
    issue_ok = all(r.within for r in fit.rows if r.name != "VIX^2")  # the issue's targets: legs, buy-back, VX, spread
    print(f"{label:14s} anchor: {'ok ' if fit.ok else 'MISS'} worst {worst.name} {worst.market:.2f}/{worst.model:.2f}"
          f" ({abs(worst.error) / worst.tolerance:.1f} tol), issue targets {'ok' if issue_ok else 'MISS'}"
          f"  KL {fit.entropy:.2f} | hull (LP): {t_all:.2f} tol | buy-back {100 * bb.error / bb.market:+.1f}%",
          flush=True)
    # which target blocks: drop each one, LP again
    if t_all > 1:
        drops = []
        for i in range(len(targets)):
            k = np.arange(len(targets)) != i
            drops.append((minimax(prices[k], tgt[k], tol[k])[0], targets[i].name))
        drops.sort()
        print("    without one target (LP tol): " + ", ".join(f"{nm} {v:.2f}" for v, nm in drops[:4]))
    if detail:
        lp = prices @ pi
        mod = np.array([r.model for r in fit.rows])
        for i, t in enumerate(targets):
            print(f"    {t.name:22s} mkt {t.market:9.3f} tol {t.tolerance:6.3f} nodes [{prices[i].min():9.3f},"
                  f" {prices[i].max():9.3f}] anchor {mod[i]:9.3f} LP {lp[i]:9.3f}")
        used = np.flatnonzero(pi > 1e-3)
        print("    LP weights: " + ", ".join(f"r{owner[j]}:{A.regimes(model.params)[owner[j]] is not None and j}"
                                             f"={pi[j]:.3f}" for j in used))
    return {"label": label, "ok": fit.ok, "issue_ok": issue_ok, "hull": t_all}


def surface_table() -> None:
    """The desk surface's implied vols by log-moneyness, and its replicated 30-day variance swap against VIX:
    a pricing law's VIX^2 is its 30-day log contract, so legs from a surface whose own swap is above VIX
    cannot be matched together with VIX."""
    from alvh_core.market.surface import SpxSurface

    s = SpxSurface()
    ks = np.array([-0.6, -0.3, -0.12, -0.06, 0.0, 0.06, 0.12, 0.2])
    print("VIX  days | 30d variance swap of the surface | implied vol at ln K/S = " + " ".join(f"{k:+.2f}" for k in ks))
    for vix in (14.0, 24.3, 35.0, 60.0):
        vs30 = 100 * float(s.replicated_vs(30 / 365, vix / 100))
        for d in (7, 45):
            v = s.vol(5000 * np.exp(ks), d / 365, 5000.0, vix / 100)
            print(f"{vix:4g} {d:4d}  | {vs30:5.1f} (VIX {vix:g})                  | " + " ".join(f"{x:5.2f}" for x in v))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", nargs="*", default=None, help='labels like "put 60 7" or "demo"')
    ap.add_argument("--detail", action="store_true")
    ap.add_argument("--extra", default="", help="regimes appended to anchor.REGIMES, a Python tuple of tuples")
    ap.add_argument("--surface", action="store_true", help="print the desk surface's smile and its own 30-day "
                    "variance swap (what VIX measures) at VIX 14-60 first")
    args = ap.parse_args()
    if args.extra:
        A.REGIMES = tuple(A.REGIMES) + tuple(ast.literal_eval(args.extra))
    if args.surface:
        surface_table()
    res = []
    for label, c, m in cases():
        if args.cases and label not in args.cases:
            continue
        res.append(run(label, c, m, args.detail))
    print(f"anchored fits within every target: {sum(r['ok'] for r in res)} of {len(res)} (the issue's targets, "
          f"today's VIX aside: {sum(r['issue_ok'] for r in res)}); "
          f"reachable by the nodes (LP <= 1): {sum(r['hull'] <= 1 + 1e-6 for r in res)}")



if __name__ == "__main__":
    main()
