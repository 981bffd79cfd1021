"""`alvh calibrate`: fit the SPX/VIX scenario model to daily history and show model vs data.

    alvh calibrate --data ../shared/data [--out params.json] [--start 1990-01-01 --end 2018-12-31]
        [--vix-weight 0.1] [--paths 200] [--seed 11] [--jumps] [--json]

Writes the fitted parameters (the format of alvh_core/data/model_params.json) when --out is given.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alvh_core.cli.common import EXIT_OK, add_json_arg, fail, parse_date
from alvh_core.settings import Settings


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calibrate", help="fit the Heston-Nandi SPX/VIX scenario model to daily history; model vs data table",
        description="Quasi maximum likelihood on daily SPX log returns (+ a weighted log-VIX fit), variance "
        "premium matched to the mean VIX, then simulated statistics against the data.")
    p.add_argument("--data", default=Settings().alvh_data,
                   help="folder with spx_daily.csv and vix_daily.csv (default: $ALVH_DATA)")
    p.add_argument("--out", default=None, help="write the fitted parameters to this JSON file")
    p.add_argument("--start", type=parse_date, default=dt.date(1990, 1, 1), help="first date YYYY-MM-DD (1990-01-01)")
    p.add_argument("--end", type=parse_date, default=dt.date(2018, 12, 31), help="last date YYYY-MM-DD (2018-12-31)")
    p.add_argument("--vix-weight", type=float, default=0.1,
                   help="weight of the log-VIX fit against the return likelihood, 0-1 (0.1)")
    p.add_argument("--paths", type=int, default=200, help="simulated paths for the model statistics (200)")
    p.add_argument("--seed", type=int, default=11, help="seed of the simulated check (11)")
    p.add_argument("--jumps", action="store_true",
                   help="add the crash-jump overlay (fatter tails, VIX spikes, put skew; "
                   "the fit shipped as alvh_core/data/model_params_jumps.json)")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: Any) -> int:
    from alvh_core.scenarios.calibration import DEFAULT_JUMPS, calibrate

    if not args.data:
        return fail("error: --data DIR is required (a folder with spx_daily.csv and vix_daily.csv), or set $ALVH_DATA")
    if not Path(args.data).is_dir():
        return fail(f"error: --data {args.data} is not a folder (expected one with spx_daily.csv and vix_daily.csv)")
    if args.start and args.end and args.start >= args.end:
        return fail(f"error: --start {args.start} must be before --end {args.end}")
    if not 0.0 <= args.vix_weight <= 1.0:
        return fail(f"error: --vix-weight {args.vix_weight:g} must be between 0 and 1")
    if not 10 <= args.paths <= 10_000:
        return fail(f"error: --paths {args.paths} must be 10-10000")
    report = calibrate(args.data, start=args.start, end=args.end, n_paths=args.paths, seed=args.seed,
                       vix_weight=args.vix_weight, jumps=DEFAULT_JUMPS if getattr(args, "jumps", False) else None)
    if args.out:
        payload = {"span": f"{report.start}..{report.end}", "log_likelihood": report.log_likelihood,
                   "params": json.loads(report.params.model_dump_json())}
        Path(args.out).write_text(json.dumps(payload, indent=2) + "\n")
    if args.json:
        print(report.model_dump_json(indent=2))
        return EXIT_OK
    print(f"span {report.start}..{report.end}, {report.n_returns} daily returns, "
          f"log likelihood {report.log_likelihood:.1f}")
    print(report.params.describe())
    print(f"model column: {report.sim_paths} simulated real-world paths x {report.sim_days} days, seed {report.seed}")
    print(report.table())
    if args.out:
        print(f"parameters written to {args.out}")
    return EXIT_OK
