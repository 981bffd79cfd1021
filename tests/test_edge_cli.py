"""`alvh compare` / `alvh hedge`: the table text, JSON and bad input (one line, exit 2)."""
from __future__ import annotations

import json

import pytest
from test_edge_honesty import run

from alvh_core.cli import main
from alvh_core.cli.compare import format_comparison

POS = ["SPX", "2026-12-31", "6300/6450P", "7000/7150C", "x10", "@9.00"]
MKT = ["--spot", "6600", "--vix", "22", "--asof", "2026-11-24"]


def test_format_comparison_reads_in_ten_seconds():
    cmp = run("put", 20.0, n=400)[3]
    text = format_comparison(cmp)
    for label in ("hold to expiry", "leg out now", "close tested wing", "ALVH layered hedge", "TP 50% / stop 2x",
                  "measured claims", "assumptions:", "premia OFF", "costs off"):
        assert label in text, label
    lo = cmp.strategies["leg_out"]
    assert f"{lo.ev:+,.0f}" in text
    assert max(len(line) for line in text.splitlines()[:10]) <= 120


@pytest.mark.parametrize("argv,needle", [
    (["compare", *POS, *MKT, "--paths", "5"], "paths 5 must be between"),
    (["compare", *POS, "--spot", "6600", "--vix", "0.22", "--asof", "2026-11-24"], "VIX"),
    (["compare", *POS, "--spot", "6600", "--vix", "22", "--asof", "2027-01-05"], "expired"),
    (["hedge", *POS, *MKT, "--trigger", "1.5"], "trigger"),
    (["hedge", *POS, *MKT, "--condors", "0"], "condors"),
    (["hedge", *POS, *MKT, "--instrument", "spy"], "instrument"),
])
def test_bad_input_is_one_line_exit_2(argv, needle, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and needle in err


def test_compare_json_end_to_end(capsys):
    code = main(["compare", *POS, *MKT, "--paths", "400", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"strategies", "vs_leg_out", "seed_claims", "assumptions", "today"}
    assert d["assumptions"]["n_paths"] == 400 and d["assumptions"]["seed"] == 7
    today = d["today"]
    # the market side is the desk surface (analyze) and the hedge plan; the model side is what leg out fills at
    assert today["market_buyback"] > 0 and today["model_buyback"] > 0 and today["market_hedge"] > 0
    assert today["model_buyback"] == pytest.approx(d["assumptions"]["close_cost_model"], abs=1e-9)
    assert today["market_buyback"] == pytest.approx(d["assumptions"]["close_cost_smile"], abs=1e-9)
    # the same line is in the assumptions every answer (CLI and Slack) prints
    assert d["assumptions"]["calibration"].startswith("today (market/model, points): buy-back ")
    from alvh_core.edge import Assumptions

    lines = Assumptions.model_validate(d["assumptions"]).lines()
    assert lines[1].startswith("today's buy-back: ") and lines[1].endswith(d["assumptions"]["calibration"])
    names = [r["name"] for r in today["calibration"]]
    assert "buy-back" in names and any(n.startswith("VX ") for n in names)


def test_hedge_json_end_to_end(capsys):
    pytest.importorskip("alvh_core.pricing.smile")
    pytest.importorskip("alvh_core.pricing.vix_curve")
    code = main(["hedge", *POS, *MKT, "--condors", "20", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["condors"] == 20 and d["contracts"] >= 1 and len(d["scenarios"]) == 4


def test_compare_starts_from_the_hedge_that_alvh_hedge_recommends(capsys):
    """`compare --json` -> strategies.alvh.initial_hedge has the instrument, strikes and contracts of `hedge --json`."""
    pos = ["SPX", "IC", "5600/5650/6150/6200", "24DTE", "x10", "@15.80", "--spot", "5712", "--vix", "24.3",
           "--asof", "2026-11-24"]
    for extra in ([], ["--instrument", "vx"], ["--sizing", "dollar_delta", "--budget", "0.5"]):
        assert main(["hedge", *pos, *extra, "--json"]) == 0
        h = json.loads(capsys.readouterr().out)
        assert main(["compare", *pos, *extra, "--paths", "200", "--json"]) == 0
        c = json.loads(capsys.readouterr().out)["strategies"]["alvh"]["initial_hedge"]
        assert c["hedged"] and c["trigger_hit"] and h["contracts"] >= 1
        for key in ("instrument", "strikes", "contracts"):
            assert c[key] == h[key], (extra, key)


def test_call_wing_is_not_hedged_unless_compare_evaluates_it(capsys):
    pos = ["SPX", "IC", "5600/5650/6150/6200", "24DTE", "x10", "@15.80", "--spot", "6120", "--vix", "14",
           "--asof", "2026-11-24"]
    assert main(["hedge", *pos]) == 0
    out = capsys.readouterr().out
    assert "call wing is not hedged with VIX" in out and "--hedge-call-wing" in out
    assert main(["compare", *pos, "--paths", "200", "--json"]) == 0
    c = json.loads(capsys.readouterr().out)["strategies"]["alvh"]["initial_hedge"]
    assert not c["hedged"] and c["contracts"] == 0
    assert main(["hedge", *pos, "--hedge-call-wing", "--json"]) == 0
    h = json.loads(capsys.readouterr().out)
    assert h["kind"] == "VIX_PUT" and h["name"].startswith("buy VIX put spread")
    assert main(["compare", *pos, "--hedge-call-wing", "--paths", "200", "--json"]) == 0
    c = json.loads(capsys.readouterr().out)["strategies"]["alvh"]["initial_hedge"]
    assert (c["strikes"], c["contracts"]) == (h["strikes"], h["contracts"]) and c["kind"] == "VIX_PUT"
