"""Keep Slack secrets out of logs.

``redact(text, secrets=())`` replaces Slack tokens (``xoxb-``, ``xoxp-``, ``xoxa-``, ``xoxr-``,
``xoxe-``, ``xoxs-``, ``xapp-``), ``Authorization: Bearer ...`` values and every literal secret given
(the signing secret has no recognisable shape, so it is passed in) by ``[REDACTED]``.

``install_log_redaction(secrets)`` makes every log record redacted when it is created (a log-record
factory), so it covers all loggers and handlers, including ones attached later (pytest's caplog,
Bolt's and slack_sdk's loggers), and the text of logged exceptions. ``secrets_from_env()`` lists the
secret values in the environment (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN,
SLACK_CLIENT_SECRET); ``secrets_of(settings)`` those of a ``Settings`` (including values read from
``.env``, which the environment does not show). Slack ``response_url``/webhook URLs are masked too.
``RedactingFilter`` does the same as a ``logging.Filter`` for one handler.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable

MASK = "[REDACTED]"
SECRET_ENV_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET",
                   "SLACK_USER_TOKEN")
TOKEN_PATTERN = re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
#: Slack response URLs (a capability to post in the asker's channel for 30 minutes) and webhooks.
HOOK_PATTERN = re.compile(r"https?(?::|%3A)(?://|%2F%2F)hooks\.slack(?:-gov)?\.com[^\s'\",}&]*", re.I)
#: Literal secrets shorter than this are not masked (too likely to hit ordinary words).
MIN_SECRET_LEN = 8

_lock = threading.Lock()
_installed_secrets: set[str] = set()
_base_factory = None


def secrets_from_env(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    return [env[k] for k in SECRET_ENV_VARS if env.get(k)]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with tokens, bearer values and the given literal secrets masked."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = TOKEN_PATTERN.sub(MASK, text)
    text = HOOK_PATTERN.sub(MASK, text)
    return BEARER_PATTERN.sub(lambda m: m.group(1) + MASK, text)


def secrets_of(settings: object) -> list[str]:
    """The secret values of a ``Settings`` (read from the environment *or* ``.env``): the bot token,
    signing secret and app token, and any field whose name says it is a secret or token."""
    values: list[str] = []
    fields = getattr(type(settings), "model_fields", {})
    for name in fields:
        low = name.lower()
        if any(w in low for w in ("token", "secret", "password")):
            try:
                value = getattr(settings, name)
            except Exception:  # noqa: BLE001 - a property that needs more set-up
                continue
            if isinstance(value, str) and value:
                values.append(value)
    return values


def _redact_record(record: logging.LogRecord, secrets: Iterable[str]) -> None:
    """Freeze the record's message (and exception text) in redacted form."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the raw parts, redacted
        message = f"{record.msg} {record.args}"
    record.msg = redact(message, secrets)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text, secrets)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, secrets)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record (``secrets``: literal values to mask)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record, self.secrets)
        return True


def install_log_redaction(secrets: Iterable[str] | None = None) -> None:
    """Redact every log record of this process from now on (idempotent; secrets accumulate).

    ``secrets`` default: ``secrets_from_env()``."""
    global _base_factory
    with _lock:
        _installed_secrets.update(s for s in (secrets_from_env() if secrets is None else secrets) if s)
        if _base_factory is not None:
            return
        base = logging.getLogRecordFactory()
        _base_factory = base

        def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
            record = base(*args, **kwargs)
            _redact_record(record, _installed_secrets)
            return record

        logging.setLogRecordFactory(factory)


def uninstall_log_redaction() -> None:
    """Restore the log-record factory (tests)."""
    global _base_factory
    with _lock:
        if _base_factory is not None:
            logging.setLogRecordFactory(_base_factory)
            _base_factory = None
        _installed_secrets.clear()
