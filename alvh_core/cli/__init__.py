"""The `alvh` command line: one argparse program whose subcommands are discovered, not listed.

Discovery (so engineers add commands without touching this file):

- every module of the ``alvh_core.cli`` package that defines ``register(subparsers) -> None``;
- every entry point in the group ``"alvh.commands"`` (``bot`` adds ``alvh chat`` this way, so
  alvh_core never imports bot). An entry point may load to a module with ``register`` or to the
  ``register`` callable itself.

``register`` adds its subparser(s) and sets ``func`` with ``set_defaults(func=...)``;
``func(args) -> int`` is the exit code. Bad input (GrammarError, pydantic ValidationError,
ValueError) becomes one line on stderr and exit code 2, never a traceback (see ``common.guarded``).
A command module that fails to import does not take the others down: its command is listed and
says why it is unavailable (exit 1).

Lazy registration (instant ``alvh --help`` / ``alvh --version``): command modules import numpy,
scipy, pydantic models, ... at their top, so importing all of them costs seconds. ``main`` therefore
reads each command module's *source* (``ast``, no import) for its ``add_parser("name", help="...")``
calls and

- runs ``alvh CMD ...`` by importing only the module (or entry point) that registers ``CMD``;
- answers ``alvh``, ``alvh --help`` and ``alvh --version`` from that static index alone (nothing
  heavy is imported; ``tests/test_cli_lazy.py`` checks it).

Anything the static index cannot see (a command name that is not a string literal, a module
without a source file) falls back to ``build_parser()``, which imports every command as before.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import pkgutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from alvh_core.cli.common import OneLineArgumentParser, guarded
from alvh_core.clock import Clock, system_clock

ENTRY_POINT_GROUP = "alvh.commands"
#: helper modules of this package that are not commands
_NOT_COMMANDS = {"common"}
DESCRIPTION = ("ALVH desk bot: analyze SPX iron condors, size VIX hedges, compare management "
               "choices by expected value, risk and cost.")


def _unavailable(name: str, exc: BaseException) -> Callable[[argparse.Namespace], int]:
    def run(_args: argparse.Namespace) -> int:
        print(f"alvh {name} is unavailable: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1

    return run


def _add_unavailable(subparsers: Any, name: str, exc: BaseException) -> None:
    p = subparsers.add_parser(name, help=f"(unavailable: {type(exc).__name__})", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_unavailable(name, exc))


def _register_from(obj: Any) -> Callable[[Any], None] | None:
    reg = getattr(obj, "register", None)
    if callable(reg):
        return reg
    if callable(obj) and not isinstance(obj, type):
        return obj
    return None


def discover_command_modules() -> list[str]:
    """Names of the modules in this package that may hold commands (sorted, helpers excluded)."""
    pkg = sys.modules[__name__]
    return sorted(
        m.name
        for m in pkgutil.iter_modules(pkg.__path__)
        if not m.name.startswith("_") and m.name not in _NOT_COMMANDS
    )


def _entry_points() -> list[Any]:
    try:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - broken installation metadata
        eps = ()
    return sorted(eps, key=lambda e: e.name)


def _new_parser() -> tuple[argparse.ArgumentParser, Any]:
    parser = OneLineArgumentParser(prog="alvh", description=DESCRIPTION)
    from alvh_core import __version__

    parser.add_argument("--version", action="version", version=f"alvh {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    return parser, subparsers


def _register_module(subparsers: Any, name: str) -> set[str]:
    """Import command module ``name`` and register its commands; returns the names it added."""
    before = set(subparsers.choices)
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except Exception as exc:  # a broken module must not break the other commands
        _add_unavailable(subparsers, name, exc)
        return {name}
    reg = getattr(module, "register", None)
    if callable(reg):
        try:
            reg(subparsers)
        except Exception as exc:
            if name not in subparsers.choices:
                _add_unavailable(subparsers, name, exc)
    return (set(subparsers.choices) - before) | {name}


def _register_entry_point(subparsers: Any, ep: Any) -> None:
    try:
        reg = _register_from(ep.load())
        if reg is None:
            raise TypeError(f"entry point {ep.value} has no register(subparsers)")
        reg(subparsers)
    except Exception as exc:
        if ep.name not in subparsers.choices:
            _add_unavailable(subparsers, ep.name, exc)


def build_parser() -> argparse.ArgumentParser:
    """The full `alvh` parser with every discovered subcommand registered (imports every command)."""
    parser, subparsers = _new_parser()
    for name in discover_command_modules():
        _register_module(subparsers, name)
    for ep in _entry_points():
        if ep.name not in subparsers.choices:
            _register_entry_point(subparsers, ep)
    return parser


# ----- the static index: command names and help lines read from source, nothing imported ----------

@dataclass(frozen=True)
class CommandInfo:
    """One command as the static index sees it: its name, help line and where it is registered."""

    name: str
    help: str
    module: str | None = None  # a module of this package, or
    entry_point: Any = None  # an ``alvh.commands`` entry point


def _source_of(module: str) -> str | None:
    """Source text of ``module`` found without importing it (or its parents), else None."""
    from importlib.machinery import PathFinder

    if module in sys.modules and getattr(sys.modules[module], "__file__", None) is None:
        return None  # a module object made at run time (tests): no source to read
    import importlib.util

    first, *rest = module.split(".")
    try:  # the top level through every finder (an editable install's is not on sys.path), not importing it
        spec = importlib.util.find_spec(first)
    except (ImportError, ValueError):
        return None
    for part in rest:
        path = spec.submodule_search_locations if spec is not None else None
        spec = PathFinder.find_spec(part, path) if path is not None else None
        if spec is None:
            return None
    origin = getattr(spec, "origin", None)
    if not origin or not origin.endswith(".py"):
        return None
    try:
        with open(origin, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def _parsers_in_source(source: str) -> list[tuple[str, str]] | None:
    """``(name, help)`` of every ``*.add_parser("name", help="...")`` call inside ``register``.

    None when ``register`` is missing or a name is not a string literal (the caller then imports).
    """
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, SystemError):  # SystemError: CPython 3.11.7 (gh-106905), a parse racing another thread's
        return None  # compile (an import in the bot's warm-up thread), "AST constructor recursion depth mismatch"
    reg = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register"), None)
    if reg is None:
        return None
    found: list[tuple[str, str]] = []
    for node in ast.walk(reg):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_parser"):
            continue
        if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return None
        help_text = next((k.value.value for k in node.keywords if k.arg == "help"
                          and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), "")
        found.append((node.args[0].value, help_text))
    return found or None


def command_index() -> list[CommandInfo] | None:
    """Every command with its help line, read statically; None if any command needs an import to know."""
    out: list[CommandInfo] = []
    for name in discover_command_modules():
        source = _source_of(f"{__name__}.{name}")
        parsers = _parsers_in_source(source) if source is not None else None
        if parsers is None:
            return None
        out.extend(CommandInfo(n, h, module=name) for n, h in parsers)
    names = {c.name for c in out}
    for ep in _entry_points():
        if ep.name in names:
            continue
        module = getattr(ep, "module", None) or str(getattr(ep, "value", "")).split(":")[0]
        source = _source_of(module) if module else None
        parsers = _parsers_in_source(source) if source is not None else None
        help_text = next((h for n, h in parsers or [] if n == ep.name), "")
        out.append(CommandInfo(ep.name, help_text, entry_point=ep))
        names.add(ep.name)
    return out


def _command_word(argv: Sequence[str]) -> str | None:
    """The subcommand word of ``argv`` (the top-level parser has only flags that take no value)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def _lazy_parser(argv: Sequence[str]) -> argparse.ArgumentParser | None:
    """A parser that imports only what ``argv`` runs, or None (then ``build_parser`` is used)."""
    word = _command_word(argv)
    if word is None and "--version" in argv and not {"-h", "--help"} & set(argv):
        return _new_parser()[0]  # the version needs no command list at all
    index = command_index()
    if index is None:
        return None
    parser, subparsers = _new_parser()
    if word is None:  # alvh / alvh --help / alvh --version: names and help lines only
        for c in index:
            if c.name not in subparsers.choices:
                subparsers.add_parser(c.name, help=c.help)
        return parser
    hit = next((c for c in index if c.name == word), None)
    if hit is None:  # unknown word: every name listed, so argparse's one-line "invalid choice" names them
        for c in index:
            if c.name not in subparsers.choices:
                subparsers.add_parser(c.name, help=c.help)
        return parser
    if hit.module is not None:
        _register_module(subparsers, hit.module)
    else:
        _register_entry_point(subparsers, hit.entry_point)
    return parser if word in subparsers.choices else None


def main(argv: Sequence[str] | None = None, clock: Clock = system_clock) -> int:
    """Run `alvh` with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    ``clock`` is the one clock of the run: a command's default as-of date is the desk's (New York) date
    on it, and ``alvh chat`` stamps its history with it (tests pass a fixed clock)."""
    words = list(argv) if argv is not None else sys.argv[1:]
    parser = _lazy_parser(words) or build_parser()
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed on one line)
        return int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    args.clock = clock
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    return guarded(func, args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
