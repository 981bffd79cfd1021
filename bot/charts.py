"""P&L chart of a position (PNG bytes, matplotlib Agg): at expiry, today, and with the hedge.

``pnl_chart(condor, market, hedge_points=None) -> bytes``. The expiry curve is exact (payoff minus
nothing: the credit is included). The today curve prices the four legs with Black-Scholes-Merton at
the model smile (``alvh_core.pricing``) across an SPX grid, vectorised; VIX is moved along the grid with
the field beta (dlnVIX = -4.2 x SPX log return) when the smile uses VIX. ``hedge_points`` are
(SPX level, hedge P&L $) pairs from the hedge plan's scenario table, drawn as condor-today + hedge.
"""
from __future__ import annotations

import io

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from alvh_core.models import IronCondor, MarketState  # noqa: E402

#: OLS beta of daily log VIX change on SPX log return, 1990-2018 (PROVENANCE.md).
VIX_BETA = -4.17


def expiry_pnl(condor: IronCondor, spots: np.ndarray) -> np.ndarray:
    """P&L at expiry in dollars for SPX levels ``spots`` (alvh_core.analysis.expiry_pnl)."""
    from alvh_core.analysis import expiry_pnl as core_expiry_pnl

    return core_expiry_pnl(condor, spots)


def today_pnl(condor: IronCondor, market: MarketState, spots: np.ndarray) -> np.ndarray | None:
    """Mark-to-model P&L today (dollars) across ``spots`` (BSM at the SPX smile, as in
    ``alvh_core.analysis``; VIX moved along the grid by ``VIX_BETA``); None once expired."""
    from alvh_core.pricing import bsm
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

    tau = market.tau(condor.expiry)
    if tau <= 0:
        return None
    s = np.asarray(spots, dtype=float)[:, None]
    strikes = np.array([leg.strike for leg in condor.legs])[None, :]
    signs = np.array([leg.sign for leg in condor.legs], dtype=float)
    calls = np.array([leg.kind == "C" for leg in condor.legs])[None, :]
    vix = market.vix_decimal * np.exp(VIX_BETA * np.log(s / market.spot))
    vol = DEFAULT_SPX_SMILE.vol(strikes, tau, s, vix, market.rate, market.div_yield)
    px = np.asarray(bsm.price(calls, s, strikes, tau, vol, market.rate, market.div_yield), dtype=float)
    value = (px * signs).sum(axis=1)
    return (condor.credit + value) * condor.dollars_per_point


def pnl_chart(condor: IronCondor, market: MarketState | None,
              hedge_points: list[tuple[float, float]] | None = None, title: str | None = None) -> bytes:
    """PNG of the P&L curves; x is SPX, y is dollars for the whole position."""
    lo = condor.long_put - 0.5 * condor.put_width
    hi = condor.long_call + 0.5 * condor.call_width
    if market is not None:
        lo, hi = min(lo, 0.9 * market.spot), max(hi, 1.1 * market.spot)
    spots = np.linspace(lo, hi, 241)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    try:
        ax.plot(spots, expiry_pnl(condor, spots), color="black", lw=1.6, label="at expiry")
        today = today_pnl(condor, market, spots) if market is not None else None
        if today is not None:
            ax.plot(spots, today, color="tab:blue", lw=1.4, label=f"today ({market.asof})")
            if hedge_points:
                hx = np.array([p[0] for p in hedge_points])
                hy = np.array([p[1] for p in hedge_points])
                order = np.argsort(hx)
                base = np.interp(hx[order], spots, today)
                ax.plot(hx[order], base + hy[order], "o--", color="tab:green", label="today + VIX hedge")
        if market is not None:
            ax.axvline(market.spot, color="grey", ls=":", lw=1)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("SPX", labelpad=1)
        ax.set_ylabel("P&L ($)")
        ax.set_title(title or condor.describe(), fontsize=9)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{'-' if v < 0 else ''}${abs(v) / 1000:,.0f}k"))
        ax.grid(alpha=0.3)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
