"""The COS reference's recursions on disk (issue 16): read back bit for bit, damaged files rebuilt."""
from __future__ import annotations

import numpy as np

from alvh_core import xnys
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios import pricer as pr


def _fresh(q, n, h, events=()):
    pr._cos_put_coefficients.cache_clear()  # noqa: SLF001
    pr._cos_grid.cache_clear()  # noqa: SLF001
    x = np.log(5800.0 / np.array([5000.0, 5650.0, 5800.0, 6150.0]))
    return pr.cos_put_reference(q, 0.04, 0.013, n, x, h, events=events)


def test_cos_grid_read_from_disk_equals_the_recursion(tmp_path, monkeypatch):
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: tmp_path)
    q = load_default_params(jumps=True).risk_neutral()
    ev = (1.0,) * 12 + (1.4,)
    monkeypatch.setattr(pr, "COS_GRID_DISK", False)
    ref = [_fresh(q, 17, 4e-5), _fresh(q, 13, 1e-4, ev)]
    assert not list(tmp_path.glob("cos-grid-*.npy"))
    monkeypatch.setattr(pr, "COS_GRID_DISK", True)
    written = [_fresh(q, 17, 4e-5), _fresh(q, 13, 1e-4, ev)]
    files = sorted(tmp_path.glob("cos-grid-*.npy"))
    assert len(files) == 2
    read = [_fresh(q, 17, 4e-5), _fresh(q, 13, 1e-4, ev)]  # no recursion now: the files
    for a, b, c in zip(ref, written, read, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        assert np.all(np.diff(a) > 0)  # a put per unit strike rises with the strike (x falls)
    # a damaged file (partial, wrong shape, not finite) is rebuilt with the same numbers
    for f in files:
        f.write_bytes(f.read_bytes()[:200])
    np.testing.assert_array_equal(_fresh(q, 17, 4e-5), ref[0])
    assert sum(pr._load_array(f, (4, 2048)) is not None for f in files) == 1  # noqa: SLF001 - that one rewritten
    for f in files:
        np.save(f, np.full((4, 2048), np.nan))
    np.testing.assert_array_equal(_fresh(q, 13, 1e-4, ev), ref[1])


def test_cos_grid_cache_in_a_read_only_place_still_prices(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(xnys, "default_cache_dir", lambda: blocked / "sub")
    q = load_default_params(jumps=True).risk_neutral()
    monkeypatch.setattr(pr, "COS_GRID_DISK", False)
    ref = _fresh(q, 9, 6e-5)
    monkeypatch.setattr(pr, "COS_GRID_DISK", True)
    np.testing.assert_array_equal(_fresh(q, 9, 6e-5), ref)
