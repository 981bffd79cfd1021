"""Study: do close-of-day features beyond VIX predict THE SPX surface's ATM level on unseen dates?

Each candidate feature ``f`` (known at the close of the quote date) enters the ATM ratio as one extra
term, ``ln rho_atm += b f`` (module docstring of :mod:`alvh_core.market.surface`, item 2), fitted with
the former law's free parameters (SVI centred at z = 0). It is fed through the surface's existing ``c_ts`` slot (``VIX9D := VIX
e^f``; with ``pillar_weight = 0`` and ``r_ts = 0`` that slot is exactly ``c_ts f`` in ``ln rho_atm``
and nothing else), so the fit and the splits are those of :mod:`alvh_core.market.fit`. A feature
absent on a date (VIX9D/VIX3M/VVIX before their series start: 2004-01-02) is 0 there.

``python -m alvh_core.market.feature_study DATA_DIR [--nested]`` prints, per feature, RMS/bias by VIX
regime leaving a week out and walking forward (README "The SPX surface", "Features tried"); with
``--nested`` also the honest version of "pick the best feature": in every outer fold the feature is
chosen by leave-one-week-out RMS inside the outer training dates only (slow: 20 minutes or more).
"""
from __future__ import annotations

import dataclasses
import sys

import numpy as np
from scipy.signal import lfilter

from alvh_core.market.fit import FORMER_FREE, VIX_REGIMES, QuoteSample, fit, load_sample, out_of_sample, stats

TRADING_DAYS = 252


def _realised(logret: np.ndarray, n: int) -> np.ndarray:
    """Annualised root-mean-square of the last ``n`` daily log returns (NaN before ``n`` returns)."""
    sq = np.concatenate([[0.0], np.cumsum(np.nan_to_num(logret) ** 2)])
    out = np.full(logret.size, np.nan)
    out[n:] = np.sqrt(TRADING_DAYS * (sq[n + 1:] - sq[1:-n]) / n)
    return out


def _ew(x: np.ndarray, days: float) -> np.ndarray:
    """Exponentially weighted mean of ``x`` with a ``days`` time constant (Guyon-Lekeufack 2023 style)."""
    a = np.exp(-1.0 / days)
    return lfilter([1.0 - a], [1.0, -a], np.nan_to_num(x))


def features(sample: QuoteSample, data_dir: str) -> dict[str, np.ndarray]:
    """Per quote row, the candidate features of the quote date's close (dimensionless; NaN = absent)."""
    from alvh_core.history.data import load_daily

    h = load_daily(data_dir)
    i = np.searchsorted(h.dates, sample.points.quote_date)
    r = np.concatenate([[np.nan], np.diff(np.log(h.spx))])
    vix = sample.vix / 100.0

    def ret(n: int) -> np.ndarray:
        return np.log(h.spx[i] / h.spx[i - n])

    return {
        "ln(RV5/VIX)": np.log(_realised(r, 5)[i] / vix),
        "ln(RV10/VIX)": np.log(_realised(r, 10)[i] / vix),
        "ln(RV21/VIX)": np.log(_realised(r, 21)[i] / vix),
        "ln(EWvol10d/VIX)": np.log(np.sqrt(TRADING_DAYS * _ew(r**2, 10.0))[i] / vix),
        "EW return 10d": 100.0 * _ew(r, 10.0)[i],
        "return 1d": 10.0 * ret(1),
        "return 5d": 10.0 * ret(5),
        "return 10d": 10.0 * ret(10),
        "return 21d": 10.0 * ret(21),
        "ln(VVIX/100)": np.log(h.vvix[i] / 100.0),
        "ln(VIX9D/VIX)": np.log(sample.vix9d / sample.vix),
        "ln(VIX/VIX3M)": np.log(sample.vix / sample.vix3m),
        "(SKEW-130)/10": (sample.skew - 130.0) / 10.0,
        "ln VIX change 1d": np.log(sample.vix / h.vix[i - 1]),
        "ln VIX change 5d": np.log(sample.vix / h.vix[i - 5]),
    }


