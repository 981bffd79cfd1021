"""`alvh compare POSITION --spot S --vix V [--asof D] [--paths N] [--seed K] [--no-premia] [--no-costs] [--json]`.

Runs hold / leg out / close tested / ALVH / take-profit-stop on one shared path set
(``alvh_core.edge.compare``) and prints a table a trader reads in ten seconds: EV +- SE, the difference
to legging out +- its paired SE, std, CVaR95, P(loss), worst path, margin; then the method's claims as
measured and the assumptions. ``format_comparison(cmp) -> str`` is the same text for reuse (bot).
"""
from __future__ import annotations

import argparse

from alvh_core.cli.common import (
    add_chart_arg,
    add_json_arg,
    add_market_args,
    add_position_arg,
    bounded_int,
    market_from_args,
    position_from_args,
    write_chart,
)
from alvh_core.cli.hedge import add_policy_args, policy_from_args
from alvh_core.edge import Comparison, compare
from alvh_core.events import EVENT_VARIANCE_BUMP, default_calendar, describe_events
from alvh_core.history.data import load_daily
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.model import BootstrapModel, HNGarchModel, ScenarioModel

LABELS = {
    "hold": "hold to expiry",
    "leg_out": "leg out now",
    "close_tested": "close tested wing",
    "alvh": "ALVH layered hedge",
    "take_profit_stop": "TP 50% / stop 2x",
}


def _m(x: float) -> str:
    """Signed whole dollars with separators."""
    return f"{x:+,.0f}"


def _pm(x: float, se: float) -> str:
    return f"{_m(x)} ± {se:,.0f}"


def format_comparison(c: Comparison) -> str:
    """Plain-text table of a Comparison (about 110 columns)."""
    a = c.assumptions
    lines = [
        a.position,
        f"as of {a.asof}: SPX {a.spot:,.2f}  VIX {a.vix:.2f}  {a.horizon_days} days to expiry  "
        f"({a.n_paths:,} paths, {'seed ' + str(a.seed) if a.seed is not None else 'supplied paths'}, "
        f"premia {'on' if a.premia else 'OFF'}, "
        f"{'costs off' if a.costs.startswith('costs off') else 'costs on'})",
        f"events before expiry: {describe_events(default_calendar().before_expiry(a.asof, a.expiry), limit=4)}",
        "",
        f"{'strategy':<20}{'EV $ ± SE':>18}{'vs leg out ± SE':>19}{'std':>10}{'CVaR95':>10}{'P(loss)':>9}"
        f"{'worst':>10}{'margin':>10}",
    ]
    for name, s in c.strategies.items():
        d = c.vs_leg_out[name]
        vs = "—" if name == "leg_out" else _pm(d.diff, d.se)
        lines.append(f"{LABELS.get(name, name):<20}{_pm(s.ev, s.ev_se):>18}{vs:>19}{s.std:>10,.0f}"
                     f"{s.cvar95:>10,.0f}{s.p_loss:>9.0%}{s.worst:>10,.0f}{s.margin:>10,.0f}")
    best = max(c.strategies, key=lambda k: c.strategies[k].ev)
    d = c.vs_leg_out[best]
    sig = "" if best == "leg_out" else (
        " (within noise)" if abs(d.diff) < 2 * d.se
        else f" ({abs(d.diff) / d.se:.1f} SE from leg out)" if abs(d.diff) < 1000 * d.se
        else " (over 1,000 SE from leg out: known exactly under the model)")
    lines.append(f"highest EV: {LABELS.get(best, best)}{sig}")
    lines.append("($ for the whole position incl. the entry credit; SE = standard error; vs leg out uses the paired SE "
                 "on shared paths; CVaR95 = mean of the worst 5% of paths)")
    sc = c.seed_claims
    lines.append("")
    lines.append(f"measured claims (tested wing: {sc.tested_wing}):")
    x = sc.alvh_minus_leg_out
    pe = ("n/a (entry EV <= 0)" if sc.pct_of_entry_ev is None
          else f"{sc.pct_of_entry_ev:+.0f}% ± {sc.pct_of_entry_ev_se:.0f}% of the entry EV {_m(sc.entry_ev.diff)}")
    lines.append(f"  ALVH keeps {_pm(x.diff, x.se)} vs legging out: {pe}")
    lines.append(f"  = {sc.pct_of_tested_wing_credit:+.0f}% ± {sc.pct_of_tested_wing_credit_se:.0f}% of the tested "
                 f"wing's credit {sc.tested_wing_credit:,.0f} (half the condor credit)")
    if sc.pct_of_hold_edge is not None:
        lines.append(f"  ALVH keeps {sc.pct_of_hold_edge:+.0f}% ± {sc.pct_of_hold_edge_se:.0f}% of holding's edge over "
                     "legging out")
    ih = c.strategies["alvh"].initial_hedge
    if ih is not None:
        ih = ih if isinstance(ih, dict) else ih.model_dump()
        lines.append("ALVH starts from " + (f"{ih['contracts']} x {ih['name']} (the plan of alvh hedge)"
                                            + ("" if ih["trigger_hit"] else f": {ih['reason']}")
                                            if ih["hedged"] else "no VIX hedge: " + ih["reason"].split(";")[0]))
    if c.today is not None:
        lines.append(c.today.line())
    lines.append("assumptions:")
    # the today line above already says what the buy-back assumption says
    lines.extend(f"  - {x}" for x in a.lines() if not (c.today is not None and x.startswith("today's buy-back: ")))
    return "\n".join(lines)


