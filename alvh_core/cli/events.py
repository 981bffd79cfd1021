"""`alvh events [--from D] [--to D] [--kind K] [--json]`, `alvh events --study|--replay --data DIR [--json]`.

Lists FOMC decisions and CPI/PPI releases from the product's calendar (``ALVH_EVENTS`` or the packaged
file): ``--json`` prints ``{"events": [{"date", "kind", "scheduled", "confidence"}], "source": path}``.
Default range: today to 90 days on. ``--study`` measures what the events did to SPX and VIX in the
daily history of ``--data DIR`` (format of ../shared/data; default ALVH_DATA), see
``alvh_core.event_study``. ``--replay`` runs the historical replay and splits its trades by event and by
gate (``alvh_core.event_replay``); the breadth gate reads ``nyse_breadth.csv`` in DIR or DIR/events.
"""
from __future__ import annotations

import argparse
import datetime as dt

from alvh_core.cli.common import add_json_arg, bounded_int, parse_date
from alvh_core.clock import desk_today, system_clock
from alvh_core.events import KINDS, EventList, default_calendar


def format_events(lst: EventList, start: dt.date | None, end: dt.date | None) -> str:
    rng = f"{start.isoformat() if start else 'start'} .. {end.isoformat() if end else 'end'}"
    if not lst.events:
        return f"no events {rng} (calendar {lst.source})"
    lines = [f"{len(lst.events)} event(s) {rng}:", f"{'date':<12}{'day':<5}{'kind':<6}{'scheduled':<11}confidence"]
    for e in lst.events:
        lines.append(f"{e.date.isoformat():<12}{e.date:%a}  {e.kind.upper():<6}{'yes' if e.scheduled else 'NO':<11}"
                     f"{e.confidence}")
    lines.append(f"(calendar: {lst.source}; FOMC = decision day, CPI/PPI = release day, 08:30 New York; "
                 "PPI dates before 2025 come from one unverified list)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.study and args.replay:
        raise ValueError("choose one of --study and --replay")
    if args.study:
        return _run_study(args)
    if args.replay:
        return _run_replay(args)
    cal = default_calendar()
    start, end = args.date_from, args.date_to
    if start is None and end is None:
        start = desk_today(getattr(args, "clock", None) or system_clock)  # the run's clock, as --asof defaults
        end = start + dt.timedelta(days=90)
    if start is not None and end is not None and end < start:
        raise ValueError(f"--to {end} is before --from {start}: expected --from D --to D with D1 <= D2")
    kinds = tuple(args.kind) if args.kind else None
    lst = EventList(events=cal.between(start, end, kinds), source=cal.source)
    print(lst.model_dump_json(indent=2) if args.json else format_events(lst, start, end))
    return 0


def _history_dir(args: argparse.Namespace) -> str:
    from alvh_core.settings import Settings

    data = args.data or Settings().alvh_data
    if not data:
        raise ValueError("--study/--replay need the daily history: --data DIR (format of ../shared/data) or ALVH_DATA")
    return str(data)


def _run_replay(args: argparse.Namespace) -> int:
    from alvh_core.event_replay import format_replay, replay_by_event
    from alvh_core.history.data import load_daily
    from alvh_core.history.replay import BacktestConfig, backtest
    from alvh_core.strategies.gates import load_breadth

    data = _history_dir(args)
    history = load_daily(data).slice(args.date_from, args.date_to)
    report = backtest(history, BacktestConfig(n_boot=args.boot, seed=args.seed))
    try:
        breadth = load_breadth(data, history.dates)
    except ValueError:
        breadth = None
    res = replay_by_event(report, history, default_calendar(), breadth, n_boot=args.boot, seed=args.seed)
    if breadth is None:
        res.notes.append(f"no nyse_breadth.csv in {data} (or {data}/events): the breadth gate is not measured")
    print(res.model_dump_json(indent=2) if args.json else format_replay(res))
    return 0


def _run_study(args: argparse.Namespace) -> int:
    from alvh_core.event_study import event_study, format_study
    from alvh_core.history.data import load_daily
    history = load_daily(_history_dir(args))
    res = event_study(history, default_calendar(), start=args.date_from, end=args.date_to,
                      n_boot=args.boot, seed=args.seed)
    print(res.model_dump_json(indent=2) if args.json else format_study(res))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "events", help="FOMC / CPI / PPI calendar (and --study: what they did to SPX and VIX)",
        description="List FOMC decisions and CPI/PPI releases, e.g. alvh events --from 2026-12-01 --to 2026-12-31; "
                    "alvh events --study --data ../shared/data measures them on history",
    )
    p.add_argument("--from", dest="date_from", type=parse_date, default=None, metavar="D",
                   help="first date YYYY-MM-DD (default today; with --study: start of the history)")
    p.add_argument("--to", dest="date_to", type=parse_date, default=None, metavar="D",
                   help="last date YYYY-MM-DD (default 90 days after --from; with --study: end of the history)")
    p.add_argument("--kind", action="append", choices=KINDS, help="only this kind (repeatable)")
    p.add_argument("--study", action="store_true",
                   help="measure SPX |returns| and VIX changes on event days vs other days, with bootstrap intervals")
    p.add_argument("--replay", action="store_true",
                   help="the historical replay (alvh backtest defaults) split by FOMC/CPI in the trade's life and by "
                        "gate on the trigger day, with block-bootstrap intervals")
    p.add_argument("--data", metavar="DIR", default=None, help="daily CSVs for --study (default ALVH_DATA)")
    p.add_argument("--boot", type=bounded_int("boot", 100, 20_000), default=2000,
                   help="bootstrap resamples for --study intervals (default 2000)")
    p.add_argument("--seed", type=bounded_int("seed", 0, 2**31 - 1), default=7, help="bootstrap seed (default 7)")
    add_json_arg(p)
    p.set_defaults(func=run)
