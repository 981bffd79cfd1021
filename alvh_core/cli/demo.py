"""`alvh demo`: a realistic tested iron condor end to end, with every number explained in plain words.

Sections: 1 the trade at entry, 2 today (analysis table), 3 a what-if, 4 the VIX hedge plan
(``alvh_core.hedge.size_hedge``), 5 the comparison of management choices (``alvh_core.edge.compare``,
``--paths``/``--seed``). The story: on 2026-11-03, SPX 5900 and VIX 16, a trader sells 10 SPX 2026-12-18 condors
5600/5650P 6150/6200C (45 days) for the model's mid credit. Three weeks later SPX has fallen to
5712 and VIX has risen to 24.3: the put side is tested. The demo analyzes the trade at entry and
now, runs a what-if, and prints what each number means.
"""
from __future__ import annotations

import argparse
import datetime as dt

from alvh_core.analysis import Analysis, analyze, what_if
from alvh_core.cli.analyze import format_analysis, money
from alvh_core.cli.common import bounded_int
from alvh_core.cli.compare import LABELS, format_comparison
from alvh_core.cli.hedge import format_hedge
from alvh_core.edge import Comparison, compare
from alvh_core.hedge import HedgePlan, size_hedge
from alvh_core.models import IronCondor, MarketState

ENTRY = MarketState(spot=5900.0, vix=16.0, asof=dt.date(2026, 11, 3))
NOW = MarketState(spot=5712.0, vix=24.3, asof=dt.date(2026, 11, 24))
EXPIRY = dt.date(2026, 12, 18)
STRIKES = (5600.0, 5650.0, 6150.0, 6200.0)
QUANTITY = 10


def demo_condor() -> IronCondor:
    """The demo condor, sold for the model mid at entry rounded to 0.05 (index points)."""
    lp, sp, sc, lc = STRIKES
    draft = IronCondor(expiry=EXPIRY, long_put=lp, short_put=sp, short_call=sc, long_call=lc,
                       quantity=QUANTITY, credit=1.0, opened=ENTRY.asof)
    fair = analyze(draft, ENTRY).close_cost
    return draft.model_copy(update={"credit": max(0.05, round(fair * 20) / 20)})


def explain_entry(a: Analysis) -> list[str]:
    c = a.condor
    lo, hi = a.breakevens
    return [
        f"You sold {c.quantity} condors for {c.credit:.2f} points each: {money(a.max_profit, False)} collected. "
        f"That is the most you can make (if SPX ends between {c.short_put:g} and {c.short_call:g}).",
        f"The most you can lose is the {c.max_width:g}-point wing minus the credit, x100 x{c.quantity}: "
        f"{money(a.max_loss, False)}.",
        f"Break-evens at expiry: {lo:.2f} and {hi:.2f}. The model gives a {a.prob_profit:.0%} "
        "risk-neutral chance SPX ends between them.",
        f"Short put delta {a.short_put_delta:+.2f}, short call delta {a.short_call_delta:+.2f}. Traders read "
        "delta as the odds of finishing in the money; from the smile the risk-neutral odds are "
        f"{a.prob_short_put_itm:.0%} (put) and {a.prob_short_call_itm:.0%} (call): the put skew makes "
        "put delta overstate them.",
    ]


def explain_now(a: Analysis, entry: Analysis) -> list[str]:
    c, n = a.condor, a.net
    side = "put" if a.tested_wing == "put" else "call"
    short = c.short_put if side == "put" else c.short_call
    d = a.short_put_delta if side == "put" else a.short_call_delta
    d0 = entry.short_put_delta if side == "put" else entry.short_call_delta
    lines = [
        f"P&L now {money(a.pnl_now)}: buying the condor back costs {a.close_cost:.2f} points against the "
        f"{c.credit:.2f} you collected ({a.close_cost - c.credit:+.2f} points x100 x{c.quantity}).",
        f"The {side} side is tested: SPX {a.market.spot:g} is {abs(a.market.spot - short):.0f} points from the "
        f"{short:g} short {side}, whose delta went from {d0:+.2f} to {d:+.2f}.",
        f"Net delta {money(n.delta)} per SPX point: the position now gains about that for each point SPX "
        f"rises and loses it for each point it falls (it is long the market through the short {side}).",
        f"Net gamma {n.gamma:+.2f} $/point per point: each further point down makes delta change by that much; "
        "short gamma means moves hurt faster the further they go.",
        f"Net vega {money(n.vega)} per vol point: if implied vol rises 1 point (VIX 24.3 -> 25.3 or so) the "
        f"position loses about {money(abs(n.vega), False)}.",
        f"Net theta {money(n.theta)} per day: what one quiet day earns with SPX and vol unchanged.",
        _pop_line(entry.prob_profit, a.prob_profit),
        f"Max profit/loss are unchanged ({money(a.max_profit, False)} / {money(a.max_loss, False)}): they "
        "are fixed by the strikes and the credit.",
    ]
    return lines


