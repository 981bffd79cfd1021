"""The seam between Bolt's acks and the durable queue: ``Work`` (queue, handlers, budget, team identity).

Every listener's ack calls ``Work.submit`` (the request is a job row before the ack returns) and the
worker pool runs ``Work.handlers[kind]`` later. Nothing here calls the Web API inside an ack.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from bot.jobs import Handler, Job, JobQueue, Limits, Submitted
from bot.redaction import redact

log = logging.getLogger("bot.work")

#: Told to a user whose request could not be written to the database (read-only or full disk).
COULD_NOT_SAVE = ("Could not save your request: the bot's database cannot be written right now ({why}). "
                  "Nothing was done; please retry later and tell whoever runs the bot.")
#: Told when a payload names no workspace (team null) and none can be inferred.
NO_TEAM = "Refused: this request names no workspace (team), so it cannot be answered safely."


def could_not_save(exc: BaseException) -> str:
    text = str(exc).lower()
    why = ("the disk is full" if "full" in text else
           "the database file is read-only" if "readonly" in text or "read-only" in text else
           redact(str(exc))[:120])
    return COULD_NOT_SAVE.format(why=why)


def resolve_team(body: dict[str, Any]) -> str | None:
    """The workspace a payload belongs to: ``team.id``, ``team_id``, ``user.team_id``, ``view.team_id``,
    the event's ``team``, the authorization's ``team_id``; for an org-wide install whose payload has
    ``team: null``, the enterprise (``E:<enterprise id>``); else None (the request is refused)."""
    def s(v: Any) -> str | None:
        return v if isinstance(v, str) and v else None

    team = body.get("team")
    user = body.get("user")
    view = body.get("view")
    event = body.get("event")
    auths = body.get("authorizations")
    candidates = [
        s(team.get("id")) if isinstance(team, dict) else None,
        s(body.get("team_id")),
        s(user.get("team_id")) if isinstance(user, dict) else None,
        s(view.get("team_id")) if isinstance(view, dict) else None,
        s(event.get("team")) if isinstance(event, dict) else None,
        s(auths[0].get("team_id")) if isinstance(auths, list) and auths and isinstance(auths[0], dict) else None,
    ]
    for c in candidates:
        if c:
            return c
    enterprise = body.get("enterprise")
    ent = (s(enterprise.get("id")) if isinstance(enterprise, dict) else None) or s(body.get("enterprise_id"))
    if ent is None and isinstance(auths, list) and auths and isinstance(auths[0], dict):
        ent = s(auths[0].get("enterprise_id"))
    return f"E:{ent}" if ent else None


@dataclass
class Budget:
    """Per-request caps (``Settings.max_paths``, ``Settings.max_path_days``)."""

    max_paths: int = 100_000
    max_path_days: int = 5_000_000

    def paths_problem(self, paths: int | None) -> str | None:
        if paths is not None and paths > self.max_paths:
            return (f"paths {paths:,} is above this bot's limit of {self.max_paths:,} per request: "
                    f"expected e.g. `compare paths 20000`")
        return None

    def compare_problem(self, paths: int, days: int) -> str | None:
        """A comparison simulates ``paths`` x ``days`` (days to expiry); memory grows with the product."""
        if self.paths_problem(paths):
            return self.paths_problem(paths)
        days = max(int(days), 1)
        if paths * days > self.max_path_days:
            fit = max(self.max_path_days // days // 2 * 2, 0)
            hint = (f"ask for at most `paths {fit}`" if fit >= 100 else
                    "this position is too far from expiry to simulate here")
            return (f"{paths:,} paths x {days:,} days to expiry is above this bot's budget of "
                    f"{self.max_path_days:,} path-days per comparison: {hint}")
        return None


@dataclass
class Work:
    """What the acks and the worker handlers share."""

    queue: JobQueue
    limits: Limits
    budget: Budget = field(default_factory=Budget)
    handlers: dict[str, Handler] = field(default_factory=dict)
    client: WebClient | None = None
    #: the Web API client of a workspace (OAuth installs: its own bot token); None: ``client`` for all
    team_client: Callable[[str], WebClient] | None = None

    def client_for(self, team_id: str | None) -> WebClient:
        """The client that answers ``team_id``'s requests."""
        if self.team_client is not None and team_id:
            return self.team_client(team_id)
        assert self.client is not None
        return self.client

    def handler(self, kind: str):  # type: ignore[no-untyped-def]
        def register(fn: Handler) -> Handler:
            self.handlers[kind] = fn
            return fn
        return register

    def submit(self, kind: str, key: str, team_id: str, payload: dict[str, Any],
               priority: int = 0) -> tuple[Submitted | None, str | None]:
        """Persist the job; returns (what happened, the ephemeral line for the ack or None).
        A database that cannot be written gives (None, "Could not save ...")."""
        body = payload.get("body")
        if isinstance(body, dict) and "token" in body:  # Slack's legacy verification token: never stored
            payload = {**payload, "body": {k: v for k, v in body.items() if k != "token"}}
        try:
            done = self.queue.submit(kind, key, team_id, payload, priority)
        except sqlite3.Error as exc:
            log.error("could not persist a %s request of %s: %s", kind, team_id, redact(str(exc)))
            return None, could_not_save(exc)
        if done.outcome == "duplicate":
            log.info("duplicate delivery %s ignored (job %s)", key, done.job_id)
        elif done.outcome == "refused":
            log.warning("%s request of %s refused: %d waiting", kind, team_id, done.ahead)
        return done, done.ack_text(self.limits)

    def tell_later(self, channel: str, user: str, text: str, thread_ts: str | None = None,
                   team_id: str | None = None) -> None:
        """An ephemeral message sent from a short-lived thread (never inside an ack): for events,
        whose ack cannot carry text."""
        if not channel or not user:
            return

        def client_() -> WebClient | None:
            try:
                return self.client_for(team_id)
            except Exception:  # noqa: BLE001 - no installation for that workspace
                return self.client

        def send() -> None:
            client = client_()
            if client is None:
                return
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
            except Exception as exc:  # noqa: BLE001 - best effort
                log.warning("could not tell %s in %s: %s", user, channel, type(exc).__name__)

        threading.Thread(target=send, name="alvh-tell", daemon=True).start()


def job_ctx_fields(job: Job) -> tuple[str, str, str]:
    body = job.payload.get("body") or {}
    return job.team_id, str(body.get("user_id") or ""), str(body.get("channel_id") or "")
