"""``alvh chat``: the same assistant in the terminal (same commands, thread questions, SQLite history).

A line whose first word is a command or one of its aliases (``open``/``add``/``new``, ``list``/``ls``/
``positions``, ``status``/``show``, ``mark``, ``hedge``, ``compare``, ``close``, ``daily``, ``help``; a
leading ``/alvh`` is accepted) runs it; any other line is a question about the session's current
position (the last one a result was about), answered and stored in that position's thread of this
session. A line that starts with a command word but reads only as a question ("hedge 20 lots with
VXM") is answered as the question. ``quit``/``exit`` or end of input stops. Answers are plain text
(no Slack markup). Works with stdin piped:

    printf 'open SPX IC 5600/5650/6150/6200 45DTE x10 @17\\nwhat if spx 5600 vix 32\\nquit\\n' | alvh chat

``--json`` prints exactly one JSON object per input line, in order (a blank line or an
acknowledgement still prints its object): ``kind``, ``understood`` (the values read, numbers as
numbers) and ``text``. ``--asof DATE`` fixes the clock (4:30 pm New York on DATE), so a transcript
can be replayed. With no recorded marks (and no ``--data`` CSV), demo marks are used and said so.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import re
import sys
import uuid
from typing import Any, TextIO

from alvh_core.clock import Clock, desk_clock_at, system_clock
from alvh_core.grammar.vocabulary import COMMAND_NAMES
from alvh_core.settings import Settings
from bot.assistant import Assistant, Ctx
from bot.market_data import CsvDailyMarks, FirstAvailable, Mark, MarketDataSource, RecordedMarks
from bot.reply import Reply
from bot.services import Services
from bot.store import Store

TEAM = "local"
CHANNEL = "terminal"
QUIT_WORDS = ("quit", "exit", "q")


def plain_text(text: str) -> str:
    """Slack mrkdwn -> plain text: <@U1> -> @U1, <url|label> -> label, *bold*/_italic_/`code` -> words,
    :emoji: names dropped."""
    text = re.sub(r"<@([A-Za-z0-9._-]+)>", r"@\1", text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]+)>", r"#\1", text)
    text = re.sub(r"<(?:https?|mailto):[^|>]*\|([^>]+)>", r"\1", text)
    text = re.sub(r"<((?:https?|mailto):[^>]+)>", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    text = re.sub(r"`([^`\n]*)`", r"\1", text)
    text = re.sub(r":(?:warning|white_check_mark|x|bulb|chart_with_upwards_trend):\s?", "", text)
    return text


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
        self.assistant = Assistant(services, prefix="")
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
        if self.assistant.reads_as_command(text):
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
        if reply.kind != "ack":
            self.assistant.record(self.ctx, thread, question, reply)
        return reply

    def show(self, reply: Reply) -> None:
        if not reply.text:
            return
        print(("! " if reply.status == "error" else "") + plain_text(reply.text), file=self.out)
        for a in reply.assumptions:
            print(f"  ~ {plain_text(a)}", file=self.out)
        print(file=self.out)

    def show_json(self, reply: Reply | None, kind: str | None = None) -> None:
        print(json.dumps(transcript_entry(reply, kind), ensure_ascii=False, default=str), file=self.out, flush=True)

    def answer_json(self, line: str) -> dict[str, Any]:
        """One input line -> its ``alvh chat --json`` object (the corpus test reads the assistant here)."""
        return transcript_entry(self.handle(line))


def transcript_entry(reply: Reply | None, kind: str | None = None) -> dict[str, Any]:
    """The JSON object of one answer: ``kind``, ``understood`` (numbers as numbers), plain ``text``
    (and ``position`` when the answer is about one). No reply (a blank line) is kind ``empty``."""
    obj: dict[str, Any] = {"kind": kind or (reply.kind if reply is not None else "empty"),
                           "understood": dict(reply.understood) if reply is not None else {},
                           "text": plain_text(reply.text) if reply is not None else ""}
    if reply is not None and reply.position_id is not None:
        obj["position"] = reply.position_id
    return obj


def chat(services: Services, user: str, inp: TextIO, out: TextIO, as_json: bool = False) -> int:
    session = ChatSession(services, user, out)
    interactive = inp.isatty() and not as_json
    if interactive:
        print(f"ALVH desk bot. Type 'help', a command ({'/'.join(COMMAND_NAMES)}), "
              "or a question about your position. 'quit' to leave.", file=out)
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line:
            return 0
        if line.strip().lower() in QUIT_WORDS:
            if as_json:
                session.show_json(None, kind="quit")
            return 0
        reply = session.handle(line)
        if as_json:
            session.show_json(reply)
        elif reply is not None:
            session.show(reply)


def terminal_services(db: str, data: str | None, demo: bool = True, clock: Clock = system_clock,
                      compare_paths: int | None = None, asof: dt.date | None = None) -> Services:
    """The chat's services: the SQLite file, recorded marks (then the CSV, then demo marks), one clock;
    ``asof`` freezes that clock at 4:30 pm New York on that date (``alvh chat --asof``)."""
    if asof is not None:
        clock = desk_clock_at(asof)
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


def _asof_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"can't read '{text[:30]}': expected a date like 2026-12-01") from None


def run(args: argparse.Namespace) -> int:
    try:
        services = terminal_services(args.db, args.data, demo=not args.no_demo,
                                     clock=getattr(args, "clock", system_clock), asof=args.asof)
    except (OSError, ValueError) as exc:
        print(f"alvh chat: cannot open {args.db} / data {args.data}: {exc}", file=sys.stderr)
        return 2
    return chat(services, args.user, sys.stdin, sys.stdout, as_json=args.json)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Entry point of group ``alvh.commands`` (``alvh chat``)."""
    p = subparsers.add_parser("chat", help="the Slack assistant in the terminal (same commands and history)",
                              description=(__doc__ or "").split("\n\n")[0])
    settings = Settings()
    p.add_argument("--db", default=settings.alvh_db,
                   help="SQLite file shared with the Slack bot (default: $ALVH_DB or ./alvh.sqlite)")
    p.add_argument("--data", default=settings.alvh_data,
                   help="directory with spx_daily.csv and vix_daily.csv for marks (default: $ALVH_DATA)")
    p.add_argument("--user", default=settings.user or getpass.getuser(), help="who is asking")
    p.add_argument("--no-demo", action="store_true", help="no demo marks when none are recorded")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per input line: kind, understood (values read), text")
    p.add_argument("--asof", type=_asof_arg, default=None,
                   help="fix the clock at this date (4:30 pm New York), e.g. 2026-12-01, to replay a transcript")
    p.set_defaults(func=run)
