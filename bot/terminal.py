"""``alvh chat``: the same assistant in the terminal (same commands, thread questions, SQLite history).

A line whose first word is a command (``open``, ``list``, ``status``, ``mark``, ``hedge``, ``compare``,
``close``, ``daily``, ``help``; a leading ``/alvh`` is accepted) runs it; any other line is a question about
the session's current position (the last one a result was about), answered and stored in that
position's thread of this session. ``quit``/``exit`` or end of input stops. Works with stdin piped:

    printf 'open SPX IC 5600/5650/6150/6200 45DTE x10 @17\\nwhat if spx 5600 vix 32\\nquit\\n' | alvh chat

With no recorded marks (and no ``--data`` CSV), demo marks are used and said so in every answer.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
import uuid
from typing import TextIO

from alvh_core.clock import Clock, system_clock
from alvh_core.settings import Settings
from bot.assistant import Assistant, Ctx
from bot.market_data import CsvDailyMarks, FirstAvailable, Mark, MarketDataSource, RecordedMarks
from bot.reply import Reply
from bot.services import Services
from bot.store import Store

COMMAND_WORDS = ("open", "list", "status", "mark", "hedge", "compare", "close", "daily", "help", "edit", "roll")
TEAM = "local"
CHANNEL = "terminal"


class DemoMarks:
    """Fixed marks for a first try without data (labelled as such in every answer)."""

    def __init__(self, spot: float = 5900.0, vix: float = 18.0):
        self.spot, self.vix = spot, vix

    def latest(self, team_id: str, asof: dt.date) -> Mark | None:
        return Mark(spot=self.spot, vix=self.vix, asof=asof,
                    source="DEMO marks (record real ones: mark spot S vix V)")


class ChatSession:
    """One terminal session: routes lines to the assistant and keeps the session's threads."""

    def __init__(self, services: Services, user: str, out: TextIO):
        self.assistant = Assistant(services)
        self.s = services
        self.ctx = Ctx(team_id=TEAM, user_id=user, channel_id=CHANNEL)
        self.session = uuid.uuid4().hex[:8]
        self.position_id: int | None = None
        self.out = out

    def thread_ts(self, position_id: int | None) -> str:
        return f"chat-{self.session}-{position_id if position_id is not None else 'none'}"

    def handle(self, line: str) -> Reply | None:
        text = line.strip()
        if text.lower().startswith("/alvh"):
            text = text[5:].strip()
        elif text.lower().startswith("alvh "):
            text = text[5:].strip()
        if not text:
            return None
        first = text.split()[0].lower()
        if first in COMMAND_WORDS:
            reply = self.assistant.command(self.ctx, text)
            question = f"/alvh {text}"
            if reply.position_id is not None and not reply.ephemeral:
                self.position_id = reply.position_id
            thread = self.thread_ts(reply.position_id) if reply.position_id is not None else None
            if thread is not None and reply.start_thread:
                self.s.store.link_thread(TEAM, CHANNEL, thread, reply.position_id, reply.kind)
        else:
            reply = self.assistant.question(self.ctx, self.position_id, text)
            question = text
            thread = self.thread_ts(self.position_id)
        self.assistant.record(self.ctx, thread, question, reply)
        return reply

    def show(self, reply: Reply) -> None:
        print(("! " if reply.status == "error" else "") + reply.text, file=self.out)
        for a in reply.assumptions:
            print(f"  ~ {a}", file=self.out)
        print(file=self.out)


def chat(services: Services, user: str, inp: TextIO, out: TextIO) -> int:
    session = ChatSession(services, user, out)
    interactive = inp.isatty()
    if interactive:
        print("ALVH desk bot. Type 'help', a command (open/list/status/mark/hedge/compare/close), "
              "or a question about your position. 'quit' to leave.", file=out)
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line or line.strip().lower() in ("quit", "exit", "q"):
            return 0
        reply = session.handle(line)
        if reply is not None:
            session.show(reply)


def terminal_services(db: str, data: str | None, demo: bool = True, clock: Clock = system_clock,
                      compare_paths: int | None = None) -> Services:
    """The chat's services: the SQLite file, recorded marks (then the CSV, then demo marks), one clock."""
    store = Store(db, clock=clock)
    sources: list[MarketDataSource] = [RecordedMarks(store)]
    if data:
        sources.append(CsvDailyMarks(data))
    market: MarketDataSource = FirstAvailable(*sources)
    if demo:
        first = market

        class _OrDemo:
            def latest(self, team_id: str, asof: dt.date) -> Mark | None:
                return first.latest(team_id, asof) or DemoMarks().latest(team_id, asof)

        market = _OrDemo()
    paths = compare_paths if compare_paths is not None else Settings().chat_compare_paths
    return Services(store=store, market_data=market, clock=clock, compare_paths=paths)


def run(args: argparse.Namespace) -> int:
    try:
        services = terminal_services(args.db, args.data, demo=not args.no_demo,
                                     clock=getattr(args, "clock", system_clock))
    except (OSError, ValueError) as exc:
        print(f"alvh chat: cannot open {args.db} / data {args.data}: {exc}", file=sys.stderr)
        return 2
    return chat(services, args.user, sys.stdin, sys.stdout)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Entry point of group ``alvh.commands`` (``alvh chat``)."""
    p = subparsers.add_parser("chat", help="the Slack assistant in the terminal (same commands and history)",
                              description=__doc__.split("\n\n")[0])
    settings = Settings()
    p.add_argument("--db", default=settings.alvh_db,
                   help="SQLite file shared with the Slack bot (default: $ALVH_DB or ./alvh.sqlite)")
    p.add_argument("--data", default=settings.alvh_data,
                   help="directory with spx_daily.csv and vix_daily.csv for marks (default: $ALVH_DATA)")
    p.add_argument("--user", default=settings.user or getpass.getuser(), help="who is asking")
    p.add_argument("--no-demo", action="store_true", help="no demo marks when none are recorded")
    p.set_defaults(func=run)
