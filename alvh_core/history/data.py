"""Daily SPX/VIX history: load the CSVs of a data directory into aligned numpy arrays.

Files (format of ``../shared/data``, see its PROVENANCE.md; ISO dates, sorted, closes used):

- ``spx_daily.csv``, ``vix_daily.csv`` (required): columns ``date, ..., close``.
- ``vix3m_daily.csv``, ``vix9d_daily.csv``, ``vvix_daily.csv``, ``skew_daily.csv`` (optional):
  columns ``date, ..., close``.
- ``vx_futures_daily.csv`` (optional): long format ``date,contract,expiry,settle,close,...``, one row
  per contract and day; the settle is used where present, else the close.
- ``events/nyse_breadth.csv`` or ``nyse_breadth.csv`` (optional): ``date,advances,declines,...`` (the
  advance-decline divergence gate of ``alvh_core.strategies.gates``).

The history runs over the days on which both SPX and VIX have a close. Optional series are aligned to
those days with NaN where they are missing. Any malformed file raises :class:`DataError` with one
line naming the file, the line number and what was expected.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np

#: Optional close-only series: attribute name -> file name.
OPTIONAL_SERIES: dict[str, str] = {
    "vix3m": "vix3m_daily.csv",
    "vix9d": "vix9d_daily.csv",
    "vvix": "vvix_daily.csv",
    "skew": "skew_daily.csv",
}
REQUIRED_SERIES: dict[str, str] = {"spx": "spx_daily.csv", "vix": "vix_daily.csv"}
VX_FILE = "vx_futures_daily.csv"
#: optional NYSE breadth (advancing / declining issues), read by ``alvh_core.strategies.gates.load_breadth``
BREADTH_FILES = ("events/nyse_breadth.csv", "nyse_breadth.csv")


class DataError(ValueError):
    """A data file is missing or malformed. The message is one line: file, line number, expectation."""


@dataclasses.dataclass(frozen=True, eq=False)
class DailyHistory:
    """Aligned daily closes on the common SPX/VIX trading days.

    Shapes: ``n`` days, ``m`` VX contracts.

    - ``dates``: (n,) ``datetime64[D]``, strictly increasing.
    - ``spx``: (n,) SPX close, index points. ``vix``: (n,) VIX close, vol points.
    - ``vix3m``, ``vix9d``, ``vvix``, ``skew``: (n,) closes, NaN where the series has no value that day
      (all NaN when the file is absent; ``available`` says which files were read).
    - ``vx_expiries``: (m,) ``datetime64[D]`` final settlement date of each VX contract, increasing.
    - ``vx``: (n, m) VX futures price (points) of each contract on each day, NaN where not quoted.
    - ``vx_is_settle``: (n, m) bool, True where ``vx`` is the official settle (False: last-trade close).
    """

    dates: np.ndarray
    spx: np.ndarray
    vix: np.ndarray
    vix3m: np.ndarray
    vix9d: np.ndarray
    vvix: np.ndarray
    skew: np.ndarray
    vx_expiries: np.ndarray
    vx: np.ndarray
    vx_is_settle: np.ndarray
    available: frozenset[str] = frozenset()
    source: str = ""
    #: (n,) SPX open where it is a real opening print (it differs from that day's close and from the previous
    #: close), else NaN: before about 2006 the file's opens mostly copy the previous close (PROVENANCE.md).
    spx_open: np.ndarray | None = None
    #: (n,) NYSE advancing / declining issues (``events/nyse_breadth.csv`` or ``nyse_breadth.csv``), NaN on days
    #: without breadth data; None when the folder has no breadth file (the A/D divergence gate is then unavailable)
    advances: np.ndarray | None = None
    declines: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.dates.shape[0])

    @property
    def start(self) -> dt.date:
        return self.dates[0].astype(dt.date)

    @property
    def end(self) -> dt.date:
        return self.dates[-1].astype(dt.date)

    def index_of(self, day: dt.date | np.datetime64 | str) -> int:
        """Index of the first trading day on or after ``day`` (``len(self)`` if past the end)."""
        return int(np.searchsorted(self.dates, np.datetime64(day, "D"), side="left"))

    def slice(self, start: dt.date | str | None = None, end: dt.date | str | None = None) -> DailyHistory:
        """Days with ``start <= date <= end`` (either bound may be None). VX contracts are kept whole."""
        lo = 0 if start is None else self.index_of(start)
        hi = len(self) if end is None else int(np.searchsorted(self.dates, np.datetime64(end, "D"), side="right"))
        sl = np.s_[lo:hi]
        return dataclasses.replace(
            self,
            dates=self.dates[sl],
            spx=self.spx[sl],
            vix=self.vix[sl],
            vix3m=self.vix3m[sl],
            vix9d=self.vix9d[sl],
            vvix=self.vvix[sl],
            skew=self.skew[sl],
            vx=self.vx[sl],
            vx_is_settle=self.vx_is_settle[sl],
            spx_open=None if self.spx_open is None else self.spx_open[sl],
            advances=None if self.advances is None else self.advances[sl],
            declines=None if self.declines is None else self.declines[sl],
        )

    def vx_price(self, expiry: dt.date | np.datetime64 | str) -> np.ndarray:
        """(n,) price of the VX contract expiring on ``expiry``; all NaN if there is no such contract."""
        j = np.nonzero(self.vx_expiries == np.datetime64(expiry, "D"))[0]
        if j.size == 0:
            return np.full(len(self), np.nan)
        return self.vx[:, j[0]]

    def series_days(self, name: str) -> int:
        """Number of days on which series ``name`` (e.g. 'vix3m', 'skew') has a value."""
        return int(np.isfinite(getattr(self, name)).sum())


# ----- parsing ----------------------------------------------------------------------------------


def _err(path: Path, line: int, what: str) -> DataError:
    return DataError(f"{path.name} line {line}: {what}")


def _open_rows(path: Path, required: Iterable[str]) -> tuple[dict[str, int], Iterable[tuple[int, list[str]]]]:
    """Read the header, check the required columns, return (column index, iterator of (line, row))."""
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    with fh:
        lines = fh.read().splitlines()
    if not lines:
        raise _err(path, 1, f"empty file; expected a header with columns {', '.join(required)}")
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    missing = [c for c in required if c not in header]
    if missing:
        raise _err(path, 1, f"missing column(s) {', '.join(missing)}; expected a header with {', '.join(required)}")
    cols = {h: i for i, h in enumerate(header)}

    def rows() -> Iterable[tuple[int, list[str]]]:
        for no, row in enumerate(csv.reader(lines[1:]), start=2):
            if not row or all(not c.strip() for c in row):
                continue
            yield no, row

    return cols, rows()


def _parse_date(path: Path, line: int, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _err(path, line, f"date {text!r} is not an ISO date YYYY-MM-DD") from None


def _parse_price(path: Path, line: int, column: str, text: str, *, allow_empty: bool = False) -> float:
    t = text.strip()
    if t == "" and allow_empty:
        return float("nan")
    try:
        v = float(t)
    except ValueError:
        raise _err(path, line, f"{column} {text!r} is not a number; expected a positive price") from None
    if not np.isfinite(v) or v <= 0:
        raise _err(path, line, f"{column} {text!r} must be a positive price")
    return v


def _cell(path: Path, line: int, row: list[str], cols: dict[str, int], name: str) -> str:
    i = cols[name]
    if i >= len(row):
        raise _err(path, line, f"row has {len(row)} fields; expected at least {i + 1} (column {name})")
    return row[i]


def _fast_columns(path: Path, names: tuple[str, ...]) -> list[np.ndarray] | None:
    """The named columns as string arrays, or None when anything looks off (ragged rows, blank lines,
    quoting, missing header names); the caller then runs the line-by-line parser, which names the error."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    if len(lines) < 2 or '"' in text:
        return None
    header = [h.strip().lower() for h in lines[0].split(",")]
    if any(n not in header for n in names):
        return None
    body = lines[1:]
    while body and not body[-1].strip():
        body.pop()
    width = len(header)
    cells = [ln.split(",") for ln in body]
    if not cells or any(len(c) != width for c in cells):
        return None
    table = np.array(cells, dtype=str)
    return [np.char.strip(table[:, header.index(n)]) for n in names]


