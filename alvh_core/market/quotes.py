"""Option-quote files: read a chain (the shared Cboe/optopsy format or a broker export) into arrays.

Formats (one reader, columns matched by name, case-insensitive; extra columns ignored):

- The format of ``../shared/data/options`` (see its PROVENANCE.md): ``quote_date, expiry, strike,
  type (C/P), bid, ask`` plus, used when present, ``spot``, ``root`` (SPX = AM-settled, SPXW =
  PM-settled), ``T_years``, ``F_parity``, ``D_parity``.
- A broker export of a chain: the same meaning under any of these names (first match wins)

  ============  ==========================================================
  quote date    ``quote_date``, ``date``, ``trade_date``, ``asof``
  expiry        ``expiry``, ``expiration``, ``expiration_date``, ``exp_date``
  strike        ``strike``, ``strike_price``
  call / put    ``type``, ``put_call``, ``option_type``, ``cp``, ``right`` (C/P/CALL/PUT)
  bid, ask      ``bid``, ``ask`` (or ``bid_price``, ``ask_price``)
  underlying    ``spot``, ``underlying_price``, ``underlying_last``, ``underlying`` (a number)
  ============  ==========================================================

  Dates ISO (``2018-02-05``) or US (``02/05/2018``). Without a quote-date column the chain is taken
  to be of the ``asof`` date the caller gives.

Every row must be a two-sided market: ``bid > 0``, ``ask > 0`` and ``bid <= ask`` (a no-bid row or
a crossed market raises :class:`QuoteFileError` naming the row: drop such rows from the export), with
the quote date the caller asked for. The forward and the discount factor of each (date, expiry,
root) come from the file's ``F_parity``/``D_parity`` where present, else from put-call parity
(:func:`parity_forward`): weighted least squares of ``C - P = D (F - K)`` over two-sided strikes within
6% of the money, weights ``1/spread^2`` (``D`` outside (0.85, 1] falls back to 1), as in the shared
data's PROVENANCE. Time to expiry: ``T_years`` when present, else ACT/365 from 16:00 ET on the quote
date to 16:00 ET on expiry (09:30 for the AM-settled root ``SPX``).

``otm_points`` turns a chain into the out-of-the-money implied vols (Black-76 on the parity forward)
that the surface is fitted to and checked against.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from alvh_core.pricing.implied_vol import black76_implied_vol

ALIASES: dict[str, tuple[str, ...]] = {
    "quote_date": ("quote_date", "date", "trade_date", "asof"),
    "expiry": ("expiry", "expiration", "expiration_date", "exp_date"),
    "strike": ("strike", "strike_price"),
    "type": ("type", "put_call", "option_type", "cp", "right"),
    "bid": ("bid", "bid_price"),
    "ask": ("ask", "ask_price"),
    "spot": ("spot", "underlying_price", "underlying_last", "underlying"),
    "root": ("root",),
    "tau": ("t_years",),
    "forward": ("f_parity",),
    "discount": ("d_parity",),
}
REQUIRED = ("expiry", "strike", "type", "bid", "ask")
AM_SETTLED_ROOTS = frozenset({"SPX"})
#: 16:00 ET to 09:30 ET: 6.5 hours earlier settlement for AM-settled roots (years).
AM_SHIFT_YEARS = 6.5 / 24.0 / 365.0


class QuoteFileError(ValueError):
    """A quote file is malformed. The message is one line: file, row, what was wrong, what is expected."""


@dataclasses.dataclass(frozen=True, eq=False)
class Chain:
    """Quotes of one file as aligned arrays (N,); ``forward``/``discount``/``tau`` per row's expiry."""

    quote_date: np.ndarray   # datetime64[D]
    expiry: np.ndarray       # datetime64[D]
    root: np.ndarray         # str
    strike: np.ndarray
    is_call: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    spot: np.ndarray         # NaN where absent
    tau: np.ndarray          # years
    forward: np.ndarray
    discount: np.ndarray
    source: str = ""

    @property
    def mid(self) -> np.ndarray:
        return 0.5 * (self.bid + self.ask)

    def __len__(self) -> int:
        return int(self.strike.size)

    def select(self, mask: np.ndarray) -> Chain:
        return dataclasses.replace(self, **{f.name: getattr(self, f.name)[mask]
                                            for f in dataclasses.fields(self) if f.name != "source"})


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text[:19] if fmt.endswith("%S") else text, fmt).date()
        except ValueError:
            continue
    return None


