"""Posting a ``Reply`` to Slack: ephemeral errors, channel results that start a thread, the chart.

``deliver`` is shared by every listener and by the daily scheduler, so a result looks the same
whichever way it was asked for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant, Ctx
from bot.render import message_payload
from bot.reply import Reply

log = logging.getLogger("bot.delivery")

#: replies that change a position: posted into that position's thread (and broadcast to the channel)
LIFECYCLE_KINDS = {"close", "edit", "rolled", "hedge_bought"}


def deliver(client: WebClient, assistant: Assistant, ctx: Ctx, reply: Reply, question: str,
            thread_ts: str | None = None, respond: Callable[..., Any] | None = None,
            working_ts: str | None = None) -> str | None:
    """Show ``reply`` to the user; returns the ts of the thread it lives in (None for ephemeral).

    Ephemeral replies (usage, input errors) go through ``respond`` (the slash command's response_url)
    or chat.postEphemeral, and nothing is stored. Other replies are posted in the channel (or in
    ``thread_ts``); a result that starts a thread links the thread to its position; the exchange is
    stored; the chart, when asked for, is uploaded into the thread.
    """
    if reply.kind == "ack" and not reply.text:
        return thread_ts  # small talk ("thanks", "ok"): nothing to post, nothing to store
    broadcast = False
    if thread_ts is None and reply.position_id is not None and reply.kind in LIFECYCLE_KINDS:
        # a change to a position goes into the position's thread (its history), shown in the channel too
        thread_ts = assistant.s.store.position_thread(ctx.team_id, ctx.channel_id, reply.position_id)
        broadcast = thread_ts is not None
        if broadcast:
            reply = reply.model_copy(update={"start_thread": False})
    payload = message_payload(reply)
    if broadcast:
        payload["reply_broadcast"] = True
    if working_ts is not None and reply.ephemeral:  # the "working..." message goes; the error is private
        try:
            client.chat_delete(channel=ctx.channel_id, ts=working_ts)
        except SlackApiError:
            log.warning("could not delete the working message %s", working_ts)
    if not reply.ephemeral and ctx.user_id:  # in a channel, say who asked
        from bot.progress import asked_by_block

        blocks = payload["blocks"]
        payload["blocks"] = [*blocks[:1], asked_by_block(ctx.user_id, question), *blocks[1:]][:50]
        payload["text"] = f"{payload['text']}\n(asked by <@{ctx.user_id}>)"[:3000]
    if reply.ephemeral:
        if respond is not None:
            respond(response_type="ephemeral", replace_original=False, **payload)
        else:
            client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, thread_ts=thread_ts, **payload)
        return None
    try:
        if working_ts is not None:  # replace "working..." in place with the answer
            resp = client.chat_update(channel=ctx.channel_id, ts=working_ts, **payload)
            resp = {"ts": working_ts}
        else:
            resp = client.chat_postMessage(channel=ctx.channel_id, thread_ts=thread_ts, **payload)
    except SlackApiError as exc:
        if respond is not None and exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            respond(response_type="in_channel", **payload)
            assistant.record(ctx, None, question, reply)
            return None
        raise
    ts = str(resp["ts"])
    home = thread_ts or ts
    if thread_ts is None and reply.start_thread:
        assistant.s.store.link_thread(ctx.team_id, ctx.channel_id, ts, reply.position_id, reply.kind)
    assistant.record(ctx, home, question, reply)
    if reply.chart and assistant.s.charts and reply.position_id is not None:
        try:
            png = assistant.chart_png(ctx, reply)
            if png:
                client.files_upload_v2(channel=ctx.channel_id, thread_ts=home, content=png,
                                       filename=f"alvh-{reply.position_id}-pnl.png",
                                       title=f"P&L of #{reply.position_id} at expiry and today")
        except Exception:  # a chart must never hide the answer
            log.exception("chart upload failed for position %s", reply.position_id)
    try:  # marks or positions changed: the Home tab follows
        from bot.home import refresh_after

        refresh_after(client, assistant, ctx.team_id, ctx.user_id, reply.kind)
    except Exception:
        log.exception("Home tab refresh failed")
    return home
