"""`alvh tune --data DIR [--train A:B --test C:D] [--top N] [--json]`: the best ALVH policy, found on a
training span of the replay and tested on a later span, with White's reality check for having searched many.

    alvh tune --data ../shared/data                       (train 1990-2010, test 2011-2018)
    alvh tune --data ../shared/data --train 1990-01-01:2006-12-31 --test 2007-01-01:2018-12-31 --json

Progress goes to stderr (one line per policy); the report (or its JSON) to stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from alvh_core.cli.common import EXIT_OK, add_json_arg, fail
from alvh_core.settings import Settings


def _span(text: str) -> str:
    try:
        a, b = text.split(":")
        da, db = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read span '{text}': expected START:END dates like "
                                         "1990-01-01:2010-12-31") from None
    if not da < db:
        raise argparse.ArgumentTypeError(f"span {text}: START must be before END")
    return text


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "tune", help="search ALVH policies on a training span of the replay, report the best on a later span",
        description="Search the ALVH policy space (triggers, shares, sizing, instrument, removal, budget / VXTH, gates: VIX RSI/MACD, SPX MACD, A/D divergence, pre-event) on "
        "the historical replay of a training span and test the best policies on the following span, with White's "
        "reality check for the search. Dollars per condor.")
    p.add_argument("--data", default=Settings().alvh_data,
                   help="folder with spx_daily.csv, vix_daily.csv (+ optional files) (default: $ALVH_DATA)")
    p.add_argument("--train", type=_span, default="1990-01-01:2010-12-31", help="training span A:B (1990-2010)")
    p.add_argument("--test", type=_span, default="2011-01-01:2018-12-31", help="test span C:D (2011-2018)")
    p.add_argument("--top", type=int, default=5, help="policies carried to the test span (5)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alvh_core.history.data import load_daily
    from alvh_core.history.tune import render_tune, tune

    if not args.data:
        return fail("error: --data DIR is required (a folder with spx_daily.csv and vix_daily.csv), or set ALVH_DATA")
    if not 1 <= args.top <= 50:
        return fail(f"error: --top {args.top} must be between 1 and 50")
    history = load_daily(args.data)

    def progress(i: int, n: int, what: str) -> None:
        if not args.quiet:
            print(f"[{i}/{n}] {what}", file=sys.stderr, flush=True)

    report = tune(history, args.train, args.test, top=args.top, progress=progress)
    print(report.model_dump_json(indent=2) if args.json else render_tune(report), end="" if not args.json else "\n")
    return EXIT_OK
