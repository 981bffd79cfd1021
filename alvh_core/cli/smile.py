"""`alvh smile`: THE SPX surface at chosen strikes, or its error against a file of real quotes.

    alvh smile (--spot S | --forward F) --vix V [--vix9d V9 --vix3m V3 --skew SK] [--asof D]
               --expiry E --strikes K1,K2,... [--json] [--chart smile.png] [--quotes FILE]
    alvh smile --quotes FILE --asof D [--vix V ...] [--json] [--chart errors.png]

First form: the forward, the ATM vol and per strike the vol, delta and price of the out-of-the-money
option (put below the forward, call at or above); ``--json`` prints
``{"forward": F, "atm_vol": a, "expiry": E, "tau": t, "points": [{"strike", "vol", "delta", "price", "type"}]}``
with vols as decimals. ``--forward`` gives the expiry's forward directly (``--rate`` then only
discounts); with ``--spot`` the forward is ``S e^{(r - q) tau}``. ``--chart`` plots the surface, and the
quotes of that expiry when ``--quotes`` is given. ``--expiry`` is a date (YYYY-MM-DD) or days (``30d``).

Second form (no ``--strikes``): the error table of the surface against the file's out-of-the-money
quotes of date ``--asof`` (7-90 days, 5-50 delta, Black-76 vols from the mid on the parity forward),
by VIX regime and delta bucket. VIX (and VIX9D, VIX3M, SKEW) come from the flags, else from that day's
closes in ``$ALVH_DATA``. The file format (the shared Cboe/optopsy format or a broker export) is
described in :mod:`alvh_core.market.quotes`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

from alvh_core.cli.common import _positive_float, add_json_arg, parse_date

DEFAULT_RATE = 0.04
DEFAULT_DIV = 0.013


def _strikes(text: str) -> list[float]:
    try:
        ks = [float(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read strikes '{text}': expected K1,K2,... like 5600,5650,6150") from None
    if not ks or any(not (k > 0 and math.isfinite(k)) for k in ks):
        raise argparse.ArgumentTypeError(f"strikes '{text}': expected positive numbers K1,K2,...")
    return ks


def _expiry(text: str) -> dt.date | int:
    t = text.strip().lower()
    for suffix in ("dte", "d"):
        if t.endswith(suffix) and t[: -len(suffix)].isdigit():
            return int(t[: -len(suffix)])
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read expiry '{text}': expected YYYY-MM-DD or days like 30d") from None


def _asof(args: argparse.Namespace) -> dt.date:
    from alvh_core.cli.common import asof_from_args

    return asof_from_args(args)


def _indices_for(day: dt.date, args: argparse.Namespace) -> tuple[float, float, float, float, str]:
    """(vix, vix9d, vix3m, skew) in points (NaN = absent) from the flags, else from $ALVH_DATA's closes."""
    vals = [args.vix, args.vix9d, args.vix3m, args.skew]
    source = "flags"
    if args.vix is None:
        from alvh_core.settings import Settings

        data = Settings().alvh_data
        if not data:
            raise ValueError("no VIX for the quotes: give --vix V (and --vix9d/--vix3m/--skew), or set ALVH_DATA "
                             "to a directory of daily closes (format of ../shared/data)")
        from alvh_core.history.data import load_daily

        h = load_daily(data)
        i = int(np.searchsorted(h.dates, np.datetime64(day)))
        if i >= len(h.dates) or h.dates[i] != np.datetime64(day):
            raise ValueError(f"no VIX close on {day} in {data}: give --vix V")
        vals = [h.vix[i], h.vix9d[i], h.vix3m[i], h.skew[i]]
        source = f"closes of {day} in {data}"
    vix, v9, v3, sk = (float("nan") if v is None else float(v) for v in vals)
    return vix, v9, v3, sk, source


def _surface_points(args: argparse.Namespace) -> dict:
    from alvh_core.pricing import black76
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE as surface

    asof = _asof(args)
    expiry = args.expiry
    if isinstance(expiry, int):
        expiry = asof + dt.timedelta(days=expiry)
    days = (expiry - asof).days
    if days <= 0:
        raise ValueError(f"expiry {expiry} is not after the as-of date {asof} (expected a later date)")
    tau = days / 365.0
    rate = DEFAULT_RATE if args.rate is None else args.rate
    div = DEFAULT_DIV if args.div is None else args.div
    if args.forward is not None:
        fwd, q_disc = args.forward, math.exp(-rate * tau)  # delta w.r.t. the forward, discounted
    else:
        fwd, q_disc = args.spot * math.exp((rate - div) * tau), math.exp(-div * tau)
    v9, v3 = (None if x is None else x / 100.0 for x in (args.vix9d, args.vix3m))
    k = np.asarray(args.strikes, dtype=float)
    vol = surface.vol_fwd(k, tau, fwd, args.vix / 100.0, v9, v3, args.skew)
    is_call = k >= fwd
    price = black76.price(is_call, fwd, k, tau, vol, rate)
    s = vol * math.sqrt(tau)
    d1 = np.log(fwd / k) / s + 0.5 * s
    from scipy.special import ndtr

    delta = q_disc * np.where(is_call, ndtr(d1), ndtr(d1) - 1.0)
    atm = float(surface.vol_fwd(fwd, tau, fwd, args.vix / 100.0, v9, v3, args.skew))
    return {"forward": float(fwd), "atm_vol": atm, "expiry": expiry.isoformat(), "tau": tau,
            "asof": asof.isoformat(),
            "points": [{"strike": float(a), "vol": float(b), "delta": float(c), "price": float(d),
                        "type": "C" if e else "P"} for a, b, c, d, e in zip(k, vol, delta, price, is_call)]}


