"""ALVH: hold the condor and layer VIX hedges on the tested wing as a careful practitioner runs it.

The rules are data (``ALVHPolicy``, alias ``LayerPolicy``); one rule text runs on simulated paths (one
condor, N paths) and on history (N trades, one row each: ``CondorOnPaths.batch``). Loops run over dates
and the handful of layers, never over paths or trades.

Per wing, on each date before the condor's expiry (``d < k_rows``):

1. removal first (never on the add date): an open layer i comes off when BOTH the short's |delta| is back
   below its trigger (``remove_delta`` if set, else ``triggers[i]``) AND VIX has retraced
   ``remove_vix_retrace`` from its extreme since the add (put wing: down from the peak; call wing: up from
   the trough) or is below ``remove_vix_below``. Hysteresis: neither alone removes it.
2. a layer is due when the short's |delta| CROSSES its trigger from below (on date 0 only the first layer can
   be due: the hedge recommended today) and stays due while |delta| is at or above it; at most ONE layer is
   added a day (the first due one whose gates pass). A removed layer comes back on the next crossing. A
   position already past every trigger therefore starts with one layer, never all of them on day one.
3. size and strikes are chosen on the add date from that date's market on the path: the VIX spread's long
   strike at the hedge future rounded to a point (``alvh_core.hedge.spread_strikes``), the size by
   ``alvh_core.hedge.stress_sizing`` (``sizing`` 'stress' / 'dollar_delta' / 'vega', the beta of that day's
   VIX regime or the pooled one) x the layer's share, x VXTH's weight if ``vxth``, cut to the budget
   (``budget_share`` x the credit, less the premium of the layers still open).
   On date 0, when ``initial`` (the plan ``alvh hedge`` recommends today) is given and its trigger is hit,
   layer 0 is exactly that plan: same instrument, strikes and contracts.
4. at the condor's expiry every open layer is sold at mid with costs (or settles if it expired too).

``specs`` (static ``HedgeSpec`` per wing) replaces step 3 with fixed strikes and ``share x contracts_full``
contracts: the honesty tests use it.

Direction. Tested PUT wing (SPX falling, VIX rising): long VIX call spreads, or long VX / VXM. Tested CALL
wing: by default NOT hedged with VIX (``hedge_call_wing=False``): VIX falls less in rallies than it rises in
sell-offs (up-day beta about -2.9 against -4.2), and the VX future of the month after expiry moves about half
as much as spot VIX, so offsetting a call wing takes roughly twice the VIX put spreads per dollar, whose
spreads and fees eat the offset. ``hedge_call_wing=True`` turns on the mirror: long VIX PUT spreads, or SHORT
VX / VXM; ``alvh hedge`` recommends it only when the policy evaluated by ``alvh compare`` has it on.

Gates (``gate_mask``; all off by default): VIX RSI/MACD, SPX MACD (``spx_macd_confirm``), advance-decline
divergence (``ad_divergence``, from the paths' ``advances``/``declines``) hold a due layer back on the days they
fail; the pre-event rule (``pre_event_delta``) adds the first layer on the close before a scheduled FOMC/CPI when
the short's |delta| is at least that value (an extra trigger, not itself gated; the event dates come from
``paths.event_days()`` on history, from ``paths.asof`` on simulated paths). Dates on which an indicator has no
value yet (warm-up) or without breadth data do not block a gate; simulated paths carry no breadth, so the A/D gate
is unavailable (passes) there and ``extra['put_no_breadth_days']`` counts every managed day. Paths that know
their past (``HistoricalPaths.lookback``) start the indicators on the ``LEAD_DAYS`` (60) trading days before
column 0.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.costs import CostModel
from alvh_core.models import MULTIPLIERS
from alvh_core.strategies.base import CondorOnPaths, Ledger, StrategyResult, new_ledger, settle_legs
from alvh_core.strategies.gates import (
    ad_divergence,
    ad_line,
    breadth_gate,
    event_ahead,
    path_event_days,
    pre_event_trigger,
    spx_macd_gate,
)
from alvh_core.strategies.indicators import macd, rsi

Instrument = Literal["vix_call_spread", "vx", "vxm"]


class ALVHPolicy(BaseModel):
    """The layered VIX hedge rules (see module docstring). Defaults: layers at |delta| 0.15/0.25/0.35."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    triggers: tuple[float, ...] = Field(default=(0.15, 0.25, 0.35),
                                        description="|delta| of the tested short strike that adds each layer")
    shares: tuple[float, ...] = Field(default=(0.5, 0.25, 0.25),
                                      description="share of the wing's stress loss each layer offsets")
    sizing: Literal["stress", "dollar_delta", "vega"] = Field(
        default="stress", description="stress: SPX to the long strike; dollar_delta: a 1% SPX move; vega: VIX +1")
    beta_rule: Literal["regime", "pooled"] = Field(default="regime",
                                                   description="beta of log VIX on SPX: by VIX regime, or pooled")
    regime_betas: tuple[tuple[float, float, float, float], tuple[float, float, float, float]] | None = Field(
        default=None, description="(down-day, up-day) betas by VIX regime <15/15-20/20-30/>30; None: the shipped "
        "1990-2018 ones (alvh_core.hedge)")
    vxth: bool = Field(default=False, description="scale each layer by Cboe VXTH's weight of the hedge future")
    budget_share: float | None = Field(default=None, gt=0, le=10,
                                       description="cap the open hedge premium at this share of the credit")
    remove_vix_retrace: float = Field(default=0.15, ge=0, lt=1,
                                      description="VIX retrace from its extreme since the add needed to remove")
    remove_vix_below: float | None = Field(default=None, gt=0,
                                           description="put wing: VIX (points) below this also counts as retraced")
    remove_delta: float | None = Field(default=None, gt=0, lt=1,
                                       description="|delta| the short must be back under (default: the trigger)")
    rsi_max: float | None = Field(default=None, gt=0, lt=100,
                                  description="put wing: add only while RSI(VIX) <= this (call wing: >= 100-this)")
    rsi_period: int = Field(default=14, ge=2)
    macd_confirm: bool = Field(default=False,
                               description="put wing: add only while VIX MACD line > signal (call wing: <)")
    # issue 17 gates (alvh_core.strategies.gates); None/False = off
    pre_event_delta: float | None = Field(default=None, gt=0, lt=1,
                                          description="first layer also goes on at the close before a scheduled "
                                          "FOMC/CPI when the short's |delta| >= this (paths need an asof date)")
    pre_event_lookahead: int = Field(default=1, ge=1, le=10, description="sessions ahead that count as 'before'")
    spx_macd_confirm: bool = Field(default=False,
                                   description="put wing: add only while SPX MACD line < signal (call wing: >)")
    ad_divergence: bool = Field(default=False,
                                description="put wing: add only after a bearish advance-decline divergence in the "
                                "last ad_memory days (call wing: bullish); days without breadth data pass, and "
                                "simulated paths (compare) carry no breadth: the gate is unavailable there")
    ad_window: int = Field(default=20, ge=2, le=120, description="trailing days of the SPX / A/D line highs and lows")
    ad_memory: int = Field(default=10, ge=1, le=60, description="days a divergence keeps the gate open")
    instrument: Instrument = "vix_call_spread"
    max_layers: int = Field(default=3, ge=1, le=10)
    hedge_call_wing: bool = Field(default=False, description="also hedge a tested call wing (VIX put spreads / "
                                  "short futures); default off, see the module docstring")

    @model_validator(mode="after")
    def _check(self) -> ALVHPolicy:
        if len(self.triggers) != len(self.shares):
            raise ValueError(f"{len(self.triggers)} triggers but {len(self.shares)} shares; give one share per trigger")
        if any(not 0 < x < 1 for x in self.triggers):
            raise ValueError(f"triggers {self.triggers} must be |delta| values between 0 and 1")
        if list(self.triggers) != sorted(self.triggers):
            raise ValueError(f"triggers {self.triggers} must increase (deeper layers at larger |delta|)")
        if any(s <= 0 for s in self.shares):
            raise ValueError(f"shares {self.shares} must be positive")
        return self

    def layers(self) -> list[tuple[float, float]]:
        """(trigger, share) of the layers in use (at most ``max_layers``)."""
        return list(zip(self.triggers, self.shares))[: self.max_layers]

    def describe(self) -> str:
        trig = "/".join(f"{x:g}" for x in self.triggers[: self.max_layers])
        shr = "/".join(f"{x:g}" for x in self.shares[: self.max_layers])
        extra = []
        if self.remove_vix_below:
            extra.append(f"(or VIX < {self.remove_vix_below:g})")
        if self.rsi_max:
            extra.append(f"gate RSI{self.rsi_period}(VIX) <= {self.rsi_max:g}")
        if self.macd_confirm:
            extra.append("gate MACD(VIX) confirms")
        if self.spx_macd_confirm:
            extra.append("gate MACD(SPX) confirms")
        if self.ad_divergence:
            extra.append(f"gate A/D divergence ({self.ad_window}d, last {self.ad_memory}d; history only: "
                         "simulated paths have no breadth, the gate passes there)")
        if self.pre_event_delta:
            extra.append(f"first layer before FOMC/CPI at |delta| >= {self.pre_event_delta:g}")
        if self.vxth:
            extra.append("VXTH weights")
        if self.budget_share:
            extra.append(f"premium <= {self.budget_share:g} x credit")
        extra.append("call wing hedged (VIX put spreads / short futures)" if self.hedge_call_wing
                     else "(call wing not hedged with VIX: held)")
        removal = (f"|delta| < {self.remove_delta:g}" if self.remove_delta else "|delta| back below its trigger")
        return (f"ALVH {self.instrument}: layers at |delta| {trig} offsetting {shr} of the {self.sizing} loss "
                f"(beta {self.beta_rule}{', own table' if self.regime_betas and self.beta_rule == 'regime' else ''}), "
                f"one layer a day at most, strikes at the future on each add; a layer "
                f"comes off when {removal} AND VIX retraced {self.remove_vix_retrace:.0%}; it can come back"
                + "".join("; " + x for x in extra))


