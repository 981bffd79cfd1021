"""`alvh compare --bootstrap DIR`: the model-free comparison on resampled history."""
from __future__ import annotations

import json

from alvh_core.cli import main

POS = ["SPX", "IC", "5600/5650/6150/6200", "24DTE", "x10", "@15.80", "--spot", "5712", "--vix", "24.3",
       "--asof", "2026-11-24", "--paths", "400"]


def test_bootstrap_comparison_says_what_its_paths_are(shared_data, capsys):
    assert main(["compare", *POS, "--bootstrap", str(shared_data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "block bootstrap of historical daily" in out["assumptions"]["params"]
    assert "1990-01-02" in out["assumptions"]["params"]
    # same strikes, same starting marks: legging out now is the same trade as on the unanchored model's paths
    # (the bootstrap prices with the model at today's VIX; it has no pricing law of its own to anchor, and no
    # event-day bump: its resampled days carry their own events)
    assert main(["compare", *POS, "--unanchored", "--no-events", "--json"]) == 0
    model = json.loads(capsys.readouterr().out)
    assert out["strategies"]["leg_out"]["ev"] == model["strategies"]["leg_out"]["ev"]


def test_bootstrap_bad_input_is_one_line(tmp_path, capsys):
    assert main(["compare", *POS, "--bootstrap", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "not a directory" in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["compare", *POS, "--bootstrap", str(tmp_path), "--no-premia"]) == 2
    assert "drop --no-premia" in capsys.readouterr().err
