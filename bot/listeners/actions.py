"""Buttons on results (size hedge, compare, what-if) and the ``open`` modal's submission."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import core
from bot.assistant import Assistant, Ctx
from bot.listeners.delivery import deliver
from bot.render import OPEN_FIELDS, OPEN_MODAL_CALLBACK, modal_position_text
from bot.services import Services

log = logging.getLogger("bot.actions")

ACTIONS = {"alvh_hedge": "hedge", "alvh_compare": "compare", "alvh_whatif": "what_if"}


def action_ctx(body: dict[str, Any]) -> Ctx:
    return Ctx(team_id=str((body.get("team") or {}).get("id") or body.get("team_id") or ""),
               user_id=str((body.get("user") or {}).get("id") or ""),
               channel_id=str((body.get("channel") or {}).get("id") or ""))


def modal_errors(text: str, empty: dict[str, str], asof: Any) -> dict[str, str]:
    """Per-field errors of the modal: empty fields, else the grammar's message on the field it names."""
    if empty:
        return empty
    try:
        core.parse_position(text, asof)
    except (core.GrammarError, ValueError) as exc:
        from bot.assistant import input_error_text

        msg = input_error_text(exc)[:150]
        low = msg.lower()
        for key, _label, _ in OPEN_FIELDS:
            words = key.replace("_", " ")
            if words in low or key in low:
                return {key: msg}
        for key, needle in (("credit", "credit"), ("quantity", "quantit"), ("expiry", "expir"),
                            ("expiry", "dte"), ("long_put", "strike")):
            if needle in low:
                return {key: msg}
        return {"credit": msg}
    return {}


def tell_user_directly(client: WebClient, ctx: Ctx, reply: Any, error: str) -> None:
    """Answer in the user's DM with the bot when the channel refused the post, saying why."""
    from bot.render import message_payload

    why = (f"I could not post in <#{ctx.channel_id}> ({error})"
           + (": invite me there with `/invite @alvh`" if error in ("not_in_channel", "channel_not_found") else "")
           + ". Here is the answer" + (" (the position is recorded)." if reply.kind == "open" else "."))
    dm = reply.model_copy(update={"warning": f":warning: {why}", "text": f"{why}\n{reply.text}"})
    try:
        client.chat_postMessage(channel=ctx.user_id, **message_payload(dm))
    except SlackApiError:
        log.exception("could not tell user %s why the post failed (%s)", ctx.user_id, error)


def register(app: App, services: Services, assistant: Assistant) -> None:
    def ack_button(ack: Ack) -> None:
        ack()

    def run_button(body: dict[str, Any], client: WebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        what = ACTIONS.get(action.get("action_id", ""))
        ctx = action_ctx(body)
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts")
        try:
            pid = int(action.get("value"))
        except (TypeError, ValueError):
            return
        from bot.progress import post_working

        label = {"hedge": "hedge sizing", "compare": "comparison", "what_if": "what-if"}.get(what or "", "request")
        working = post_working(client, ctx.channel_id, ctx.user_id, f"{label} for #{pid}", thread_ts)
        reply = assistant.button(ctx, what or "", pid)
        reply.start_thread = False
        deliver(client, assistant, ctx, reply, f"[button] {action.get('action_id')}", thread_ts=thread_ts,
                working_ts=working)

    for action_id in ACTIONS:
        app.action(action_id)(ack=ack_button, lazy=[run_button])

    def ack_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, empty = modal_position_text(view.get("state", {}).get("values", {}))
        errors = modal_errors(text, empty, services.today())
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def run_modal(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        text, empty = modal_position_text(view.get("state", {}).get("values", {}))
        if modal_errors(text, empty, services.today()):
            return
        ctx = Ctx(team_id=str((body.get("team") or {}).get("id") or ""),
                  user_id=str((body.get("user") or {}).get("id") or ""),
                  channel_id=str(view.get("private_metadata") or ""))
        reply = assistant.command(ctx, f"open {text}")
        try:
            deliver(client, assistant, ctx, reply, f"/alvh open {text}")
        except SlackApiError as exc:  # e.g. submitted from a channel the bot is not in: tell the user
            tell_user_directly(client, ctx, reply, str(exc.response.get("error") or "error"))

    app.view(OPEN_MODAL_CALLBACK)(ack=ack_modal, lazy=[run_modal])
