"""Build the Bolt app from injected settings and services; serve it (waitress or Socket Mode).

``build_app(settings, services) -> App``: the listeners (commands, messages, events, actions) are
registered with the same ``Services`` and one ``Assistant``. ``flask_app(app)`` wraps it for waitress at
``/slack/events`` (plus ``GET /healthz``). ``serve_http`` runs waitress (production server, not Bolt's
development server); ``serve_socket_mode`` uses ``SLACK_APP_TOKEN``.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

from bot import home
from bot.assistant import Assistant
from bot.listeners import actions, commands, events, messages
from bot.payload_guard import request_problem
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger("bot")

#: Threads running lazy listeners (the work after the acknowledgement: engines, Web API calls).
LAZY_WORKERS = 16
#: Largest request body accepted at /slack/events (bytes); larger ones get 413.
MAX_BODY_BYTES = 1_000_000


def web_client(settings: Settings) -> WebClient:
    """The Web API client with retries on 429 / 5xx / connection errors (``bot.slack_client``)."""
    from bot.slack_client import make_web_client

    return make_web_client(settings.slack_bot_token or None, settings.slack_api_url)


def build_app(settings: Settings, services: Services) -> App:
    """The Bolt app with every listener registered. Token verification (auth.test at start-up) is
    skipped when the Web API is not Slack's (tests, GovSlack-like proxies)."""
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
    for module in (commands, messages, events, actions, home):
        module.register(app, services, assistant)
    return app


def flask_app(app: App) -> Flask:
    handler = SlackRequestHandler(app)
    web = Flask("alvh-bot")
    # Slack's payloads are a few kB; a larger body is refused with 413 before it is read or verified.
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @web.post("/slack/events")
    def slack_events():  # type: ignore[no-untyped-def]
        stamp = request.headers.get("X-Slack-Request-Timestamp")
        if stamp is not None and not stamp.isdigit():  # Bolt's verifier would raise (500) on int()
            return {"error": "invalid request timestamp"}, 401
        # Bolt indexes into payloads while parsing and matching (body["actions"][0] ...): a payload of
        # a shape Slack never sends is refused here with 400 instead of a 500 and a logged traceback.
        problem = request_problem(request.get_data(as_text=True), request.content_type or "")
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
        return {"ok": True}

    return web


def serve_http(app: App, port: int, host: str = "0.0.0.0", threads: int = 8) -> None:
    from waitress import serve

    log.info("HTTP mode: waitress on %s:%d /slack/events", host, port)
    serve(flask_app(app), host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES)


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("Socket Mode")
    SocketModeHandler(app, app_token).start()