def _format_points(res: dict, args: argparse.Namespace) -> str:
    src = f"forward {res['forward']:,.2f}" + (" (given)" if args.forward is not None else
                                                f" (spot {args.spot:,.2f})")
    idx = f"VIX {args.vix:g}" + "".join(f", {n} {v:g}" for n, v in (("VIX9D", args.vix9d), ("VIX3M", args.vix3m),
                                                                        ("SKEW", args.skew)) if v is not None)
    lines = [f"SPX surface {res['asof']} -> {res['expiry']} ({res['tau'] * 365:.0f} days), {idx}",
             f"{src}   ATM vol {res['atm_vol'] * 100:.2f}",
             f"{'strike':>10}{'type':>6}{'vol':>8}{'delta':>9}{'price':>10}"]
    for p in res["points"]:
        lines.append(f"{p['strike']:>10g}{p['type']:>6}{p['vol'] * 100:>8.2f}{p['delta']:>+9.3f}{p['price']:>10.2f}")
    lines.append("(vol in vol points; out-of-the-money option per strike; price in index points; "
                 "surface fitted to real SPX quotes, see README 'The SPX surface')")
    return "\n".join(lines)


def _error_report(args: argparse.Namespace) -> tuple[dict, object]:
    from alvh_core.market import fit as mfit
    from alvh_core.market.quotes import otm_points, read_quotes
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE as surface

    if args.asof is None:
        raise ValueError("--quotes needs --asof YYYY-MM-DD (the quote date to check)")
    chain = read_quotes(args.quotes, args.asof)
    pts = otm_points(chain)
    if len(pts) == 0:
        raise ValueError(f"{Path(args.quotes).name}: no out-of-the-money quotes 7-90 days, 5-50 delta on {args.asof}")
    vix, v9, v3, sk, source = _indices_for(args.asof, args)
    model = surface.vol_fwd(pts.strike, pts.tau, pts.forward, vix / 100.0, v9 / 100.0, v3 / 100.0, sk)
    err = 100.0 * (model - pts.vol)
    rows = mfit.error_table(err, pts.delta, np.full(len(pts), vix))
    return {"asof": args.asof.isoformat(), "file": str(args.quotes), "indices_from": source,
            "vix": vix, "vix9d": None if math.isnan(v9) else v9, "vix3m": None if math.isnan(v3) else v3,
            "skew": None if math.isnan(sk) else sk, "table": rows}, (pts, model)


