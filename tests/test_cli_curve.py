"""`alvh curve`: the JSON contract, listed VX expiries, marks winning, one-line errors."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from alvh_core.cli import main
from alvh_core.pricing.expiries import vx_expiry
from alvh_core.pricing.vix_curve import DEFAULT_VIX_CURVE


def test_json_contract(capsys):
    assert main(["curve", "--vix", "37.32", "--vix9d", "59.34", "--vix3m", "28.13", "--asof", "2018-02-05",
                 "--months", "3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [f["expiry"] for f in d["futures"]] == ["2018-02-14", "2018-03-21", "2018-04-18"]
    # the VX settles of 2018-02-05 were 33.225, 27.975, 24.725
    for f, settle in zip(d["futures"], (33.225, 27.975, 24.725)):
        assert set(f) >= {"expiry", "price"} and abs(f["price"] - settle) < 2.0


def test_marks_win_and_text(capsys):
    jan = vx_expiry(2027, 1).isoformat()
    assert main(["curve", "--vix", "24.3", "--asof", "2026-11-24", "--vx", f"{jan}=22.45", "--months", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{jan}" in out and "22.45  marked" in out
    days = (vx_expiry(2026, 12) - dt.date(2026, 11, 24)).days
    assert f"{float(DEFAULT_VIX_CURVE.future(0.243, days / 365)):.2f}  model" in out


@pytest.mark.parametrize("argv,needle", [
    (["curve", "--vix", "24.3", "--asof", "2026-11-24", "--vx", "2027-01-19=22"], "not a VX final settlement date"),
    (["curve", "--vix", "x"], "can't read vix 'x'"),
    (["curve", "--vix", "24.3", "--vx", "jan=22"], "can't read VX mark 'jan=22'"),
])
def test_bad_input_is_one_line(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
