"""Harness of the reliability tests: the real Bolt app served by waitress on loopback against the
bot engineer's fake Slack (tests/fake_slack.py), signed-request builders, and a full database dump.

Other test_reliability_* modules import from here; the one test below checks the harness itself.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fake_slack import BOT_USER_ID, FakeSlack, sign

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# fake tokens, assembled at run time so no token-shaped literal sits in the repo for scanners to flag
BOT_TOKEN = "xoxb" + "-1111111111-2222222222-FAKEbotTOKENforTESTS"
APP_TOKEN = "xapp" + "-1-A111-222-FAKEappTOKENforTESTS"
NOW = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # a Tuesday, NYSE session
TODAY = dt.date(2026, 11, 24)
CONDOR_TEXT = "SPX IC 5600/5650/6150/6200 2026-12-18 x10 @4.80"


class Served:
    """A running bot: ``url`` of /slack/events, ``store``, ``slack`` (the fake), ``services``."""

    def __init__(self, url: str, store: Any, slack: FakeSlack, services: Any, app: Any):
        self.url, self.store, self.slack, self.services, self.app = url, store, slack, services, app

    def drain(self, timeout: float = 60.0) -> None:
        """Wait (bounded) until every job the app acknowledged has been run (done, or given up)."""
        from bot.app import pool_of

        pool = pool_of(self.app)
        assert pool is not None and pool.drain(timeout), "jobs still pending after the drain timeout"

    # ----- requests ---------------------------------------------------------------------------
    #: the client's socket timeout (a hung request fails the test instead of blocking it; load tests raise it:
    #: how fast acks come back is measured in bench/bench_load.py, not asserted on a shared machine)
    client_timeout: float = 10.0

    def post_raw(self, body: bytes | str, headers: dict[str, str], timeout: float | None = None) -> tuple[int, bytes]:
        timeout = self.client_timeout if timeout is None else timeout
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def command(self, text: str, team: str = "T1", user: str = "U1", channel: str = "C1",
                trigger_id: str | None = None, timestamp: int | None = None,
                extra_headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
        """Send a signed ``/alvh text`` slash command; returns (status, body, form body sent)."""
        form = command_body(text, team, user, channel, trigger_id, self.slack.response_url(f"{team}-{user}"))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(form, SECRET, timestamp),
                   **(extra_headers or {})}
        status, out = self.post_raw(form, headers)
        return status, out, form

    def event(self, payload: dict[str, Any], extra_headers: dict[str, str] | None = None,
              timestamp: int | None = None) -> tuple[int, bytes]:
        body = json.dumps(payload)
        headers = {"Content-Type": "application/json", **sign(body, SECRET, timestamp), **(extra_headers or {})}
        return self.post_raw(body, headers)


_trigger = iter(range(1, 10**9))
_lock = threading.Lock()


def next_trigger() -> str:
    with _lock:
        return f"{next(_trigger)}.{int(time.time())}.abcdef"


def command_body(text: str, team: str = "T1", user: str = "U1", channel: str = "C1",
                 trigger_id: str | None = None, response_url: str = "http://127.0.0.1:9/respond/x") -> str:
    return urlencode({
        "token": "legacy-verification-token", "team_id": team, "team_domain": team.lower(),
        "channel_id": channel, "channel_name": "desk", "user_id": user, "user_name": user.lower(),
        "command": "/alvh", "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id or next_trigger(),
    })


def message_event(team: str, channel: str, user: str, text: str, ts: str, thread_ts: str | None,
                  event_id: str) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                             "team": team, "channel_type": "channel", "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "legacy", "team_id": team, "api_app_id": "A1", "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}]}


def dump(db_path: str | Path) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), read through a fresh connection."""
    conn = sqlite3.connect(str(db_path))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


@contextmanager
def served_bot(tmp_path: Path, threads: int = 8, compare_paths: int = 200, read_only: bool = False,
               **settings_extra: Any) -> Iterator[Served]:
    """The real app (bot.app.build_app + flask_app) under waitress on 127.0.0.1, Slack faked.
    ``settings_extra``: more ``Settings`` fields (queue limits, budget). ``read_only``: the bot's
    database opened read-only (SQLite ``mode=ro``), as a read-only file or mount gives it."""
    from waitress import create_server

    from bot.app import build_app, flask_app
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.settings import Settings
    from bot.store import Store

    with FakeSlack() as slack:
        settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.api_url,
                            alvh_db=str(tmp_path / "bot.sqlite"), **settings_extra)
        store = Store(settings.alvh_db)
        if read_only:
            store.close()
            store = Store(settings.alvh_db, read_only=True)
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW,
                            compare_paths=compare_paths, charts=False)
        app = build_app(settings, services)
        server = create_server(flask_app(app), host="127.0.0.1", port=0, threads=threads,
                               max_request_body_size=2_000_000, asyncore_loop_timeout=0.1)
        stopping = threading.Event()

        def run() -> None:
            try:
                server.run()
            except (OSError, ValueError):  # the select loop sees its socket closed at shutdown
                if not stopping.is_set():
                    raise

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            yield Served(f"http://127.0.0.1:{server.effective_port}/slack/events", store, slack, services, app)
        finally:
            from bot.app import pool_of

            stopping.set()
            server.task_dispatcher.shutdown(timeout=5)
            server.close()
            thread.join(timeout=5)
            pool = pool_of(app)
            if pool is not None:
                pool.stop()


def seed_team(store: Any, team: str, channel: str = "C1", user: str = "U1", condor: str = CONDOR_TEXT,
              spot: float = 5900.0, vix: float = 17.0) -> int:
    """One open position and today's mark for ``team``; returns the position id."""
    from alvh_core.grammar import parse_position

    pid = store.add_position(team, user, channel, parse_position(condor, TODAY))
    store.add_mark(team, user, TODAY, spot, vix)
    return pid


def test_harness_round_trip(tmp_path: Path) -> None:
    """A signed `/alvh list` is acknowledged with 200 and answered through the fake Slack."""
    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "T1")
        status, _, _ = bot.command("list", team="T1")
        assert status == 200
        calls = bot.slack.recorder.wait_for(
            lambda cs: any(c.method in ("chat.postMessage", "response_url") for c in cs))
        texts = json.dumps([c.args for c in calls])
        assert "5600" in texts
