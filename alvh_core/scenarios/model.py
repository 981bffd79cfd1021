"""``ScenarioModel``: the one interface ``alvh_core.edge.compare`` takes.

A scenario model

- ``calibrate(market, targets)`` -> an anchored copy of itself whose pricing law reproduces today's
  prices (``targets``: :class:`alvh_core.scenarios.anchor.MarketTarget`), with ``fit`` saying how close;
- ``simulate(market, n_days, n_paths, seed, premia)`` -> a :class:`alvh_core.scenarios.base.MarketPaths`
  (joint SPX/VIX paths with every instrument priced along them);
- ``assumptions()`` -> the lines an answer prints (model, premia, calibration error).

Implementations: :class:`HNGarchModel` (Heston-Nandi GARCH with crash jumps, anchored to the market by a
minimum-relative-entropy mixture, :mod:`alvh_core.scenarios.anchor`) and :class:`BootstrapModel`
(historical blocks, priced by a Heston-Nandi law; not market-anchored, said so). A later model plugs in by
implementing the three methods: ``compare`` never asks which class it holds.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol, runtime_checkable

import numpy as np

from alvh_core.models import MarketState, OptionKind
from alvh_core.scenarios.anchor import MarketFit, MarketTarget, Node, anchor
from alvh_core.scenarios.base import MarketPaths
from alvh_core.scenarios.hn_garch import TRADING_DAYS
from alvh_core.scenarios.params import ModelParams, load_default_params, premia_lines
from alvh_core.scenarios.pricer import payoff
from alvh_core.scenarios.simulation import (
    PathClock,
    SimulatedPaths,
    _step_of,
    bootstrap_paths,
    check_option,
    simulate,
    vix_options_at,
)


@runtime_checkable
class ScenarioModel(Protocol):
    """Calibrate to a market, simulate, price along the paths, say its assumptions."""

    name: str
    fit: MarketFit | None

    def calibrate(self, market: MarketState, targets: list[MarketTarget]) -> ScenarioModel:
        """A copy whose pricing law matches ``targets`` as of ``market.asof`` (``fit`` reports how well)."""
        ...

    def simulate(self, market: MarketState, n_days: int, n_paths: int, seed: int, premia: bool) -> MarketPaths:
        """``n_paths`` paths over ``n_days`` trading days; ``premia=False``: the real-world law IS the pricing law."""
        ...

    def calibration_key(self, market: MarketState, targets: list[MarketTarget]) -> tuple | None:
        """Everything ``calibrate(market, targets)`` reads, when the fit is a deterministic function of it (so a
        caller may reuse a fit: ``edge.calibrated``); None: do not reuse."""
        ...

    def assumptions(self) -> list[str]:
        ...


# ---- the mixture path set ------------------------------------------------------------------------
#: price the blocks of one law as one group (False: block by block, the reference; the same numbers)
GROUPED = True


def _allocate(weights: np.ndarray, pairs: int) -> np.ndarray:
    """Whole antithetic pairs per node, proportional to ``weights`` (largest remainder)."""
    raw = weights * pairs
    base = np.floor(raw).astype(int)
    left = pairs - int(base.sum())
    if left > 0:
        base[np.argsort(-(raw - base))[:left]] += 1
    return base


def mixture_rows(counts: list[int]) -> list[np.ndarray]:
    """Row indices of each block of a ``MixturePaths`` with ``counts`` antithetic pairs per block: the first
    halves of the blocks, in order, then their second halves (``MixturePaths._gather``)."""
    pairs = int(sum(counts))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    return [np.concatenate([np.arange(o, o + c), pairs + np.arange(o, o + c)]) for o, c in zip(offsets, counts, strict=True)]


def block_today_prices(block: SimulatedPaths, legs: tuple[tuple[str, float], ...], n_exp: int) -> np.ndarray:
    """(legs,) the reference of ``MixturePaths.today_prices`` for one block: one pricer call per leg."""
    pricer = block.spx_pricer(n_exp)
    s0, h_q0 = float(block.spot[0, 0]), float(block.h_q[0, 0])
    return np.array([float(pricer.price(kind == "C", np.array([s0]), strike, np.array([n_exp]), np.array([h_q0]))[0][0])
                     for kind, strike in legs])


@dataclasses.dataclass(eq=False)
class MixturePaths(PathClock):
    """Paths of a mixture of Heston-Nandi laws (implements ``MarketPaths``).

    Path blocks come from the mixture's nodes (each its own law and starting state); antithetic pairs
    stay i <-> i + N/2 across the whole set. From step 1 on a path is priced by its node's law; at step 0
    every path carries the mixture price (the mean over the paths of the nodes' prices), so today's price
    is one number and prices are martingales under the mixture.
    """

    blocks: list[SimulatedPaths]
    counts: list[int]  # pairs per block
    asof: dt.date | None
    assumptions: list[str]
    antithetic: bool = True
    #: each block's node in the calibrated model (the same node in every chunk of a compare; None: block index)
    keys: list[int] | None = None
    t: np.ndarray = dataclasses.field(init=False)
    spot: np.ndarray = dataclasses.field(init=False)
    vix: np.ndarray = dataclasses.field(init=False)
    rate: float = dataclasses.field(init=False)
    #: (pricers, pricer of each path, h_q, vix) gathered for ``vix_option_at`` (built on first use)
    _point_law: tuple | None = dataclasses.field(init=False, default=None, repr=False)
    _h_q: np.ndarray | None = dataclasses.field(init=False, default=None, repr=False)
    _vix_blocks: np.ndarray | None = dataclasses.field(init=False, default=None, repr=False)
    _rows: list | None = dataclasses.field(init=False, default=None, repr=False)
    _group_memo: dict = dataclasses.field(init=False, default_factory=dict, repr=False)
    _stencils: dict = dataclasses.field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.t = self.blocks[0].t
        self.rate = self.blocks[0].rate
        self.spot = self._gather([b.spot for b in self.blocks])
        vix = self._gather([b.vix for b in self.blocks])
        vix[:, 0] = np.sqrt(np.mean(vix[:, 0] ** 2))  # today's model VIX: the mixture's 30-day variance
        self.vix = vix

    def _gather(self, arrays: list[np.ndarray]) -> np.ndarray:
        firsts = [a[:c] for a, c in zip(arrays, self.counts, strict=True)]
        seconds = [a[c:] for a, c in zip(arrays, self.counts, strict=True)]
        return np.concatenate(firsts + seconds, axis=0)

    def _today(self, x: np.ndarray) -> np.ndarray:
        x[:, 0] = x[:, 0].mean()
        return x

    # ---- prices along the paths: the blocks of one law priced as one group (issue 16) -------------------
    # A mixture has one block per weighted node (about 60 with the 26 regimes), but the nodes of one regime share
    # its law and so its pricer (tables): their rows are priced in one call, the starting state being per row.
    # Every price is a function of its own (spot, state, days left) only, so the numbers are those of the per-block
    # reference (``*_by_block``), bit for bit (tests/test_mixture_grouped.py).

    @property
    def gathered_h_q(self) -> np.ndarray:
        """(N, T+1) risk-neutral state of every path (its block's law), gathered as ``spot``."""
        if self._h_q is None:
            self._h_q = self._gather([b.h_q for b in self.blocks])
        return self._h_q

    def _block_groups(self, kind: str, n_exp: int) -> list[tuple[Any, list[int]]]:
        """[(pricer, block indices)]: the blocks sharing one pricer (``kind`` "spx": the SPX pricer of the expiry
        ``n_exp`` steps ahead; "vix": the VIX pricer), in order of first appearance."""
        key = (kind, n_exp if kind == "spx" else 0)
        got = self._group_memo.get(key)
        if got is None:
            by: dict[int, tuple[Any, list[int]]] = {}
            for i, b in enumerate(self.blocks):
                pricer = b.spx_pricer(n_exp) if kind == "spx" else b.vix_pricer()
                by.setdefault(id(pricer), (pricer, []))[1].append(i)
            got = self._group_memo[key] = list(by.values())
        return got

    def _groups(self, kind: str, n_exp: int) -> list[tuple[Any, np.ndarray]]:
        """[(pricer, rows)]: the rows (sorted) of the blocks sharing one pricer (see ``_block_groups``)."""
        key = ("rows", kind, n_exp if kind == "spx" else 0)
        got = self._group_memo.get(key)
        if got is None:
            rows = self.rows
            got = self._group_memo[key] = [(p, np.sort(np.concatenate([rows[i] for i in ids])))
                                           for p, ids in self._block_groups(kind, n_exp)]
        return got

    def today_prices(self, legs: tuple[tuple[str, float], ...], n_exp: int) -> np.ndarray:
        """(blocks, legs): each SPX option ``legs[j]`` = (kind, strike) expiring ``n_exp`` >= 1 steps ahead priced
        today by each block's own law at its starting spot and state (the table price of the block's date 0,
        before the mixture's average); the blocks of one law in one call per option kind."""
        out = np.empty((len(self.blocks), len(legs)))
        if not GROUPED:
            for i, b in enumerate(self.blocks):
                out[i] = block_today_prices(b, legs, n_exp)
            return out
        for pricer, ids in self._block_groups("spx", n_exp):
            s0 = np.array([self.blocks[i].spot[0, 0] for i in ids])
            h0 = np.array([self.blocks[i].h_q[0, 0] for i in ids])
            for kind in ("P", "C"):
                cols = [j for j, (kd, _) in enumerate(legs) if kd == kind]
                if not cols:
                    continue
                shape = (len(cols), len(ids))
                strikes = np.array([float(legs[j][1]) for j in cols])[:, None]
                p, _ = pricer.price(kind == "C", np.broadcast_to(s0, shape), strikes, np.full(shape, n_exp),
                                    np.broadcast_to(h0, shape))
                out[np.ix_(ids, cols)] = p.T
        return out

    @property
    def rows(self) -> list[np.ndarray]:
        """Row indices of each block in the gathered arrays (first halves of the blocks, then second halves)."""
        if self._rows is None:
            self._rows = mixture_rows(self.counts)
        return self._rows

    def spx_option(self, kind: OptionKind, strike: float, expiry_t: float) -> tuple[np.ndarray, np.ndarray]:
        if not GROUPED:
            return self.spx_option_by_block(kind, strike, expiry_t)
        check_option(kind, strike, "strike must be positive")
        n_exp = _step_of(expiry_t)
        left = n_exp - np.arange(self.n_steps + 1)
        live = int(np.count_nonzero(left > 0))
        price = np.empty_like(self.spot)
        delta = np.zeros_like(self.spot)
        if live:
            h_q = self.gathered_h_q
            for pricer, rows in self._groups("spx", n_exp):
                stencil = self._stencils.get((n_exp, id(pricer)))
                if stencil is None:
                    n_left = np.broadcast_to(left[None, :live], (rows.size, live))
                    stencil = self._stencils[(n_exp, id(pricer))] = pricer.prepare(n_left, h_q[rows, :live])
                p, d = pricer.price(kind == "C", self.spot[rows, :live], strike, left[None, :live], h_q[rows, :live],
                                    stencil)
                price[rows, :live] = p
                delta[rows, :live] = d
        if live <= self.n_steps:
            price[:, live:] = payoff(kind, strike, self.spot[:, n_exp])[:, None]
        return self._today(price), self._today(delta)

    def _vix_instrument(self, kind: str, strike: float, expiry_t: float) -> np.ndarray:
        n_exp = _step_of(expiry_t)
        left = n_exp - np.arange(self.n_steps + 1)
        live = int(np.count_nonzero(left > 0))
        out = np.empty_like(self.spot)
        if live:
            h_q = self.gathered_h_q
            for vp, rows in self._groups("vix", n_exp):
                table = vp.values(kind, strike, n_exp)
                out[rows, :live] = vp.evaluate(table, left[None, :live], h_q[rows, :live])
        if live <= self.n_steps:
            out[:, live:] = payoff(kind, strike, 100.0 * self._vix_law[:, n_exp])[:, None]
        return self._today(out)

    @property
    def _vix_law(self) -> np.ndarray:
        """The blocks' own model VIX gathered (``vix`` carries the mixture's VIX on date 0)."""
        if self._vix_blocks is None:
            self._vix_blocks = self._gather([b.vix for b in self.blocks])
        return self._vix_blocks

    def vix_future(self, expiry_t: float) -> np.ndarray:
        if not GROUPED:
            return self.vix_future_by_block(expiry_t)
        return self._vix_instrument("F", 0.0, expiry_t)

    def vix_option(self, kind: OptionKind, strike: float, expiry_t: float) -> np.ndarray:
        if not GROUPED:
            return self.vix_option_by_block(kind, strike, expiry_t)
        check_option(kind, strike, "VIX strike must be positive vol points")
        return self._vix_instrument(kind, float(strike), expiry_t)

    # the references: every block priced on its own, then gathered
    def spx_option_by_block(self, kind: OptionKind, strike: float, expiry_t: float) -> tuple[np.ndarray, np.ndarray]:
        parts = [b.spx_option(kind, strike, expiry_t) for b in self.blocks]
        return self._today(self._gather([p for p, _ in parts])), self._today(self._gather([d for _, d in parts]))

    def vix_future_by_block(self, expiry_t: float) -> np.ndarray:
        return self._today(self._gather([b.vix_future(expiry_t) for b in self.blocks]))

    def vix_option_by_block(self, kind: OptionKind, strike: float, expiry_t: float) -> np.ndarray:
        return self._today(self._gather([b.vix_option(kind, strike, expiry_t) for b in self.blocks]))

    def vix_option_at(self, kind: OptionKind, strike: float | np.ndarray, expiry_t: float, rows: np.ndarray,
                      days: np.ndarray) -> np.ndarray:
        """``vix_option(kind, strike, expiry_t)[rows, days]`` priced at those points only (``strike`` may be one
        per point): each path by its block's law; date 0 carries the mixture price (the mean over all paths)."""
        rows, days = np.broadcast_arrays(np.asarray(rows, np.intp), np.asarray(days, np.intp))
        strikes = np.broadcast_to(np.asarray(strike, float), rows.shape)
        if _step_of(expiry_t) < 1:  # expiring today: the whole table is one column
            return np.array([self.vix_option(kind, float(k), expiry_t)[r, d] for k, r, d in zip(strikes, rows, days)])
        if self._point_law is None:
            pricers: list = []
            index: dict[int, int] = {}
            which = []
            for b in self.blocks:
                vp = b.vix_pricer()
                which.append(np.full(b.n_paths, index.setdefault(id(vp), len(index))))
                if len(pricers) < len(index):
                    pricers.append(vp)
            self._point_law = (pricers, self._gather(which), self.gathered_h_q, self._vix_law)
        pricers, which, h_q, vix = self._point_law
        out = vix_options_at(pricers, which[rows], h_q, vix, kind, strikes, expiry_t, rows, days)
        today = days == 0
        if today.any():  # the mixture price of each strike asked on date 0
            ks = np.unique(strikes[today])
            firsts, block_of = self._date0_blocks()
            if GROUPED and firsts is not None:
                # every path of a block starts in the block's state: its date-0 price is the block's first row's;
                # all strikes at the blocks' first rows in one call, spread over the paths (the same numbers)
                rr = np.tile(firsts, ks.size)
                col = vix_options_at(pricers, which[rr], h_q, vix, kind, np.repeat(ks, firsts.size), expiry_t, rr,
                                     np.zeros(rr.size, np.intp)).reshape(ks.size, firsts.size)
                for j, k in enumerate(ks):
                    out[today & (strikes == k)] = col[j][block_of].mean()
                return out
            everyone = np.arange(self.n_paths)
            for k in ks:
                col0 = vix_options_at(pricers, which, h_q, vix, kind, float(k), expiry_t, everyone,
                                      np.zeros(self.n_paths, np.intp))
                out[today & (strikes == k)] = col0.mean()
        return out

    def _date0_blocks(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(first row of each block, block of each row); (None, ...) unless every path of each block starts in its
        block's first row's state and VIX (as ``simulate`` draws them)."""
        if "date0" not in self._group_memo:
            firsts = np.array([r[0] for r in self.rows], np.intp)
            block_of = np.empty(self.n_paths, np.intp)
            for i, r in enumerate(self.rows):
                block_of[r] = i
            h0, v0 = self.gathered_h_q[:, 0], self._vix_law[:, 0]
            same = bool(np.array_equal(h0, h0[firsts][block_of]) and np.array_equal(v0, v0[firsts][block_of]))
            self._group_memo["date0"] = (firsts if same else None, block_of)
        return self._group_memo["date0"]

    def realized_vol(self, start: int = 0, end: int | None = None) -> np.ndarray:
        end = self.n_steps if end is None else end
        r = np.diff(np.log(self.spot[:, start: end + 1]), axis=1)
        return np.sqrt(TRADING_DAYS * np.mean(r * r, axis=1))


# ---- Heston-Nandi --------------------------------------------------------------------------------
@dataclasses.dataclass
class HNGarchModel:
    """Heston-Nandi GARCH with crash jumps; ``calibrate`` anchors its pricing law to today's market.

    Unanchored (``nodes`` None) it starts in the state whose model VIX is today's VIX (the old engine).

    Event days (issue 17): scheduled FOMC decisions and CPI releases after ``market.asof`` carry
    ``event_bump`` x the diffusive variance of an ordinary day (``alvh_core.events.EVENT_VARIANCE_BUMP``, the
    ratio measured by ``alvh events --study``; None or 1: off), normalised by the long-run share of event
    days. The same multipliers are in the anchor's leg prices (the pricing law's calibration respects the
    events inside the condor's life), in the simulated paths of both laws and in the SPX option prices
    along them, so premia off still means no edge.
    """

    params: ModelParams = dataclasses.field(default_factory=lambda: load_default_params(jumps=True))
    regimes: list[ModelParams] | None = None
    nodes: list[Node] | None = None
    fit: MarketFit | None = None
    name: str = ""
    event_bump: float | None = dataclasses.field(default_factory=lambda: _default_bump())
    #: an ``alvh_core.events.EventCalendar`` (None: the default calendar, ALVH_EVENTS or the package file)
    event_calendar: Any = None

    def __post_init__(self) -> None:
        if not self.name:
            self.name = "Heston-Nandi GARCH" + (" with crash jumps" if self.params.has_jumps else "")

    def event_multipliers(self, market: MarketState, n_days: int) -> np.ndarray | None:
        """(n_days,) variance multipliers of the steps after ``market.asof``, or None (no bump, no event)."""
        if self.event_bump is None or self.event_bump == 1.0 or market.asof is None or n_days < 1:
            return None
        from alvh_core.events import EVENT_DAY_SHARE, event_multipliers_for

        m = event_multipliers_for(market.asof, n_days, bump=self.event_bump, calendar=self.event_calendar,
                                  frequency=EVENT_DAY_SHARE)
        return None if np.all(m == 1.0) else m

    def event_line(self, market: MarketState, n_days: int) -> str:
        """The assumption line naming the events inside the horizon and the bump applied."""
        from alvh_core.events import BUMP_KINDS, default_calendar, describe_events, trading_days_after

        if self.event_bump is None or self.event_bump == 1.0:
            return "event days: no bump (every day has the same variance law)"
        if market.asof is None or n_days < 1:
            return "event days: no valuation date, no event calendar applied"
        cal = self.event_calendar if self.event_calendar is not None else default_calendar()
        end = trading_days_after(market.asof, n_days)[-1].astype(dt.date)
        evs = [e for e in cal.before_expiry(market.asof, end) if e.scheduled and e.kind in BUMP_KINDS]
        if not evs:
            return f"event days: no scheduled FOMC/CPI day through {end} (bump {self.event_bump:g}x unused)"
        return (f"event days: {describe_events(evs)} carry {self.event_bump:g}x the variance of an ordinary day "
                "(measured 1990-2018: 1.08 [0.93, 1.24], alvh events --study), in both laws, in the calibration "
                "of the pricing law and in the SPX option prices along the paths; VIX and its derivatives do "
                "not see them")

    def calibration_key(self, market: MarketState, targets: list[MarketTarget]) -> tuple | None:
        """The law's parameters, the event bump and calendar (the default one, read through ``ALVH_EVENTS``),
        today's market and the targets; None for an already anchored copy or a custom event calendar."""
        if self.nodes is not None or self.event_calendar is not None:
            return None
        import os

        return (self.params.model_dump_json(), self.event_bump, self.name, os.environ.get("ALVH_EVENTS"),
                market.model_dump_json(), tuple(t.model_dump_json() for t in targets))

    def calibrate(self, market: MarketState, targets: list[MarketTarget]) -> HNGarchModel:
        n = max((t.steps for t in targets if t.kind in ("SPX_P", "SPX_C", "CONDOR")), default=0)
        regs, nodes, fit = anchor(self.params, market, targets, self.event_multipliers(market, n))
        return dataclasses.replace(self, regimes=regs, nodes=nodes, fit=fit,
                                   name=self.name + ", anchored to today's market")

    def simulate(self, market: MarketState, n_days: int, n_paths: int, seed: int, premia: bool) -> MarketPaths:
        n_paths += n_paths % 2  # antithetic pairs: an odd request is rounded up
        mult = self.event_multipliers(market, n_days)
        if self.nodes is None or self.regimes is None:
            paths = simulate(market, n_days, n_paths=n_paths, seed=seed, premia=premia, params=self.params,
                             event_variance=mult)
            paths.assumptions.extend(premia_lines(self.params, premia))
            paths.assumptions.append(self.event_line(market, n_days))
            return paths
        w = np.array([n.weight for n in self.nodes])
        counts = _allocate(w / w.sum(), n_paths // 2)
        keep = [i for i, c in enumerate(counts) if c > 0]
        children = np.random.SeedSequence(seed).spawn(len(keep))
        blocks = [simulate(market, n_days, n_paths=2 * int(counts[i]), seed=np.random.default_rng(ss), premia=premia,
                           params=self.regimes[self.nodes[i].regime], h_q0=self.nodes[i].h_q0,
                           event_variance=mult)
                  for i, ss in zip(keep, children, strict=True)]
        return MixturePaths(blocks=blocks, counts=[int(counts[i]) for i in keep], asof=market.asof, keys=keep,
                            assumptions=self.assumptions(n_paths, n_days, seed, premia)
                            + [self.event_line(market, n_days)])

    def assumptions(self, n_paths: int | None = None, n_days: int | None = None, seed: int | None = None,
                    premia: bool | None = None) -> list[str]:
        out = [self.params.describe()]
        if n_paths is not None:
            out.append(f"{n_paths} paths x {n_days} trading days, seed {seed}, antithetic shocks, "
                       + ("real-world law = pricing law + premia" if premia
                          else "premia OFF: paths follow the pricing law"))
            out.extend(premia_lines(self.params, bool(premia)))
        if self.fit is not None:
            out.append(f"pricing law: {self.fit.method} (minimum relative entropy {self.fit.entropy:.2f} to the prior)")
            out.append(self.fit.summary())
        else:
            out.append("pricing law NOT anchored to today's market: started at the state matching today's VIX")
        return out


def _default_bump() -> float:
    from alvh_core.events import EVENT_VARIANCE_BUMP

    return EVENT_VARIANCE_BUMP


# ---- bootstrap -------------------------------------------------------------------------------------
@dataclasses.dataclass
class BootstrapModel:
    """Blocks of historical daily (SPX, VIX) moves, priced by a Heston-Nandi law from each day's VIX.

    It has no pricing law of its own to anchor: ``calibrate`` records the fit of the pricing model at
    today's VIX (unanchored) so every answer still prints the calibration error."""

    history: object
    params: ModelParams = dataclasses.field(default_factory=load_default_params)
    block: int = 10
    fit: MarketFit | None = None
    name: str = "block bootstrap of 1990-2018 daily moves"

    def calibration_key(self, market: MarketState, targets: list[MarketTarget]) -> tuple | None:
        return None  # cheap (one node) and its history object is not hashed: always recomputed

    def calibrate(self, market: MarketState, targets: list[MarketTarget]) -> BootstrapModel:
        from alvh_core.scenarios.anchor import fit_rows, node_prices
        from alvh_core.scenarios.simulation import initial_state

        h0, _ = initial_state(self.params, market.vix)
        model = node_prices(self.params, np.array([h0]), targets, market.spot, market.rate, market.div_yield)[:, 0]
        fit = MarketFit(rows=fit_rows(targets, model), method="not anchored (bootstrap): the pricing model at "
                        "today's VIX", nodes=1, entropy=0.0)
        return dataclasses.replace(self, fit=fit)

    def simulate(self, market: MarketState, n_days: int, n_paths: int, seed: int, premia: bool) -> MarketPaths:
        if not premia:
            raise ValueError("--bootstrap resamples history, which carries its own premia: drop --no-premia")
        return bootstrap_paths(self.history, market, n_days, n_paths=n_paths, seed=seed, block=self.block,
                               params=self.params)

    def assumptions(self) -> list[str]:
        out = [f"{self.name}, blocks of {self.block} days; " + self.params.describe()]
        if self.fit is not None:
            out.append(self.fit.summary())
        return out
