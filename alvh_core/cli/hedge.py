"""`alvh hedge POSITION --spot S --vix V [--condors N] [--instrument vix_call_spread|vx|vxm] [--trigger 0.15]
[--share 0.5] [--wing put|call] [--beta B] [--sizing stress|dollar_delta|vega] [--beta-rule regime|pooled]
[--vxth] [--budget X] [--hedge-call-wing] [--marks "vx jan 22.45 vixopt jan 22C 1.85 ..."] [--json]`.

Sizes the VIX hedge of the tested wing under the ALVH policy (``alvh_core.hedge.recommend``: the first layer
that ``alvh compare`` starts from) and prints contracts, cost, margin, the beta used (by VIX regime), whether
the delta trigger is hit and the stress table. A tested call wing is not hedged with VIX unless asked for
(``--hedge-call-wing`` or ``--wing call``); the command says so and why. ``--marks`` takes the trader's marks
in the ``/alvh mark`` grammar (SPX legs, ``vx``, ``vixopt``): marked VIX options price the spread's legs they
match, and the answer says which legs were marked and which modelled.
``format_hedge(plan) -> str`` is the same text for reuse (bot).
"""
from __future__ import annotations

import argparse

from alvh_core.cli.common import (
    add_chart_arg,
    add_json_arg,
    add_market_args,
    add_position_arg,
    market_from_args,
    position_from_args,
    write_chart,
)
from alvh_core.hedge import INSTRUMENTS, HedgePlan, recommend
from alvh_core.strategies import ALVHPolicy


def format_hedge(p: HedgePlan) -> str:
    """Plain-text hedge plan."""
    side, what = p.name.split(" ", 1)
    lines = [
        f"{p.wing.upper()} wing hedge for {p.condors} condor(s): {side} {p.contracts} x {what} "
        f"expiring {p.hedge_expiry} (VIX future {p.vix_future:.2f})",
        f"trigger: short {p.wing} |delta| {p.short_delta:.3f} vs {p.trigger:g} -> "
        + ("HIT, hedge now" if p.trigger_hit else "not hit yet"),
        f"cost ${p.cost:,.0f} (premium ${p.premium:,.0f} + spreads/fees ${p.trading_costs:,.0f})   "
        f"margin ${p.margin:,.0f}",
        f"sizing: SPX to {p.stress_spx:,.0f}, VIX {p.stress_vix:.1f} (beta {p.beta:g}): wing loses "
        f"${p.wing_loss:,.0f}, one contract gains ${p.hedge_gain_per_contract:,.0f}; {p.share:.0%} offset -> "
        f"{p.share * p.contracts_full:.1f} -> {p.contracts} contracts",
        "",
        f"{'SPX move':>9}{'SPX':>9}{'VIX':>7}{'VX fut':>8}{'wing $':>11}{'hedge $':>11}{'net $':>11}"
        f"{'condor $':>11}{'cond+hedge':>11}",
    ]
    for r in p.scenarios:
        lines.append(f"{r.spx_move:>+9.0%}{r.spx:>9,.0f}{r.vix:>7.1f}{r.vix_future:>8.2f}{r.wing_pnl:>+11,.0f}"
                     f"{r.hedge_pnl:>+11,.0f}{r.net:>+11,.0f}{r.condor_pnl:>+11,.0f}{r.net_pnl:>+11,.0f}")
    lines.append("(instantaneous moves, same time to expiry; hedge P&L before costs; net = wing + hedge; "
                 "condor = both wings)")
    lines.append("assumptions:")
    lines.extend(f"  - {a}" for a in p.assumptions)
    return "\n".join(lines)


def _unit_interval(name: str):
    def conv(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"can't read {name} '{text}': expected a number like 0.15") from None
        if not 0 < v < 1 if name == "trigger" else not 0 < v <= (10 if name == "budget" else 5):
            raise argparse.ArgumentTypeError(
                f"{name} {text} out of range: expected " + ("a |delta| in (0, 1), e.g. 0.15" if name == "trigger"
                                                            else f"a share in (0, {10 if name == 'budget' else 5}], e.g. 0.5"))
        return v

    conv.__name__ = name
    return conv


