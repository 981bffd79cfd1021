"""The one chart module (PNG bytes, matplotlib Agg), used by Slack (``bot.charts``) and the CLI
(``alvh analyze|hedge|compare --chart FILE``).

- ``pnl_chart(condor, market, plan=None, held=None)``: SPX on x, whole-position dollars on y.
  Curves: at expiry (exact payoff); today with VIX moving with SPX by the field betas of today's VIX
  regime (down-day beta on the way down, up-day beta up; ``alvh_core.hedge.regime_beta``, as hedges are sized), and today with VIX held (as ``what if`` does), each legend naming
  its VIX assumption; with a sized hedge ``plan``, the condor at the plan's condor count plus the hedge
  repriced over the WHOLE range (Black-76 on the VX curve, VIX by the same betas) minus its trading
  costs; with ``held`` hedge legs, today + the hedge held (mark-to-model against the fills).
  Marked: the four strikes, the break-evens, spot, and today's P&L at spot.
  The x axis is fitted to the expected move: spot +/- 2 standard deviations to expiry (VIX-implied,
  at least 1.5%), widened to show every strike.
- ``compare_chart(comparison)``: the distribution of P&L per strategy (histograms on one axis, EV
  and CVaR95 in the legend).
"""
from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

from alvh_core.analysis import breakevens, expiry_pnl  # noqa: E402
from alvh_core.hedge import HedgePlan, regime_beta  # noqa: E402
from alvh_core.lifecycle import HedgeHolding, holdings_pnl  # noqa: E402
from alvh_core.models import IronCondor, MarketState  # noqa: E402

#: The x axis spans spot +/- SIGMAS expected moves (and every strike).
SIGMAS = 2.0
GRID = 401


def betas(market: MarketState) -> tuple[float, float]:
    """(down, up) betas of log VIX on SPX log returns at today's VIX regime: the ones hedge sizing uses."""
    return float(regime_beta(market.vix, "put")), float(regime_beta(market.vix, "call"))


def vix_along(market: MarketState, spots: np.ndarray) -> np.ndarray:
    """VIX (points) along an SPX grid: VIX x exp(beta ln(S/spot)), with today's VIX regime's down-day beta
    below spot and up-day beta above (``alvh_core.hedge.regime_beta``, as the hedge is sized)."""
    m = np.log(np.asarray(spots, float) / market.spot)
    down, up = betas(market)
    return market.vix * np.exp(np.where(m < 0, down, up) * m)


def today_pnl(condor: IronCondor, market: MarketState, spots: np.ndarray,
              vix_points: np.ndarray | float | None = None) -> np.ndarray | None:
    """Mark-to-model $ P&L today across ``spots`` (BSM on the SPX smile, as ``analyze`` prices a leg),
    with spot VIX at ``vix_points`` (default: held at the market's). None once expired."""
    from alvh_core.pricing import bsm
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

    tau = market.tau(condor.expiry)
    if tau <= 0:
        return None
    s = np.asarray(spots, dtype=float)[:, None]
    v = np.broadcast_to(np.asarray(market.vix if vix_points is None else vix_points, float), s.shape[:1])[:, None]
    strikes = np.array([leg.strike for leg in condor.legs])[None, :]
    signs = np.array([leg.sign for leg in condor.legs], dtype=float)
    calls = np.array([leg.kind == "C" for leg in condor.legs])[None, :]
    vol = DEFAULT_SPX_SMILE.vol(strikes, tau, s, v / 100.0, market.rate, market.div_yield)
    px = np.asarray(bsm.price(calls, s, strikes, tau, vol, market.rate, market.div_yield), dtype=float)
    return (condor.credit + (px * signs).sum(axis=1)) * condor.dollars_per_point


def plan_holding(plan: HedgePlan) -> HedgeHolding:
    """The sized hedge as the legs one would hold (filled at the plan's mid)."""
    return HedgeHolding(kind=plan.kind, quantity=plan.direction * plan.contracts, expiry=plan.hedge_expiry,
                        price=plan.unit_price, strikes=plan.strikes)


def x_range(condor: IronCondor, market: MarketState | None) -> tuple[float, float]:
    """SPX range of the chart: spot +/- SIGMAS expected moves to expiry, widened to show every strike."""
    pad_p, pad_c = 0.35 * condor.put_width, 0.35 * condor.call_width
    lo, hi = condor.long_put - pad_p, condor.long_call + pad_c
    if market is None:
        return lo, hi
    tau = max(market.tau(condor.expiry), 1.0 / 365.0)
    move = market.spot * max(SIGMAS * market.vix_decimal * np.sqrt(tau), 0.015)
    return min(lo, market.spot - move), max(hi, market.spot + move)


