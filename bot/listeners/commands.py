"""The ``/alvh`` slash command: acknowledge at once, work lazily, answer in the channel.

``/alvh open`` with no text opens the modal (views.open must use the trigger id within 3 s, so it is
done in the ack function). Everything else is acknowledged with an empty 200 and computed in a lazy
listener: input errors come back ephemerally through the response_url; results are posted in the
channel as Block Kit and start a thread (with the chart in it).
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant, Ctx
from bot.listeners.delivery import deliver
from bot.render import open_modal
from bot.services import Services

log = logging.getLogger("bot.commands")


def command_ctx(body: dict[str, Any]) -> Ctx:
    return Ctx(team_id=str(body.get("team_id") or ""), user_id=str(body.get("user_id") or ""),
               channel_id=str(body.get("channel_id") or ""))


def wants_modal(text: str) -> bool:
    return text.strip().lower() == "open"


def register(app: App, services: Services, assistant: Assistant) -> None:
    def ack_alvh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if wants_modal(body.get("text") or ""):
            client.views_open(trigger_id=body["trigger_id"], view=open_modal(body.get("channel_id", "")))

    def run_alvh(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (body.get("text") or "").strip()
        if wants_modal(text):
            return
        ctx = command_ctx(body)
        # Slack does not nonce requests: a captured signed body can be replayed inside the 5-minute
        # window. Each command is run once per (team, trigger_id) (Slack mints a trigger id per
        # invocation), so a replay is acknowledged and ignored.
        trigger = body.get("trigger_id")
        if trigger and not services.store.claim_event(f"command:{ctx.team_id}:{trigger}", ctx.team_id):
            log.info("replayed /alvh command ignored (trigger %s)", trigger)
            return
        from bot.progress import is_long_command, post_working

        working = post_working(client, ctx.channel_id, ctx.user_id, f"/alvh {text}") if is_long_command(text, services.today()) else None
        try:
            reply = assistant.command(ctx, text)
        except Exception as exc:  # a bug: tell the user in one line, keep the trace in the log
            log.exception("/alvh %s failed", text)
            if working is not None:
                client.chat_update(channel=ctx.channel_id, ts=working,
                                   text=f"Sorry, <@{ctx.user_id}>'s request failed inside the bot ({type(exc).__name__}).")
            respond(response_type="ephemeral", text=f"Sorry, that failed inside the bot ({type(exc).__name__}).")
            return
        try:
            deliver(client, assistant, ctx, reply, f"/alvh {text}", respond=respond, working_ts=working)
        except SlackApiError as exc:  # e.g. the bot is not in a private channel: say so, in one line
            error = exc.response.get("error", "error")
            log.warning("/alvh %s: Slack refused the post (%s)", text, error)
            respond(response_type="ephemeral",
                    text=f"Slack refused the post ({error}). Invite the bot to this channel (/invite @alvh) and retry.")

    app.command("/alvh")(ack=ack_alvh, lazy=[run_alvh])
