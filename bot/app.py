"""Build the Bolt app from injected settings and services; serve it (waitress or Socket Mode).

``build_app(settings, services) -> App``: the listeners (commands, messages, events, actions) are
registered with the same ``Services``, one ``Assistant`` and one ``Work`` (the durable job queue and
its worker pool, ``bot.jobs``; ``work_of(app)`` returns it). Every ack only writes a job; workers do
the rest. ``flask_app(app)`` wraps it for waitress at ``/slack/events`` (plus ``GET /healthz``, which
fails when the database cannot be written or the workers are stuck). ``serve_http`` runs waitress
(production server, not Bolt's development server); ``serve_socket_mode`` uses ``SLACK_APP_TOKEN``.
"""
from __future__ import annotations

import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from alvh_core.clock import system_clock, utc_stamp
from bot import home
from bot.assistant import Assistant
from bot.jobs import Job, JobQueue, Limits, WorkerPool
from bot.listeners import actions, commands, events, messages
from bot.listeners.work import Budget, Work
from bot.payload_guard import request_problem, timestamp_problem
from bot.redaction import install_log_redaction, secrets_of
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("bot")

#: Threads Bolt may use for its own background work (no listener of ours is lazy any more).
LAZY_WORKERS = 2
#: Largest request body accepted at /slack/events (bytes); larger ones get 413.
MAX_BODY_BYTES = 1_000_000

_WORK: weakref.WeakKeyDictionary[App, Work] = weakref.WeakKeyDictionary()
_POOLS: weakref.WeakKeyDictionary[App, WorkerPool] = weakref.WeakKeyDictionary()


def work_of(app: App) -> Work:
    """The queue, handlers and budget of an app built by ``build_app``."""
    return _WORK[app]


def pool_of(app: App) -> WorkerPool | None:
    """The worker pool ``build_app`` started (None when built with ``start_workers=False``)."""
    return _POOLS.get(app)


def web_client(settings: Settings) -> WebClient:
    """The Web API client with retries on 429 / 5xx / connection errors (``bot.slack_client``)."""
    from bot.slack_client import make_web_client

    return make_web_client(settings.slack_bot_token or None, settings.slack_api_url)


def build_app(settings: Settings, services: Services, start_workers: bool = True) -> App:
    """The Bolt app with every listener registered and (``start_workers``) its worker pool running.
    Token verification (auth.test at start-up) is skipped when the Web API is not Slack's (tests,
    GovSlack-like proxies). Every secret of ``settings`` (also those read from ``.env``) is registered
    for log redaction."""
    install_log_redaction(secrets_of(settings))
    # process_before_response=True: the ack functions run in the request thread, so an acknowledgement
    # never queues behind lazy work (with False, Bolt runs acks on the same small executor as the lazy
    # listeners, and under load acks took > 3 s). Lazy listeners still run in the background executor.
    from bot.install import oauth_flow

    flow = oauth_flow(settings)  # OAuth install flow (several workspaces) when a client id/secret is set
    app = App(client=web_client(settings) if flow is None else WebClient(base_url=settings.slack_api_url),
              signing_secret=settings.slack_signing_secret, oauth_flow=flow,
              token_verification_enabled=flow is None and settings.uses_default_api and bool(settings.slack_bot_token),
              process_before_response=True,
              listener_executor=ThreadPoolExecutor(max_workers=LAZY_WORKERS, thread_name_prefix="alvh-lazy"))
    assistant = Assistant(services)
    limits = Limits.from_settings(settings)
    team_client = None
    if flow is not None:  # several workspaces: each job answers with its workspace's own bot token
        from bot.install import team_token
        from bot.slack_client import make_web_client

        def team_client(team_id: str) -> WebClient:
            return make_web_client(team_token(settings, team_id), settings.slack_api_url)

    work = Work(queue=JobQueue(services.store, limits, clock=system_clock), limits=limits,
                budget=Budget(settings.max_paths, settings.max_path_days), client=app.client,
                team_client=team_client)
    for module in (commands, messages, events, actions):
        module.register(app, services, assistant, work)
    home.register(app, services, assistant)  # App Home (issue 15): a view publish, nothing to persist

    # The Home tab refresh after a change analyzes every open position of the team: during a burst it is
    # a low-priority job queued once, instead of work inside each answer (a burst of marks starved acks).
    @work.handler("home")
    def run_home_refresh(job: Job) -> None:
        home.refresh(work.client_for(job.team_id), assistant, job.team_id, also=job.payload.get("user") or None)

    def defer_home(team_id: str, user_id: str) -> bool:
        """Defer (True) when more of the team's requests are waiting: a burst gets one refresh after
        it; a lone change is refreshed at once by the caller (False)."""
        if not services.store.job_counts(team_id).get("queued", 0):
            return False
        work.queue.submit_coalesced("home", f"home:{team_id}:{user_id}", team_id, {"user": user_id})
        return True

    services.extra["home_refresh"] = defer_home
    _WORK[app] = work
    if start_workers:
        _POOLS[app] = WorkerPool(work.queue, work.handlers, on_dead=_tell_dead(work)).start()
    return app


