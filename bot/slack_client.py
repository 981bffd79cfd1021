"""The Slack ``WebClient`` the bot uses, with retries for transient Web API faults.

``make_web_client(token, base_url, ...)`` returns a ``slack_sdk.WebClient`` whose retry handlers
resend a call on:

- HTTP 429 (rate limited): waits the ``Retry-After`` seconds Slack sends (``RateLimitErrorRetryHandler``);
- HTTP 500/502/503/504: exponential backoff with jitter (``TransientServerErrorRetryHandler``);
- connection errors and timeouts (refused, reset, remote closed, socket/read timeout): backoff
  (``ConnectionErrorRetryHandler`` with ``TimeoutError`` added to its error types).

Bolt copies these handlers into every per-request client it builds, so listeners, lazy listeners and
the scheduler all retry the same way. A Slack *logical* error (HTTP 200 with ``ok: false``, e.g.
``channel_not_found``) is not retried here: it raises ``SlackApiError`` for the caller to decide.

Retrying a ``chat.postMessage`` whose response was lost can post twice; Slack offers no idempotency
key, so callers that must post exactly once (the daily summary) claim their slot in SQLite first.
The token is only ever passed in from the environment (``bot.settings``); nothing here logs it.
"""
from __future__ import annotations

from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter

#: Retries after the first attempt, per fault kind.
DEFAULT_MAX_RETRIES = 3
#: Backoff base in seconds: waits ~ factor * 2**attempt (+ jitter up to 1 s).
DEFAULT_BACKOFF = 0.5
#: Seconds one HTTP call may take before it counts as a timeout (and is retried).
DEFAULT_TIMEOUT = 15

RETRYABLE_STATUS = (500, 502, 503, 504)


class TransientServerErrorRetryHandler(RetryHandler):
    """Retries HTTP 500/502/503/504 (slack_sdk's own handler covers only 500 and 503)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and response.status_code in RETRYABLE_STATUS


def retry_handlers(max_retries: int = DEFAULT_MAX_RETRIES,
                   backoff: float = DEFAULT_BACKOFF) -> list[RetryHandler]:
    """The handlers ``make_web_client`` installs (rate limit, server errors, connection errors)."""
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=RandomJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        TransientServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
        ConnectionErrorRetryHandler(
            max_retry_count=max_retries, interval_calculator=interval,
            error_types=[URLError, ConnectionError, RemoteDisconnected, TimeoutError]),
    ]


def make_web_client(token: str | None, base_url: str = "https://slack.com/api/", *,
                    max_retries: int = DEFAULT_MAX_RETRIES, backoff: float = DEFAULT_BACKOFF,
                    timeout: int = DEFAULT_TIMEOUT) -> WebClient:
    """A ``WebClient`` for ``base_url`` with the retry handlers above.

    ``token``: the bot token (xoxb-...) from the environment, or None (tests, Socket Mode set-up).
    ``timeout``: seconds per HTTP attempt. ``backoff``: seconds, the base of the exponential waits.
    """
    return WebClient(token=token or None, base_url=base_url, timeout=timeout,
                     retry_handlers=retry_handlers(max_retries, backoff))
