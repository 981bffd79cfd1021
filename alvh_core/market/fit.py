"""Fitting THE SPX surface to real quotes and measuring it on dates it has not seen.

``load_sample(data_dir)`` reads every ``options/spx_*.csv`` of a data directory (format of
``shared/data``) and that day's VIX, VIX9D, VIX3M, SKEW closes; ``fit(sample, mask)`` fits the
parameters in :data:`FREE_PARAMS` on the rows ``mask``; ``out_of_sample(sample, split)`` returns the
errors (model minus market, vol points) of every row predicted by a fit that never saw its date:

- ``"feb2018"``: fit on 2004-01-02 and 2018-01, test on 2018-02 (VIX 13-37, incl. 2018-02-05);
- ``"week"``: leave one calendar week out (each week predicted by a fit on all other weeks);
- ``"walk"``: walk forward (each date from 2018-01-16 predicted by a fit on all earlier dates).

``error_table`` groups errors by delta bucket and VIX regime (RMS, median |error|, bias, count; with
``half``/``outside`` also the quotes' median half bid-ask spread in vol points and the RMS of the
model's distance outside the bid-ask band). ``band_error`` is that distance (0 where the model vol is
between the vols of the bid and the ask); ``day_table`` is the error by quote date with the day's
indices, median half-spread and put-call parity gap (the median call-minus-put implied vol at strikes
within 3% of the forward: 0 when the calls and puts of the file agree with the parity forward).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from alvh_core.market.quotes import Chain, OtmPoints, otm_points, read_quotes
from alvh_core.market.surface import PARAM_NAMES, SpxSurface, fit_left_wing, fit_surface

#: Parameters fitted to the quotes; the others stay at 0 (see README "The SPX surface": the VIX9D,
#: VIX3M and SKEW terms and the pillar weight were tried, ``--variants``).
FREE_PARAMS = ("c0", "c_vix", "c_tau", "r0", "r_vix", "e0", "e_vix", "s0", "m")
#: the former law's free parameters (SVI centred at z = 0, no separate right wing)
FORMER_FREE = FREE_PARAMS[:-1]
#: the right wing's own slope beyond the smile's minimum (``SpxSurface.right_slope_z``): chosen, not
#: fitted: freed (capped at c), the fit pushes it to its cap for every c from 0.1 to 2 (README)
RIGHT_SLOPE = 0.2
SPLITS = ("feb2018", "week", "walk")
#: the deltas of the quotes beyond the fitted range (out of the money, 0.2-5 delta): their puts fit the far left
#: wing's extra slope (second stage of :func:`fit`); their calls are never fitted
WING_DELTAS = (0.002, 0.0499)
#: rounds of (first stage, far left wing) in :func:`fit`
WING_ROUNDS = 2
DELTA_BUCKETS = ((-0.50, -0.25, "puts 25-50d"), (-0.25, -0.10, "puts 10-25d"), (-0.10, -0.049, "puts 5-10d"),
                 (0.049, 0.10, "calls 5-10d"), (0.10, 0.25, "calls 10-25d"), (0.25, 0.51, "calls 25-50d"))
VIX_REGIMES = ((0.0, 15.0, "VIX < 15"), (15.0, 25.0, "VIX 15-25"), (25.0, 1e9, "VIX >= 25"))


@dataclasses.dataclass(frozen=True, eq=False)
class QuoteSample:
    """Out-of-the-money quotes (``points``) with the day's indices per row (vol points; NaN = absent);
    ``vol_bid``/``vol_ask`` the Black-76 vols of the bid and the ask (decimals; 0 where the bid has none)
    and ``parity_gap`` the row's date and expiry's put-call parity gap (vol points, NaN where unknown)."""

    points: OtmPoints
    vix: np.ndarray
    vix9d: np.ndarray
    vix3m: np.ndarray
    skew: np.ndarray
    vol_bid: np.ndarray | None = None
    vol_ask: np.ndarray | None = None
    parity_gap: np.ndarray | None = None

    @property
    def half_spread(self) -> np.ndarray:
        """Half the bid-ask spread in vol points, per row."""
        assert self.vol_bid is not None and self.vol_ask is not None
        return 50.0 * (self.vol_ask - self.vol_bid)

    def __len__(self) -> int:
        return len(self.points)

    def model_vol(self, surface: SpxSurface, mask: np.ndarray | None = None) -> np.ndarray:
        p = self.points if mask is None else self.points.select(mask)
        sel = slice(None) if mask is None else mask
        return surface.vol_fwd(p.strike, p.tau, p.forward, self.vix[sel] / 100.0, self.vix9d[sel] / 100.0,
                               self.vix3m[sel] / 100.0, self.skew[sel])


def _concat(parts: list[OtmPoints]) -> OtmPoints:
    return OtmPoints(**{f.name: np.concatenate([getattr(q, f.name) for q in parts])
                        for f in dataclasses.fields(OtmPoints)})


def bid_ask_vols(p: OtmPoints) -> tuple[np.ndarray, np.ndarray]:
    """Black-76 vols (decimals) of each point's bid and ask on its parity forward (0 where the bid is below
    every vol's price)."""
    from alvh_core.pricing.implied_vol import black76_implied_vol

    rate = -np.log(p.discount) / p.tau
    vb = black76_implied_vol(np.maximum(p.mid - 0.5 * p.spread, 1e-9), p.is_call, p.forward, p.strike, p.tau, rate)
    va = black76_implied_vol(p.mid + 0.5 * p.spread, p.is_call, p.forward, p.strike, p.tau, rate)
    return np.where(np.isfinite(vb), vb, 0.0), np.where(np.isfinite(va), va, np.inf)


