"""Commands: the text after ``/alvh`` -> a typed command."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from alvh_core import lifecycle as lc
from alvh_core.grammar.marks import Marks, _Frozen, _kv_tokens, _marks_from_tokens
from alvh_core.grammar.positions import parse_position
from alvh_core.grammar.text import (
    MAX_PATHS,
    MAX_QUANTITY,
    MAX_SEED,
    MIN_PATHS,
    POSITION_FORM,
    GrammarError,
    _normalize,
    _refuse_spaced_numbers,
    _show,
)
from alvh_core.grammar.vocabulary import COMMAND_NAMES, command_name, command_text
from alvh_core.models import IronCondor

# ----- commands -------------------------------------------------------------------------------

PositionId = Annotated[int, Field(ge=1, le=10**12)]


class OpenCommand(_Frozen):
    kind: Literal["open"] = "open"
    position: IronCondor

    def describe(self) -> str:
        return f"open {self.position.describe()}"


class ListCommand(_Frozen):
    kind: Literal["list"] = "list"

    def describe(self) -> str:
        return "list"


class StatusCommand(_Frozen):
    kind: Literal["status"] = "status"
    id: PositionId | None = None

    def describe(self) -> str:
        return "status" + (f" {self.id}" if self.id is not None else "")


class MarkCommand(_Frozen):
    kind: Literal["mark"] = "mark"
    marks: Marks
    id: PositionId | None = None

    @property
    def spot(self) -> float:
        return self.marks.spot

    @property
    def vix(self) -> float:
        return self.marks.vix

    @property
    def asof(self) -> dt.date | None:
        return self.marks.asof

    def describe(self) -> str:
        return f"mark {self.marks.describe()}" + (f" #{self.id}" if self.id is not None else "")


class HedgeCommand(_Frozen):
    kind: Literal["hedge"] = "hedge"
    id: PositionId | None = None
    condors: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)

    def describe(self) -> str:
        s = "hedge" + (f" {self.id}" if self.id is not None else "")
        return s + (f" condors {self.condors}" if self.condors is not None else "")


class CompareCommand(_Frozen):
    kind: Literal["compare"] = "compare"
    id: PositionId | None = None
    paths: int | None = Field(default=None, ge=MIN_PATHS, le=MAX_PATHS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    premia: bool = True
    costs: bool = True

    def describe(self) -> str:
        s = "compare" + (f" {self.id}" if self.id is not None else "")
        s += f" paths {self.paths}" if self.paths is not None else ""
        s += f" seed {self.seed}" if self.seed is not None else ""
        s += "" if self.premia else " no-premia"
        return s + ("" if self.costs else " no-costs")


#: ``close id [at PRICE | at LP/SP/SC/LC]``, ``edit id ...``, ``roll id put|call to K1/K2 ...`` and
#: ``hedge id bought N vix 22/32 jan @1.95``: the position lifecycle's own commands (one definition,
#: ``alvh_core.lifecycle``), dispatched here like every other command
CloseCommand = lc.CloseFill
EditCommand = lc.EditCommand
RollCommand = lc.RollCommand
HedgeBoughtCommand = lc.HedgeBought


class DailyCommand(_Frozen):
    kind: Literal["daily"] = "daily"
    on: bool
    time: dt.time | None = None

    def describe(self) -> str:
        s = "daily " + ("on" if self.on else "off")
        return s + (f" {self.time.strftime('%H:%M')}" if self.time is not None else "")


class HelpCommand(_Frozen):
    kind: Literal["help"] = "help"
    topic: str | None = Field(default=None, max_length=100)

    def describe(self) -> str:
        return "help" + (f" {self.topic}" if self.topic else "")


Command = Annotated[
    OpenCommand | ListCommand | StatusCommand | MarkCommand | HedgeCommand | CompareCommand | lc.CloseFill
    | lc.EditCommand | lc.RollCommand | lc.HedgeBought | DailyCommand | HelpCommand,
    Field(discriminator="kind"),
]
#: validates/dumps any Command (e.g. ``COMMAND_ADAPTER.validate_json(stored)``)
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)

#: canonical command names (aliases: ``grammar.vocabulary``)
COMMAND_WORDS = COMMAND_NAMES


def _int_token(token: str, what: str, expected: str, lo: int, hi: int, allow_k: bool = False) -> int:
    t = token.lower()
    if "," in t and not re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+[km]?", t):
        raise GrammarError(f"can't read '{_show(token)}' ({what}): a comma is a thousands separator: expected {expected}")
    t = t.replace(",", "").replace("_", "")
    mult = 1
    if allow_k and t.endswith("k"):
        t, mult = t[:-1], 1000
    elif allow_k and t.endswith("m"):
        t, mult = t[:-1], 1_000_000
    if not re.fullmatch(r"[0-9]{1,19}", t):
        raise GrammarError(f"can't read '{_show(token)}' ({what}): expected {expected}")
    v = int(t) * mult
    if not lo <= v <= hi:
        raise GrammarError(f"{what} {_show(token)} is outside {lo:,}-{hi:,}: expected {expected}")
    return v


def _id_token(token: str, cmd: str) -> int:
    return _int_token(token.lstrip("#"), f"{cmd} id", "a position id like 3 (see list)", 1, 10**12)


def _is_id(token: str) -> bool:
    return bool(re.fullmatch(r"#?[0-9]+", token))


def _parse_open(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if not rest:
        raise GrammarError(f"open needs a position: expected open {POSITION_FORM}")
    return OpenCommand(position=parse_position(rest, asof))


def _parse_list(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if words:
        raise GrammarError(f"can't read '{_show(words[0])}' (list): list takes nothing after it")
    return ListCommand()


def _parse_status(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if len(words) > 1:
        raise GrammarError(f"can't read '{_show(words[1])}' (status): expected status [id]")
    return StatusCommand(id=_id_token(words[0], "status") if words else None)


def _parse_mark(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    _refuse_spaced_numbers(rest, "mark")
    tokens, originals = _kv_tokens(rest)
    marks, left = _marks_from_tokens(tokens, originals, "mark spot 5712 vix 24.3 [asof 2026-11-24] [id]")
    pid = None
    if left:
        if len(left) > 1 or not _is_id(left[0]):
            bad = left[1] if _is_id(left[0]) else left[0]
            raise GrammarError(f"can't read '{_show(bad)}' (mark): "
                               "expected mark spot 5712 vix 24.3 [asof 2026-11-24] [id]")
        pid = _id_token(left[0], "mark")
    return MarkCommand(marks=marks, id=pid)


def _lifecycle(name: str, rest: str, asof: dt.date) -> Command:
    """A lifecycle command read by ``alvh_core.lifecycle`` (its errors name the token and the form; they
    leave the grammar as GrammarError, like every other command's)."""
    try:
        cmd = lc.parse_lifecycle(f"{name} {rest}", asof)
    except lc.LifecycleError as exc:
        raise GrammarError(str(exc)) from None
    assert cmd is not None  # close/edit/roll, and hedge with bought/sold, always read as lifecycle
    return cmd


def _parse_hedge(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if any(w in lc.TRADE_WORDS for w in lw[:2]):  # "hedge 3 bought 10 vix 22/32 jan @1.95": record it
        return _lifecycle("hedge", rest, asof)
    pid = condors = None
    i = 0
    while i < len(lw):
        w = lw[i]
        if w in ("condors", "condor", "for", "x") and i + 1 < len(lw):
            if condors is not None:
                raise GrammarError("condors given twice: expected hedge [id] [condors N]")
            condors = _int_token(words[i + 1], "condors", "a number of condors like 20", 1, MAX_QUANTITY)
            i += 2
            continue
        m = re.fullmatch(r"([0-9]+)(?:condors?)?", w)
        if i + 1 < len(lw) and lw[i + 1] in ("condors", "condor", "lots", "lot") and m and \
                not (i + 2 < len(lw) and _is_id(lw[i + 2])):  # "2 condors 20" reads as id 2, condors 20
            if condors is not None:
                raise GrammarError("condors given twice: expected hedge [id] [condors N]")
            condors = _int_token(words[i], "condors", "a number of condors like 20", 1, MAX_QUANTITY)
            i += 2
            continue
        if _is_id(w) and pid is None:
            pid = _id_token(words[i], "hedge")
            i += 1
            continue
        raise GrammarError(f"can't read '{_show(words[i])}' (hedge): expected hedge [id] [condors N]")
    return HedgeCommand(id=pid, condors=condors)


def _parse_compare(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    form = "compare [id] [paths N] [seed K] [no-premia] [no-costs]"
    kw: dict[str, object] = {}
    i = 0
    while i < len(lw):
        w = lw[i]
        if w in ("paths", "seed") and i + 1 < len(lw):
            if w in kw:
                raise GrammarError(f"{w} given twice: expected {form}")
            if w == "paths":
                kw["paths"] = _int_token(words[i + 1], "paths", "a path count like 20000 or 20k",
                                         MIN_PATHS, MAX_PATHS, allow_k=True)
            else:
                kw["seed"] = _int_token(words[i + 1], "seed", "a non-negative integer seed", 0, MAX_SEED)
            i += 2
            continue
        if w in ("no-premia", "nopremia", "no_premia", "no-premium"):
            kw["premia"] = False
        elif w in ("no-costs", "nocosts", "no_costs", "no-cost"):
            kw["costs"] = False
        elif _is_id(w) and "id" not in kw:
            kw["id"] = _id_token(words[i], "compare")
        else:
            raise GrammarError(f"can't read '{_show(words[i])}' (compare): expected {form}")
        i += 1
    return CompareCommand(**kw)  # type: ignore[arg-type]


def _parse_close(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if not words:
        what = "close needs a position id"
        raise GrammarError(f"{what}: expected close id [at PRICE | at LP/SP/SC/LC] (see list)")
    pid = _id_token(words[0], "close")
    if len(words) == 1:
        return lc.CloseFill(id=pid)
    return _lifecycle("close", rest, asof)


def _parse_edit(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if words:
        _id_token(words[0], "edit")
    return _lifecycle("edit", rest, asof)


def _parse_roll(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    if words:
        _id_token(words[0], "roll")
    return _lifecycle("roll", rest, asof)


def _parse_daily(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    form = "daily on|off [HH:MM]"
    if not words or lw[0] not in ("on", "off"):
        shown = f"can't read '{_show(words[0])}' (daily)" if words else "daily needs on or off"
        raise GrammarError(f"{shown}: expected {form}")
    on = lw[0] == "on"
    when = None
    if len(words) >= 2:
        m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", lw[1])
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise GrammarError(f"can't read '{_show(words[1])}' (daily time): expected HH:MM like 15:45")
        when = dt.time(int(m.group(1)), int(m.group(2)))
    if len(words) > 2:
        raise GrammarError(f"can't read '{_show(words[2])}' (daily): expected {form}")
    return DailyCommand(on=on, time=when)


def _parse_help(rest: str, words: list[str], lw: list[str], asof: dt.date) -> Command:
    topic = " ".join(lw)[:100] or None
    return HelpCommand(topic=topic)

#: canonical command name -> parser(rest, words, lower-cased words, asof)
PARSERS: dict[str, Callable[[str, list[str], list[str], dt.date], Command]] = {
    "open": _parse_open,
    "list": _parse_list,
    "status": _parse_status,
    "mark": _parse_mark,
    "hedge": _parse_hedge,
    "compare": _parse_compare,
    "close": _parse_close,
    "edit": _parse_edit,
    "roll": _parse_roll,
    "daily": _parse_daily,
    "help": _parse_help,
}


def parse_command(text: str, asof: dt.date) -> Command:
    """Read a command (the text after ``/alvh``). Empty text is ``help``. Dispatch is by ``PARSERS``,
    keyed by the vocabulary's canonical name, so an alias can never reach another command."""
    raw = _normalize(text, "command")
    if raw.startswith("/alvh"):
        raw = raw[5:].strip()
    if not raw:
        return HelpCommand()
    raw = command_text(raw)
    word, _, rest = raw.partition(" ")
    name = command_name(word)
    if name is None:
        raise GrammarError(f"unknown command '{_show(word)}': expected one of {', '.join(COMMAND_NAMES)}")
    rest = rest.strip()
    words = rest.split()
    return PARSERS[name](rest, words, [w.lower() for w in words], asof)
