"""`alvh analyze` and `alvh demo` in-process: output, --json, bad input (exit 2, one line, no traceback)."""
from __future__ import annotations

import json

import pytest

from alvh_core.cli import main

POS = ["SPX", "2026-12-18", "5600/5650P", "6150/6200C", "x10", "@4.80"]
MKT = ["--spot", "5712", "--vix", "24.3", "--asof", "2026-11-24"]
VOLS = ["--leg-vol", "5600=30", "--leg-vol", "5650=28.5", "--leg-vol", "6150=17", "--leg-vol", "6200=16.2"]


def test_analyze_table_with_observed_vols(capsys):
    assert main(["analyze", *POS, *MKT, *VOLS]) == 0
    out = capsys.readouterr().out
    for needle in ("short put", "tested wing: PUT", "P&L now:", "max profit $4,800", "max loss $45,200",
                   "break-evens 5645.20 / 6154.80", "probability of profit", "assumptions:", "28.5"):
        assert needle in out


def test_analyze_json_is_the_model_dump(capsys):
    assert main(["analyze", *POS, *MKT, *VOLS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tested_wing"] == "put" and data["max_loss"] == pytest.approx(45200)
    assert [leg["iv"] for leg in data["legs"]] == pytest.approx([0.30, 0.285, 0.17, 0.162])
    assert data["pnl_now"] == pytest.approx((4.80 - data["close_cost"]) * 1000)


def test_analyze_position_words_may_come_after_options(capsys):
    assert main(["analyze", *MKT, *VOLS, "SPX", "IC", "5600/5650/6150/6200", "24DTE", "x10", "@4.80", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["condor"]["expiry"] == "2026-12-18"


def test_analyze_what_if_flags(capsys):
    assert main(["analyze", *POS, *MKT, *VOLS, "--days", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["what_if"]["days"] == 3 and data["dte"] == 21 and data["what_if"]["pnl_change"] > 0  # theta


@pytest.mark.parametrize("argv, needle", [
    (["analyze", "SPX", "2026-12-18", "5600/5650Q", "6150/6200C", "x10", "@4.80", *MKT],
     "can't read '5600/5650Q' (position)"),
    (["analyze", "SPX", "2026-12-18", "5600/5650P", "6150/6200C", "x10", "@60", *MKT],
     "credit 60 must be less than the widest wing (50 points)"),
    (["analyze", "SPX", "2026-11-20", "5600/5650P", "6150/6200C", "x10", "@4.8", *MKT], "already expired"),
    (["analyze", *POS, "--spot", "5712", "--vix", "0"], "vix 0 must be a positive number"),
    (["analyze", *POS, "--spot", "5712", "--vix", "0.243", "--asof", "2026-11-24"], "VIX 0.243 is outside 1-200"),
    (["analyze", *POS, "--spot", "abc", "--vix", "20"], "can't read spot 'abc'"),
    (["analyze", *POS, "--vix", "20"], "the following arguments are required: --spot"),
    (["analyze", *POS, *MKT[:4], "--asof", "2026-02-30"], "can't read date '2026-02-30'"),
    (["analyze", *POS, *MKT, "--leg-vol", "5650"], "can't read leg vol '5650'"),
    (["analyze", *POS, *MKT, *VOLS, "--days", "-2"], "days -2 must be zero or more"),
    (["analyze", *MKT], "the following arguments are required: POSITION"),
])
def test_bad_input_is_one_line_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert needle in cap.err
    assert cap.err.count("\n") == 1 and "Traceback" not in cap.err and cap.out == ""