def parity_gaps(chain: Chain, moneyness: float = 0.03) -> dict[tuple, float]:
    """Median call-minus-put Black-76 vol (vol points) at strikes quoted both ways within ``moneyness`` of
    the forward, by (quote date, expiry, root); expiries of 7 days or less are left out."""
    from alvh_core.pricing.implied_vol import black76_implied_vol

    near = (np.abs(np.log(chain.strike / chain.forward)) < moneyness) & (chain.tau * 365.0 > 7.0)
    c = chain.select(near)
    iv = black76_implied_vol(c.mid, c.is_call, c.forward, c.strike, c.tau, -np.log(c.discount) / c.tau)
    out: dict[tuple, list[float]] = {}
    vols: dict[tuple, dict[bool, float]] = {}
    for d, e, r, k, call, v in zip(c.quote_date, c.expiry, c.root, c.strike, c.is_call, iv):
        vols.setdefault((d, e, r, k), {})[bool(call)] = float(v)
    for (d, e, r, _k), cp in vols.items():
        if len(cp) == 2 and np.isfinite(cp[True]) and np.isfinite(cp[False]):
            out.setdefault((d, e, r), []).append(100.0 * (cp[True] - cp[False]))
    return {key: float(np.median(v)) for key, v in out.items()}


def load_sample(data_dir: str | Path, files: Iterable[str] | None = None, min_delta: float = 0.05,
                max_delta: float = 0.50) -> QuoteSample:
    """The SPX quote files of ``data_dir/options`` with each day's VIX/VIX9D/VIX3M/SKEW closes
    (out-of-the-money quotes, 7-90 days, ``min_delta..max_delta``: 5-50 delta is the fitted range)."""
    from alvh_core.history.data import load_daily

    root = Path(data_dir)
    names = sorted(files) if files is not None else sorted(p.name for p in (root / "options").glob("spx_*.csv"))
    chains = [read_quotes(root / "options" / n) for n in names]
    parts = [otm_points(c, min_delta=min_delta, max_delta=max_delta) for c in chains]
    gaps = {k: v for c in chains for k, v in parity_gaps(c).items()}
    roots = np.concatenate([c.select(_otm_rows(c, q)).root for c, q in zip(chains, parts)])
    pts = _concat(parts)
    hist = load_daily(root)
    idx = np.searchsorted(hist.dates, pts.quote_date)
    idx = np.clip(idx, 0, len(hist.dates) - 1)
    if np.any(hist.dates[idx] != pts.quote_date):
        missing = sorted(set(pts.quote_date[hist.dates[idx] != pts.quote_date].astype(str)))
        raise ValueError(f"no VIX close for quote dates {', '.join(missing[:3])} in {root}")
    vb, va = bid_ask_vols(pts)
    gap = np.array([gaps.get((d, e, r), np.nan) for d, e, r in zip(pts.quote_date, pts.expiry, roots)])
    return QuoteSample(points=pts, vix=hist.vix[idx], vix9d=hist.vix9d[idx], vix3m=hist.vix3m[idx],
                       skew=hist.skew[idx], vol_bid=vb, vol_ask=va, parity_gap=gap)