def _chart(path: str, res: dict | None, quotes: tuple | None, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    if quotes is not None:
        pts, model = quotes
        for exp in np.unique(pts.expiry):
            m = pts.expiry == exp
            o = np.argsort(pts.strike[m])
            days = round(float(pts.tau[m][0]) * 365)
            line, = ax.plot(pts.strike[m][o], 100 * model[m][o], "-", lw=1.5, label=f"surface {exp} ({days}d)")
            ax.plot(pts.strike[m][o], 100 * pts.vol[m][o], "o", ms=3, color=line.get_color(),
                    label=f"quotes (mid) {exp}")
    if res is not None:
        from alvh_core.pricing.smile import DEFAULT_SPX_SMILE as surface

        ks = np.array([p["strike"] for p in res["points"]])
        lo, hi = min(ks.min(), res["forward"] * 0.8), max(ks.max(), res["forward"] * 1.1)
        grid = np.linspace(lo, hi, 300)
        v = surface.vol_fwd(grid, res["tau"], res["forward"], res["vix"], res.get("vix9d"), res.get("vix3m"),
                            res.get("skew"))
        if quotes is None:
            ax.plot(grid, 100 * v, "-", color="C0", lw=1.5, label="surface")
        ax.plot(ks, [100 * p["vol"] for p in res["points"]], "s", color="C0", ms=5, label="your strikes")
        ax.axvline(res["forward"], color="grey", lw=0.8, ls=":")
    ax.set_xlabel("strike")
    ax.set_ylabel("implied vol (vol points)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    if args.strikes is None:
        if args.quotes is None:
            raise ValueError("give --strikes K1,K2,... (with --spot or --forward, --vix, --expiry), "
                             "or --quotes FILE --asof D for the error table")
        report, pq = _error_report(args)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            from alvh_core.market.fit import format_table

            print(format_table(report["table"], f"SPX surface vs {Path(args.quotes).name} on {report['asof']} "
                                                f"(VIX {report['vix']:g}; indices from {report['indices_from']})"))
        if args.chart:
            _chart(args.chart, None, pq, f"SPX surface vs quotes {report['asof']} (VIX {report['vix']:g})")
            print(f"chart: {args.chart}")
        return 0
    missing = [f for f, v in (("--vix", args.vix), ("--expiry", args.expiry)) if v is None]
    if (args.spot is None) == (args.forward is None):
        missing.insert(0, "exactly one of --spot S or --forward F")
    if missing:
        raise ValueError(f"alvh smile needs {', '.join(missing)} (e.g. alvh smile --spot 5712 --vix 24.3 "
                         "--expiry 2026-12-18 --strikes 5600,5650,6150,6200)")
    res = _surface_points(args)
    print(json.dumps({k: res[k] for k in ("forward", "atm_vol", "expiry", "tau", "points")}, indent=2)
          if args.json else _format_points(res, args))
    if args.chart:
        quotes = None
        if args.quotes is not None:
            from alvh_core.market.quotes import otm_points, read_quotes

            asof = dt.date.fromisoformat(res["asof"])
            pts = otm_points(read_quotes(args.quotes, asof), min_delta=0.02, min_days=0, max_days=400)
            pts = pts.select(pts.expiry == np.datetime64(res["expiry"]))
            if len(pts) == 0:
                raise ValueError(f"{Path(args.quotes).name}: no quotes of expiry {res['expiry']} on {asof} to plot")
            from alvh_core.pricing.smile import DEFAULT_SPX_SMILE as surface

            v9, v3 = (None if x is None else x / 100.0 for x in (args.vix9d, args.vix3m))
            model = surface.vol_fwd(pts.strike, pts.tau, pts.forward, args.vix / 100.0, v9, v3, args.skew)
            quotes = (pts, model)
        res_plot = dict(res, vix=args.vix / 100.0, vix9d=None if args.vix9d is None else args.vix9d / 100.0,
                        vix3m=None if args.vix3m is None else args.vix3m / 100.0, skew=args.skew)
        _chart(args.chart, res_plot, quotes,
               f"SPX surface {res['asof']} -> {res['expiry']}, VIX {args.vix:g}")
        if not args.json:
            print(f"chart: {args.chart}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "smile", help="THE SPX surface at your strikes, or its error against a quotes file",
        description="THE SPX surface (fitted to real quotes): alvh smile --spot 5712 --vix 24.3 --expiry 2026-12-18 "
                    "--strikes 5600,5650,6150,6200 [--json] [--chart smile.png]; or the error table against "
                    "a quotes file: alvh smile --quotes FILE --asof 2018-02-05",
    )
    p.add_argument("--spot", type=_positive_float("spot"), default=None, help="SPX level (forward = S e^{(r-q)tau})")
    p.add_argument("--forward", type=_positive_float("forward"), default=None, help="the expiry's forward (rate only discounts)")
    p.add_argument("--vix", type=_positive_float("vix"), default=None, help="VIX in vol points, e.g. 24.3")
    p.add_argument("--vix9d", type=_positive_float("vix9d"), default=None, help="VIX9D in vol points (optional)")
    p.add_argument("--vix3m", type=_positive_float("vix3m"), default=None, help="VIX3M in vol points (optional)")
    p.add_argument("--skew", type=_positive_float("skew"), default=None, help="Cboe SKEW index, e.g. 130 (optional)")
    p.add_argument("--asof", type=parse_date, default=None, help="valuation / quote date YYYY-MM-DD (default today)")
    p.add_argument("--expiry", type=_expiry, default=None, help="expiry YYYY-MM-DD or days like 30d")
    p.add_argument("--strikes", type=_strikes, default=None, help="K1,K2,... e.g. 5600,5650,6150,6200")
    p.add_argument("--rate", type=float, default=None, help=f"rate, continuous decimal (default {DEFAULT_RATE})")
    p.add_argument("--div", type=float, default=None, help=f"dividend yield with --spot (default {DEFAULT_DIV})")
    p.add_argument("--quotes", default=None, metavar="FILE",
                   help="option quotes CSV (shared Cboe/optopsy format or a broker export; see README)")
    p.add_argument("--chart", default=None, metavar="PNG", help="write a chart of the surface (and the quotes)")
    add_json_arg(p)
    p.set_defaults(func=run)
