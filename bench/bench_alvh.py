"""The ALVH strategy's share of the bot's compare (issue 16): CPU seconds, one process.

Bot configuration (numba kernel loaded, start-up warm-up, demo 10-lot, 20,000 paths, events on). Prints the
median over ``--repeat`` of: a compare on a new market (SPX +4i, VIX +0.15i) and the ALVH strategy's CPU inside
it; a compare on the same market; the ALVH strategy alone, rerun on the two path sets (premia on / off) of one
new-market compare. To compare two trees, alternate processes::

    for i in 1 2 3 4 5; do for d in /path/to/main /path/to/branch; do
        (cd $d && PYTHONPATH=$d python bench/bench_alvh.py); done; done
"""
from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    from alvh_core.scenarios.kernels import numba_kernel

    numba_kernel()
    import alvh_core.strategies.registry as reg
    from alvh_core.cli.demo import NOW, demo_condor
    from alvh_core.edge import compare
    from alvh_core.scenarios.warm import warm_up

    acc = [0.0]
    calls: list = []
    orig = reg.alvh

    def timed(*args, **kw):
        calls.append((args, kw))
        c0 = time.process_time()
        try:
            return orig(*args, **kw)
        finally:
            acc[0] += time.process_time() - c0

    reg.alvh = timed
    c = demo_condor()
    warm_up(expiries=[c.expiry], asof=NOW.asof)
    compare(c, NOW, n_paths=a.paths, seed=7)
    moved, alvh_in, same = [], [], []
    for i in range(a.repeat):
        mk = NOW.model_copy(update={"spot": NOW.spot + 4 * (i + 1), "vix": round(NOW.vix + 0.15 * (i + 1), 2)})
        acc[0] = 0.0
        calls.clear()
        c0 = time.process_time()
        compare(c, mk, n_paths=a.paths, seed=8)
        moved.append(time.process_time() - c0)
        alvh_in.append(acc[0])
        c0 = time.process_time()
        compare(c, NOW, n_paths=a.paths, seed=8 + i)
        same.append(time.process_time() - c0)
    reg.alvh = orig
    kept = list(calls)  # the last new-market compare's ALVH inputs (before the same-market one: first entries)
    alone = []
    for _ in range(a.repeat):
        c0 = time.process_time()
        for args, kw in kept[:2]:
            orig(*args, **kw)
        alone.append(time.process_time() - c0)
    print(json.dumps({"compare_new_market_cpu": round(statistics.median(moved), 3),
                      "alvh_in_it_cpu": round(statistics.median(alvh_in), 3),
                      "compare_same_market_cpu": round(statistics.median(same), 3),
                      "alvh_alone_cpu": round(statistics.median(alone), 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
