"""Posting a ``Reply`` to Slack: ephemeral errors, channel results that start a thread, the chart.

``deliver`` is shared by every listener, so a result looks the same whichever way it was asked for.
Run inside a job (``bot.jobs.job_scope``), every post is keyed by the job and its order in it and goes
through ``bot.jobs.post_once``: a job retried after a crash or a transient failure never posts the same
answer twice; outside a job it posts directly.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant, Ctx
from bot.jobs import current_scope, post_once
from bot.render import message_payload
from bot.reply import Reply

log = logging.getLogger("bot.delivery")

#: Slack errors worth retrying (the job is run again later); every other error is final.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
                    "team_added_to_org"}


def is_transient(exc: SlackApiError) -> bool:
    return exc.response.get("error") in TRANSIENT_ERRORS or exc.response.status_code >= 500


def _once(assistant: Assistant, what: str, send: Callable[[], Any]) -> None:
    """Run ``send`` at most once per key of the current job (a post that cannot carry metadata:
    ephemeral replies, files). A crash between the send and its record sends it again (at least once)."""
    scope = current_scope()
    if scope is None:
        send()
        return
    store = assistant.s.store
    key = scope.next_key(what)
    record = store.post_record(key)
    if record is not None and record["status"] == "posted":
        return
    store.post_sending(key, "", "", None, assistant.s.clock().timestamp())
    send()
    store.post_done(key, "-", assistant.s.clock().isoformat(timespec="seconds"))


def post_message(client: WebClient, assistant: Assistant, ctx: Ctx, thread_ts: str | None,
                 payload: dict[str, Any]) -> str:
    """chat.postMessage, once per job step (``post_once``) inside a job; returns the message ts."""
    scope = current_scope()
    if scope is None:
        return str(client.chat_postMessage(channel=ctx.channel_id, thread_ts=thread_ts, **payload)["ts"])
    ts, _ = post_once(client, assistant.s.store, scope.next_key("msg"), team_id=ctx.team_id,
                      channel=ctx.channel_id, thread_ts=thread_ts, **payload)
    return ts


def deliver(client: WebClient, assistant: Assistant, ctx: Ctx, reply: Reply, question: str,
            thread_ts: str | None = None, respond: Callable[..., Any] | None = None) -> str | None:
    """Show ``reply`` to the user; returns the ts of the thread it lives in (None for ephemeral).

    Ephemeral replies (usage, input errors) go through ``respond`` (the slash command's response_url)
    or chat.postEphemeral, and nothing is stored. Other replies are posted in the channel (or in
    ``thread_ts``); a result that starts a thread links the thread to its position; the exchange is
    stored; the chart, when asked for, is uploaded into the thread.
    """
    payload = message_payload(reply)
    if reply.ephemeral:
        if respond is not None:
            _once(assistant, "respond", lambda: respond(response_type="ephemeral", replace_original=False,
                                                        **payload))
        else:
            _once(assistant, "ephemeral", lambda: client.chat_postEphemeral(
                channel=ctx.channel_id, user=ctx.user_id, thread_ts=thread_ts, **payload))
        return None
    try:
        ts = post_message(client, assistant, ctx, thread_ts, payload)
    except SlackApiError as exc:
        if respond is not None and exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            _once(assistant, "respond", lambda: respond(response_type="in_channel", **payload))
            assistant.record(ctx, None, question, reply)
            return None
        raise
    home = thread_ts or ts
    if thread_ts is None and reply.start_thread:
        assistant.s.store.link_thread(ctx.team_id, ctx.channel_id, ts, reply.position_id, reply.kind)
    assistant.record(ctx, home, question, reply)
    if reply.chart and assistant.s.charts and reply.position_id is not None:
        try:
            png = assistant.chart_png(ctx, reply)
            if png:
                _once(assistant, "file", lambda: client.files_upload_v2(
                    channel=ctx.channel_id, thread_ts=home, content=png,
                    filename=f"alvh-{reply.position_id}-pnl.png",
                    title=f"P&L of #{reply.position_id} at expiry and today"))
        except Exception:  # a chart must never hide the answer
            log.exception("chart upload failed for position %s", reply.position_id)
    return home
