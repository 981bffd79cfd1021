"""Management policies replayed on a batch of historical trades, vectorised across trades.

These mirror the strategy engineer's conventions (alvh_core/strategies/base.py: fills at mid plus
``CostModel`` half-spread and fee per contract, cash settlement at expiry crosses no spread) but act on
many trades at once, each with its own strikes, expiry and trigger day, which the one-condor strategy
API does not take. Cash flows are not discounted (realised P&L of a backtest; the rate is small over
a month). Every dollar of P&L is booked in a ``TradeLedger`` category, so P&L == ledger total.

Policies (one condor per trade, dollars):

- ``hold``: keep all four legs to expiry.
- ``leg_out``: on the trigger day close all four legs.
- ``close_tested``: on the trigger day close the tested vertical (short + long of that wing); the
  other vertical settles at expiry.
- ``alvh``: on a put-side trigger keep the condor and buy a layered VIX call hedge (three equal-size
  layers at the VX future x ``LAYER_MONEYNESS``) on the first VX expiry on or after the condor expiry,
  sized so the hedge's SPX-equivalent delta offsets ``hedge_ratio`` of the condor's delta at the trigger
  (VX future assumed to move ``VX_BETA`` x F x (-SPX return)), the debit capped at ``max_hedge_debit``
  x the entry credit; a layer is sold when its mark reaches ``layer_take_profit`` x its cost, the rest
  at the condor's expiry. On a call-side trigger VIX calls do not hedge, so ALVH holds.
- ``take_profit_stop``: from the day after entry, close all legs at the first close where the profit
  is >= ``take_profit`` x credit, or the loss >= ``stop_loss`` x credit, or ``exit_dte`` calendar days
  or fewer are left; else settle. (Closes are used as fills: optimistic for intraday stops.)
"""
from __future__ import annotations

import dataclasses

import numpy as np

from alvh_core.costs import CostModel
from alvh_core.models import MULTIPLIERS

MULT = float(MULTIPLIERS["SPX"])
VIX_MULT = float(MULTIPLIERS["VIX"])
STRATEGIES = ("hold", "leg_out", "close_tested", "alvh", "take_profit_stop")
LAYER_MONEYNESS = (1.10, 1.25, 1.50)
VX_BETA = 2.5
SIGN = np.array([1.0, -1.0, -1.0, 1.0])  # long put, short put, short call, long call
PUT_WING, CALL_WING = (0, 1), (2, 3)


@dataclasses.dataclass
class TradeLedger:
    """Cash flows (N,) by category, dollars per condor; positive = received. ``exit_col`` (N,) is the
    column on which the position (including any hedge) was finally flat."""

    flows: dict[str, np.ndarray]
    exit_col: np.ndarray
    fills: np.ndarray

    def total(self) -> np.ndarray:
        return np.sum(np.stack(list(self.flows.values())), axis=0)


@dataclasses.dataclass
class CondorBook:
    """The batch's condors priced on their paths.

    ``price``/``delta`` (4, N, T+1) per leg (long put, short put, short call, long call), points;
    ``k`` (N,) settlement column; ``dte`` (N, T+1) calendar days to expiry; ``trigger`` (N,) trigger
    column (-1 = never); ``tested_put`` (N,) bool.
    """

    price: np.ndarray
    delta: np.ndarray
    k: np.ndarray
    dte: np.ndarray
    trigger: np.ndarray
    tested_put: np.ndarray

    @property
    def n(self) -> int:
        return self.price.shape[1]

    def at(self, leg: int, col: np.ndarray) -> np.ndarray:
        return self.price[leg, np.arange(self.n), col]

    def liability(self) -> np.ndarray:
        """(N, T+1) cost to buy the short condor back at mid, points (= -signed value)."""
        return -np.tensordot(SIGN, self.price, axes=1)


