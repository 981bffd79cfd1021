"""A Bolt global middleware that refuses (400) a verified payload whose shape Slack never sends.

Bolt's listener matching indexes into payloads (``body["actions"][0]``, ``body["view"]["callback_id"]``,
``event["channel"]`` ...) and answers 500 with a traceback in the log when a field has the wrong type.
Only a holder of the signing secret can send such a payload, but a 500 makes Slack retry and floods the
log, so shapes are checked first: ``payload_problem(body) -> str | None`` names the first bad field.
Checked in ``bot.app.flask_app`` before Bolt sees the request (``request_problem``): a Bolt middleware
cannot do it, because Bolt builds every listener argument (``action`` = ``body["actions"][0]`` ...)
even for a middleware, and that is what raises.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

#: Deepest JSON nesting accepted (Slack's payloads nest about 8 levels; a view state ~10). Checked by
#: a linear scan before ``json.loads``, whose recursion a deeply nested body would exhaust.
MAX_DEPTH = 32
#: Digits of a Unix timestamp in seconds (until the year 2286).
MAX_TIMESTAMP_DIGITS = 10

EVENT_STR_FIELDS = ("type", "channel", "user", "text", "ts", "thread_ts", "team", "subtype", "bot_id",
                    "event_ts", "channel_type")
TOP_STR_FIELDS = ("team_id", "event_id", "api_app_id", "type", "command", "text", "trigger_id", "user_id",
                  "channel_id", "response_url", "callback_id")
OBJECT_FIELDS = ("team", "user", "channel", "message", "container", "enterprise", "view", "state")
#: Object fields Slack does send as null (enterprise outside Enterprise Grid; team/channel in some
#: org-wide or modal payloads). Every other object field, when present, must be an object.
NULLABLE_OBJECTS = ("enterprise", "team", "channel")


def _bad_str(obj: dict[str, Any], keys: tuple[str, ...], where: str) -> str | None:
    for key in keys:
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            return f"{where}{key} must be a string"
    return None


def payload_problem(body: Any) -> str | None:
    """None for a payload of a shape Slack sends; else what is wrong (one line)."""
    if not isinstance(body, dict):
        return "payload must be an object"
    problem = _bad_str(body, TOP_STR_FIELDS, "")
    if problem:
        return problem
    if "event" in body:
        event = body["event"]
        if not isinstance(event, dict):
            return "event must be an object"
        problem = _bad_str(event, EVENT_STR_FIELDS, "event.")
        if problem:
            return problem
        for key in ("message", "previous_message"):
            if key in event and not isinstance(event[key], dict):
                return f"event.{key} must be an object"
    for key in OBJECT_FIELDS:
        if key in body and not isinstance(body[key], dict) and not (body[key] is None and key in NULLABLE_OBJECTS):
            return f"{key} must be an object"
    kind = body.get("type")
    if kind == "block_actions" or "actions" in body:
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            return "actions must be a non-empty list of objects"
        for a in actions:
            if not isinstance(a.get("action_id"), str):  # Slack always sends it; Bolt's matcher reads it
                return "actions[].action_id must be a string"
            problem = _bad_str(a, ("action_id", "block_id", "type"), "actions[].")
            if problem:
                return problem
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict):
            return "view must be an object"
        problem = _bad_str(view, ("callback_id", "private_metadata", "id", "type"), "view.")
        if problem:
            return problem
        if "state" in view and not isinstance(view["state"], dict):
            return "view.state must be an object"
        values = (view.get("state") or {}).get("values", {})
        if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
            return "view.state.values must map blocks to objects"
    return None


def timestamp_problem(stamp: str | None) -> str | None:
    """None for a missing header (the signature check refuses it) or ASCII digits of a plausible Unix
    time; else what is wrong. ``'¹²³'.isdigit()`` is True in Python, so ASCII is checked."""
    if stamp is None:
        return None
    if not (stamp.isascii() and stamp.isdigit()):
        return "expected ASCII digits (Unix seconds)"
    if len(stamp) > MAX_TIMESTAMP_DIGITS:
        return f"expected at most {MAX_TIMESTAMP_DIGITS} digits (Unix seconds)"
    return None


def json_depth_problem(raw: str, limit: int = MAX_DEPTH) -> str | None:
    """Nesting deeper than ``limit`` in a JSON text, found by one linear scan (no recursion, strings
    and escapes skipped), so a hostile body never reaches a recursive parser."""
    depth = 0
    in_string = False
    escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return f"JSON nested deeper than {limit} levels"
        elif ch in "]}":
            depth -= 1
    return None


def request_problem(raw: str, content_type: str) -> str | None:
    """``payload_problem`` of an HTTP body as Slack posts it: JSON (events), or a form whose ``payload``
    field is JSON (interactivity), or a plain form (slash commands: every field a string, nothing to
    check). Undecodable JSON is also a problem."""
    if "json" in (content_type or "").lower():
        deep = json_depth_problem(raw or "")
        if deep:
            return deep
        try:
            return payload_problem(json.loads(raw or "{}"))
        except (ValueError, RecursionError):
            return "body is not valid JSON"
    form = parse_qs(raw or "", keep_blank_values=True)
    if "payload" in form:
        deep = json_depth_problem(form["payload"][0])
        if deep:
            return deep
        try:
            return payload_problem(json.loads(form["payload"][0]))
        except (ValueError, RecursionError):
            return "payload is not valid JSON"
    return None
