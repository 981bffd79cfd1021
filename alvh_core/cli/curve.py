"""`alvh curve --vix V [--vix9d V9 --vix3m V3] [--asof D] [--months N] [--vx EXPIRY=PRICE ...] [--json]`.

THE VIX futures curve (alvh_core.market.vix_curve) at the listed monthly VX expiries after ``--asof``:
``--json`` prints ``{"futures": [{"expiry": "YYYY-MM-DD", "price": p, "source": "model"|"marked"}]}``.
Marked VX futures (``--vx 2027-01-20=22.45``) take precedence over the model at their expiry.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json

from alvh_core.cli.common import _positive_float, add_json_arg, bounded_int, parse_date


def _vx_mark(text: str) -> tuple[dt.date, float]:
    try:
        d, p = text.split("=", 1)
        day, price = dt.date.fromisoformat(d.strip()), float(p)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read VX mark '{text}': expected EXPIRY=PRICE like 2027-01-20=22.45") from None
    if not 1.0 <= price <= 200.0:
        raise argparse.ArgumentTypeError(f"VX mark '{text}': price {price:g} outside 1-200 VIX points")
    return day, price


def run(args: argparse.Namespace) -> int:
    from alvh_core.cli.common import asof_from_args
    from alvh_core.pricing.expiries import vx_contract_month
    from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE

    asof = asof_from_args(args)
    marks = dict(args.vx or [])
    for day in marks:
        try:
            vx_contract_month(day)
        except ValueError:
            raise ValueError(f"VX mark {day}: not a VX final settlement date (expected a listed monthly expiry, "
                             "e.g. the Wednesday 30 days before the next month's third Friday)") from None
    v9, v3 = (None if x is None else x / 100.0 for x in (args.vix9d, args.vix3m))
    rows = DEFAULT_VIX_CURVE.monthly_curve(asof, args.vix / 100.0, v9, v3, months=args.months, marks=marks)
    unused = sorted(set(marks) - {r["expiry"] for r in rows})
    if unused:
        raise ValueError(f"VX mark {unused[0]} is not among the next {args.months} expiries after {asof}")
    if args.json:
        print(json.dumps({"futures": [{"expiry": r["expiry"].isoformat(), "price": round(r["price"], 4),
                                       "source": r["source"]} for r in rows]}, indent=2))
        return 0
    idx = f"VIX {args.vix:g}" + "".join(f", {n} {v:g}" for n, v in (("VIX9D", args.vix9d), ("VIX3M", args.vix3m))
                                        if v is not None)
    print(f"VX futures curve as of {asof} ({idx})")
    print(f"{'expiry':<12}{'days':>6}{'price':>9}  source")
    for r in rows:
        print(f"{r['expiry'].isoformat():<12}{(r['expiry'] - asof).days:>6}{r['price']:>9.2f}  {r['source']}")
    law = "with VIX3M" if v3 is not None else "VIX-only law (give --vix3m for the sharper fit)"
    print(f"(index points; fitted to VX settles 2009-2018, {law}; see README 'VIX futures curve')")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "curve", help="THE VIX futures curve at the listed monthly VX expiries",
        description="VX futures curve fitted to VX settles: alvh curve --vix 24.3 [--vix9d 26 --vix3m 23.5] "
                    "[--asof 2026-11-24] [--vx 2027-01-20=22.45] [--json]",
    )
    p.add_argument("--vix", type=_positive_float("vix"), required=True, help="VIX in vol points, e.g. 24.3")
    p.add_argument("--vix9d", type=_positive_float("vix9d"), default=None, help="VIX9D in vol points (optional)")
    p.add_argument("--vix3m", type=_positive_float("vix3m"), default=None, help="VIX3M in vol points (optional)")
    p.add_argument("--asof", type=parse_date, default=None, help="valuation date YYYY-MM-DD (default today)")
    p.add_argument("--months", type=bounded_int("months", 1, 12), default=8, help="listed expiries to show (default 8)")
    p.add_argument("--vx", action="append", type=_vx_mark, metavar="EXPIRY=PRICE",
                   help="a marked VX future (repeatable); it wins over the model at its expiry")
    add_json_arg(p)
    p.set_defaults(func=run)
