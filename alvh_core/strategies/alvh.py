"""ALVH: hold the condor and add VIX hedge layers as the tested short strike's |delta| climbs.

The rules are data (``LayerPolicy``); the instrument and its size come from hedge sizing
(``alvh_core.hedge.size_hedge`` -> ``HedgeSpec``), so the same policy code runs on simulated paths and
on history (one path per trade).

Method, per wing and per layer i (a loop over dates and over the handful of layers, never over paths):

- add layer i on the first date on which the wing's short strike has |delta| >= ``triggers[i]`` and the
  optional gates pass (RSI / MACD of VIX along the path); each layer is added at most once per trade;
- its size is ``shares[i]`` x the contracts that offset the wing's whole stress loss
  (``HedgeSpec.contracts_full``), rounded to whole contracts (at least 1);
- remove it when VIX mean-reverts: for the put wing when VIX falls back ``remove_vix_retrace`` (a fraction)
  below its level on the add date, or below ``remove_vix_below`` points; optionally when the short's
  |delta| falls back under ``remove_delta``;
- at the condor's expiry (the condor settles) every open layer is sold at mid with costs.

Direction. Tested PUT wing (SPX falling, VIX rising): long VIX call spreads, or long VX / VXM.
Tested CALL wing (SPX rallying, VIX falling, beta of log VIX about -2.9 on up days): by DEFAULT NO HEDGE,
ALVH simply holds that wing (as the historical replay's fast engine does). Reason, measured with
``alvh hedge --wing call``: VIX falls less in rallies than it rises in sell-offs and its futures move
about half as much as spot VIX over a month, so offsetting a call wing's loss takes roughly twice the
VIX put spreads per dollar as the put side takes call spreads, and their spreads and fees eat the offset.
``hedge_call_wing=True`` turns on the mirror: long VIX put spreads, or short VX / VXM.

Dates on which an indicator has no value yet (warm-up) do not block a gate.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.costs import CostModel
from alvh_core.models import MULTIPLIERS
from alvh_core.strategies.base import CondorOnPaths, Ledger, StrategyResult, new_ledger, settle_legs
from alvh_core.strategies.gates import event_ahead, path_event_days, pre_event_trigger, spx_macd_gate
from alvh_core.strategies.indicators import macd, rsi

Instrument = Literal["vix_call_spread", "vx", "vxm"]


class LayerPolicy(BaseModel):
    """The layered VIX hedge rules (see module docstring). Defaults: layers at |delta| 0.15/0.25/0.35."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    triggers: tuple[float, ...] = Field(default=(0.15, 0.25, 0.35),
                                        description="|delta| of the tested short strike that adds each layer")
    shares: tuple[float, ...] = Field(default=(0.5, 0.25, 0.25),
                                      description="share of the wing's stress loss each layer offsets")
    remove_vix_retrace: float = Field(default=0.15, ge=0, lt=1,
                                      description="remove when VIX retraces this fraction from its level at the add")
    remove_vix_below: float | None = Field(default=None, gt=0,
                                           description="put wing: also remove when VIX (points) is below this")
    remove_delta: float | None = Field(default=None, gt=0, lt=1,
                                       description="also remove when the short's |delta| falls below this")
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
    instrument: Instrument = "vix_call_spread"
    max_layers: int = Field(default=3, ge=1, le=10)
    hedge_call_wing: bool = Field(default=False, description="also hedge a tested call wing (VIX put spreads / "
                                  "short futures); default off, see the module docstring")

    @model_validator(mode="after")
    def _check(self) -> LayerPolicy:
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
            extra.append(f"or VIX < {self.remove_vix_below:g}")
        if self.remove_delta:
            extra.append(f"or |delta| < {self.remove_delta:g}")
        if self.rsi_max:
            extra.append(f"gate RSI{self.rsi_period}(VIX) <= {self.rsi_max:g}")
        if self.macd_confirm:
            extra.append("gate MACD(VIX) confirms")
        if self.spx_macd_confirm:
            extra.append("gate MACD(SPX) confirms")
        if self.pre_event_delta:
            extra.append(f"first layer before FOMC/CPI at |delta| >= {self.pre_event_delta:g}")
        if not self.hedge_call_wing:
            extra.append("(call wing not hedged: held)")
        return (f"ALVH {self.instrument}: layers at |delta| {trig} offsetting {shr} of the stress loss; "
                f"remove on a {self.remove_vix_retrace:.0%} VIX retrace" + "".join(" " + x for x in extra))


