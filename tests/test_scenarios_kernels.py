"""The COS-table interpolation kernel (issue 16): compiled (numba) path equals the numpy reference."""
from __future__ import annotations

import numpy as np
import pytest

from alvh_core.scenarios import kernels, load_default_params
from alvh_core.scenarios.pricer import DY, Y_MAX, SpxTablePricer


@pytest.fixture(scope="module")
def pricer() -> SpxTablePricer:
    return SpxTablePricer(load_default_params().risk_neutral(), 0.04, 0.013)


def _case(pricer, seed=0, n=3000):
    rng = np.random.default_rng(seed)
    days = rng.integers(1, 64, size=n)
    h = np.exp(rng.uniform(np.log(0.05**2 / 252), np.log(1.2**2 / 252), size=n))
    # moneyness from deep ITM to deep OTM, beyond the tables' range at both ends
    x = rng.uniform(-2.0, 2.0, size=n) * np.sqrt(days / 252.0)
    st = pricer.prepare(days, h)
    return x, st


def test_numba_kernel_equals_numpy_reference(pricer):
    pytest.importorskip("numba")
    x, st = _case(pricer)
    args = (x, st.inv_scale, st.base, st.wh, st.price_flat, st.delta_flat, float(pricer.y[0]), DY, pricer.n_y, Y_MAX)
    p0, d0, y0 = kernels.interp_put_numpy(*args)
    p1, d1, y1 = kernels.interp_put_numba(*args)
    np.testing.assert_array_equal(y0, y1)
    # same arithmetic in the same order: equal to the last bits (allow 4 ulp for compiler contraction)
    np.testing.assert_allclose(p1, p0, rtol=0, atol=4 * np.finfo(float).eps * np.abs(p0).max())
    np.testing.assert_allclose(d1, d0, rtol=0, atol=4 * np.finfo(float).eps * np.abs(d0).max())
    assert np.abs(y0).max() > Y_MAX  # the clipped ends are exercised


def test_pricer_gives_the_same_prices_either_way(pricer, monkeypatch):
    pytest.importorskip("numba")
    assert kernels.numba_kernel() is not None  # loaded: interp_put now takes the compiled path
    spot = np.linspace(4000.0, 6000.0, 41)[:, None] * np.ones((1, 5))
    n = np.array([1, 3, 17, 40, 63])[None, :]
    h = np.full(spot.shape, 1.5e-4)
    monkeypatch.setattr(kernels, "ACCELERATE", False)
    ref = pricer.price(False, spot, 5000.0, n, h)
    monkeypatch.setattr(kernels, "ACCELERATE", True)
    fast = pricer.price(False, spot, 5000.0, n, h)
    for a, b in zip(ref, fast):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-10)


def test_numpy_reference_is_exact_on_table_nodes(pricer):
    """At a table node the interpolation returns the stored value (Lagrange weights 0,1,0,0)."""
    days = np.array([20])
    h = pricer.h_nodes[[10]]
    st = pricer.prepare(days, h)
    j = 40  # y node index
    x = pricer.y[[j]] / st.inv_scale
    p, d, _ = kernels.interp_put_numpy(x, st.inv_scale, st.base, st.wh, st.price_flat, st.delta_flat,
                                       float(pricer.y[0]), DY, pricer.n_y, Y_MAX)
    table = pricer.table_stack(20)[19, 10, j]
    assert p[0] == pytest.approx(table.real, abs=1e-12) and d[0] == pytest.approx(table.imag, abs=1e-12)


def test_table_disk_cache_round_trip(tmp_path, monkeypatch):
    """Tables read back from the disk cache equal freshly computed ones (and a bad file is ignored)."""
    import alvh_core.xnys as xnys
    from alvh_core.scenarios.pricer import DISK_CACHE_DAYS

    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    q = load_default_params().risk_neutral()
    fresh = SpxTablePricer(q, 0.031, 0.012)
    built = fresh.table_stack(10).copy()
    assert built.shape[0] == DISK_CACHE_DAYS and fresh._cache_path().parent == tmp_path
    again = SpxTablePricer(q, 0.031, 0.012)
    loaded = again.table_stack(10)
    np.testing.assert_array_equal(loaded, built)
    np.testing.assert_array_equal(again.table_stack(100)[:DISK_CACHE_DAYS], built)  # longer: computed on top
    np.save(fresh._cache_path(), np.zeros((3, 3)))  # a wrong file is recomputed, never trusted
    assert SpxTablePricer(q, 0.031, 0.012)._load_disk() is None
