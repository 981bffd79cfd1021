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
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

from alvh_core.cli.common import OneLineArgumentParser, guarded
from alvh_core.clock import Clock, system_clock

ENTRY_POINT_GROUP = "alvh.commands"
#: helper modules of this package that are not commands
_NOT_COMMANDS = {"common"}


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


def build_parser() -> argparse.ArgumentParser:
    """The full `alvh` parser with every discovered subcommand registered."""
    parser = OneLineArgumentParser(
        prog="alvh",
        description="ALVH desk bot: analyze SPX iron condors, size VIX hedges, compare management "
        "choices by expected value, risk and cost.",
    )
    from alvh_core import __version__

    parser.add_argument("--version", action="version", version=f"alvh {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    seen: set[str] = set()
    for name in discover_command_modules():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except Exception as exc:  # a broken module must not break the other commands
            _add_unavailable(subparsers, name, exc)
            seen.add(name)
            continue
        reg = getattr(module, "register", None)
        if callable(reg):
            before = set(subparsers.choices)
            try:
                reg(subparsers)
            except Exception as exc:
                if name not in subparsers.choices:
                    _add_unavailable(subparsers, name, exc)
            seen.update(set(subparsers.choices) - before)
            seen.add(name)
    try:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - broken installation metadata
        eps = ()
    for ep in sorted(eps, key=lambda e: e.name):
        if ep.name in subparsers.choices:
            continue
        try:
            reg = _register_from(ep.load())
            if reg is None:
                raise TypeError(f"entry point {ep.value} has no register(subparsers)")
            reg(subparsers)
        except Exception as exc:
            if ep.name not in subparsers.choices:
                _add_unavailable(subparsers, ep.name, exc)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock = system_clock) -> int:
    """Run `alvh` with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    ``clock`` is the one clock of the run: a command's default as-of date is the desk's (New York) date
    on it, and ``alvh chat`` stamps its history with it (tests pass a fixed clock)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
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