#: the name used before the practitioner rules; the same class
LayerPolicy = ALVHPolicy


class HedgeSpec(BaseModel):
    """A static hedge instrument for one wing (fixed strikes and size; the honesty tests use it).

    ``kind``: VIX_CALL / VIX_PUT spread (long ``strikes[0]``, short ``strikes[1]``; ``strikes[1]`` None for
    a single option) or VX / VXM futures with ``direction`` +1 long, -1 short. ``contracts_full``: contracts
    that offset 100% of the wing's loss in the sizing stress. ``expiry_t``: years from now.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    wing: Literal["put", "call"]
    kind: Literal["VIX_CALL", "VIX_PUT", "VX", "VXM"]
    expiry_t: float = Field(gt=0)
    strikes: tuple[float, float | None] | None = None
    direction: Literal[-1, 1] = 1
    contracts_full: float = Field(ge=0)

    def layer_contracts(self, share: float) -> int:
        return max(1, int(np.floor(share * self.contracts_full + 0.5))) if self.contracts_full > 0 else 0


def _gates(vix_pts: np.ndarray, policy: ALVHPolicy, wing: str) -> np.ndarray:
    """(N, T+1) bool: the indicator gates pass (NaN = warm-up passes)."""
    ok = np.ones(vix_pts.shape, bool)
    if policy.rsi_max is not None:
        r = rsi(vix_pts, policy.rsi_period)
        cond = r <= policy.rsi_max if wing == "put" else r >= 100.0 - policy.rsi_max
        ok &= cond | np.isnan(r)
    if policy.macd_confirm:
        line, sig, _ = macd(vix_pts)
        cond = line > sig if wing == "put" else line < sig
        ok &= cond | np.isnan(line)
    return ok


#: trading days of history before column 0 the indicators start on (MACD 26/9 and the A/D window are warm)
LEAD_DAYS = 60


def _with_lead(paths: Any, name: str, own: np.ndarray) -> tuple[np.ndarray, int]:
    """``own`` (N, T+1) with the LEAD_DAYS days of history before column 0 prepended where the paths know their
    past (``HistoricalPaths.lookback``), and how many columns were prepended (0: simulated paths)."""
    fn = getattr(paths, "lookback", None)
    lead = fn(name, LEAD_DAYS) if callable(fn) else None
    if lead is None:
        return own, 0
    return np.concatenate([np.asarray(lead, float), own], axis=1), LEAD_DAYS


def gate_mask(paths: Any, policy: ALVHPolicy, wing: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(N, T+1) bool: every enabled gate lets a layer on (VIX RSI/MACD, SPX MACD, A/D divergence), and the (N, T+1)
    bool of days on which the A/D gate had no breadth data (None when the gate is off). Indicators start on the
    paths' own past where they know it; warm-up and missing breadth pass."""
    vix_pts = np.asarray(paths.vix, float) * 100.0
    n_t = vix_pts.shape[1]
    ok = np.ones(vix_pts.shape, bool)
    if policy.rsi_max is not None or policy.macd_confirm:
        x, k = _with_lead(paths, "vix", vix_pts)
        ok &= _gates(x, policy, wing)[:, k:]
    if policy.spx_macd_confirm:
        x, k = _with_lead(paths, "spx", np.asarray(paths.spot, float))
        ok &= spx_macd_gate(x, "put" if wing == "put" else "call")[:, k:]
    missing = None
    if policy.ad_divergence:
        adv, dec = getattr(paths, "advances", None), getattr(paths, "declines", None)
        if adv is None or dec is None:  # simulated paths: no breadth, the gate is unavailable (passes)
            missing = np.ones(vix_pts.shape, bool)
        else:
            a, k = _with_lead(paths, "advances", np.asarray(adv, float))
            b, _ = _with_lead(paths, "declines", np.asarray(dec, float))
            s, _ = _with_lead(paths, "spx", np.asarray(paths.spot, float))
            div = ad_divergence(s, ad_line(a, b), policy.ad_window)
            ok &= breadth_gate(div, "put" if wing == "put" else "call", policy.ad_memory)[:, k:]
            missing = np.isnan(div[:, k:])
    assert ok.shape[1] == n_t
    return ok, missing