def _condors(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read condors '{text}': expected a whole number like 20") from None
    if not 1 <= v <= 100_000:
        raise argparse.ArgumentTypeError(f"condors {v} must be between 1 and 100,000")
    return v


def policy_from_args(args: argparse.Namespace) -> ALVHPolicy:
    """The ALVH policy the hedge and compare flags describe (shared by ``alvh hedge`` and ``alvh compare``)."""
    return ALVHPolicy(instrument=args.instrument, hedge_call_wing=args.hedge_call_wing, sizing=args.sizing,
                      beta_rule=args.beta_rule, vxth=args.vxth, budget_share=args.budget)


def add_policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--instrument", choices=INSTRUMENTS, default="vix_call_spread", help="hedge instrument")
    p.add_argument("--sizing", choices=("stress", "dollar_delta", "vega"), default="stress",
                   help="layer size: offset the loss with SPX at the long strike (stress, default), a 1%% SPX move "
                   "(dollar_delta) or VIX +1 (vega)")
    p.add_argument("--beta-rule", choices=("regime", "pooled"), default="regime",
                   help="beta of log VIX on SPX: by today's VIX regime (default) or pooled 1990-2018")
    p.add_argument("--vxth", action="store_true", help="scale the size by Cboe VXTH's weight of the VX level")
    p.add_argument("--budget", type=_unit_interval("budget"), default=None,
                   help="cap the hedge premium at this share of the credit (e.g. 0.5)")
    p.add_argument("--hedge-call-wing", action="store_true",
                   help="hedge a tested call wing too (VIX put spreads or short VX/VXM); off by default")


def marks_from_text(text: str | None, condor, market):
    """(market, smile, note) with the ``--marks`` text applied (``apply_marks``); unchanged without marks.
    A token that is not a mark, or a mark that cannot be used, raises ValueError (one line)."""
    if not text:
        return market, None, ""
    from types import SimpleNamespace

    from alvh_core.market.marked import apply_marks
    from alvh_core.marks import MARK_TOKENS_FORM, take_mark_tokens

    originals = text.replace(",", " ").split()
    legs, vx, vopts, rest = take_mark_tokens([t.lower() for t in originals], originals)
    if rest:
        raise ValueError(f"--marks: can't read '{rest[0]}': expected marks like {MARK_TOKENS_FORM}")
    return apply_marks(SimpleNamespace(legs=legs, vx=vx, vix_options=vopts), condor, market)


def run(args: argparse.Namespace) -> int:
    condor = position_from_args(args)
    market = market_from_args(args)
    market, smile, note = marks_from_text(getattr(args, "marks", None), condor, market)
    plan, init = recommend(condor, market, policy_from_args(args), condors=args.condors, wing=args.wing,
                           trigger=args.trigger, share=args.share, beta=args.beta, smile=smile)
    if plan is None:
        print(init.model_dump_json(indent=2) if args.json else f"CALL wing tested: {init.reason}")
        return 0
    print(plan.model_dump_json(indent=2) if args.json else format_hedge(plan) + (f"\nmarks: {note}" if note else ""))
    from alvh_core import charts

    write_chart(args.chart, lambda: charts.pnl_chart(condor, market, plan=plan))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "hedge", help="size the VIX hedge of the tested wing (contracts, cost, margin, stress table)",
        description="Size the layered VIX hedge, e.g. alvh hedge SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80 "
                    "--spot 5712 --vix 24.3 --condors 20",
    )
    add_position_arg(p)
    add_market_args(p)
    p.add_argument("--condors", type=_condors, default=None,
                   help="size for this many condors (default: the position's)")
    add_policy_args(p)
    p.add_argument("--trigger", type=_unit_interval("trigger"), default=0.15, help="|delta| trigger (default 0.15)")
    p.add_argument("--share", type=_unit_interval("share"), default=0.5,
                   help="share of the wing's stress loss to offset (default 0.5)")
    p.add_argument("--wing", choices=("put", "call"), default=None, help="wing to hedge (default: the tested one)")
    p.add_argument("--beta", type=float, default=None,
                   help="beta of log VIX on SPX log returns (default -4.2 down / -2.9 up)")
    p.add_argument("--marks", metavar="TEXT", default=None,
                   help="the trader's marks as in /alvh mark, e.g. 'vx jan 22.45 vixopt jan 22C 1.85 vixopt jan 32C "
                   "0.40' (marked VIX options price the hedge legs they match; SPX legs bend the surface)")
    add_json_arg(p)
    add_chart_arg(p)
    p.set_defaults(func=run)
