"""Prices along paths from the scenario model's own risk-neutral law (fast, table based).

SPX European options (:class:`SpxTablePricer`)
    For n remaining trading days the risk-neutral generating function of X = ln(S_{t+n}/S_t) is
    exp(A_n(u) + B_n(u) h*) (Heston-Nandi recursion). For every n we tabulate, by the COS method
    (Fang & Oosterlee 2008), the put price per unit strike p(x, h*) and its x-derivative on a
    tensor grid of

    - standardised log-moneyness y = ln(S/K) / s(n, h*), with s = sqrt(n_c * mean daily variance over
      n_c days) and n_c = n rounded up to a power of two (one COS range per power-of-two class, so
      the u-nodes and A, B are computed once per class), y in [-Y, Y] uniformly, and
    - ln h* on a uniform grid.

    Along paths the value is a 4x4 cubic (Lagrange) interpolation in (y, ln h*). The stored complex
    table is price + i * dprice/dx so one gather gives price and delta. Calls follow by put-call
    parity (exact). Tables depend on the Q parameters, rate and dividend only (not on the market),
    and are cached. The interpolation error is measured in tests (``tests/test_scenarios_pricer.py``).

    Event days (issue 17): for one expiry, "n days left" fixes the calendar position of every remaining
    day, so an option's value with scheduled event days before expiry is the same backward recursion with
    the event steps at their positions counted from expiry (``log_mgf_coefficients(mult=...)``, exact).
    ``SpxTablePricer(q, rate, div, events=m)`` tabulates that law: ``m[k - 1]`` is the variance multiplier
    of the day k trading days before expiry; the pattern is part of the cache key (``spx_pricer``), and
    all ones is the plain pricer. Event tables are cached on disk too (issue 16), one file per law and pattern
    (``spx-events-*``): row n depends only on the pattern's first n positions, so tomorrow's pattern for the same
    expiry (today's without its last position) is served by today's file; the least recently used files go
    beyond ``EVENT_CACHE_BYTES``.

VIX futures and options (:class:`VixGridPricer`)
    The risk-neutral state H_j = h*_{j+1} is an autonomous Markov chain, and the model VIX is a
    closed function of it: VIX = sqrt(a0 + a1 H). Values E[g(VIX at expiry) | H] are computed by
    backward induction on a grid in ln H: the first step integrates the payoff exactly over the
    Gaussian shock (trapezoid on a fine z grid); later steps apply a precomputed transition matrix
    (quadrature x cubic interpolation weights). Futures are undiscounted expectations; options are
    discounted at the flat rate. With crash jumps the one-day kernel is the Poisson mixture over the
    number of jumps at each grid node: 0 (the fine z grid), 1 (h' + delta* J^2; Gauss-Hermite in z
    and J) and 2 or more (h' + delta* (J1^2 + J2^2), by Gauss-Hermite; 3+ jumps in a day, probability
    below l^3/6 ~ 1e-6 at VIX 80 with the shipped fit, are counted as 2 here only).
"""
from __future__ import annotations

import dataclasses
import math
import threading
from functools import lru_cache

import numpy as np

from alvh_core.scenarios.hn_garch import TRADING_DAYS, GarchParams, log_mgf_coefficients
from alvh_core.scenarios.kernels import interp_put, lagrange4
from alvh_core.scenarios.kernels import stencil as _stencil

# ---- grids (shared by the two pricers) -------------------------------------------------------
#: daily-variance grid of the SPX tables: annualised vol from 3% to 300%
#: (48 nodes: with 32, jump-heavy regimes at high vol were off by up to 0.18 pt in the h interpolation)
H_LO, H_HI, N_H = (0.03**2) / TRADING_DAYS, (3.0**2) / TRADING_DAYS, 48
#: standardised log-moneyness range and step of the SPX tables (step 1/16 s: a jump regime in a low
#: diffusive state has a central peak much narrower than s, which includes the jump variance)
Y_MAX, DY = 10.0, 0.0625
#: half-width of the COS range in units of s (density covered to W - Y_MAX = 12 s) and the number of
#: COS terms (512: with 192 the same low-diffusive jump states were off by 0.3 pt, issue 11)
COS_W = 22.0
N_COS = 512
#: stated accuracy of the tables: |table - exact COS| per unit strike (0.1 pt at strike 5,000), measured
#: over the anchor's regimes, 5-45 days, vol 6-80%, |ln(S/K)| <= 0.25 (worst 0.065 pt at 5,000);
#: ``alvh_core.scenarios.anchor`` refuses nodes whose target prices are off by more than this
TABLE_ACCURACY = 2e-5
#: tables for 1..64 remaining trading days (about 3 months) are cached on disk (~/.cache/alvh, ~16 MB per regime);
#: longer horizons in files of 128 and 256 days (32 and 64 MB); beyond, computed in memory
DISK_CACHE_DAYS = 64
#: days of a table class computed at once (the build's temporaries scale with it: ~45 MB at 16)
TABLE_DAYS_PER_BATCH = 16
#: next states interpolated at once when a VIX transition matrix is built
TRANSITION_BATCH = 1 << 18
DISK_CACHE_MAX_DAYS = 256
#: the SPX tables held in memory as float32 (computed and kept on disk in float64): half the memory of each law's
#: rows (90 days: 11 MB instead of 22 per law), a rounding of 6e-8 of a value per unit strike, 300x inside
#: ``TABLE_ACCURACY``; every look-up reads these rows, so the prices of one process are one set of numbers
TABLE_DTYPE = np.float32
#: bump when the event tables' disk files change meaning; disk the event files may take (about 0.25 MB per
#: day to expiry and regime: 63 MB for a 17-day expiry's 15 regimes), the least recently used removed first
EVENT_CACHE_VERSION = 1
EVENT_CACHE_BYTES = 1 << 30


def _power_class(n: np.ndarray) -> np.ndarray:
    """n rounded up to a power of two (n >= 1)."""
    n = np.asarray(n)
    return (1 << np.ceil(np.log2(np.maximum(n, 1))).astype(np.int64)).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class StateStencil:
    """The strike-independent interpolation data of :meth:`SpxTablePricer.prepare` (arrays of one shape)."""

    n: np.ndarray
    base: np.ndarray
    wh: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    inv_scale: np.ndarray
    price_flat: np.ndarray
    delta_flat: np.ndarray


