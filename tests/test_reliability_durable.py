"""Nothing acknowledged is ever lost: a burst of signed `/alvh open` against `python -m bot`, SIGKILLed
mid-burst and restarted, answers every acknowledged request exactly once (one post, one position);
a job left running by a dead process is re-run and Slack's retry of it is not answered twice; a post
that reached Slack before the crash is found by its metadata key and not posted again."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fake_slack import FakeSlack, sign
from test_reliability_harness import BOT_TOKEN, SECRET, command_body, message_event, seed_team, served_bot

REPO = Path(__file__).resolve().parents[1]
BURST = 300
CLIENTS = 20
TEAMS = [f"T{i:02d}" for i in range(10)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_bot(tmp: Path, slack: FakeSlack, port: int, log_name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ALVH_"))}
    env.update({"PYTHONPATH": str(REPO), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url, "ALVH_DB": str(tmp / "bot.sqlite"), "PORT": str(port),
                "ALVH_JOB_LEASE_S": "2", "ALVH_TEAM_QUEUE": "1000", "ALVH_CHARTS": "false", "ALVH_WORKERS": "4"})
    out = open(tmp / log_name, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError((tmp / log_name).read_text()[-2000:])


def _post(port: int, form: str) -> int | None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=form.encode(), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", **sign(form, SECRET)})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            resp.read()
            return resp.status
    except Exception:  # noqa: BLE001 - killed mid-request: not acknowledged
        return None


def test_sigkill_during_a_burst_loses_nothing_acknowledged(tmp_path: Path) -> None:
    import sqlite3

    with FakeSlack() as slack:
        port = _free_port()
        bot = _start_bot(tmp_path, slack, port, "first.log")
        requests = []
        for i in range(BURST):
            team = TEAMS[i % len(TEAMS)]
            trigger = f"burst-{i}"
            requests.append((team, trigger, command_body(f"open SPX IC 5600/5650/6150/6200 45DTE x{i + 1} @4.80",
                                                         team=team, user="U1", channel=f"C{team}", trigger_id=trigger,
                                                         response_url=slack.response_url(trigger))))
        acked: dict[str, str] = {}
        lock = threading.Lock()

        def send(req: tuple[str, str, str]) -> None:
            team, trigger, form = req
            if _post(port, form) == 200:
                with lock:
                    acked[trigger] = team

        def killer() -> None:  # SIGKILL once a third of the burst is acknowledged
            while len(acked) < BURST // 3:
                time.sleep(0.01)
            bot.send_signal(signal.SIGKILL)

        k = threading.Thread(target=killer)
        k.start()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(send, requests))
        k.join(timeout=60)
        bot.wait(timeout=10)
        assert bot.returncode == -signal.SIGKILL
        conn = sqlite3.connect(str(tmp_path / "bot.sqlite"))
        left = conn.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
        conn.close()
        assert left > 0, "the kill came after all work was done: the test proved nothing"
        answered_before = len([c for c in slack.recorder.of("chat.postMessage") if c.ok])

        bot2 = _start_bot(tmp_path, slack, port, "second.log")
        try:
            # the rest of the burst arrives after the restart
            rest = [r for r in requests if r[1] not in acked]
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                list(pool.map(send, rest))
            deadline = time.monotonic() + 120
            while True:
                conn = sqlite3.connect(str(tmp_path / "bot.sqlite"))
                pending = conn.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
                conn.close()
                if pending == 0:
                    break
                assert time.monotonic() < deadline, f"{pending} jobs still pending 120 s after the restart"
                time.sleep(0.2)
        finally:
            bot2.send_signal(signal.SIGTERM)
            bot2.wait(timeout=10)

        posts = [c.args for c in slack.recorder.of("chat.postMessage") if c.ok]
        by_trigger: dict[str, int] = {}
        for p in posts:
            key = ((p.get("metadata") or {}).get("event_payload") or {}).get("key", "")
            trigger = key.split(":")[2].split("#")[0] if key.count(":") >= 2 else ""
            by_trigger[trigger] = by_trigger.get(trigger, 0) + 1
        conn = sqlite3.connect(str(tmp_path / "bot.sqlite"))
        origins = [r[0] for r in conn.execute("SELECT origin FROM positions")]
        dead = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'dead'").fetchone()[0]
        conn.close()
        assert len(acked) == BURST, "every request is acknowledged (before the kill, or by the restarted bot)"
        missing = [t for t in acked if by_trigger.get(t, 0) == 0]
        doubled = [t for t, n in by_trigger.items() if n > 1]
        assert missing == [] and doubled == [], (missing[:5], doubled[:5])
        assert sorted(o.split(":")[2] for o in origins) == sorted(acked)  # one position per request
        # what the channel shows now: one message per request, the answer (a "working..." message
        # replaced in place, or the answer posted), never a stale "working..."
        shown: dict[str, list[str]] = {}
        for m in slack.messages.values():
            key = ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
            if key.count(":") >= 2:
                shown.setdefault(key.split(":")[2].split("#")[0], []).append(m.get("text") or "")
        assert sorted(shown) == sorted(acked)
        bad = {t: texts for t, texts in shown.items() if len(texts) != 1 or "ecorded" not in texts[0]}
        assert bad == {}, list(bad.items())[:3]
        assert dead == 0
        report = {"acknowledged": len(acked), "answered_before_kill": answered_before,
                  "pending_at_kill": left, "answered_once": len(by_trigger), "positions": len(origins)}
        (tmp_path / "report.json").write_text(json.dumps(report))
        print("durability:", report)


def test_job_left_running_by_a_dead_process_is_rerun_and_slacks_retry_is_not_answered_twice(tmp_path: Path) -> None:
    """The issue's case: a thread question acknowledged, the bot killed while answering (its job row
    still 'running' with a lapsed lease), restarted, then Slack's retry arrives: answered exactly once."""
    from bot.jobs import JobQueue, Limits
    from bot.store import Store

    store = Store(tmp_path / "bot.sqlite")
    pid = seed_team(store, "T1")
    thread_ts = "1600000000.000100"
    store.link_thread("T1", "C1", thread_ts, pid)
    event = message_event("T1", "C1", "U2", "explain gamma", "1700000002.000001", thread_ts, "EvCrash")
    queue = JobQueue(store, Limits())
    assert queue.submit("message", "event:T1:EvCrash", "T1", {"body": event, "bot_user_id": "UBOT"}).outcome == "queued"
    job = queue.claim("dead-process")  # the crashed process had claimed it...
    assert job is not None
    with store.transaction() as db:  # ...and its lease ran out while it was dead
        db.execute("UPDATE jobs SET lease_until = 0 WHERE id = ?", [job.id])
    store.close()
    with served_bot(tmp_path) as bot:  # the restart: same database
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert bot.event(event, retry)[0] == 200
        bot.drain()
        answers = bot.slack.thread_posts(thread_ts)
        assert len(answers) == 1 and "gamma" in answers[0]["text"].lower()
        assert [m["role"] for m in bot.store.thread_messages("T1", "C1", thread_ts)] == ["question", "answer"]
        assert bot.store.jobs("T1")[-1]["status"] == "done" and bot.store.jobs("T1")[-1]["attempts"] == 2


