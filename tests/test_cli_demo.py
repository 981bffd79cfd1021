"""`alvh demo` end to end, in-process."""
from __future__ import annotations

import re

from alvh_core.analysis import analyze
from alvh_core.cli import main
from alvh_core.cli.demo import ENTRY, NOW, demo_condor


def test_demo_condor_is_sold_at_the_model_mid():
    c = demo_condor()
    fair = analyze(c, ENTRY).close_cost
    assert abs(c.credit - fair) <= 0.025 + 1e-12
    assert analyze(c, NOW).tested_wing == "put"


def test_demo_runs_and_explains(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for needle in ("1. The trade", "2. Today", "What the numbers say", "The put side is tested", "Net delta",
                   "Net vega", "Net theta", "Probability of profit", "3. What if", "4. The layered VIX hedge",
                   "VIX call spread", "5. Hold, leg out", "paired standard error", "alvh analyze SPX"):
        assert needle in out
    # the P&L line of the explanation is the analysis' own number
    pnl = analyze(demo_condor(), NOW).pnl_now
    sign = "-" if pnl < 0 else "+"
    assert f"P&L now {sign}${abs(pnl):,.0f}" in out
    # the suggested command reproduces the same analysis
    cmd = re.search(r"alvh (analyze .*)$", out, re.M).group(1).split()
    capsys.readouterr()
    assert main(cmd) == 0
    assert f"P&L now: {sign}${abs(pnl):,.0f}" in capsys.readouterr().out


def test_demo_paths_and_seed_reach_the_comparison(capsys):
    assert main(["demo", "--paths", "300", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "(300 paths, seed 3," in out


def test_demo_bad_paths_is_one_line_exit_2(capsys):
    assert main(["demo", "--paths", "5"]) == 2
    err = capsys.readouterr().err
    assert "paths 5 must be between 100 and 200,000" in err and err.count("\n") == 1


def test_probability_of_profit_sentence_says_rose_or_fell_only_when_it_moved():
    from alvh_core.cli.demo import _pop_line

    assert "fell from 70% at entry to 62%" in _pop_line(0.704, 0.62)
    assert "rose from 55% at entry to 61%" in _pop_line(0.55, 0.61)
    same = _pop_line(0.704, 0.697)  # the demo's numbers: "fell from 70% to 70%" before
    assert "fell" not in same and "rose" not in same and "69.7% now, 70.4% then" in same
