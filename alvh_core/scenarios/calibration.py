"""Fit the scenario model to daily SPX/VIX history and report how well it reproduces the data.

Steps (``calibrate``):

1. Real-world Heston-Nandi parameters (omega, alpha, beta, gamma, lam) by Gaussian quasi maximum
   likelihood on daily SPX close-to-close log returns over the span (drift ``mu = 0``: the price index
   has no dividends, lam absorbs the mean), plus ``vix_weight`` (0.1) x the profiled likelihood of the
   log VIX fit error (see ``fit_qmle``). The variance filter starts at the sample variance.
2. The variance risk premium k = h*/h by a 1-D root search so the model VIX along the *filtered*
   history, 100 sqrt(a0(k) + a1(k) k h_t), has the same mean as the actual VIX over the span.
2b. Crash jumps (opt in: ``jumps=DEFAULT_JUMPS``, ``alvh calibrate --jumps``): the jump-free fit gets
   a fixed crash overlay (:class:`JumpOverlay`): intensity ``rate + rate_h * h`` (crashes cluster in stress), log jumps
   N(mean, std^2), variance loading, Q/P intensity ratio; the diffusive variance is scaled by
   ``diffusive_scale`` (alpha, omega x s; gamma / sqrt(s): same leverage persistence) and beta lowered
   by the jump loading delta l1 E[J^2] so the real-world variance persistence is unchanged. The overlay
   (issue 11) also moves part of the variance persistence from beta to the shocks (gamma x
   ``leverage_scale``, beta lowered by alpha gamma^2 (L^2 - 1)) and scales lam; its numbers are a method of
   moments: a search then a short refine (see ``DEFAULT_JUMPS``) scored on the tail table (SPX days < -3%/-5%, VIX > 30/40,
   largest VIX rise, half-life, up/down betas, drift21 at VIX > 40); the variance persistence under Q
   must stay below 1, which caps loading x intensity x ratio. The
   variance ratio k is then matched to the mean VIX over a long simulated real-world path set (the
   jump-free filter no longer applies). ``jumps=None`` (the default) gives the plain fit.
3. A check: a long simulated path set under the fitted real-world law, summarised by the same
   statistics as the data (corr/beta of SPX return vs log VIX change, up/down days; VIX AR(1)
   half-life; mean VIX vs mean realised vol of the next 21 days; tail frequencies).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import optimize

from alvh_core.scenarios.hn_garch import TRADING_DAYS, GarchParams, simulate_returns
from alvh_core.scenarios.params import ModelParams, PremiumRow


class StatRow(BaseModel):
    """One statistic, data against model (model from simulated real-world paths)."""

    model_config = ConfigDict(frozen=True)
    name: str
    data: float
    model: float
    note: str = ""


#: the keys of ``alvh calibrate --json``'s ``data`` and ``model`` objects (a contract: issue 11)
TAIL_KEYS = ("corr", "beta_up", "beta_down", "half_life_days", "vix_gt_30", "vix_gt_40", "spx_lt_3pct_per_1000",
             "spx_lt_5pct_per_1000", "max_vix_rise", "mean_vix", "mean_rv21", "drift21_vix_gt_40",
             "vx_front_over_spot", "vx_m2_over_m1")


class CalibrationReport(BaseModel):
    """Fitted parameters, fit quality and the data-vs-model table.

    ``data`` and ``model``: the same statistics (:data:`TAIL_KEYS`, see :func:`tail_stats`) of the history
    and of simulated real-world paths."""

    model_config = ConfigDict(frozen=True)
    params: ModelParams
    start: dt.date
    end: dt.date
    n_returns: int
    log_likelihood: float
    stats: list[StatRow]
    sim_paths: int
    sim_days: int
    seed: int
    data: dict[str, float | None] = {}
    model: dict[str, float | None] = {}
    premia: list[PremiumRow] = []

    def table(self) -> str:
        lines = [f"{'statistic':<44} {'data':>10} {'model':>10}"]
        for s in self.stats:
            lines.append(f"{s.name:<44} {s.data:>10.4g} {s.model:>10.4g}" + (f"  {s.note}" if s.note else ""))
        return "\n".join(lines)

    def stat(self, name: str) -> StatRow:
        for s in self.stats:
            if s.name == name:
                return s
        raise KeyError(name)


# ---- QMLE ---------------------------------------------------------------------------------------
def _unpack(theta: np.ndarray) -> tuple[float, float, float, float, float]:
    omega = math.exp(theta[0])
    alpha = math.exp(theta[1])
    beta = 1.0 / (1.0 + math.exp(-theta[2]))
    return omega, alpha, beta, float(theta[3]), float(theta[4])


def filter_variance(p: GarchParams, returns: np.ndarray, h1: float, mu: float = 0.0) -> np.ndarray:
    """Filtered daily variances h_t (h[t] is the variance of returns[t]); a loop over days."""
    h = np.empty(returns.size + 1)
    ht = h1
    om, al, be, ga, la = p.omega, p.alpha, p.beta, p.gamma, p.lam
    for t, r in enumerate(returns.tolist()):
        h[t] = ht
        sq = math.sqrt(ht)
        z = (r - mu - la * ht) / sq
        ht = om + be * ht + al * (z - ga * sq) ** 2
    h[-1] = ht
    return h


def _neg_loglik(theta: np.ndarray, returns: list[float], log_vix: list[float] | None, h1: float,
                vix_weight: float) -> float:
    """Negative quasi log likelihood: Gaussian returns (+ weighted log-VIX fit error, profiled)."""
    try:
        om, al, be, ga, la = _unpack(theta[:5])
    except OverflowError:  # the optimiser wandered off to exp(>709)
        return 1e10
    if be + al * ga * ga >= 0.9999:
        return 1e10
    a0 = a1k = 0.0
    if log_vix is not None:
        k = 1.0 + math.exp(theta[5])
        if k > 5.0:
            return 1e10
        try:
            q = ModelParams(omega=om, alpha=al, beta=be, gamma=ga, lam=la, variance_ratio=k).risk_neutral()
        except ValueError:
            return 1e10
        a0, a1 = q.vix_coefficients()
        a1k = a1 * k
    ht = h1
    ll = 0.0
    se = 0.0
    log = math.log
    sqrt = math.sqrt
    for t, r in enumerate(returns):
        sq = sqrt(ht)
        z = (r - la * ht) / sq
        ll += log(ht) + z * z
        if log_vix is not None:
            e = log_vix[t] - 0.5 * log(a0 + a1k * ht)
            se += e * e
        ht = om + be * ht + al * (z - ga * sq) ** 2
        if ht <= 1e-12:
            return 1e10
    out = 0.5 * ll
    if log_vix is not None:
        out += vix_weight * 0.5 * len(returns) * log(se / len(returns))
    return out


def fit_qmle(
    returns: np.ndarray, vix_points: np.ndarray | None = None, vix_weight: float = 0.1,
    start: GarchParams | None = None,
) -> tuple[GarchParams, float]:
    """Quasi maximum likelihood of the real-world HN-GARCH; (params, Gaussian return log likelihood).

    ``returns`` (n,) daily log returns. With ``vix_points`` ((n,) VIX at the close BEFORE each
    return) the objective adds ``vix_weight`` x the profiled Gaussian log likelihood of
    ln VIX - ln model VIX(h_t) (a joint returns + VIX fit; the weight balances the return fit, which
    alone gives too short a VIX half-life and too high a VIX floor, against the VIX fit, which alone
    gives too long a half-life and a weak leverage beta).
    """
    r = np.asarray(returns, dtype=float)
    h1 = float(np.var(r))
    s = start or GarchParams(omega=1e-7, alpha=3e-6, beta=0.85, gamma=200.0, lam=2.0)
    theta0 = [math.log(max(s.omega, 1e-12)), math.log(s.alpha), math.log(s.beta / (1 - s.beta)), s.gamma, s.lam]
    lv = None
    if vix_points is not None:
        lv = np.log(np.asarray(vix_points, dtype=float) / 100.0).tolist()
        theta0.append(math.log(0.3))
    rl = r.tolist()
    args = (rl, lv, h1, vix_weight)
    res = optimize.minimize(_neg_loglik, np.array(theta0), args=args, method="Nelder-Mead",
                            options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6})
    res = optimize.minimize(_neg_loglik, res.x, args=args, method="Nelder-Mead",
                            options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7})
    om, al, be, ga, la = _unpack(res.x[:5])
    p = GarchParams(om, al, be, ga, la)
    ll = -_neg_loglik(res.x[:5], rl, None, h1, 0.0) - 0.5 * r.size * math.log(2 * math.pi)
    return p, float(ll)


def fit_variance_ratio(p: GarchParams, h_filtered: np.ndarray, mean_vix_points: float) -> float:
    """k >= 1 such that the mean model VIX along the filtered history equals ``mean_vix_points``."""

    def model_mean(k: float) -> float:
        q = ModelParams(omega=p.omega, alpha=p.alpha, beta=p.beta, gamma=p.gamma, lam=p.lam,
                        variance_ratio=k).risk_neutral()
        a0, a1 = q.vix_coefficients()
        return float(np.mean(100.0 * np.sqrt(a0 + a1 * k * h_filtered)))

    lo, hi = 1.0, 1.0
    if model_mean(lo) >= mean_vix_points:
        return 1.0
    while model_mean(hi) < mean_vix_points:
        hi *= 1.25
        if hi > 5.0:
            raise ValueError("no variance ratio up to 5 reproduces the mean VIX")
    return float(optimize.brentq(lambda k: model_mean(k) - mean_vix_points, lo, hi, xtol=1e-6))


class JumpOverlay(BaseModel):
    """Crash-jump settings added to the jump-free QMLE fit (see the module docstring, step 2b)."""

    model_config = ConfigDict(frozen=True)
    rate: float = 0.0
    rate_h: float = 20.0
    mean: float = -0.06
    std: float = 0.03
    var_loading: float = 0.03
    rate_ratio: float = 4.0
    diffusive_scale: float = 0.9
    #: gamma x this with beta lowered by alpha gamma^2 (L^2 - 1): the same variance persistence, a larger share
    #: of it from the shocks (a fatter VIX distribution: VIX above 30/40 as often as in the data)
    leverage_scale: float = 1.0
    #: lam x this (0: the equity premium comes from the crash premium alone)
    lam_scale: float = 1.0


#: Method of moments (issue 11). A first grid (leverage_scale 1-2.2, rate_h 20-60, mean -4..-6%, loading 0-0.03,
#: Q/P ratio 2-4, lam x 0-1; 60 stationary 7,300-day real-world paths each, the variance ratio re-matched to the mean
#: VIX) gave FIRST_FIT_JUMPS (5 of 9 targets on 1990-2018). ``bench/tail_fit.py`` searched again (chosen on
#: 1990-2010, checked on 2011-2018): its best, 0.001 + 25 h crashes of N(-5.6%, 2.9%^2) loading next day's variance
#: 0.052 at leverage x1.46, met 8 of 9 on 1990-2018 (the largest VIX rise 1.56x the missed one). A short refine of it
#: on the 1990-2018 table (200 paths, seeds 11-13; 18 overlays: loading 0.043-0.052, leverage x1.46-1.9, rate
#: 0.001-0.0015, std 2.6-2.9%) gave the shipped law: leverage x1.85 and loading 0.044, 9 of 9 at seeds 11 and 12,
#: 8 of 9 at seed 13 (the VIX rise 1.51x); on the 1990-2010 QMLE it meets 8 of 9 there and 1 of 9 on 2011-2018.
#: Honesty (tests/test_edge_model.py, test_edge_jumps.py, test_events_pricing.py) and the chunked compare
#: (tests/test_edge_chunks.py) pass with it. The README ("Crash tails on by default") lists model vs data.
DEFAULT_JUMPS = JumpOverlay(rate=0.001, rate_h=25.0, mean=-0.056, std=0.029, var_loading=0.044, rate_ratio=2.0,
                            diffusive_scale=0.86, leverage_scale=1.85, lam_scale=0.0)
#: the first fit (5 of 9 targets on 1990-2018), shipped before
FIRST_FIT_JUMPS = JumpOverlay(rate_h=40.0, mean=-0.05, std=0.03, var_loading=0.015, rate_ratio=2.0,
                              diffusive_scale=0.9, leverage_scale=2.1, lam_scale=0.0)
#: the best tail overlay found without constant-rate crashes (8 of 9 targets on 1990-2018, SPX < -3% missed at -41%)
TAIL_CANDIDATE = JumpOverlay(rate=0.0, rate_h=30.0, mean=-0.056, std=0.029, var_loading=0.052, rate_ratio=2.0,
                             diffusive_scale=0.86, leverage_scale=1.46, lam_scale=0.0)


def with_jumps(p: GarchParams, j: JumpOverlay) -> dict:
    """ModelParams keyword arguments (without variance_ratio) of the jump-free fit ``p`` plus the overlay."""
    m2 = j.mean**2 + j.std**2
    s = j.diffusive_scale
    g = j.leverage_scale
    return dict(omega=p.omega * s, alpha=p.alpha * s, gamma=p.gamma / math.sqrt(s) * g,
                beta=p.beta - j.var_loading * j.rate_h * m2 - p.alpha * p.gamma**2 * (g * g - 1.0),
                lam=p.lam * j.lam_scale,
                jump_rate=j.rate, jump_rate_h=j.rate_h, jump_mean=j.mean, jump_std=j.std,
                jump_var=j.var_loading, jump_rate_ratio=j.rate_ratio)


def fit_variance_ratio_simulated(kwargs: dict, mean_vix_points: float, n_paths: int = 200, n_days: int = 7300,
                                 seed: int = 29) -> float:
    """k >= 1 so the mean model VIX over a long stationary real-world simulation equals ``mean_vix_points``.

    The real-world law does not depend on k, so one simulation serves the whole root search."""
    p = ModelParams(**kwargs, variance_ratio=1.0).real_world()
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((500 + n_days, n_paths))
    _, H = simulate_returns(p, np.full(n_paths, p.long_run_variance), 0.0, z, rng)
    h = H[:, 500::5]

    def gap(k: float) -> float:
        try:
            q = ModelParams(**kwargs, variance_ratio=k).risk_neutral()
        except ValueError:
            return 1e6
        a0, a1 = q.vix_coefficients()
        return float(np.mean(100.0 * np.sqrt(a0 + a1 * k * h))) - mean_vix_points

    if gap(1.0) >= 0:
        return 1.0
    hi = 1.0
    while gap(hi) < 0:
        hi *= 1.25
        if hi > 5.0:
            raise ValueError("no variance ratio up to 5 reproduces the mean VIX")
    return float(optimize.brentq(gap, 1.0, hi, xtol=1e-6))


# ---- statistics ---------------------------------------------------------------------------------
def _ols_beta(x: np.ndarray, y: np.ndarray) -> float:
    xc = x - x.mean()
    return float(np.dot(xc, y - y.mean()) / np.dot(xc, xc))


def joint_stats(r: np.ndarray, vix_points: np.ndarray) -> dict[str, float]:
    """Statistics of daily SPX log returns ``r`` (n,) and VIX closes (n+1,) in points.

    2-D inputs (paths x days) are pooled over paths (each path's own differences)."""
    r = np.atleast_2d(r)
    v = np.atleast_2d(vix_points)
    dlv = np.diff(np.log(v), axis=1)
    rr, dd = r.ravel(), dlv.ravel()
    up, down = rr > 0, rr < 0
    # VIX AR(1) on levels, pooled within paths
    x, y = v[:, :-1].ravel(), v[:, 1:].ravel()
    phi = _ols_beta(x, y)
    # realised vol over the next 21 days vs VIX that day
    n = r.shape[1]
    win = 21
    c = np.concatenate([np.zeros((r.shape[0], 1)), np.cumsum(r * r, axis=1)], axis=1)
    rv = np.sqrt(TRADING_DAYS / win * (c[:, win:] - c[:, :-win]))  # rv[:, i] covers r[i..i+20]
    # VIX at close of day i (v[:, i]) looks at returns r[i .. i+20] (the next 21 days)
    vix_for_rv = v[:, : n - win + 1]
    return {
        "corr(r, dlnVIX)": float(np.corrcoef(rr, dd)[0, 1]),
        "beta dlnVIX on r": _ols_beta(rr, dd),
        "beta dlnVIX on r, up days": _ols_beta(rr[up], dd[up]),
        "beta dlnVIX on r, down days": _ols_beta(rr[down], dd[down]),
        "VIX AR(1) half-life, trading days": float(math.log(0.5) / math.log(phi)) if 0 < phi < 1 else float("inf"),
        "mean VIX": float(v.mean()),
        "mean realised vol next 21d (points)": float(100.0 * rv.mean()),
        "share of days VIX > RV21": float(np.mean(vix_for_rv > 100.0 * rv)),
        "daily SPX std (annualised, %)": float(100.0 * rr.std() * math.sqrt(TRADING_DAYS)),
        "freq SPX day < -3% (per 1000 days)": float(1000 * np.mean(rr < math.log(0.97))),
        "freq SPX day < -5% (per 1000 days)": float(1000 * np.mean(rr < math.log(0.95))),
        "freq VIX > 30 (share of days)": float(np.mean(v > 30.0)),
        "freq VIX > 40 (share of days)": float(np.mean(v > 40.0)),
    }


def tail_stats(r: np.ndarray, vix_points: np.ndarray, vx_front: np.ndarray | None = None,
               vx_m2: np.ndarray | None = None) -> dict[str, float | None]:
    """The statistics of :data:`TAIL_KEYS` for daily SPX log returns ``r`` (n,) or (N, n) and VIX closes
    (n+1,) or (N, n+1) in points; ``vx_front`` / ``vx_m2``: front and second VX future on the same days as
    the VIX closes (NaN where missing; None: the two VX keys are None).

    ``corr``: corr(r, d ln VIX); ``beta_up``/``beta_down``: OLS beta of d ln VIX on r on up/down days;
    ``half_life_days``: VIX AR(1) half-life (trading days); ``vix_gt_30``/``vix_gt_40``: share of days;
    ``spx_lt_3pct_per_1000``/``spx_lt_5pct_per_1000``: days with a simple return below -3%/-5% per 1000;
    ``max_vix_rise``: largest one-day VIX rise (0.5 = +50%; with several paths the median over paths of each path's
    largest, so a model path set is compared with one history of the same length, not with the largest of all
    its days); ``mean_vix``; ``mean_rv21``: mean realised vol of
    the next 21 days (points); ``drift21_vix_gt_40``: mean next-21-day SPX return (%) on days VIX > 40 (None
    without such days); ``vx_front_over_spot``: share of days the front VX future is above spot VIX;
    ``vx_m2_over_m1``: mean ratio of the second to the front VX future.
    """
    base = joint_stats(r, vix_points)
    r2 = np.atleast_2d(r)
    v2 = np.atleast_2d(vix_points)
    rise = np.exp(np.diff(np.log(v2), axis=1)) - 1.0
    c = np.concatenate([np.zeros((r2.shape[0], 1)), np.cumsum(r2, axis=1)], axis=1)
    fwd21 = c[:, 21:] - c[:, :-21]  # log return over the 21 days after the close of day i
    hi = v2[:, : fwd21.shape[1]] > 40.0
    drift = float(100.0 * np.mean(np.expm1(fwd21[hi]))) if hi.any() else None
    out: dict[str, float | None] = {
        "corr": base["corr(r, dlnVIX)"],
        "beta_up": base["beta dlnVIX on r, up days"],
        "beta_down": base["beta dlnVIX on r, down days"],
        "half_life_days": base["VIX AR(1) half-life, trading days"],
        "vix_gt_30": base["freq VIX > 30 (share of days)"],
        "vix_gt_40": base["freq VIX > 40 (share of days)"],
        "spx_lt_3pct_per_1000": base["freq SPX day < -3% (per 1000 days)"],
        "spx_lt_5pct_per_1000": base["freq SPX day < -5% (per 1000 days)"],
        "max_vix_rise": float(np.median(rise.max(axis=1))),
        "mean_vix": base["mean VIX"],
        "mean_rv21": base["mean realised vol next 21d (points)"],
        "drift21_vix_gt_40": drift,
        "vx_front_over_spot": None,
        "vx_m2_over_m1": None,
    }
    if vx_front is not None:
        f = np.atleast_2d(vx_front)
        ok = np.isfinite(f)
        if ok.any():
            out["vx_front_over_spot"] = float(np.mean(f[ok] > v2[ok]))
        if vx_m2 is not None:
            m2 = np.atleast_2d(vx_m2)
            ok2 = ok & np.isfinite(m2) & (f > 0)
            if ok2.any():
                out["vx_m2_over_m1"] = float(np.mean(m2[ok2] / f[ok2]))
    return out


def vx_front_second(hist) -> tuple[np.ndarray, np.ndarray]:
    """(front, second) VX future price (points) per day of ``hist``: the quoted contracts expiring after the
    day, nearest first (NaN when fewer are quoted)."""
    n = len(hist)
    front = np.full(n, np.nan)
    second = np.full(n, np.nan)
    if hist.vx.size == 0:
        return front, second
    live = (hist.vx_expiries[None, :] > hist.dates[:, None]) & np.isfinite(hist.vx)
    rank = np.cumsum(live, axis=1)
    rows = np.arange(n)
    for k, out in ((1, front), (2, second)):
        hit = live & (rank == k)
        has = hit.any(axis=1)
        col = np.argmax(hit, axis=1)
        out[has] = hist.vx[rows[has], col[has]]
    return front, second


def model_vx(params: ModelParams, h_real: np.ndarray, cycle: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Model front and second VX futures on simulated real-world states ``h_real`` (N, n): a monthly expiry
    cycle of ``cycle`` trading days (front tenor cycle..1 days, second 21 days longer), priced under Q."""
    from alvh_core.scenarios.pricer import vix_pricer

    q = params.risk_neutral()
    vp = vix_pricer(q, 0.0)
    table = vp.values("F", 0.0, 2 * cycle)
    hq = h_real * params.variance_ratio
    m1 = cycle - (np.arange(hq.shape[1]) % cycle)
    front = vp.evaluate(table, np.broadcast_to(m1, hq.shape), hq)
    second = vp.evaluate(table, np.broadcast_to(m1 + cycle, hq.shape), hq)
    return front, second


def premia_table(params: ModelParams, r: np.ndarray, vix: np.ndarray, vx_front: np.ndarray, days_to_exp: np.ndarray,
                 vix_at_exp: np.ndarray, R: np.ndarray, V: np.ndarray, H: np.ndarray, hist=None) -> list[PremiumRow]:
    """The five premia between the pricing law and the real-world law, model value against the data.

    variance: Q/P variance ratio k (data: mean VIX^2 / mean realised variance of the next 21 days);
    crash: Q/P crash intensity (data: not identified from daily closes alone; fixed by the grid fit);
    equity: real-world mean SPX log return + half its variance, % a year (data: the same from the closes);
    VX roll: mean front VX future minus VIX at that future's expiry, points (data: VX history; model:
    simulated real-world paths with model futures on a 21-day cycle); VIX option: VVIX^2 over the realised
    variance of the option's own VX future to expiry (data: ``hist``'s VVIX and VX contracts, with a 90%
    bootstrap interval; model: the same on the simulated paths, :mod:`alvh_core.scenarios.vol_of_vol`).
    """
    from alvh_core.scenarios.vol_of_vol import vix_option_premium_data, vix_option_premium_model

    n = r.size
    c = np.concatenate([[0.0], np.cumsum(r * r)])
    rv2 = TRADING_DAYS / 21 * (c[21:] - c[:-21])
    var_data = float(np.mean((vix[: rv2.size] / 100.0) ** 2) / np.mean(rv2))
    eq_data = float(100 * TRADING_DAYS * (r.mean() + 0.5 * r.var()))
    eq_model = float(100 * TRADING_DAYS * (R.mean() + 0.5 * R.var()))
    ok = np.isfinite(vx_front) & np.isfinite(vix_at_exp) & (days_to_exp >= 1)
    roll_data = float(np.mean(vx_front[ok] - vix_at_exp[ok])) if ok.any() else None
    m1, _ = model_vx(params, H)
    cycle = 21
    j = np.arange(V.shape[1])
    exp_idx = j + (cycle - (j % cycle))
    valid = exp_idx < V.shape[1]
    roll_model = float(np.mean(m1[:, valid] - V[:, exp_idx[valid]]))
    return [
        PremiumRow(name="variance premium", value=params.variance_ratio, data=var_data, unit="x (Q/P variance)",
                   note="model: ratio of risk-neutral to real-world daily variance; data: mean VIX^2 / mean RV21^2"),
        PremiumRow(name="crash premium", value=params.jump_rate_ratio if params.has_jumps else 1.0, data=None,
                   unit="x (Q/P crash intensity)", note="not identified by daily closes; fixed by the grid fit"),
        PremiumRow(name="equity premium", value=eq_model, data=eq_data, unit="% a year",
                   note=f"lam {params.lam:.2f} per unit of daily variance; over {n} days"),
        PremiumRow(name="VX roll premium", value=roll_model, data=roll_data, unit="points (front future - VIX at expiry)",
                   note="model: real-world paths, futures priced under Q"),
        vix_option_row(vix_option_premium_model(params, H),
                       vix_option_premium_data(hist) if hist is not None else None),
    ]


def vix_option_row(model: dict | None, data: dict | None) -> PremiumRow:
    """The VIX option premium's row: model and data ratio VVIX^2 / realised variance (None: not measured)."""
    note = "VVIX^2 / realised variance of the option's VX future to expiry (21 days)"
    if data is not None:
        note += (f"; data {data['contracts']} VX contracts {data['start'][:4]}-{data['end'][:4]}: "
                 f"{data['ratio']:.2f} [{data['lo']:.2f}, {data['hi']:.2f}] 90%, VVIX {data['mean_vvix']:.1f} vs "
                 f"realised {data['mean_realised']:.1f}")
    else:
        note += "; data: no VVIX and VX contracts in the span"
    if model is not None:
        note += f"; model VVIX {model['mean_vvix']:.1f} vs realised {model['mean_realised']:.1f} (about 1.02-1.09 when P = Q: the measure's own smile bias, larger with larger crashes)"
    return PremiumRow(name="VIX option premium", value=None if model is None else model["ratio"],
                      data=None if data is None else data["ratio"], unit="x (VVIX^2 / realised VX variance)",
                      note=note)


