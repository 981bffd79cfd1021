"""`alvh --help` / `--version` import nothing heavy; `alvh CMD` imports only CMD's module (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alvh_core import cli

HEAVY = ("numpy", "scipy", "bot", "matplotlib", "exchange_calendars", "pandas", "pydantic")

_PROBE = """
import contextlib, io, json, sys
from alvh_core.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    code = main({argv!r})
print(json.dumps({{"code": code, "out": out.getvalue(),
                  "modules": sorted({{m.split('.')[0] for m in sys.modules}})}}))
"""


def _probe(argv: list[str]) -> dict:
    """Run ``main(argv)`` in a fresh interpreter; its exit code, stdout and top-level modules loaded."""
    p = subprocess.run([sys.executable, "-c", _PROBE.format(argv=argv)], capture_output=True, text=True,
                       timeout=120, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []])
def test_help_and_version_import_nothing_heavy(argv):
    r = _probe(argv)
    assert r["code"] == 0
    loaded = set(r["modules"])
    assert not loaded & set(HEAVY), f"alvh {' '.join(argv)} imported {sorted(loaded & set(HEAVY))}"
    if argv == ["--version"]:
        from alvh_core import __version__
        assert r["out"].strip() == f"alvh {__version__}"
    else:  # the listing still names every command, with its help line
        for name in ("analyze", "compare", "hedge", "demo", "explain", "backtest", "calibrate", "chat"):
            assert f"    {name}" in r["out"], name
        assert "iron condor" in r["out"]


_EDITABLE = """
import importlib.machinery, sys
REPO = {repo!r}
sys.path[:] = [p for p in sys.path if p not in ("", REPO)]
class EditableFinder:  # how pip's editable install finds the package: a meta-path finder, not sys.path
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return importlib.machinery.PathFinder.find_spec(name, [REPO]) if name in ("alvh_core", "bot") else None
sys.meta_path.append(EditableFinder)
"""


def test_help_is_light_in_an_editable_install(tmp_path):
    """`pip install -e .` puts no repo folder on sys.path: the static command index must still find the
    sources (it once fell back to importing every command, 2.6 s for `alvh --help`)."""
    from pathlib import Path

    repo = str(Path(cli.__file__).resolve().parents[2])
    code = _EDITABLE.format(repo=repo) + _PROBE.format(argv=["--help"])
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                       cwd=tmp_path, env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"})
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["code"] == 0
    assert not set(r["modules"]) & set(HEAVY), sorted(set(r["modules"]) & set(HEAVY))
    for name in ("analyze", "compare", "chat"):
        assert f"    {name}" in r["out"], name


def test_explain_runs_without_numpy():
    """`alvh explain` needs only the glossary: the other command modules are not imported."""
    r = _probe(["explain", "vega"])
    assert r["code"] == 0 and "vega" in r["out"].lower()
    assert "numpy" not in r["modules"] and "bot" not in r["modules"]


def test_static_index_matches_the_imported_registration():
    """The names read from source are exactly the names the modules register when imported."""
    index = cli.command_index()
    assert index is not None
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sorted(c.name for c in index) == sorted(sub.choices)
    helps = {a.dest: a.help for a in sub._choices_actions}
    for c in index:
        if not helps[c.name].startswith("(unavailable"):
            assert helps[c.name] == c.help, c.name


def test_unknown_command_lists_commands_in_one_line(capsys):
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'frobnicate'" in err and "compare" in err


def test_python_dash_m_is_the_cli():
    p = subprocess.run([sys.executable, "-m", "alvh_core.cli", "--version"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("alvh ")


def test_a_parse_failing_with_cpythons_ast_race_falls_back_to_importing(monkeypatch, capsys):
    """CPython 3.11.7 (gh-106905): ``ast.parse`` racing a compile in another thread (an import in the bot's warm-up
    thread) can raise SystemError "AST constructor recursion depth mismatch" (seen in the suite). The static index
    then imports the command instead of failing the command."""
    import ast

    def broken(*a, **k):
        raise SystemError("AST constructor recursion depth mismatch (before=132, after=58)")

    assert cli._parsers_in_source("def register(sub):\n    sub.add_parser('x', help='y')\n") == [("x", "y")]
    monkeypatch.setattr(ast, "parse", broken)
    assert cli._parsers_in_source("def register(sub):\n    sub.add_parser('x', help='y')\n") is None
    if hasattr(cli.command_index, "cache_clear"):
        cli.command_index.cache_clear()
    try:
        assert cli.main(["curve", "--vix", "18", "--json"]) == 0
    finally:
        if hasattr(cli.command_index, "cache_clear"):
            cli.command_index.cache_clear()
    assert json.loads(capsys.readouterr().out)["futures"]