def _tell_dead(work: Work):  # type: ignore[no-untyped-def]
    """Tell the asker, once, that a request failed after every retry (never silently dropped)."""
    def on_dead(job: Job, error: str) -> None:
        body = job.payload.get("body") or {}
        event = body.get("event") or {}
        channel = str(body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel") or "")
        user = str(body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user") or "")
        text = (f"Sorry, your request could not be answered after {job.attempts} attempts "
                f"({error.split(':')[0]}). Please try again later.")
        url = body.get("response_url")
        if url:
            from slack_bolt.context.respond import Respond

            try:
                Respond(response_url=url)(response_type="ephemeral", replace_original=False, text=text)
                return
            except Exception:  # noqa: BLE001
                log.warning("could not tell the asker of job %s through the response_url", job.id)
        work.tell_later(channel, user, text, event.get("thread_ts"), team_id=job.team_id)
    return on_dead


def flask_app(app: App) -> Flask:
    handler = SlackRequestHandler(app)
    web = Flask("alvh-bot")
    # Slack's payloads are a few kB; a larger body is refused with 413 before it is read or verified.
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    verifier = SignatureVerifier(app._signing_secret) if getattr(app, "_signing_secret", None) else None
    work = _WORK.get(app)
    pool = _POOLS.get(app)

    @web.post("/slack/events")
    def slack_events():  # type: ignore[no-untyped-def]
        stamp = request.headers.get("X-Slack-Request-Timestamp")
        bad = timestamp_problem(stamp)  # '¹²³' is str.isdigit(); a 400-digit one overflows: both 400
        if bad is not None:
            return {"error": f"invalid request timestamp: {bad}"}, 400
        raw = request.get_data()
        # The signature is checked here, before Bolt: Bolt logs the whole body (response_url included)
        # of a request whose signature fails. Nothing of a refused request is logged.
        signature = request.headers.get("X-Slack-Signature")
        if verifier is not None and not (stamp and signature and verifier.is_valid(
                body=raw, timestamp=stamp, signature=signature)):
            return {"error": "invalid request signature"}, 401
        # Bolt indexes into payloads while parsing and matching (body["actions"][0] ...): a payload of
        # a shape Slack never sends (or nested deeper than Slack ever nests) is refused here with 400,
        # before any recursive parsing, instead of a 500 and a logged traceback.
        problem = request_problem(raw.decode("utf-8", "replace"), request.content_type or "")
        if problem is not None:
            log.warning("refused a malformed Slack payload: %s", problem)
            return {"error": f"malformed payload: {problem}"}, 400
        try:
            return handler.handle(request)
        except (ValueError, TypeError, AttributeError, KeyError):
            # Bolt parses the body (and builds its context) before verifying it: undecodable JSON/form
            # or a payload of the wrong shape (e.g. "event": true) raised here -> 400, not 500.
            # Listener errors never get here (Bolt catches them), so this is input, not a bug.
            log.warning("malformed request body at /slack/events (%d bytes)", request.content_length or 0)
            return {"error": "malformed request body"}, 400

    @web.get("/slack/install")
    def slack_install():  # type: ignore[no-untyped-def]  # OAuth mode only (Bolt answers 404 otherwise)
        return handler.handle(request)

    @web.get("/slack/oauth_redirect")
    def slack_oauth_redirect():  # type: ignore[no-untyped-def]
        return handler.handle(request)

    @web.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        """200 only when the database takes a write now and the workers are alive and not stuck."""
        problems: list[str] = []
        if work is not None:
            try:
                work.queue.store.write_probe("healthz", utc_stamp(system_clock))
            except Exception as exc:  # noqa: BLE001 - any failure to write is the answer
                problems.append(f"database cannot be written: {exc}")
        if pool is not None:
            stuck = pool.problem()
            if stuck:
                problems.append(stuck)
        if problems:
            return {"ok": False, "problems": problems, "checked_at": time.time()}, 503
        pending = work.queue.pending() if work is not None else 0
        return {"ok": True, "pending_jobs": pending}

    return web


def serve_http(app: App, port: int, host: str = "0.0.0.0", threads: int = 8) -> None:
    from waitress import serve

    log.info("HTTP mode: waitress on %s:%d /slack/events", host, port)
    serve(flask_app(app), host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES)


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("Socket Mode")
    SocketModeHandler(app, app_token).start()
