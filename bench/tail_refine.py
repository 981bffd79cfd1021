"""The short refine that chose the shipped crash law (issue 11): overlays near the tail search's best, each run through
``calibrate`` exactly as ``alvh calibrate --jumps`` does (1990-2018 QMLE, 200 paths), scored on the tail table.

    PYTHONPATH=. python bench/tail_refine.py [--data ../shared/data] [--seeds 11 12 13]

A measurement, not a speed benchmark. Prints one line per overlay and seed: targets met and each target's error in
units of its tolerance (|e| <= 1: met; see ``bench/tail_fit.py``). In-sample on 1990-2018: the out-of-sample check is
``bench/tail_fit.py --n 0 --top 2`` (the shipped overlay on the 1990-2010 QMLE against 2011-2018).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tail_fit import errors  # noqa: E402

from alvh_core.scenarios.calibration import JumpOverlay, calibrate  # noqa: E402

#: the search's best (0.001 + 25 h, loading 0.052, leverage x1.46; 8 of 9) and the points tried around it
BASE = dict(rate=0.001, rate_h=25.0, mean=-0.056, std=0.029, var_loading=0.052, rate_ratio=2.0,
            diffusive_scale=0.86, leverage_scale=1.46, lam_scale=0.0)
GRID = ([{}] + [dict(var_loading=v, rate=r, std=s) for v in (0.046, 0.049) for r in (0.001, 0.0015) for s in (0.026, 0.029)]
        + [dict(leverage_scale=g, var_loading=v) for g, v in ((1.55, 0.046), (1.55, 0.049), (1.65, 0.046), (1.65, 0.049),
                                                               (1.8, 0.046), (1.8, 0.043), (1.9, 0.043), (1.75, 0.047),
                                                               (1.85, 0.044), (1.8, 0.045))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--seeds", type=int, nargs="+", default=[11])
    a = ap.parse_args()
    for g in GRID:
        j = JumpOverlay(**{**BASE, **g})
        for seed in a.seeds:
            rep = calibrate(a.data, n_paths=200, jumps=j, seed=seed)
            e = errors(rep.data, rep.model)
            met = sum(abs(v) <= 1 for v in e.values())
            print(f"seed {seed} met {met}/9 " + " ".join(f"{k[:8]}={v:+.2f}" for k, v in e.items())
                  + f" variance ratio {rep.params.variance_ratio:.3f} | {g}", flush=True)


if __name__ == "__main__":
    main()