def kilo(v: float) -> str:
    """Axis dollars: -$12.5k, $20k, $0, $750."""
    sign = "-" if v < 0 else ""
    a = abs(v)
    if a < 1000:
        return f"{sign}${a:,.0f}"
    return f"{sign}${a / 1000:,.1f}".rstrip("0").rstrip(".") + "k"


def _dollars(axis: Any) -> None:
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: kilo(v)))


def _tex(label: str) -> str:
    """Escape '$' so matplotlib does not read a pair of them as mathtext."""
    return label.replace("$", r"\$")


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def pnl_curves(condor: IronCondor, market: MarketState | None, plan: HedgePlan | None = None,
               held: list[HedgeHolding] | None = None) -> tuple[IronCondor, np.ndarray, dict[str, np.ndarray]]:
    """(condor as charted, SPX grid, {legend label: $ P&L on the grid}) behind ``pnl_chart``.

    With a ``plan`` the condor is charted at ``plan.condors`` condors (the count the hedge was sized for)
    and the hedge curve is its value change from today's mid minus its trading costs to open."""
    if plan is not None and plan.condors != condor.quantity:
        condor = condor.model_copy(update={"quantity": plan.condors})
    lo, hi = x_range(condor, market)
    spots = np.linspace(lo, hi, GRID)
    curves: dict[str, np.ndarray] = {"at expiry": expiry_pnl(condor, spots)}
    if market is None:
        return condor, spots, curves
    vix_curve = vix_along(market, spots)
    today = today_pnl(condor, market, spots, vix_curve)
    if today is None:
        return condor, spots, curves
    b_down, b_up = betas(market)
    curves[f"today, VIX moves with SPX (beta {b_down:g} down / {b_up:g} up)"] = today
    curves[f"today, VIX held at {market.vix:g}"] = today_pnl(condor, market, spots)  # type: ignore[assignment]
    if plan is not None:
        h = plan_holding(plan)
        # value change from today's mid (the plan's fill), so a quoted VX basis cancels at spot
        hedge = holdings_pnl([h], market, vix_curve) - holdings_pnl([h], market, market.vix) - plan.trading_costs
        what = h.describe().split(" exp ")[0]
        curves[f"today + hedge {what}, after ${plan.trading_costs:,.0f} costs (VIX by beta)"] = today + hedge
    if held:
        curves["today + hedge held (" + "; ".join(x.describe() for x in held)[:70] + ", VIX by beta)"] = (
            today + holdings_pnl(held, market, vix_curve))
    return condor, spots, curves


_STYLE = {"at expiry": ("black", 1.6, "-"), "today, VIX moves": ("tab:blue", 1.5, "-"),
          "today, VIX held": ("tab:blue", 1.0, "--"), "today + hedge held": ("tab:purple", 1.5, "-"),
          "today + hedge": ("tab:green", 1.5, "-")}


def _style(label: str) -> tuple[str, float, str]:
    for prefix, st in _STYLE.items():
        if label.startswith(prefix):
            return st
    return ("grey", 1.0, "-")


