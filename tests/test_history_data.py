"""Loading daily CSVs: alignment, optional series, VX matrix, one-line errors."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from alvh_core.history.data import DataError, load_daily


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.write_text(text.strip() + "\n")
    return p


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    write(tmp_path, "spx_daily.csv", """
date,open,high,low,close
2020-01-02,1,1,1,3000
2020-01-03,1,1,1,3010.5
2020-01-06,1,1,1,3020
2020-01-07,1,1,1,3005
""")
    # VIX missing on 01-06; has an extra day (01-08) without SPX
    write(tmp_path, "vix_daily.csv", """
date,open,high,low,close
2020-01-02,1,1,1,12.5
2020-01-03,1,1,1,14
2020-01-07,1,1,1,13
2020-01-08,1,1,1,13.5
""")
    write(tmp_path, "skew_daily.csv", """
date,close
2020-01-03,120
2020-01-07,125
""")
    write(tmp_path, "vx_futures_daily.csv", """
date,contract,expiry,settle,close,volume,open_interest,source
2020-01-02,2020-01,2020-01-22,13.5,13.6,1,1,x
2020-01-02,2020-02,2020-02-19,,15.1,1,1,x
2020-01-03,2020-01,2020-01-22,14.25,14.3,1,1,x
2020-01-07,2020-02,2020-02-19,15.5,15.45,1,1,x
""")
    return tmp_path


def test_alignment_on_common_days(tiny: Path) -> None:
    h = load_daily(tiny)
    assert h.dates.tolist() == [dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 7)]
    np.testing.assert_array_equal(h.spx, [3000, 3010.5, 3005])
    np.testing.assert_array_equal(h.vix, [12.5, 14, 13])
    np.testing.assert_array_equal(h.skew, [np.nan, 120, 125])
    assert np.isnan(h.vix3m).all() and "vix3m" not in h.available and "skew" in h.available
    assert h.series_days("skew") == 2


def test_vx_matrix_prefers_settle(tiny: Path) -> None:
    h = load_daily(tiny)
    assert h.vx_expiries.tolist() == [dt.date(2020, 1, 22), dt.date(2020, 2, 19)]
    np.testing.assert_array_equal(h.vx, [[13.5, 15.1], [14.25, np.nan], [np.nan, 15.5]])
    np.testing.assert_array_equal(h.vx_is_settle, [[True, False], [True, False], [False, True]])
    np.testing.assert_array_equal(h.vx_price(dt.date(2020, 2, 19)), [15.1, np.nan, 15.5])
    assert np.isnan(h.vx_price("2020-03-18")).all()


def test_slice_inclusive(tiny: Path) -> None:
    h = load_daily(tiny).slice("2020-01-03", "2020-01-07")
    assert len(h) == 2 and h.spx.tolist() == [3010.5, 3005] and h.vx.shape == (2, 2)
    assert len(load_daily(tiny).slice(end="2020-01-02")) == 1


def test_optional_files_absent(tiny: Path) -> None:
    (tiny / "vx_futures_daily.csv").unlink()
    (tiny / "skew_daily.csv").unlink()
    h = load_daily(tiny)
    assert h.vx.shape == (3, 0) and np.isnan(h.skew).all() and h.available == {"spx", "vix"}


@pytest.mark.parametrize(
    "fname, text, expect",
    [
        ("spx_daily.csv", "date,open\n2020-01-02,1\n", "spx_daily.csv line 1: missing column(s) close"),
        ("spx_daily.csv", "date,close\n2020-01-02,3000\n2020-01-03,abc\n", "spx_daily.csv line 3: close 'abc' is not a number"),
        ("spx_daily.csv", "date,close\n2020-01-02,3000\n2020-01-03,0\n", "spx_daily.csv line 3: close '0' must be a positive price"),
        ("vix_daily.csv", "date,close\n2020-01-03,12\n2020-01-02,13\n", "vix_daily.csv line 3: dates out of order"),
        ("vix_daily.csv", "date,close\n2020-01-02,12\n2020-01-02,13\n", "vix_daily.csv line 3: duplicate date 2020-01-02"),
        ("vix_daily.csv", "date,close\n01/02/2020,12\n", "vix_daily.csv line 2: date '01/02/2020' is not an ISO date"),
        ("skew_daily.csv", "date,close\n2020-01-02,-1\n", "skew_daily.csv line 2: close '-1' must be a positive price"),
        ("vx_futures_daily.csv", "date,contract,expiry,settle,close\n2020-01-02,2020-01,2020-01-22,,\n",
         "vx_futures_daily.csv line 2: settle and close are both empty"),
        ("vx_futures_daily.csv", "date,contract,expiry,close\n", "vx_futures_daily.csv line 1: missing column(s) settle"),
        ("vx_futures_daily.csv",
         "date,contract,expiry,settle,close\n2020-01-02,2020-01,2020-01-22,13,\n2020-01-02,2020-01,2020-01-22,13,\n",
         "vx_futures_daily.csv line 3: duplicate row for contract 2020-01"),
    ],
)
def test_bad_files_one_line_error(tiny: Path, fname: str, text: str, expect: str) -> None:
    (tiny / fname).write_text(text)
    with pytest.raises(DataError) as ei:
        load_daily(tiny)
    msg = str(ei.value)
    assert msg.startswith(expect), msg
    assert "\n" not in msg


def test_missing_required_file(tiny: Path) -> None:
    (tiny / "vix_daily.csv").unlink()
    with pytest.raises(DataError, match="vix_daily.csv: file not found"):
        load_daily(tiny)


def test_shared_data_loads(shared_data: Path) -> None:
    h = load_daily(shared_data)
    # PROVENANCE: every VIX row (7,303, from 1990-01-02) has an SPX row; SPX days without VIX are dropped
    assert h.start == dt.date(1990, 1, 2)
    assert len(h) == 7303
    assert np.all(np.diff(h.dates.astype(np.int64)) > 0)
    i = h.index_of(dt.date(2008, 11, 20))
    assert h.vix[i] == pytest.approx(80.86)
    assert h.series_days("vvix") == 3018 and h.series_days("vix3m") == 2337
    assert np.all(h.vx[np.isfinite(h.vx)] > 0)
    # no contract is quoted after its expiry
    rows, cols = np.nonzero(np.isfinite(h.vx))
    assert np.all(h.dates[rows] <= h.vx_expiries[cols])


def test_fast_parser_equals_line_parser(tiny: Path, shared_data: Path) -> None:
    """The vectorised CSV path returns exactly what the line-by-line (error-reporting) parser returns."""
    from alvh_core.history import data

    for root in (tiny, shared_data):
        for name in ("spx_daily.csv", "vix_daily.csv", "skew_daily.csv"):
            a, b = data.read_close_series(root / name), data._read_close_series_slow(root / name)
            assert all(np.array_equal(x, y) for x, y in zip(a, b))
        a, b = data.read_vx_futures(root / "vx_futures_daily.csv"), data._read_vx_futures_slow(root / "vx_futures_daily.csv")
        assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))
