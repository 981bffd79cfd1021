"""Speed of the historical replay, as ratios to a baseline run side by side (loading the CSVs).

    python bench/bench_backtest.py [DATA_DIR]      (default ../shared/data or $ALVH_DATA)

Prints wall times (best of 3) of: load_daily (baseline), the monthly replay of all the data (the
strategy registry on every tested trade at once), and a replay entering every 5 trading days, each with its ratio to the baseline.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from alvh_core.history.data import load_daily
from alvh_core.history.replay import BacktestConfig, backtest


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    default = os.environ.get("ALVH_DATA") or str(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    data = sys.argv[1] if len(sys.argv) > 1 else default
    base = best_of(lambda: load_daily(data))
    h = load_daily(data)
    print(f"data {data}: {len(h)} days {h.start}..{h.end}")
    print(f"{'run':<44}{'seconds':>9}{'x load':>9}")
    print(f"{'load_daily (baseline)':<44}{base:>9.3f}{1.0:>9.1f}")
    runs = [("monthly (the registry, all trades at once)", BacktestConfig()),
            ("every 5 trading days", BacktestConfig(entry_every=5))]
    for name, cfg in runs:
        holder = {}
        t = best_of(lambda: holder.setdefault("r", backtest(h, cfg)))
        r = holder["r"]
        print(f"{name:<44}{t:>9.3f}{t / base:>9.1f}   ({r.n_trades} trades, {r.n_triggered} tested)")
    end_to_end = best_of(lambda: backtest(load_daily(data), BacktestConfig()), repeat=1)
    print(f"{'end to end: load + monthly replay':<44}{end_to_end:>9.3f}{end_to_end / base:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
