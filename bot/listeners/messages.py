"""Thread replies: a message in a thread the bot started is a question about that thread's position.

Messages from bots (the bot itself included), edits and other subtypes are ignored; messages that
@mention the bot are left to the app_mention listener (Slack sends both events). The ack persists a
job keyed ``event:<team>:<event_id>``: Slack's retries of an event are duplicates of that job (answered
once, by the first delivery's job, even when the bot crashed after acknowledging it: the job is
re-run after a restart), and a retry whose first delivery never arrived creates the job.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant, Ctx
from bot.jobs import Job
from bot.listeners.delivery import deliver, is_transient, working_once
from bot.listeners.work import NO_TEAM, Work, resolve_team
from bot.services import Services

log = logging.getLogger("bot.messages")


def is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")
                or (bot_user_id and event.get("user") == bot_user_id))


def team_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    return resolve_team(body) or ""


def submit_event(work: Work, kind: str, body: dict[str, Any], event: dict[str, Any], extra: dict[str, Any]) -> None:
    """Persist the event as a job (the ack follows). Refusals and save failures are told to the user
    from a short-lived thread (an event's ack cannot carry text; no Web API call inside the ack)."""
    team = resolve_team(body)
    channel, user = str(event.get("channel") or ""), str(event.get("user") or "")
    thread_ts = str(event.get("thread_ts") or event.get("ts") or "") or None
    if team is None:
        log.warning("event without a workspace refused")
        work.tell_later(channel, user, NO_TEAM, thread_ts)
        return
    event_id = str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")
    done, line = work.submit(kind, f"event:{team}:{event_id}", team, {"body": body, **extra})
    if line and (done is None or done.outcome == "refused"):
        work.tell_later(channel, user, line, thread_ts)


def answer_in_thread(services: Services, assistant: Assistant, client: WebClient, job: Job,
                     text: str, position_id: int | None, thread_ts: str, its_thread: bool = True) -> None:
    """Answer the question (or run the command) of an event job in ``thread_ts`` (history scoped to that
    thread). ``its_thread``: the text was typed in ``position_id``'s own thread (an id left out of a command
    is then that position's)."""
    event = job.payload["body"].get("event") or {}
    ctx = Ctx(team_id=job.team_id, user_id=str(event.get("user") or ""), channel_id=str(event.get("channel") or ""))
    scope_thread = str(event["thread_ts"]) if event.get("thread_ts") else None
    from bot.progress import is_long_question

    working = working_once(client, services.store, ctx, f'"{text}"', thread_ts) if is_long_question(text) else None
    with services.store.conversation(ctx.channel_id, scope_thread):
        reply = assistant.in_thread(ctx, position_id, text, its_thread)  # "close at 3.20" closes; anything else is asked
    reply.ephemeral = False  # in a thread everyone sees the conversation
    reply.start_thread = False
    reply.chart = reply.chart and reply.kind == "hedge"  # in a thread, only a new hedge gets a chart
    try:
        deliver(client, assistant, ctx, reply, text, thread_ts=thread_ts, working_ts=working)
    except SlackApiError as exc:
        if is_transient(exc):
            raise  # retried by the pool; the post is keyed, so it lands once
        log.warning("thread answer refused by Slack: %s", exc.response.get("error"))


def register(app: App, services: Services, assistant: Assistant, work: Work) -> None:
    def ack_message(ack: Ack, body: dict[str, Any], context: Any) -> None:
        event = body.get("event") or {}
        bot_user = context.get("bot_user_id")
        thread_ts = event.get("thread_ts")
        text = event.get("text") or ""
        if (event.get("channel_type") == "im" and event.get("subtype") in (None, "thread_broadcast")
                and not is_from_bot(event, bot_user)):
            submit_event(work, "dm", body, event, {"bot_user_id": bot_user})  # a DM works like a thread
        elif (event.get("subtype") in (None, "thread_broadcast") and not is_from_bot(event, bot_user)
                and thread_ts and thread_ts != event.get("ts") and not (bot_user and f"<@{bot_user}>" in text)
                and services.store.thread(team_of(body, event), str(event.get("channel")), str(thread_ts))):
            submit_event(work, "message", body, event, {"bot_user_id": bot_user})
        ack()

    @work.handler("dm")
    def on_dm(job: Job) -> None:
        from bot.home import answer_dm

        body = job.payload["body"]
        event = body.get("event") or {}
        # the job is the dedupe (its key is the event id): answer_dm's own claim is released first, so
        # a retry of this job after a crash is answered rather than taken for a duplicate
        services.store.release_event(str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"))
        answer_dm(services, assistant, work.client_for(job.team_id), body, event)

    @work.handler("message")
    def on_message(job: Job) -> None:
        event = job.payload["body"].get("event") or {}
        thread_ts = str(event.get("thread_ts"))
        thread = services.store.thread(job.team_id, str(event.get("channel")), thread_ts)
        if thread is None:
            return
        answer_in_thread(services, assistant, work.client_for(job.team_id), job, event.get("text") or "", thread["position_id"],
                         thread_ts)

    app.event("message")(ack_message)
