"""`alvh explain`."""
from __future__ import annotations

from alvh_core.cli import main


def test_explain_known_term(capsys):
    assert main(["explain", "Time", "Shifting"]) == 0
    assert "not a standard options term" in capsys.readouterr().out


def test_explain_lists_terms_without_argument(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "break-even" in out and "cvar" in out


def test_explain_unknown_term_is_exit_2(capsys):
    assert main(["explain", "frobnitz"]) == 2
    err = capsys.readouterr().err
    assert "no entry for 'frobnitz'" in err and err.count("\n") == 1
