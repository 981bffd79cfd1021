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
    """The four legs of ``condor`` priced once on ``paths`` (shared by every strategy: common random numbers).

    Attributes: ``price`` (4, N, T+1) points per contract, ``delta`` (4, N, T+1), ``sign`` (4,) (+1 long),
    ``k`` expiry index, ``disc`` (T+1,) discount factors to now, ``mult`` dollars per point of the whole
    position (100 x quantity).
    """

    def __init__(self, condor: IronCondor, paths: MarketPaths, expiry_t: float):
        self.condor = condor
        self.paths = paths
        self.expiry_t = float(expiry_t)
        self.k = expiry_index(paths.t, expiry_t)
        self.disc = np.exp(-paths.rate * paths.t)
        prices, deltas = [], []
        for leg in condor.legs:
            p, d = paths.spx_option(leg.kind, leg.strike, expiry_t)
            prices.append(p)
            deltas.append(d)
        self.price = np.stack(prices)
        self.delta = np.stack(deltas)
        self.sign = np.array([leg.sign for leg in condor.legs], dtype=float)
        self.mult = condor.dollars_per_point
        self.n = self.price.shape[1]

    @classmethod
    def from_market(cls, condor: IronCondor, paths: MarketPaths, market: MarketState) -> CondorOnPaths:
        return cls(condor, paths, time_to(paths, market.asof, condor.expiry))

    def value(self, legs: tuple[int, ...] = (0, 1, 2, 3)) -> np.ndarray:
        """Signed mark of the given legs, points per condor, (N, T+1) (negative for the short condor)."""
        return np.tensordot(self.sign[list(legs)], self.price[list(legs)], axes=1)

    def tested_wing(self) -> str:
        """'put' or 'call': the wing whose short strike has the larger |delta| now (ties: put)."""
        dp = float(np.abs(self.delta[1, 0, 0]))
        dc = float(np.abs(self.delta[2, 0, 0]))
        return "call" if dc > dp else "put"

    def wing_margin(self, wing: str) -> float:
        c = self.condor
        return (c.put_width if wing == "put" else c.call_width) * self.mult


@dataclass
class Ledger:
    """Discounted cash flows by category, per path (N,), plus fills, costs and peak margin.

    Positive = cash received. ``total()`` is the P&L; each strategy's P&L is exactly its ledger total.
    """

    disc: np.ndarray
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

    def cash(self, category: str, amount, day) -> None:
        """Book ``amount`` dollars (N,) or scalar received on ``day`` (int or (N,) ints), discounted."""
        self._add(category, np.asarray(amount, float) * self.disc[day])

    def pv(self, category: str, amount) -> None:
        """Book an amount that is already a present value (e.g. summed daily futures variation)."""
        self._add(category, amount)

    def cost(self, amount, day, contracts) -> None:
        """Book a transaction cost (positive dollars, charged) and count ``contracts`` filled."""
        self._add("costs", -np.asarray(amount, float) * self.disc[day])
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
    extra: dict[str, np.ndarray] = field(default_factory=dict)

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
    lg = Ledger(cp.disc, cp.n)
    lg.pv("credit", np.full(cp.n, cp.condor.credit * cp.mult))
    return lg


def close_legs(lg: Ledger, cp: CondorOnPaths, legs: tuple[int, ...], day, costs: CostModel,
               mask: np.ndarray | None = None) -> None:
    """Close ``legs`` at mid on ``day`` (int or (N,)) for the paths in ``mask`` (default all), with costs."""
    rows = np.arange(cp.n)
    day_arr = np.broadcast_to(np.asarray(day), (cp.n,))
    on = np.ones(cp.n, bool) if mask is None else mask
    qty = cp.condor.quantity
    for i in legs:
        mid = cp.price[i, rows, day_arr]
        # closing: a long leg is sold (+cash), a short leg bought back (-cash)
        lg.cash("close", np.where(on, cp.sign[i] * mid * cp.mult, 0.0), day_arr)
        lg.cost(np.where(on, costs.spx_option(mid, qty), 0.0), day_arr, np.where(on, qty, 0))


def settle_legs(lg: Ledger, cp: CondorOnPaths, legs: tuple[int, ...], costs: CostModel,
                mask: np.ndarray | None = None) -> None:
    """Cash-settle ``legs`` at expiry (intrinsic, no spread) for the paths in ``mask`` (default all)."""
    on = np.ones(cp.n, bool) if mask is None else mask
    qty = cp.condor.quantity
    for i in legs:
        payoff = cp.price[i, :, cp.k]
        lg.cash("settlement", np.where(on, cp.sign[i] * payoff * cp.mult, 0.0), cp.k)
        itm = on & (payoff > 0)
        if costs.settlement_fee_spx:
            lg.cost(np.where(itm, costs.settlement_fee_spx * qty, 0.0), cp.k, 0)
