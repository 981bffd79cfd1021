"""Control variates for the management comparison: tighter standard errors from the same paths.

Two parts, kept apart on purpose:

1. The estimator (model-free). ``ControlVariates`` accumulates the moments of per-unit values ``y``
   (one column per quantity, e.g. each strategy minus leg out) and controls ``c`` whose means ``mu`` are
   known EXACTLY, chunk by chunk (so a streaming simulation gives the same answer as one big array).
   ``result(mu)`` gives, per column, the regression estimate

       est = mean(y) - beta' (mean(c) - mu),   beta = Cov(c, c)^-1 Cov(c, y)

   with its standard error sqrt(Var(y - beta' c) / n) (n - K - 1 degrees of freedom) and the plain
   estimate / SE side by side. With antithetic shocks a "unit" is a +z/-z pair averaged
   (``alvh_core.edge.sampling_units``), so both SEs are over independent draws. Estimating beta on the
   same paths makes the estimate biased by O(1/n) only (far below the SE at any path count in use);
   ``tests/test_variance_reduction.py`` checks it against a much larger plain run.

2. The controls (``model_controls``): instruments whose expectation under the law the paths follow is
   known in closed form or by the law's own generating function, computed from the same paths:

   - the discounted settlement of each condor leg at the condor's expiry; mean = the law's COS price
     (``scenarios.pricer.cos_put_reference`` with the paths' own law: risk neutral when premia are off,
     the real-world law when on; calls by put-call parity with that law's E[S_T]);
   - the discounted SPX level at expiry; mean = S0 e^{-r tau} E[S_T/S0] from the generating function;
   - martingale differences along each path: the condor's delta-hedge gains
     sum_j disc_j Delta_j (S_{j+1} - E[S_{j+1} | F_j]), the SPX innovations sum_j disc_j (S_{j+1} - E[.])
     and the variance innovations sum_j disc_j w_j (h_{j+1} - E[h_{j+1} | F_j]) with w = 1, h_j and the
     tested short's |delta|; each once over every day and once more per "held" mask (the days a strategy
     still holds its condor, e.g. before a take-profit/stop exit, or an ALVH hedge layer: ``held_masks``
     reads them from the strategy's ``extra``). Every weight is known at day j's close, so the mean is
     exactly 0 (one-day conditional means of the Heston-Nandi recursion, jumps included).

   ``union`` merges every strategy's controls into one set, so one regression per chunk serves all.

   Only paths that come from the scenario model (``source == "model"``, or a mixture of such blocks: the
   anchored engine) have known means; for anything else (the block bootstrap, history)
   ``model_controls`` returns None and the plain SE is reported.
"""
from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class CVResult:
    """Per column of y: reduced estimate and SE, plain estimate and SE, and the R^2 of the regression."""

    estimate: np.ndarray
    se: np.ndarray
    plain: np.ndarray
    se_plain: np.ndarray
    r2: np.ndarray
    n_units: int
    #: the part of ``se`` (in quadrature) for controls carried by too few units to be used: their sample mean's
    #: miss of their exact mean times the estimate's coefficient on them (0 where none)
    unreached: np.ndarray | None = None


#: a mixture's controls computed for the blocks of one law at once (False: block by block, the reference)
GROUPED_CONTROLS = True

#: fewest effective units (sum c^2)^2 / sum c^4 a control needs to be used (see ``ControlVariates.result``)
MIN_EFFECTIVE_UNITS = 50


