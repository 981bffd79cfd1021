"""Peak memory of one compare on a claims-grid case (issue 11's stress regimes at long horizons).

    PYTHONPATH=. python bench/mem_case.py WING VIX CALENDAR_DAYS PATHS      (e.g. put 60 134 1000000)

A 200-path compare first (tables built or read from the disk cache), then the compare of PATHS paths; prints the
resident memory after the first (``base_mb``), the process's peak (``peak_mb``, ``ru_maxrss``), the seconds of the
second and its ALVH − leg out (diff, SE). ``bench_speed.py --only D --big`` measures the demo-like 10-lot instead.
"""
from __future__ import annotations

import json
import resource
import sys
import time

from claims_grid import grid_condor

from alvh_core.edge import compare


def main() -> None:
    c, m = grid_condor(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
    compare(c, m, n_paths=200, seed=1)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    r = compare(c, m, n_paths=int(sys.argv[4]), seed=7)
    print(json.dumps({"base_mb": base, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "s": time.perf_counter() - t0,
                      "alvh": [r.vs_leg_out["alvh"].diff, r.vs_leg_out["alvh"].se]}))


if __name__ == "__main__":
    main()