def event_days(paths: Any) -> np.ndarray | None:
    """(N or 1, T+1) bool: scheduled FOMC/CPI on each cell's date (history: its own dates; simulated paths: the
    NYSE sessions after ``paths.asof``); None when the paths carry no dates."""
    fn = getattr(paths, "event_days", None)
    if callable(fn):
        return np.asarray(fn(), bool)
    if getattr(paths, "asof", None) is not None:
        return path_event_days(paths.asof, int(np.asarray(paths.spot).shape[1]) - 1)[None, :]
    return None


class _Legs:
    """VIX option prices of each path's own strike on its day: priced at those points only when the paths
    offer ``vix_option_at`` (simulated paths), else from an (N, T+1) table per distinct strike."""

    def __init__(self, paths: Any, kind: str, expiry_t: Any):
        self.paths, self.kind, self.expiry_t = paths, kind, expiry_t
        self.cache: dict[float, np.ndarray] = {}

    def table(self, strike: float) -> np.ndarray:
        if strike not in self.cache:
            self.cache[strike] = np.asarray(self.paths.vix_option(self.kind, strike, self.expiry_t), float)
        return self.cache[strike]

    def points(self, strikes: np.ndarray, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Price of strike ``strikes[i]`` on path ``rows[i]`` at date ``days[i]``, one per point."""
        if rows.size == 0:
            return np.zeros(0)
        point = getattr(self.paths, "vix_option_at", None)
        if point is not None and np.ndim(self.expiry_t) == 0:  # priced at the asked points only (issue 16)
            return np.asarray(point(self.kind, strikes, self.expiry_t, rows, days), float)
        out = np.empty(rows.size)
        uniq, inv = np.unique(strikes, return_inverse=True)
        for j, s in enumerate(uniq):
            sel = inv == j
            out[sel] = self.table(float(s))[rows[sel], days[sel]]
        return out


class _Deferred:
    """The hedge's prices asked during the day loop, priced together (issue 16).

    The loop's decisions (add, remove, strikes, contracts) never read a hedge price, except the budget cap, which
    flushes first. So each price is only asked (``ask``: a box filled by ``flush``), the ledger entries that use
    prices are queued (``later``), and ``flush`` prices every asked point in one call, then runs the queued
    entries in the order they were made: the same numbers, summed in the same order, as pricing on each day
    and layer (``tests/test_alvh_fast.py`` checks it against that loop, ``tests/alvh_reference.py``)."""

    def __init__(self, legs: _Legs | None, n: int):
        self.legs, self.n = legs, n
        self.asks: list[tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]] = []
        self.ops: list[Callable[[], None]] = []

    def ask(self, strikes: np.ndarray, day: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        """A box holding, once flushed, the (N,) price of each masked path's own strike on its day (0 elsewhere)."""
        rows = np.flatnonzero(mask)
        box: list[np.ndarray] = []
        self.asks.append((rows, np.broadcast_to(day, (self.n,))[rows], np.asarray(strikes, float)[rows], box))
        return box

    def later(self, op: Callable[[], None]) -> None:
        self.ops.append(op)

    def flush(self) -> None:
        asks, self.asks = self.asks, []
        if asks:
            assert self.legs is not None
            vals = self.legs.points(np.concatenate([a[2] for a in asks]), np.concatenate([a[0] for a in asks]),
                                    np.concatenate([a[1] for a in asks]))
            at = 0
            for rows, _, _, box in asks:
                out = np.zeros(self.n)
                out[rows] = vals[at: at + rows.size]
                at += rows.size
                box.append(out)
        ops, self.ops = self.ops, []
        for op in ops:
            op()


def alvh(cp: CondorOnPaths, costs: CostModel, policy: ALVHPolicy, specs: dict[str, HedgeSpec] | None = None,
         *, initial: dict[str, Any] | None = None, hedge_t: float | np.ndarray | None = None) -> StrategyResult:
    """Hold the condor to expiry with the layered hedge of ``policy`` (see module docstring).

    ``specs``: static instruments per wing (fixed strikes and sizes). Otherwise the dynamic practitioner rules,
    with the hedge expiring at ``hedge_t`` (years on the paths' clock, scalar or (N,)) and ``initial``
    {wing: HedgePlan} the plan ``alvh hedge`` recommends today (layer 0 on date 0 when its trigger is hit).
    ``extra['events']``: one dict per layer added on a set of paths (wing, layer, rows, add_day, remove_day,
    k1, k2, contracts); ``extra['hedge_pnl']`` the hedge's P&L (N,) dollars; ``extra['max_open_layers']`` (N,);
    ``extra['{wing}_{layer}_add_day']`` (N,) the first add date of each layer (-1: never).

    The hedge's prices are asked in the loop and priced at once after it (:class:`_Deferred`); the sizing stress
    of a day is evaluated once for every path that may add a layer that day (strikes and market are the
    layer's only through its share).
    """
    from alvh_core.hedge import layer_contracts, regime_beta, spread_strikes, stress_sizing, vxth_weight

    paths = cp.paths
    n = cp.n
    rows = cp.rows
    kmax = cp.k
    lg = new_ledger(cp)
    condor_margin = cp.condor_margin()
    settle_legs(lg, cp, (0, 1, 2, 3), costs)
    vix_pts = np.asarray(paths.vix) * 100.0
    t_rows = cp.t_rows
    hedge = Ledger(cp.disc_rows, n)  # hedge flows kept apart, then merged (conservation check in tests)
    events: list[dict[str, Any]] = []
    records: dict[str, np.ndarray] = {}
    open_margin = np.zeros(n)
    peak_hedge_margin = np.zeros(n)
    max_open = np.zeros(n, int)
    wings = ("put", "call") if policy.hedge_call_wing else ("put",)
    for wing in wings:
        h_t: float | np.ndarray
        static = None if specs is None else specs.get(wing)
        if specs is not None and static is None:
            continue
        if static is not None:
            kind, direction, h_t = static.kind, static.direction, static.expiry_t
        else:
            if policy.instrument == "vix_call_spread":
                kind = "VIX_CALL" if wing == "put" else "VIX_PUT"
            else:
                kind = "VX" if policy.instrument == "vx" else "VXM"
            direction = 1 if (wing == "put" or kind.startswith("VIX")) else -1
            if hedge_t is None:
                raise ValueError("alvh needs hedge_t (the hedge expiry on the paths' clock) without static specs")
            h_t = hedge_t
        is_future = kind in ("VX", "VXM")
        opt_kind = "C" if kind == "VIX_CALL" else "P"
        layers = policy.layers()
        short = 1 if wing == "put" else 2
        absd = np.abs(cp.delta[short])
        gate, no_breadth = gate_mask(paths, policy, wing)
        if no_breadth is not None:
            records[f"{wing}_no_breadth_days"] = (no_breadth & cp.live()).sum(axis=1)
        pre = None
        has_event = event_days(paths) if policy.pre_event_delta else None
        if policy.pre_event_delta and has_event is not None:
            ahead = np.broadcast_to(event_ahead(has_event, policy.pre_event_lookahead), absd.shape)
            pre = pre_event_trigger(absd, ahead, policy.pre_event_delta)
        fut = np.asarray(paths.vix_future(h_t), float)
        # the strikes a layer would get and VXTH's weight, on every path and date at once (elementwise: the same
        # numbers as choosing them on each add date)
        if not is_future and static is None:
            k1_all, k2_all = spread_strikes(kind, fut)
        wt_all = vxth_weight(fut) if policy.vxth and static is None else None
        h_rows = np.broadcast_to(np.asarray(h_t, float), (n,))
        hedge_expired = h_rows <= t_rows[rows, cp.k_rows] + 1e-12
        book = _Deferred(None if is_future else _Legs(paths, opt_kind, h_t), n)
        fmult = MULTIPLIERS[kind] if is_future else MULTIPLIERS["VIX"]
        if is_future:
            var = np.zeros_like(fut)
            var[:, 1:] = np.cumsum(cp.disc_rows[:, 1:] * np.diff(fut, axis=1), axis=1)  # PV of variation per point
        nl = len(layers)
        active = np.zeros((nl, n), bool)
        add_day = np.full((nl, n), -1)
        k1 = np.zeros((nl, n))
        k2 = np.zeros((nl, n))
        qty = np.zeros((nl, n))
        extreme = np.zeros((nl, n))
        debit = np.zeros((nl, n))  # written by the queued entries only (it holds a price)
        armed = np.zeros((nl, n), bool)
        ev_idx = np.full((nl, n), -1)  # index into ``events`` of each path's open instance
        rem_day_all: list[np.ndarray] = []

        def ask_unit(li: int, day: np.ndarray, mask: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
            """Boxes of the long and short leg's points of layer li's open strikes on ``day`` (masked paths)."""
            return (book.ask(k1[li], day, mask),
                    book.ask(k2[li], day, mask & np.isfinite(k2[li]) & (k2[li] > 0)))

        def book_close(li: int, mask: np.ndarray, d: np.ndarray, settle: np.ndarray, q: np.ndarray,
                       a: np.ndarray | None, b1: list[np.ndarray], b2: list[np.ndarray], n_legs: int) -> None:
            # the masked rows only (every other row books zeros): the same numbers as whole-row entries
            r = np.flatnonzero(mask)
            dr, sr, qr = np.broadcast_to(d, (n,))[r], settle[r], q[r]
            if is_future:
                assert a is not None
                hedge.pv_rows("hedge", r, (var[r, dr] - var[r, a[r]]) * fmult * direction * qr)
                hedge.cost_rows(r, np.where(sr, 0.0, costs.future(kind, qr)), dr, np.where(sr, 0.0, qr))
            else:
                p1, p2 = b1[0][r], b2[0][r]
                hedge.cash_rows("hedge", r, (p1 - p2) * fmult * qr, dr)
                fee = np.where(sr, costs.settlement_fee_vix * qr * n_legs,
                               costs.vix_option(p1, qr) + (costs.vix_option(p2, qr) if n_legs == 2 else 0.0))
                hedge.cost_rows(r, fee, dr, np.where(sr, 0.0, qr * n_legs))
            open_margin[r] -= debit[li][r]

        def book_add(li: int, add: np.ndarray, dd: np.ndarray, q: np.ndarray, b1: list[np.ndarray] | None,
                     b2: list[np.ndarray] | None, n_legs: int) -> None:
            r = np.flatnonzero(add)
            dr, qr = dd[r], q[r]
            if is_future:
                hedge.cost_rows(r, costs.future(kind, qr), dr, qr)
                dbt = costs.initial_margin(kind) * qr
            else:
                assert b1 is not None and b2 is not None
                p1, p2 = b1[0][r], b2[0][r]
                val = (p1 - p2) * fmult
                hedge.cash_rows("hedge", r, -val * qr, dr)
                hedge.cost_rows(r, costs.vix_option(p1, qr) + (costs.vix_option(p2, qr) if n_legs == 2 else 0.0),
                                dr, qr * n_legs)
                dbt = np.maximum(val, 0.0) * qr
            debit[li][r] = dbt
            open_margin[r] += dbt

        def close(li: int, mask: np.ndarray, d: np.ndarray, settle: np.ndarray) -> None:
            q = np.where(mask, qty[li], 0.0)
            if is_future:
                a = np.where(mask, add_day[li], 0)
                book.later(lambda: book_close(li, mask, d, settle, q, a, [], [], 0))
            else:
                b1, b2 = ask_unit(li, d, mask)
                n_legs = 2 if np.any(k2[li][mask] > 0) else 1
                book.later(lambda: book_close(li, mask, d, settle, q, None, b1, b2, n_legs))
            r = np.flatnonzero(mask)
            ev = ev_idx[li][r]
            dr = np.broadcast_to(d, (n,))[r]
            for i in np.unique(ev):
                sel = ev == i
                rem_day_all[i][r[sel]] = dr[sel]
            active[li] &= ~mask

        def peak() -> None:
            np.maximum(peak_hedge_margin, open_margin, out=peak_hedge_margin)

        for d in range(kmax + 1):
            dd = np.full(n, d)
            at_expiry = cp.k_rows == d
            # 4. the condor settles: every open layer comes off
            for li in range(nl):
                m = active[li] & at_expiry
                if m.any():
                    close(li, m, dd, m & hedge_expired)
            live = d < cp.k_rows
            if not live.any():
                continue
            v = vix_pts[:, d]
            a_d = absd[:, d].copy()  # today's column, read once per layer below
            a_prev = absd[:, d - 1].copy() if d > 0 else None
            # 1. removal with hysteresis
            for li, (trig, _share) in enumerate(layers):
                if not active[li].any():
                    continue
                extreme[li] = np.where(active[li], np.maximum(extreme[li], v) if wing == "put"
                                       else np.minimum(extreme[li], v), extreme[li])
                back = a_d < (policy.remove_delta or trig)
                if wing == "put":
                    retraced = v <= extreme[li] * (1 - policy.remove_vix_retrace)
                    if policy.remove_vix_below:
                        retraced |= v < policy.remove_vix_below
                else:
                    retraced = v >= extreme[li] * (1 + policy.remove_vix_retrace)
                rem = active[li] & live & (add_day[li] < d) & back & retraced
                if rem.any():
                    close(li, rem, dd, np.zeros(n, bool))
            # 2. at most one add a day: the first eligible layer
            # a layer is armed by a crossing of its trigger (from below) and stays armed while |delta| is at or
            # above it; on date 0 only the first layer can be due (the hedge recommended today)
            for li, (trig, _share) in enumerate(layers):
                above = a_d >= trig
                crossed = above & (a_prev < trig) if a_prev is not None else (above if li == 0 else np.zeros(n, bool))
                armed[li] = (armed[li] | crossed) & above & ~active[li]
            free = live & gate[:, d]
            # every path that may add a layer today (the adds below are among them): sized once for the day
            may_add = free & armed.any(axis=0)
            if pre is not None:
                may_add |= live & ~active[0] & pre[:, d]
            day_full: np.ndarray | None = None
            for li, (_trig, share) in enumerate(layers):
                today = initial is not None and d == 0 and static is None
                plan = (initial or {}).get(wing) if today else None
                if today:
                    # date 0 follows today's recommendation exactly: layer 0 iff it says "hedge now"
                    add = live & (li == 0) & bool(plan is not None and plan.trigger_hit)
                else:
                    add = free & armed[li]
                    if pre is not None and li == 0:  # the close before a scheduled event (issue 17's gate)
                        add |= live & ~active[0] & pre[:, d]
                if not add.any():
                    continue
                free &= ~add
                if static is not None:
                    k1[li] = np.where(add, static.strikes[0] if static.strikes else 0.0, k1[li])
                    k2[li] = np.where(add, (static.strikes[1] or 0.0) if static.strikes else 0.0, k2[li])
                    q_new = np.full(n, float(static.layer_contracts(share)))
                elif plan is not None and plan.trigger_hit:
                    if plan.strikes:
                        k1[li] = np.where(add, plan.strikes[0], k1[li])
                        k2[li] = np.where(add, plan.strikes[1], k2[li])
                    q_new = np.full(n, float(plan.contracts))
                else:
                    f_d = fut[:, d]
                    a1 = a2 = np.zeros(n)
                    if not is_future:
                        a1, a2 = k1_all[:, d], k2_all[:, d]
                        k1[li] = np.where(add, a1, k1[li])
                        k2[li] = np.where(add, a2, k2[li])
                    if day_full is None:
                        rd = np.flatnonzero(may_add)
                        tau = np.maximum(cp.expiry_t[rd] - t_rows[rd, d], 1e-6)
                        tau_h = np.maximum(h_rows[rd] - t_rows[rd, d], 1e-6)
                        st = stress_sizing(wing, policy.sizing, spot=paths.spot[rd, d], vix_points=v[rd], tau=tau,
                                           k_short=cp.strikes[short, rd],
                                           k_long=cp.strikes[0 if wing == "put" else 3, rd], future=f_d[rd],
                                           tau_h=tau_h, kind=kind, k1=np.maximum(a1[rd], 0.5),
                                           k2=np.maximum(a2[rd], 0.5), direction=direction,
                                           beta=regime_beta(v[rd], wing, policy.beta_rule, policy.regime_betas),
                                           rate=cp.rate, div=cp.div)
                        day_full = np.zeros(n)
                        day_full[rd] = st["full"]
                    ra = np.flatnonzero(add)  # sized on the adding rows only (0 contracts elsewhere)
                    unit_now = budget_left = None
                    if policy.budget_share:  # the cap reads prices: price what is asked so far, then today's
                        book.flush()
                        budget_left = policy.budget_share * cp.credit * cp.mult - open_margin
                        if not is_future:
                            b1, b2 = ask_unit(li, dd, add)
                            book.flush()
                            unit_now = np.maximum((b1[0] - b2[0]) * fmult, 1e-9)
                    q_new = np.zeros(n)
                    q_new[ra] = layer_contracts(day_full[ra] * cp.quantity, share,
                                                weight=wt_all[ra, d] if wt_all is not None else 1.0,
                                                unit_cost=None if unit_now is None else unit_now[ra],
                                                budget_left=None if budget_left is None else budget_left[ra])
                add &= q_new > 0
                if not add.any():
                    continue
                qty[li] = np.where(add, q_new, qty[li])
                q = np.where(add, qty[li], 0.0)
                if is_future:
                    book.later(lambda li=li, add=add, dd=dd, q=q: book_add(li, add, dd, q, None, None, 0))
                else:
                    b1, b2 = ask_unit(li, dd, add)
                    n_legs = 2 if np.any(k2[li][add] > 0) else 1
                    book.later(lambda li=li, add=add, dd=dd, q=q, b1=b1, b2=b2, n_legs=n_legs:
                               book_add(li, add, dd, q, b1, b2, n_legs))
                active[li] |= add
                armed[li] &= ~add
                add_day[li] = np.where(add, d, add_day[li])
                extreme[li] = np.where(add, v, extreme[li])
                events.append({"wing": wing, "layer": li, "rows": np.flatnonzero(add), "add_day": d,
                               "k1": k1[li][add].copy(), "k2": k2[li][add].copy(), "contracts": qty[li][add].copy(),
                               "kind": kind})
                rem_day_all.append(np.full(n, -1))
                ev_idx[li] = np.where(add, len(rem_day_all) - 1, ev_idx[li])
            book.later(peak)
            max_open = np.maximum(max_open, active.sum(axis=0))
        book.flush()
        for e, rd_ in zip(events[len(events) - len(rem_day_all):], rem_day_all):
            e["remove_day"] = rd_[e["rows"]]
        for li in range(nl):  # per path: the first add date of each layer (-1: never), a summary of the events
            first = np.full(n, -1)
            for e in events:
                if e["wing"] == wing and e["layer"] == li:
                    r_ = e["rows"][first[e["rows"]] < 0]
                    first[r_] = e["add_day"]
            records[f"{wing}_{li}_add_day"] = first
    lg.margin(condor_margin + peak_hedge_margin)
    hedge_pnl = hedge.total()
    for cat, val in hedge.flows.items():
        lg.pv(cat, val)
    lg.fills = lg.fills + hedge.fills
    return StrategyResult("alvh", lg.total(), lg, extra={"hedge_pnl": hedge_pnl, "events": events,
                                                         "max_open_layers": max_open, **records})