def explain_hedge(plan: HedgePlan, now: Analysis) -> list[str]:
    what = {"VIX_CALL": "VIX call spreads", "VIX_PUT": "VIX put spreads", "VX": "VX futures",
            "VXM": "VXM futures"}[plan.kind]
    worst = min(plan.scenarios, key=lambda r: r.net)
    return [
        f"The {plan.wing} wing's short strike has |delta| {plan.short_delta:.2f}, "
        f"{'above' if plan.trigger_hit else 'below'} the {plan.trigger:.2f} trigger for a layer.",
        f"The size comes from a stress: SPX to the long strike ({plan.stress_spx:,.0f}) with VIX rising by the "
        f"historical beta {plan.beta:g} (to {plan.stress_vix:.1f}). There the wing loses "
        f"{money(plan.wing_loss, False)} and one contract gains {money(plan.hedge_gain_per_contract, False)}; "
        f"offsetting {plan.share:.0%} of the loss takes {plan.contracts} {what}.",
        f"That costs {money(plan.cost, False)} now, against {money(now.max_profit, False)} of credit collected: "
        "a hedge is not free, and whether it pays on average is what the comparison measures.",
        f"In the table, the worst net row is SPX {worst.spx_move:+.0%}: wing {money(worst.wing_pnl)}, hedge "
        f"{money(worst.hedge_pnl)}, net {money(worst.net)}. VIX calls pay when VIX jumps, which is when "
        "the put wing hurts most; they decay when it does not.",
    ]


def explain_comparison(cmp: Comparison, now: Analysis) -> list[str]:
    st, vs = cmp.strategies, cmp.vs_leg_out
    n = cmp.assumptions.n_paths
    lo = st["leg_out"]
    lines = [
        f"Every choice ran on the same {n:,} simulated SPX/VIX paths, so each difference to legging out comes "
        "with its own paired standard error (SE); a difference under about 2 SE is noise.",
        f"Leg out now is certain: {money(lo.ev)}, closing all four legs at the scenario model's prices plus "
        f"costs. At the desk smile's marks (section 2) it would be {money(now.pnl_now)} before costs.",
    ]
    gap = now.pnl_now - lo.ev
    if abs(gap) > 2 * max(1.0, lo.mean_costs):
        lines.append(
            f"That {money(abs(gap), False)} gap (costs included) is the scenario model and the smile disagreeing "
            "about today's option prices. Every strategy that keeps the condor (or part of it) open gets it, "
            "in part or whole, "
            f"{'added to' if gap > 0 else 'taken from'} its 'vs leg out' number, so part of those differences "
            "is that disagreement, not an edge of the strategy.")
    else:
        lines.append("The scenario model and the smile agree on today's prices to within costs, so the 'vs leg "
                     "out' numbers measure the strategies, not a pricing disagreement.")
    for name in ("hold", "close_tested", "alvh", "take_profit_stop"):
        if name not in st:
            continue
        m, d = st[name], vs[name]
        z = abs(d.diff) / d.se if d.se > 0 else float("inf")
        verdict = "within noise" if z < 2 else ("better" if d.diff > 0 else "worse")
        lines.append(f"{LABELS.get(name, name)}: EV {money(m.ev)} ± {m.ev_se:,.0f}, {money(d.diff)} ± {d.se:,.0f} vs "
                     f"leg out ({verdict}); worst-5% average {money(m.cvar95)}, loses on {m.p_loss:.0%} of paths.")
    best = max(st, key=lambda k: st[k].ev)
    safest = max(st, key=lambda k: st[k].cvar95)
    lines.append(f"Highest EV: {LABELS.get(best, best)}; smallest tail loss (CVaR95): {LABELS.get(safest, safest)}. "
                 "EV is what you make on average over many such trades; CVaR95 is what the bad 1-in-20 outcomes "
                 "cost. Choosing between them is a risk decision, not a pricing one.")
    summary = getattr(cmp.seed_claims, "summary", "")
    if summary:
        lines.append(f"The method's claim, measured: {summary}.")
    if not cmp.assumptions.premia:
        lines.append("Premia are off: no strategy should beat legging out beyond noise.")
    return lines


