"""The trader's marks applied to the market: leg marks to implied vols, THE SPX surface bent through
them (:class:`MarkedSurface`), VX and VIX-option marks, and :func:`apply_marks` (see
:mod:`alvh_core.marks` for the text and types)."""
from __future__ import annotations

import datetime as dt

import numpy as np

from alvh_core.marks import BANDWIDTH, MONTHS, LegMark, MarkError, VixOptionMark, VxMark

__all__ = ["BANDWIDTH", "MONTHS", "LegMark", "MarkError", "MarkedSurface", "VixOptionMark", "VxMark",
           "apply_marks", "describe_sources", "leg_vols", "vix_option_quotes", "vix_option_vols", "vx_by_expiry",
           "vx_expiry_for"]


# ----- SPX legs ------------------------------------------------------------------------------------

def leg_vols(legs: tuple[LegMark, ...] | list[LegMark], tau: float, spot: float, rate: float = 0.0,
             div: float = 0.0) -> dict[float, float]:
    """Implied vol (decimal) by strike of the marked legs for tenor ``tau`` (years).

    A price outside one option's no-arbitrage bounds, or two same-type legs whose vertical spread is
    negative or wider than the discounted strike gap, raises :class:`MarkError` naming the tokens.
    A put and a call marked at the same strike must agree (their vols within 0.5 vol point).
    """
    from alvh_core.pricing.implied_vol import bsm_implied_vol

    if tau <= 0:
        raise MarkError("leg marks need a position that has not expired")
    disc_r, disc_q = np.exp(-rate * tau), np.exp(-div * tau)
    priced = [lg for lg in legs if lg.price is not None]
    for right in ("P", "C"):
        side = sorted((lg for lg in priced if lg.right == right), key=lambda x: x.strike)
        for a, b in zip(side, side[1:]):
            gap = (b.strike - a.strike) * disc_r
            spread = (b.price - a.price) if right == "P" else (a.price - b.price)  # type: ignore[operator]
            if spread < 0:
                cheap = "lower" if right == "P" else "higher"
                raise MarkError(f"marks {a.token} and {b.token} are arbitrage: the {cheap} strike must be the cheaper "
                                f"{'put' if right == 'P' else 'call'}")
            if spread > gap + 1e-9:
                raise MarkError(f"marks {a.token} and {b.token} are arbitrage: the spread {spread:.2f} is wider than "
                                f"the discounted strike gap {gap:.2f}")
    out: dict[float, float] = {}
    for lg in legs:
        is_call = lg.right == "C"
        if lg.price is None and lg.iv is not None:
            vol = lg.iv
        else:
            vol = float(bsm_implied_vol(lg.price, is_call, spot, lg.strike, tau, rate, div))
            if not np.isfinite(vol):
                fwd_disc = spot * disc_q
                intrinsic = max(fwd_disc - lg.strike * disc_r, 0.0) if is_call else max(lg.strike * disc_r - fwd_disc, 0.0)
                upper = fwd_disc if is_call else lg.strike * disc_r
                raise MarkError(f"mark {lg.token} is outside the no-arbitrage bounds at spot {spot:g}: a "
                                f"{'call' if is_call else 'put'} is worth between {intrinsic:.2f} and {upper:.2f}")
            if not 0.01 <= vol <= 3.0:
                raise MarkError(f"mark {lg.token} implies {vol * 100:.1f} vol points at spot {spot:g} (expected "
                                "1-300): check the price")
        if lg.strike in out and abs(out[lg.strike] - vol) > 0.005:
            raise MarkError(f"marks at strike {lg.strike:g} disagree: put and call imply {out[lg.strike] * 100:.1f} "
                            f"and {vol * 100:.1f} vol points (put-call parity)")
        out[lg.strike] = vol
    return out


