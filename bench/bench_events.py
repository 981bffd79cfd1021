"""Cost of event days inside the pricing law (issue 17), as ratios side by side.

    python bench/bench_events.py [--days 17] [--repeat 5] [--compare]

Rows: building one regime's SPX COS tables for an expiry ``--days`` sessions ahead with an event pattern
(in memory, n = 1..days) against building the plain tables for the same days from scratch (what the disk
cache saves on later runs); pricing 4 legs along 4,000 paths with each (same cost once built).
``--compare``: the demo ``compare`` with ``--event-bump`` against without (CPU seconds of this process).
Medians of ``--repeat`` alternating runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np

from alvh_core.events import EVENT_DAY_SHARE, EVENT_VARIANCE_BUMP, event_multipliers_for
from alvh_core.models import MarketState
from alvh_core.scenarios import load_default_params, simulate
from alvh_core.scenarios.pricer import SpxTablePricer, event_pattern

ASOF = dt.date(2026, 11, 24)  # FOMC 12-09 and CPI 12-10 in the next 17 sessions


def _plain_build(q, rate, div, days):
    p = SpxTablePricer(q, rate, div)
    p._load_disk = lambda: None  # noqa: SLF001 - measure the build, not the cache
    n_c = 1
    while True:
        p._class_tables(n_c)  # noqa: SLF001
        if n_c >= days:
            return
        n_c *= 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=17)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--compare", action="store_true")
    a = ap.parse_args()
    params = load_default_params(jumps=True)
    q = params.risk_neutral()
    m = MarketState(spot=5712.0, vix=24.3, asof=ASOF)
    mult = event_multipliers_for(ASOF, a.days, bump=EVENT_VARIANCE_BUMP, frequency=EVENT_DAY_SHARE)
    pattern = event_pattern(mult, a.days)
    ev_t, pl_t = [], []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        SpxTablePricer(q, m.rate, m.div_yield, pattern)._ensure(a.days)  # noqa: SLF001
        ev_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _plain_build(q, m.rate, m.div_yield, a.days)
        pl_t.append(time.perf_counter() - t0)
    ev, pl = float(np.median(ev_t)), float(np.median(pl_t))
    print(f"tables, {a.days} days, one regime: events {ev:.2f} s, plain from scratch {pl:.2f} s, ratio {ev / pl:.2f}")
    pe = simulate(m, a.days, n_paths=4000, seed=1, premia=True, params=params, event_variance=mult)
    pp = simulate(m, a.days, n_paths=4000, seed=1, premia=True, params=params)
    for p in (pe, pp):
        p.spx_option("P", 5600.0, a.days / 252)  # build outside the timing
    e_t, p_t = [], []
    for _ in range(a.repeat):
        for paths, out in ((pe, e_t), (pp, p_t)):
            paths._stencils.clear()  # noqa: SLF001
            t0 = time.perf_counter()
            for kind, k in (("P", 5600.0), ("P", 5650.0), ("C", 6150.0), ("C", 6200.0)):
                paths.spx_option(kind, k, a.days / 252)
            out.append(time.perf_counter() - t0)
    print(f"4 legs along 4,000 x {a.days} paths: events {np.median(e_t) * 1e3:.0f} ms, plain "
          f"{np.median(p_t) * 1e3:.0f} ms, ratio {np.median(e_t) / np.median(p_t):.2f}")
    if a.compare:
        from alvh_core.cli import main as cli

        demo = ["compare", "SPX", "2026-12-18", "5600/5650P", "6150/6200C", "x10", "@4.80", "--spot", "5712",
                "--vix", "24.3", "--asof", "2026-11-24", "--json"]
        for extra in (["--event-bump"], []):
            t0 = time.process_time()
            cli(demo + extra)
            print(f"compare demo {' '.join(extra) or '(no events)'}: {time.process_time() - t0:.1f} s CPU")


if __name__ == "__main__":
    main()