def run(args: argparse.Namespace) -> int:
    condor = demo_condor()
    entry = analyze(condor, ENTRY)
    now = analyze(condor, NOW)
    out: list[str] = []
    out.append("ALVH demo: a tested SPX iron condor, end to end")
    out.append("=" * 48)
    out.append("")
    out.append(f"1. The trade. On {ENTRY.asof.isoformat()}, SPX {ENTRY.spot:g} and VIX {ENTRY.vix:g}, you sell "
               f"{condor.describe()} ({condor.dte(ENTRY.asof)} days), credit = model mid at entry.")
    out.extend(f"   - {s}" for s in explain_entry(entry))
    out.append("")
    out.append(f"2. Today, {NOW.asof.isoformat()}: SPX fell to {NOW.spot:g} and VIX rose to {NOW.vix:g}.")
    out.append("")
    out.extend("   " + line if line else "" for line in format_analysis(now).splitlines())
    out.append("")
    out.append("   What the numbers say:")
    out.extend(f"   - {s}" for s in explain_now(now, entry))
    out.append("")
    wi = what_if(condor, NOW, spot=round(NOW.spot * 0.96, 2), vix=32.0, days=5)
    out.append(f"3. What if SPX drops another 4% (to {wi.market.spot:,.2f}) and VIX reaches 32 within 5 days?")
    out.append(f"   - P&L would be {money(wi.pnl_now)} ({money(wi.what_if.pnl_change)} from now); the short put "
               f"delta would be {wi.short_put_delta:+.2f}, probability of profit {wi.prob_profit:.0%}.")
    out.append(f"   - Worst case at expiry stays {money(-wi.max_loss)}: the long {condor.long_put:g} put caps it.")
    out.append("")
    plan = size_hedge(condor, NOW)
    out.append("4. The layered VIX hedge (ALVH): how big would one layer be?")
    out.append("")
    out.extend("   " + line if line else "" for line in format_hedge(plan).splitlines())
    out.append("")
    out.append("   What the numbers say:")
    out.extend(f"   - {s}" for s in explain_hedge(plan, now))
    out.append("")
    cmp = compare(condor, NOW, n_paths=args.paths, seed=args.seed)
    out.append(f"5. Hold, leg out, close the tested wing, ALVH, or take-profit/stop? ({args.paths:,} simulated paths, "
               f"seed {args.seed})")
    out.append("")
    out.extend("   " + line if line else "" for line in format_comparison(cmp).splitlines())
    out.append("")
    out.append("   What the numbers say:")
    out.extend(f"   - {s}" for s in explain_comparison(cmp, now))
    out.append("")
    out.append("Try it on your own position:")
    out.append(f"   alvh analyze {condor.describe()} --spot {NOW.spot:g} --vix {NOW.vix:g} "
               f"--asof {NOW.asof.isoformat()}")
    print("\n".join(out))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="a tested iron condor end to end, explained in plain words",
                              description="Runs a realistic tested SPX iron condor through the analysis and "
                                          "explains each number. No arguments needed.")
    p.add_argument("--paths", type=bounded_int("paths", 100, 200_000), default=4000,
                   help="simulated paths for the comparison (100-200000, default 4000)")
    p.add_argument("--seed", type=bounded_int("seed", 0, 2**63 - 1), default=7,
                   help="random seed for the comparison (default 7)")
    p.set_defaults(func=run)


def _pop_line(at_entry: float, now: float) -> str:
    """The probability-of-profit sentence: "rose"/"fell" only when the rounded percentages differ."""
    if round(100 * at_entry) == round(100 * now):
        return (f"Probability of profit at expiry is about where it was at entry ({now:.1%} now, {at_entry:.1%} then): "
                "less time is left for SPX to travel, which offsets the move toward the short strike and the higher VIX.")
    verb = "fell" if now < at_entry else "rose"
    return f"Probability of profit at expiry {verb} from {at_entry:.0%} at entry to {now:.0%}."

