"""What every management policy shares: the condor priced on the paths, a cash ledger, the result.

Conventions (all strategies):

- The condor is already open; its credit was received at entry and is part of P&L. P&L of a path is
  ``credit x multiplier x quantity`` plus every later cash flow, each discounted to "now" (column 0 of
  the paths) at ``paths.rate``. Discounting makes "no premium in, no edge out" exact: the discounted
  price of any instrument is a martingale under the pricing law, so any stopping rule has zero EV.
- Fills happen at the model mid of that date; the ``CostModel`` adds half-spread and fees per
  contract. Cash settlement at expiry crosses no spread (fees per ``CostModel.settlement_fee_*``).
- VIX futures are marked to market daily (variation margin), each day's flow discounted from its date.
- Margin: a defined-risk condor holds ``max wing width x 100 x quantity`` while both wings are open,
  the open wing's width once one wing is closed, nothing once flat (the credit is not netted: a
  conservative, broker-typical rule). Long option hedges hold their debit; futures their initial margin.

Shapes: N paths, T+1 dates. Money in dollars for the whole position.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from alvh_core.costs import CostModel
from alvh_core.models import IronCondor, MarketState, year_fraction
from alvh_core.scenarios.base import MarketPaths

#: leg order everywhere: long put, short put, short call, long call
LEG_NAMES = ("long_put", "short_put", "short_call", "long_call")
PUT_WING = (0, 1)
CALL_WING = (2, 3)


def time_to(paths: MarketPaths, asof, date) -> float:
    """``expiry_t`` of ``date`` on the clock of ``paths`` (years from column 0 == ``asof``).

    Paths define their own clock: an optional ``paths.time_to(date)`` method wins; the scenario model's
    ``SimulatedPaths`` count NYSE trading days / 252 (``scenarios.simulation.steps_to``); anything else
    (the doubles, ``HistoricalPaths``) uses ACT/365.
    """
    fn = getattr(paths, "time_to", None)
    if callable(fn):
        return float(fn(date))
    try:
        from alvh_core.scenarios.simulation import SimulatedPaths, steps_to
    except Exception:  # pragma: no cover - scenario model not installed
        SimulatedPaths = None  # type: ignore[assignment]
    if SimulatedPaths is not None and isinstance(paths, SimulatedPaths):
        return steps_to(date, asof) / 252.0
    return year_fraction(asof, date)


def expiry_index(t: np.ndarray, expiry_t: float) -> int:
    """Index of the last date on or before ``expiry_t`` (the settlement date on the grid)."""
    k = int(np.searchsorted(t, expiry_t + 1e-9, side="right") - 1)
    if k < 0:
        raise ValueError("the condor expires before the first date of the paths")
    return k


class CondorOnPaths:
    """The four legs of a condor priced once on ``paths`` (shared by every strategy: common random numbers).

    One condor on N simulated paths, or a batch of N historical trades (one row each, every row with its own
    strikes, expiry and credit: ``CondorOnPaths.batch``); strategies read only the per-row attributes, so
    one rule text serves both.

    Attributes: ``price`` (4, N, T+1) points per contract, ``delta`` (4, N, T+1), ``sign`` (4,) (+1 long),
    ``k_rows`` (N,) expiry column of each row (``k`` their maximum, the single condor's expiry index),
    ``disc_rows`` (N, T+1) discount factors to column 0 (``disc`` the first row's), ``credit`` (N,) entry
    credit in points, ``strikes`` (4, N), ``expiry_t`` (N,) years on the paths' clock, ``quantity`` condors
    per row, ``mult`` dollars per point of the whole position (100 x quantity), ``rate``/``div`` of the
    desk model used to size hedges along the paths.
    """

    def __init__(self, condor: IronCondor | None, paths: MarketPaths, expiry_t, *,
                 strikes: np.ndarray | None = None, credit=None, quantity: int | None = None,
                 div: float = 0.013):
        self.condor = condor
        self.paths = paths
        n_rows = np.asarray(paths.spot).shape[0]
        if condor is not None:
            strikes = np.array([[leg.strike] for leg in condor.legs], float) * np.ones((1, n_rows))
            credit = condor.credit
            quantity = condor.quantity
        assert strikes is not None and credit is not None and quantity is not None
        self.strikes = np.asarray(strikes, float).reshape(4, -1) * np.ones((1, n_rows))
        self.credit = np.broadcast_to(np.asarray(credit, float), (n_rows,)).copy()
        self.quantity = int(quantity)
        self.expiry_t = np.broadcast_to(np.asarray(expiry_t, float), (n_rows,)).copy()
        t_rows = getattr(paths, "t_rows", None)
        t_rows = np.broadcast_to(np.asarray(paths.t, float), np.asarray(paths.spot).shape) if t_rows is None \
            else np.asarray(t_rows, float)
        self.t_rows = t_rows
        # last column on or before each row's expiry (vectorised ``expiry_index``)
        # (a history row is padded with its last day after its end: take the first column at that time)
        last = (t_rows <= self.expiry_t[:, None] + 1e-9).sum(axis=1) - 1
        if np.any(last < 0):
            raise ValueError("the condor expires before the first date of the paths")
        t_last = t_rows[np.arange(n_rows), last]
        self.k_rows = np.argmax(t_rows >= t_last[:, None] - 1e-12, axis=1)
        self.k = int(self.k_rows.max())
        self.rate = float(paths.rate)
        self.div = float(div)
        self.disc_rows = np.exp(-paths.rate * t_rows)
        self.disc = self.disc_rows[0]
        prices, deltas = [], []
        uniform = condor is not None
        for i, kind in enumerate(("P", "P", "C", "C")):
            k_arg = float(self.strikes[i, 0]) if uniform else self.strikes[i]
            e_arg = float(self.expiry_t[0]) if uniform else self.expiry_t
            p, d = paths.spx_option(kind, k_arg, e_arg)
            prices.append(p)
            deltas.append(d)
        self.price = np.stack(prices)
        self.delta = np.stack(deltas)
        self.sign = np.array([1.0, -1.0, -1.0, 1.0])
        self.mult = 100.0 * self.quantity
        self.n = self.price.shape[1]
        self.rows = np.arange(self.n)

    @classmethod
    def from_market(cls, condor: IronCondor, paths: MarketPaths, market: MarketState) -> CondorOnPaths:
        return cls(condor, paths, time_to(paths, market.asof, condor.expiry), div=market.div_yield)

    @classmethod
    def batch(cls, paths: MarketPaths, strikes: np.ndarray, expiry_t: np.ndarray, credit: np.ndarray,
              quantity: int, div: float) -> CondorOnPaths:
        """N trades, one per row of ``paths``: ``strikes`` (4, N) long put, short put, short call, long call;
        ``expiry_t`` (N,) years from each row's column 0; ``credit`` (N,) entry credit, points per condor."""
        return cls(None, paths, expiry_t, strikes=strikes, credit=credit, quantity=quantity, div=div)

    def value(self, legs: tuple[int, ...] = (0, 1, 2, 3)) -> np.ndarray:
        """Signed mark of the given legs, points per condor, (N, T+1) (negative for the short condor)."""
        return np.tensordot(self.sign[list(legs)], self.price[list(legs)], axes=1)

    def live(self) -> np.ndarray:
        """(N, T+1) True on the dates before each row's expiry (when management can act)."""
        return np.arange(self.price.shape[2])[None, :] < self.k_rows[:, None]

    def tested_put(self) -> np.ndarray:
        """(N,) True where the put wing is the tested one now (|short put delta| >= |short call delta|)."""
        return np.abs(self.delta[1, :, 0]) >= np.abs(self.delta[2, :, 0])

    def tested_wing(self) -> str:
        """'put' or 'call': the wing whose short strike has the larger |delta| now on the first row (ties: put)."""
        dp = float(np.abs(self.delta[1, 0, 0]))
        dc = float(np.abs(self.delta[2, 0, 0]))
        return "call" if dc > dp else "put"

    def wing_margin(self, wing: str) -> np.ndarray:
        """(N,) dollars held for one wing: its width x multiplier."""
        s = self.strikes
        width = s[1] - s[0] if wing == "put" else s[3] - s[2]
        return width * self.mult

    def condor_margin(self) -> np.ndarray:
        return np.maximum(self.wing_margin("put"), self.wing_margin("call"))


@dataclass
class Ledger:
    """Discounted cash flows by category, per path (N,), plus fills, costs and peak margin.

    Positive = cash received. ``total()`` is the P&L; each strategy's P&L is exactly its ledger total.
    """

    disc: np.ndarray  # (T+1,) or (N, T+1) discount factors to column 0
    n: int
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    fills: np.ndarray | None = None
    peak_margin: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.fills = np.zeros(self.n)
        self.peak_margin = np.zeros(self.n)

    def _add(self, category: str, amount: np.ndarray) -> None:
        amount = np.broadcast_to(np.asarray(amount, float), (self.n,))
        if category in self.flows:
            self.flows[category] = self.flows[category] + amount
        else:
            self.flows[category] = amount.copy()

    def _disc(self, day) -> np.ndarray:
        if self.disc.ndim == 1:
            return self.disc[day]
        if np.ndim(day) == 0:  # one date for every row: its column (the same numbers as the gather below)
            return self.disc[:, int(day)]
        if getattr(self, "_rows", None) is None or self._rows.size != self.n:
            self._rows = np.arange(self.n)
        return self.disc[self._rows, np.broadcast_to(np.asarray(day), (self.n,))]

    def _add_rows(self, category: str, rows: np.ndarray, amount: np.ndarray) -> None:
        if category not in self.flows:
            self.flows[category] = np.zeros(self.n)
        self.flows[category][rows] += amount

    def _disc_rows(self, rows: np.ndarray, day) -> np.ndarray:
        return self.disc[day] if self.disc.ndim == 1 else self.disc[rows, day]

    def cash_rows(self, category: str, rows: np.ndarray, amount, day) -> None:
        """:meth:`cash` for the rows ``rows`` only (distinct indices; ``amount`` and ``day`` one per row or
        scalar): the other rows get nothing. The same numbers as ``cash`` with zeros elsewhere (issue 16)."""
        self._add_rows(category, rows, np.asarray(amount, float) * self._disc_rows(rows, day))

    def pv_rows(self, category: str, rows: np.ndarray, amount) -> None:
        """:meth:`pv` for the rows ``rows`` only."""
        self._add_rows(category, rows, np.asarray(amount, float))

    def cost_rows(self, rows: np.ndarray, amount, day, contracts) -> None:
        """:meth:`cost` for the rows ``rows`` only."""
        self._add_rows("costs", rows, -np.asarray(amount, float) * self._disc_rows(rows, day))
        self.fills = self.fills.copy()
        self.fills[rows] += np.abs(np.asarray(contracts, float))

    def cash(self, category: str, amount, day) -> None:
        """Book ``amount`` dollars (N,) or scalar received on ``day`` (int or (N,) ints), discounted."""
        self._add(category, np.asarray(amount, float) * self._disc(day))

    def pv(self, category: str, amount) -> None:
        """Book an amount that is already a present value (e.g. summed daily futures variation)."""
        self._add(category, amount)

    def cost(self, amount, day, contracts) -> None:
        """Book a transaction cost (positive dollars, charged) and count ``contracts`` filled."""
        self._add("costs", -np.asarray(amount, float) * self._disc(day))
        self.fills = self.fills + np.broadcast_to(np.abs(np.asarray(contracts, float)), (self.n,))

    def margin(self, amount) -> None:
        """Raise the peak margin to at least ``amount`` (N,) or scalar dollars."""
        self.peak_margin = np.maximum(self.peak_margin, amount)

    def total(self) -> np.ndarray:
        out = np.zeros(self.n)
        for v in self.flows.values():
            out = out + v
        return out


class LedgerSummary(BaseModel):
    """Averages over paths of one strategy's trading (dollars; fills in contracts)."""

    model_config = ConfigDict(frozen=True)

    mean_flows: dict[str, float]
    mean_fills: float
    mean_costs: float
    max_margin: float
    mean_peak_margin: float


@dataclass
class StrategyResult:
    """Per-path P&L (N,) in dollars, the ledger that produced it, and extra per-path diagnostics."""

    name: str
    pnl: np.ndarray
    ledger: Ledger
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> LedgerSummary:
        lg = self.ledger
        return LedgerSummary(
            mean_flows={k: float(v.mean()) for k, v in lg.flows.items()},
            mean_fills=float(lg.fills.mean()),
            mean_costs=float(-lg.flows.get("costs", np.zeros(1)).mean()),
            max_margin=float(lg.peak_margin.max()),
            mean_peak_margin=float(lg.peak_margin.mean()),
        )


def new_ledger(cp: CondorOnPaths) -> Ledger:
    """A ledger holding the entry credit (received before now, undiscounted)."""
    lg = Ledger(cp.disc_rows, cp.n)
    lg.pv("credit", cp.credit * cp.mult)
    return lg


def close_legs(lg: Ledger, cp: CondorOnPaths, legs: tuple[int, ...], day, costs: CostModel,
               mask: np.ndarray | None = None) -> None:
    """Close ``legs`` at mid on ``day`` (int or (N,)) for the paths in ``mask`` (default all), with costs."""
    rows = cp.rows
    day_arr = np.broadcast_to(np.asarray(day), (cp.n,))
    on = np.ones(cp.n, bool) if mask is None else mask
    qty = cp.quantity
    for i in legs:
        mid = cp.price[i, rows, day_arr]
        # closing: a long leg is sold (+cash), a short leg bought back (-cash)
        lg.cash("close", np.where(on, cp.sign[i] * mid * cp.mult, 0.0), day_arr)
        lg.cost(np.where(on, costs.spx_option(mid, qty), 0.0), day_arr, np.where(on, qty, 0))


def settle_legs(lg: Ledger, cp: CondorOnPaths, legs: tuple[int, ...], costs: CostModel,
                mask: np.ndarray | None = None) -> None:
    """Cash-settle ``legs`` at expiry (intrinsic, no spread) for the paths in ``mask`` (default all)."""
    on = np.ones(cp.n, bool) if mask is None else mask
    qty = cp.quantity
    for i in legs:
        payoff = cp.price[i, cp.rows, cp.k_rows]
        lg.cash("settlement", np.where(on, cp.sign[i] * payoff * cp.mult, 0.0), cp.k_rows)
        itm = on & (payoff > 0)
        if costs.settlement_fee_spx:
            lg.cost(np.where(itm, costs.settlement_fee_spx * qty, 0.0), cp.k_rows, 0)
