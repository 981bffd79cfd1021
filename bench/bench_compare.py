"""Speed of the default management comparison, as ratios to its floor run side by side.

    python bench/bench_compare.py [--paths N] [--repeat R]

Floor (baseline): drawing the comparison's random numbers only (the (T, N/2) antithetic normals the
scenario model draws). Then, interleaved with it R times (median reported): simulating the paths, the
five strategies on given paths, and the whole ``compare`` (simulate + price + strategies + metrics,
hedge sizing included). Peak Python heap of one ``compare`` via tracemalloc. Goal: well under a second.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import tracemalloc

import numpy as np

from alvh_core.costs import CostModel
from alvh_core.edge import compare, default_specs, run_strategies
from alvh_core.models import IronCondor, MarketState
from alvh_core.scenarios.simulation import simulate, steps_to
from alvh_core.strategies import LayerPolicy, TakeProfitStop

ASOF = dt.date(2026, 11, 24)
CONDOR = IronCondor(expiry=dt.date(2026, 12, 31), long_put=6350, short_put=6450, short_call=7000,
                    long_call=7100, quantity=10, credit=9.0)
MARKET = MarketState(spot=6600.0, vix=22.0, asof=ASOF)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    n_days = steps_to(CONDOR.expiry, ASOF)
    n = a.paths

    def floor():
        np.random.default_rng(7).standard_normal((n_days, n // 2))

    paths = simulate(MARKET, n_days, n_paths=n, seed=7)
    policy = LayerPolicy()
    specs = default_specs(CONDOR, MARKET, policy, paths)
    runs = {
        "draw random numbers (floor)": floor,
        "simulate paths": lambda: simulate(MARKET, n_days, n_paths=n, seed=7),
        "5 strategies on given paths": lambda: run_strategies(CONDOR, MARKET, paths, CostModel(), policy, specs,
                                                              TakeProfitStop()),
        "compare (everything)": lambda: compare(CONDOR, MARKET, n_paths=n, seed=7),
    }
    compare(CONDOR, MARKET, n_paths=n, seed=7)  # warm caches (pricer tables, calendars)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(a.repeat):  # interleaved: the runs see the same machine load
        for k, fn in runs.items():
            times[k].append(timed(fn))
    base = statistics.median(times["draw random numbers (floor)"])
    print(f"{CONDOR.describe()}  SPX {MARKET.spot:g} VIX {MARKET.vix:g}: {n} paths x {n_days} trading days, "
          f"median of {a.repeat}")
    print(f"{'run':<32}{'seconds':>10}{'x floor':>10}")
    for k, v in times.items():
        m = statistics.median(v)
        print(f"{k:<32}{m:>10.4f}{m / base:>10.1f}")
    tracemalloc.start()
    compare(CONDOR, MARKET, n_paths=n, seed=7)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python heap of one compare: {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
