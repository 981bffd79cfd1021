"""One vocabulary for Slack and the terminal, table-driven dispatch, ``alvh chat --json`` and plain text."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import typing

import pytest

from alvh_core.grammar import Question, parse_command
from alvh_core.grammar.commands import PARSERS
from alvh_core.grammar.vocabulary import COMMAND_NAMES, COMMANDS, command_name, usage
from bot.assistant import COMMAND_HANDLERS, QUESTION_HANDLERS, Assistant, Ctx
from bot.market_data import RecordedMarks
from bot.reply import Reply
from bot.services import Services
from bot.store import Store
from bot.terminal import ChatSession, plain_text, terminal_services

ASOF = dt.date(2026, 12, 1)


def test_every_table_names_the_same_commands_and_question_kinds() -> None:
    assert tuple(PARSERS) == COMMAND_NAMES == tuple(COMMAND_HANDLERS)
    union = typing.get_args(typing.get_args(Question)[0])
    kinds = {typing.get_args(m.model_fields["kind"].annotation)[0] for m in union}
    assert kinds == set(QUESTION_HANDLERS)
    words = [w for c in COMMANDS for w in (c.name, *c.aliases)]
    assert len(words) == len(set(words))  # no alias claimed twice


@pytest.mark.parametrize("alias, name", [(a, c.name) for c in COMMANDS for a in c.aliases])
def test_every_alias_reaches_its_command(alias: str, name: str) -> None:
    assert command_name(alias.upper() if alias.isalpha() else alias) == name
    args = {"open": " SPX IC 5600/5650/6150/6200 45DTE x10 @4.80", "mark": " spot 5712 vix 24.3"}.get(name, "")
    assert parse_command(alias + args, ASOF).kind == name


def test_usage_is_one_text_with_the_surface_prefix() -> None:
    slack, term = usage("mark"), usage("mark", prefix="")
    assert slack == "/alvh " + term and term.startswith("mark spot 5712 vix 24.3")


def _assistant(tmp_path: typing.Any, prefix: str) -> Assistant:
    store = Store(tmp_path / f"v{len(prefix)}.sqlite")
    now = dt.datetime(2026, 12, 1, 21, 30, tzinfo=dt.UTC)
    return Assistant(Services(store=store, market_data=RecordedMarks(store), clock=lambda: now), prefix=prefix)


def test_slack_and_terminal_share_aliases_and_usage(tmp_path: typing.Any) -> None:
    slack, term = _assistant(tmp_path, "/alvh "), _assistant(tmp_path, "")
    ctx = Ctx("T1", "U1", "C1")
    for a in (slack, term):
        assert a.command(ctx, "mark spot 5712 vix 24.3").kind == "mark"
        assert a.command(ctx, "add SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80").kind == "open"
        assert a.command(ctx, "new SPX IC 5500/5550/6150/6200 2026-12-18 x5 @4.00").kind == "open"
        assert a.command(ctx, "ls").text.count("SPX 2026-12-18") == 2
        assert a.command(ctx, "positions").kind == "list"
        assert a.command(ctx, "show 1").position_id == 1
    assert "/alvh mark spot" in slack.command(ctx, "mark spot 1 2 3").text
    bad = term.command(ctx, "mark spot 1 2 3").text
    assert "Usage: mark spot" in bad and "/alvh" not in bad


def test_chat_prints_plain_text_and_aliases_are_commands(tmp_path: typing.Any) -> None:
    services = terminal_services(str(tmp_path / "p.sqlite"), None, asof=ASOF)
    out = io.StringIO()
    session = ChatSession(services, "trader1", out)
    for line in ("mark spot 5712 vix 24.3", "add SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80", "ls",
                 "show 1", "help", "close 1", "thanks!"):
        reply = session.handle(line)
        assert reply is not None
        session.show(reply)
    text = out.getvalue()
    assert "recorded by @trader1" in text and "Closed by: @trader1 at 2026-12-01 16:30 ET" in text
    assert "<@" not in text and "*" not in text and "/alvh" not in text and ":warning:" not in text
    assert text.count("#1  SPX 2026-12-18") == 1 and "Short deltas" in text


def test_plain_text_removes_slack_markup() -> None:
    assert plain_text("*Verdict:* hold, by <@U1> in <#C1|desk> see <https://x.y|docs> `code` _note_") == \
        "Verdict: hold, by @U1 in #desk see docs code note"
    assert plain_text("vix_call_spread stays") == "vix_call_spread stays"


def test_small_talk_is_not_posted_in_slack(tmp_path: typing.Any) -> None:
    from bot.listeners.delivery import deliver

    class NoCalls:
        def __getattr__(self, name: str) -> typing.Any:
            raise AssertionError(f"Slack API called: {name}")

    a = _assistant(tmp_path, "/alvh ")
    ctx = Ctx("T1", "U1", "C1")
    reply = a.question(ctx, None, "thanks!")
    assert reply == Reply(kind="ack", title="", text="")
    assert deliver(NoCalls(), a, ctx, reply, "thanks!", thread_ts="1.2") == "1.2"  # type: ignore[arg-type]


def test_alvh_chat_json_one_object_per_line_and_replayable(tmp_path: typing.Any) -> None:
    lines = ["mark spot 5712 vix 24.3", "open SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80",
             "down 5% and vix up 10 next friday", "", "thanks!", "hedge 20 lots with vxm", "what if up 10",
             "mark spot 5 712 vix 24.3", "frobnicate the widget"]
    stdin = "\n".join(lines) + "\n"

    def run(db: str) -> list[dict[str, typing.Any]]:
        env = {**os.environ, "ALVH_CHAT_COMPARE_PATHS": "200"}
        p = subprocess.run([sys.executable, "-c", "from alvh_core.cli import main; raise SystemExit(main())",
                            "chat", "--json", "--asof", "2026-12-01", "--db", db, "--no-demo"],
                           input=stdin, capture_output=True, text=True, env=env, timeout=300)
        assert p.returncode == 0, p.stderr
        out = p.stdout.splitlines()
        assert len(out) == len(lines)
        return [json.loads(x) for x in out]

    first = run(str(tmp_path / "a.sqlite"))
    assert [o["kind"] for o in first] == ["mark", "open", "what_if", "empty", "ack", "hedge", "clarify", "error",
                                          "unknown"]
    assert first[2]["understood"] == {"spot": pytest.approx(5426.4), "vix": pytest.approx(34.3),
                                      "date": "2026-12-04", "days": 3, "condors": 10}
    assert first[5]["understood"]["condors"] == 20 and first[5]["understood"]["instrument"] == "vxm"
    assert first[3]["text"] == "" and first[4]["text"] == ""
    assert run(str(tmp_path / "b.sqlite")) == first   # --asof fixes the clock: the same transcript again


def test_asof_must_be_a_date() -> None:
    p = subprocess.run([sys.executable, "-c", "from alvh_core.cli import main; raise SystemExit(main())",
                        "chat", "--json", "--asof", "next tuesday"], input="", capture_output=True, text=True,
                       timeout=120)
    assert p.returncode != 0 and "expected a date like 2026-12-01" in p.stderr and "Traceback" not in p.stderr


def test_slash_command_text_that_is_a_question_is_answered_and_state_changes_are_never_rerouted(
        tmp_path: typing.Any) -> None:
    a = _assistant(tmp_path, "/alvh ")
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5712 vix 24.3")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80")
    what = a.command(ctx, "what if spx 5600")
    assert what.kind == "what_if" and what.understood["spot"] == 5600 and what.position_id == 1
    hedge = a.command(ctx, "hedge 20 lots with vxm")
    assert hedge.kind == "hedge" and hedge.understood["instrument"] == "vxm" and hedge.understood["condors"] == 20
    assert a.command(ctx, "hedge with vx and vxm").kind == "clarify"
    # a mark with a stray word stays a refused mark (never a what-if at those levels), nothing stored
    bad = a.command(ctx, "mark spot 5600 vix 30 tomorrow")
    assert bad.kind == "error" and "Usage: /alvh mark" in bad.text
    assert a.s.store.latest_mark("T1")["spot"] == 5712
    # a status with a number it cannot read is refused, not answered as the status of another position
    assert a.command(ctx, "status 5 days").kind == "error"
    assert a.command(ctx, "frobnicate").kind == "error"


def test_slack_shows_what_was_understood_first(tmp_path: typing.Any) -> None:
    from bot.render import message_payload

    a = _assistant(tmp_path, "/alvh ")
    ctx = Ctx("T1", "U1", "C1")
    a.command(ctx, "mark spot 5712 vix 24.3")
    a.command(ctx, "open SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80")
    for question in ("down 5% and vix up 10 next friday", "hedge 20 lots", "are we tested?"):
        blocks = message_payload(a.question(ctx, 1, question))["blocks"]
        assert blocks[1]["text"]["text"].startswith("Understood: ")
        assert sum("Understood:" in str(b) for b in blocks) == 1


def test_thread_lines_that_change_state_are_commands_with_the_threads_position() -> None:
    from bot.assistant.commands import thread_command_text

    assert thread_command_text("close at 3.20", 3) == "close 3 at 3.20"
    assert thread_command_text("close 1 at 3.20", 3) == "close 1 at 3.20"  # an explicit id is kept
    assert thread_command_text("edit credit 15", 3) == "edit 3 credit 15"
    assert thread_command_text("hedge bought 5 vix 22/32 jan @1.95", 3) == "hedge 3 bought 5 vix 22/32 jan @1.95"
    assert thread_command_text("mark spot 5712 vix 24.3", 3) == "mark spot 5712 vix 24.3"
    # questions stay questions: a "?", read-only words, the roll question, hedge sizing
    for q in ("close?", "what does it cost to close", "roll the put side down 50", "hedge 20 lots with vxm",
              "greeks", "what if spx 5600"):
        assert thread_command_text(q, 3) is None, q
    # outside a position's own thread no id is filled in: the command keeps its usage error
    assert thread_command_text("close at 3.20", None) == "close at 3.20"


def test_a_sentence_that_records_a_condor_is_open_everywhere(tmp_path: typing.Any) -> None:
    """"I sold SPX ..." is ``open SPX ...`` in the grammar, in a thread, in a DM and in ``alvh chat``; a question
    that mentions selling stays a question, and a sentence with an unreadable condor gets open's usage error."""
    from alvh_core.grammar.vocabulary import command_text
    from bot.assistant.commands import thread_command_text

    line = "I sold SPX 2026-12-18 5600/5650P 6150/6200C x10 @13.80"
    assert command_text(line) == "open SPX 2026-12-18 5600/5650P 6150/6200C x10 @13.80"
    ref = parse_command("open SPX 2026-12-18 5600/5650P 6150/6200C x10 @13.80", ASOF)
    for text in (line, "we sold 10 SPX 2026-12-18 5600/5650P 6150/6200C @13.80",
                 "I’ve just opened SPX IC 5600/5650/6150/6200 2026-12-18 x10 @13.8", "sold spx 17DTE 5600/5650/6150/6200 x10 @13.8"):
        assert parse_command(text, ASOF) == ref, text
    for q in ("what if I sold more?", "I sold 10 vix calls", "should I leg out", "sold"):
        assert command_text(q) == q
    assert thread_command_text(line, 3) == command_text(line)
    services = terminal_services(str(tmp_path / "s.sqlite"), None, asof=ASOF)
    session = ChatSession(services, "trader1", io.StringIO())
    reply = session.handle(line)
    assert reply is not None and reply.kind == "open" and reply.status != "error"
    row = services.store.position(session.ctx.team_id, reply.position_id or 0)
    stored = services.store.condor_of(row) if row is not None else None
    assert stored is not None and stored.model_copy(update={"opened": None}) == ref.position  # type: ignore[attr-defined]
    bad = session.handle("I sold SPX 2026-12-18 5600/5650Q 6150/6200C x10 @13.80")
    assert bad is not None and bad.status == "error" and "5600/5650Q" in bad.text and "open SPX" in bad.text
