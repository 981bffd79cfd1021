"""Start-up warm-up (issue 16): the open positions' expiries are found, and their event-day SPX tables are built
and written to the disk cache, so a later comparison reads them instead of computing."""
from __future__ import annotations

import datetime as dt
import types

import alvh_core.xnys as xnys
from alvh_core.models import IronCondor
from alvh_core.scenarios.anchor import regimes
from alvh_core.scenarios.model import HNGarchModel
from alvh_core.scenarios.params import load_default_params
from alvh_core.scenarios.pricer import spx_pricer
from alvh_core.scenarios.warm import event_patterns, warm_up
from bot.startup import likely_expiries, start_warm_up
from bot.store import Store

# 2026-03-17/18 FOMC and 2026-03-11 CPI (the package's event calendar) fall inside these expiries from ASOF
ASOF = dt.date(2026, 3, 9)


def _condor(expiry: dt.date) -> IronCondor:
    return IronCondor(expiry=expiry, long_put=4750, short_put=4850, short_call=5200, long_call=5300, quantity=1,
                      credit=20.0)


def test_likely_expiries_are_the_open_positions_future_expiries(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    assert likely_expiries(store, ASOF) == []
    store.add_position("T1", "U", "C", _condor(dt.date(2026, 3, 20)))
    store.add_position("T2", "U", "C", _condor(dt.date(2026, 3, 20)))  # another team, the same expiry: once
    store.add_position("T2", "U", "C", _condor(dt.date(2026, 4, 17)))
    gone = store.add_position("T1", "U", "C", _condor(dt.date(2026, 5, 15)))
    store.close_position("T1", gone)
    store.add_position("T1", "U", "C", _condor(dt.date(2026, 3, 6)))  # expired before today
    assert likely_expiries(store, ASOF) == [dt.date(2026, 3, 20), dt.date(2026, 4, 17)]


def test_event_patterns_are_the_ones_compare_prices_with():
    (pattern, n), = event_patterns([dt.date(2026, 3, 20), dt.date(2026, 3, 2)], ASOF)
    model = HNGarchModel()
    from alvh_core.models import MarketState
    from alvh_core.scenarios.pricer import event_pattern

    m = model.event_multipliers(MarketState(spot=5000.0, vix=20.0, asof=ASOF), n)
    assert n == 9 and pattern == event_pattern(m, n) and any(x > 1 for x in pattern)


def test_warm_up_writes_the_expiries_event_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    monkeypatch.setattr("alvh_core.scenarios.pricer.DISK_CACHE_DAYS", 8)  # keep the plain tables small here
    spx_pricer.cache_clear()
    try:
        took = warm_up(expiries=[dt.date(2026, 3, 20)], asof=ASOF)
        assert took["event_tables"] > 0
        laws = [p.risk_neutral() for p in regimes(load_default_params(jumps=True), stress=True)]
        files = [f for f in tmp_path.glob("spx-events-*.npy") if not f.name.endswith(".pattern.npy")]
        assert len(files) == len(laws)
        spx_pricer.cache_clear()  # a later process: served from the files, nothing computed
        (pattern, n), = event_patterns([dt.date(2026, 3, 20)], ASOF)
        p = spx_pricer(laws[0], 0.04, 0.013, pattern)
        p._class_tables = None  # type: ignore[assignment]  # would raise if called
        p._ensure(n, 1)
        assert p._lazy is not None and p._lazy.loaded[:n].all()
    finally:
        spx_pricer.cache_clear()


def test_start_warm_up_runs_in_a_thread_with_the_store_expiries(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr("alvh_core.scenarios.warm.warm_up", lambda **kw: seen.update(kw))
    store = Store(tmp_path / "s.sqlite")
    store.add_position("T1", "U", "C", _condor(dt.date(2026, 3, 20)))
    clock = lambda: dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)  # noqa: E731
    start_warm_up(types.SimpleNamespace(store=store, clock=clock, accelerate=False)).join(10)
    assert seen == {"expiries": [dt.date(2026, 3, 20)], "asof": ASOF, "load_kernel": False}


def test_the_compiled_kernel_is_loaded_only_when_asked(tmp_path, monkeypatch):
    """numba and LLVM keep ~110 MB resident (the bot peaked at 446-487 MB with them, 371-373 MB without: issue
    16's 400 MB), so the bot's warm-up loads the kernel only with ALVH_ACCELERATE; the settings carry it to the
    services and the warm-up thread."""
    from alvh_core.scenarios import kernels
    from bot.services import default_services
    from bot.settings import Settings

    monkeypatch.delenv("ALVH_ACCELERATE", raising=False)
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    monkeypatch.setattr("alvh_core.scenarios.pricer.DISK_CACHE_DAYS", 8)
    asked = []
    monkeypatch.setattr(kernels, "numba_kernel", lambda: asked.append(1))  # None: "not installed"
    spx_pricer.cache_clear()
    try:
        warm_up(asof=ASOF)
        assert asked == []
        warm_up(asof=ASOF, load_kernel=True)
        assert asked == [1]
    finally:
        spx_pricer.cache_clear()
    off = default_services(Settings(_env_file=None, ALVH_DB=str(tmp_path / "a.sqlite")))
    on = default_services(Settings(_env_file=None, ALVH_DB=str(tmp_path / "b.sqlite"), ALVH_ACCELERATE="true"))
    assert off.accelerate is False and on.accelerate is True
