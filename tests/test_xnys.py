"""One XNYS calendar (issue 16): same sessions as exchange_calendars, disk cache round trip, its users agree."""
from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from alvh_core import xnys
from alvh_core.pricing.expiries import is_exchange_holiday
from alvh_core.scenarios.simulation import steps_to


@pytest.fixture(scope="module")
def package_calendar():
    xcals = pytest.importorskip("exchange_calendars")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xcals.get_calendar("XNYS", start=xnys.START)


def test_session_counts_match_exchange_calendars(package_calendar):
    cal = package_calendar
    rng = np.random.default_rng(0)
    first, last = cal.first_session.date(), cal.last_session.date()
    span = (last - first).days
    for _ in range(200):
        a = first + dt.timedelta(days=int(rng.integers(0, span)))
        b = min(last, a + dt.timedelta(days=int(rng.integers(0, 400))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = len(cal.sessions_in_range(a.isoformat(), b.isoformat()))
        assert xnys.trading_days(a, b) == want, (a, b)
    # known closures: Thanksgiving, Good Friday, 9/11, Hurricane Sandy
    for day in (dt.date(2026, 11, 26), dt.date(2014, 4, 18), dt.date(2001, 9, 12), dt.date(2012, 10, 29)):
        assert xnys.is_holiday(day) and not xnys.is_session(day) and is_exchange_holiday(day)
    assert xnys.is_session(dt.date(2026, 11, 24)) and not xnys.is_session(dt.date(2026, 11, 28))


def test_steps_to_uses_the_calendar():
    assert steps_to(dt.date(2026, 11, 27), dt.date(2026, 11, 24)) == 2  # Wed, (Thanksgiving), Fri
    assert steps_to(dt.date(2026, 11, 24), dt.date(2026, 11, 24)) == 0
    # a span partly beyond the calendar counts weekdays there
    far = dt.date(2090, 1, 2)
    assert steps_to(far + dt.timedelta(days=7), far) == 5


def test_disk_cache_round_trip(tmp_path):
    cal = xnys.calendar()
    path = tmp_path / "xnys-test.json"
    xnys._save(path, cal)
    back = xnys._load(path)
    assert back is not None and back.first == cal.first and back.last == cal.last
    np.testing.assert_array_equal(back.holidays, cal.holidays)
    assert xnys._load(tmp_path / "missing.json") is None
    path.write_text("{not json")
    assert xnys._load(path) is None  # a broken cache is rebuilt, never an error


def test_one_session_rule_beyond_the_covered_span():
    """Past the package's span every user sees the same rule (weekdays but Good Friday): the grammar's
    ``pricing.expiries.is_business_day`` and ``xnys.is_session`` agree on every day of 2029-2031, and Good
    Friday 2030-04-19 is closed (the property test of the grammar drew it as a session before)."""
    import datetime as dt

    from alvh_core.pricing.expiries import is_business_day

    day = dt.date(2029, 1, 1)
    while day < dt.date(2032, 1, 1):
        assert xnys.is_session(day) == is_business_day(day), day
        day += dt.timedelta(days=1)
    assert not xnys.is_session(dt.date(2030, 4, 19)) and xnys.is_session(dt.date(2030, 4, 18))
    assert xnys.easter(2030) == dt.date(2030, 4, 21) and xnys.easter(2024) == dt.date(2024, 3, 31)


def test_a_missing_cache_is_built_in_a_child_without_pandas_here(tmp_path):
    """On an empty cache the calendar file is written by a child interpreter: the process that asked never
    imports pandas/exchange_calendars (about 40 MB it would keep for its life: issue 16's memory bound), and
    what it reads back is the package's calendar."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("exchange_calendars")
    code = ("import json, sys; from alvh_core import xnys; c = xnys.calendar(); "
            "print(json.dumps({'pandas': 'pandas' in sys.modules, 'xcals': 'exchange_calendars' in sys.modules, "
            "'first': str(c.first), 'last': str(c.last), 'holidays': [str(h) for h in c.holidays], 'source': c.source}))")
    root = str(Path(xnys.__file__).resolve().parent.parent)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": root}
    out = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True, timeout=300).stdout)
    assert not out["pandas"] and not out["xcals"]
    assert out["source"].endswith("(disk cache)")  # written by the child, read here
    assert len(list((tmp_path / ".cache" / "alvh").glob("xnys-*.json"))) == 1
    want = xnys.build_from_package()
    assert out["first"] == str(want.first) and out["last"] == str(want.last)
    assert out["holidays"] == [str(h) for h in want.holidays]
    assert "2001-09-12" in out["holidays"] and "2026-11-26" in out["holidays"]


def test_the_calendar_is_built_here_when_the_child_fails(tmp_path, monkeypatch):
    """The child could not run (no interpreter to start, a sandbox): built in this process and written, the
    package's sessions."""
    pytest.importorskip("exchange_calendars")
    monkeypatch.setattr(xnys, "_state", {})
    monkeypatch.setattr(xnys, "_build_in_child", lambda path: None)
    cal = xnys.calendar(cache_dir=tmp_path)
    want = xnys.build_from_package()
    assert cal.first == want.first and cal.last == want.last
    np.testing.assert_array_equal(cal.holidays, want.holidays)
    assert len(list(tmp_path.glob("xnys-*.json"))) == 1
