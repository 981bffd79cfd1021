"""The `alvh` frame: discovery, one-line errors, exit codes."""
from __future__ import annotations

import argparse
import sys
import types

import pytest
from pydantic import ValidationError

from alvh_core import cli
from alvh_core.cli import common
from alvh_core.grammar import GrammarError
from alvh_core.models import IronCondor, MarketState


def test_help_exits_zero(capsys):
    assert cli.main(["--help"]) == 0
    assert "usage: alvh" in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys):
    assert cli.main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err and "Traceback" not in err


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "COMMAND" in capsys.readouterr().out


def _run_raising(exc: BaseException, capsys) -> tuple[int, str]:
    def func(_args):
        raise exc

    code = common.guarded(func, argparse.Namespace())
    return code, capsys.readouterr().err


def test_guarded_grammar_error(capsys):
    code, err = _run_raising(GrammarError("can't read 'x'\n(position)"), capsys)
    assert code == 2 and err == "error: can't read 'x' (position)\n"


def test_guarded_pydantic_error_is_readable_line(capsys):
    with pytest.raises(ValidationError) as ei:
        IronCondor(expiry="2026-12-18", long_put=5600, short_put=5650, short_call=6150, long_call=6200,
                   quantity=1, credit=60)
    code, err = _run_raising(ei.value, capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "credit 60 must be less than the widest wing (50 points)" in err
    assert "Value error" not in err and "pydantic" not in err


def test_guarded_field_error_names_field(capsys):
    with pytest.raises(ValidationError) as ei:
        MarketState(spot=-5, vix=20, asof="2026-11-24")
    code, err = _run_raising(ei.value, capsys)
    assert code == 2 and err.startswith("error: spot:") and "-5" in err and err.count("\n") == 1


def test_guarded_unexpected_error_exit_1_no_traceback(capsys, monkeypatch):
    monkeypatch.delenv("ALVH_DEBUG", raising=False)
    code, err = _run_raising(RuntimeError("boom"), capsys)
    assert code == 1 and "boom" in err and "Traceback" not in err and err.count("\n") == 1


def test_module_discovery_registers_and_runs(monkeypatch, capsys):
    mod = types.ModuleType("alvh_core.cli.zz_fake")

    def register(subparsers):
        p = subparsers.add_parser("zz-fake")
        p.add_argument("--n", type=int, required=True)
        p.set_defaults(func=lambda a: 7 if a.n == 3 else 0)

    mod.register = register
    monkeypatch.setitem(sys.modules, "alvh_core.cli.zz_fake", mod)
    monkeypatch.setattr(cli, "discover_command_modules", lambda: ["zz_fake"])
    assert cli.main(["zz-fake", "--n", "3"]) == 7
    assert cli.main(["zz-fake", "--n", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid int value" in err


def test_broken_module_is_listed_unavailable(monkeypatch, capsys):
    monkeypatch.setattr(cli, "discover_command_modules", lambda: ["zz_missing_module"])
    assert cli.main(["zz_missing_module"]) == 1
    assert "unavailable" in capsys.readouterr().err


def test_entry_point_group_is_used(monkeypatch, capsys):
    class FakeEP:
        name = "zz-ep"
        value = "fake:register"

        def load(self):
            def register(subparsers):
                subparsers.add_parser("zz-ep").set_defaults(func=lambda a: 5)
            return register

    def fake_entry_points(group=None):
        assert group == cli.ENTRY_POINT_GROUP
        return [FakeEP()]

    monkeypatch.setattr(cli.importlib.metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(cli, "discover_command_modules", lambda: [])
    assert cli.main(["zz-ep"]) == 5


def test_version(capsys):
    from alvh_core import __version__

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"alvh {__version__}"
