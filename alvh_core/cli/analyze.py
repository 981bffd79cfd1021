"""`alvh analyze POSITION --spot S --vix V [--asof DATE] [--leg-vol K=IV ...] [--json]`.

Prints a compact table: legs (mark, IV, greeks), net dollar greeks, tested wing, P&L now, max
profit/loss, break-evens, probability of profit and the assumptions; ``--json`` prints
``Analysis.model_dump_json``. ``format_analysis(analysis) -> str`` is the same table for reuse.
"""
from __future__ import annotations

import argparse

from alvh_core.analysis import TESTED_DELTA, Analysis, analyze, what_if
from alvh_core.cli.common import (
    add_chart_arg,
    add_json_arg,
    add_market_args,
    add_position_arg,
    market_from_args,
    position_from_args,
    write_chart,
)
from alvh_core.events import describe_events


def money(x: float, signed: bool = True) -> str:
    """Dollars with thousands separators: +$1,234 / -$56 (unsigned: $1,234)."""
    sign = ("+" if x > 0 else "-" if x < 0 else "") if signed else ("-" if x < 0 else "")
    return f"{sign}${abs(x):,.0f}"


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def format_analysis(a: Analysis) -> str:
    """Plain-text table of an Analysis (fits 100 columns)."""
    c, m = a.condor, a.market
    lines = [
        f"{c.describe()}",
        f"as of {m.asof.isoformat()}: SPX {m.spot:,.2f}  VIX {m.vix:.2f}  "
        + (f"{a.dte} days to expiry" if not a.expired else f"EXPIRED ({c.expiry.isoformat()})"),
    ]
    if a.what_if is not None:
        w = a.what_if
        lines.append(f"what-if: SPX {w.base_spot:,.2f} -> {w.spot:,.2f}, VIX {w.base_vix:.2f} -> {w.vix:.2f}, "
                     f"{w.days} day(s) on; P&L change {money(w.pnl_change)}")
    lines.append("")
    lines.append(f"{'leg':<11}{'strike':>9}{'mark':>9}{'IV':>7}{'delta':>9}{'gamma':>9}{'vega':>8}{'theta':>8}")
    for leg in a.legs:
        iv = "-" if leg.iv is None else f"{leg.iv * 100:.1f}"
        lines.append(f"{leg.role:<11}{leg.strike:>9g}{leg.mark:>9.2f}{iv:>7}{leg.delta:>+9.3f}"
                     f"{leg.gamma:>9.5f}{leg.vega:>8.2f}{leg.theta:>+8.2f}")
    lines.append("(per option, index points; IV in vol points; vega per vol point; theta per day)")
    lines.append("")
    n = a.net
    lines.append(f"net greeks ($, whole position): delta {money(n.delta)}/SPX pt   gamma {n.gamma:+,.2f} $/pt per pt   "
                 f"vega {money(n.vega)}/vol pt   theta {money(n.theta)}/day")
    lines.append(f"tested wing: {a.tested_label.upper()} (rule: |short delta| >= {TESTED_DELTA:.2f})   short put delta {a.short_put_delta:+.3f} "
                 f"(P(end below) {a.prob_short_put_itm:.0%})   short call delta {a.short_call_delta:+.3f} "
                 f"(P(end above) {a.prob_short_call_itm:.0%})")
    lines.append(f"P&L now: {money(a.pnl_now)} ({a.pnl_now_pct_of_max:+.0%} of max profit): buy-back "
                 f"{a.close_cost:.2f} pts/condor vs credit {c.credit:.2f}")
    lo, hi = a.breakevens
    lines.append(f"max profit {money(a.max_profit, False)}   max loss {money(a.max_loss, False)}   "
                 f"break-evens {_num(lo)} / {_num(hi)}")
    lines.append(f"probability of profit at expiry: {a.prob_profit:.1%} ({a.pop_method.split(':')[0]})")
    lines.append(f"events before expiry: {describe_events(a.events_before_expiry)}")
    lines.append("assumptions:")
    lines.extend(f"  - {x}" for x in a.assumptions)
    return "\n".join(lines)


def _leg_vol(text: str) -> tuple[float, float]:
    try:
        k, v = text.split("=", 1)
        strike, vol = float(k), float(v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read leg vol '{text}': expected STRIKE=IV like 5650=28.1") from None
    if strike <= 0 or not 0.5 <= vol <= 500:
        raise argparse.ArgumentTypeError(f"leg vol '{text}': expected a positive strike and IV in vol points (28.1)")
    return strike, vol / 100.0


def run(args: argparse.Namespace) -> int:
    condor = position_from_args(args)
    market = market_from_args(args)
    if args.leg_vol:
        market = market.model_copy(update={"leg_vols": dict(args.leg_vol)})
        market = type(market).model_validate(market.model_dump())
    if args.what_if_spot is not None or args.what_if_vix is not None or args.days:
        result = what_if(condor, market, spot=args.what_if_spot, vix=args.what_if_vix, days=args.days)
    else:
        result = analyze(condor, market)
    print(result.model_dump_json(indent=2) if args.json else format_analysis(result))
    from alvh_core import charts

    write_chart(args.chart, lambda: charts.pnl_chart(condor, market))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "analyze", help="marks, IV, greeks, P&L, max P/L, break-evens and PoP of an iron condor",
        description="Analyze an SPX iron condor now: e.g. alvh analyze SPX 2026-12-18 5600/5650P 6150/6200C "
                    "x10 @4.80 --spot 5712 --vix 24.3 --asof 2026-11-24",
    )
    add_position_arg(p)
    add_market_args(p)
    p.add_argument("--leg-vol", action="append", type=_leg_vol, metavar="STRIKE=IV",
                   help="observed implied vol for a strike in vol points (repeatable), e.g. --leg-vol 5650=28.1")
    p.add_argument("--what-if-spot", type=float, default=None, metavar="S", help="re-price at this SPX level")
    p.add_argument("--what-if-vix", type=float, default=None, metavar="V", help="re-price at this VIX")
    p.add_argument("--days", type=int, default=0, help="re-price this many calendar days later (default 0)")
    add_json_arg(p)
    add_chart_arg(p)
    p.set_defaults(func=run)