class SpxTablePricer:
    """European SPX option prices and deltas under the risk-neutral HN-GARCH law, from COS tables.

    ``q``: risk-neutral parameters; ``rate``, ``div``: continuously compounded per year; time steps
    are trading days (tau = n / 252).
    """

    def __init__(self, q: GarchParams, rate: float, div: float, events: tuple[float, ...] = ()) -> None:
        self.q = q
        self.events = tuple(float(m) for m in events)
        if any(not (m > 0 and math.isfinite(m)) for m in self.events):
            raise ValueError(f"event variance multipliers must be positive numbers (got {events!r})")
        self._mult = np.array(self.events) if any(m != 1.0 for m in self.events) else None
        self.rate = float(rate)
        self.div = float(div)
        self.mu = (self.rate - self.div) / TRADING_DAYS
        self.lnh = np.linspace(math.log(H_LO), math.log(H_HI), N_H)
        self.h_nodes = np.exp(self.lnh)
        self.dlnh = self.lnh[1] - self.lnh[0]
        self.y = np.arange(-Y_MAX, Y_MAX + 0.5 * DY, DY)
        self.n_y = self.y.size
        self._tables: dict[int, np.ndarray] = {}  # power class -> (n_c//2+1 .. n_c, N_H, n_y) complex, while building
        # the one stored copy: (real, imag) contiguous (n_max, N_H, n_y) floats for n = 1..n_max, and n_max
        self._parts: tuple[np.ndarray, np.ndarray, int] = (np.empty((0, N_H, self.n_y), TABLE_DTYPE),
                                                           np.empty((0, N_H, self.n_y), TABLE_DTYPE), 0)
        self._lazy: _LazyTables | None = None  # the disk file the rows of _parts are read from, on demand
        self._lock = threading.Lock()  # the bot prices from several threads; tables are built once

    # ---- tables ---------------------------------------------------------------------------
    def scale(self, n_class: np.ndarray | int, h: np.ndarray) -> np.ndarray:
        """s(n_c, h): sqrt(n_c x mean expected daily variance over n_c days), the y unit."""
        q = self.q
        rho, v = q.persistence, q.long_run_variance
        nc = np.asarray(n_class, dtype=float)
        factor = (1.0 - rho**nc) / (nc * (1.0 - rho))
        if q.has_jumps:  # the jumps' own return variance l(h) E[J^2] widens the law
            hbar = v + (h - v) * factor
            return np.sqrt(nc * (hbar + q.intensity(hbar) * q.jump_m2))
        return np.sqrt(nc * (v + (h - v) * factor))

    def _phase_re_im(self) -> np.ndarray:
        """(n_y, 2K) real: [cos, -sin] of u_k (x - a) with x = s y, a = -W s, u_k = k pi / (2 W s) (independent
        of s); built when tables are computed, not kept (2.6 MB a regime; a cached table never needs it)."""
        ang = np.outer(self.y + COS_W, np.arange(N_COS)) * (math.pi / (2.0 * COS_W))
        return np.concatenate([np.cos(ang), -np.sin(ang)], axis=1)

    def _class_tables(self, n_c: int, n_hi: int | None = None) -> np.ndarray:
        """Tables for n in (n_c/2, min(n_c, n_hi)] (n = 1 for n_c = 1): (count, N_H, n_y) complex."""
        if n_c in self._tables:
            return self._tables[n_c]
        q = self.q
        s = self.scale(n_c, self.h_nodes)  # (N_H,)
        width = 2.0 * COS_W * s
        k = np.arange(N_COS)
        u = k[None, :] * math.pi / width[:, None]  # (N_H, K)
        a = -COS_W * s
        # put payoff (1 - e^y)^+ on [a, 0]; cosine coefficients with omega = u
        om = u
        half = np.sin(k * math.pi / 2.0)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            psi = np.where(k[None, :] == 0, -a[:, None], half / np.where(om == 0, 1.0, om))
        chi = (np.cos(k * math.pi / 2.0)[None, :] - np.exp(a)[:, None] + om * half) / (1.0 + om * om)
        V = 2.0 / width[:, None] * (psi - chi)
        V[:, 0] *= 0.5
        n_lo = n_c // 2 + 1 if n_c > 1 else 1
        n_top = n_c if n_hi is None else max(n_lo, min(n_c, n_hi))
        A, B = log_mgf_coefficients(q, self.mu, 1j * u, n_top, mult=self._mult)
        ns_all = np.arange(n_lo, n_top + 1)
        tab = np.empty((ns_all.size, N_H, self.n_y), dtype=complex)
        phase = self._phase_re_im()
        # a few days at a time: the (days, N_H, K) complex temporaries of a 64-day class took ~180 MB at once
        for start in range(0, ns_all.size, TABLE_DAYS_PER_BATCH):
            ns = ns_all[start:start + TABLE_DAYS_PER_BATCH]
            cf = np.exp(A[ns] + B[ns] * self.h_nodes[None, :, None])  # (count, N_H, K)
            disc = np.exp(-self.rate * ns / TRADING_DAYS)[:, None, None]
            coef = cf * V[None] * disc
            del cf
            both = np.concatenate([coef, coef * (1j * u)[None]], axis=1)  # (count, 2 N_H, K)
            del coef
            cnt = ns.size
            flat = both.reshape(cnt * 2 * N_H, N_COS).T  # (K, cnt*2*N_H)
            # Re(e^{i theta} c) = cos(theta) Re(c) - sin(theta) Im(c): one real matmul
            vals = (phase @ np.concatenate([flat.real, flat.imag], axis=0))
            del both, flat
            vals = vals.reshape(self.n_y, cnt, 2, N_H)
            tab[start:start + cnt] = (vals[:, :, 0, :] + 1j * vals[:, :, 1, :]).transpose(1, 2, 0)  # (cnt, N_H, n_y)
        self._tables[n_c] = tab
        return tab

    def table_stack(self, n_max: int) -> np.ndarray:
        """(n, N_H, n_y) complex with n >= n_max: tables for n = 1.. (price/K + i d(price/K)/dx); a copy
        assembled from the stored real and imaginary parts (the evaluation reads those directly)."""
        re, im, have = self._ensure(n_max)
        re, im, have = self._ensure(have)  # every stored row read in
        return re[:have].astype(float) + 1j * im[:have]

    def _ensure(self, n_max: int, n_min: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
        """Tables covering 1..n_max days; with a disk file, the rows of days n_min..n_max are read in (a
        comparison reads the days its paths visit, not the whole file)."""
        parts, lazy = self._parts, self._lazy
        if parts[2] >= n_max and (lazy is None or lazy.loaded[n_min - 1:n_max].all()):
            return parts
        with self._lock:
            if self._parts[2] < n_max:
                self._build_stack(n_max)
            parts, lazy = self._parts, self._lazy
            if lazy is not None and not lazy.read(np.arange(n_min, n_max + 1), parts[0], parts[1]):
                lazy.path.unlink(missing_ok=True)  # a corrupt file: recomputed in memory and rewritten
                _pattern_file(lazy.path).unlink(missing_ok=True)
                self._lazy = None
                self._parts = (np.empty((0, N_H, self.n_y), TABLE_DTYPE), np.empty((0, N_H, self.n_y), TABLE_DTYPE), 0)
                self._build_stack(n_max, read_disk=False)
                return self._ensure_locked_rows(n_min, n_max)
            return self._parts

    def _ensure_locked_rows(self, n_min: int, n_max: int) -> tuple[np.ndarray, np.ndarray, int]:
        parts, lazy = self._parts, self._lazy
        if lazy is not None and not lazy.read(np.arange(n_min, n_max + 1), parts[0], parts[1]):
            raise OSError(f"SPX table cache {lazy.path} unreadable right after writing it")
        return parts

    def _store(self, stack: np.ndarray) -> None:
        """Keep ``stack`` as contiguous real and imaginary parts only (one copy of the tables in memory)."""
        self._parts = (np.ascontiguousarray(stack.real, dtype=TABLE_DTYPE),
                       np.ascontiguousarray(stack.imag, dtype=TABLE_DTYPE), int(stack.shape[0]))
        self._tables.clear()

    def _build_stack(self, n_max: int, read_disk: bool = True) -> None:
        re, im, have = self._parts
        if have >= n_max:
            return
        if self._mult is not None:  # one expiry's tables: n = 1..its days, the last class cut there
            cap = max(n_max, len(self.events))
            lazy = self._load_event_disk(cap) if read_disk else None
            if lazy is not None:
                self._map(lazy, cap)
                return
            stack = self._assemble(1, cap, cap)
            lazy = self._save_event_disk(stack)
            if lazy is not None:  # read back as the paths need the days, as the plain tables are
                del stack
                self._map(lazy, cap)
                _release_after_build()
                return
            self._store(stack)
            return
        # tables for up to DISK_CACHE_MAX_DAYS days live in disk files of 64, 128 or 256 days (a power class),
        # read a day's rows at a time as comparisons need them (15 regimes x 16-64 MB in memory otherwise)
        target = max(DISK_CACHE_DAYS, int(_power_class(n_max)))
        if target <= DISK_CACHE_MAX_DAYS:
            lazy = self._load_disk(target) if read_disk else None
            if lazy is not None:  # (rows read from a shorter file before are read again from this one)
                self._map(lazy)
                return
            n_max = target  # build what the cache file holds, once, for every later process
        # stored tables always end on a power class (n = 1..2^j): extend with the next classes
        if have and self._lazy is not None and not self._lazy.read(np.arange(1, have + 1), re, im):
            re, im, have = re[:0], im[:0], 0  # a corrupt file under the stored rows: start afresh
        self._lazy = None
        n_c = 2 * have if have else 1
        while n_c < n_max:
            n_c *= 2
        stack = self._assemble(2 * have if have else 1, n_c, None, (re, im, have))
        if n_c == target and target <= DISK_CACHE_MAX_DAYS:
            self._save_disk(stack)
            lazy = self._load_disk(target)
            if lazy is not None:  # the built copy is dropped: rows are read back as comparisons need them
                del stack
                self._map(lazy)
                _release_after_build()
                return
        self._store(stack)

    def _assemble(self, n_first: int, n_last: int, n_hi: int | None,
                  stored: tuple[np.ndarray, np.ndarray, int] | None = None) -> np.ndarray:
        """The (rows, N_H, n_y) complex stack of days 1..min(n_last, n_hi): ``stored`` rows first, then the power
        classes n_first, 2 n_first, .., n_last (the last cut at ``n_hi``), each copied into one preallocated
        array and dropped at once (a concatenation of the cached classes held the tables three times while
        writing the disk file: 1,000,000 paths x 90 days on an empty cache peaked at 498 MB)."""
        have = stored[2] if stored is not None else 0
        rows = n_last if n_hi is None else max(min(n_last, n_hi), 1)
        stack = np.empty((rows, N_H, self.n_y), dtype=complex)
        if have:
            stack[:have].real, stack[:have].imag = stored[0][:have], stored[1][:have]
        i, n_c = have, n_first
        while True:
            tab = self._class_tables(n_c, n_hi)
            stack[i:i + tab.shape[0]] = tab
            i += tab.shape[0]
            self._tables.pop(n_c, None)
            del tab
            if n_c >= n_last:
                break
            n_c *= 2
        if i != rows:  # pragma: no cover - the classes tile 1..rows by construction
            raise AssertionError(f"table classes gave {i} rows, expected {rows}")
        self._tables.clear()
        return stack

    def _map(self, lazy: _LazyTables, rows: int | None = None) -> None:
        """Serve the tables from the disk file ``lazy``: rows are read in on first use (``_ensure``) into
        arrays whose untouched pages take no memory. ``rows``: serve days 1..rows only (an event file built for
        a longer pattern holds other laws past this pattern's days)."""
        have = lazy.n if rows is None else min(rows, lazy.n)
        self._parts = (_sparse_empty((lazy.n, N_H, self.n_y), TABLE_DTYPE),
                       _sparse_empty((lazy.n, N_H, self.n_y), TABLE_DTYPE), have)
        self._lazy = lazy
        self._tables.clear()

    # ---- disk cache (the first comparison of a process maps a file instead of computing) ---------
    def _cache_path(self, n: int = DISK_CACHE_DAYS):  # noqa: ANN202 - pathlib.Path
        key = repr((self.q, self.rate, self.div, H_LO, H_HI, N_H, Y_MAX, DY, COS_W, N_COS, DISK_CACHE_DAYS, 3))
        return _cache_file("spx-tables", key).with_suffix(f".n{n}.npy")

    def _load_disk(self, n: int = DISK_CACHE_DAYS) -> _LazyTables | None:
        """The disk cache file of the tables for 1..n days, (2, n, N_H, n_y) floats, opened for reading rows
        on demand; None (then they are computed) when it is missing, of another shape or type, or partial."""
        return _LazyTables.open(self._cache_path(n), (2, n, N_H, self.n_y))

    def _save_disk(self, stack: np.ndarray) -> None:
        """Atomic write of (real, imag) parts as one float array (2, n, N_H, n_y)."""
        _save_re_im(self._cache_path(stack.shape[0]), stack)

    # ---- disk cache of event tables: one file per (law, grid, event pattern), found by pattern prefix ------
    def _event_law_prefix(self) -> str:
        import hashlib

        key = repr((self.q, self.rate, self.div, H_LO, H_HI, N_H, Y_MAX, DY, COS_W, N_COS, EVENT_CACHE_VERSION))
        return f"spx-events-{hashlib.sha1(key.encode()).hexdigest()[:16]}-"

    def _event_cache_path(self, rows: int):  # noqa: ANN202 - pathlib.Path
        import hashlib

        from alvh_core.xnys import default_cache_dir

        pat = hashlib.sha1(repr((rows, self.events)).encode()).hexdigest()[:16]
        return default_cache_dir() / f"{self._event_law_prefix()}{pat}.npy"

    def _load_event_disk(self, rows: int) -> _LazyTables | None:
        """An event-table file serving days 1..rows of this pattern: its own, or one built for a pattern whose
        first ``rows`` positions are this one's (positions past a pattern count 1), e.g. yesterday's file of the
        same expiry. None when there is none (or none readable)."""
        from alvh_core.xnys import default_cache_dir

        want = np.ones(rows)
        k = min(rows, len(self.events))
        want[:k] = self.events[:k]
        own = self._event_cache_path(rows)

        def sides():  # noqa: ANN202 - its own file first; the directory is listed only when that does not serve
            yield _pattern_file(own)
            try:
                yield from sorted(default_cache_dir().glob(self._event_law_prefix() + "*.pattern.npy"))
            except OSError:
                return

        for side in sides():
            pat = _load_array(side, None)
            if pat is None or pat.size < 1 or not pat[0] >= rows:
                continue
            have = int(pat[0])
            if pat.size - 1 > have:
                continue
            theirs = np.ones(have)
            theirs[: pat.size - 1] = pat[1:]
            if not np.array_equal(theirs[:rows], want):
                continue
            path = side.with_name(side.name.replace(".pattern.npy", ".npy"))
            lazy = _LazyTables.open(path, (2, have, N_H, self.n_y))
            if lazy is not None:
                _touch(path)  # recently used: kept when the cache is pruned
                return lazy
        return None

    def _save_event_disk(self, stack: np.ndarray) -> _LazyTables | None:
        """Atomic write of the event tables (2, n, N_H, n_y) and then of their pattern (the file that makes them
        found); old event files pruned to ``EVENT_CACHE_BYTES``. The written file opened for reading, or None."""
        rows = int(stack.shape[0])
        path = self._event_cache_path(rows)
        _save_re_im(path, stack)
        _save_array(_pattern_file(path), np.array([float(rows), *self.events]))
        _prune_event_files(path)
        return _LazyTables.open(path, (2, rows, N_H, self.n_y)) if _pattern_file(path).exists() else None

    # ---- evaluation -----------------------------------------------------------------------
    def prepare(self, n: np.ndarray, h: np.ndarray) -> StateStencil:
        """Strike-independent part of the interpolation for remaining days ``n`` and states ``h``
        (broadcast): reuse it for every strike of the same expiry."""
        n, h = np.broadcast_arrays(np.asarray(n, dtype=np.int64), np.asarray(h, dtype=float))
        if np.any(n < 1):
            raise ValueError("remaining days must be >= 1 (expiry is handled by the caller)")
        re, im, _ = self._ensure(int(n.max()), int(n.min()))
        hc = np.clip(h, H_LO, H_HI)
        ih, th = _stencil((np.log(hc) - self.lnh[0]) / self.dlnh, N_H)
        return StateStencil(
            n=n,
            base=((n - 1) * N_H + ih) * self.n_y,
            wh=lagrange4(th),
            inv_scale=1.0 / self.scale(_power_class(n), hc),
            price_flat=re.reshape(-1),
            delta_flat=im.reshape(-1),
        )

    def put_per_strike(
        self, n: np.ndarray, x: np.ndarray, h: np.ndarray, stencil: StateStencil | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Put price per unit strike and its derivative in x = ln(S/K).

        ``n`` (int >= 1, remaining trading days), ``x``, ``h`` (risk-neutral state h*) broadcast to a
        common shape. Returns (p, dp/dx) of that shape. ``stencil`` = ``prepare(n, h)`` if reused.
        """
        if stencil is None:
            n, x, h = np.broadcast_arrays(np.asarray(n, dtype=np.int64), np.asarray(x, dtype=float),
                                          np.asarray(h, dtype=float))
            stencil = self.prepare(n, h)
        st = stencil
        x = np.broadcast_to(np.asarray(x, dtype=float), st.n.shape)
        # the 4x4 interpolation: a fused compiled loop when numba is installed, else numpy (kernels.py)
        p, dp, y = interp_put(x, st.inv_scale, st.base, st.wh, st.price_flat, st.delta_flat,
                              float(self.y[0]), DY, self.n_y, Y_MAX)
        deep_itm = y < -Y_MAX
        if deep_itm.any():
            tau = st.n / TRADING_DAYS
            fwd = np.exp(x - self.div * tau)
            p = np.where(deep_itm, np.exp(-self.rate * tau) - fwd, p)
            dp = np.where(deep_itm, -fwd, dp)
        deep_otm = y > Y_MAX
        if deep_otm.any():
            p = np.where(deep_otm, 0.0, p)
            dp = np.where(deep_otm, 0.0, dp)
        return p, dp

    def price(
        self, is_call: bool, spot: np.ndarray, strike: float, n: np.ndarray, h: np.ndarray,
        stencil: StateStencil | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(price, delta) in index points of a European option with n >= 1 trading days left.

        ``spot``, ``strike``, ``n``, ``h`` broadcast; ``stencil = prepare(n, h)`` may be passed to
        share the state part of the interpolation between strikes."""
        spot = np.asarray(spot, dtype=float)
        x = np.log(spot / strike)
        if stencil is None:
            stencil = self.prepare(*np.broadcast_arrays(np.asarray(n), np.asarray(h, dtype=float), x)[:2])
        p, dp = self.put_per_strike(n, x, h, stencil)
        put = strike * np.maximum(p, 0.0)  # clips round-off (|p| < 1e-12) of far out-of-the-money puts
        put_delta = strike * dp / spot
        if not is_call:
            return put, put_delta
        tau = np.asarray(n) / TRADING_DAYS
        dq = np.exp(-self.div * tau)
        return put + spot * dq - strike * np.exp(-self.rate * tau), put_delta + dq


def cos_put_reference(
    q: GarchParams, rate: float, div: float, n: int, x: np.ndarray, h: float, n_terms: int = 2048, width: float = 40.0,
    events: tuple[float, ...] = (),
) -> np.ndarray:
    """Direct COS put price per unit strike at exact points (slow reference for tests).

    ``x`` = ln(S/K) array, ``h`` one state, ``n`` >= 1 days; range +-width x sqrt(n x mean variance);
    ``events``: variance multipliers by position from expiry, as ``SpxTablePricer``. The series' coefficients
    (the generating function's recursion over ``n`` days on ``n_terms`` frequencies) depend on the law, the
    state and the horizon, not on ``x``: they are kept for the last ``COS_COEFFICIENTS_KEPT`` (law, rate, div,
    n, h, grid, events), so the anchor's node check and the control variates' exact means of a market whose
    states did not move (SPX moved) cost one product each, with the same numbers bit for bit.
    """
    x = np.asarray(x, dtype=float)
    cv, a, u = _cos_put_coefficients(q, float(rate), float(div), int(n), float(h), int(n_terms), float(width),
                                     tuple(float(m) for m in events))
    terms = cv[None, :] * np.exp(1j * np.outer(x - a, u))
    return math.exp(-rate * n / TRADING_DAYS) * terms.real.sum(axis=1)


#: (law, rate, div, n, h, grid, events) whose COS coefficients are kept (48 KB each at 2,048 terms): a compare
#: asks for one per weighted node and law (the 26 regimes' nodes with weight: about 60 blocks, two laws)
COS_COEFFICIENTS_KEPT = 256

#: SPX / VIX pricers kept per process (each reads its table rows from disk on use): at least every pricing regime
#: of the anchor (``anchor.REGIMES``, 27) for one expiry's event pattern, or the next compare reloads them all from
#: disk (a warm compare went 1.1 -> 3.2 s when the regimes outgrew a cache of 16; tests/test_scenarios_anchor.py)
PRICERS_KEPT = 40
#: the COS range's half-width unit sqrt(n x mean variance) is rounded up to a power of this step, so states
#: near each other (today's VIX moved a little) share one frequency grid and its recursion (at most 9% wider
#: a range: 40-44 standard deviations, far past where the series' error shows)
COS_GRID_STEP = 2.0 ** 0.125
#: the COS reference's recursions (A[n], B[n] of a law, horizon, grid and event pattern) kept on disk
#: (``cos-grid-*.npy``, 64 KB each at 2,048 terms; least recently used removed past COS_GRID_CACHE_BYTES)
COS_GRID_DISK = True
COS_GRID_CACHE_VERSION = 1
COS_GRID_CACHE_BYTES = 128 * 2**20


@lru_cache(maxsize=COS_COEFFICIENTS_KEPT)
def _cos_put_coefficients(q: GarchParams, rate: float, div: float, n: int, h: float, n_terms: int, width: float,
                          events: tuple[float, ...]) -> tuple[np.ndarray, float, np.ndarray]:
    """(cf x V, a, u) of :func:`cos_put_reference`: the put's series is sum_k Re(cf_k V_k exp(i u_k (x - a)))."""
    hbar = float(q.mean_variance(h, n))
    s = math.sqrt(n * (hbar + (float(q.intensity(hbar)) * q.jump_m2 if q.has_jumps else 0.0)))
    grid = math.ceil(math.log(s) / math.log(COS_GRID_STEP) - 1e-9)
    A, B, V, a, u = _cos_grid(q, rate, div, n, grid, n_terms, width, events)
    cv = np.exp(A + B * h) * V
    cv.flags.writeable = False
    return cv, a, u


@lru_cache(maxsize=COS_COEFFICIENTS_KEPT)
def _cos_grid(q: GarchParams, rate: float, div: float, n: int, grid: int, n_terms: int, width: float,
              events: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    """(A[n], B[n], V, a, u) on the frequency grid of half-width unit COS_GRID_STEP ** grid: the generating
    function's recursion (law, horizon, grid, events; not the state, which enters as exp(A + B h))."""
    s = COS_GRID_STEP ** grid
    mu = (rate - div) / TRADING_DAYS
    a, b = -width * s, width * s
    k = np.arange(n_terms)
    u = k * math.pi / (b - a)
    # the recursion (1-8 ms at 2,048 frequencies; a first compare asks ~120 of them) is read from the disk cache
    # when an earlier process wrote it: the same numbers, bit for bit (tests/test_cos_grid_cache.py)
    path = _cache_file("cos-grid", repr((q, float(rate), float(div), int(n), int(grid), int(n_terms), float(width),
                                         tuple(events), COS_GRID_CACHE_VERSION)))
    got = _load_array(path, (4, n_terms)) if COS_GRID_DISK else None
    if got is not None:
        A_n, B_n = np.empty(n_terms, complex), np.empty(n_terms, complex)
        A_n.real, A_n.imag, B_n.real, B_n.imag = got  # the parts as written: exact
        _touch(path)
    else:
        A, B = log_mgf_coefficients(q, mu, 1j * u, n, mult=np.array(events, dtype=float) if events else None)
        A_n, B_n = A[n].copy(), B[n].copy()
        if COS_GRID_DISK and np.isfinite(A_n).all() and np.isfinite(B_n).all():
            _save_array(path, np.stack([A_n.real, A_n.imag, B_n.real, B_n.imag]))
            _SAVED["cos-grid"] = _SAVED.get("cos-grid", 0) + 1
            if _SAVED["cos-grid"] % 64 == 1:  # the directory scanned now and then, not per file
                _prune_files(path, "cos-grid-*.npy", COS_GRID_CACHE_BYTES)
    half = np.sin(k * math.pi / 2.0)
    psi = np.where(k == 0, -a, half / np.where(u == 0, 1.0, u))
    chi = (np.cos(k * math.pi / 2.0) - math.exp(a) + u * half) / (1.0 + u * u)
    V = 2.0 / (b - a) * (psi - chi)
    V[0] *= 0.5
    out = (A_n, B_n, V, a, u)
    for arr in (out[0], out[1], V, u):
        arr.flags.writeable = False
    return out


def event_pattern(mult: np.ndarray | None, n_exp: int) -> tuple[float, ...]:
    """The ``events`` key of an expiry ``n_exp`` steps ahead from per-step multipliers ``mult`` (``mult[j]``:
    the return of step j + 1, as ``simulate(event_variance=...)``): by position from expiry, position k is
    step n_exp - k + 1; steps past ``mult`` count 1. All ones (or None): () (the plain tables)."""
    if mult is None or n_exp < 1:
        return ()
    m = np.ones(n_exp)
    j = np.arange(min(n_exp, len(mult)))
    m[n_exp - 1 - j] = np.asarray(mult, dtype=float)[j]
    return () if np.all(m == 1.0) else tuple(float(v) for v in m)


def _release_after_build() -> None:
    """After a table was built and written to the disk cache (a cache miss), hand the build's freed pages back
    to the system (glibc ``malloc_trim``): a first 90-day compare on an empty cache kept 43 MB of them resident
    (1,000,000 paths x 90 days peaked at 405 MB then, 363 MB with the cache filled)."""
    from alvh_core.parallel import release_free_memory

    release_free_memory()


def spx_pricer(q: GarchParams, rate: float, div: float, events: tuple[float, ...] = ()) -> SpxTablePricer:
    """Cached pricer (tables are built lazily and reused across path sets); ``events``: the expiry's event
    pattern (:func:`event_pattern`), () for the plain law."""
    if events and any(m != 1.0 for m in events):
        return _event_pricer(q, float(rate), float(div), tuple(events))
    return _plain_pricer(q, rate, div)


@lru_cache(maxsize=PRICERS_KEPT)
def _plain_pricer(q: GarchParams, rate: float, div: float) -> SpxTablePricer:
    return SpxTablePricer(q, rate, div)


@lru_cache(maxsize=PRICERS_KEPT)  # one expiry's pattern x every regime (tables: disk files, rows read on use)
def _event_pricer(q: GarchParams, rate: float, div: float, events: tuple[float, ...]) -> SpxTablePricer:
    return SpxTablePricer(q, rate, div, events)


def _clear_spx_pricers() -> None:
    _plain_pricer.cache_clear()
    _event_pricer.cache_clear()


spx_pricer.cache_clear = _clear_spx_pricers  # type: ignore[attr-defined]  # benchmarks start cold


# ---- VIX ---------------------------------------------------------------------------------------
#: grid of the risk-neutral state for VIX derivatives
VG_LO, VG_HI, N_VG = 1e-6, 0.04, 321
N_Z, Z_MAX = 721, 9.0
#: quadrature of the jump branches of the state transition: Gauss-Hermite in z and in the jump sizes
N_ZJ, N_J1, N_J2 = 48, 24, 12
#: memory for computed VIX tables per pricer (capacity included; about 100 strikes at 30 days, 30 at 90), then
#: they start afresh from the disk cache (0.3 ms a table); was 16 MB with doubling past it: 60-78 MB over the 4 laws
#: of a 90-day compare (issue 16)
VIX_BANK_BYTES = 8 * 2**20
#: grid nodes of a VIX table's first backward step computed at a time (a disk-cache miss): 16 nodes of the
#: two-jump branch are 0.9 MB of states (the whole grid 17.7 MB, and as much again of model VIX)
FIRST_STEP_ROWS = 16
#: bump when the arrays cached on disk (the VIX transition matrices and tables) change meaning
VIX_CACHE_VERSION = 1
#: VIX option/future tables are cached on disk per (law, kind, strike) for 0..64 days to expiry (128, 256 for
#: farther expiries; ~170 KB a file at 64 days); the least recently used go past ``VIX_TABLE_CACHE_BYTES``
VIX_TABLE_DISK_DAYS = 64
VIX_TABLE_CACHE_BYTES = 512 * 2**20


# ---- disk cache of derived arrays (the first comparison of a process loads instead of building) -----
def _cache_file(prefix: str, key: str):  # noqa: ANN202 - pathlib.Path
    """``<cache dir>/<prefix>-<sha1 of key>.npy`` in the SPX tables' cache directory (``xnys.default_cache_dir``)."""
    import hashlib

    from alvh_core.xnys import default_cache_dir

    return default_cache_dir() / f"{prefix}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npy"


#: numpy parses a .npy header with ``ast.literal_eval``, and CPython 3.11's AST construction is not safe when
#: threads parse at once (cpython gh-106905: "SystemError: AST constructor recursion depth mismatch", seen in a
#: bot worker reading the disk cache while three others did): every header of the caches is read under this lock
_NPY_HEADER_LOCK = threading.Lock()


def _npy_header(fh) -> tuple[tuple[int, ...], bool, np.dtype]:  # noqa: ANN001 - a binary file
    """(shape, Fortran order, dtype) of the open .npy file ``fh``, left at the first byte of its data."""
    fmt = np.lib.format
    with _NPY_HEADER_LOCK:
        version = fmt.read_magic(fh)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        return read(fh)


def _load_array(path, shape: tuple[int, ...] | None) -> np.ndarray | None:  # noqa: ANN001 - pathlib.Path
    """A float array of ``shape`` (None: any vector) from ``path``, or None when missing, unreadable, partial,
    of another shape or not finite."""
    try:
        with open(path, "rb") as fh:
            got, fortran, dtype = _npy_header(fh)
            if fortran or dtype != np.dtype("<f8") or (len(got) != 1 if shape is None else tuple(got) != shape):
                return None
            n = int(np.prod(got))
            arr = np.fromfile(fh, dtype="<f8", count=n)
    except (OSError, ValueError, EOFError):
        return None
    if arr.size != n or not np.isfinite(arr).all():
        return None
    return arr.reshape(got)


def _pattern_file(path):  # noqa: ANN001, ANN202 - pathlib.Path
    """The pattern file beside an event-table file (``.pattern.npy``: days held, then the pattern)."""
    return path.with_suffix(".pattern.npy")


def _prune_event_files(keep) -> None:  # noqa: ANN001 - pathlib.Path
    """Remove the least recently used event-table files (and their patterns) past ``EVENT_CACHE_BYTES``."""
    _prune_files(keep, "spx-events-*.npy", EVENT_CACHE_BYTES)


def _prune_files(keep, pattern: str, budget: int) -> None:  # noqa: ANN001 - pathlib.Path
    """Remove the least recently used files matching ``pattern`` beside ``keep`` (not ``keep``) past ``budget``
    bytes; an event-table file's pattern file goes first (it makes the tables findable)."""
    try:
        files = []
        for f in keep.parent.glob(pattern):
            if f.name.endswith(".pattern.npy"):
                continue
            st = f.stat()
            files.append((st.st_mtime, st.st_size, f))
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files, key=lambda x: x[0]):
            if total <= budget:
                break
            if f == keep:
                continue
            _pattern_file(f).unlink(missing_ok=True)  # unfindable first, then gone
            f.unlink(missing_ok=True)
            total -= size
    except OSError:  # pragma: no cover - another process pruned the same files
        pass


#: files written by this process, per kind (pruning runs every 64th)
_SAVED: dict[str, int] = {}


def _touch(path) -> None:  # noqa: ANN001 - pathlib.Path
    """Mark a cache file as recently used (pruning removes the least recently used first)."""
    import os

    try:
        os.utime(path)
    except OSError:
        pass


def _vix_rows(n_exp: int) -> int | None:
    """Days a cached VIX table file holds for an expiry ``n_exp`` days out: 64, 128 or 256 (None past 256)."""
    rows = max(VIX_TABLE_DISK_DAYS, int(_power_class(max(int(n_exp), 1))))
    return rows if rows <= DISK_CACHE_MAX_DAYS else None


def _sparse_empty(shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    """An uninitialised float array whose pages become resident only when written, 4 KB at a time (numpy
    asks for 2 MB huge pages on large arrays, so reading one day's row would make 2 MB resident)."""
    import mmap

    buf = mmap.mmap(-1, max(int(np.prod(shape)) * np.dtype(dtype).itemsize, 1))
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        try:
            buf.madvise(mmap.MADV_NOHUGEPAGE)
        except OSError:  # pragma: no cover - advisory only
            pass
    return np.frombuffer(buf, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


class _LazyTables:
    """A .npy file of float64 (2, n, ...) read row by row: ``read(days, re, im)`` copies rows ``days - 1`` of
    both halves into ``re``/``im`` with plain reads (no memory map: a mapped page fault makes megabytes
    resident per touch on large-folio file systems, all counted in the process's RSS)."""

    def __init__(self, path, offset: int, shape: tuple[int, ...]) -> None:  # noqa: ANN001 - pathlib.Path
        self.path, self.offset, self.n = path, offset, shape[1]
        self.row = int(np.prod(shape[2:])) * 8
        self.loaded = np.zeros(self.n, bool)

    @classmethod
    def open(cls, path, shape: tuple[int, ...]) -> _LazyTables | None:  # noqa: ANN001 - pathlib.Path
        import os

        try:
            with open(path, "rb") as fh:
                got, fortran, dtype = _npy_header(fh)
                offset = fh.tell()
            size = os.path.getsize(path)
        except (OSError, ValueError, EOFError):
            return None
        if tuple(got) != shape or fortran or dtype != np.dtype("<f8") or size != offset + int(np.prod(shape)) * 8:
            return None
        return cls(path, offset, shape)

    def read(self, days: np.ndarray, re: np.ndarray, im: np.ndarray) -> bool:
        """Rows ``days`` (1-based) into ``re``/``im`` (float64, or rounded to their dtype); False if the file is
        gone, short or not finite."""
        todo = [int(d) for d in np.asarray(days).reshape(-1) if not self.loaded[d - 1]]
        buf = np.empty(self.row // 8) if re.dtype != np.float64 else None
        try:
            with open(self.path, "rb") as fh:
                for d in todo:  # whole rows of a few hundred KB: a handful of reads per expiry
                    for half, dst in ((0, re), (1, im)):
                        fh.seek(self.offset + (half * self.n + d - 1) * self.row)
                        into = dst[d - 1] if buf is None else buf
                        if fh.readinto(memoryview(into).cast("B")) != self.row:
                            return False
                        if buf is not None:
                            dst[d - 1] = buf.reshape(dst.shape[1:])
                    if not (np.isfinite(re[d - 1]).all() and np.isfinite(im[d - 1]).all()):
                        return False
                    self.loaded[d - 1] = True
        except OSError:
            return False
        return True


def _save_array(path, arr: np.ndarray) -> None:  # noqa: ANN001 - pathlib.Path
    """Atomic write (tmp file + os.replace): readers see the old file or the whole new one, never a part."""
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:  # read-only home: the in-process arrays still serve
        pass


def payoff(kind: str, strike: float, x: np.ndarray) -> np.ndarray:
    """Value at expiry of an instrument on ``x`` (SPX or VIX points): ``kind`` "F" (the future: ``x``), "C" or
    "P" (the option's intrinsic value)."""
    if kind == "F":
        return x
    if kind == "C":
        return np.maximum(x - strike, 0.0)
    return np.maximum(strike - x, 0.0)


def _save_re_im(path, stack: np.ndarray) -> None:  # noqa: ANN001 - pathlib.Path
    """Atomic write of a complex ``stack`` as the float array ``np.stack([stack.real, stack.imag])`` (the same
    .npy bytes), written a few rows at a time instead of building that copy in memory."""
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": np.lib.format.dtype_to_descr(np.dtype(float)),
                                                      "fortran_order": False, "shape": (2, *stack.shape)})
            for part in (stack.real, stack.imag):
                for i in range(0, part.shape[0], 8):
                    fh.write(np.ascontiguousarray(part[i:i + 8], dtype=float).tobytes())
        os.replace(tmp, path)
    except OSError:  # read-only home: the in-process arrays still serve
        pass


class VixGridPricer:
    """VIX futures and options on the model VIX, by backward induction on a grid of H = h*.

    ``vix_coef``: (a0, a1) with VIX^2 = a0 + a1 H (decimal). Prices returned in VIX points.
    """

    def __init__(self, q: GarchParams, rate: float) -> None:
        self.q = q
        self.rate = float(rate)
        self.a0, self.a1 = q.vix_coefficients()
        self.lng = np.linspace(math.log(VG_LO), math.log(VG_HI), N_VG)
        self.grid = np.exp(self.lng)
        self.dlng = self.lng[1] - self.lng[0]
        z = np.linspace(-Z_MAX, Z_MAX, N_Z)
        w = np.exp(-0.5 * z * z)
        self.zw = w / w.sum()
        trans = _load_array(self._cache_path(), (N_VG, N_VG))
        if trans is None:
            trans = self._transition(*self._next_states())
            _save_array(self._cache_path(), trans)
            _release_after_build()
        self._trans = trans
        self._banks: dict[tuple[str, int], tuple[np.ndarray, dict[float, int]]] = {}  # (kind, n_exp) -> tables
        self._lock = threading.Lock()

    def _cache_path(self):  # noqa: ANN202 - pathlib.Path
        """Disk-cache file of the transition matrix: keyed on the Q law and every grid/quadrature constant."""
        key = repr((self.q, VG_LO, VG_HI, N_VG, N_Z, Z_MAX, N_ZJ, N_J1, N_J2, VIX_CACHE_VERSION))
        return _cache_file("vix-trans", key)

    @property
    def _jumps_load_variance(self) -> bool:
        """Crashes that load next day's variance change H's law (jumps that do not leave it alone)."""
        return bool(self.q.has_jumps and self.q.jump_var > 0)

    def _next_states(self) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """Next state for every (grid node, shock) (N_VG, N_Z), clipped to the grid, the probability of no jump
        per node and the jump branches [(prob per node, h', weights)] (none unless crashes load the variance)."""
        z = np.linspace(-Z_MAX, Z_MAX, N_Z)
        h_next = np.clip(self.q.next_variance(self.grid[:, None], z[None, :]), VG_LO, VG_HI)
        if not self._jumps_load_variance:
            return h_next, np.ones(N_VG), []
        return (h_next, *self._jump_branches(slice(None)))

    def _jump_branches(self, rows: slice) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """For the grid nodes ``rows``: (probability of no jump, [(prob, h' after one or two jumps, weights)])."""
        q = self.q
        g = self.grid[rows]
        xz, wz = np.polynomial.hermite.hermgauss(N_ZJ)
        zj, wz = math.sqrt(2.0) * xz, wz / wz.sum()
        base = q.next_variance(g[:, None], zj[None, :])  # (rows, N_ZJ)
        x1, w1 = np.polynomial.hermite.hermgauss(N_J1)
        j1, w1 = q.jump_mean + math.sqrt(2.0) * q.jump_std * x1, w1 / w1.sum()
        x2, w2 = np.polynomial.hermite.hermgauss(N_J2)
        e2, w2 = math.sqrt(2.0) * x2, w2 / w2.sum()
        # two jumps: J1^2 + J2^2 = (sqrt(2) m + s eta)^2 + s^2 xi^2, eta, xi iid N(0, 1)
        q2 = ((math.sqrt(2.0) * q.jump_mean + q.jump_std * e2[:, None]) ** 2 + (q.jump_std * e2[None, :]) ** 2).ravel()
        wq2 = np.outer(w2, w2).ravel()
        lam = q.intensity(g)
        p0 = np.exp(-lam)
        p1 = lam * p0
        p2 = np.maximum(1.0 - p0 - p1, 0.0)
        out = []
        for prob, sq, wq in ((p1, j1 * j1, w1), (p2, q2, wq2)):
            h = base[:, :, None] + q.jump_var * sq[None, None, :]
            out.append((prob, np.clip(h, VG_LO, VG_HI).reshape(len(g), -1), np.outer(wz, wq).ravel()))
        return p0, out

    def _first_rows(self, kind: str, strikes) -> np.ndarray:  # noqa: ANN001 - a sequence of floats
        """(len(strikes), N_VG): each strike's value one day before expiry (undiscounted), the first backward
        step, read from the model VIX after one day at every (node, shock) and jump branch. Computed
        ``FIRST_STEP_ROWS`` grid nodes at a time: the whole grid's two-jump branch is 17.7 MB of states and as
        much of model VIX, which a cache miss in the middle of a 1,000,000-path run used to add to its peak
        (issue 16)."""
        ks = np.asarray(strikes, float).reshape(-1, 1, 1)
        out = np.empty((ks.shape[0], N_VG))
        z = np.linspace(-Z_MAX, Z_MAX, N_Z)
        for r0 in range(0, N_VG, FIRST_STEP_ROWS):
            rows = slice(r0, r0 + FIRST_STEP_ROWS)
            h = np.clip(self.q.next_variance(self.grid[rows, None], z[None, :]), VG_LO, VG_HI)
            blk = self._payoff(kind, ks, self.vix_points(h)) @ self.zw
            if self._jumps_load_variance:
                p0, branches = self._jump_branches(rows)
                blk = p0 * blk
                for prob, h_j, weights in branches:
                    blk += prob * (self._payoff(kind, ks, self.vix_points(h_j)) @ weights)
            out[:, rows] = blk
        return out

    def vix_points(self, h: np.ndarray) -> np.ndarray:
        """Model VIX in points for state(s) H."""
        return 100.0 * np.sqrt(self.a0 + self.a1 * np.asarray(h, dtype=float))

    def _weights(self, h: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        pos = (np.log(np.clip(h, VG_LO, VG_HI)) - self.lng[0]) / self.dlng
        i0, t = _stencil(pos, N_VG)
        return i0, lagrange4(t)

    def _transition(self, h_next: np.ndarray, p_no_jump: np.ndarray,
                    jumps: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
        """(N_VG, N_VG) matrix M with (M v)[g] = E[v(H') | H = grid[g]] (cubic interpolation of v)."""
        M = self._expectation_matrix(h_next, self.zw)
        if jumps:
            M = p_no_jump[:, None] * M
            for prob, h_next, weights in jumps:
                M += prob[:, None] * self._expectation_matrix(h_next, weights)
        return M

    def _expectation_matrix(self, h_next: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """(N_VG, N_VG): row g, the ``weights``-weighted cubic interpolation of the next states ``h_next[g]``
        onto the grid; built a block of rows at a time (the whole two-jump branch's stencil weights took
        ~200 MB at once in a first compare on an empty cache)."""
        flat = np.zeros(N_VG * N_VG)
        step = max(1, TRANSITION_BATCH // max(h_next.shape[1], 1))
        for r0 in range(0, N_VG, step):
            hs = h_next[r0:r0 + step]
            i0, w = self._weights(hs)
            base = (np.arange(r0, r0 + hs.shape[0])[:, None] * N_VG + i0).ravel()
            for a in range(4):
                flat += np.bincount(base + a, (w[a] * weights[None, :]).ravel(), minlength=N_VG * N_VG)
        return flat.reshape(N_VG, N_VG)

    @staticmethod
    def _payoff(kind: str, strike: float, v: np.ndarray) -> np.ndarray:
        """Payoff at expiry of model VIX ``v`` (points)."""
        return payoff(kind, strike, v)

    def values(self, kind: str, strike: float, n_exp: int) -> np.ndarray:
        """(n_exp + 1, N_VG): value with m = 0..n_exp days to expiry on the grid (m = 0 is the payoff).

        kind "F" (future, undiscounted, strike ignored), "C"/"P" (VIX options, discounted).
        """
        bank, slots = self.tables(kind, np.array([strike], float), n_exp)
        return bank[slots[0]]

    def tables(self, kind: str, strikes: np.ndarray, n_exp: int) -> tuple[np.ndarray, np.ndarray]:
        """(bank, slots): ``bank[slots[i]]`` is ``values(kind, strikes[i], n_exp)``; one array for all strikes,
        so points of many strikes are read by one gather (``vix_values_at``). Tables are computed once and
        kept per (kind, n_exp) in an append-only bank (bounded: ``VIX_BANK_BYTES`` a pricer, then started afresh)."""
        ks = [float(k) if kind != "F" else 0.0 for k in np.asarray(strikes, float).reshape(-1)]
        key = (kind, int(n_exp))
        with self._lock:
            bank, slot_of = self._banks.get(key, (None, {}))
            missing = [k for k in dict.fromkeys(ks) if k not in slot_of]
        if not missing:
            return bank, np.array([slot_of[k] for k in ks], np.intp)
        built = self._compute_many(kind, missing, n_exp)  # outside the lock: threads price on
        per = (int(n_exp) + 1) * N_VG * 8
        with self._lock:
            bank, slot_of = self._banks.get(key, (None, {}))
            new = [k for k in built if k not in slot_of]
            others = sum(b.nbytes for kk, (b, _) in self._banks.items() if kk != key)
            if others + (len(slot_of) + len(new)) * per > VIX_BANK_BYTES:  # bounded: a long-running bot (and
                self._banks.clear()  # 1,000,000 paths) prices many strikes; the disk cache serves them again
                bank, slot_of, others = None, {}, 0
                # every strike of this call goes in the fresh bank
                built.update(self._compute_many(kind, [k for k in dict.fromkeys(ks) if k not in built], n_exp))
                new = list(built)
            used = len(slot_of)
            need = used + len(new)
            if bank is None or need > bank.shape[0]:
                # doubling, but never past the bound (one call's strikes always fit)
                grown = np.empty((min(2 * need, max(need, (VIX_BANK_BYTES - others) // per)), n_exp + 1, N_VG))
                if bank is not None:
                    grown[:used] = bank[:used]
                bank = grown
            slot_of = dict(slot_of)  # readers holding the old mapping keep a consistent one
            for k in new:
                bank[used] = built[k]
                slot_of[k] = used
                used += 1
            self._banks[key] = (bank, slot_of)
            return bank, np.array([slot_of[k] for k in ks], np.intp)

    def _compute(self, kind: str, strike: float, n_exp: int) -> np.ndarray:
        """``values(kind, strike, n_exp)``, from the disk cache or computed (``_compute_many``)."""
        return self._compute_many(kind, [strike], n_exp)[strike]

    def _compute_many(self, kind: str, strikes, n_exp: int) -> dict[float, np.ndarray]:  # noqa: ANN001
        """{strike: values(kind, strike, n_exp)}: read from the disk cache (one file per law, kind and strike
        holding 64, 128 or 256 days: row m is m days to expiry whatever the expiry, issue 16), else computed
        (the first backward step of all the missing strikes together) and written."""
        rows = _vix_rows(n_exp)
        out: dict[float, np.ndarray] = {}
        paths = {k: None if rows is None else self._table_path(kind, k, rows) for k in strikes}  # one file a strike
        todo = []
        for k, path in paths.items():
            got = None if path is None else _load_array(path, (rows + 1, N_VG))
            if got is None:
                todo.append(k)
            else:
                _touch(path)
                out[k] = got[: n_exp + 1].copy()
        if not todo:
            return out
        n = n_exp if rows is None else rows
        first = self._first_rows(kind, todo) if n >= 1 else [None] * len(todo)
        for k, f in zip(todo, first):
            table = self._compute_rows(kind, k, n, first=f)
            path = paths[k]
            if path is not None:
                _save_array(path, table)
                _SAVED["vix-table"] = _SAVED.get("vix-table", 0) + 1
                if _SAVED["vix-table"] % 64 == 1:  # the directory scanned now and then, not per file
                    _prune_files(path, "vix-table-*.npy", VIX_TABLE_CACHE_BYTES)
            out[k] = table[: n_exp + 1].copy()
        del first
        _release_after_build()
        return out

    def _table_path(self, kind: str, strike: float, rows: int):  # noqa: ANN202 - pathlib.Path
        """Disk-cache file of one (kind, strike) table for 0..rows days: keyed on the Q law, rate, every grid and
        quadrature constant and the version."""
        key = repr((self.q, self.rate, kind, float(strike) if kind != "F" else 0.0, rows, VG_LO, VG_HI, N_VG, N_Z,
                    Z_MAX, N_ZJ, N_J1, N_J2, VIX_CACHE_VERSION))
        return _cache_file("vix-table", key)

    def _compute_rows(self, kind: str, strike: float, n_exp: int, first: np.ndarray | None = None) -> np.ndarray:
        """(n_exp + 1, N_VG) by backward induction; ``first``: row 1 (``_first_rows``) when already computed."""
        out = np.empty((n_exp + 1, N_VG))
        out[0] = self._payoff(kind, strike, self.vix_points(self.grid))
        if n_exp >= 1:
            out[1] = self._first_rows(kind, [strike])[0] if first is None else first
            for m in range(2, n_exp + 1):
                out[m] = self._trans @ out[m - 1]
        if kind != "F":
            out *= np.exp(-self.rate * np.arange(n_exp + 1) / TRADING_DAYS)[:, None]
        return out

    def evaluate(self, table: np.ndarray, m: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Interpolate ``table`` (rows m) at remaining days m (int, >= 1) and states h (broadcast)."""
        m, h = np.broadcast_arrays(np.asarray(m, dtype=np.int64), np.asarray(h, dtype=float))
        i0, w = self._weights(h)
        flat = table.reshape(-1)
        base = m * N_VG + i0
        return sum(w[a] * flat.take(base + a) for a in range(4))


def vix_values_at(pricers: list[VixGridPricer], which: np.ndarray, kind: str, strikes: np.ndarray, n_exp: int,
                  m: np.ndarray, h: np.ndarray) -> np.ndarray:
    """VIX option (or future) values at points, without whole (N, T+1) tables: point i is valued by
    ``pricers[which[i]]`` at strike ``strikes[i]``, ``m[i]`` >= 1 days before the expiry ``n_exp`` days out,
    state ``h[i]``; the numbers ``evaluate(values(kind, strike, n_exp), m, h)`` gives (same arithmetic)."""
    out = np.empty(np.shape(h))
    if out.size == 0:
        return out
    i0, w = pricers[0]._weights(h)  # the grid is a module constant: the same for every pricer
    base = np.asarray(m, np.int64) * N_VG + i0
    which = np.broadcast_to(np.asarray(which, np.int64), out.shape)
    strikes = np.broadcast_to(np.asarray(strikes, float), out.shape)
    per = (n_exp + 1) * N_VG
    for p in np.unique(which):  # one gather per law (15 at most): every strike's table sits in one bank
        idx = np.flatnonzero(which == p)
        ks, inv = np.unique(strikes[idx], return_inverse=True)
        bank, slots = pricers[p].tables(kind, ks, n_exp)
        flat = bank.reshape(-1)
        b = base[idx] + slots[inv.reshape(-1)] * per
        out[idx] = sum(w[a][idx] * flat.take(b + a) for a in range(4))
    return out


@lru_cache(maxsize=PRICERS_KEPT)
def vix_pricer(q: GarchParams, rate: float) -> VixGridPricer:
    return VixGridPricer(q, rate)
