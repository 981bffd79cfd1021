"""Event-day SPX tables cached on disk (issue 16): what a later process reads equals what it would compute, a
pattern is served by the file of a longer pattern it starts with (tomorrow's of the same expiry), the key holds
the law, corrupt files are rebuilt and the cache stays within its bound."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import alvh_core.scenarios.pricer as pricer
import alvh_core.xnys as xnys
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.pricer import SpxTablePricer

RATE, DIV = 0.04, 0.013
#: 12 days to expiry, an FOMC-like day 3 days before expiry and a CPI-like day 9 before (positions from expiry)
PATTERN = tuple(1.6 if k in (3, 9) else 0.95 for k in range(1, 13))


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def q():
    return load_default_params(jumps=True).risk_neutral()


def _in_memory(q, events) -> np.ndarray:
    """The tables computed without the disk cache (the reference the files must reproduce)."""
    p = SpxTablePricer(q, RATE, DIV, events)
    p._load_event_disk = lambda rows: None
    p._save_event_disk = lambda stack: None
    return p.table_stack(len(events))


def test_event_tables_from_disk_equal_computed_ones(cache, q):
    ref = _in_memory(q, PATTERN)
    first = SpxTablePricer(q, RATE, DIV, PATTERN)
    np.testing.assert_array_equal(first.table_stack(12), ref)  # built, written, read back
    files = sorted(cache.glob("spx-events-*"))
    assert len(files) == 2 and first._lazy is not None  # the tables and their pattern
    later = SpxTablePricer(q, RATE, DIV, PATTERN)  # a later process: reads, computes nothing
    later._class_tables = None  # type: ignore[assignment]  # would raise if called
    n, x, h = np.array([5, 6, 8]), np.array([-0.03, 0.0, 0.05]), np.array([3e-5, 1e-4, 5e-4])
    for a, b in zip(later.put_per_strike(n, x, h), first.put_per_strike(n, x, h)):
        np.testing.assert_array_equal(a, b)
    assert later._lazy.loaded.tolist() == [False] * 4 + [True] * 4 + [False] * 4  # the days asked for only


def test_tomorrows_pattern_is_served_by_todays_file_and_the_law_is_in_the_key(cache, q):
    SpxTablePricer(q, RATE, DIV, PATTERN).table_stack(12)
    tomorrow = PATTERN[:11]  # the same expiry one session later: the positions from expiry are the same days
    p = SpxTablePricer(q, RATE, DIV, tomorrow)
    p._class_tables = None  # type: ignore[assignment]
    got = p.table_stack(11)
    assert got.shape[0] == 11 and len(list(cache.glob("spx-events-*"))) == 2
    # equal to float rounding (the cut class is one matrix product with fewer columns)
    np.testing.assert_allclose(got, _in_memory(q, tomorrow), rtol=0, atol=1e-13)
    # another event pattern, rate or law: not served by that file (built anew, its own file)
    for other in (SpxTablePricer(q, RATE, DIV, PATTERN[:6] + (1.7,) + PATTERN[7:]),
                  SpxTablePricer(q, RATE + 0.01, DIV, PATTERN),
                  SpxTablePricer(dataclasses.replace(q, beta=q.beta * 0.99), RATE, DIV, PATTERN)):
        before = len(list(cache.glob("spx-events-*")))
        other.table_stack(12)
        assert len(list(cache.glob("spx-events-*"))) == before + 2


def test_corrupt_or_partial_event_file_is_rebuilt(cache, q):
    ref = SpxTablePricer(q, RATE, DIV, PATTERN).table_stack(12).copy()
    (path,) = [f for f in cache.glob("spx-events-*.npy") if not f.name.endswith(".pattern.npy")]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # partial: not opened, rebuilt and rewritten
    np.testing.assert_array_equal(SpxTablePricer(q, RATE, DIV, PATTERN).table_stack(12), ref)
    assert path.stat().st_size == len(data)
    arr = np.load(path)
    arr[1, 4] = np.nan  # the right shape, not numbers: found, refused on reading, rebuilt
    np.save(path, arr)
    p = SpxTablePricer(q, RATE, DIV, PATTERN)
    np.testing.assert_array_equal(p.put_per_strike(np.array([5]), np.array([0.01]), np.array([1e-4]))[0],
                                  SpxTablePricer(q, RATE, DIV, PATTERN).put_per_strike(
                                      np.array([5]), np.array([0.01]), np.array([1e-4]))[0])
    assert np.isfinite(np.load(path)).all()


def test_event_cache_keeps_within_its_bound(cache, q, monkeypatch):
    one = SpxTablePricer(q, RATE, DIV, PATTERN)
    one.table_stack(12)
    size = sum(f.stat().st_size for f in cache.glob("spx-events-*"))
    monkeypatch.setattr(pricer, "EVENT_CACHE_BYTES", int(1.5 * size))
    import os

    for f in cache.glob("spx-events-*"):
        os.utime(f, (1, 1))  # long unused
    SpxTablePricer(q, RATE, DIV, PATTERN[:5] + (2.0,) + PATTERN[6:]).table_stack(12)
    left = sorted(cache.glob("spx-events-*"))
    assert len(left) == 2 and one._event_cache_path(12) not in left  # the old pair went, the new one stays