def _bump(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read event bump '{text}': expected a number like 1.08") from None
    if not 0.2 <= v <= 10:
        raise argparse.ArgumentTypeError(f"event bump {text} must be a variance multiple between 0.2 and 10")
    return v


def run(args: argparse.Namespace) -> int:
    condor = position_from_args(args)
    market = market_from_args(args)
    policy = policy_from_args(args)
    params = load_default_params(jumps=not args.no_jumps)
    # event days (issue 17): on by default at the measured bump, in the calibration, both laws and the SPX prices
    bump = None if args.no_events else (EVENT_VARIANCE_BUMP if args.event_bump is None else args.event_bump)
    model: ScenarioModel = HNGarchModel(params, event_bump=bump)
    if args.bootstrap:
        if args.no_premia:
            raise ValueError("--bootstrap resamples history, which carries its own premia: drop --no-premia")
        if args.event_bump is not None:
            raise ValueError("--bootstrap resamples history, whose event days carry their own variance: "
                             "drop --event-bump")
        model = BootstrapModel(load_daily(args.bootstrap), params)
    result = compare(condor, market, n_paths=args.paths, seed=args.seed, premia=not args.no_premia,
                     costs=not args.no_costs, policy=policy, model=model, anchored=not args.unanchored)
    print(result.model_dump_json(indent=2) if args.json else format_comparison(result))
    from alvh_core import charts

    write_chart(args.chart, lambda: charts.compare_chart(result))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare", help="compare hold / leg out / close tested / ALVH / take-profit-stop by EV, risk and cost",
        description="Compare management choices on one shared set of simulated paths, e.g. alvh compare "
                    "SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80 --spot 5712 --vix 24.3 --asof 2026-11-24",
    )
    add_position_arg(p)
    add_market_args(p)
    p.add_argument("--paths", type=bounded_int("paths", 100, 1_000_000), default=20_000,
                   help="simulated paths (default 20000, as the bot; up to 1,000,000: valued in chunks, memory "
                        "stays flat)")
    p.add_argument("--seed", type=bounded_int("seed", 0, 2**31 - 1), default=7, help="random seed (default 7)")
    p.add_argument("--no-premia", action="store_true",
                   help="simulate under the pricing law (no variance or equity premium): no strategy should win")
    p.add_argument("--no-costs", action="store_true", help="no spreads or fees")
    p.add_argument("--jumps", action="store_true",
                   help="kept for old scripts: crash jumps are now on by default (see --no-jumps)")
    p.add_argument("--no-jumps", action="store_true",
                   help="the scenario model without crash jumps (alvh_core/data/model_params.json)")
    p.add_argument("--unanchored", action="store_true",
                   help="do not calibrate the pricing law to today's market (the old engine: started at the state "
                        "matching today's VIX); for measuring what the anchoring changes")
    p.add_argument("--bootstrap", metavar="DIR",
                   help="model-free paths: resample blocks of 10 historical daily SPX/VIX moves from the daily CSVs "
                        "in DIR (format of ../shared/data), priced by the model from each day's VIX; for comparison, "
                        "not arbitrage-consistent")
    p.add_argument("--event-bump", type=_bump, default=None, metavar="B", nargs="?", const=EVENT_VARIANCE_BUMP,
                   help="scheduled FOMC/CPI days before expiry carry B x the variance of an ordinary day, in the "
                        "pricing law's calibration, both laws' paths and the SPX prices along them (on by default "
                        f"at B {EVENT_VARIANCE_BUMP:g}, measured by alvh events --study; 1 = off)")
    p.add_argument("--no-events", action="store_true",
                   help="no event-day variance: every day has the same law (for measuring what the events change)")
    add_policy_args(p)
    add_json_arg(p)
    add_chart_arg(p)
    p.set_defaults(func=run)
