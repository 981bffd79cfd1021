"""`alvh backtest`: replay SPX/VIX daily history, comparing the condor management choices.

    alvh backtest --data ../shared/data [--start 2008-01-01 --end 2012-12-31] [--entry-dte 45]
        [--short-delta 0.16] [--width 50 | --width 2%] [--trigger 0.30] [--every N] [--no-costs]
        [--json] [--chart out.png] [--report out.txt]
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from alvh_core.cli.common import EXIT_OK, add_json_arg, fail, parse_date
from alvh_core.settings import Settings


def _width(text: str) -> tuple[str, float]:
    t = text.strip()
    try:
        v = float(t[:-1]) if t.endswith("%") else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read width '{text}': expected points (50) or percent of spot (2%)") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"width {text} must be positive")
    return ("pct" if t.endswith("%") else "pts", v)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "backtest", help="replay daily SPX/VIX history: hold vs leg out vs close tested vs ALVH vs take-profit/stop",
        description="Open a condor on every entry day of the history, walk it on real closes, and when a wing "
        "is tested apply each management choice with costs. Dollars per condor.")
    p.add_argument("--data", default=Settings().alvh_data,
                   help="folder with spx_daily.csv, vix_daily.csv (+ optional vix3m/vix9d/vvix/skew/vx_futures) "
                   "(default: $ALVH_DATA)")
    p.add_argument("--start", type=parse_date, default=None, help="first entry date YYYY-MM-DD")
    p.add_argument("--end", type=parse_date, default=None, help="last date of data used YYYY-MM-DD")
    p.add_argument("--entry-dte", type=int, default=45, help="calendar days to the target expiry at entry (45)")
    p.add_argument("--every", type=int, default=None,
                   help="enter every N trading days (default: monthly, the day after each monthly expiry)")
    p.add_argument("--short-delta", type=float, default=0.16, help="short strikes' |delta| at entry (0.16)")
    p.add_argument("--width", type=_width, default=None,
                   help="wing width: points (50) or percent of spot (2%%); default: long strikes by --long-delta")
    p.add_argument("--trigger", type=float, default=0.30, help="short |delta| that marks a tested wing (0.30)")
    p.add_argument("--take-profit", type=float, default=0.5, help="take_profit_stop: fraction of credit won (0.5)")
    p.add_argument("--stop-loss", type=float, default=2.0, help="take_profit_stop: multiple of credit lost (2)")
    p.add_argument("--stop-from", choices=("now", "entry"), default="now",
                   help="take_profit_stop: count the stop's loss beyond the loss at the trigger (now, default) or "
                   "since entry (then it often exits on the trigger day, i.e. legs out)")
    p.add_argument("--long-delta", type=float, default=0.05,
                   help="long strikes at this |delta| (CNDR: 0.05), unless --width is given")
    p.add_argument("--settle", choices=("open", "close"), default="open",
                   help="expiry settlement: the expiry day's open where the data has a reliable one (AM, default), "
                   "else the close; or always the close")
    p.add_argument("--sensitivity", action="store_true",
                   help="replay again with each design choice changed alone and print the table")
    p.add_argument("--next-day", action="store_true",
                   help="fill management trades on the close of the day after the trigger (default: the trigger's close)")
    p.add_argument("--condors", type=int, default=10,
                   help="condors per trade, so hedge layers round to whole contracts (10); "
                   "results are per condor")
    from alvh_core.cli.hedge import add_policy_args

    add_policy_args(p)  # the ALVH policy flags of `alvh hedge` / `alvh compare`
    p.add_argument("--no-costs", action="store_true", help="switch spreads and fees off")
    p.add_argument("--seed", type=int, default=7, help="bootstrap seed (7)")
    p.add_argument("--chart", default=None, help="write the equity-curve PNG here")
    p.add_argument("--report", default=None, help="write the plain-text report here")
    p.add_argument("--trades", action="store_true", help="also list every trade (text) ")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alvh_core.cli.hedge import policy_from_args
    from alvh_core.history.data import load_daily
    from alvh_core.history.replay import BacktestConfig, backtest
    from alvh_core.history.report import render_text, save_chart

    if not args.data:
        return fail("error: --data DIR is required (a folder with spx_daily.csv and vix_daily.csv), or set ALVH_DATA")
    kind, w = args.width or ("", 0.0)
    cfg = BacktestConfig(
        start=args.start, end=args.end, entry_dte=args.entry_dte, entry_every=args.every,
        short_delta=args.short_delta, long_delta=args.long_delta, width=w if kind == "pts" else None,
        width_pct=w if kind == "pct" else None, trigger=args.trigger, take_profit=args.take_profit,
        stop_loss=args.stop_loss, stop_from=args.stop_from, fill_lag=1 if args.next_day else 0, settle=args.settle,
        costs=not args.no_costs, seed=args.seed, condors=args.condors, policy=policy_from_args(args),
    )
    history = load_daily(args.data)
    if args.sensitivity:
        from alvh_core.history.tune import render_sensitivity, sensitivity

        rows = sensitivity(history, cfg, progress=lambda i, n, w: print(f"[{i}/{n}] {w}", file=sys.stderr, flush=True))
        print("[" + ",".join(r.model_dump_json() for r in rows) + "]" if args.json else render_sensitivity(rows), end="")
        return EXIT_OK
    report = backtest(history, cfg)
    text = render_text(report)
    if args.trades:
        text += "\nTrades (entry, expiry, spot, VIX, strikes, credit, tested, P&L hold/leg_out/close_tested/alvh/tp_stop):\n"
        for t in report.trades:
            tested = f"{t.tested}@{t.trigger}" if t.tested else "-"
            text += (f"  {t.entry} {t.expiry} {t.spot:8.2f} {t.vix:5.1f} "
                     f"{'/'.join(f'{k:g}' for k in t.strikes)} {t.credit:6.2f} {tested:<17} "
                     + " ".join(f"{v:8,.0f}" for v in t.pnl.values()) + "\n")
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(text)
    if args.chart:
        save_chart(report, args.chart)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        sys.stdout.write(text)
        if args.chart:
            print(f"chart: {args.chart}")
    return EXIT_OK