def test_post_that_reached_slack_before_the_crash_is_not_posted_again(tmp_path: Path) -> None:
    """The crash fell between chat.postMessage and its record: the ledger says 'sending'; the retry
    finds the key in the thread's history (message metadata) and posts nothing."""
    with served_bot(tmp_path) as bot:
        pid = seed_team(bot.store, "T1")
        thread_ts = "1600000000.000200"
        bot.store.link_thread("T1", "C1", thread_ts, pid)
        key = "event:T1:EvHalf#msg0"
        bot.store.post_sending(key, "T1", "C1", thread_ts, time.time())
        bot.slack.messages["1700000009.000001"] = ({"text": "an answer that got through", "ts": "1700000009.000001",
                                   "thread_ts": thread_ts, "channel": "C1",
                                   "metadata": {"event_type": "alvh_reply", "event_payload": {"key": key}}})
        event = message_event("T1", "C1", "U2", "explain vega", "1700000003.000001", thread_ts, "EvHalf")
        assert bot.event(event)[0] == 200
        bot.drain()
        assert bot.slack.recorder.of("chat.postMessage") == []
        assert bot.slack.recorder.of("conversations.replies")  # it looked before posting
        assert bot.store.post_record(key)["status"] == "posted"
        assert bot.store.post_record(key)["ts"] == "1700000009.000001"


def test_daily_post_that_reached_slack_before_a_kill_is_not_posted_again(tmp_path: Path) -> None:
    """`daily --once` killed after Slack received the summary: its slot stayed 'claimed' and its ledger
    row 'sending'. The next run (after the claim went stale) finds the key in the channel history."""
    import datetime as dt

    from test_reliability_harness import NOW, TODAY

    from bot.schedule import run_daily, slack_poster
    from bot.slack_client import make_web_client

    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "T1")
        bot.store.subscribe("T1", "C1", "16:15", "U1")
        assert bot.store.claim_daily_post("T1", "C1", TODAY, now=NOW - dt.timedelta(hours=1))  # the killed run
        key = f"daily:T1:C1:{TODAY.isoformat()}#msg0"
        bot.store.post_sending(key, "T1", "C1", None, time.time())
        bot.slack.messages["1700000050.000001"] = ({"text": "Daily adjustment summary", "ts": "1700000050.000001", "thread_ts": None,
                                   "channel": "C1", "metadata": {"event_type": "alvh_reply",
                                                                 "event_payload": {"key": key}}})
        results = run_daily(bot.services, slack_poster(make_web_client(BOT_TOKEN, bot.slack.api_url), bot.store),
                            now=NOW, force=True)
        assert [(r.status, r.message_ts) for r in results] == [("posted", "1700000050.000001")]
        assert bot.slack.recorder.of("chat.postMessage") == []
        assert bot.slack.recorder.of("conversations.history")