class HedgeSpec(BaseModel):
    """One wing's hedge instrument, resolved to what trades on the paths (from ``size_hedge``).

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


def _unit_value(paths, spec: HedgeSpec) -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """Per-contract dollar value (N, T+1) of one unit of the hedge and its option legs [(sign, mid points)]."""
    if spec.kind in ("VX", "VXM"):
        f = paths.vix_future(spec.expiry_t)
        return spec.direction * f * MULTIPLIERS[spec.kind], []
    kind = "C" if spec.kind == "VIX_CALL" else "P"
    assert spec.strikes is not None
    legs = [(1.0, paths.vix_option(kind, spec.strikes[0], spec.expiry_t))]
    if spec.strikes[1] is not None:
        legs.append((-1.0, paths.vix_option(kind, spec.strikes[1], spec.expiry_t)))
    val = sum(s * p for s, p in legs) * MULTIPLIERS["VIX"]
    return val, legs


def _gates(vix_pts: np.ndarray, policy: LayerPolicy, wing: str) -> np.ndarray:
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


def alvh(cp: CondorOnPaths, costs: CostModel, policy: LayerPolicy, specs: dict[str, HedgeSpec]) -> StrategyResult:
    """Hold the condor to expiry with the layered hedge of ``policy`` on each wing in ``specs``.

    ``extra['layers']`` lists, per (wing, layer), the add date and removal date per path (-1: never added),
    and ``extra['hedge_pnl']`` the hedge's share of P&L (N,) dollars.
    """
    paths = cp.paths
    n, k = cp.n, cp.k
    rows = np.arange(n)
    lg = new_ledger(cp)
    condor_margin = max(cp.wing_margin("put"), cp.wing_margin("call"))
    lg.margin(condor_margin)
    settle_legs(lg, cp, (0, 1, 2, 3), costs)
    vix_pts = np.asarray(paths.vix) * 100.0
    t = np.asarray(paths.t)
    hedge = Ledger(cp.disc, n)  # hedge flows kept apart, then merged (conservation check in tests)
    records: dict[str, np.ndarray] = {}
    hedge_margin_total = np.zeros((n, k + 1))
    for wing, spec in specs.items():
        if wing == "call" and not policy.hedge_call_wing:
            continue
        layers = [(trig, spec.layer_contracts(share)) for trig, share in policy.layers()]
        layers = [(trig, q) for trig, q in layers if q > 0]
        if not layers:
            continue
        short = 1 if wing == "put" else 2
        absd = np.abs(cp.delta[short])
        gate = _gates(vix_pts, policy, wing)
        if policy.spx_macd_confirm:
            gate &= spx_macd_gate(np.asarray(paths.spot), wing)
        pre = None
        if policy.pre_event_delta and getattr(paths, "asof", None) is not None:
            ahead = event_ahead(path_event_days(paths.asof, int(np.asarray(paths.spot).shape[1]) - 1),
                                policy.pre_event_lookahead)
            pre = pre_event_trigger(absd, ahead, policy.pre_event_delta)
        unit, opt_legs = _unit_value(paths, spec)
        is_future = spec.kind in ("VX", "VXM")
        hedge_expired = spec.expiry_t <= t[k] + 1e-12
        if is_future:
            f = paths.vix_future(spec.expiry_t)
            var = np.zeros_like(f)
            var[:, 1:] = np.cumsum(cp.disc[1:] * np.diff(f, axis=1), axis=1)  # PV of daily variation per point

        def fill_cost(day: np.ndarray, qty: np.ndarray) -> np.ndarray:
            if is_future:
                return costs.future(spec.kind, qty)
            return sum(costs.vix_option(p[rows, day], qty) for _, p in opt_legs)

        def book_open(mask: np.ndarray, d: int, q: int) -> None:
            qty = np.where(mask, q, 0)
            day = np.full(n, d)
            if not is_future:
                hedge.cash("hedge", -unit[:, d] * qty, d)
            hedge.cost(fill_cost(day, qty), d, qty * max(1, len(opt_legs)))

        def book_close(mask: np.ndarray, add_day: np.ndarray, d: int, q: int, settle: bool = False) -> None:
            qty = np.where(mask, q, 0)
            s = np.where(mask, add_day, 0)
            if is_future:
                mult = MULTIPLIERS[spec.kind] * spec.direction
                hedge.pv("hedge", (var[:, d] - var[rows, s]) * mult * qty)
            else:
                hedge.cash("hedge", unit[:, d] * qty, d)
            if settle:
                hedge.cost(costs.settlement_fee_vix * qty * max(1, len(opt_legs)), d, 0)
            else:
                hedge.cost(fill_cost(np.full(n, d), qty), d, qty * max(1, len(opt_legs)))

        for li, (trig, q) in enumerate(layers):
            active = np.zeros(n, bool)
            fired = np.zeros(n, bool)
            add_day = np.full(n, -1)
            rem_day = np.full(n, -1)
            add_vix = np.zeros(n)
            debit = np.zeros(n)
            margin_row = np.zeros((n, k + 1))
            for d in range(k):
                # removal first (never on the add date)
                if policy.remove_vix_retrace > 0 or policy.remove_vix_below or policy.remove_delta:
                    v = vix_pts[:, d]
                    if wing == "put":
                        rev = v <= add_vix * (1 - policy.remove_vix_retrace)
                        if policy.remove_vix_below:
                            rev |= v < policy.remove_vix_below
                    else:
                        rev = v >= add_vix * (1 + policy.remove_vix_retrace)
                    if policy.remove_delta:
                        rev |= absd[:, d] < policy.remove_delta
                    rem = active & (add_day < d) & rev
                    if rem.any():
                        book_close(rem, add_day, d, q)
                        active &= ~rem
                        rem_day[rem] = d
                add = ~fired & (absd[:, d] >= trig) & gate[:, d]
                if pre is not None and li == 0:
                    add |= ~fired & pre[:, d]
                if add.any():
                    book_open(add, d, q)
                    active |= add
                    fired |= add
                    add_day[add] = d
                    add_vix[add] = vix_pts[add, d]
                    if is_future:
                        debit[add] = costs.initial_margin(spec.kind) * q
                    else:
                        debit[add] = np.maximum(unit[add, d], 0.0) * q
                margin_row[:, d] = np.where(active, debit, 0.0)
            if active.any():
                book_close(active, add_day, k, q, settle=hedge_expired)
                rem_day[active] = k
            hedge_margin_total += margin_row
            records[f"{wing}_{li}_add_day"] = add_day
            records[f"{wing}_{li}_remove_day"] = rem_day
            records[f"{wing}_{li}_contracts"] = np.array(q)
    lg.margin(condor_margin + hedge_margin_total.max(axis=1))
    hedge_pnl = hedge.total()
    for cat, v in hedge.flows.items():
        lg.pv(cat, v)
    lg.fills = lg.fills + hedge.fills
    return StrategyResult("alvh", lg.total(), lg, extra={"hedge_pnl": hedge_pnl, **records})
