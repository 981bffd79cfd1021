"""Speed of the scenario engine: simulate + price along 4,000 x 45 paths, as ratios to a baseline.

    python bench/bench_scenarios.py [--paths 4000] [--days 45] [--repeat 5] [--jumps]

Baseline: drawing the (days x paths) standard normals only. Rows: simulation; 4 SPX condor legs
(price + delta at every path and day); 2 VIX options + 1 VIX future; the total; the first call
(which also builds the cached COS tables and VIX transition matrix). Peak memory by tracemalloc.
``--jumps``: the crash-jump fit (``load_default_params(jumps=True)``) instead of the default parameters.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc

import numpy as np

from alvh_core.models import MarketState
from alvh_core.scenarios import load_default_params, simulate
from alvh_core.scenarios.pricer import spx_pricer, vix_pricer


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--days", type=int, default=45)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--jumps", action="store_true", help="use the crash-jump fit")
    a = ap.parse_args()
    m = MarketState(spot=5000.0, vix=22.0, asof=dt.date(2025, 3, 3))
    exp_t, vexp_t = a.days / 252, 21 / 252
    legs = [("P", 4600.0), ("P", 4750.0), ("C", 5200.0), ("C", 5300.0)]

    def draw():
        np.random.default_rng(1).standard_normal((a.days, a.paths))

    params = load_default_params(jumps=a.jumps)

    def sim():
        return simulate(m, a.days, a.paths, seed=1, params=params)

    def price_spx(p):
        for kind, k in legs:
            p.spx_option(kind, k, exp_t)

    def price_vix(p):
        p.vix_future(vexp_t)
        p.vix_option("C", 25.0, vexp_t)
        p.vix_option("C", 35.0, vexp_t)

    def everything():
        p = sim()
        price_spx(p)
        price_vix(p)

    spx_pricer.cache_clear()
    vix_pricer.cache_clear()
    t0 = time.perf_counter()
    everything()
    cold = time.perf_counter() - t0
    p = sim()
    base = best(draw, a.repeat)
    rows = [
        ("draw normals only (baseline)", base),
        ("simulate", best(sim, a.repeat)),
        ("4 SPX legs, price+delta, all (path, day)", best(lambda: price_spx(p), a.repeat)),
        ("VIX future + 2 VIX calls, all (path, day)", best(lambda: price_vix(p), a.repeat)),
        ("total (warm caches)", best(everything, a.repeat)),
        ("total, first call (builds tables)", cold),
    ]
    print(f"{a.paths} paths x {a.days} days, best of {a.repeat}" + (", crash-jump fit" if a.jumps else ""))
    print(f"{'step':<44} {'seconds':>9} {'x baseline':>11}")
    for name, t in rows:
        print(f"{name:<44} {t:>9.4f} {t / base:>11.1f}")
    tracemalloc.start()
    everything()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory of one warm run: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
