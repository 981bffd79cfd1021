"""Shared pieces of the `alvh` subcommands: one-line errors and the common arguments.

Every subcommand reuses these so the flags read the same everywhere:

- ``add_market_args(parser)``: ``--spot S --vix V [--asof YYYY-MM-DD] [--rate R] [--div Q]``
  (vix in vol points, rate/div continuously compounded decimals);
- ``add_position_arg(parser)``: POSITION as the remaining words, e.g.
  ``SPX IC 5600/5650/6150/6200 45DTE x10 @4.80``;
- ``add_json_arg(parser)``: ``--json`` (print ``model_dump_json``);
- ``position_from_args(args) -> IronCondor``, ``market_from_args(args) -> MarketState``;
- ``guarded(func, args) -> int``: runs a command, turning bad input into one line on stderr, exit 2;
- ``one_line_error(exc) -> str``: the readable single line for GrammarError / ValidationError / ValueError.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:  # pragma: no cover
    from alvh_core.models import IronCondor, MarketState

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse parser whose usage errors are one line on stderr (exit 2), not usage + error."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def one_line_error(exc: BaseException) -> str:
    """A single readable line for an input error (no newlines, pydantic noise removed)."""
    from pydantic import ValidationError  # imported here: `alvh --help` must not pay for pydantic

    from alvh_core.grammar import readable_validation_error

    if isinstance(exc, ValidationError):
        text = readable_validation_error(exc)
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    """Print ``message`` as one line to stderr and return ``code`` (2 = bad input)."""
    print(" ".join(str(message).split()), file=sys.stderr)
    return code


def guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand; bad input becomes one line on stderr with exit 2, never a traceback.

    Unexpected errors (bugs) are one line with exit 1 unless ``ALVH_DEBUG`` is set, in which case
    they propagate with their traceback.
    """
    from pydantic import ValidationError  # imported on use so `alvh --help` stays instant

    from alvh_core.grammar import GrammarError

    try:
        code = func(args)
    except (GrammarError, ValidationError, ValueError) as exc:
        return fail(f"error: {one_line_error(exc)}", EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # pragma: no cover - `alvh ... | head`
        return EXIT_OK
    except Exception as exc:
        from alvh_core.settings import Settings

        if Settings().debug:
            raise
        return fail(f"internal error: {type(exc).__name__}: {one_line_error(exc)} "
                    "(set ALVH_DEBUG=1 for the traceback)", EXIT_FAILURE)
    return EXIT_OK if code is None else int(code)


# ----- argument helpers -----------------------------------------------------------------------

def parse_date(text: str) -> dt.date:
    """argparse type: an ISO date YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read date '{text}': expected YYYY-MM-DD") from None


def _positive_float(name: str) -> Callable[[str], float]:
    def conv(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"can't read {name} '{text}': expected a number") from None
        if not v > 0 or v != v or v == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} {text} must be a positive number")
        return v

    conv.__name__ = name
    return conv


def bounded_int(name: str, lo: int, hi: int) -> Callable[[str], int]:
    """argparse type: a whole number in [lo, hi], else one line saying what was wrong."""
    def conv(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"can't read {name} '{text}': expected a whole number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} {v} must be between {lo:,} and {hi:,}")
        return v

    conv.__name__ = name
    return conv


def _float(name: str) -> Callable[[str], float]:
    def conv(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"can't read {name} '{text}': expected a number") from None

    conv.__name__ = name
    return conv


def add_market_args(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--spot (SPX level), --vix (vol points), --asof (date, default today), --rate, --div."""
    parser.add_argument("--spot", type=_positive_float("spot"), required=required, help="SPX level, e.g. 5712")
    parser.add_argument("--vix", type=_positive_float("vix"), required=required,
                        help="VIX in vol points, e.g. 24.3 (not 0.243)")
    parser.add_argument("--asof", type=parse_date, default=None,
                        help="valuation date YYYY-MM-DD (default: today)")
    parser.add_argument("--rate", type=_float("rate"), default=None,
                        help="risk-free rate, continuously compounded decimal (default 0.04)")
    parser.add_argument("--div", type=_float("div"), default=None,
                        help="SPX dividend yield, continuously compounded decimal (default 0.013)")


def add_position_arg(parser: argparse.ArgumentParser) -> None:
    """POSITION as the remaining words, e.g. ``SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80``."""
    parser.add_argument(
        "position", nargs="+", metavar="POSITION",
        help="e.g. 'SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80' or 'SPX IC 5600/5650/6150/6200 45DTE x10 @4.80'",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def add_chart_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chart", metavar="FILE", default=None,
                        help="also write the chart as a PNG to FILE (alvh_core.charts, as in Slack)")


def write_chart(path: str | None, make_png: Callable[[], bytes]) -> None:
    """Write ``make_png()`` to ``path`` (when given) and say where on stderr; a bad path is one line."""
    if not path:
        return
    if not path.lower().endswith(".png"):
        raise ValueError(f"--chart {path}: expected a .png file name")
    png = make_png()
    try:
        with open(path, "wb") as fh:
            fh.write(png)
    except OSError as exc:
        raise ValueError(f"--chart {path}: cannot write it ({exc.strerror or exc})") from None
    print(f"chart written to {path}", file=sys.stderr)


def asof_from_args(args: argparse.Namespace) -> dt.date:
    """The --asof date, or today's desk (New York) date on the run's clock (``args.clock``)."""
    asof = getattr(args, "asof", None)
    from alvh_core.clock import desk_today, system_clock

    return asof if asof is not None else desk_today(getattr(args, "clock", system_clock))


def position_from_args(args: argparse.Namespace) -> IronCondor:
    """Parse the POSITION words relative to --asof (raises GrammarError on bad text)."""
    from alvh_core.grammar import parse_position

    words: Any = getattr(args, "position", None) or []
    text = " ".join(words) if isinstance(words, (list, tuple)) else str(words)
    return parse_position(text, asof_from_args(args))


def market_from_args(args: argparse.Namespace) -> MarketState:
    """MarketState from --spot/--vix/--asof/--rate/--div (raises ValidationError on bad values)."""
    from alvh_core.models import MarketState

    kw: dict[str, Any] = {"spot": args.spot, "vix": args.vix, "asof": asof_from_args(args)}
    if getattr(args, "rate", None) is not None:
        kw["rate"] = args.rate
    if getattr(args, "div", None) is not None:
        kw["div_yield"] = args.div
    return MarketState(**kw)