class ControlVariates:
    """Streaming moments of (y, c) over sampling units; ``add`` chunks, then ``result(mu)``.

    ``y`` (n, S) values per unit, ``c`` (n, K) controls per unit. Sums are kept about a shift taken
    from the first chunk (numerically safe for large, nearly constant columns such as dollar P&L).
    """

    def __init__(self) -> None:
        self.n = 0
        self._shift_y: np.ndarray | None = None
        self._shift_c: np.ndarray | None = None
        #: the label of each control column (``add(labels=...)``), in the order of the sums
        self.labels: list | None = None

    def add(self, y: np.ndarray, c: np.ndarray | None, labels: tuple | None = None) -> None:
        """Add a chunk: ``y`` (n, S), ``c`` (n, K). ``labels`` (K,): the columns by name, so a chunk may miss a
        column another chunk has, or bring a new one: a missing control is 0 on that chunk's units (a stratum
        indicator of a block the chunk does not have: exactly its value there, and its exact mean stays 0)."""
        y = np.atleast_2d(np.asarray(y, dtype=float).T).T  # (n,) -> (n, 1)
        c = np.zeros((y.shape[0], 0)) if c is None else np.atleast_2d(np.asarray(c, dtype=float).T).T
        if c.shape[0] != y.shape[0]:
            raise ValueError(f"controls have {c.shape[0]} rows but values have {y.shape[0]}")
        if labels is not None:
            if len(labels) != c.shape[1]:
                raise ValueError(f"{len(labels)} labels for {c.shape[1]} controls")
            if self.labels is None:
                if self._shift_y is not None and c.shape[1] != self._sc.size:
                    raise ValueError("labelled controls after unlabelled ones")
                self.labels = list(labels)
            elif list(labels) != self.labels:
                c = self._aligned(c, list(labels))
        if self._shift_y is None:
            self._shift_y, self._shift_c = y.mean(axis=0), c.mean(axis=0)
            s, k = y.shape[1], c.shape[1]
            self._sy, self._sc = np.zeros(s), np.zeros(k)
            self._syy, self._scc, self._scy = np.zeros(s), np.zeros((k, k)), np.zeros((k, s))
            self._sc4 = np.zeros(k)
        assert self._shift_c is not None
        yc, cc = y - self._shift_y, c - self._shift_c
        self.n += y.shape[0]
        self._sy += yc.sum(axis=0)
        self._sc += cc.sum(axis=0)
        self._syy += np.einsum("ij,ij->j", yc, yc)
        ct = np.ascontiguousarray(cc.T)  # (K, n)
        # BLAS products: ``compare`` runs them on one BLAS thread (``parallel.one_blas_thread``; a multi-threaded
        # OpenBLAS Gram took 0.17-0.27 s on a busy 2-core machine, threads spinning); single-threaded they take
        # 0.4-0.6 ms for K = 28-40, n = 10,000, against 4-8 ms for einsum's own loop
        self._scc += ct @ ct.T
        self._scy += ct @ yc
        c2 = ct * ct
        self._sc4 += np.einsum("ki,ki->k", c2, c2)

    def _aligned(self, c: np.ndarray, labels: list) -> np.ndarray:
        """``c``'s columns in the order of ``self.labels``, new labels appended (their sums so far are 0: the
        earlier chunks' units had the control at 0, and its shift is 0), missing ones 0."""
        assert self.labels is not None
        where = {lab: j for j, lab in enumerate(self.labels)}
        new = [lab for lab in labels if lab not in where]
        if new and self._shift_c is not None:
            m = len(new)
            self._shift_c = np.concatenate([self._shift_c, np.zeros(m)])
            self._sc = np.concatenate([self._sc, np.zeros(m)])
            self._sc4 = np.concatenate([self._sc4, np.zeros(m)])
            k, s = self._scc.shape[0], self._scy.shape[1]
            scc = np.zeros((k + m, k + m))
            scc[:k, :k] = self._scc
            self._scc = scc
            self._scy = np.concatenate([self._scy, np.zeros((m, s))])
        for lab in new:
            where[lab] = len(self.labels)
            self.labels.append(lab)
        out = np.zeros((c.shape[0], len(self.labels)))
        out[:, [where[lab] for lab in labels]] = c
        return out

    def result(self, mu: np.ndarray | None = None, mu_err: np.ndarray | None = None) -> CVResult:
        """Estimates with controls of known means ``mu`` (K,) (None or K = 0: plain estimates only).

        ``mu_err`` (K,): numerical accuracy of each known mean (e.g. the pricer's table error); the SE
        then adds sum_k |beta_k| mu_err_k in quadrature, so a slightly inexact mean cannot pass for signal.
        """
        if self._shift_y is None or self.n == 0:
            raise ValueError("no values added")
        n = self.n
        my = self._sy / n
        mc = self._sc / n
        vy = (self._syy - n * my * my) / max(n - 1, 1)
        plain = self._shift_y + my
        se_plain = np.sqrt(np.maximum(vy, 0.0) / n) if n > 1 else np.zeros_like(my)
        k = mc.size
        if mu is None or k == 0 or n <= k + 2:
            return CVResult(plain, se_plain, plain, se_plain, np.zeros_like(my), n)
        mu = np.asarray(mu, dtype=float)
        cov_cc = (self._scc - n * np.outer(mc, mc)) / (n - 1)
        cov_cy = (self._scy - n * np.outer(mc, my)) / (n - 1)
        # standardise so an ill-scaled or redundant control cannot break the solve
        sd = np.sqrt(np.maximum(np.diag(cov_cc), 0.0))
        use = sd > 1e-12 * max(float(sd.max(initial=0.0)), 1e-300)
        # a control carried by a handful of units (a far leg that 2 paths reach, the indicator of a block of
        # one pair) is not a control: the regression fits those units exactly, its residual SE is then too
        # small and the estimate moves by beta x that control's sampling noise (seen: +50 +- 0.5 where the
        # truth is 0). Its effective number of units (sum c^2)^2 / sum c^4 (n/3 for a normal column) must
        # reach MIN_EFFECTIVE_UNITS.
        c2sum = np.diag(self._scc)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(self._sc4 > 0, c2sum * c2sum / self._sc4, 0.0)
        few = use & (n_eff < min(MIN_EFFECTIVE_UNITS, n / 10))
        use &= ~few
        # ... but what such a control says is not thrown away: its sample mean misses its exact mean by a known
        # amount, and the estimate carries that miss times its exposure to it (a far leg the sample barely
        # reached: fewer rallies than the price implies and a short call looks like an edge). That miss, times
        # its coefficient in the regression on every control, is added to the SE (in quadrature; the estimate is not moved).
        allowance = np.zeros_like(my)
        if mu_err is not None:  # a control whose mean is known less precisely than a tenth of its spread is
            use &= np.asarray(mu_err, dtype=float) <= 0.1 * sd  # noise (a far leg in a calm block), not a control
        beta = np.zeros((k, my.size))
        if use.any():
            d = sd[use]
            corr = cov_cc[np.ix_(use, use)] / np.outer(d, d)
            b_std = np.linalg.lstsq(corr, cov_cy[use] / d[:, None], rcond=1e-10)[0]
            beta[use] = b_std / d[:, None]
        if few.any():  # its coefficient in the regression on every control, the few-unit ones included
            both = use | few
            d = sd[both]
            corr = cov_cc[np.ix_(both, both)] / np.outer(d, d)
            b_all = np.linalg.lstsq(corr, cov_cy[both] / d[:, None], rcond=1e-10)[0] / d[:, None]
            # a coefficient fitted on a few units can be anything: no larger than if the control carried all of
            # y's spread (|corr| <= 1), sd(y) / sd(c)
            cap = np.sqrt(np.maximum(vy, 0.0))[None, :] / sd[few][:, None]
            slope = np.clip(b_all[few[both]], -cap, cap)
            miss = (self._shift_c + mc - mu)[few]
            allowance = np.abs(np.sum(slope * miss[:, None], axis=0))  # signed: a spread's legs offset
        explained = np.einsum("kj,kj->j", beta, cov_cy)
        v_res = np.maximum(vy - explained, 0.0) * (n - 1) / max(n - k - 1, 1)
        assert self._shift_c is not None  # set with _shift_y by the first add
        est = plain - beta.T @ (self._shift_c + mc - mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(vy > 0, np.clip(explained / vy, 0.0, 1.0), 0.0)
        se = np.sqrt(v_res / n)
        if mu_err is not None:
            se = np.hypot(se, np.abs(beta).T @ np.asarray(mu_err, dtype=float))
        return CVResult(est, np.hypot(se, allowance), plain, se_plain, r2, n, allowance)


def estimate(y: np.ndarray, c: np.ndarray | None, mu: np.ndarray | None,
             mu_err: np.ndarray | None = None) -> CVResult:
    """One-shot ``ControlVariates``: ``y`` (n,) or (n, S) per unit, ``c`` (n, K) controls, ``mu`` (K,)."""
    acc = ControlVariates()
    acc.add(y, c)
    return acc.result(mu, mu_err)


@dataclasses.dataclass(frozen=True)
class Controls:
    """Per-path control values (N, K), their exact means (K,) and the numerical accuracy of those means (K,).

    ``labels`` (K,): what each column is, when a column may be missing from another chunk of the same compare (a
    mixture's stratum indicators: a node of tiny weight gets a pair in one chunk and none in the next); None:
    the columns are the same in every chunk, by position."""

    values: np.ndarray
    means: np.ndarray
    accuracy: np.ndarray
    labels: tuple | None = None

    def column_labels(self) -> tuple:
        return self.labels if self.labels is not None else tuple(("c", j) for j in range(self.values.shape[1]))



# ----- controls from the scenario model's own law ----------------------------------------------------

def _law_of(paths: Any) -> tuple[Any, float] | None:
    """(GarchParams of the law the paths follow, h_law / h_q scale) or None if not model paths."""
    if getattr(paths, "source", None) != "model" or not hasattr(paths, "h_q") or not hasattr(paths, "params"):
        return None
    params = paths.params
    if paths.premia:
        return params.real_world(), 1.0 / params.variance_ratio
    return params.risk_neutral(), 1.0


def _one_day_means(law: Any, h: np.ndarray, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """E[S_{j+1}/S_j | h] and E[h_{j+2} | h_{j+1} = h] under ``law`` (h in the law's own units)."""
    c0, c1 = law.compensator()
    lj = law.intensity(h) if law.has_jumps else 0.0
    growth = np.exp(mu - c0 - c1 * h + (law.lam + 0.5) * h + lj * (law.jump_kappa if law.has_jumps else 0.0))
    h_next = law.omega + law.alpha + (law.beta + law.alpha * law.gamma**2) * h
    if law.has_jumps:
        h_next = h_next + law.jump_var * lj * law.jump_m2
    return growth, h_next


@dataclasses.dataclass(frozen=True)
class _Increments:
    """Per-day martingale differences of the paths (N, k) under their law, and the weights' ingredients."""

    ds: np.ndarray  # S_{j+1} - E[S_{j+1} | F_j]
    dh: np.ndarray  # h_{j+1} - E[h_{j+1} | F_j] (the law's own variance units)
    h: np.ndarray  # h_j
    net_delta: np.ndarray  # the condor's signed delta per condor
    tested: np.ndarray  # |delta| of the tested short strike
    disc: np.ndarray  # (k,) discount factors of the days

    def weighted(self, mask: np.ndarray | None) -> list[np.ndarray]:
        """Controls sum_j disc_j m_j w_j x_j for the weights/increments below (mask None: every day)."""
        m = 1.0 if mask is None else mask
        h, dh, ds = self.h, self.dh, self.ds
        return [((m * self.net_delta) * ds) @ self.disc, (m * ds) @ self.disc, (m * dh) @ self.disc,
                (m * h * dh) @ self.disc, (m * self.tested * dh) @ self.disc]


#: (law, state, horizon, legs) sets of exact terminal means kept: one per weighted node of the mixture (64 of weight
#: >= 1e-4 on the demo; a 29-regime trial of issue 11 weighed 104, and with 64 kept the second pass of a compare
#: recomputed every node's means: 1.32 -> 1.21 CPU-s for its new-market demo compare with 256)
TERMINAL_MEANS_KEPT = 256


@lru_cache(maxsize=TERMINAL_MEANS_KEPT)
def _terminal_means(law: Any, q: Any, rate: float, div: float, k: int, s0: float, h0: float, h_q0: float,
                    legs: tuple[tuple[str, float], ...], table_prices: tuple[float, ...],
                    events: tuple[float, ...] = (),
                    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Exact means of [disc S_T, disc payoff of each leg] under ``law`` and their accuracy (cached: every
    chunk of a streamed comparison asks for the same numbers). ``events``: the paths' event-day variance
    multipliers by position from step k (``SimulatedPaths.event_pattern``), in both laws."""
    from alvh_core.scenarios.hn_garch import TRADING_DAYS, log_mgf_coefficients
    from alvh_core.scenarios.pricer import cos_put_reference

    mu = (rate - div) / TRADING_DAYS
    disc_k = math.exp(-rate * k / TRADING_DAYS)
    mult = np.array(events) if events else None
    A, B = log_mgf_coefficients(law, mu, np.array(1.0), k, mult=mult)  # E[S_T / S0] by the generating function
    growth_k = math.exp(float(A[k]) + float(B[k]) * h0)
    means = [disc_k * s0 * growth_k]
    accuracy = [0.0]
    # every leg's put in one series sum per law (row by row the numbers of one call per leg)
    x0 = np.array([math.log(s0 / strike) for _, strike in legs])
    puts = cos_put_reference(law, rate, div, k, x0, h0, events=events)
    puts_q = cos_put_reference(q, rate, div, k, x0, h_q0, events=events)
    for j, ((kind, strike), table) in enumerate(zip(legs, table_prices)):
        put = strike * float(puts[j])
        put_q = strike * float(puts_q[j])
        exact_q = put_q if kind == "P" else put_q + s0 * math.exp(-div * k / TRADING_DAYS) - strike * disc_k
        accuracy.append(abs(table - exact_q))
        # calls by parity under the law: E[(S-K)^+] = E[(K-S)^+] + E[S] - K
        means.append(put if kind == "P" else put + disc_k * (s0 * growth_k - strike))
    return tuple(means), tuple(accuracy)


def model_controls(paths: Any, cp: Any, tested_wing: str = "put",
                   held: dict[str, list[np.ndarray]] | None = None) -> dict[str, Controls] | None:
    """Controls with exact means for condor ``cp`` on model ``paths``: per strategy name in ``held``.

    ``held[name]``: (N, k) bool masks of the days (before the condor's expiry) on which that strategy
    holds something whose value moves with SPX/VIX beyond the plain condor (the condor until a
    take-profit/stop exit, each ALVH hedge layer from its add to its removal); see ``held_masks``.
    Every strategy gets the common controls (module docstring) plus five per mask (the mask times the
    delta-hedge gains, SPX and variance innovations, weighted by 1, h, |delta| of the tested short): all
    mean 0 exactly, since each mask is known at the close of its day. The key "" holds the common set.
    None when the paths' law is not known (bootstrap, history).

    A mixture of laws (the anchored engine's ``MixturePaths``: blocks of rows, each block one law and
    starting state) gets the same controls computed per block under the block's own law and CENTRED by
    the block's exact means: each centred control has mean 0 in every block, hence exactly 0 under the
    mixture (the rows per block are fixed by the weights, not drawn); the block indicators and one indicator
    per law of several blocks stratify it.

    Accuracy of a leg's mean: |table price - exact COS price| of that leg today under the pricing law,
    the pricer's own interpolation error (a few 1e-4 of the ATM price), since the strategies trade at
    table prices; 0 for the generating-function and martingale controls. For a mixture: the row-weighted
    mean of the blocks' accuracies.
    """
    k = int(cp.k)
    if k < 1:
        return None
    legs = tuple((leg.kind, float(leg.strike)) for leg in cp.condor.legs)
    blocks = getattr(paths, "blocks", None)
    if blocks is None:
        table = tuple(float(np.asarray(cp.price)[i, 0, 0]) for i in range(len(legs)))
        return _law_controls(paths, k, legs, table, np.asarray(cp.delta), cp.sign, tested_wing, held)
    rows = mixture_rows(paths.counts)
    n_total = sum(r.size for r in rows)
    parts: list[dict[str, Controls]] = []
    # today's table price of each leg in each block (the blocks of one law priced in one call: the same numbers)
    today = paths.today_prices(legs, k) if hasattr(paths, "today_prices") else None
    if GROUPED_CONTROLS and today is not None and hasattr(paths, "gathered_h_q"):
        grouped = _mixture_parts(paths, rows, k, legs, today, cp, tested_wing, held)
        if grouped is None:
            return None
        parts = grouped
    else:  # the reference: block by block
        for b, (block, idx) in enumerate(zip(blocks, rows, strict=True)):
            if today is not None:
                table = tuple(float(v) for v in today[b])
            else:
                pricer = block.spx_pricer(k)
                s0, h_q0 = float(block.spot[0, 0]), float(block.h_q[0, 0])
                table = tuple(float(pricer.price(kind == "C", np.array([s0]), strike, np.array([k]),
                                                 np.array([h_q0]))[0][0]) for kind, strike in legs)
            sub_held = {name: [m[idx] for m in masks] for name, masks in (held or {}).items()}
            got = _law_controls(block, k, legs, table, np.asarray(cp.delta)[:, idx], cp.sign, tested_wing, sub_held)
            if got is None:
                return None
            parts.append(got)
    # the block indicators minus their shares (every block but the largest): mean exactly 0 in every
    # sample, since the rows per block are fixed by the weights; they take the between-block spread, which
    # the fixed allocation never samples, out of the residual (post-stratification). One slope per control
    # across blocks: per-block slopes were tried and leaned on far-leg payoffs of calm jump blocks whose
    # exact means are known only to ~1e-5 point, which moved the demo's estimates by thousands of dollars.
    # Layout per strategy: [common controls, indicators, the strategy's extra controls] (``union`` reads
    # the common prefix).
    # The same per law (the blocks of one regime together) for every law of more than one block: a block of fewer
    # than MIN_EFFECTIVE_UNITS units is no control (``ControlVariates.result``), but its law's indicator is: a
    # crash regime's many small state blocks are then still stratified (issue 11, a trial regime (0.5, -0.35, 0, 1,
    # 0.35) with 1,674 of the demo's 10,000 units, most of its blocks under 50: ALVH's SE 86 -> 36, the plain 222).
    # Exact as well: a sum of block indicators.
    # Each stratum column is labelled by its block's node (or its law): a node of tiny weight can have a pair in
    # one chunk and none in the next, so chunks differ in their strata; the regression lines them up by label
    # (``ControlVariates.add``), a stratum a chunk lacks being 0 there (its value) with mean 0 still.
    keys = getattr(paths, "keys", None) or list(range(len(blocks)))
    order = sorted(range(len(rows)), key=lambda b: -rows[b].size)[1:]
    strata = [rows[b] for b in order]
    labels = [("block", keys[b]) for b in order]
    by_law: dict[int, list[int]] = {}
    for b, block in enumerate(blocks):
        by_law.setdefault(id(block.params), []).append(b)
    for law, ids in by_law.items():
        if len(ids) > 1:
            strata.append(np.concatenate([rows[b] for b in ids]))
            labels.append(("law", law))
    k0 = parts[0][""].values.shape[1]
    indicators = np.zeros((n_total, len(strata)))
    for j, idx in enumerate(strata):
        indicators[:, j] = -idx.size / n_total
        indicators[idx, j] += 1.0

    def centred(name: str, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """Columns ``cols`` of ``name``'s controls, each block centred by its exact means, and their accuracy."""
        width = len(range(*cols.indices(parts[0][name].values.shape[1])))
        values, accuracy = np.empty((n_total, width)), np.zeros(width)
        for got, idx in zip(parts, rows, strict=True):
            c = got[name]
            values[idx] = c.values[:, cols] - c.means[cols]
            accuracy += c.accuracy[cols] * (idx.size / n_total)
        return values, accuracy

    # the common columns and the indicators once; each strategy's extra columns after them
    values, accuracy = centred("", slice(0, k0))
    common = Controls(np.concatenate([values, indicators], axis=1), np.zeros(k0 + len(strata)),
                      np.concatenate([accuracy, np.zeros(len(strata))]),
                      tuple(("c", j) for j in range(k0)) + tuple(labels))
    out: dict[str, Controls] = {}
    for name in parts[0]:
        if parts[0][name].values.shape[1] == k0:
            out[name] = common
            continue
        values, accuracy = centred(name, slice(k0, None))
        out[name] = Controls(np.concatenate([common.values, values], axis=1),
                             np.zeros(common.values.shape[1] + values.shape[1]),
                             np.concatenate([common.accuracy, accuracy]),
                             common.column_labels() + tuple(("x", name, j) for j in range(values.shape[1])))
    return out


def mixture_rows(counts: list[int]) -> list[np.ndarray]:
    """Row indices of each block of a ``MixturePaths`` with ``counts`` antithetic pairs per block
    (``scenarios.model.mixture_rows``, the one definition)."""
    from alvh_core.scenarios.model import mixture_rows as rows_of

    return rows_of(counts)


def _law_controls(paths: Any, k: int, legs: tuple[tuple[str, float], ...], table_prices: tuple[float, ...],
                  delta: np.ndarray, sign: np.ndarray, tested_wing: str,
                  held: dict[str, list[np.ndarray]] | None) -> dict[str, Controls] | None:
    """``model_controls`` on paths that follow ONE law (``delta``: (4, N, >= k) leg deltas on these rows;
    ``table_prices``: today's table price of each leg under the paths' pricing law)."""
    got = _law_of(paths)
    if got is None:
        return None
    law, to_law = got
    values, extras = _law_values(np.asarray(paths.spot), np.asarray(paths.h_q), np.asarray(paths.t), float(paths.rate),
                                 float(paths.div), law, to_law, k, legs, delta, sign, tested_wing, held)
    return _law_assemble(values, extras, *_law_means(paths, law, to_law, k, legs, table_prices))


def _law_means(paths: Any, law: Any, to_law: float, k: int, legs: tuple[tuple[str, float], ...],
               table_prices: tuple[float, ...]) -> tuple[list[float], list[float]]:
    """The exact means (and their accuracy) of the terminal controls of paths that start in one state."""
    spot, h_q = np.asarray(paths.spot), np.asarray(paths.h_q)
    s0, h_q0 = float(spot[0, 0]), float(h_q[0, 0])
    h0 = float(h_q[0, 0] * to_law)
    rate, div = float(paths.rate), float(paths.div)
    events = paths.event_pattern(k) if hasattr(paths, "event_pattern") else ()
    cached = _terminal_means(law, paths.params.risk_neutral(), rate, div, k, s0, h0, h_q0, legs, table_prices, events)
    return list(cached[0]), list(cached[1])  # copies: the cached lists stay as they are


def _law_values(spot: np.ndarray, h_q: np.ndarray, t: np.ndarray, rate: float, div: float, law: Any, to_law: float,
                k: int, legs: tuple[tuple[str, float], ...], delta: np.ndarray, sign: np.ndarray, tested_wing: str,
                held: dict[str, list[np.ndarray]] | None) -> tuple[np.ndarray, dict[str, np.ndarray | None]]:
    """The controls' values on rows that follow ``law`` (any starting states): (N, K0) the common ones (terminal
    then martingale), and per ``held`` name its extra martingale columns (None: none). Row by row: a set of rows
    gives each row the numbers it gets alone."""
    from alvh_core.scenarios.hn_garch import TRADING_DAYS

    h = h_q[:, : k + 1] * to_law
    mu = (rate - div) / TRADING_DAYS
    disc = np.exp(-rate * t[: k + 1])
    s_k = spot[:, k]
    controls: list[np.ndarray] = [disc[k] * s_k]
    for kind, strike in legs:
        if kind == "P":
            controls.append(disc[k] * np.maximum(strike - s_k, 0.0))
        else:
            controls.append(disc[k] * np.maximum(s_k - strike, 0.0))
    # martingale differences along the path (mean exactly 0)
    growth, h_next = _one_day_means(law, h[:, :k], mu)
    inc = _Increments(
        ds=spot[:, 1 : k + 1] - spot[:, :k] * growth,
        dh=h[:, 1 : k + 1] - h_next,
        h=h[:, :k],
        net_delta=np.tensordot(sign, delta[:, :, :k], axes=1),
        tested=np.abs(delta[1 if tested_wing == "put" else 2, :, :k]),
        disc=disc[:k],
    )
    controls.extend(inc.weighted(None))
    extras: dict[str, np.ndarray | None] = {}
    for name, masks in (held or {}).items():
        extra = [c for mask in masks for c in inc.weighted(mask)]
        extras[name] = np.stack(extra, axis=1) if extra else None
    return np.stack(controls, axis=1), extras


def _law_assemble(values: np.ndarray, extras: dict[str, np.ndarray | None], means: list[float],
                  accuracy: list[float]) -> dict[str, Controls]:
    """Controls per strategy from ``_law_values``' columns and the terminal controls' means and accuracy."""
    n_mart = values.shape[1] - len(means)
    common = Controls(values, np.asarray(means + [0.0] * n_mart), np.asarray(accuracy + [0.0] * n_mart))
    out = {"": common}
    for name, extra in extras.items():
        if extra is None:
            out[name] = common
            continue
        out[name] = Controls(np.concatenate([common.values, extra], axis=1),
                             np.concatenate([common.means, np.zeros(extra.shape[1])]),
                             np.concatenate([common.accuracy, np.zeros(extra.shape[1])]))
    return out


def _mixture_parts(paths: Any, rows: list[np.ndarray], k: int, legs: tuple[tuple[str, float], ...],
                   today: np.ndarray, cp: Any, tested_wing: str,
                   held: dict[str, list[np.ndarray]] | None) -> list[dict[str, Controls]] | None:
    """Per block of a mixture, the controls ``_law_controls`` gives it, with the values of the blocks of one law
    computed on their rows at once (the per-block Python overhead once per law: ~60 blocks, 26 laws)."""
    blocks = paths.blocks
    laws = [_law_of(b) for b in blocks]
    if any(got is None for got in laws):
        return None
    by_law: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        by_law.setdefault(id(b.params), []).append(i)
    spot, h_q, delta = np.asarray(paths.spot), np.asarray(paths.gathered_h_q), np.asarray(cp.delta)
    parts: list[dict[str, Controls]] = [{} for _ in blocks]
    for ids in by_law.values():
        b0 = blocks[ids[0]]
        law, to_law = laws[ids[0]]  # type: ignore[misc]
        rg = np.concatenate([rows[i] for i in ids])
        sub_held = {name: [m[rg] for m in masks] for name, masks in (held or {}).items()}
        values, extras = _law_values(spot[rg], h_q[rg], np.asarray(b0.t), float(b0.rate), float(b0.div), law, to_law,
                                     k, legs, delta[:, rg], cp.sign, tested_wing, sub_held)
        off = 0
        for i in ids:
            sl = slice(off, off + rows[i].size)
            off += rows[i].size
            table = tuple(float(v) for v in today[i])
            parts[i] = _law_assemble(values[sl], {n: None if e is None else e[sl] for n, e in extras.items()},
                                     *_law_means(blocks[i], law, to_law, k, legs, table))
    return parts


def union(controls: dict[str, Controls]) -> Controls:
    """One control set for every strategy: the common controls and each strategy's extra columns.

    Every column has an exactly known mean, so each strategy may use them all; one regression (one Gram
    matrix per chunk) then serves every estimate.
    """
    common = controls[""]
    k0 = common.values.shape[1]
    extra = [(name, c) for name, c in controls.items() if name and c.values.shape[1] > k0]
    if not extra:
        return common
    labels = None
    if common.labels is not None:  # the extras' own labels (they follow the common ones)
        labels = common.labels + tuple(lab for name, c in extra for lab in (
            c.labels[k0:] if c.labels is not None else tuple(("x", name, j) for j in range(c.values.shape[1] - k0))))
    return Controls(np.concatenate([common.values] + [c.values[:, k0:] for _, c in extra], axis=1),
                    np.concatenate([common.means] + [c.means[k0:] for _, c in extra]),
                    np.concatenate([common.accuracy] + [c.accuracy[k0:] for _, c in extra]), labels)


def held_masks(extra: dict[str, Any], n_paths: int, k: int) -> list[np.ndarray]:
    """(N, k) masks of the days a strategy holds a position beyond the plain condor, from its ``extra``.

    Reads ``exit_day`` (the condor is held while day < exit_day) and every ``<name>_add_day`` /
    ``<name>_remove_day`` pair (held from the add day, before the removal day; -1 = never added).
    """
    days = np.arange(k)[None, :]
    out: list[np.ndarray] = []
    exit_day = extra.get("exit_day")
    if isinstance(exit_day, np.ndarray) and exit_day.shape == (n_paths,):
        out.append(days < exit_day[:, None])
    for key in sorted(extra):
        if not key.endswith("_add_day"):
            continue
        add = extra[key]
        rem = extra.get(key[: -len("_add_day")] + "_remove_day")
        if not (isinstance(add, np.ndarray) and isinstance(rem, np.ndarray) and add.shape == rem.shape == (n_paths,)):
            continue
        # kept even when empty: every chunk of a streamed comparison must have the same controls
        out.append((add[:, None] >= 0) & (days >= add[:, None]) & (days < rem[:, None]))
    return out