def _otm_rows(chain: Chain, pts: OtmPoints) -> np.ndarray:
    """Indices of ``chain`` rows that became ``pts`` (matched on date, expiry, strike, right, mid)."""
    key = {(d, e, k, c, m): i for i, (d, e, k, c, m) in
           enumerate(zip(chain.quote_date, chain.expiry, chain.strike, chain.is_call, chain.mid))}
    return np.array([key[(d, e, k, c, m)] for d, e, k, c, m in
                     zip(pts.quote_date, pts.expiry, pts.strike, pts.is_call, pts.mid)], dtype=int)


#: weight of the "replicated 30-day variance swap = VIX" residual per quote date (see fit_surface);
#: 0 because weights 1, 3, 10 made the leave-one-week-out error worse (1.45, 1.48, 1.58 vs 1.44 RMS)
VIX_WEIGHT = 0.0


def fit(sample: QuoteSample, mask: np.ndarray | None = None, free: Iterable[str] = FREE_PARAMS,
        vix_weight: float = VIX_WEIGHT, pillar_weight: float = 0.0, right_slope: float = RIGHT_SLOPE,
        hold_vix: bool = True, wing: QuoteSample | None = None, wing_mask: np.ndarray | None = None) -> SpxSurface:
    """The surface fitted to ``sample`` rows ``mask`` (all rows by default), only ``free`` parameters
    (``pillar_weight`` held at the value given unless it is free; ``right_slope > 0`` gives the right wing
    that slope beyond the smile's minimum, ``SpxSurface.right_slope_z``; ``hold_vix``: the VIX terms held
    beyond the highest VIX fitted, ``SpxSurface.shape_vix_cap``, else extrapolated). Without ``wing`` the far
    left wing has no extra slope (``left_slope_z = 0``); with it (a sample of quotes beyond the fitted delta
    range, :data:`WING_DELTAS`) its puts of rows ``wing_mask`` fit that slope in a second stage
    (:func:`~alvh_core.market.surface.fit_left_wing`)."""
    mask = np.ones(len(sample), bool) if mask is None else mask
    p = sample.points.select(mask)
    start = SpxSurface(**{n: 0.0 for n in PARAM_NAMES}).model_copy(
        update={"c0": -0.25, "r0": -0.6, "e0": -0.5, "s0": 0.3, "pillar_weight": pillar_weight,
                 "right_slope_z": right_slope, "left_slope_z": 0.0})
    fixed = tuple(n for n in PARAM_NAMES if n not in set(free))
    srf = fit_surface(p.strike, p.tau, p.forward, p.vol, sample.vix[mask] / 100.0, sample.vix9d[mask] / 100.0,
                      sample.vix3m[mask] / 100.0, sample.skew[mask], start=start, fixed=fixed,
                      vix_weight=vix_weight, hold_vix=hold_vix)
    if wing is None:
        return srf
    wm = ~wing.points.is_call if wing_mask is None else wing_mask & ~wing.points.is_call
    w = wing.points.select(wm)
    args = (w.strike, w.tau, w.forward, w.vol, wing.vix[wm] / 100.0, wing.vix9d[wm] / 100.0,
            wing.vix3m[wm] / 100.0, wing.skew[wm])
    srf = fit_left_wing(srf, *args)
    for _ in range(WING_ROUNDS - 1):  # the first stage again with the wing held, then the wing again
        srf = fit_surface(p.strike, p.tau, p.forward, p.vol, sample.vix[mask] / 100.0, sample.vix9d[mask] / 100.0,
                          sample.vix3m[mask] / 100.0, sample.skew[mask], start=srf, fixed=fixed,
                          vix_weight=vix_weight, hold_vix=hold_vix)
        srf = fit_left_wing(srf, *args)
    return srf


