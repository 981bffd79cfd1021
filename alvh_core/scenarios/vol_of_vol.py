"""The VIX option premium, measured: implied volatility of VIX options (VVIX) against the volatility the
VX future of the options' expiry then realised, in the data and in the model.

A VIX option is priced (Black-76) on the VX future of its own expiry, so its implied vol is a forecast of
that one contract's volatility from now to expiry, where it settles on VIX. A constant-maturity future is
the wrong yardstick: a mean-reverting VIX makes a future's volatility rise as its expiry nears (the
Samuelson effect), so a fixed-tenor series realises less than the contract an option is written on
(a 30-day constant-maturity series gives a ratio of about 1.5 in the model even when P = Q).

Data (2007 on, where VVIX and VX settlements overlap). For each monthly VX contract, on the day 21 trading
days before its expiry (about the 30 calendar days VVIX measures): VVIX^2 that day against the realised
variance of the contract's daily log changes over those 21 days, the last one into VIX at expiry
(annualised by 252). The premium is ``mean(VVIX^2) / mean(RV^2)`` over contracts (a variance ratio, like
the variance premium's ``mean(VIX^2) / mean(RV21^2)``), with a 90% bootstrap interval over contracts
(the 21-day windows of successive contracts barely overlap).

Model. On simulated real-world paths, every 21 days a contract with 21 days to run is followed to expiry:
its price at m days to expiry is the Q expectation of VIX on the VIX grid pricer
(``alvh_core.scenarios.pricer.vix_pricer``) at the path's state, and the model's VVIX is the Black-76
implied vol of the 21-day at-the-money call on the same grid (computed on a grid of states, interpolated in
log h). With premia off (P = Q) the ratio is about 1 (tested); above 1 is the premium the law carries.
"""
from __future__ import annotations

import numpy as np

from alvh_core.scenarios.hn_garch import TRADING_DAYS

TENOR = 21  # trading days to expiry on the measuring day, about the 30 calendar days of VVIX


def contract_windows(hist, tenor: int = TENOR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start day index, VVIX^2 that day, realised variance to expiry) per VX contract whose expiry is a day
    of ``hist`` with ``tenor`` days before it, VVIX quoted at the start and the contract quoted every day."""
    vvix = getattr(hist, "vvix", None)
    if vvix is None or hist.vx.size == 0:
        return np.empty(0, int), np.empty(0), np.empty(0)
    e_idx = np.searchsorted(hist.dates, hist.vx_expiries)
    inside = e_idx < len(hist)
    inside[inside] &= hist.dates[e_idx[inside]] == hist.vx_expiries[inside]
    cols = np.nonzero(inside & (e_idx >= tenor))[0]
    e = e_idx[cols]
    t0 = e - tenor
    days = t0[:, None] + np.arange(tenor)  # (contracts, tenor): the contract's price these days
    px = hist.vx[days, cols[:, None]]
    px = np.concatenate([px, np.asarray(hist.vix, float)[e][:, None]], axis=1)  # into VIX at expiry
    rv = TRADING_DAYS / tenor * np.sum(np.diff(np.log(px), axis=1) ** 2, axis=1)
    iv2 = (np.asarray(vvix, float)[t0] / 100.0) ** 2
    ok = np.isfinite(rv) & np.isfinite(iv2)
    return t0[ok], iv2[ok], rv[ok]


def vix_option_premium_data(hist, n_boot: int = 4000, seed: int = 5) -> dict | None:
    """The data's VIX option premium (module docstring), or None with fewer than 12 contracts:
    ``{"ratio", "lo", "hi", "mean_vvix", "mean_realised", "contracts", "start", "end"}``."""
    t0, a, b = contract_windows(hist)
    if a.size < 12:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    boot = a[idx].mean(axis=1) / b[idx].mean(axis=1)
    return {"ratio": float(a.mean() / b.mean()), "lo": float(np.quantile(boot, 0.05)),
            "hi": float(np.quantile(boot, 0.95)), "mean_vvix": float(100 * np.sqrt(a).mean()),
            "mean_realised": float(100 * np.sqrt(b).mean()), "contracts": int(a.size),
            "start": str(hist.dates[t0[0]]), "end": str(hist.dates[t0[-1]])}


def model_vvix_on_grid(q, tenor: int = TENOR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Q states h on the VIX grid, F_tenor(h), Black-76 implied vol of the ``tenor``-day ATM VIX call) for
    the risk-neutral law ``q`` (``GarchParams``)."""
    from alvh_core.pricing.implied_vol import black76_implied_vol
    from alvh_core.scenarios.pricer import vix_pricer

    vp = vix_pricer(q, 0.0)
    grid = vp.grid
    fut = vp.values("F", 0.0, tenor)[tenor]
    pick = np.arange(8, grid.size - 8, 8)  # strikes on a sub-grid; interpolated in log h between them
    calls = np.array([vp.values("C", float(fut[g]), tenor)[tenor, g] for g in pick])
    iv = black76_implied_vol(calls, True, fut[pick], fut[pick], tenor / TRADING_DAYS)
    return grid[pick], fut[pick], np.asarray(iv, float)


def premium_on_states(q, hq: np.ndarray, tenor: int = TENOR) -> dict | None:
    """Mean model VVIX^2 over mean realised variance of the contract to expiry, on paths of Q-scaled states
    ``hq`` (N, n) priced by the risk-neutral law ``q``: a contract with ``tenor`` days to run starts every
    ``tenor`` days on every path. ``{"ratio", "mean_vvix", "mean_realised", "contracts"}``."""
    from alvh_core.scenarios.pricer import vix_pricer

    hq = np.asarray(hq, float)
    vp = vix_pricer(q, 0.0)
    table = vp.values("F", 0.0, tenor)  # row m: the future with m days to expiry (row 0: VIX itself)
    starts = np.arange(0, hq.shape[1] - tenor, tenor)
    if starts.size == 0:
        return None
    j = np.arange(tenor + 1)
    states = hq[:, starts[:, None] + j]  # (N, starts, tenor + 1)
    f = vp.evaluate(table, tenor - j, states)
    rv = (TRADING_DAYS / tenor * np.sum(np.diff(np.log(f), axis=-1) ** 2, axis=-1)).ravel()
    hg, _, iv = model_vvix_on_grid(q, tenor)
    good = np.isfinite(iv)
    if good.sum() < 2:
        return None
    a = np.interp(np.log(hq[:, starts]), np.log(hg[good]), iv[good]).ravel() ** 2
    return {"ratio": float(a.mean() / rv.mean()), "mean_vvix": float(100 * np.sqrt(a).mean()),
            "mean_realised": float(100 * np.sqrt(rv).mean()), "contracts": int(a.size)}


def vix_option_premium_model(params, H: np.ndarray, tenor: int = TENOR) -> dict[str, float] | None:
    """The model's VIX option premium on its real-world states ``H`` (N, n) (:func:`premium_on_states`
    with the Q state k h of each real-world state h)."""
    return premium_on_states(params.risk_neutral(), np.asarray(H, float) * params.variance_ratio, tenor)