def vx_front_expiry_vix(hist) -> tuple[np.ndarray, np.ndarray]:
    """(trading days to the front future's expiry, VIX at that expiry) per day of ``hist`` (NaN if unknown)."""
    n = len(hist)
    days = np.full(n, np.nan)
    at = np.full(n, np.nan)
    if hist.vx.size == 0:
        return days, at
    live = (hist.vx_expiries[None, :] > hist.dates[:, None]) & np.isfinite(hist.vx)
    has = live.any(axis=1)
    exp = hist.vx_expiries[np.argmax(live, axis=1)]
    idx = np.searchsorted(hist.dates, exp)
    inside = has & (idx < n)
    inside[inside] &= hist.dates[idx[inside]] == exp[inside]
    days[inside] = idx[inside] - np.arange(n)[inside]
    at[inside] = hist.vix[idx[inside]]
    return days, at


def simulate_stationary_states(params: ModelParams, n_paths: int, n_days: int, seed: int, burn: int = 500
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`simulate_stationary`, plus the real-world states H (N, n_days + 1)."""
    p = params.real_world()
    q = params.risk_neutral()
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((burn + n_days, n_paths))
    R, H = simulate_returns(p, np.full(n_paths, p.long_run_variance), 0.0, z, rng)
    a0, a1 = q.vix_coefficients()
    vix = 100.0 * np.sqrt(a0 + a1 * params.variance_ratio * H[:, burn:])
    return R[:, burn:], vix, H[:, burn:]


def simulate_stationary(params: ModelParams, n_paths: int, n_days: int, seed: int, burn: int = 500
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Real-world paths started in the stationary regime: (returns (N, n_days), VIX points (N, n_days+1))."""
    r, vix, _ = simulate_stationary_states(params, n_paths, n_days, seed, burn)
    return r, vix


# ---- data ---------------------------------------------------------------------------------------
def load_joint_closes(data_dir: str | Path, start: dt.date | None = None, end: dt.date | None = None):
    """Aligned (dates, spx, vix) closes from the history loader; raises ValueError on bad files."""
    from alvh_core.history.data import load_daily

    hist = load_daily(data_dir)
    hist = hist.slice(start, end)
    if len(hist) < 300:
        raise ValueError(f"need at least 300 common SPX/VIX days to calibrate (got {len(hist)})")
    return hist


def calibrate(
    data_dir: str | Path,
    start: dt.date | None = None,
    end: dt.date | None = None,
    n_paths: int = 200,
    seed: int = 11,
    vix_weight: float = 0.1,
    jumps: JumpOverlay | None = None,
) -> CalibrationReport:
    """Fit the model on the span (default: every day of the data given) and compare simulated statistics with
    the data (``jumps=None``: no jumps)."""
    hist = load_joint_closes(data_dir, start, end)
    spx = np.asarray(hist.spx, dtype=float)
    vix = np.asarray(hist.vix, dtype=float)
    r = np.diff(np.log(spx))
    if np.count_nonzero(r) < 250 or not np.all(np.isfinite(r)):
        raise ValueError(f"SPX closes move on only {np.count_nonzero(r)} of {r.size} days: need at least 250 "
                         "nonzero daily returns to fit the variance model")
    p, ll = fit_qmle(r, vix[:-1], vix_weight=vix_weight)
    # h[t] is the variance of r[t] = ln(spx[t+1]/spx[t]), known at the close t: it goes with vix[t]
    s0, s1 = hist.start, hist.end
    how = (f"fitted by alvh calibrate on {s0}..{s1} ({r.size} daily SPX log returns; QMLE of returns "
           f"+ {vix_weight:g} x log-VIX fit; variance ratio matched to mean VIX {vix[:-1].mean():.2f}")
    if jumps is None:
        h = filter_variance(p, r, float(np.var(r)))[:-1]
        k = fit_variance_ratio(p, h, float(vix[:-1].mean()))
        params = ModelParams(omega=p.omega, alpha=p.alpha, beta=p.beta, gamma=p.gamma, lam=p.lam, variance_ratio=k,
                             provenance=how + ")")
    else:
        kwargs = with_jumps(p, jumps)
        k = fit_variance_ratio_simulated(kwargs, float(vix[:-1].mean()))
        params = ModelParams(**kwargs, variance_ratio=k,
                             provenance=how + " on simulated paths; crash-jump overlay and leverage shift fixed by a "
                             "method of moments on the 1990-2018 tail table, see alvh_core.scenarios.calibration)")
    data = joint_stats(r, vix)
    n_days = r.size
    R, V, H = simulate_stationary_states(params, n_paths, n_days, seed)
    model = joint_stats(R, V)
    stats = [StatRow(name=name, data=data[name], model=model[name]) for name in data]
    f1, f2 = vx_front_second(hist)
    tail_data = tail_stats(r, vix, f1, f2)
    m1, m2 = model_vx(params, H)
    tail_model = tail_stats(R, V, m1, m2)
    d_exp, v_exp = vx_front_expiry_vix(hist)
    prem = premia_table(params, r, vix, f1, d_exp, v_exp, R, V, H, hist)
    return CalibrationReport(params=params, start=s0, end=s1, n_returns=int(r.size), log_likelihood=ll,
                             stats=stats, sim_paths=n_paths, sim_days=n_days, seed=seed, data=tail_data,
                             model=tail_model, premia=prem)
