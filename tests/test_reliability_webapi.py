"""Slack Web API faults (429 + Retry-After, 5xx, timeouts, dropped connections) are retried by the
client of bot/slack_client.py; the daily summary posts each channel exactly once whatever fails; no
token or signing secret reaches a log line or a user."""
from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fake_slack import FakeSlack
from slack_sdk.errors import SlackApiError
from test_reliability_harness import APP_TOKEN, BOT_TOKEN, NOW, SECRET, message_event, seed_team, served_bot

from bot.redaction import MASK, install_log_redaction, redact, uninstall_log_redaction
from bot.slack_client import make_web_client


class FaultyApi:
    """A Web API whose next responses are scripted: ("status", code, headers), ("close",), ("sleep", s);
    after the script: 200 ``{"ok": true, "ts": ...}``. ``times`` records when each request arrived."""

    def __init__(self, script: list[tuple]):
        self.script = list(script)
        self.times: list[float] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.times.append(time.monotonic())
                step = api.script.pop(0) if api.script else ("ok",)
                if step[0] == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if step[0] == "sleep":
                    time.sleep(step[1])
                    step = ("ok",)
                code, headers = (200, {}) if step[0] == "ok" else (step[1], step[2] if len(step) > 2 else {})
                body = json.dumps({"ok": code == 200, "ts": "1.0", **({} if code == 200 else {"error": "x"})})
                self.send_response(code)
                for k, v in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def faulty():  # type: ignore[no-untyped-def]
    made: list[FaultyApi] = []

    def make(script: list[tuple]) -> FaultyApi:
        api = FaultyApi(script)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.mark.parametrize("script", [
    [("status", 500), ("status", 502), ("status", 503)],
    [("status", 504)],
    [("close",), ("close",)],
    [("sleep", 1.5)],
    [("status", 503), ("close",), ("sleep", 1.5)],
], ids=["5xx", "504", "dropped", "timeout", "mixed"])
def test_transient_faults_are_retried(faulty, script) -> None:  # type: ignore[no-untyped-def]
    api = faulty(script)
    client = make_web_client(BOT_TOKEN, api.url, backoff=0.01, timeout=1)
    resp = client.chat_postMessage(channel="C1", text="hi")
    assert resp["ok"] is True
    assert len(api.times) == len(script) + 1


def test_rate_limit_waits_retry_after(faulty) -> None:  # type: ignore[no-untyped-def]
    api = faulty([("status", 429, {"Retry-After": "1"})])
    client = make_web_client(BOT_TOKEN, api.url, backoff=0.01)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(api.times) == 2
    assert api.times[1] - api.times[0] >= 1.0  # Slack's Retry-After honoured, not a speed bound


def test_retries_are_bounded_then_the_error_surfaces(faulty) -> None:  # type: ignore[no-untyped-def]
    api = faulty([("status", 503)] * 10)
    client = make_web_client(BOT_TOKEN, api.url, max_retries=2, backoff=0.01)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")
    assert len(api.times) == 3


def test_app_client_and_per_request_clients_carry_the_retry_handlers(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        kinds = {type(h).__name__ for h in bot.app.client.retry_handlers}
        assert {"RateLimitErrorRetryHandler", "TransientServerErrorRetryHandler",
                "ConnectionErrorRetryHandler"} <= kinds


# ----- daily summary: exactly once per channel ----------------------------------------------------
class FlakyChannelSlack(FakeSlack):
    """Fake Slack whose chat.postMessage to a given channel fails the first ``n`` times
    (``mode`` "ok_false": HTTP 200 {ok: false}; "http_503": a server error the client retries)."""

    def __init__(self, failures: dict[str, tuple[int, str]]):
        super().__init__()
        self.left = {ch: n for ch, (n, _) in failures.items()}
        self.mode = {ch: m for ch, (_, m) in failures.items()}

    def _handle(self, path: str, ctype: str, raw: bytes) -> tuple[int, Any]:
        if path.endswith("chat.postMessage"):
            channel = self._parse(ctype, raw).get("channel")
            with self._fail_lock:
                failing = self.left.get(channel, 0) > 0
                if failing:
                    self.left[channel] -= 1
            if failing:
                if self.mode[channel] == "http_503":
                    return 503, {"ok": False, "error": "service_unavailable"}
                return 200, {"ok": False, "error": "internal_error"}
        return super()._handle(path, ctype, raw)


def _daily_services(tmp_path: Path):  # type: ignore[no-untyped-def]
    from bot.market_data import RecordedMarks
    from bot.services import Services
    from bot.store import Store

    store = Store(tmp_path / "daily.sqlite")
    for team, channel in (("T1", "C1"), ("T1", "C2"), ("T2", "C3")):
        seed_team(store, team, channel)
        store.subscribe(team, channel, "16:15", "U1")
    return Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW, charts=False)


