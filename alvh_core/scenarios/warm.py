"""Build at start-up what the first comparison of a process would otherwise build on the clock.

``warm_up()`` loads (or builds and caches) the XNYS calendar, the SPX COS tables for 1..64 trading days
(disk cache, ``scenarios.pricer``) and the VIX grid pricer (transition matrix, disk cache) of the default
model and of every Q regime the market-anchored mixture prices with (``scenarios.anchor.regimes``, its stress
regimes included), and with ``load_kernel`` the compiled interpolation kernel (numba, when installed: about 10%
off a compare, about 110 MB more resident, so the bot loads it only with ALVH_ACCELERATE). ``expiries`` (the bot passes the expiries of
the open positions, ``bot.startup.likely_expiries``): the event-day SPX tables of each expiry as seen from
``asof`` are built and written to the disk cache (issue 16; about half a second per regime for a 17-day
expiry, once: later days of the same expiry are served by the same file). The bot calls it in a background
thread when it starts, so the first Slack comparison costs about what a warm one does. Returns the seconds
each step took.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

import numpy as np


def warm_up(params: Any = None, rate: float | None = None, div: float | None = None,
            expiries: Iterable[dt.date] = (), asof: dt.date | None = None, load_kernel: bool = False
            ) -> dict[str, float]:
    from alvh_core import xnys
    from alvh_core.models import MarketState
    from alvh_core.scenarios import kernels
    from alvh_core.scenarios.params import load_default_params
    from alvh_core.scenarios.pricer import DISK_CACHE_DAYS, spx_pricer, vix_pricer

    fields = MarketState.model_fields
    rate = float(fields["rate"].default if rate is None else rate)
    div = float(fields["div_yield"].default if div is None else div)
    q = (params or load_default_params()).risk_neutral()
    took: dict[str, float] = {}
    t = time.perf_counter()
    xnys.trading_days(dt.date(2020, 1, 2), dt.date(2020, 1, 31))
    took["calendar"] = time.perf_counter() - t
    from alvh_core.scenarios.anchor import regimes

    laws = [q] + [p.risk_neutral() for p in regimes(params or load_default_params(jumps=True), stress=True)]
    t = time.perf_counter()
    pricer = spx_pricer(q, rate, div)
    for law in laws:  # mapped from the disk cache (built and saved the first time); one day's rows read in: the
        spx_pricer(law, rate, div)._ensure(DISK_CACHE_DAYS, DISK_CACHE_DAYS)  # comparisons read the days they need
    took["spx_tables"] = time.perf_counter() - t
    t = time.perf_counter()
    for law in laws:
        vix_pricer(law, rate)
    took["vix_grid"] = time.perf_counter() - t
    t = time.perf_counter()
    if load_kernel and kernels.ACCELERATE and kernels.numba_kernel() is not None:
        st = pricer.prepare(np.array([5]), np.array([1e-4]))
        pricer.put_per_strike(np.array([5]), np.array([0.0]), np.array([1e-4]), st)
    took["kernel"] = time.perf_counter() - t
    t = time.perf_counter()
    if asof is None:
        from alvh_core.clock import desk_today, system_clock

        asof = desk_today(system_clock)  # the one clock (the bot passes its injected clock's date)
    for pattern, n in event_patterns(expiries, asof, params):
        for law in laws[1:]:  # the anchored regimes: the legs are priced with the expiry's event days
            spx_pricer(law, rate, div, pattern)._ensure(n, n)  # built and written once, one row read in
    took["event_tables"] = time.perf_counter() - t
    return took


def event_patterns(expiries: Iterable[dt.date], asof: dt.date, params: Any = None) -> list[tuple[tuple[float, ...], int]]:
    """(event pattern, trading days) of each distinct future expiry as ``compare`` prices it from ``asof`` with
    the default event bump (``HNGarchModel.event_multipliers``); expiries without an event day are left out
    (their tables are the plain, disk-cached ones), and so are those past the disk-cached horizon."""
    from alvh_core.models import MarketState
    from alvh_core.scenarios.model import HNGarchModel
    from alvh_core.scenarios.pricer import DISK_CACHE_MAX_DAYS, event_pattern
    from alvh_core.scenarios.simulation import steps_to

    model = HNGarchModel(params) if params is not None else HNGarchModel()
    market = MarketState(spot=5000.0, vix=20.0, asof=asof)  # only the date is read
    out = []
    for expiry in sorted(set(expiries)):
        if expiry <= asof:
            continue
        n = steps_to(expiry, asof)
        if not 1 <= n <= DISK_CACHE_MAX_DAYS:
            continue
        pattern = event_pattern(model.event_multipliers(market, n), n)
        if pattern:
            out.append((pattern, n))
    return out