def out_of_sample(sample: QuoteSample, split: str = "feb2018", free: Iterable[str] = FREE_PARAMS,
                  vix_weight: float = VIX_WEIGHT, pillar_weight: float = 0.0,
                  predict: QuoteSample | None = None, right_slope: float = RIGHT_SLOPE,
                  hold_vix: bool = True, wing: QuoteSample | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(errors in vol points, tested mask): each tested row predicted by a fit that excluded its date.
    ``predict``: the same quotes with other indices to predict from (e.g. VIX9D/VIX3M blanked: the
    surface as ``alvh analyze`` uses it, with VIX alone). ``wing``: the quotes beyond the fitted range, whose
    puts of the training dates fit the far left wing (the shipped law); see :func:`wing_out_of_sample`."""
    err, tested, _ = _out_of_sample(sample, split, free, vix_weight, pillar_weight, predict, right_slope,
                                    hold_vix, wing)
    return err, tested


def wing_out_of_sample(sample: QuoteSample, wing: QuoteSample, split: str = "week") -> np.ndarray:
    """Errors (vol points, NaN where untested) of ``wing``'s quotes, each predicted by the shipped two-stage
    fit (``sample`` then ``wing``'s puts) on the split's training dates only."""
    return _out_of_sample(sample, split, FREE_PARAMS, VIX_WEIGHT, 0.0, None, RIGHT_SLOPE, True, wing)[2]


def _out_of_sample(sample, split, free, vix_weight, pillar_weight, predict, right_slope, hold_vix, wing):
    predict = predict or sample
    free = tuple(free)
    qd = sample.points.quote_date
    err = np.full(len(sample), np.nan)
    if split == "feb2018":
        groups = [qd >= np.datetime64("2018-02-01")]
    elif split == "week":
        week = qd.astype("datetime64[W]")
        groups = [week == w for w in np.unique(week)]
    elif split == "walk":
        groups = [qd == d for d in np.unique(qd) if d >= np.datetime64("2018-01-16")]
    else:
        raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    werr = None if wing is None else np.full(len(wing), np.nan)
    for test in groups:
        train = ~test if split != "walk" else qd < qd[test][0]
        wing_train = wing_test = None
        if wing is not None:
            wqd = wing.points.quote_date
            wing_test = np.isin(wqd, qd[test])
            wing_train = np.isin(wqd, qd[train])
        srf = fit(sample, train, free, vix_weight, pillar_weight, right_slope, hold_vix, wing, wing_train)
        err[test] = 100.0 * (predict.model_vol(srf, test) - sample.points.vol[test])
        if wing is not None and wing_test.any():
            werr[wing_test] = 100.0 * (wing.model_vol(srf, wing_test) - wing.points.vol[wing_test])
    tested = np.isfinite(err)
    return err, tested, werr


def stats(err: np.ndarray) -> dict[str, float]:
    err = err[np.isfinite(err)]
    if err.size == 0:
        return {"n": 0, "rms": float("nan"), "median_abs": float("nan"), "bias": float("nan")}
    return {"n": int(err.size), "rms": float(np.sqrt(np.mean(err**2))),
            "median_abs": float(np.median(np.abs(err))), "bias": float(np.mean(err))}


def band_error(err: np.ndarray, sample: QuoteSample, mask: np.ndarray | None = None) -> np.ndarray:
    """Model vol's distance outside the quote's bid-ask vol band (vol points, signed; 0 inside it), for
    errors ``err`` (model minus mid, vol points) of the rows ``mask``."""
    sel = slice(None) if mask is None else mask
    assert sample.vol_bid is not None and sample.vol_ask is not None
    model = sample.points.vol[sel] + err / 100.0
    vb, va = sample.vol_bid[sel], sample.vol_ask[sel]
    return 100.0 * np.where(model > va, model - va, np.where(model < vb, model - vb, 0.0))


def error_table(err: np.ndarray, delta: np.ndarray, vix: np.ndarray, half: np.ndarray | None = None,
                outside: np.ndarray | None = None) -> list[dict]:
    """Rows ``{"group", "n", "rms", "median_abs", "bias"}``: all, by VIX regime, by delta bucket; with
    ``half`` (half-spreads, vol points) and ``outside`` (:func:`band_error`) also ``"half_spread"``
    (median) and ``"rms_outside"``."""
    def row(label: str, k: np.ndarray) -> dict:
        r = {"group": label, **stats(err[k])}
        if half is not None and outside is not None and k.any():
            r["half_spread"] = float(np.median(half[k]))
            r["rms_outside"] = float(np.sqrt(np.mean(outside[k] ** 2)))
        return r

    rows = [row("all", np.ones(err.shape, bool))]
    for lo, hi, label in VIX_REGIMES:
        rows.append(row(label, (vix >= lo) & (vix < hi)))
    for lo, hi, label in DELTA_BUCKETS:
        rows.append(row(label, (delta >= lo) & (delta < hi)))
    return [r for r in rows if r["n"] > 0]


def day_table(sample: QuoteSample, err: np.ndarray, min_vix: float = 0.0) -> list[dict]:
    """Per quote date with VIX >= ``min_vix``: the day's VIX/VIX9D/VIX3M/SKEW, quotes, median half-spread
    and put-call parity gap (vol points), and the RMS / bias of ``err`` (all rows of the sample)."""
    qd = sample.points.quote_date
    out = []
    for d in np.unique(qd):
        k = (qd == d) & np.isfinite(err)
        if not k.any() or sample.vix[k][0] < min_vix:
            continue
        gap = sample.parity_gap[k] if sample.parity_gap is not None else np.full(int(k.sum()), np.nan)
        out.append({"date": str(d), "vix": float(sample.vix[k][0]), "vix9d": float(sample.vix9d[k][0]),
                    "vix3m": float(sample.vix3m[k][0]), "skew": float(sample.skew[k][0]), "n": int(k.sum()),
                    "half_spread": float(np.median(sample.half_spread[k])),
                    "parity_gap": float(np.nanmedian(gap)) if np.isfinite(gap).any() else float("nan"),
                    "rms": float(np.sqrt(np.mean(err[k] ** 2))), "bias": float(np.mean(err[k]))})
    return out


def per_date_errors(sample: QuoteSample, min_vix: float = 0.0) -> np.ndarray:
    """Errors (vol points; NaN below ``min_vix``) of each date's quotes against the surface fitted to that date
    ALONE: what the smile family can do on a day when its answer is known, the floor under any out-of-sample
    error of a surface that is one smile per date (every date of ``../shared/data/options`` has one expiry)."""
    qd = sample.points.quote_date
    err = np.full(len(sample), np.nan)
    for d in np.unique(qd):  # one fit per date
        m = qd == d
        if sample.vix[m][0] >= min_vix:
            err[m] = 100.0 * (sample.model_vol(fit(sample, mask=m), m) - sample.points.vol[m])
    return err


def wing_table(wing: QuoteSample, surfaces: dict[str, SpxSurface]) -> list[dict]:
    """Error rows (:func:`error_table` format, with half-spread and RMS outside bid-ask) of each surface on
    ``wing`` (quotes beyond the fitted delta range), calls and puts, all and at VIX >= 25."""
    p = wing.points
    rows = []
    for name, srf in surfaces.items():
        err = 100.0 * (wing.model_vol(srf) - p.vol)
        out = band_error(err, wing)
        for label, k in (("calls 0.2-5d", p.is_call), ("calls 0.2-5d, VIX >= 25", p.is_call & (wing.vix >= 25.0)),
                         ("puts 0.2-5d", ~p.is_call), ("puts 0.2-5d, VIX >= 25", ~p.is_call & (wing.vix >= 25.0))):
            lab = label if len(surfaces) == 1 else f"{name}: {label}"
            rows.append({"group": lab, **stats(err[k]), "half_spread": float(np.median(wing.half_spread[k])),
                         "rms_outside": float(np.sqrt(np.mean(out[k] ** 2)))})
    return rows


def replicated_variance_ratio(sample: QuoteSample, surface: SpxSurface, min_quotes: int = 20) -> list[dict]:
    """Per quote date and expiry: the out-of-the-money quotes' own replicated variance, ``(2/T) sum OTM(K)/K^2
    dK`` (trapezoid over the quoted strikes only, no extrapolation), against the surface's over the same
    strikes: ``{"date", "expiry", "days", "vix", "quotes_vol", "ratio"}`` (ratio = model vol / quotes' vol, 1
    when the smile carries the market's variance, wings included). The sample should hold every delta
    (``load_sample(min_delta=0.002)``)."""
    from alvh_core.pricing import black76

    p = sample.points
    model = sample.model_vol(surface)
    out = []
    for d, e in sorted(set(zip(p.quote_date.tolist(), p.expiry.tolist()))):
        k = np.flatnonzero((p.quote_date == d) & (p.expiry == e))
        if k.size < min_quotes:
            continue
        k = k[np.argsort(p.strike[k])]
        K, f, t = p.strike[k], p.forward[k[0]], p.tau[k[0]]

        def var(vol: np.ndarray) -> float:
            return 2.0 / t * float(np.trapezoid(black76.price(p.is_call[k], f, K, t, vol) / K**2, K))

        vq, vm = var(p.vol[k]), var(model[k])
        out.append({"date": str(d), "expiry": str(e), "days": round(t * 365.0), "vix": float(sample.vix[k[0]]),
                    "quotes_vol": 100.0 * np.sqrt(vq), "ratio": float(np.sqrt(vm / vq))})
    return out


def wing_split_table(wing: QuoteSample, err: np.ndarray) -> list[dict]:
    """:func:`wing_table`'s rows for errors ``err`` (NaN where untested), puts also by VIX regime."""
    p = wing.points
    rows = []
    groups = [("calls 0.2-5d", p.is_call), ("puts 0.2-5d", ~p.is_call)]
    groups += [(f"puts 0.2-5d, {label}", ~p.is_call & (wing.vix >= lo) & (wing.vix < hi)) for lo, hi, label in VIX_REGIMES]
    out = band_error(np.where(np.isfinite(err), err, 0.0), wing)
    for label, k in groups:
        k = k & np.isfinite(err)
        if k.any():
            rows.append({"group": label, **stats(err[k]), "half_spread": float(np.median(wing.half_spread[k])),
                         "rms_outside": float(np.sqrt(np.mean(out[k] ** 2)))})
    return rows


def format_table(rows: list[dict], title: str = "") -> str:
    out = [title] if title else []
    out.append(f"{'quotes':<16}{'n':>6}{'RMS':>8}{'med|e|':>8}{'bias':>8}   (vol points, model minus market)")
    for r in rows:
        out.append(f"{r['group']:<16}{r['n']:>6}{r['rms']:>8.2f}{r['median_abs']:>8.2f}{r['bias']:>+8.2f}")
    return "\n".join(out)


def markdown_table(rows: list[dict]) -> str:
    if rows and "half_spread" in rows[0]:
        out = ["| quotes | n | RMS | median abs | bias | half-spread (median) | RMS outside bid-ask |",
               "|---|---|---|---|---|---|---|"]
        out += [f"| {r['group']} | {r['n']} | {r['rms']:.2f} | {r['median_abs']:.2f} | {r['bias']:+.2f} "
                f"| {r['half_spread']:.2f} | {r['rms_outside']:.2f} |" for r in rows]
        return "\n".join(out)
    out = ["| quotes | n | RMS | median abs | bias |", "|---|---|---|---|---|"]
    out += [f"| {r['group']} | {r['n']} | {r['rms']:.2f} | {r['median_abs']:.2f} | {r['bias']:+.2f} |" for r in rows]
    return "\n".join(out)


def markdown_days(rows: list[dict]) -> str:
    out = ["| date | VIX | VIX9D | VIX3M | SKEW | n | half-spread | put-call gap | RMS | bias |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {r['date']} | {r['vix']:.2f} | {r['vix9d']:.2f} | {r['vix3m']:.2f} | {r['skew']:.1f} | {r['n']} "
            f"| {r['half_spread']:.2f} | {r['parity_gap']:+.2f} | {r['rms']:.2f} | {r['bias']:+.2f} |" for r in rows]
    return "\n".join(out)


#: structural variants measured by ``--variants`` (README "The SPX surface"): (label, free parameters,
#: pillar weight, predict with VIX alone, the right wing's own slope; 0 = the SVI's[, hold the VIX terms
#: beyond the highest VIX fitted; default False for the rows measured before that rule])
VARIANTS = (("former law (SVI, m = 0; VIX alone)", FORMER_FREE, 0.0, False, 0.0),
            ("VIX9D/VIX/VIX3M pillars as the variance term structure", FORMER_FREE, 1.0, False, 0.0),
            ("  the same fit, predicting with VIX alone", FORMER_FREE, 1.0, True, 0.0),
            ("pillar weight fitted", FORMER_FREE + ("pillar_weight",), 0.5, False, 0.0),
            ("pillars + SKEW in the wings (e_skew)", FORMER_FREE + ("e_skew",), 1.0, False, 0.0),
            ("pillars + ln(VIX9D/VIX) in the skew (r_ts)", FORMER_FREE + ("r_ts",), 1.0, False, 0.0),
            ("smile minimum shifted (m free)", FREE_PARAMS, 0.0, False, 0.0),
            ("pillars + m free", FREE_PARAMS, 1.0, False, 0.0),
            ("m free + right wing slope 0.2 (VIX alone; VIX terms extrapolated)", FREE_PARAMS, 0.0, False, RIGHT_SLOPE),
            ("pillars + m free + right wing slope 0.2", FREE_PARAMS, 1.0, False, RIGHT_SLOPE),
            ("  the same fit, predicting with VIX alone", FREE_PARAMS, 1.0, True, RIGHT_SLOPE),
            ("m free + right wing 0.2, VIX terms held beyond the fitted VIX (the shipped first stage)",
             FREE_PARAMS, 0.0, False, RIGHT_SLOPE, True))


def variants_table(sample: QuoteSample, splits: Iterable[str] = ("week", "walk", "feb2018"),
                   variants: Iterable[tuple] = VARIANTS, only: str | None = None) -> list[dict]:
    """RMS / bias by VIX regime of each of ``variants`` (:data:`VARIANTS`) on each split (vol points)."""
    import dataclasses as dc

    blank = dc.replace(sample, vix9d=np.full(len(sample), np.nan), vix3m=np.full(len(sample), np.nan))
    rows = []
    variants = [v for v in variants if only is None or only in v[0]]
    for label, free, pw, vix_alone, right, *hold in variants:
        for split in splits:
            e, m = out_of_sample(sample, split, free, pillar_weight=pw,
                                 predict=blank if vix_alone else None, right_slope=right,
                                 hold_vix=bool(hold and hold[0]))
            row = {"variant": label, "split": split, "all": stats(e[m])}
            for lo, hi, reg in VIX_REGIMES:
                row[reg] = stats(e[m & (sample.vix >= lo) & (sample.vix < hi)])
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m alvh_core.market.fit [DATA_DIR] [--variants | --per-date]``: refit on all quotes, print the
    parameters and the error tables (in-sample and each out-of-sample split) as markdown (the README's tables);
    ``--variants``: the out-of-sample table of the structural variants tried (about 10 CPU-minutes);
    ``--per-date``: each date with VIX >= 15 fitted on its own quotes alone (:func:`per_date_errors`)."""
    import sys

    from alvh_core.settings import Settings

    args = sys.argv[1:] if argv is None else argv
    flags = [a for a in args if a.startswith("--")]
    args = [a for a in args if not a.startswith("--")]
    data = args[0] if args else (Settings().alvh_data or "../shared/data")
    sample = load_sample(data)
    if "--per-date" in flags:
        err = per_date_errors(sample, min_vix=15.0)
        m = np.isfinite(err)
        print("each date (VIX >= 15) fitted on its own quotes alone\n")
        print(markdown_days(day_table(sample, err, min_vix=15.0)) + "\n")
        print(markdown_table(error_table(err[m], sample.points.delta[m], sample.vix[m], sample.half_spread[m],
                                         band_error(err[m], sample, m))))
        return 0
    if "--variants" in flags:
        labels = [lab for _, _, lab in VIX_REGIMES]
        print("| variant | split | all | " + " | ".join(labels) + " |")
        print("|---|---|---|" + "---|" * len(labels))
        only = next((f.split("=", 1)[1] for f in flags if f.startswith("--only=")), None)
        for r in variants_table(sample, only=only):
            cells = [f"{r[k]['rms']:.2f} / {r[k]['bias']:+.2f}" for k in ("all", *labels)]
            print(f"| {r['variant']} | {r['split']} | " + " | ".join(cells) + " |", flush=True)
        return 0
    wing = load_sample(data, min_delta=WING_DELTAS[0], max_delta=WING_DELTAS[1])
    srf = fit(sample, wing=wing)
    print("fitted on all quotes: " + ", ".join(f"{n}={getattr(srf, n):.4f}" for n in FREE_PARAMS)
          + f" (right wing slope {RIGHT_SLOPE}); far left wing beyond z = {srf.left_wing_z:g}: "
          + f"left_slope_z={srf.left_slope_z:.4f}, left_slope_vix={srf.left_slope_vix:.4f}")
    p = sample.points
    err = 100.0 * (sample.model_vol(srf) - p.vol)
    print(f"\nin sample (fit on all {len(sample)} quotes)\n")
    print(markdown_table(error_table(err, p.delta, sample.vix, sample.half_spread, band_error(err, sample))))
    print("\nbeyond the fitted range: out-of-the-money quotes of 0.2-5 delta (calls never fitted; puts fit the far "
          "left wing), fit on all quotes\n")
    print(markdown_table(wing_table(wing, {"this surface": srf})))
    every = load_sample(data, min_delta=WING_DELTAS[0], max_delta=0.50)
    rows = replicated_variance_ratio(every, srf)
    print("\nreplicated variance over the quoted strikes (0.2-50 delta), model vol / the quotes' vol, median per date\n")
    print("| quotes | dates | this surface | without the far left wing |")
    print("|---|---|---|---|")
    flat = replicated_variance_ratio(every, srf.model_copy(update={"left_slope_z": 0.0}))
    for lo, hi, label in VIX_REGIMES:
        k = [i for i, r in enumerate(rows) if lo <= r["vix"] < hi]
        print(f"| {label} | {len(k)} | {np.median([rows[i]['ratio'] for i in k]):.3f} "
              f"| {np.median([flat[i]['ratio'] for i in k]):.3f} |")
    # each split's folds fitted once: the quotes' errors and the far wing's from the same fits
    runs = {split: _out_of_sample(sample, split, FREE_PARAMS, VIX_WEIGHT, 0.0, None, RIGHT_SLOPE, True, wing)
            for split in SPLITS}
    for split in ("week", "walk"):
        print(f"\nbeyond the fitted range, out of sample, split {split!r} (0.2-5 delta; the puts' wing fitted on "
              "the training dates only)\n")
        print(markdown_table(wing_split_table(wing, runs[split][2])))
    for split in SPLITS:
        e, m, _ = runs[split]
        print(f"\nout of sample, split {split!r} ({int(m.sum())} quotes)\n")
        print(markdown_table(error_table(e[m], p.delta[m], sample.vix[m], sample.half_spread[m],
                                         band_error(e[m], sample, m))))
        if split == "week":
            print("\nby date, VIX >= 20, leaving its week out (vol points)\n")
            print(markdown_days(day_table(sample, e, 20.0)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
