"""Start-up checks: one line naming the problem (exit 2), never a traceback.

``startup_problem(settings) -> str | None`` calls ``auth.test`` with the bot token (and, in Socket
Mode, ``apps.connections.open`` with the app token) once, without retries and with a short timeout,
and turns what went wrong into one sentence: Slack unreachable (DNS, refused, timeout, TLS), a token
Slack rejects (``invalid_auth``, ``token_revoked``, ...), or a token of the wrong kind.

``start_warm_up(services)`` builds the pricing tables in a background thread, with the event-day tables of the
open positions' expiries (``likely_expiries``).
"""
from __future__ import annotations

import datetime as dt
import logging
import socket
import ssl
import threading
import urllib.error
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings

TIMEOUT_S = 8
#: slack_sdk logs each failed attempt at ERROR; the check reports its own single line instead
_QUIET = logging.getLogger("bot.startup.sdk")
_QUIET.disabled = True

_TOKEN_ERRORS = {
    "invalid_auth": "is not valid (invalid_auth)",
    "not_authed": "is missing (not_authed)",
    "token_revoked": "was revoked (token_revoked)",
    "token_expired": "has expired (token_expired)",
    "account_inactive": "belongs to a deactivated app or workspace (account_inactive)",
    "not_allowed_token_type": "is the wrong kind of token (not_allowed_token_type)",
}


def _network_reason(exc: BaseException) -> str | None:
    """A short reason when ``exc`` is a network failure (else None)."""
    reason = getattr(exc, "reason", exc) if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "the host name does not resolve (DNS)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {TIMEOUT_S} s"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({reason.__class__.__name__})"
    if isinstance(reason, OSError):
        return " ".join(str(reason).split())[:120] or reason.__class__.__name__
    return None


def _check(client: WebClient, method: str, what: str, env: str, url: str) -> str | None:
    try:
        client.api_call(method)
    except SlackApiError as exc:
        code = str(exc.response.get("error", "")) if exc.response is not None else ""
        told = _TOKEN_ERRORS.get(code)
        if told:
            return f"Slack rejected {env}: the {what} {told}; check {env} (see .env.example)"
        return f"Slack answered {method} with error '{code or 'unknown'}' for {env}"
    except (urllib.error.URLError, OSError) as exc:
        reason = _network_reason(exc) or exc.__class__.__name__
        return f"cannot reach Slack at {url}: {reason}; check the network, proxy or SLACK_API_URL"
    except Exception as exc:  # noqa: BLE001 - a start-up check must end in one line, whatever failed
        return f"Slack check {method} failed: {' '.join(str(exc).split())[:160] or exc.__class__.__name__}"
    return None


def startup_problem(settings: Settings) -> str | None:
    """None when Slack answers and accepts the tokens; else one line saying what is wrong."""
    url = settings.slack_api_url
    if settings.oauth and not settings.slack_bot_token:  # tokens come per workspace: check Slack answers
        anon = WebClient(base_url=url, timeout=TIMEOUT_S, logger=_QUIET, retry_handlers=[])
        return _check(anon, "api.test", "API", "SLACK_API_URL", url)
    bot = WebClient(token=settings.slack_bot_token or None, base_url=url, timeout=TIMEOUT_S, logger=_QUIET,
                    retry_handlers=[])
    problem = _check(bot, "auth.test", "bot token", "SLACK_BOT_TOKEN", url)
    if problem is None and settings.socket_mode:
        app = WebClient(token=settings.slack_app_token or None, base_url=url, timeout=TIMEOUT_S, logger=_QUIET,
                        retry_handlers=[])
        problem = _check(app, "apps.connections.open", "app-level token", "SLACK_APP_TOKEN", url)
    return problem


def likely_expiries(store: Any, today: dt.date) -> list[dt.date]:
    """Expiries of the open positions of every team (distinct, from ``today`` on): the ones the bot's first
    comparisons will price, whose event-day tables the start-up warm-up builds (issue 16). Unreadable rows are
    skipped: the warm-up is an optimisation, never a reason not to start."""
    out: set[dt.date] = set()
    try:
        rows = list(store.db.query("SELECT condor_json FROM positions WHERE status = 'open'"))
    except Exception:  # noqa: BLE001 - no table yet, a locked file: warm the plain tables only
        return []
    for row in rows:
        try:
            expiry = store.condor_of(row).expiry
        except ValueError:
            continue
        if expiry >= today:
            out.add(expiry)
    return sorted(out)


def start_warm_up(services: Any) -> threading.Thread:
    """Build the pricing tables and calendar in a background thread (``alvh_core.scenarios.warm``), with the
    event-day tables of the open positions' expiries, so the first comparison costs about a warm one; the
    compiled kernel too when ``services.accelerate`` (ALVH_ACCELERATE)."""
    from alvh_core.clock import desk_today
    from alvh_core.scenarios.warm import warm_up

    today = desk_today(services.clock)
    expiries = likely_expiries(services.store, today)
    thread = threading.Thread(target=warm_up, name="alvh-warm-up", daemon=True,
                              kwargs={"expiries": expiries, "asof": today, "load_kernel": services.accelerate})
    thread.start()
    return thread
