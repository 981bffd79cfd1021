"""A fake Slack Web API on loopback (http.server in a thread) that records every call.

Serves auth.test, oauth.v2.access, chat.postMessage, chat.postEphemeral, chat.update, chat.delete, views.open,
files.getUploadURLExternal, the upload URL it hands out, files.completeUploadExternal, and a
response_url endpoint (``/respond/<token>``), so end-to-end tests can assert what a user would see in a
channel and in a thread (``messages``: posted, updated in place, deleted, as a user sees them now).
``fail_next(method, n, error)`` makes the next ``n`` calls of a method fail.

Also: ``sign(body, secret, timestamp)`` builds the headers Slack sends (HMAC-SHA256 v0).
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UBOT"


def install_token(team: str) -> str:
    """The bot token the fake OAuth exchange hands to workspace ``team`` (assembled at run time)."""
    return "xo" + "xb-" + team + "-fake-install"
_TRIGGERS = itertools.count(1)
BOT_ID = "BBOT"


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a request signed as Slack signs it: v0=HMAC-SHA256(secret, 'v0:{ts}:{body}')."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    body: bytes = b""
    ok: bool = True  # False when the fake answered with an error (fail_next)


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.cond = threading.Condition(self.lock)

    def add(self, call: Call) -> None:
        with self.cond:
            self.calls.append(call)
            self.cond.notify_all()

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, pred: Callable[[list[Call]], bool], timeout: float = 20.0) -> list[Call]:
        """Block until ``pred(calls)`` holds (bounded: raises AssertionError after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(list(self.calls)):
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [(c.method, str(c.args)[:200]) for c in self.calls]
                    raise AssertionError(f"timed out waiting on the fake Slack; calls so far: {summary}")
                self.cond.wait(left)
            return list(self.calls)

    def wait_count(self, method: str, n: int, timeout: float = 20.0) -> list[Call]:
        self.wait_for(lambda calls: sum(c.method == method for c in calls) >= n, timeout)
        return self.of(method)


class FakeSlack:
    """Run with ``with FakeSlack() as slack:``; ``slack.api_url`` is the Web API base URL."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._failures: dict[str, list[str]] = {}
        #: seconds each call of a method waits before answering (a slow Web API)
        self.delays: dict[str, float] = {}
        self._fail_lock = threading.Lock()
        #: messages as a user sees them now: chat.postMessage by ts, chat.update applied, chat.delete removed
        #: (with their metadata: conversations.history/replies read them)
        self.messages: dict[str, dict[str, Any]] = {}
        #: (method, bearer token) of every Web API call: which workspace's token the app used
        self.tokens: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                auth = self.headers.get("Authorization") or ""
                with fake._fail_lock:
                    fake.tokens.append((self.path.split("/api/", 1)[-1].split("?")[0], auth.removeprefix("Bearer ")))
                status, payload = fake._handle(self.path, self.headers.get("Content-Type", ""), raw)
                out = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(payload, bytes)
                                 else "text/plain")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.base}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ----- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def response_url(self, token: str = "r1") -> str:
        return f"{self.base}/respond/{token}"

    def fail_next(self, method: str, n: int = 1, error: str = "internal_error") -> None:
        with self._fail_lock:
            self._failures.setdefault(method, []).extend([error] * n)

    # ----- convenience views of what a user sees -------------------------------------------------
    def channel_posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Top-level messages as a user sees them now (posted, then updated in place; deleted ones gone)."""
        with self._fail_lock:
            msgs = list(self.messages.values())
        return [m for m in msgs if not m.get("thread_ts") and (channel is None or m.get("channel") == channel)]

    def thread_posts(self, thread_ts: str) -> list[dict[str, Any]]:
        with self._fail_lock:
            return [m for m in self.messages.values() if m.get("thread_ts") == thread_ts]

    # ----- request handling -------------------------------------------------------------------
    def _parse(self, ctype: str, raw: bytes) -> dict[str, Any]:
        if "json" in ctype:
            return json.loads(raw or b"{}")
        if "x-www-form-urlencoded" in ctype:
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            for key in ("blocks", "view", "attachments"):
                if isinstance(args.get(key), str):
                    try:
                        args[key] = json.loads(args[key])
                    except ValueError:
                        pass
            return args
        return {}

    def _handle(self, path: str, ctype: str, raw: bytes) -> tuple[int, Any]:
        if path.startswith("/upload/"):
            self.recorder.add(Call("upload", {"path": path, "size": len(raw)}, raw))
            return 200, b"OK - " + str(len(raw)).encode()
        args = self._parse(ctype, raw)
        if "?" in path:  # GET methods (conversations.history ...) send their arguments in the query
            args = {**{k: v[0] for k, v in parse_qs(path.split("?", 1)[1]).items()}, **args}
        if path.startswith("/respond/"):
            self.recorder.add(Call("response_url", args, raw))
            return 200, b"ok"
        method = path.split("/api/", 1)[-1].split("?")[0]
        if self.delays.get(method):
            time.sleep(self.delays[method])
        with self._fail_lock:
            queue = self._failures.get(method)
            error = queue.pop(0) if queue else None
        self.recorder.add(Call(method, args, raw, ok=error is None))
        if error is not None:
            return 200, {"ok": False, "error": error}
        return 200, self._reply(method, args)

    def _reply(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "alvh",
                    "team_id": "T1", "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method == "oauth.v2.access":  # the code names the workspace that installs: code "T2" -> team T2
            team = str(args.get("code") or "T1")
            return {"ok": True, "app_id": "A1", "authed_user": {"id": "U1"}, "scope": "commands,chat:write",
                    "token_type": "bot", "access_token": install_token(team), "bot_user_id": BOT_USER_ID,
                    "team": {"id": team, "name": f"Team {team}"}, "enterprise": None,
                    "is_enterprise_install": False}
        if method == "chat.postMessage":
            meta = args.get("metadata")
            if isinstance(meta, str):
                args["metadata"] = json.loads(meta)
            with self._fail_lock:
                self.messages[ts] = {**args, "ts": ts}
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts, "thread_ts": args.get("thread_ts")}}
        if method in ("conversations.history", "conversations.replies"):
            with self._fail_lock:
                msgs = [m for m in self.messages.values() if m.get("channel") == args.get("channel")]
            if method == "conversations.history":
                found = [m for m in msgs if not m.get("thread_ts")]
            else:
                found = [m for m in msgs if m.get("thread_ts") == args.get("ts") or m.get("ts") == args.get("ts")]
            found.sort(key=lambda m: str(m.get("ts")), reverse=True)
            limit = int(args.get("limit") or 100)
            return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            with self._fail_lock:
                if args.get("ts") in self.messages:
                    self.messages[str(args["ts"])].update({k: v for k, v in args.items() if k != "ts"})
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.delete":
            with self._fail_lock:
                self.messages.pop(str(args.get("ts")), None)
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            fid = f"F{next(self._files):04d}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            if isinstance(files, str):
                files = json.loads(files)
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files or []]}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": args.get("channel"), "is_member": True}}
        return {"ok": True}


