"""Progress in Slack: long work first posts a short "working..." message, then the answer replaces it
in place (``chat.update``, through ``deliver(..., working_ts=...)``), so nothing waits silently.

``is_long_command(text)`` / ``is_long_question(text)`` say which requests run an engine long enough to
deserve it (compare, hedge sizing, status/open with their chart, what-if, "should I leg out?").
``post_working`` returns the message ts, or None when Slack refused it (the answer is then posted
normally). ``asked_by_block`` is the context line that says who asked.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("bot.progress")

LONG_COMMANDS = {"compare", "hedge", "status", "open"}
LONG_QUESTIONS = {"should_leg_out", "hedge_size", "what_if", "greeks"}


def is_long_command(text: str, asof: Any = None) -> bool:
    """A command that runs an engine (and parses: a typo gets its usage at once, privately)."""
    words = (text or "").strip().lower().split()
    if not words or words[0] not in LONG_COMMANDS:
        return False
    if words[0] == "open" and len(words) == 1:
        return False  # opens the form
    if words[0] == "hedge" and any(w in ("bought", "sold", "buy", "sell") for w in words[1:3]):
        return False
    if asof is not None:
        from bot import core

        try:
            core.parse_command(text, asof)
        except Exception:  # noqa: BLE001 - unreadable: the usage comes back quickly
            return False
    return True


def is_long_question(text: str) -> bool:
    from bot import core

    try:
        return core.parse_question(text).kind in LONG_QUESTIONS
    except Exception:  # noqa: BLE001 - a question the grammar cannot read is answered quickly
        return False


def working_text(user_id: str, what: str) -> str:
    return f":hourglass_flowing_sand: working on <@{user_id}>'s {what[:80]}..."


def post_working(client: WebClient, channel: str, user_id: str, what: str, thread_ts: str | None = None) -> str | None:
    """Post the "working..." message; its ts, or None when Slack refused (e.g. not in the channel)."""
    try:
        resp = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=working_text(user_id, what))
        return str(resp["ts"])
    except SlackApiError as exc:
        log.info("no working message in %s (%s)", channel, exc.response.get("error"))
        return None


def asked_by_block(user_id: str, question: str) -> dict[str, Any]:
    q = " ".join(str(question).split())[:200].replace("`", "'")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"asked by <@{user_id}>: `{q}`"}]}
