"""``/alvh`` commands (and the same words in ``alvh chat``): one handler per canonical command name."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from alvh_core import lifecycle as lc
from alvh_core.models import IronCondor, MarketState
from bot import core, lifecycle
from bot.assistant.common import DEFAULT_DAILY_TIME, QUESTIONS_HELP, Ctx
from bot.assistant.results import ResultsMixin
from bot.core import GrammarError
from bot.reply import Reply, Table, table_text

#: commands that change what is stored: a line starting with one is never read as a question instead
STATEFUL_COMMANDS = frozenset({"open", "mark", "close", "edit", "roll", "daily"})
#: a command whose parsed kind is not its command name (``hedge 3 bought ...`` records a hedge held)
COMMAND_OF_KIND = {"hedge_bought": "hedge"}
#: question kinds a line that is not a valid command may be answered as ("/alvh what if spx 5600",
#: "hedge 20 lots with vxm"); a status/glossary/unknown reading is not enough to reroute a command
QUESTION_FALLBACK_KINDS = frozenset({"what_if", "hedge_size", "roll", "fact", "clarify", "should_leg_out",
                                     "history"})


def _answerable(kind: str, text: str) -> bool:
    """A question reading that may replace a command reading: greeks only with no number left unread."""
    return kind in QUESTION_FALLBACK_KINDS or (kind == "greeks" and not re.search(r"[0-9]", text))


def _changes_state(name: str, words: list[str]) -> bool:
    """Whether a line starting with command ``name`` asks to change what is stored (then a reading error is
    the command's usage, never an answer to something else). ``roll`` records a roll only with a position
    id ("roll 3 put to 5500/5550"); "roll the put side down 50" is the roll question (its cost, read-only).
    ``hedge`` records a hedge held with bought/sold ("hedge 3 bought 10 vix 22/32 jan @1.95")."""
    if name == "roll":
        return len(words) > 1 and bool(re.fullmatch(r"#?[0-9]+", words[1]))
    if name == "hedge":
        return any(w.lower() in lc.TRADE_WORDS for w in words[1:3])
    return name in STATEFUL_COMMANDS


#: commands that take the position id as their second word; in a position's thread it may be left out
_ID_SECOND = frozenset({"close", "edit", "hedge"})


def thread_command_text(text: str, position_id: int | None) -> str | None:
    """The command a line typed in position ``position_id``'s thread asks for, or None when it is a question.

    A line is a command when its first word is a command word, it does not end in "?", and it changes what
    is stored (close, edit, roll ID, hedge ... bought/sold, mark, open, daily). The thread's position id is
    filled in where it is left out: "close at 3.20" in #3's thread is "close 3 at 3.20", "hedge bought 5
    vix 22/32 jan @1.95" is "hedge 3 bought ...". Everything else ("close?", "roll the put side down 50",
    "hedge 20 lots with vxm") stays a question about the thread's position. "I sold SPX ..." is ``open SPX ...``."""
    words = core.command_text(text).split()
    if not words or text.rstrip().endswith("?"):
        return None
    name = core.command_name(words[0])
    if name is None:
        return None
    if (position_id is not None and name in _ID_SECOND
            and not (len(words) > 1 and re.fullmatch(r"#?[0-9]+", words[1]))
            and (name != "hedge" or (len(words) > 1 and words[1].lower() in lc.TRADE_WORDS))
            and (name != "close" or (len(words) > 1 and words[1].lower() == "at"))):
        words = [words[0], str(position_id), *words[1:]]
    return " ".join(words) if _changes_state(name, words) else None


