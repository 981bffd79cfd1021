"""Re-measure the claims with the market-anchored engine (issue 11): hold, close-tested and ALVH minus leg out,
each with its paired SE, premia on and off, on the demo and a grid of put- and call-tested condors.

    PYTHONPATH=. python bench/claims_grid.py [--paths 20000] [--seed 7] > claims.md

A measurement, not a speed benchmark: prints a Markdown table (dollars for the whole 10-lot, costs on).
Condors: SPX 5000, short strike of the tested wing 0.6 sd from spot, the other 2 sd, 50-point wings, sold
at today's desk price (so EVs are relative to a fair entry). "premia off" = the real-world law IS the pricing
law: every column should then be zero within about 3 SE (what is left is costs and Monte Carlo noise).
"""
from __future__ import annotations

import argparse
import datetime as dt

import numpy as np

from alvh_core.analysis import analyze
from alvh_core.cli.demo import NOW, demo_condor
from alvh_core.edge import compare
from alvh_core.models import IronCondor, MarketState

ASOF = dt.date(2026, 3, 2)
SPOT = 5000.0


def grid_condor(wing: str, vix: float, dte: int) -> tuple[IronCondor, MarketState]:
    m = MarketState(spot=SPOT, vix=vix, asof=ASOF)
    sd = SPOT * vix / 100 * np.sqrt(dte / 365)
    near, far = 0.6 * sd, 2.0 * sd
    sp, sc = (SPOT - near, SPOT + far) if wing == "put" else (SPOT - far, SPOT + near)
    sp, sc = round(sp / 5) * 5, round(sc / 5) * 5
    draft = IronCondor(expiry=ASOF + dt.timedelta(days=dte), long_put=sp - 50, short_put=sp, short_call=sc,
                       long_call=sc + 50, quantity=10, credit=1.0)
    fair = analyze(draft, m).close_cost
    return draft.model_copy(update={"credit": max(0.05, round(fair * 20) / 20)}), m


def cell(c, name: str) -> str:
    d = c.vs_leg_out[name]
    return f"{d.diff:+,.0f} ± {d.se:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=20_000)  # the bot's default (4,000 misses rare crashes: README)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cases = [("demo (put tested)", demo_condor(), NOW)]
    for wing in ("put", "call"):
        for vix in (14.0, 35.0, 60.0):
            for dte in (7, 45):
                c, m = grid_condor(wing, vix, dte)
                cases.append((f"{wing} VIX {vix:g} {dte}d", c, m))
    print("| case | buy-back market / model | calibrated | hold − LO | close tested − LO | ALVH − LO "
          "| hold − LO (premia off) | close tested − LO (off) | ALVH − LO (off) | hold − LO unanchored |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, c, m in cases:
        on = compare(c, m, n_paths=args.paths, seed=args.seed)
        off = compare(c, m, n_paths=args.paths, seed=args.seed, premia=False)
        old = compare(c, m, n_paths=args.paths, seed=args.seed, anchored=False)
        t = on.today
        worst = "yes" if t.calibrated else "no (worst " + max(
            t.calibration, key=lambda r: abs(r.error) / r.tolerance).name + ")"
        print(f"| {label} | {t.market_buyback:.2f} / {t.model_buyback:.2f} ({t.buyback_error_pct:+.1f}%) | {worst} "
              f"| {cell(on, 'hold')} | {cell(on, 'close_tested')} | {cell(on, 'alvh')} "
              f"| {cell(off, 'hold')} | {cell(off, 'close_tested')} | {cell(off, 'alvh')} | {cell(old, 'hold')} |",
              flush=True)


if __name__ == "__main__":
    main()
