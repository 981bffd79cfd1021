"""Joint SPX/VIX paths from the Heston-Nandi GARCH scenario model, priced by the model's own Q law.

Calendar: one step is one NYSE trading day; ``t[j] = j / 252`` years of vol time. Option and VIX
derivative expiries are a whole number of steps: convert a date with :func:`steps_to` and pass
``expiry_t = steps / 252`` (or :meth:`SimulatedPaths.expiry_t`). Discounting uses the same clock
(tau = steps / 252), so a 30-calendar-day option is about 21 steps.

Model and why (see :mod:`alvh_core.scenarios.params` for the P -> Q map):

- Heston-Nandi GARCH(1,1) is discrete and daily, so simulation is exact (no discretisation bias in
  the honesty tests) and the leverage effect is asymmetric by construction: h rises with
  (z - gamma sqrt h)^2, more after down moves than up moves; GARCH clustering gives fat tails of
  unconditional daily returns and crash clusters.
- It is affine: SPX option prices come from a closed-form generating function, the model VIX is
  sqrt(a0 + a1 h*) (a closed function of the state), and the risk-neutral variance is autonomous, so
  VIX futures/options are backward inductions on a 1-D grid. Every instrument is priced by the SAME
  law the paths follow when ``premia=False``: prices along paths are martingales.
- Risk premia (equity premium lam, variance ratio k) are parameters; ``premia=False`` draws paths from
  the risk-neutral law itself (P == Q) so no strategy can find an edge that is not there.

Crash jumps (``load_default_params(jumps=True)``, the default of ``alvh compare`` since issue 11): a Poisson
number of N(-5%, 3%^2) log jumps per day with intensity 40 x h, raising next day's variance, leverage
gamma x2.1 with beta lowered to keep the variance persistence; under Q the intensity is 2x (the crash
premium). Fitted by a method of moments to the 1990-2018 tail table (``alvh_core.scenarios.calibration``,
``DEFAULT_JUMPS``); model vs data in the README section "The market-anchored engine". The model VIX^2 is
the log contract, so it includes the jump variance.

VIX cannot fall below the model floor sqrt(a0 + a1 h_min) of the law; a lower market VIX is clamped and said
so in ``assumptions``. Option/VIX derivative expiries beyond 64 trading days build larger tables on first
use (about 1 s for 300 days).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from alvh_core.models import MarketState, OptionKind
from alvh_core.scenarios.hn_garch import TRADING_DAYS, GarchParams, simulate_returns
from alvh_core.scenarios.params import ModelParams, load_default_params
from alvh_core.scenarios.pricer import (
    SpxTablePricer,
    VixGridPricer,
    event_pattern,
    payoff,
    spx_pricer,
    vix_pricer,
    vix_values_at,
)

#: smallest risk-neutral daily variance used as a starting state (annualised vol ~1.6%)
H_FLOOR = 1e-6


# ---- calendar ------------------------------------------------------------------------------------
def steps_to(expiry: dt.date, asof: dt.date) -> int:
    """NYSE trading days after ``asof`` up to and including ``expiry`` (0 if expiry <= asof).

    XNYS sessions from the one shared calendar (``alvh_core.xnys``: built once, cached on disk); outside
    its span, business days Monday-Friday.
    """
    if expiry <= asof:
        return 0
    from alvh_core.xnys import trading_days

    return trading_days(asof + dt.timedelta(days=1), expiry)


def _step_of(expiry_t: float) -> int:
    n = expiry_t * TRADING_DAYS
    k = int(round(n))
    if abs(n - k) > 1e-6:
        raise ValueError(
            f"expiry_t {expiry_t:g} years is not a whole number of trading-day steps (steps/252); "
            "convert the date with steps_to(expiry, asof) / 252"
        )
    return k


def initial_state(params: ModelParams, vix_points: float) -> tuple[float, bool]:
    """Risk-neutral state h*_{1} whose model VIX equals ``vix_points``; (h*, clamped?)."""
    a0, a1 = params.risk_neutral().vix_coefficients()
    h = ((vix_points / 100.0) ** 2 - a0) / a1
    floor = max(H_FLOOR, params.risk_neutral().omega)
    if h < floor:
        return floor, True
    return h, False


# ---- the path set ----------------------------------------------------------------------------------
class PathClock:
    """Shape and clock of a path set with ``spot`` (N, k+1) and ``asof``: shared by every model's paths."""

    spot: np.ndarray
    asof: dt.date | None

    @property
    def n_paths(self) -> int:
        return int(self.spot.shape[0])

    @property
    def n_steps(self) -> int:
        return int(self.spot.shape[1] - 1)

    def time_to(self, date: dt.date) -> float:
        """``expiry_t`` of a calendar date on this path set's clock: NYSE trading days after ``asof`` / 252."""
        if self.asof is None:
            raise ValueError("these paths have no asof date; use steps_to(expiry, asof) / 252")
        return steps_to(date, self.asof) / TRADING_DAYS


