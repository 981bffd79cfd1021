"""Plain-text report and equity-curve chart of a :class:`~alvh_core.history.replay.BacktestReport`."""
from __future__ import annotations

from pathlib import Path

from alvh_core.history.replay import STRATEGIES, BacktestReport, GroupRow


def _money(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f}%"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f"[{ci[0]:.0f}%, {ci[1]:.0f}%]"


def _groups(title: str, rows: list[GroupRow]) -> list[str]:
    out = [title, f"  {'group':<11}{'n':>5}{'tested':>7}" + "".join(f"{s:>17}" for s in STRATEGIES)
           + f"{'alvh-leg_out':>14}{'95% CI':>18}"]
    for g in rows:
        ci = g.alvh_minus_leg_out_ci
        out.append(f"  {g.group:<11}{g.n:>5}{g.n_triggered:>7}" + "".join(f"{_money(g.mean[s]):>17}" for s in STRATEGIES)
                   + f"{_money(g.alvh_minus_leg_out):>14}"
                   + (f"{f'[{_money(ci[0])}, {_money(ci[1])}]':>18}" if ci else f"{'':>18}"))
    return out


def render_text(r: BacktestReport) -> str:
    """The human report: strategies table, ALVH claims, splits, inputs, assumptions."""
    c = r.config
    lines = [
        f"ALVH historical replay  {r.data_start} .. {r.data_end}  ({r.data_source})",
        f"{r.n_trades} condors, {r.n_triggered} tested (short |delta| >= {c.trigger:g}); dollars per condor; "
        f"95% CI by circular block bootstrap (block {r.block_length} trades)",
        "",
        f"  {'strategy':<17}{'mean':>8}{'95% CI':>20}{'vs leg_out':>12}{'total':>11}{'max DD':>10}{'win %':>7}"
        f"{'worst':>9}{'costs':>7}",
    ]
    for s in STRATEGIES:
        st = r.strategies[s]
        d = r.vs_leg_out.get(s)
        vs = "-" if d is None else f"{d.mean:+,.0f}"
        lines.append(
            f"  {s:<17}{st.mean:>8,.0f}{f'[{st.ci_low:,.0f}, {st.ci_high:,.0f}]':>20}{vs:>12}{st.total:>11,.0f}"
            f"{st.max_drawdown:>10,.0f}{100 * st.win_rate:>7.0f}{st.worst:>9,.0f}{st.mean_costs:>7,.0f}")
    cl = r.claims
    lines += [
        "",
        "ALVH vs legging out on the tested trades (the method's claims, measured):",
        f"  tested trades {cl.n_triggered} (put side {cl.n_put_side}; "
        + ("call-side tests hedged with VIX put spreads / short futures)" if c.policy.hedge_call_wing
           else "call-side tests: the call wing is held, not hedged with VIX)"),
        f"  extra P&L kept by ALVH: {_money(cl.extra_ev)} per tested trade, 95% CI "
        f"[{_money(cl.extra_ev_ci[0])}, {_money(cl.extra_ev_ci[1])}]",
        f"  = {_pct(cl.pct_of_entry_ev)} {_ci(cl.pct_of_entry_ev_ci)} of the entry EV ({_money(cl.entry_ev)} = every "
        "trade held to expiry, measured at entry, before costs; n/a when <= 0),",
        f"    {_pct(cl.pct_of_tested_wing_credit)} {_ci(cl.pct_of_tested_wing_credit_ci)} of the tested wing's own entry "
        f"credit ({_money(cl.tested_wing_credit)})",
    ]
    for side, v, ci in (("put", cl.hedge_value_put_side, cl.hedge_value_put_side_ci),
                        ("call", cl.hedge_value_call_side, cl.hedge_value_call_side_ci)):
        if v is not None and ci is not None:
            lines.append(f"  VIX layers alone (ALVH - hold, {side}-side tests): {_money(v)} per trade, "
                         f"95% CI [{_money(ci[0])}, {_money(ci[1])}]")
    lines.append("")
    lines += _groups("By period of entry (crises):", r.by_period) + [""]
    lines += _groups("By VIX at entry:", r.by_regime) + [""]
    lines += _groups("Tested trades by VIX at the trigger:", r.by_trigger_vix) + [""]
    lines += _groups("Tested trades by wing:", r.by_wing) + [""]
    lines.append(f"take_profit_stop closed {r.day0_exits_take_profit_stop} of {r.n_triggered} tested trades on the "
                 "trigger day (those are leg outs)")
    lines.append("")
    i = r.inputs
    term_used = "VIX9D" in i.surface_inputs or "VIX3M" in i.surface_inputs
    unused = [n for n in ("VIX9D", "VIX3M", "SKEW") if n not in i.surface_inputs]
    lines += [
        f"Inputs over {i.days} priced days: the SPX surface prices on {'/'.join(i.surface_inputs)}"
        + (f" ({', '.join(unused)}: zero weight in its fit, unused)" if unused else "")
        + f"; VIX9D/VIX3M in the data {i.spx_term_real_days} days, absent {i.spx_term_model_days}"
        + (" (term structure modelled from VIX)" if term_used else "")
        + f"; SKEW in the data {i.skew_real_days}, absent {i.skew_model_days}.",
        f"  ALVH hedge on {i.hedge_days} days: VX settle {i.vx_settle_days}, VX close {i.vx_close_days}, the VIX "
        f"curve {i.vx_model_days}; VVIX real {i.vvix_real_days}, typical VVIX {i.vvix_model_days}.",
        "",
        "Assumptions:",
    ]
    lines += [f"  - {a}" for a in r.assumptions]
    return "\n".join(lines) + "\n"


def save_chart(r: BacktestReport, path: str | Path) -> Path:
    """Equity curves (cumulative realised P&L per condor) of every strategy, PNG via matplotlib Agg."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    for s in STRATEGIES:
        ax.plot(r.equity_dates, r.equity[s], label=f"{s} (mean {r.strategies[s].mean:,.0f})", lw=1.2)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_title(f"Historical replay {r.data_start}..{r.data_end}: {r.n_trades} condors, {r.n_triggered} tested")
    ax.set_ylabel("cumulative P&L per condor, $")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out)
    plt.close(fig)
    return out
