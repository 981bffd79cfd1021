"""The ``/alvh`` slash command: persist it as a job, acknowledge, answer from a worker.

The ack writes the job (dedupe key ``command:<team>:<trigger_id>``: Slack mints a trigger per
invocation, so a replayed signed body is acknowledged and not run again) and returns at once; its body
carries an ephemeral line only when the request is refused, queued behind others, over the budget, or
could not be saved. ``/alvh open`` with no text opens the modal from a worker (priority job: Slack's
trigger lives 3 s). Input errors come back ephemerally through the response_url; results are posted in
the channel once (``post_once``) and start a thread.
"""
from __future__ import annotations

import logging
import sqlite3
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError

from bot import core
from bot.assistant import Assistant, Ctx
from bot.jobs import Job
from bot.listeners.delivery import deliver, working_once
from bot.listeners.work import NO_TEAM, Work, could_not_save, resolve_team
from bot.render import open_modal
from bot.services import Services

log = logging.getLogger("bot.commands")

#: Modal jobs jump the queue: Slack's trigger_id expires 3 s after the command.
MODAL_PRIORITY = 10


def command_ctx(body: dict[str, Any], team_id: str | None = None) -> Ctx:
    return Ctx(team_id=team_id or str(body.get("team_id") or ""), user_id=str(body.get("user_id") or ""),
               channel_id=str(body.get("channel_id") or ""))


def wants_modal(text: str) -> bool:
    return text.strip().lower() == "open"


def responder(body: dict[str, Any]) -> Respond:
    return Respond(response_url=body.get("response_url") or None)


def budget_problem(services: Services, work: Work, ctx: Ctx, text: str) -> str | None:
    """Over the per-request budget? (paths at the ack; paths x days to expiry once the position is known)."""
    try:
        cmd = core.parse_command(text, services.today())
    except Exception:  # noqa: BLE001 - the assistant explains input errors
        return None
    if cmd.kind != "compare":
        return None
    paths = getattr(cmd, "paths", None) or services.compare_paths
    pid = getattr(cmd, "id", None)
    store = services.store
    row = (store.position(ctx.team_id, int(pid)) if pid is not None else
           store.latest_open_position(ctx.team_id, ctx.user_id, ctx.channel_id)
           or store.latest_open_position(ctx.team_id, ctx.user_id) or store.latest_open_position(ctx.team_id))
    if row is None:
        return work.budget.paths_problem(paths)
    days = store.condor_of(row).dte(services.today())
    return work.budget.compare_problem(paths, days)


def register(app: App, services: Services, assistant: Assistant, work: Work) -> None:
    def ack_alvh(ack: Ack, body: dict[str, Any]) -> None:
        text = (body.get("text") or "").strip()
        team = resolve_team(body)
        if team is None:
            ack(text=NO_TEAM)
            return
        try:
            cmd = core.parse_command(text, services.today()) if text.lower().startswith("compare") else None
        except Exception:  # noqa: BLE001 - the worker's assistant answers input errors
            cmd = None
        over = work.budget.paths_problem(getattr(cmd, "paths", None)) if cmd is not None else None
        if over:
            ack(text=over)  # refused at once, nothing queued
            return
        trigger = body.get("trigger_id") or f"{body.get('user_id')}:{body.get('channel_id')}:{text}"
        kind = "modal" if wants_modal(text) else "command"
        _, line = work.submit(kind, f"command:{team}:{trigger}", team, {"body": body},
                              priority=MODAL_PRIORITY if kind == "modal" else 0)
        if line:
            ack(text=line)
        else:
            ack()

    @work.handler("modal")
    def run_modal_open(job: Job) -> None:
        body = job.payload["body"]
        client = work.client_for(job.team_id)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=open_modal(body.get("channel_id", "")))
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            log.warning("views.open failed: %s", error)
            responder(body)(response_type="ephemeral", replace_original=False,
                            text=f"The form could not open ({error}): type `/alvh open` again, or give the "
                                 "position inline: `/alvh open SPX IC 5600/5650/6150/6200 45DTE x10 @17`.")

    @work.handler("command")
    def run_alvh(job: Job) -> None:
        body = job.payload["body"]
        client = work.client_for(job.team_id)
        text = (body.get("text") or "").strip()
        ctx = command_ctx(body, job.team_id)
        respond = responder(body)
        over = budget_problem(services, work, ctx, text)
        if over:
            respond(response_type="ephemeral", replace_original=False, text=over)
            return
        from bot.progress import is_long_command

        working = (working_once(client, services.store, ctx, f"/alvh {text}")
                   if is_long_command(text, services.today()) else None)
        try:
            with services.store.conversation(ctx.channel_id):
                reply = assistant.command(ctx, text)
        except sqlite3.OperationalError as exc:  # read-only or full disk: say so, do not retry forever
            log.error("/alvh %s could not be saved: %s", text.split(" ")[0], exc)
            respond(response_type="ephemeral", replace_original=False, text=could_not_save(exc))
            return
        except Exception as exc:  # a bug: tell the user in one line, keep the trace in the log
            log.exception("/alvh %s failed", text.split(" ")[0])
            if working is not None:
                client.chat_update(channel=ctx.channel_id, ts=working,
                                   text=f"Sorry, <@{ctx.user_id}>'s request failed inside the bot ({type(exc).__name__}).")
            respond(response_type="ephemeral", text=f"Sorry, that failed inside the bot ({type(exc).__name__}).")
            return
        try:
            deliver(client, assistant, ctx, reply, f"/alvh {text}", respond=respond, working_ts=working)
        except SlackApiError as exc:  # e.g. the bot is not in a private channel: say so, in one line
            error = exc.response.get("error", "error")
            if error in ("ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"):
                raise  # transient: the job is retried (the post is keyed, so it lands once)
            log.warning("/alvh %s: Slack refused the post (%s)", text.split(" ")[0], error)
            respond(response_type="ephemeral",
                    text=f"Slack refused the post ({error}). Invite the bot to this channel (/invite @alvh) and retry.")
        except sqlite3.OperationalError as exc:
            respond(response_type="ephemeral", replace_original=False, text=could_not_save(exc))

    app.command("/alvh")(ack_alvh)