class MarkedSurface:
    """THE SPX surface bent through marked vols of one expiry (see the module docstring).

    ``vol(strike, tau, spot, vix, rate=0, div=0, **indices)`` has the surface's signature, so it plugs
    into ``analyze``, ``what_if`` and the hedge sizing. The correction lives in standardised moneyness,
    so it moves with spot and VIX (sticky moneyness) and applies at every tenor.
    """

    def __init__(self, base, marked: dict[float, float], tau: float, spot: float, vix: float,
                 rate: float = 0.0, div: float = 0.0, bandwidth: float = BANDWIDTH, **indices):
        from alvh_core.pricing import bsm

        self.base = base
        self.marked = dict(marked)
        self.bandwidth = bandwidth
        self.indices = indices
        k = np.array(sorted(self.marked), dtype=float)
        target = np.array([self.marked[x] for x in k])
        fwd = float(bsm.forward(spot, tau, rate, div))
        a = float(base.atm_vol(tau, vix, **indices))
        self._z = np.log(k / fwd) / (a * np.sqrt(tau))
        b = np.asarray(base.vol_fwd(k, tau, fwd, vix, **indices), dtype=float)
        d = target / b - 1.0
        phi = np.exp(-0.5 * ((self._z[:, None] - self._z[None, :]) / bandwidth) ** 2)
        self._w = np.linalg.solve(phi + 1e-12 * np.eye(k.size), d)
        self._check_butterfly(tau, spot, vix, rate, div)

    def correction(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        phi = np.exp(-0.5 * ((z[..., None] - self._z) / self.bandwidth) ** 2)
        return phi @ self._w

    def vol_fwd(self, strike, tau, forward, vix, **indices) -> np.ndarray:
        kw = {**self.indices, **indices}
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        a = self.base.atm_vol(tau, vix, **kw)
        z = np.log(np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)) / (a * np.sqrt(tau))
        return np.asarray(self.base.vol_fwd(strike, tau, forward, vix, **kw)) * np.maximum(1.0 + self.correction(z), 0.05)

    def vol(self, strike, tau, spot, vix, rate=0.0, div=0.0, **indices) -> np.ndarray:
        from alvh_core.pricing import bsm

        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0 / 24.0)
        return self.vol_fwd(strike, tau, bsm.forward(spot, tau, rate, div), vix, **indices)

    def atm_vol(self, tau, vix, **indices) -> np.ndarray:
        return self.vol_fwd(1.0, tau, 1.0, vix, **indices)

    def _check_butterfly(self, tau: float, spot: float, vix: float, rate: float, div: float) -> None:
        from alvh_core.pricing import bsm

        ks = np.array(sorted(self.marked))
        grid = np.linspace(ks.min() * 0.85, ks.max() * 1.15, 1201)
        c = bsm.price(True, spot, grid, tau, self.vol(grid, tau, spot, vix, rate, div), rate, div)
        bad = np.flatnonzero(np.diff(c, 2) < -1e-7 * spot)
        if bad.size:
            k_bad = grid[bad[0] + 1]
            near = ks[np.argsort(np.abs(ks - k_bad))[:2]]
            raise MarkError(f"the marks near strikes {near.min():g}-{near.max():g} imply butterfly arbitrage "
                            f"(a negative density near {k_bad:.0f}): check those marks")


# ----- VX and VIX options --------------------------------------------------------------------------

def vx_expiry_for(month: int | None, asof: dt.date) -> dt.date:
    """The VX expiry a mark refers to: the next contract of ``month`` after ``asof`` (front when None)."""
    from alvh_core.pricing.expiries import next_vx_expiry, vx_expiry

    if month is None:
        return next_vx_expiry(asof)
    for year in (asof.year, asof.year + 1):
        e = vx_expiry(year, month)
        if e > asof:
            return e
    raise AssertionError("unreachable")  # pragma: no cover


def vx_by_expiry(vx: tuple[VxMark, ...] | list[VxMark], asof: dt.date) -> dict[dt.date, float]:
    """Marked VX futures by expiry date (for ``MarketState.vix_futures`` and ``VixCurve.monthly_curve``)."""
    out: dict[dt.date, float] = {}
    for m in vx:
        e = vx_expiry_for(m.month, asof)
        if e in out:
            raise MarkError(f"{m.token} and another VX mark both refer to the {e} contract")
        out[e] = m.price
    return out


