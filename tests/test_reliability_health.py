"""Health that tells the truth: /healthz is 200 only when the database takes a write and the workers
are not stuck; with a read-only database every user is told "could not save" (ack or ephemeral)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from test_reliability_harness import message_event, seed_team, served_bot

from bot.store import Store


def _health(bot) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    url = bot.url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_healthz_ok_on_a_writable_database(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        status, out = _health(bot)
        assert status == 200 and out["ok"] is True and out["pending_jobs"] == 0
        assert bot.store.db.execute("SELECT owner FROM health").fetchone()[0] == "healthz"  # it really wrote


def test_read_only_database_fails_health_and_every_user_is_told(tmp_path: Path) -> None:
    seeded = Store(tmp_path / "bot.sqlite")
    pid = seed_team(seeded, "T1")
    seeded.link_thread("T1", "C1", "1600000000.000100", pid)
    seeded.close()
    with served_bot(tmp_path, read_only=True) as bot:
        status, out = _health(bot)
        assert status == 503 and "database cannot be written" in out["problems"][0]
        assert "readonly" in out["problems"][0]
        status, body, _ = bot.command("list")
        assert status == 200 and body.startswith(b"Could not save your request") and b"read-only" in body
        ev = message_event("T1", "C1", "U2", "greeks", "1700000001.000001", "1600000000.000100", "EvRO")
        assert bot.event(ev)[0] == 200
        told = bot.slack.recorder.wait_count("chat.postEphemeral", 1)[0].args
        assert told["user"] == "U2" and told["text"].startswith("Could not save your request")
        assert bot.slack.recorder.of("chat.postMessage") == []


def test_stuck_worker_fails_health(tmp_path: Path) -> None:
    with served_bot(tmp_path, job_stuck_s=0.5) as bot:
        bot.slack.delays["views.open"] = 3.0  # a job that hangs in the Web API
        assert bot.command("open")[0] == 200
        deadline = time.monotonic() + 10
        while True:
            status, out = _health(bot)
            if status == 503:
                break
            assert time.monotonic() < deadline, out
            time.sleep(0.1)
        assert "running for" in out["problems"][0]
        bot.drain()
        assert _health(bot)[0] == 200  # healthy again once the job finished