def _number(text: str) -> float:
    text = text.strip().replace(",", "").replace("$", "")
    return float(text) if text else float("nan")


def read_quotes(path: str | Path, asof: dt.date | None = None) -> Chain:
    """Read a quote file (see the module docstring); only rows of ``asof`` when given.

    Raises :class:`QuoteFileError` (one line naming the file and row) on a missing column, an
    unreadable number or date, a zero bid/ask, a crossed market, or a quote date other than ``asof``.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise QuoteFileError(f"quote file {path} not found (expected a CSV of option quotes)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise QuoteFileError(f"{name}: empty file (expected a header row: expiry,strike,type,bid,ask,...)") from None
        lower = [h.strip().lower() for h in header]
        cols: dict[str, int] = {}
        for key, names in ALIASES.items():
            for n in names:
                if n in lower:
                    cols[key] = lower.index(n)
                    break
        missing = [k for k in REQUIRED if k not in cols]
        if missing:
            raise QuoteFileError(f"{name}: no column for {', '.join(missing)} (expected columns "
                                 "expiry,strike,type,bid,ask[,quote_date,spot]; see alvh_core.market.quotes)")
        if "quote_date" not in cols and asof is None:
            raise QuoteFileError(f"{name}: no quote_date column; give the chain's date with --asof YYYY-MM-DD")
        other_dates: set[dt.date] = set()
        first_other = 0
        rows: dict[str, list] = {k: [] for k in ("qd", "exp", "root", "k", "call", "bid", "ask", "spot", "tau", "f", "d")}
        for line, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue

            def cell(key: str, row=row) -> str:
                i = cols.get(key)
                return row[i] if i is not None and i < len(row) else ""

            qd = _parse_date(cell("quote_date")) if "quote_date" in cols else asof
            if qd is None:
                raise QuoteFileError(f"{name} row {line}: quote date {cell('quote_date')!r} is not a date (expected YYYY-MM-DD)")
            if asof is not None and qd != asof:
                other_dates.add(qd)
                first_other = first_other or line
                continue
            exp = _parse_date(cell("expiry"))
            if exp is None:
                raise QuoteFileError(f"{name} row {line}: expiry {cell('expiry')!r} is not a date (expected YYYY-MM-DD)")
            if exp <= qd:
                raise QuoteFileError(f"{name} row {line}: expiry {exp} is not after the quote date {qd}")
            kind = cell("type").strip().upper()
            if kind not in ("C", "P", "CALL", "PUT"):
                raise QuoteFileError(f"{name} row {line}: option type {cell('type')!r} (expected C or P)")
            try:
                k, bid, ask = _number(cell("strike")), _number(cell("bid")), _number(cell("ask"))
                spot = _number(cell("spot")) if "spot" in cols else float("nan")
                tau = _number(cell("tau")) if "tau" in cols else float("nan")
                fwd = _number(cell("forward")) if "forward" in cols else float("nan")
                disc = _number(cell("discount")) if "discount" in cols else float("nan")
            except ValueError as exc:
                raise QuoteFileError(f"{name} row {line}: {exc} (expected numbers for strike, bid, ask)") from None
            if not k > 0:
                raise QuoteFileError(f"{name} row {line}: strike {cell('strike')!r} (expected a positive number)")
            if not (bid > 0 and ask > 0):
                raise QuoteFileError(f"{name} row {line}: no two-sided market (bid {cell('bid').strip() or 'blank'}, "
                                     f"ask {cell('ask').strip() or 'blank'}; expected bid > 0 and ask > 0: drop no-bid rows)")
            if bid > ask:
                raise QuoteFileError(f"{name} row {line}: crossed market, bid {bid:g} above ask {ask:g} (expected bid <= ask)")
            rows["qd"].append(qd)
            rows["exp"].append(exp)
            rows["root"].append(cell("root").strip().upper() or "SPXW")
            rows["k"].append(k)
            rows["call"].append(kind.startswith("C"))
            rows["bid"].append(bid)
            rows["ask"].append(ask)
            rows["spot"].append(spot)
            rows["tau"].append(tau)
            rows["f"].append(fwd)
            rows["d"].append(disc)
    if not rows["k"]:
        if other_dates:
            raise QuoteFileError(f"{name} row {first_other}: wrong date, no quotes dated {asof} (the file has "
                                 f"{min(other_dates)}..{max(other_dates)}; expected --asof one of its quote dates)")
        raise QuoteFileError(f"{name}: no quotes (expected rows of expiry,strike,type,bid,ask)")
    qd = np.array(rows["qd"], dtype="datetime64[D]")
    exp = np.array(rows["exp"], dtype="datetime64[D]")
    root = np.array(rows["root"], dtype=str)
    tau = np.array(rows["tau"], dtype=float)
    days = (exp - qd).astype(float)
    tau_cal = days / 365.0 - np.where(np.isin(root, list(AM_SETTLED_ROOTS)), AM_SHIFT_YEARS, 0.0)
    tau = np.where(np.isfinite(tau) & (tau > 0), tau, tau_cal)
    chain = Chain(quote_date=qd, expiry=exp, root=root, strike=np.array(rows["k"]),
                  is_call=np.array(rows["call"], dtype=bool), bid=np.array(rows["bid"]), ask=np.array(rows["ask"]),
                  spot=np.array(rows["spot"]), tau=tau, forward=np.array(rows["f"]), discount=np.array(rows["d"]),
                  source=str(path))
    return _fill_parity(chain)


def expiry_groups(chain: Chain) -> list[np.ndarray]:
    """Row indices of each (quote date, expiry, root) group, in file order of first appearance."""
    keys = np.char.add(np.char.add(chain.quote_date.astype(str), chain.expiry.astype(str)), chain.root)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    return [np.flatnonzero(inverse == g) for g in order]


def parity_forward(strike: np.ndarray, is_call: np.ndarray, mid: np.ndarray, spread: np.ndarray,
                   spot_hint: float | None = None) -> tuple[float, float]:
    """(forward, discount) of one expiry from put-call parity ``C - P = D (F - K)``.

    Weighted least squares over strikes quoted on both sides within 6% of the strike where
    ``|C - P|`` is smallest, weights ``1/spread^2``; ``D`` outside (0.85, 1] falls back to ``D = 1``
    and ``F`` = weighted mean of ``K + C - P``. NaN, NaN when no strike has both a call and a put.
    """
    calls = {float(k): (m, s) for k, c, m, s in zip(strike, is_call, mid, spread) if c}
    puts = {float(k): (m, s) for k, c, m, s in zip(strike, is_call, mid, spread) if not c}
    both = sorted(set(calls) & set(puts))
    if not both:
        return float("nan"), float("nan")
    k = np.array(both)
    diff = np.array([calls[x][0] - puts[x][0] for x in both])
    sp = np.array([calls[x][1] + puts[x][1] for x in both])
    atm = k[np.argmin(np.abs(diff))]
    near = np.abs(k / atm - 1.0) <= 0.06
    k, diff, sp = k[near], diff[near], np.maximum(sp[near], 1e-3)
    w = 1.0 / sp**2
    if k.size >= 3:
        # diff = a + b K with a = D F, b = -D
        A = np.column_stack([np.ones_like(k), k]) * np.sqrt(w)[:, None]
        coef, *_ = np.linalg.lstsq(A, diff * np.sqrt(w), rcond=None)
        d = -coef[1]
        if 0.85 < d <= 1.0:
            return float(coef[0] / d), float(d)
    return float(np.sum(w * (k + diff)) / np.sum(w)), 1.0


def _fill_parity(chain: Chain) -> Chain:
    fwd, disc = chain.forward.copy(), chain.discount.copy()
    for idx in expiry_groups(chain):
        if np.all(np.isfinite(fwd[idx])) and np.all(np.isfinite(disc[idx])):
            continue
        f, d = parity_forward(chain.strike[idx], chain.is_call[idx], chain.mid[idx],
                              chain.ask[idx] - chain.bid[idx])
        if not np.isfinite(f):
            s = chain.spot[idx]
            if np.all(np.isfinite(s)):
                f, d = float(s[0]), 1.0
            else:
                raise QuoteFileError(f"{Path(chain.source).name}: expiry {chain.expiry[idx[0]]} has no strike quoted "
                                     "on both sides and no underlying price (expected calls and puts, or a spot column)")
        fwd[idx] = np.where(np.isfinite(fwd[idx]), fwd[idx], f)
        disc[idx] = np.where(np.isfinite(disc[idx]), disc[idx], d)
    return dataclasses.replace(chain, forward=fwd, discount=disc)


@dataclasses.dataclass(frozen=True, eq=False)
class OtmPoints:
    """Out-of-the-money quotes as implied vols: arrays (N,) aligned with ``chain`` rows ``rows``."""

    quote_date: np.ndarray
    expiry: np.ndarray
    strike: np.ndarray
    is_call: np.ndarray
    tau: np.ndarray
    forward: np.ndarray
    discount: np.ndarray
    vol: np.ndarray          # market implied vol from mid, decimal
    delta: np.ndarray        # Black-76 forward delta at the market vol (signed)
    mid: np.ndarray
    spread: np.ndarray

    def __len__(self) -> int:
        return int(self.strike.size)

    def select(self, mask: np.ndarray) -> OtmPoints:
        return OtmPoints(**{f.name: getattr(self, f.name)[mask] for f in dataclasses.fields(self)})


def otm_points(chain: Chain, min_days: float = 7.0, max_days: float = 90.0,
               min_delta: float = 0.05, max_delta: float = 0.50) -> OtmPoints:
    """Out-of-the-money quotes (puts below the forward, calls at or above) with ``min_days..max_days``
    to expiry and ``min_delta <= |delta| <= max_delta``, as Black-76 implied vols from the mid on the
    parity forward and discount. The convention of the issue's error table (7-90 days, 5-50 delta)."""
    days = chain.tau * 365.0
    otm = np.where(chain.is_call, chain.strike >= chain.forward, chain.strike < chain.forward)
    keep = otm & (days >= min_days) & (days <= max_days)
    c = chain.select(keep)
    rate = -np.log(c.discount) / c.tau
    vol = black76_implied_vol(c.mid, c.is_call, c.forward, c.strike, c.tau, rate)
    with np.errstate(all="ignore"):
        s = vol * np.sqrt(c.tau)
        d1 = np.log(c.forward / c.strike) / s + 0.5 * s
    delta = np.where(c.is_call, ndtr(d1), ndtr(d1) - 1.0)
    ok = np.isfinite(vol) & (vol > 0) & (np.abs(delta) >= min_delta) & (np.abs(delta) <= max_delta)
    return OtmPoints(quote_date=c.quote_date[ok], expiry=c.expiry[ok], strike=c.strike[ok], is_call=c.is_call[ok],
                     tau=c.tau[ok], forward=c.forward[ok], discount=c.discount[ok], vol=vol[ok], delta=delta[ok],
                     mid=c.mid[ok], spread=(c.ask - c.bid)[ok])
