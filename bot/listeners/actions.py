"""Buttons on results (size hedge, compare, what-if) and the ``open`` modal's submission.

Both are persisted as jobs at the ack, deduplicated like events: a button click by its
``trigger_id`` (Slack mints one per click; without it, by the click's content), a modal submission by
its view id, so a resent signed payload posts (and opens a position) once. The workspace comes from
``team.id`` or, for org-wide installs that send ``team: null``, from the user, view, or enterprise
(``bot.listeners.work.resolve_team``); a payload naming none is refused.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import core
from bot.assistant import Assistant, Ctx
from bot.jobs import Job
from bot.listeners.commands import budget_problem
from bot.listeners.delivery import deliver, is_transient, working_once
from bot.listeners.work import NO_TEAM, Work, resolve_team
from bot.render import OPEN_FIELDS, OPEN_MODAL_CALLBACK, modal_position_text
from bot.services import Services

log = logging.getLogger("bot.actions")

ACTIONS = {"alvh_hedge": "hedge", "alvh_compare": "compare", "alvh_whatif": "what_if"}


def action_ctx(body: dict[str, Any], team_id: str | None = None) -> Ctx:
    return Ctx(team_id=team_id or resolve_team(body) or "",
               user_id=str((body.get("user") or {}).get("id") or ""),
               channel_id=str((body.get("channel") or {}).get("id") or ""))


def click_key(team: str, body: dict[str, Any]) -> str:
    """The dedupe key of a button click: its trigger id, else a digest of what was clicked where."""
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"action:{team}:{trigger}"
    seen = json.dumps([body.get("actions"), (body.get("user") or {}).get("id"),
                       (body.get("message") or {}).get("ts"), (body.get("container") or {}).get("message_ts")],
                      sort_keys=True, default=str)
    return f"action:{team}:{hashlib.sha256(seen.encode()).hexdigest()[:32]}"


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


def register(app: App, services: Services, assistant: Assistant, work: Work) -> None:
    def ack_button(ack: Ack, body: dict[str, Any]) -> None:
        team = resolve_team(body)
        if team is None:
            ack()
            log.warning("button click without a workspace refused")
            ctx = action_ctx(body)
            work.tell_later(ctx.channel_id, ctx.user_id, NO_TEAM)
            return
        done, line = work.submit("action", click_key(team, body), team, {"body": body})
        ack()
        if line and (done is None or done.outcome == "refused"):
            ctx = action_ctx(body, team)
            work.tell_later(ctx.channel_id, ctx.user_id, line)

    @work.handler("action")
    def run_button(job: Job) -> None:
        body = job.payload["body"]
        action = (body.get("actions") or [{}])[0]
        what = ACTIONS.get(action.get("action_id", ""))
        ctx = action_ctx(body, job.team_id)
        message = body.get("message") or {}
        thread_ts = message.get("thread_ts") or message.get("ts")
        try:
            pid = int(action.get("value"))
        except (TypeError, ValueError):
            return
        client = work.client_for(job.team_id)
        if what == "compare":
            over = budget_problem(services, work, ctx, f"compare {pid}")
            if over:
                client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, text=over, thread_ts=thread_ts)
                return
        label = {"hedge": "hedge sizing", "compare": "comparison", "what_if": "what-if"}.get(what or "", "request")
        working = working_once(client, services.store, ctx, f"{label} for #{pid}", thread_ts)
        with services.store.conversation(ctx.channel_id, thread_ts):
            reply = assistant.button(ctx, what or "", pid)
        reply.start_thread = False
        try:
            deliver(client, assistant, ctx, reply, f"[button] {action.get('action_id')}", thread_ts=thread_ts,
                    working_ts=working)
        except SlackApiError as exc:
            if is_transient(exc):
                raise
            log.warning("button answer refused by Slack: %s", exc.response.get("error"))

    for action_id in ACTIONS:
        app.action(action_id)(ack_button)

    def ack_modal(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, empty = modal_position_text(view.get("state", {}).get("values", {}))
        errors = modal_errors(text, empty, services.today())
        if errors:
            ack(response_action="errors", errors=errors)
            return
        team = resolve_team(body)
        if team is None:
            ack(response_action="errors", errors={"credit": NO_TEAM[:150]})
            return
        view_id = view.get("id") or click_key(team, body).split(":")[-1]
        done, line = work.submit("view", f"view:{team}:{view_id}", team, {"body": body})
        if done is None or done.outcome == "refused":
            ack(response_action="errors", errors={"credit": (line or "refused")[:150]})
        else:
            ack()

    @work.handler("view")
    def run_modal(job: Job) -> None:
        body = job.payload["body"]
        view = body.get("view") or {}
        text, empty = modal_position_text(view.get("state", {}).get("values", {}))
        if modal_errors(text, empty, services.today()):
            return
        ctx = Ctx(team_id=job.team_id, user_id=str((body.get("user") or {}).get("id") or ""),
                  channel_id=str(view.get("private_metadata") or ""))
        reply = assistant.command(ctx, f"open {text}")
        client = work.client_for(job.team_id)
        try:
            deliver(client, assistant, ctx, reply, f"/alvh open {text}")
        except SlackApiError as exc:  # e.g. submitted from a channel the bot is not in: tell the user
            if is_transient(exc):
                raise
            tell_user_directly(client, ctx, reply, str(exc.response.get("error") or "error"))

    app.view(OPEN_MODAL_CALLBACK)(ack_modal)