@dataclasses.dataclass(eq=False)
class SimulatedPaths(PathClock):
    """Joint SPX/VIX paths with model prices along them; implements ``scenarios.base.MarketPaths``.

    Shapes: N paths, T+1 dates (column 0 is today).

    - ``t`` (T+1,) years, ``t[j] = j/252``; ``spot`` (N, T+1) SPX points; ``vix`` (N, T+1) decimal;
    - ``h_q`` (N, T+1): risk-neutral daily variance h*_{j+1} known at the close of day j (the state);
    - ``rate``, ``div``: continuously compounded; ``premia``: whether paths follow P (True) or Q.
    Prices are in index points (VIX futures and options in VIX points).
    """

    t: np.ndarray
    spot: np.ndarray
    vix: np.ndarray
    h_q: np.ndarray
    rate: float
    div: float
    params: ModelParams
    premia: bool
    seed: int | None = None
    source: str = "model"
    assumptions: list[str] = dataclasses.field(default_factory=list)
    asof: dt.date | None = None
    #: shocks drawn in +z/-z pairs: path i and path i + N/2 are one sampling unit (see ``edge``)
    antithetic: bool = False
    #: (T,) variance multiplier of each step's return (event days, issue 17), the same in both laws; None: all 1
    event_mult: np.ndarray | None = None
    _stencils: dict = dataclasses.field(default_factory=dict, repr=False)

    @staticmethod
    def expiry_t(steps: int) -> float:
        """The ``expiry_t`` (years) of an instrument expiring after ``steps`` trading days."""
        return steps / TRADING_DAYS

    @property
    def _q(self) -> GarchParams:
        return self.params.risk_neutral()

    def event_pattern(self, n_exp: int) -> tuple[float, ...]:
        """The event multipliers of an expiry ``n_exp`` steps ahead by position from expiry (() if none);
        days past the simulated horizon count 1."""
        return event_pattern(self.event_mult, n_exp)

    def spx_pricer(self, n_exp: int | None = None) -> SpxTablePricer:
        """The SPX pricer of this law for an expiry ``n_exp`` steps ahead (its event days inside the tables)."""
        return spx_pricer(self._q, self.rate, self.div, self.event_pattern(n_exp) if n_exp else ())

    def vix_pricer(self) -> VixGridPricer:
        return vix_pricer(self._q, self.rate)

    def _days_left(self, n_exp: int) -> np.ndarray:
        return n_exp - np.arange(self.n_steps + 1)

    def spx_option(self, kind: OptionKind, strike: float, expiry_t: float) -> tuple[np.ndarray, np.ndarray]:
        """(price, delta), each (N, T+1); on/after expiry the intrinsic value at expiry and delta 0."""
        check_option(kind, strike, "strike must be positive")
        n_exp = _step_of(expiry_t)
        left = self._days_left(n_exp)
        live = int(np.count_nonzero(left > 0))  # columns 0..live-1 are before expiry
        price = np.empty_like(self.spot)
        delta = np.zeros_like(self.spot)
        if live:
            pricer = self.spx_pricer(n_exp)
            stencil = self._stencils.get(n_exp)
            if stencil is None:
                n_left = np.broadcast_to(left[None, :live], (self.n_paths, live))
                stencil = self._stencils[n_exp] = pricer.prepare(n_left, self.h_q[:, :live])
            p, d = pricer.price(
                kind == "C", self.spot[:, :live], strike, left[None, :live], self.h_q[:, :live], stencil
            )
            price[:, :live] = p
            delta[:, :live] = d
        if live <= self.n_steps:
            price[:, live:] = payoff(kind, strike, self.spot[:, n_exp])[:, None]
        return price, delta

    def _vix_instrument(self, kind: str, strike: float, expiry_t: float) -> np.ndarray:
        n_exp = _step_of(expiry_t)
        left = self._days_left(n_exp)
        live = int(np.count_nonzero(left > 0))
        vp = self.vix_pricer()
        out = np.empty_like(self.spot)
        if live:
            table = vp.values(kind, strike, n_exp)
            out[:, :live] = vp.evaluate(table, left[None, :live], self.h_q[:, :live])
        if live <= self.n_steps:
            out[:, live:] = payoff(kind, strike, 100.0 * self.vix[:, n_exp])[:, None]
        return out

    def vix_option_at(self, kind: OptionKind, strike: float | np.ndarray, expiry_t: float, rows: np.ndarray,
                      days: np.ndarray) -> np.ndarray:
        """``vix_option(kind, strike, expiry_t)[rows, days]`` priced at those points only (``strike`` may be
        one per point): the same numbers, without the (N, T+1) table of every strike."""
        return vix_options_at([self.vix_pricer()], np.zeros(np.shape(rows), np.int64), self.h_q, self.vix, kind,
                              strike, expiry_t, rows, days)

    def vix_future(self, expiry_t: float) -> np.ndarray:
        """VIX future (VIX points) at every (path, date); from expiry on, VIX at expiry."""
        return self._vix_instrument("F", 0.0, expiry_t)

    def vix_option(self, kind: OptionKind, strike: float, expiry_t: float) -> np.ndarray:
        """VIX option (VIX points, strike in VIX points) at every (path, date); payoff from expiry on."""
        check_option(kind, strike, "VIX strike must be positive vol points")
        return self._vix_instrument(kind, float(strike), expiry_t)

    def realized_vol(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """(N,) annualised realised vol of daily SPX log returns between steps start and end."""
        end = self.n_steps if end is None else end
        r = np.diff(np.log(self.spot[:, start : end + 1]), axis=1)
        return np.sqrt(TRADING_DAYS * np.mean(r * r, axis=1))


def check_option(kind: str, strike, what: str) -> None:
    """One message for a bad option kind or a non-positive strike (``what``: the strike's message)."""
    if kind not in ("P", "C"):
        raise ValueError(f"option kind must be 'P' or 'C' (got {kind!r})")
    if not np.all(np.asarray(strike, dtype=float) > 0):
        raise ValueError(f"{what} (got {strike!r})")


def vix_options_at(pricers: list[VixGridPricer], which: np.ndarray, h_q: np.ndarray, vix: np.ndarray, kind: str,
                   strike: float | np.ndarray, expiry_t: float, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """VIX option prices at points (rows, days) of paths with states ``h_q`` and VIX ``vix`` (N, T+1), point i
    priced by ``pricers[which[i]]``; on/after expiry the payoff at expiry (as ``SimulatedPaths.vix_option``)."""
    check_option(kind, strike, "VIX strike must be positive vol points")
    rows, days = np.broadcast_arrays(np.asarray(rows, np.intp), np.asarray(days, np.intp))
    strikes = np.broadcast_to(np.asarray(strike, float), rows.shape)
    n_exp = _step_of(expiry_t)
    left = n_exp - days
    live = left > 0
    out = np.empty(rows.shape)
    if live.any():
        out[live] = vix_values_at(pricers, np.broadcast_to(which, rows.shape)[live], kind, strikes[live], n_exp,
                                  left[live], h_q[rows[live], days[live]])
    if not live.all():
        v_exp = 100.0 * vix[rows[~live], n_exp]
        k = strikes[~live]
        out[~live] = np.maximum(v_exp - k, 0.0) if kind == "C" else np.maximum(k - v_exp, 0.0)
    return out


def _rng(seed: int | np.random.Generator) -> tuple[np.random.Generator, int | None]:
    if isinstance(seed, np.random.Generator):
        return seed, None
    return np.random.default_rng(seed), int(seed)


def simulate(
    market: MarketState,
    n_days: int,
    n_paths: int = 4000,
    seed: int | np.random.Generator = 7,
    premia: bool = True,
    params: ModelParams | None = None,
    antithetic: bool = True,
    event_variance: np.ndarray | None = None,
    h_q0: float | None = None,
) -> SimulatedPaths:
    """Simulate ``n_paths`` joint daily SPX/VIX paths over ``n_days`` trading days (exact HN-GARCH).

    ``h_q0``: start in this risk-neutral state h* instead of the one matching ``market.vix`` (the
    market-anchored mixture of :mod:`alvh_core.scenarios.anchor` starts each node in its own state).

    The starting state is set so the model VIX equals ``market.vix``. ``premia=True``: paths follow the
    real-world law (equity and variance premia in); ``premia=False``: paths follow the pricing law.
    ``antithetic``: shocks come in +z/-z pairs (n_paths must then be even), which halves the noise of
    symmetric payoffs without biasing anything. Same seed, same numbers.
    ``event_variance``: optional (n_days,) multipliers of each day's diffusive variance (scheduled event
    days, ``alvh_core.events.event_variance_multipliers``), applied in both laws by :func:`apply_event_variance`;
    the paths keep them (``event_mult``) and price SPX options with the event days before each expiry
    (``pricer.event_pattern``); the model VIX and VIX derivatives do not see them.
    """
    if n_days < 1 or n_days > 2520:
        raise ValueError(f"n_days must be 1-2520 trading days (got {n_days})")
    if n_paths < 2:
        raise ValueError(f"n_paths must be at least 2 (got {n_paths})")
    params = params or load_default_params()
    rng, seed_int = _rng(seed)
    if antithetic:
        if n_paths % 2:
            raise ValueError(f"n_paths must be even with antithetic shocks (got {n_paths})")
        half = rng.standard_normal((n_days, n_paths // 2))
        z = np.concatenate([half, -half], axis=1)
    else:
        z = rng.standard_normal((n_days, n_paths))
    q = params.risk_neutral()
    if h_q0 is None:
        h_q0, clamped = initial_state(params, market.vix)
    else:
        clamped = False
    mu = (market.rate - market.div_yield) / TRADING_DAYS
    # jumps (if any) are drawn after z inside the recursion; without jumps the stream is unchanged
    if premia:
        law = params.real_world()
        R, H = simulate_returns(law, np.full(n_paths, h_q0 / params.variance_ratio), mu, z, rng, antithetic)
        R = apply_event_variance(R, H, z, event_variance)
        H *= params.variance_ratio
    else:
        R, H = simulate_returns(q, np.full(n_paths, h_q0), mu, z, rng, antithetic)
        R = apply_event_variance(R, H, z, event_variance)
    spot = np.empty((n_paths, n_days + 1))
    spot[:, 0] = market.spot
    spot[:, 1:] = market.spot * np.exp(np.cumsum(R, axis=1))
    a0, a1 = q.vix_coefficients()
    vix = np.sqrt(a0 + a1 * H)
    notes = [
        params.describe(),
        f"{n_paths} paths x {n_days} trading days, seed {seed_int if seed_int is not None else 'generator'}, "
        + ("antithetic shocks, " if antithetic else "")
        + ("real-world law with equity and variance premia" if premia else "premia OFF: paths follow the pricing law"),
        f"options, VIX, VIX futures/options priced by the model's risk-neutral law; rate {market.rate:.4f}, "
        f"dividend yield {market.div_yield:.4f}; t = trading days / 252",
    ]
    if market.leg_vols or market.vix_futures:
        notes.append("observed leg vols / VX settles in the market are not used: every price on the paths, "
                     "today's included, is the model's (so the comparison is internally fair)")
    ev = None if event_variance is None else np.asarray(event_variance, float)
    if ev is not None and np.all(ev == 1.0):
        ev = None
    if ev is not None:
        notes.append(f"event days: {int((ev > ev.min()).sum())} of {n_days} days carry {ev.max() / ev.min():.2f}x "
                     "the variance of the others, in both laws; SPX options along the paths are priced with "
                     "the event days before their expiry (the model VIX and VIX derivatives do not see them)")
    if clamped:
        notes.append(
            f"market VIX {market.vix:g} is below the model floor {100 * math.sqrt(a0 + a1 * h_q0):.2f}; "
            "started at the floor"
        )
    return SimulatedPaths(
        t=np.arange(n_days + 1) / TRADING_DAYS,
        spot=spot,
        vix=vix,
        h_q=H,
        rate=market.rate,
        div=market.div_yield,
        params=params,
        premia=premia,
        seed=seed_int,
        assumptions=notes,
        asof=market.asof,
        antithetic=antithetic,
        event_mult=ev,
    )


# ---- event-day variance (issue 17): one narrow hook, the same in both laws -------------------------
def apply_event_variance(R: np.ndarray, H: np.ndarray, z: np.ndarray, mult: np.ndarray | None) -> np.ndarray:
    """Log returns with day j's diffusive variance multiplied by ``mult[j]``.

    ``R`` (N, T) log returns, ``H`` (N, T+1) with ``H[:, j]`` the variance of day j's return, ``z`` (T, N)
    the shocks behind them, ``mult`` (T,) positive (None: ``R`` unchanged). The diffusion part
    ``sqrt(h) z`` becomes ``sqrt(m h) z`` and its convexity ``-h/2`` moves to ``-m h/2``, so
    ``E[exp(R_j) | F_{j-1}]`` is unchanged: discounted SPX stays a martingale under the pricing law and
    the equity premium per day is unchanged under the real-world law. The variance recursion (and any
    jumps) is untouched: an event day's shock does not raise tomorrow's variance more than another's.
    The SPX pricer prices this same law (``hn_garch.log_mgf_coefficients(mult=...)``): keep them together.
    """
    if mult is None:
        return R
    m = np.asarray(mult, dtype=float)
    if m.shape != (R.shape[1],) or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise ValueError(f"event_variance must be {R.shape[1]} positive numbers, one per simulated day "
                         f"(got shape {m.shape})")
    h = H[:, :-1]
    return R + (np.sqrt(m) - 1.0) * np.sqrt(h) * z.T - 0.5 * (m - 1.0) * h


def bootstrap_paths(
    history,
    market: MarketState,
    n_days: int,
    n_paths: int = 4000,
    seed: int | np.random.Generator = 7,
    block: int = 10,
    params: ModelParams | None = None,
) -> SimulatedPaths:
    """Model-free paths: blocks of historical joint daily moves (SPX log return, log VIX change).

    ``history``: an ``alvh_core.history.data.DailyHistory`` (or anything with ``spx`` and ``vix``
    arrays of closes). Blocks of ``block`` consecutive days are drawn uniformly and concatenated,
    rescaled to start at today's SPX and VIX. Prices along the paths use the model pricer with the
    risk-neutral state implied by each day's VIX (clamped at the model floor). Not claimed to be
    arbitrage-consistent: prices along these paths are not martingales. For comparison only.
    """
    params = params or load_default_params()
    spx = np.asarray(history.spx, dtype=float)
    vixh = np.asarray(history.vix, dtype=float)
    ok = np.isfinite(spx) & np.isfinite(vixh) & (spx > 0) & (vixh > 0)
    r = np.diff(np.log(spx[ok]))
    dv = np.diff(np.log(vixh[ok]))
    if r.size < block + 1:
        raise ValueError(f"history too short for blocks of {block} days ({r.size} daily moves)")
    rng, seed_int = _rng(seed)
    n_blocks = -(-n_days // block)
    starts = rng.integers(0, r.size - block + 1, size=(n_paths, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_paths, -1)[:, :n_days]
    spot = np.empty((n_paths, n_days + 1))
    spot[:, 0] = market.spot
    spot[:, 1:] = market.spot * np.exp(np.cumsum(r[idx], axis=1))
    vix_pts = np.empty_like(spot)
    vix_pts[:, 0] = market.vix
    vix_pts[:, 1:] = market.vix * np.exp(np.cumsum(dv[idx], axis=1))
    q = params.risk_neutral()
    a0, a1 = q.vix_coefficients()
    floor = max(H_FLOOR, q.omega)
    h = np.maximum(((vix_pts / 100.0) ** 2 - a0) / a1, floor)
    vix = np.sqrt(a0 + a1 * h)  # the model VIX of the state used for pricing (== history unless floored)
    return SimulatedPaths(
        t=np.arange(n_days + 1) / TRADING_DAYS,
        spot=spot,
        vix=vix,
        h_q=h,
        rate=market.rate,
        div=market.div_yield,
        params=params,
        premia=True,
        seed=seed_int,
        source="bootstrap",
        asof=market.asof,
        assumptions=[
            f"block bootstrap of historical daily (SPX log return, log VIX change), blocks of {block} days, "
            f"{r.size} moves from {getattr(history, 'start', '?')} to {getattr(history, 'end', '?')}",
            "priced by the model's risk-neutral law at the state implied by each day's VIX "
            "(not arbitrage-consistent along these paths; no event-day bump: the resampled days carry their own)",
            params.describe(),
        ],
    )