def pnl_chart(condor: IronCondor, market: MarketState | None, plan: HedgePlan | None = None,
              held: list[HedgeHolding] | None = None, title: str | None = None) -> bytes:
    """PNG of the position's P&L curves (see module docstring and ``pnl_curves``)."""
    qty = condor.quantity
    condor, spots, curves = pnl_curves(condor, market, plan, held)
    note = "" if condor.quantity == qty else (
        f" (charted at the {condor.quantity} condors the hedge is sized for; the position has {qty})")
    fig, ax = plt.subplots(figsize=(8.6, 5.0), dpi=110)
    try:
        for label, y in curves.items():
            color, lw, ls = _style(label)
            ax.plot(spots, y, color=color, lw=lw, ls=ls, alpha=0.75 if ls == "--" else 1.0, label=label)
        today = next((y for k, y in curves.items() if k.startswith("today, VIX moves")), None)
        strikes = ((condor.long_put, "LP"), (condor.short_put, "SP"), (condor.short_call, "SC"),
                   (condor.long_call, "LC"))
        for k, name in strikes:
            ax.axvline(k, color="tab:red" if name[0] == "S" else "tab:orange", lw=0.8, ls=":")
        top = ax.secondary_xaxis("top")  # strike labels above the plot, clear of the curves
        top.set_xticks([k for k, _ in strikes], [f"{n} {k:g}" for k, n in strikes], fontsize=7, rotation=90)
        top.tick_params(length=2, colors="dimgray")
        be = [b for b in breakevens(condor) if b is not None]
        ax.plot(be, [0.0] * len(be), "D", color="black", ms=5,
                label="break-evens " + " / ".join(f"{b:,.0f}" for b in be))
        if market is not None:
            ax.axvline(market.spot, color="grey", ls="-", lw=0.9, alpha=0.6)
            if today is not None:
                now = float(np.interp(market.spot, spots, today))
                ax.plot([market.spot], [now], "o", color="tab:blue", ms=7, zorder=5,
                        label=f"today at SPX {market.spot:,.0f}: {kilo(now) if abs(now) >= 10_000 else money0(now)}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlim(spots[0], spots[-1])
        ax.set_xlabel("SPX" + ("" if market is None else
                               f"  (axis: spot +/- {SIGMAS:g} expected moves to expiry, and every strike)"),
                      fontsize=8)
        ax.set_ylabel(f"P&L ($, {condor.quantity} condors)")
        head = title or condor.describe()
        asof = "" if market is None else f"\nas of {market.asof}: SPX {market.spot:,.2f}, VIX {market.vix:g}"
        ax.set_title(_tex(head + note + asof), fontsize=9)
        legend = ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
        for t in legend.get_texts():
            t.set_text(_tex(t.get_text()))
        _dollars(ax.yaxis)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


def money0(v: float) -> str:
    return f"{'-' if v < 0 else ''}${abs(v):,.0f}"


def compare_chart(comparison: Any, title: str | None = None) -> bytes:
    """PNG of the P&L distribution per strategy: one row per strategy on a shared x axis, bars = share of
    paths, dashed = EV, dotted = CVaR95 (needs ``comparison.pnls``, the per-path $ by strategy)."""
    pnls: dict[str, np.ndarray] | None = getattr(comparison, "pnls", None)
    if not pnls:
        raise ValueError("this comparison carries no per-path P&L (run compare in this process)")
    allv = np.concatenate([np.asarray(v, float) for v in pnls.values()])
    lo, hi = np.percentile(allv, [0.5, 99.5])
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    bins = np.linspace(lo, hi, 61)
    n = len(pnls)
    fig, axes = plt.subplots(n, 1, figsize=(8.6, 1.25 * n + 1.6), dpi=110, sharex=True)
    axes = np.atleast_1d(axes)
    try:
        colors = ["tab:blue", "black", "tab:red", "tab:green", "tab:purple", "tab:orange"]
        for ax, (name, v), c in zip(axes, pnls.items(), colors * 2):
            v = np.asarray(v, float)
            m = comparison.strategies[name]
            w = np.full(v.shape, 100.0 / v.size)
            ax.hist(np.clip(v, lo, hi), bins=bins, weights=w, color=c, alpha=0.75)
            ax.axvline(m.ev, color=c, lw=1.2, ls="--")
            ax.axvline(m.cvar95, color=c, lw=1.0, ls=":")
            ax.axvline(0, color="grey", lw=0.8)
            ax.text(0.005, 0.92, _tex(f"{name}: EV {kilo(m.ev)} ± {kilo(m.ev_se)}, CVaR95 {kilo(m.cvar95)}, "
                                      f"P(loss) {m.p_loss:.0%}"),
                    transform=ax.transAxes, fontsize=8, va="top", ha="left")
            ax.set_ylabel("% paths", fontsize=7)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        a = comparison.assumptions
        held = any(str(h).startswith("held") for h in a.hedges)
        axes[0].set_title(_tex((title or f"P&L at the horizon per strategy: {a.position}")
                               + (" (incl. the hedge held)" if held else "")
                               + f"\n{a.n_paths:,} paths, {a.model}, as of {a.asof}: SPX {a.spot:,.2f}, "
                               f"VIX {a.vix:g}" + ("" if a.premia else ", premia off")), fontsize=9)
        axes[-1].set_xlabel("P&L ($, whole position; dashed: EV, dotted: CVaR95; tails beyond the 0.5/99.5 "
                            "percentiles piled at the edges)", fontsize=8)
        _dollars(axes[-1].xaxis)
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)
