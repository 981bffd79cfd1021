"""Issue 16 leftovers: what the first comparison of a process loads instead of building, and the point
pricing of VIX options, each against the reference it replaces (equal, not merely close)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

import alvh_core.xnys as xnys
from alvh_core.models import MarketState
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.anchor import regimes
from alvh_core.scenarios.model import HNGarchModel
from alvh_core.scenarios.pricer import N_VG, VixGridPricer

ASOF = dt.date(2026, 11, 24)
MARKET = MarketState(spot=5712.0, vix=24.3, asof=ASOF)


@pytest.fixture(scope="module")
def jump_q():
    """A regime whose crashes load next day's variance: the transition with the two jump branches."""
    q = [p for p in regimes(load_default_params(jumps=True)) if p.jump_var > 0][0].risk_neutral()
    assert q.has_jumps and q.jump_var > 0
    return q


def test_vix_transition_disk_cache_equals_fresh_and_bad_files_are_rebuilt(tmp_path, monkeypatch, jump_q):
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    fresh = VixGridPricer(jump_q, 0.04)  # builds, then writes the cache
    path = fresh._cache_path()
    assert path.parent == tmp_path and path.exists() and not list(tmp_path.glob("*.tmp"))
    loaded = VixGridPricer(jump_q, 0.04)
    np.testing.assert_array_equal(loaded._trans, fresh._trans)
    np.testing.assert_allclose(loaded._trans.sum(axis=1), 1.0, atol=1e-9)  # a probability kernel
    np.testing.assert_array_equal(loaded.values("C", 30.0, 40), fresh.values("C", 30.0, 40))
    # a different law has its own file (the key holds the parameters)
    other = dataclasses.replace(jump_q, jump_mean=jump_q.jump_mean * 1.1)
    assert VixGridPricer(other, 0.04)._cache_path() != path
    for bad in (b"", b"\x93NUMPY garbage", path.read_bytes()[: path.stat().st_size // 2]):  # empty, corrupt, partial
        path.write_bytes(bad)
        again = VixGridPricer(jump_q, 0.04)
        np.testing.assert_array_equal(again._trans, fresh._trans)
    np.save(path, np.full((N_VG, N_VG), np.nan))  # the right shape but not a kernel: rebuilt too
    np.testing.assert_array_equal(VixGridPricer(jump_q, 0.04)._trans, fresh._trans)
    np.testing.assert_array_equal(np.load(path), fresh._trans)  # and the good one written back


def test_vix_pricer_without_a_writable_cache_still_prices(tmp_path, monkeypatch, jump_q):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: blocked / "sub")
    vp = VixGridPricer(jump_q, 0.04)
    np.testing.assert_allclose(vp._trans.sum(axis=1), 1.0, atol=1e-9)


@pytest.fixture(scope="module")
def mixture():
    """A small mixture path set over several regimes and states (weights spread on purpose)."""
    base = HNGarchModel()
    regs = regimes(base.params)[:4]
    from alvh_core.scenarios.anchor import Node, node_states

    nodes = []
    for r, p in enumerate(regs):
        for hv in node_states(p, MARKET.vix)[3:6]:
            nodes.append(Node(regime=r, h_q0=float(hv), weight=1.0))
    model = dataclasses.replace(base, regimes=regs, nodes=nodes)
    return model.simulate(MARKET, 30, 240, 11, True)


@pytest.mark.parametrize("kind", ["C", "P"])
def test_point_prices_equal_the_tables(mixture, kind):
    """``vix_option_at`` = ``vix_option(...)[rows, days]`` exactly: every block, date 0 (the mixture price),
    live dates, and dates after expiry (the payoff)."""
    paths = mixture
    assert len(paths.blocks) >= 8
    rng = np.random.default_rng(3)
    n, cols = paths.spot.shape
    rows = rng.integers(0, n, 400)
    days = rng.integers(0, cols, 400)
    days[:40] = 0
    for expiry_steps in (12, 30, 45):
        t = expiry_steps / 252
        strikes = rng.choice([18.0, 22.0, 25.0, 31.0], rows.size)
        got = paths.vix_option_at(kind, strikes, t, rows, days)
        want = np.array([paths.vix_option(kind, k, t)[r, d] for k, r, d in zip(strikes, rows, days)])
        np.testing.assert_array_equal(got, want)
        block = paths.blocks[2]  # one law: the same for SimulatedPaths
        r1 = rows % block.n_paths
        np.testing.assert_array_equal(block.vix_option_at(kind, 25.0, t, r1, days),
                                      block.vix_option(kind, 25.0, t)[r1, days])
    for k in np.unique(strikes):  # date 0: one mixture price per strike
        assert np.unique(got[(days == 0) & (strikes == k)]).size == 1
    with pytest.raises(ValueError, match="positive"):
        paths.vix_option_at(kind, 0.0, 12 / 252, rows, days)


def test_one_blas_thread_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from alvh_core.parallel import one_blas_thread

    def blas():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before = blas()
    with one_blas_thread():
        inside = blas()
    assert inside and all(n == 1 for n in inside)
    assert blas() == before


def test_spx_tables_read_from_the_disk_cache_on_demand_equal_fresh(tmp_path, monkeypatch):
    """The tables a later process reads from the disk cache (the days it needs) equal freshly computed ones, also past 64 days
    (a 128-day file); a partial or corrupt file is rebuilt."""
    from alvh_core.scenarios.pricer import SpxTablePricer

    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    q = load_default_params().risk_neutral()
    fresh = SpxTablePricer(q, 0.031, 0.012)
    built = fresh.table_stack(90).copy()  # 128 days: classes up to 128, saved, then mapped
    assert built.shape[0] == 128 and fresh._cache_path(128).exists()
    n = np.array([3, 40, 90])
    h = np.array([2e-5, 1e-4, 6e-4])
    x = np.array([-0.05, 0.0, 0.08])
    reader = SpxTablePricer(q, 0.031, 0.012)
    for a, b in zip(reader.put_per_strike(n, x, h), fresh.put_per_strike(n, x, h)):
        np.testing.assert_array_equal(a, b)
    loaded = reader._lazy.loaded  # only the days asked for (3..90) were read from the file
    assert loaded[2:90].all() and not loaded[:2].any() and not loaded[90:].any()
    np.testing.assert_array_equal(SpxTablePricer(q, 0.031, 0.012).table_stack(90), built)
    path = fresh._cache_path(128)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # partial (a killed writer without the rename)
    again = SpxTablePricer(q, 0.031, 0.012)
    np.testing.assert_array_equal(again.table_stack(90), built)
    from alvh_core.scenarios.pricer import N_H

    np.save(path, np.full((2, 128, N_H, again.n_y), np.nan))  # the right shape, not numbers: rebuilt on read
    nan_file = SpxTablePricer(q, 0.031, 0.012)
    for a, b in zip(nan_file.put_per_strike(n, x, h), fresh.put_per_strike(n, x, h)):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(np.load(path)).all()  # and rewritten


def test_vix_table_bank_stays_right_when_its_memory_bound_resets_it(monkeypatch, jump_q):
    import alvh_core.scenarios.pricer as pricer

    monkeypatch.setattr(pricer, "VIX_BANK_BYTES", 3 * 41 * N_VG * 8)  # three 40-day tables
    vp = VixGridPricer(jump_q, 0.04)
    ref = {k: vp._compute("C", k, 40) for k in (20.0, 25.0, 30.0, 35.0, 40.0)}
    for batch in ([20.0, 25.0], [25.0, 30.0], [35.0, 20.0, 40.0], [30.0], [20.0, 25.0, 30.0, 35.0, 40.0]):
        bank, slots = vp.tables("C", np.array(batch), 40)
        for k, s_ in zip(batch, slots):
            np.testing.assert_array_equal(bank[s_], ref[k])


def test_vix_tables_from_the_disk_cache_equal_computed_ones(tmp_path, monkeypatch, jump_q):
    """A (law, kind, strike) table is computed once for 0..64 days and written; a later pricer reads it for any
    expiry up to 64 days out (row m is m days to expiry whatever the expiry): the same numbers, bit for bit;
    the key holds the law, rate, kind and strike; a corrupt file is recomputed and rewritten."""
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    fresh = VixGridPricer(jump_q, 0.04)
    ref40 = fresh._compute_rows("C", 27.0, 40)
    got40 = fresh._compute("C", 27.0, 40)  # computed for 64 days, written, cut to 40
    np.testing.assert_array_equal(got40, ref40)
    files = sorted(tmp_path.glob("vix-table-*.npy"))
    assert len(files) == 1
    later = VixGridPricer(jump_q, 0.04)
    later._compute_rows = None  # type: ignore[assignment]  # would raise if called: read from the file
    np.testing.assert_array_equal(later._compute("C", 27.0, 40), ref40)
    np.testing.assert_array_equal(later._compute("C", 27.0, 12), fresh._compute_rows("C", 27.0, 12))
    np.testing.assert_array_equal(later.values("C", 27.0, 40), ref40)
    for kind, k, rate in (("P", 27.0, 0.04), ("C", 28.0, 0.04), ("C", 27.0, 0.05)):
        VixGridPricer(jump_q, rate)._compute(kind, k, 40)
    other = [p for p in regimes(load_default_params(jumps=True)) if p.risk_neutral() != jump_q][0].risk_neutral()
    VixGridPricer(other, 0.04)._compute("C", 27.0, 40)
    assert len(list(tmp_path.glob("vix-table-*.npy"))) == 5
    files[0].write_bytes(files[0].read_bytes()[:1000])  # partial: recomputed and rewritten
    np.testing.assert_array_equal(VixGridPricer(jump_q, 0.04)._compute("C", 27.0, 40), ref40)
    assert np.load(files[0]).shape == (65, N_VG)
    far = VixGridPricer(jump_q, 0.04)._compute("C", 27.0, 300)  # past 256 days: computed, not cached
    np.testing.assert_array_equal(far[:41], ref40)


def test_vix_first_step_in_blocks_equals_the_whole_grid_and_stays_small(tmp_path, monkeypatch, jump_q):
    """A VIX table's first backward step is computed a block of grid nodes at a time (issue 16: the whole
    grid's two-jump branch held ~58 MB of states and model VIX at once, in the middle of a 1,000,000-path run
    that missed a strike in the disk cache). Its rows equal the expectation written out on the whole grid, for a
    future, calls and puts of several strikes at once; and computing them allocates a few MB, not ~58."""
    import tracemalloc

    from alvh_core.scenarios.pricer import payoff

    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    vp = VixGridPricer(jump_q, 0.04)
    h_next, p0, branches = vp._next_states()
    assert branches and (p0 < 1).all()
    for kind, strikes in (("F", [0.0]), ("C", [15.0, 27.5, 60.0]), ("P", [20.0, 35.0])):
        got = vp._first_rows(kind, strikes)
        for k, row in zip(strikes, got):
            want = p0 * (payoff(kind, k, vp.vix_points(h_next)) @ vp.zw)
            for prob, h, w in branches:
                want = want + prob * (payoff(kind, k, vp.vix_points(h)) @ w)
            np.testing.assert_allclose(row, want, rtol=1e-13, atol=1e-12)
    assert got[1, 0] > got[0, 0] > 0 and got[1, -1] == got[0, -1] == 0.0  # puts: worth most at the calm end
    del h_next, branches
    tracemalloc.start()
    try:
        vp._first_rows("C", [20.0, 25.0, 30.0, 35.0])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12e6, peak / 1e6


def test_cache_headers_are_parsed_under_one_lock(tmp_path, monkeypatch):
    """numpy parses .npy headers with ``ast.literal_eval``, which CPython 3.11 cannot run in several threads at
    once ("SystemError: AST constructor recursion depth mismatch" failed one of a flood's compares in the bot):
    both readers of the disk cache (whole arrays and the lazily read SPX tables) parse headers under
    ``pricer._NPY_HEADER_LOCK``, and read back exactly what was written; a short file is a miss."""
    import alvh_core.scenarios.pricer as pricer

    seen = []
    real = np.lib.format.read_array_header_1_0

    def spy(fh, *a, **k):
        seen.append(pricer._NPY_HEADER_LOCK.locked())
        return real(fh, *a, **k)

    monkeypatch.setattr(np.lib.format, "read_array_header_1_0", spy)
    a = np.random.default_rng(1).normal(size=(2, 3, 4))
    np.save(tmp_path / "t.npy", a)
    np.testing.assert_array_equal(pricer._load_array(tmp_path / "t.npy", (2, 3, 4)), a)
    assert pricer._load_array(tmp_path / "t.npy", (3, 2, 4)) is None
    assert pricer._LazyTables.open(tmp_path / "t.npy", (2, 3, 4)) is not None
    (tmp_path / "s.npy").write_bytes((tmp_path / "t.npy").read_bytes()[:-8])
    assert pricer._load_array(tmp_path / "s.npy", (2, 3, 4)) is None
    assert pricer._LazyTables.open(tmp_path / "s.npy", (2, 3, 4)) is None
    assert len(seen) == 5 and all(seen)
