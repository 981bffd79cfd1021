"""The command vocabulary, defined ONCE for Slack (``/alvh ...``) and the terminal (``alvh chat``).

Each command has a canonical name, its aliases, its argument form and a one-line summary. The grammar
dispatches on ``command_name(word)`` through a table keyed by the canonical name; the Slack assistant
and ``alvh chat`` print ``usage(name, prefix)`` from the same entries, so the two can never disagree.
Adding a command: add a ``CommandSpec`` here and a parser to ``grammar.commands.PARSERS`` (a test
checks that both tables name the same commands and that no alias is claimed twice).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: how a command is written in Slack; ``alvh chat`` writes commands with no prefix
SLACK_PREFIX = "/alvh "


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    args: str
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("open", ("add", "new"), "SPX IC 5600/5650/6150/6200 45DTE x10 @4.80",
                "record a condor: long put/short put/short call/long call, expiry as 45DTE or 2026-12-18, "
                "quantity, credit per condor in points; a sentence like 'I sold SPX ...' reads as open; "
                "in Slack no text opens a form"),
    CommandSpec("list", ("ls", "positions"), "", "open positions of this workspace"),
    CommandSpec("status", ("show",), "[id]", "marks, greeks and P&L now; default: your latest position"),
    CommandSpec("mark", ("marks",), "spot 5712 vix 24.3 [asof 2026-11-24]",
                "record today's SPX and VIX marks for this workspace"),
    CommandSpec("hedge", (), "[id] [condors N] | id bought N vix 22/32 jan @1.95",
                "size the layered VIX call hedge; with bought/sold N vix K1/K2 (or vx / vxm futures) "
                "MONTH @PRICE: record the hedge held"),
    CommandSpec("compare", (), "[id] [paths N] [seed K] [no-premia] [no-costs]",
                "hold / leg out / close tested / ALVH / take-profit-stop by EV and risk"),
    CommandSpec("close", (), "id [at PRICE | at LP/SP/SC/LC]",
                "close a position with the closing debit per condor or the four leg fills: realised P&L; "
                "only who opened it can"),
    CommandSpec("edit", (), "id [credit X] [x N] [expiry DATE] [strikes LP/SP/SC/LC] [opened DATE]",
                "correct a recorded position"),
    CommandSpec("roll", (), "id put|call to K1/K2 [EXPIRY] [at NET_CREDIT]",
                "record a roll: close one vertical, open another; no price: booked at model mid"),
    CommandSpec("daily", (), "on [HH:MM] | off",
                "post a summary here each NYSE trading day, New York time"),
    CommandSpec("help", ("?", "h"), "[topic]", "this list, a command's usage, or a glossary term"),
)

_BY_WORD: dict[str, str] = {}
for _spec in COMMANDS:
    for _word in (_spec.name, *_spec.aliases):
        if _word in _BY_WORD:  # pragma: no cover - guarded by the vocabulary test
            raise RuntimeError(f"command word '{_word}' claimed twice")
        _BY_WORD[_word] = _spec.name

#: canonical command names, in the order they are listed
COMMAND_NAMES: tuple[str, ...] = tuple(c.name for c in COMMANDS)
#: every word that starts a command (names and aliases)
COMMAND_WORDS_ALL: frozenset[str] = frozenset(_BY_WORD)


def command_name(word: str) -> str | None:
    """The canonical command for a first word (``ls`` -> ``list``), or None when it is not a command."""
    return _BY_WORD.get(word.lower())


#: "I sold SPX ...", "we opened 10 SPX ...", "sold SPX ...": a trader's sentence that records a condor (``open``)
_OPEN_SENTENCE = re.compile(
    r"^(?:(?:i|we)(?:['’]ve|\s+have|\s+just)?\s+)?(?:just\s+)?(?:sold|opened|shorted)\s+(?P<rest>.*\bspxw?\b.*)$",
    re.IGNORECASE)


def command_text(text: str) -> str:
    """The command a line asks for, in the vocabulary's words: a sentence that records a condor ("I sold SPX
    2026-12-18 5600/5650P 6150/6200C x10 @13.80") reads as ``open SPX ...``; any other line is returned as is.
    The verb must come first and the rest must name SPX, so "what if I sold more?" stays a question."""
    m = _OPEN_SENTENCE.match(text.strip())
    return f"open {m.group('rest').strip()}" if m else text


def spec(name: str) -> CommandSpec:
    return next(c for c in COMMANDS if c.name == name)


def usage(name: str, prefix: str = SLACK_PREFIX) -> str:
    """``/alvh open SPX IC ...   (summary)`` for Slack, ``open SPX IC ...   (summary)`` with ``prefix=''``."""
    c = spec(name)
    head = f"{prefix}{c.name}" + (f" {c.args}" if c.args else "")
    also = f"; also: {', '.join(c.aliases)}" if c.aliases else ""
    return f"{head}   ({c.summary}{also})"


def usage_table(prefix: str = SLACK_PREFIX) -> dict[str, str]:
    """Usage line of every command, keyed by canonical name."""
    return {c.name: usage(c.name, prefix) for c in COMMANDS}