def with_feature(sample: QuoteSample, f: np.ndarray | None) -> QuoteSample:
    """``sample`` whose ``vix9d`` slot carries ``VIX e^f`` (``f`` 0 where absent); ``None``: no feature."""
    if f is None:
        return dataclasses.replace(sample, vix9d=np.full(len(sample), np.nan))
    return dataclasses.replace(sample, vix9d=sample.vix * np.exp(np.where(np.isfinite(f), f, 0.0)))


#: the study was run on the former law (SVI centred at z = 0, no separate right wing: ``right_slope`` 0);
#: it stays on it so the README's table reproduces
FREE_PARAMS = FORMER_FREE
RIGHT_SLOPE = 0.0
FREE_WITH_FEATURE = (*FREE_PARAMS, "c_ts")


def summary(err: np.ndarray, vix: np.ndarray) -> str:
    cells = [stats(err)] + [stats(err[(vix >= lo) & (vix < hi)]) for lo, hi, _ in VIX_REGIMES]
    return " | ".join(f"{c['rms']:.2f} / {c['bias']:+.2f}" for c in cells)


def study(sample: QuoteSample, feats: dict[str, np.ndarray]) -> list[str]:
    """Markdown rows: feature | split | RMS / bias (all, VIX < 15, 15-25, >= 25)."""
    rows = []
    for name, f in [("none (former law)", None), *feats.items()]:
        s = with_feature(sample, f)
        free = FREE_PARAMS if f is None else FREE_WITH_FEATURE
        for split in ("week", "walk"):
            e, m = out_of_sample(s, split, free, right_slope=RIGHT_SLOPE)
            rows.append(f"| {name} | {split} | {summary(e[m], sample.vix[m])} |")
            print(rows[-1], flush=True)
    return rows


def nested(sample: QuoteSample, feats: dict[str, np.ndarray], split: str) -> np.ndarray:
    """Outer ``split`` errors when each outer fold picks its feature (or none) by inner leave-one-week-out."""
    qd = sample.points.quote_date
    week = qd.astype("datetime64[W]")
    cands = [("none", None), *feats.items()]
    shifted = {n: with_feature(sample, f) for n, f in cands}
    err = np.full(len(sample), np.nan)
    if split == "week":
        groups = [week == w for w in np.unique(week)]
    else:
        groups = [qd == d for d in np.unique(qd) if d >= np.datetime64("2018-01-16")]
    for test in groups:
        train = ~test if split == "week" else qd < qd[test][0]
        scores = []
        for n, f in cands:
            free = FREE_PARAMS if f is None else FREE_WITH_FEATURE
            inner = np.full(len(sample), np.nan)
            for w in np.unique(week[train]):
                t = train & (week == w)
                srf = fit(shifted[n], train & ~t, free, right_slope=RIGHT_SLOPE)
                inner[t] = shifted[n].model_vol(srf, t) - sample.points.vol[t]
            scores.append((float(np.sqrt(np.nanmean(inner[train] ** 2))), n))
        best = min(scores)[1]
        free = FREE_PARAMS if best == "none" else FREE_WITH_FEATURE
        srf = fit(shifted[best], train, free, right_slope=RIGHT_SLOPE)
        err[test] = 100.0 * (shifted[best].model_vol(srf, test) - sample.points.vol[test])
        print(f"  {split} fold {qd[test][0]}: chose {best}", flush=True)
    return err


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data = next((a for a in args if not a.startswith("--")), "../shared/data")
    sample = load_sample(data)
    feats = features(sample, data)
    print("| feature in ln rho_atm | split | all | VIX < 15 | VIX 15-25 | VIX >= 25 |\n|---|---|---|---|---|---|")
    study(sample, feats)
    if "--nested" in args:
        for split in ("week", "walk"):
            e = nested(sample, feats, split)
            m = np.isfinite(e)
            print(f"| best feature chosen inside each fold | {split} | {summary(e[m], sample.vix[m])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