class ServedApp:
    """A Bolt app served as in production (waitress + the Flask adapter) on 127.0.0.1:ephemeral."""

    def __init__(self, bolt_app: Any, secret: str):
        from waitress import create_server

        from bot.app import flask_app

        self.secret = secret
        self.server = create_server(flask_app(bolt_app), host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}/slack/events"
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):  # the socket map closed under the loop at shutdown
            pass

    def __enter__(self) -> ServedApp:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.close()

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None,
             signed: bool = True) -> tuple[int, str]:
        """POST ``body`` signed as Slack signs it; returns (status, response text)."""
        import urllib.error
        import urllib.request

        hdrs = {"Content-Type": content_type, **(sign(body, self.secret) if signed else {}), **(headers or {})}
        req = urllib.request.Request(self.url, data=body.encode(), headers=hdrs, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def command(self, text: str, *, team: str = "T1", user: str = "U1", channel: str = "C1",
                response_url: str = "", trigger_id: str | None = None) -> tuple[int, str]:
        from urllib.parse import urlencode

        trigger_id = trigger_id or f"trig-{next(_TRIGGERS)}"  # Slack mints one per invocation
        body = urlencode({"token": "legacy", "team_id": team, "team_domain": "fake", "channel_id": channel,
                          "channel_name": "desk", "user_id": user, "user_name": user, "command": "/alvh",
                          "text": text, "api_app_id": "A1", "response_url": response_url,
                          "trigger_id": trigger_id})
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str, *, team: str = "T1",
              retry: int | None = None) -> tuple[int, str]:
        body = json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A1", "event": event,
                           "type": "event_callback", "event_id": event_id, "event_time": 1700000000,
                           "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}]})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.post(body, "application/json", headers)

    def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        from urllib.parse import urlencode

        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