def _fast_dates(text: np.ndarray) -> np.ndarray | None:
    if text.size == 0 or np.any(np.char.str_len(text) != 10):
        return None
    try:
        return text.astype("datetime64[D]")
    except ValueError:
        return None


def _fast_prices(text: np.ndarray, allow_empty: bool = False) -> np.ndarray | None:
    if allow_empty:
        text = np.where(text == "", "nan", text)
    try:
        v = text.astype(float)
    except ValueError:
        return None
    ok = np.isnan(v) if allow_empty else np.zeros(v.shape, bool)
    if not np.all(ok | (np.isfinite(v) & (v > 0))):
        return None
    return v


def read_close_series(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``date, ..., close`` CSV: (dates datetime64[D], closes float). Dates must strictly increase."""
    fast = _fast_columns(path, ("date", "close"))
    if fast is not None:
        d, c = _fast_dates(fast[0]), _fast_prices(fast[1])
        if d is not None and c is not None and np.all(np.diff(d.astype(np.int64)) > 0):
            return d, c
    return _read_close_series_slow(path)


def _read_close_series_slow(path: Path) -> tuple[np.ndarray, np.ndarray]:
    cols, rows = _open_rows(path, ("date", "close"))
    dates: list[dt.date] = []
    closes: list[float] = []
    prev: dt.date | None = None
    for no, row in rows:
        d = _parse_date(path, no, _cell(path, no, row, cols, "date"))
        if prev is not None and d <= prev:
            what = "duplicate date" if d == prev else "dates out of order"
            raise _err(path, no, f"{what} {d.isoformat()} after {prev.isoformat()}; expected strictly increasing dates")
        c = _parse_price(path, no, "close", _cell(path, no, row, cols, "close"))
        dates.append(d)
        closes.append(c)
        prev = d
    if not dates:
        raise _err(path, 2, "no data rows; expected at least one 'date,...,close' row")
    return np.array(dates, dtype="datetime64[D]"), np.array(closes, dtype=float)


def read_vx_futures(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read the long-format VX file.

    Returns (dates (k,), contract expiries (k,), prices (k,), is_settle (k,), unique expiries (m,)) with
    one entry per row; the price is the settle where present, else the close.
    """
    fast = _fast_columns(path, ("date", "contract", "expiry", "settle", "close"))
    if fast is not None:
        out = _read_vx_fast(*fast)
        if out is not None:
            return out
    return _read_vx_futures_slow(path)


def _read_vx_fast(date_s, contract, exp_s, settle_s, close_s):
    """Vectorised VX parse; None when any check fails (the slow parser then names the line)."""
    d, e = _fast_dates(date_s), _fast_dates(exp_s)
    if d is None or e is None or np.any(contract == "") or np.any(np.char.lower(settle_s) == "nan") \
            or np.any(np.char.lower(close_s) == "nan"):
        return None
    st, cl = _fast_prices(settle_s, allow_empty=True), _fast_prices(close_s, allow_empty=True)
    if st is None or cl is None or np.any(np.isnan(st) & np.isnan(cl)):
        return None
    di = d.astype(np.int64)
    if np.any(np.diff(di) < 0) or np.any(d > e):
        return None
    # one row per (date, contract); one expiry per contract
    uc, cid = np.unique(contract, return_inverse=True)
    key = di * (uc.size + 1) + cid
    if np.unique(key).size != key.size:
        return None
    first = np.zeros(uc.size, dtype=np.int64)
    first[cid[::-1]] = np.arange(cid.size)[::-1]
    if np.any(e != e[first][cid]):
        return None
    settle_flag = ~np.isnan(st)
    price = np.where(settle_flag, st, cl)
    return d, e, price, settle_flag, np.unique(e)


def _read_vx_futures_slow(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cols, rows = _open_rows(path, ("date", "contract", "expiry", "settle", "close"))
    dates: list[dt.date] = []
    expiries: list[dt.date] = []
    prices: list[float] = []
    settle_flags: list[bool] = []
    seen: dict[str, tuple[dt.date, int]] = {}  # contract -> (expiry, line)
    prev: dt.date | None = None
    day_contracts: set[str] = set()
    for no, row in rows:
        d = _parse_date(path, no, _cell(path, no, row, cols, "date"))
        if prev is not None and d < prev:
            raise _err(path, no, f"dates out of order {d.isoformat()} after {prev.isoformat()}; expected sorted dates")
        if d != prev:
            day_contracts = set()
        contract = _cell(path, no, row, cols, "contract").strip()
        if not contract:
            raise _err(path, no, "empty contract; expected YYYY-MM")
        if contract in day_contracts:
            raise _err(path, no, f"duplicate row for contract {contract} on {d.isoformat()}; expected one row per contract and day")
        day_contracts.add(contract)
        exp = _parse_date(path, no, _cell(path, no, row, cols, "expiry"))
        if contract in seen and seen[contract][0] != exp:
            raise _err(path, no, f"contract {contract} has expiry {exp.isoformat()} but line {seen[contract][1]} says "
                       f"{seen[contract][0].isoformat()}; expected one expiry per contract")
        seen.setdefault(contract, (exp, no))
        if d > exp:
            raise _err(path, no, f"date {d.isoformat()} is after the expiry {exp.isoformat()} of {contract}")
        settle = _parse_price(path, no, "settle", _cell(path, no, row, cols, "settle"), allow_empty=True)
        close = _parse_price(path, no, "close", _cell(path, no, row, cols, "close"), allow_empty=True)
        if np.isnan(settle) and np.isnan(close):
            raise _err(path, no, "settle and close are both empty; expected a positive settle or close")
        dates.append(d)
        expiries.append(exp)
        prices.append(close if np.isnan(settle) else settle)
        settle_flags.append(not np.isnan(settle))
        prev = d
    exp_arr = np.array(expiries, dtype="datetime64[D]")
    return (
        np.array(dates, dtype="datetime64[D]"),
        exp_arr,
        np.array(prices, dtype=float),
        np.array(settle_flags, dtype=bool),
        np.unique(exp_arr),
    )


def _align(target: np.ndarray, dates: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values of a (dates, values) series on the ``target`` dates, NaN where absent."""
    out = np.full(target.shape[0], np.nan)
    pos = np.searchsorted(dates, target)
    pos_c = np.minimum(pos, len(dates) - 1)
    hit = (pos < len(dates)) & (dates[pos_c] == target)
    out[hit] = values[pos_c[hit]]
    return out


def _reliable_opens(path: Path, dates: np.ndarray, close: np.ndarray) -> np.ndarray:
    """(n,) the file's opens on ``dates`` where they are real prints (not equal to that day's close or the
    previous close), NaN elsewhere or when the open column cannot be read (opens are optional)."""
    cols = _fast_columns(path, ("date", "open"))
    out = np.full(dates.shape[0], np.nan)
    if cols is None:
        return out
    d = _fast_dates(cols[0])
    o = _fast_prices(cols[1], allow_empty=True)
    if d is None or o is None or not np.all(np.diff(d.astype(np.int64)) > 0):
        return out
    out = _align(dates, d, o)
    prev = np.concatenate([[np.nan], close[:-1]])
    return np.where((out != close) & (out != prev), out, np.nan)


def load_daily(data_dir: str | Path) -> DailyHistory:
    """Load a data directory (see module docstring) into a :class:`DailyHistory`.

    Raises :class:`DataError` (one line: file, line, expectation) for a missing required file or any
    malformed row.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"{root}: not a directory; expected a folder holding spx_daily.csv and vix_daily.csv")
    for fname in REQUIRED_SERIES.values():
        if not (root / fname).is_file():
            raise DataError(f"{root / fname}: file not found; expected a 'date,open,high,low,close' CSV")
    spx_d, spx_c = read_close_series(root / REQUIRED_SERIES["spx"])
    vix_d, vix_c = read_close_series(root / REQUIRED_SERIES["vix"])
    dates = np.intersect1d(spx_d, vix_d, assume_unique=True)
    if dates.size == 0:
        raise DataError(f"{root}: spx_daily.csv and vix_daily.csv have no date in common")
    n = dates.size
    available = set(REQUIRED_SERIES)
    opt: dict[str, np.ndarray] = {}
    for name, fname in OPTIONAL_SERIES.items():
        p = root / fname
        if p.is_file():
            d, c = read_close_series(p)
            opt[name] = _align(dates, d, c)
            available.add(name)
        else:
            opt[name] = np.full(n, np.nan)
    vx_path = root / VX_FILE
    if vx_path.is_file():
        rd, rexp, rpx, rset, uexp = read_vx_futures(vx_path)
        vx = np.full((n, uexp.size), np.nan)
        vx_set = np.zeros((n, uexp.size), dtype=bool)
        row = np.searchsorted(dates, rd)
        row_c = np.minimum(row, n - 1)
        on_day = (row < n) & (dates[row_c] == rd)
        col = np.searchsorted(uexp, rexp)
        vx[row_c[on_day], col[on_day]] = rpx[on_day]
        vx_set[row_c[on_day], col[on_day]] = rset[on_day]
        available.add("vx")
    else:
        uexp = np.array([], dtype="datetime64[D]")
        vx = np.full((n, 0), np.nan)
        vx_set = np.zeros((n, 0), dtype=bool)
    spx = _align(dates, spx_d, spx_c)
    adv = dec = None
    if any((root / f).is_file() for f in BREADTH_FILES):
        from alvh_core.strategies.gates import load_breadth

        try:
            adv, dec = load_breadth(root, dates)
        except ValueError as exc:
            raise DataError(str(exc)) from None
        available.add("breadth")
    return DailyHistory(
        dates=dates,
        spx_open=_reliable_opens(root / REQUIRED_SERIES["spx"], dates, spx),
        spx=spx,
        vix=_align(dates, vix_d, vix_c),
        vix3m=opt["vix3m"],
        vix9d=opt["vix9d"],
        vvix=opt["vvix"],
        skew=opt["skew"],
        vx_expiries=uexp,
        vx=vx,
        vx_is_settle=vx_set,
        available=frozenset(available),
        source=str(root),
        advances=adv,
        declines=dec,
    )
