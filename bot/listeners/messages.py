"""Thread replies: a message in a thread the bot started is a question about that thread's position.

Messages from bots (the bot itself included), edits and other subtypes are ignored; messages that
@mention the bot are left to the app_mention listener (Slack sends both events). Slack retries an
event when it got no 2xx in time: each event is claimed by ``event_id`` in SQLite (first delivery
wins; a retry whose first delivery never arrived is still answered; a failed answer releases its claim).
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.assistant import Assistant, Ctx
from bot.listeners.delivery import deliver
from bot.services import Services

log = logging.getLogger("bot.messages")


def is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")
                or (bot_user_id and event.get("user") == bot_user_id))


def team_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def answer_in_thread(services: Services, assistant: Assistant, client: WebClient, body: dict[str, Any],
                     event: dict[str, Any], text: str, position_id: int | None, thread_ts: str) -> None:
    """Claim the event, answer the question in ``thread_ts``, release the claim on failure."""
    event_id = str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")
    team = team_of(body, event)
    if not services.store.claim_event(event_id, team):
        log.info("duplicate delivery of %s ignored", event_id)
        return
    ctx = Ctx(team_id=team, user_id=str(event.get("user") or ""), channel_id=str(event.get("channel") or ""))
    try:
        from bot.progress import is_long_question, post_working

        working = post_working(client, ctx.channel_id, ctx.user_id, f'"{text}"', thread_ts) \
            if is_long_question(text) else None
        reply = assistant.question(ctx, position_id, text)
        reply.ephemeral = False  # in a thread everyone sees the conversation
        reply.start_thread = False
        reply.chart = reply.chart and reply.kind == "hedge"  # in a thread, only a new hedge gets a chart
        deliver(client, assistant, ctx, reply, text, thread_ts=thread_ts, working_ts=working)
    except Exception:
        services.store.release_event(event_id)
        raise


def register(app: App, services: Services, assistant: Assistant) -> None:
    def ack_message(ack: Ack) -> None:
        ack()

    def on_message(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any) -> None:
        if event.get("subtype") not in (None, "thread_broadcast"):
            return
        bot_user = context.get("bot_user_id")
        if is_from_bot(event, bot_user):
            return
        if event.get("channel_type") == "im":  # a DM works like a thread (bot.home)
            from bot.home import answer_dm

            answer_dm(services, assistant, client, body, event)
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return
        text = event.get("text") or ""
        if bot_user and f"<@{bot_user}>" in text:
            return  # the app_mention listener answers it
        thread = services.store.thread(team_of(body, event), str(event.get("channel")), str(thread_ts))
        if thread is None:
            return
        answer_in_thread(services, assistant, client, body, event, text, thread["position_id"], str(thread_ts))

    app.event("message")(ack=ack_message, lazy=[on_message])