def test_daily_summary_posts_each_channel_once_whatever_fails(tmp_path: Path) -> None:
    from bot.schedule import run_daily, slack_poster

    services = _daily_services(tmp_path)
    with FlakyChannelSlack({"C1": (3, "ok_false"), "C2": (2, "http_503")}) as slack:
        client = make_web_client(BOT_TOKEN, slack.api_url, backoff=0.01)
        post = slack_poster(client)
        tick_results = []
        for _ in range(5):  # the scheduler ticks; two schedulers race on the last ticks
            runs = [threading.Thread(target=lambda: tick_results.append(run_daily(services, post, now=NOW, force=True)))
                    for _ in range(2)]
            for t in runs:
                t.start()
            for t in runs:
                t.join()
        ok_posts = [c.args["channel"] for c in slack.recorder.of("chat.postMessage")]  # accepted ones
        assert slack.left == {"C1": 0, "C2": 0}  # every scripted failure was hit
    delivered = {ch: sum(1 for r in sum(tick_results, []) if r.channel_id == ch and r.status == "posted")
                 for ch in ("C1", "C2", "C3")}
    assert delivered == {"C1": 1, "C2": 1, "C3": 1}
    assert sorted(ok_posts) == ["C1", "C2", "C3"]  # one message per channel reached Slack
    rows = {r["channel_id"]: r for r in services.store.daily_posts()}
    assert {ch: rows[ch]["status"] for ch in rows} == {"C1": "posted", "C2": "posted", "C3": "posted"}
    # C1: 3 refused ticks + 1; C2: two 503s retried inside one call; C3: first time
    assert (rows["C1"]["attempts"], rows["C2"]["attempts"], rows["C3"]["attempts"]) == (4, 1, 1)


def test_daily_summary_gives_up_after_max_attempts_and_never_double_posts(tmp_path: Path) -> None:
    from bot.schedule import run_daily, slack_poster
    from bot.store import MAX_POST_ATTEMPTS

    services = _daily_services(tmp_path)
    with FlakyChannelSlack({"C1": (100, "ok_false")}) as slack:
        post = slack_poster(make_web_client(BOT_TOKEN, slack.api_url, backoff=0.01))
        for _ in range(MAX_POST_ATTEMPTS + 3):
            run_daily(services, post, now=NOW, force=True)
        c1 = [c for c in slack.recorder.of("chat.postMessage") if c.args["channel"] == "C1"]
        tried = 100 - slack.left["C1"]
    assert c1 == [] and tried == MAX_POST_ATTEMPTS
    row = next(r for r in services.store.daily_posts() if r["channel_id"] == "C1")
    assert row["status"] == "failed" and "internal_error" in row["error"]


# ----- secrets ----------------------------------------------------------------------------------
def test_redact_masks_tokens_bearer_and_literal_secrets() -> None:
    text = (f"token={BOT_TOKEN} app={APP_TOKEN} Authorization: Bearer xoxp-123-abc "
            f"secret {SECRET} user xoxe.xoxp-1-abc plain words stay")
    out = redact(text, [SECRET])
    for secret in (BOT_TOKEN, APP_TOKEN, SECRET, "xoxp-123-abc"):
        assert secret not in out
    assert out.count(MASK) >= 4 and "plain words stay" in out
    assert redact("short xy", ["xy"]) == "short xy"  # too short to be a secret: not masked


def test_tokens_come_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    s = Settings(_env_file=None)
    assert s.slack_bot_token == BOT_TOKEN and s.slack_signing_secret == SECRET


def test_no_secret_in_logs_or_replies_during_a_failing_run(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """A run with recognisable fake tokens: a forged request, a Web API call failing with invalid_auth,
    a listener crash whose message carries the token, and a careless log of the settings object."""
    from bot.settings import Settings

    install_log_redaction([BOT_TOKEN, SECRET, APP_TOKEN])
    try:
        caplog.set_level(logging.DEBUG)
        with served_bot(tmp_path) as bot:
            pid = seed_team(bot.store, "T1")
            bot.store.link_thread("T1", "C1", "1600000000.000100", pid)
            assert bot.post_raw("text=status", {"Content-Type": "application/x-www-form-urlencoded",
                                                "X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": "1"})[0] == 401
            bot.slack.fail_next("chat.postMessage", 5, "invalid_auth")
            bot.event(message_event("T1", "C1", "U2", "explain gamma", "1700000005.000001",
                                    "1600000000.000100", "EvSECRET"))
            bot.command("list", team="T1")
            bot.drain()
            logging.getLogger("bot.test").info("settings at start-up: %r", Settings(
                slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=APP_TOKEN))
            try:
                raise RuntimeError(f"call failed with token {BOT_TOKEN}")
            except RuntimeError:
                logging.getLogger("bot.test").exception("listener crashed")
            seen_by_users = json.dumps([c.args for c in bot.slack.recorder.calls
                                        if c.method in ("chat.postMessage", "chat.postEphemeral", "response_url")])
    finally:
        uninstall_log_redaction()
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "invalid_auth" in logged  # the failing call was logged ...
    assert MASK in logged  # ... and redaction did happen
    for secret in (BOT_TOKEN, SECRET, APP_TOKEN, "FAKEbotTOKEN", "FAKEappTOKEN"):
        assert secret not in logged
        assert secret not in seen_by_users


def test_settings_repr_hides_secrets() -> None:
    from bot.settings import Settings

    s = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_app_token=APP_TOKEN, _env_file=None)
    shown = repr(s) + str(s)
    assert BOT_TOKEN not in shown and SECRET not in shown and APP_TOKEN not in shown
    assert s.slack_bot_token == BOT_TOKEN  # still readable where it is needed