class CommandsMixin(ResultsMixin):
    def reads_as_command(self, text: str) -> bool:
        """Whether a line is a command (else a thread question): its first word is a command word and it
        reads as that command, or it changes state, or it reads as no answerable question. One rule for
        ``/alvh`` in Slack and for ``alvh chat``. "I sold SPX ..." reads as ``open SPX ...``."""
        words = core.command_text(text).split()
        name = core.command_name(words[0]) if words else "help"
        if name is None:
            return False
        try:
            core.parse_command(text, self.s.today())
            return True
        except (GrammarError, ValidationError, ValueError):
            if _changes_state(name, words):
                return True
        try:
            return not _answerable(core.parse_question(text, self.s.today()).kind, text)
        except (GrammarError, ValidationError, ValueError):
            return True

    def in_thread(self, ctx: Ctx, position_id: int | None, text: str, its_thread: bool = True) -> Reply:
        """A line in a position's thread: a state-changing command runs as ``/alvh`` would (the thread's
        position filled in where its id is left out, :func:`thread_command_text`, only when ``its_thread``:
        the line was typed in that position's own thread); anything else is a question about the position."""
        command = thread_command_text(text, position_id if its_thread else None)
        return self.command(ctx, command) if command is not None else self.question(ctx, position_id, text)

    def command(self, ctx: Ctx, text: str) -> Reply:
        """Run one ``/alvh`` command (``text`` without the ``/alvh``). Text that is not a command but an
        answerable question ("what if spx 5600", "hedge 20 lots with vxm") is answered for your latest
        position, as in a thread."""
        text = (text or "").strip()
        word = text.split()[0].lower() if text else "help"
        if text and not self.reads_as_command(text):
            try:
                kind = core.parse_question(text, self.s.today()).kind
            except (GrammarError, ValidationError, ValueError):
                kind = "unknown"
            if _answerable(kind, text):
                return self.question(ctx, None, text)
        try:
            cmd = core.parse_command(text or "help", self.s.today())
        except lc.LifecycleError as exc:  # its message already ends with the expected form
            return lifecycle.usage_reply(self, core.command_name(word) or word, str(exc))  # type: ignore[arg-type]
        except (GrammarError, ValidationError, ValueError) as exc:
            return self.usage_error(core.command_name(word) or word, exc)
        handler = COMMAND_HANDLERS[COMMAND_OF_KIND.get(cmd.kind, cmd.kind)]
        try:
            return handler(self, ctx, cmd)
        except (GrammarError, ValidationError) as exc:
            return self.usage_error(cmd.kind, exc)
        except ValueError as exc:  # the engine refused the request (e.g. an expired position)
            return self.problem(exc)

    def _cmd_help(self, ctx: Ctx, cmd: Any = None) -> Reply:
        topic = (getattr(cmd, "topic", None) or "").strip().lower()
        if topic in self.usage:
            return Reply(kind="help", title=f"{self.prefix}{topic}", text=self.usage[topic], ephemeral=True,
                         notes=[f"`{self.usage[topic]}`"])
        if topic and core.explain(topic):
            answer = core.explain(topic) or ""
            return Reply(kind="help", title=f"Explain: {topic}"[:150], text=answer, notes=[answer], ephemeral=True)
        lines = list(self.usage.values())
        text = "Commands:\n" + "\n".join(lines) + "\n\nIn a result's thread, ask:\n" + "\n".join(QUESTIONS_HELP)
        return Reply(kind="help", title="ALVH desk bot", text=text, ephemeral=True,
                     notes=["*Commands*\n" + "\n".join(f"• `{u}`" for u in lines),
                            "*In a result's thread, ask*\n" + "\n".join(f"• {q}" for q in QUESTIONS_HELP)])

    def _cmd_open(self, ctx: Ctx, cmd: Any) -> Reply:
        condor: IronCondor = cmd.position
        if condor.opened is None:
            condor = condor.model_copy(update={"opened": self.s.today()})
        pid = self.s.store.add_position(ctx.team_id, ctx.user_id, ctx.channel_id, condor)
        row = self.s.store.position(ctx.team_id, pid)
        market = self._market(ctx)
        if isinstance(market, Reply):
            note = f"No SPX/VIX marks yet, so no analysis. Record them: {self.usage['mark']}"
            return Reply(kind="open", title=f"Position #{pid} recorded", position_id=pid, start_thread=True,
                         text=f"Recorded #{pid}: {condor.describe()}\n{note}",
                         fields=[("Position", condor.describe())], notes=[note], chart=True)
        state, mark = market
        assert row is not None  # just stored
        reply = self._status(row, condor, state, mark)
        reply.kind = "open"
        reply.title = f"Recorded #{pid}: {condor.describe()}"[:150]
        return reply

    def _cmd_list(self, ctx: Ctx, cmd: Any) -> Reply:
        rows = self.s.store.open_positions(ctx.team_id)
        if not rows:
            return Reply(kind="list", title="Open positions", text="No open positions. " + self.usage["open"])
        today = self.s.today()
        table = Table(columns=["id", "position", "DTE", "opened by"],
                      rows=[[f"#{r['id']}", r["description"], str(self.s.store.condor_of(r).dte(today)),
                             r["user_id"] or ""] for r in rows])
        return Reply(kind="list", title=f"Open positions ({len(rows)})", text=table_text(table), table=table)

    def _cmd_status(self, ctx: Ctx, cmd: Any) -> Reply:
        return self._with_position(ctx, cmd.id, self._status)

    def _cmd_hedge(self, ctx: Ctx, cmd: Any) -> Reply:
        if isinstance(cmd, lc.HedgeBought):  # "hedge 3 bought 10 vix 22/32 jan @1.95": the hedge held
            return lifecycle.run(self, ctx, cmd)  # type: ignore[arg-type]
        return self._with_position(ctx, cmd.id, lambda row, condor, state, mark: self._hedge(
            row, condor, state, mark, condors=cmd.condors))

    def _cmd_compare(self, ctx: Ctx, cmd: Any) -> Reply:
        return self._with_position(ctx, cmd.id, lambda row, condor, state, mark: self._compare(
            row, condor, state, mark, n_paths=cmd.paths, seed=cmd.seed, premia=cmd.premia, costs=cmd.costs))

    def _cmd_mark(self, ctx: Ctx, cmd: Any) -> Reply:
        today = self.s.today()
        asof = cmd.marks.asof or today
        if asof > today:
            return self.usage_error("mark", f"mark date {asof} is in the future")
        spot, vix = cmd.marks.spot, cmd.marks.vix
        extra = self._position_marks_reply(ctx, cmd, asof)  # issue 10: leg / VX / VIX-option marks
        if isinstance(extra, Reply):
            return extra
        self.s.store.add_mark(ctx.team_id, ctx.user_id, asof, spot, vix)
        text = f"Marks for {asof}: SPX {spot:,.2f}, VIX {vix:.2f} (recorded by <@{ctx.user_id}>)" + extra
        return Reply(kind="mark", title="Marks recorded", text=text,
                     fields=[("SPX", f"{spot:,.2f}"), ("VIX", f"{vix:.2f}"), ("As of", str(asof))],
                     understood={"spot": spot, "vix": vix, "date": asof.isoformat(),
                                 "days": (asof - today).days})

    def _position_marks_reply(self, ctx: Ctx, cmd: Any, asof: dt.date) -> str | Reply:
        """Check and store the leg / VX / VIX-option marks of a mark command against its position."""
        from alvh_core.market.marked import MarkError, apply_marks, vix_option_vols

        m = cmd.marks
        if not (m.legs or m.vx or m.vix_options):
            return ""
        row = self._position_row(ctx, cmd.id)
        if isinstance(row, Reply):
            return row
        condor = self.s.store.condor_of(row)
        try:
            market, _, note = apply_marks(m, condor, MarketState(spot=m.spot, vix=m.vix, asof=asof))
            vix_option_vols(m.vix_options, asof, m.vix, market.vix_futures)
        except (MarkError, ValueError) as exc:
            return self.usage_error("mark", exc)
        # price marks are kept with the vol they imply at the typed spot (sticky strike for the day)
        lv = market.leg_vols or {}
        legs = tuple(lg.model_copy(update={"iv": lg.iv if lg.iv is not None else lv[lg.strike]}) for lg in m.legs)
        self.s.store.add_position_marks(ctx.team_id, int(row["id"]), ctx.user_id, asof,
                                        m.model_copy(update={"legs": legs}))
        return f"\nPosition #{row['id']}: {note}"

    def _cmd_close(self, ctx: Ctx, cmd: Any) -> Reply:
        """``close id [at PRICE | at LP/SP/SC/LC]``: the lifecycle's close (``bot.lifecycle``), the one
        definition of closing (ownership, fill, realised P&L, hedge legs closed with it, history)."""
        return lifecycle.run(self, ctx, cmd)  # type: ignore[arg-type]

    def _cmd_edit(self, ctx: Ctx, cmd: Any) -> Reply:
        return lifecycle.run(self, ctx, cmd)  # type: ignore[arg-type]

    def _cmd_roll(self, ctx: Ctx, cmd: Any) -> Reply:
        return lifecycle.run(self, ctx, cmd)  # type: ignore[arg-type]

    def _cmd_daily(self, ctx: Ctx, cmd: Any) -> Reply:
        if not cmd.on:
            self.s.store.unsubscribe(ctx.team_id, ctx.channel_id)
            return Reply(kind="daily", title="Daily summary off",
                         text="This channel no longer gets the daily adjustment summary.")
        hhmm = cmd.time.strftime("%H:%M") if cmd.time else DEFAULT_DAILY_TIME
        self.s.store.subscribe(ctx.team_id, ctx.channel_id, hhmm, ctx.user_id)
        return Reply(kind="daily", title="Daily summary on",
                     text=f"This channel gets the adjustment summary each NYSE trading day at {hhmm} New York time.")


#: canonical command name -> handler (the grammar's ``PARSERS`` has the same keys; a test checks it)
COMMAND_HANDLERS: dict[str, Callable[[Any, Ctx, Any], Reply]] = {
    "open": CommandsMixin._cmd_open,
    "list": CommandsMixin._cmd_list,
    "status": CommandsMixin._cmd_status,
    "mark": CommandsMixin._cmd_mark,
    "hedge": CommandsMixin._cmd_hedge,
    "compare": CommandsMixin._cmd_compare,
    "close": CommandsMixin._cmd_close,
    "edit": CommandsMixin._cmd_edit,
    "roll": CommandsMixin._cmd_roll,
    "daily": CommandsMixin._cmd_daily,
    "help": CommandsMixin._cmd_help,
}