def find_trigger(delta: np.ndarray, k: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """First column j in [1, k-1] with |short put delta| or short call delta >= threshold.

    Returns (trigger (N,), -1 if none; tested_put (N,) bool)."""
    n, t1 = delta.shape[1:]
    j = np.arange(t1)[None, :]
    window = (j >= 1) & (j < k[:, None])
    dp, dc = np.abs(delta[1]), np.abs(delta[2])
    hit = window & ((dp >= threshold) | (dc >= threshold))
    any_hit = hit.any(axis=1)
    col = np.where(any_hit, hit.argmax(axis=1), -1)
    rows = np.arange(n)
    c = np.maximum(col, 0)
    tested_put = dp[rows, c] >= dc[rows, c]
    return col, tested_put & any_hit


def _entry(book: CondorBook, costs: CostModel) -> dict[str, np.ndarray]:
    credit = -np.tensordot(SIGN, book.price[:, :, 0], axes=1) * MULT
    cost = sum(costs.spx_option(book.price[i, :, 0], 1.0) for i in range(4))
    return {"credit": credit, "costs": -cost}


def _close(flows: dict[str, np.ndarray], book: CondorBook, legs: tuple[int, ...], col: np.ndarray,
           on: np.ndarray, costs: CostModel) -> np.ndarray:
    """Close ``legs`` on column ``col`` where ``on``; returns the contracts filled (N,)."""
    fills = np.zeros(book.n)
    for i in legs:
        mid = book.at(i, col)
        flows["close"] = flows.get("close", 0.0) + np.where(on, SIGN[i] * mid * MULT, 0.0)
        flows["costs"] = flows["costs"] - np.where(on, costs.spx_option(mid, 1.0), 0.0)
        fills += on
    return fills


def _settle(flows: dict[str, np.ndarray], book: CondorBook, legs: tuple[int, ...], on: np.ndarray,
            costs: CostModel) -> None:
    for i in legs:
        payoff = book.at(i, book.k)
        flows["settlement"] = flows.get("settlement", 0.0) + np.where(on, SIGN[i] * payoff * MULT, 0.0)
        if costs.settlement_fee_spx:
            flows["costs"] = flows["costs"] - np.where(on & (payoff > 0), costs.settlement_fee_spx, 0.0)


def _ledger(flows: dict[str, np.ndarray], n: int, exit_col: np.ndarray, fills: np.ndarray) -> TradeLedger:
    full = {k: np.broadcast_to(np.asarray(v, float), (n,)).copy() for k, v in flows.items()}
    return TradeLedger(full, np.asarray(exit_col), fills)


def hold(book: CondorBook, costs: CostModel) -> TradeLedger:
    flows = _entry(book, costs)
    _settle(flows, book, (0, 1, 2, 3), np.ones(book.n, bool), costs)
    return _ledger(flows, book.n, book.k, np.full(book.n, 4.0))


def leg_out(book: CondorBook, costs: CostModel) -> TradeLedger:
    flows = _entry(book, costs)
    trig = book.trigger >= 0
    col = np.where(trig, book.trigger, book.k)
    fills = 4.0 + _close(flows, book, (0, 1, 2, 3), col, trig, costs)
    _settle(flows, book, (0, 1, 2, 3), ~trig, costs)
    return _ledger(flows, book.n, col, fills)


def close_tested(book: CondorBook, costs: CostModel) -> TradeLedger:
    flows = _entry(book, costs)
    trig = book.trigger >= 0
    col = np.where(trig, book.trigger, book.k)
    put_t, call_t = trig & book.tested_put, trig & ~book.tested_put
    fills = 4.0 + _close(flows, book, PUT_WING, col, put_t, costs) + _close(flows, book, CALL_WING, col, call_t, costs)
    _settle(flows, book, PUT_WING, ~put_t, costs)
    _settle(flows, book, CALL_WING, ~call_t, costs)
    return _ledger(flows, book.n, book.k, fills)


def take_profit_stop(book: CondorBook, costs: CostModel, take_profit: float = 0.5, stop_loss: float = 2.0,
                     exit_dte: int = 21) -> TradeLedger:
    flows = _entry(book, costs)
    liab = book.liability()
    credit = liab[:, :1]
    t1 = liab.shape[1]
    j = np.arange(t1)[None, :]
    window = (j >= 1) & (j < book.k[:, None])
    profit = credit - liab
    hit = window & ((profit >= take_profit * credit) | (-profit >= stop_loss * credit) | (book.dte <= exit_dte))
    closed = hit.any(axis=1)
    col = np.where(closed, hit.argmax(axis=1), book.k)
    fills = 4.0 + _close(flows, book, (0, 1, 2, 3), col, closed, costs)
    _settle(flows, book, (0, 1, 2, 3), ~closed, costs)
    return _ledger(flows, book.n, col, fills)


@dataclasses.dataclass
class VixHedgeQuotes:
    """VIX call layers on the hedge expiry for each trade: ``price`` and ``delta`` (L, N, T+1), points
    (delta per point of the VX future), ``strike`` (L, N), ``future`` (N, T+1) VX future."""

    price: np.ndarray
    delta: np.ndarray
    strike: np.ndarray
    future: np.ndarray


def alvh(book: CondorBook, spot: np.ndarray, quotes: VixHedgeQuotes, costs: CostModel,
         hedge_ratio: float = 1.0, max_hedge_debit: float = 1.0, layer_take_profit: float = 3.0,
         ) -> tuple[TradeLedger, np.ndarray]:
    """ALVH ledger and the hedge contracts per layer (N,) (see module docstring)."""
    flows = _entry(book, costs)
    flows["hedge"] = np.zeros(book.n)
    n, t1 = spot.shape
    rows = np.arange(n)
    on = (book.trigger >= 0) & book.tested_put
    c = np.where(on, book.trigger, 0)
    condor_delta = np.tensordot(SIGN, book.delta[:, rows, c], axes=1)  # per point, per condor (positive)
    s = spot[rows, c]
    f = quotes.future[rows, c]
    layer_px = quotes.price[:, rows, c]  # (L, N)
    layer_delta = quotes.delta[:, rows, c]
    spx_loss_per_pct = np.maximum(condor_delta, 0.0) * s * 0.01 * MULT
    hedge_gain_per_pct = layer_delta.sum(axis=0) * VX_BETA * f * 0.01 * VIX_MULT  # per contract of each layer
    with np.errstate(divide="ignore", invalid="ignore"):
        n_layer = np.where(hedge_gain_per_pct > 0, hedge_ratio * spx_loss_per_pct / hedge_gain_per_pct, 0.0)
        debit = n_layer * layer_px.sum(axis=0) * VIX_MULT
        cap = max_hedge_debit * flows["credit"]
        n_layer = np.where(debit > cap, n_layer * cap / np.where(debit > 0, debit, 1.0), n_layer)
    n_layer = np.where(on, n_layer, 0.0)
    fills = np.full(n, 4.0)
    exit_col = book.k.copy()
    j = np.arange(t1)[None, :]
    for lay in range(quotes.price.shape[0]):
        buy = layer_px[lay]
        flows["hedge"] -= n_layer * buy * VIX_MULT
        flows["costs"] -= costs.vix_option(buy, n_layer)
        path = quotes.price[lay]
        tp = (j > c[:, None]) & (j <= book.k[:, None]) & (path >= layer_take_profit * np.maximum(buy, 1e-12)[:, None])
        sell_col = np.where(tp.any(axis=1), tp.argmax(axis=1), book.k)
        sell = path[rows, sell_col]
        flows["hedge"] += n_layer * sell * VIX_MULT
        flows["costs"] -= costs.vix_option(sell, n_layer)
        fills += 2 * n_layer
    _settle(flows, book, (0, 1, 2, 3), np.ones(n, bool), costs)
    return _ledger(flows, n, exit_col, fills), n_layer


def describe(take_profit: float, stop_loss: float, exit_dte: int) -> str:
    """One line of the fast engine's rules for the assumptions block."""
    return (f"ALVH: 3 VIX call layers at VX future x {'/'.join(f'{m:g}' for m in LAYER_MONEYNESS)} bought at a "
            f"put-side trigger, sized to offset the condor delta (VX beta {VX_BETA:g}), debit <= entry credit, "
            "a layer sold at 3x cost, the rest at expiry; call-side tests hold; take_profit_stop from entry: "
            f"{take_profit:g} x credit won, {stop_loss:g} x credit lost or {exit_dte} DTE")