def vix_option_vols(opts, asof: dt.date, vix: float, vx: dict[dt.date, float] | None = None, curve=None
                    ) -> dict[tuple[dt.date, float, str], float]:
    """Black-76 vols (decimal) of marked VIX options on the VX future of their expiry (the marked
    future if given, else THE curve from ``vix`` in points); prices outside the bounds raise MarkError."""
    from alvh_core.pricing.implied_vol import black76_implied_vol
    from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE

    curve = curve or DEFAULT_VIX_CURVE
    vx = vx or {}
    out = {}
    for o in opts:
        e = vx_expiry_for(o.month, asof)
        tau = (e - asof).days / 365.0
        fut = vx.get(e, float(curve.future(vix / 100.0, tau)))
        if o.iv is not None:
            vol = o.iv
        else:
            vol = float(black76_implied_vol(o.price, o.right == "C", fut, o.strike, tau))
            if not np.isfinite(vol):
                intrinsic = max(fut - o.strike, 0.0) if o.right == "C" else max(o.strike - fut, 0.0)
                raise MarkError(f"mark {o.token} is outside the no-arbitrage bounds on the {e} VX future {fut:.2f}: "
                                f"worth at least {intrinsic:.2f} and below {fut if o.right == 'C' else o.strike:g}")
        out[(e, o.strike, o.right)] = vol
    return out


def vix_option_quotes(opts, asof: dt.date, vix: float, vx: dict[dt.date, float] | None = None, curve=None):
    """The marked VIX options resolved to their expiries (``MarketState.vix_options``), each checked
    against its no-arbitrage bounds on its VX future (:func:`vix_option_vols` raises MarkError)."""
    from alvh_core.models import VixOptionQuote

    vix_option_vols(opts, asof, vix, vx, curve)
    return tuple(VixOptionQuote(expiry=vx_expiry_for(o.month, asof), strike=o.strike, right=o.right,
                                price=o.price, iv=o.iv) for o in opts)


def describe_sources(strikes_rights: list[tuple[float, str]], marked: dict[float, float]) -> str:
    """'marked: 5600P, 5650P; modelled: 6150C, 6200C' for the legs of an answer."""
    m = [f"{k:g}{r}" for k, r in strikes_rights if k in marked]
    s = [f"{k:g}{r}" for k, r in strikes_rights if k not in marked]
    return f"marked: {', '.join(m) or 'none'}; modelled (THE SPX surface): {', '.join(s) or 'none'}"


def apply_marks(marks, condor, market):
    """(market, smile, note): ``market`` (a MarketState) with the marked leg vols, VX futures and VIX
    options, the surface bent through the marked legs (``None`` when no leg is marked: THE surface is
    used), and the "marked vs modelled" line for the answer. ``marks`` has ``legs``, ``vx`` and
    optionally ``vix_options`` (grammar ``Marks``)."""
    from alvh_core.pricing.smile import DEFAULT_SPX_SMILE

    tau = market.tau(condor.expiry)
    legs = tuple(getattr(marks, "legs", ()) or ())
    vx = tuple(getattr(marks, "vx", ()) or ())
    vopts = tuple(getattr(marks, "vix_options", ()) or ())
    update: dict = {}
    smile = None
    lv: dict[float, float] = {}
    if legs:
        lv = leg_vols(legs, tau, market.spot, market.rate, market.div_yield)
        update["leg_vols"] = {**(market.leg_vols or {}), **lv}
        smile = MarkedSurface(DEFAULT_SPX_SMILE, lv, tau, market.spot, market.vix_decimal, market.rate,
                              market.div_yield)
    if vx:
        update["vix_futures"] = {**(market.vix_futures or {}), **vx_by_expiry(vx, market.asof)}
    if vopts:
        quotes = vix_option_quotes(vopts, market.asof, market.vix, update.get("vix_futures", market.vix_futures))
        keep = {(q.expiry, q.strike, q.right) for q in quotes}
        update["vix_options"] = tuple(q for q in (market.vix_options or ())
                                      if (q.expiry, q.strike, q.right) not in keep) + quotes
    if update:
        market = type(market).model_validate({**market.model_dump(), **update})
    condor_legs = [(condor.long_put, "P"), (condor.short_put, "P"), (condor.short_call, "C"), (condor.long_call, "C")]
    note = "SPX legs " + describe_sources(condor_legs, lv)
    if vx:
        note += "; VX marked: " + ", ".join(f"{e} {p:g}" for e, p in sorted(market.vix_futures.items()))
    if vopts:
        note += "; VIX options marked: " + ", ".join(q.label for q in market.vix_options or ())
    return market, smile, note
