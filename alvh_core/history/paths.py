"""``HistoricalPaths``: real history in the shape of :class:`alvh_core.scenarios.base.MarketPaths`.

Each row is one trade: the trading days ``start_idx[i], start_idx[i]+1, ...`` of a
:class:`~alvh_core.history.data.DailyHistory`, up to the row's last day ``end_idx[i]`` (its condor's
expiry); after that the row is padded with the last day (prices frozen at their settlement or last mark).

Prices come from the data of each day (see :mod:`alvh_core.history.surface`): SPX options by BSM on the
day's close on THE SPX surface given that day's VIX/VIX9D/VIX3M/SKEW (the fitted surface weighs VIX only:
``surface.surface_inputs``), VIX options by Black-76 on the day's VX
contract price (or THE VIX futures curve) on THE VIX option smile scaled by VVIX. ``input_counts`` says how many of the priced cells
had each index in the data and how many a model.

Extension of the protocol (additive): ``strike`` and ``expiry_t`` may be floats (as in the protocol) or
(N,) arrays with one value per row, because every historical trade has its own strikes and expiry.
``t_rows`` (N, T+1) holds each row's own ACT/365 years since its start; ``t`` is ``t_rows[0]`` (exact for
a single row; for a batch the rows' calendars differ and ``t_rows`` is the one to use).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from alvh_core.history import surface
from alvh_core.history.data import DailyHistory
from alvh_core.models import OptionKind
from alvh_core.pricing import black76, bsm

DAYS = 365.0
_EPS_T = 0.5 / DAYS  # half a day: "on or after expiry" tolerance


class HistoricalPaths:
    """N trades x (T+1) trading days of real history (see module docstring).

    Parameters: ``history``; ``start_idx`` (N,) row start day indices; ``end_idx`` (N,) last day of
    each row (inclusive, >= start); ``n_steps`` T (default: the longest row); ``rate``/``div``
    continuously compounded decimals (constant: the files hold no rate history).
    """

    def __init__(self, history: DailyHistory, start_idx: np.ndarray, end_idx: np.ndarray,
                 n_steps: int | None = None, rate: float = 0.03, div: float = 0.018,
                 settle_on_open: bool = False) -> None:
        start_idx = np.asarray(start_idx, dtype=np.int64).reshape(-1)
        end_idx = np.asarray(end_idx, dtype=np.int64).reshape(-1)
        if start_idx.shape != end_idx.shape or np.any(end_idx < start_idx) or np.any(end_idx >= len(history)):
            raise ValueError("end_idx must match start_idx, be >= it and inside the history")
        T = int((end_idx - start_idx).max()) if n_steps is None else int(n_steps)
        self.history = history
        self.rate = float(rate)
        self.div = float(div)
        #: SPX options settle on the expiry day's open (AM settlement, the SOQ approximated by the open) where
        #: the history has a reliable open that day, else on its close
        self.settle_on_open = bool(settle_on_open)
        self.start_idx = start_idx
        self.end_idx = end_idx
        j = np.arange(T + 1)
        #: (N, T+1) history day index of each cell (frozen at the row's end)
        self.idx = np.minimum(start_idx[:, None] + j[None, :], end_idx[:, None])
        #: (N, T+1) True while the row is live (on or before its last day)
        self.alive = (start_idx[:, None] + j[None, :]) <= end_idx[:, None]
        self.dates = history.dates[self.idx]
        self.start_dates = history.dates[start_idx]
        self.t_rows = (self.dates - self.start_dates[:, None]).astype(np.int64) / DAYS
        self.t = self.t_rows[0].copy()
        self.spot = history.spx[self.idx]
        self.vix = history.vix[self.idx] / 100.0
        self._skew = history.skew[self.idx]
        self._vix9d = history.vix9d[self.idx]
        self._vix3m = history.vix3m[self.idx]
        self._vvix = history.vvix[self.idx]
        #: (N, T+1) NYSE advancing / declining issues (NaN without data), None without a breadth file
        self.advances = None if history.advances is None else history.advances[self.idx]
        self.declines = None if history.declines is None else history.declines[self.idx]
        #: counts of priced cells by input source, e.g. {'spx_term:real': 120, 'vx:model': 30}
        self.input_counts: Counter[str] = Counter()

    # ----- helpers ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.spot.shape

    def _per_row(self, x: float | np.ndarray) -> np.ndarray:
        """(N, 1) column of a float or an (N,) array."""
        return np.broadcast_to(np.asarray(x, dtype=float).reshape(-1, 1), (self.shape[0], 1))

    def _expiry_col(self, expiry_t: np.ndarray) -> np.ndarray:
        """(N,) first column with t_rows >= expiry_t (T+1 if the row never gets there)."""
        reached = self.t_rows >= np.asarray(expiry_t).reshape(-1, 1) - _EPS_T
        return np.where(reached.any(axis=1), reached.argmax(axis=1), self.shape[1])

    def _freeze_after(self, values: np.ndarray, col: np.ndarray, settle: np.ndarray) -> np.ndarray:
        """Replace columns >= col[i] of row i by settle[i]."""
        j = np.arange(self.shape[1])[None, :]
        return np.where(j >= col[:, None], settle[:, None], values)

    def _count(self, key: str, mask: np.ndarray) -> None:
        self.input_counts[key] += int(np.count_nonzero(mask))

    # ----- MarketPaths -----------------------------------------------------------------------
    def spx_option(self, kind: OptionKind, strike: float | np.ndarray, expiry_t: float | np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Price and delta (N, T+1) of a European SPX option; intrinsic at expiry held after it."""
        K = self._per_row(strike)
        et = self._per_row(expiry_t)
        tau = et - self.t_rows
        live = tau > _EPS_T
        is_call = kind == "C"
        fwd = bsm.forward(self.spot, tau, self.rate, self.div)
        vol = surface.day_vol(K, fwd, tau, self.vix * 100.0, self._vix9d, self._vix3m, self._skew)
        g = bsm.greeks(is_call, self.spot, K, np.where(live, tau, 0.0), vol, self.rate, self.div)
        col = self._expiry_col(et[:, 0])
        s_exp = self.settlement_spx(col)
        payoff = np.maximum(s_exp - K[:, 0], 0.0) if is_call else np.maximum(K[:, 0] - s_exp, 0.0)
        price = self._freeze_after(g.price, col, payoff)
        delta = np.where(live, g.delta, 0.0)
        self._count_spx_inputs(live & self.alive)
        return price, delta

    def lookback(self, name: str, days: int) -> np.ndarray | None:
        """(N, days) values of the history's series ``name`` ('spx', 'vix' (points), 'advances', 'declines') on
        the ``days`` trading days before each row's first day (the first day of the history repeated where the
        history starts later): indicators along a row can then start warm instead of with ``days`` of NaN.
        None when the history has no such series (no breadth file)."""
        series = getattr(self.history, name, None)
        if series is None:
            return None
        idx = np.maximum(self.start_idx[:, None] - days + np.arange(days)[None, :], 0)
        return np.asarray(series, float)[idx]

    def vix_lookback(self, days: int) -> np.ndarray:
        """(N, days) VIX closes (points) before each row's first day (``lookback('vix', days)``)."""
        out = self.lookback("vix", days)
        assert out is not None
        return out

    def event_days(self, kinds: tuple[str, ...] = ("fomc", "cpi"), calendar=None) -> np.ndarray:  # type: ignore[no-untyped-def]
        """(N, T+1) bool: the cell's date carries a scheduled event of ``kinds`` (the product's calendar unless
        ``calendar`` is given; a row's padding after its last day repeats that day)."""
        from alvh_core.events import default_calendar

        cal = calendar if calendar is not None else default_calendar()
        return cal.mask(self.dates.ravel(), kinds=kinds, scheduled_only=True).reshape(self.dates.shape)

    def settlement_spx(self, col: np.ndarray) -> np.ndarray:
        """(N,) SPX settlement level at each row's expiry column: the open there when ``settle_on_open`` and
        the day has a reliable open, else the close."""
        c = np.minimum(col, self.shape[1] - 1)
        close = self.spot[np.arange(self.shape[0]), c]
        opens = self.history.spx_open
        if not self.settle_on_open or opens is None:
            return close
        o = opens[self.idx[np.arange(self.shape[0]), c]]
        return np.where(np.isfinite(o), o, close)

    def _count_spx_inputs(self, mask: np.ndarray) -> None:
        term_real = np.isfinite(self._vix9d) | np.isfinite(self._vix3m)
        skew_real = np.isfinite(self._skew)
        self._count("spx_term:real", mask & term_real)
        self._count("spx_term:model", mask & ~term_real)
        self._count("spx_skew:real", mask & skew_real)
        self._count("spx_skew:model", mask & ~skew_real)

    def _expiry_dates(self, expiry_t: np.ndarray) -> np.ndarray:
        """(N,) calendar expiry date of each row from its expiry_t (years since its start)."""
        days = np.rint(expiry_t * DAYS).astype(np.int64)
        return self.start_dates + days.astype("timedelta64[D]")

    def vx_future_with_source(self, expiry_t: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """VX future (N, T+1) for the contract expiring at ``expiry_t`` and a mask of real quotes.

        Real: that contract's settle (else close) on that day from the VX file. Otherwise the model
        curve from that day's VIX. On and after expiry: the final settlement (the contract's last
        price in the file, which is the SOQ for settled contracts; else the VIX close that day).
        """
        et = self._per_row(expiry_t)[:, 0]
        h = self.history
        exp_dates = self._expiry_dates(et)
        col = np.searchsorted(h.vx_expiries, exp_dates)
        has = (col < h.vx_expiries.size) & (h.vx_expiries[np.minimum(col, max(h.vx_expiries.size - 1, 0))]
                                            == exp_dates) if h.vx_expiries.size else np.zeros(et.shape, bool)
        if h.vx_expiries.size:
            quoted = h.vx[self.idx, np.minimum(col, h.vx_expiries.size - 1)[:, None]]
            quoted = np.where(has[:, None], quoted, np.nan)
        else:
            quoted = np.full(self.shape, np.nan)
        tau = et[:, None] - self.t_rows
        model = surface.model_vx_future(self.vix * 100.0, tau, self._vix9d, self._vix3m)
        real = np.isfinite(quoted)
        fut = np.where(real, quoted, model)
        c_exp = self._expiry_col(et)
        settle = fut[np.arange(self.shape[0]), np.minimum(c_exp, self.shape[1] - 1)]
        # at expiry the model value is spot VIX (tau = 0), the real one the final settle: both are right
        fut = self._freeze_after(fut, c_exp, settle)
        return fut, real & (tau > -_EPS_T)

    def vix_future(self, expiry_t: float | np.ndarray) -> np.ndarray:
        """VX future (N, T+1), points; see ``vx_future_with_source``."""
        fut, real = self.vx_future_with_source(expiry_t)
        live = self.alive & ((self._per_row(expiry_t) - self.t_rows) > _EPS_T)
        self._count("vx:real", live & real)
        self._count("vx:model", live & ~real)
        return fut

    def vix_option(self, kind: OptionKind, strike: float | np.ndarray, expiry_t: float | np.ndarray) -> np.ndarray:
        """VIX option (N, T+1), points: Black-76 on the VX future with VVIX vol; payoff after expiry."""
        K = self._per_row(strike)
        et = self._per_row(expiry_t)
        fut = self.vix_future(expiry_t)
        tau = et - self.t_rows
        live = tau > _EPS_T
        vol = surface.vix_option_vol(K, fut, np.where(live, tau, 1.0 / DAYS), self._vvix)
        is_call = kind == "C"
        px = black76.price(is_call, fut, K, np.where(live, tau, 0.0), vol, self.rate)
        col = self._expiry_col(et[:, 0])
        f_exp = fut[np.arange(self.shape[0]), np.minimum(col, self.shape[1] - 1)]
        payoff = np.maximum(f_exp - K[:, 0], 0.0) if is_call else np.maximum(K[:, 0] - f_exp, 0.0)
        m = live & self.alive
        self._count("vix_vol:real", m & np.isfinite(self._vvix))
        self._count("vix_vol:model", m & ~np.isfinite(self._vvix))
        return self._freeze_after(px, col, payoff)

    def vix_option_delta(self, kind: OptionKind, strike: float | np.ndarray, expiry_t: float | np.ndarray,
                         ) -> np.ndarray:
        """Black-76 delta (N, T+1) of the VIX option with respect to its VX future (0 after expiry)."""
        K = self._per_row(strike)
        et = self._per_row(expiry_t)
        fut, _ = self.vx_future_with_source(expiry_t)
        tau = et - self.t_rows
        live = tau > _EPS_T
        vol = surface.vix_option_vol(K, fut, np.where(live, tau, 1.0 / DAYS), self._vvix)
        g = black76.greeks(kind == "C", fut, K, np.where(live, tau, 0.0), vol, self.rate)
        return np.where(live, g.delta, 0.0)
