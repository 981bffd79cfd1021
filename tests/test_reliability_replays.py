"""Replays and shapes: resent interactions run once; `team: null` payloads are resolved or refused;
history answers stay in their channel; hostile shapes are 400 before any recursive parse; nothing of
a refused request (body, response_url) is logged; secrets from `.env` and in API errors are redacted."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlencode

from fake_slack import sign
from test_reliability_harness import BOT_TOKEN, NOW, SECRET, message_event, seed_team, served_bot

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _interaction(bot, payload: dict) -> int:  # type: ignore[no-untyped-def, type-arg]
    body = urlencode({"payload": json.dumps(payload)})
    return bot.post_raw(body, {**FORM, **sign(body, SECRET)})[0]


def _modal_payload(view_id: str, team: object = None) -> dict:  # type: ignore[type-arg]
    values = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in
              {"expiry": "45DTE", "long_put": "5600", "short_put": "5650", "short_call": "6150",
               "long_call": "6200", "quantity": "10", "credit": "17"}.items()}
    return {"type": "view_submission", "team": team if team is not None else {"id": "T1"},
            "user": {"id": "U1", "team_id": "T1"},
            "view": {"id": view_id, "type": "modal", "callback_id": "alvh_open_modal", "private_metadata": "C1",
                     "state": {"values": values}}, "trigger_id": "t-modal"}


def _click(pid: int, team: object, user: dict, trigger: str = "click-1") -> dict:  # type: ignore[type-arg]
    return {"type": "block_actions", "team": team, "user": user, "channel": {"id": "C1"},
            "message": {"ts": "1600000000.000100"}, "trigger_id": trigger,
            "actions": [{"action_id": "alvh_whatif", "value": str(pid), "type": "button", "action_ts": "1.2"}]}


def test_resent_view_submission_opens_one_position_and_click_posts_once(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "T1")
        before = len(bot.store.open_positions("T1"))
        assert [_interaction(bot, _modal_payload("V-1")) for _ in range(3)] == [200, 200, 200]
        pid = bot.store.open_positions("T1")[0]["id"]
        assert [_interaction(bot, _click(pid, {"id": "T1"}, {"id": "U1"})) for _ in range(3)] == [200, 200, 200]
        bot.drain()
        assert len(bot.store.open_positions("T1")) == before + 1
        shown = [m.get("text") or "" for m in bot.slack.messages.values()]  # as a user sees them now
        assert sum("Recorded #" in t for t in shown) == 1
        assert sum(t.startswith("What if") for t in shown) == 1  # the "working..." message, replaced
        assert not any("working on" in t for t in shown)
        assert len(bot.store.analyses("T1", pid, "what_if")) <= 1
        assert len([j for j in bot.store.jobs("T1") if j["kind"] != "home"]) == 2  # one per distinct interaction


def test_team_null_is_resolved_from_the_user_or_enterprise_else_refused(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        pid = seed_team(bot.store, "T1")
        # another workspace's org-wide click with team: null names its workspace in user.team_id
        assert _interaction(bot, _click(pid, None, {"id": "U9", "team_id": "T2"}, "c-t2")) == 200
        # no workspace at all, only the enterprise: the enterprise is the tenant
        enterprise_click = {**_click(pid, None, {"id": "U8"}, "c-e1"), "enterprise": {"id": "E1"}}
        assert _interaction(bot, enterprise_click) == 200
        # nothing names a workspace: refused, nothing stored under team ""
        assert _interaction(bot, _click(pid, None, {"id": "U7"}, "c-none")) == 200
        bot.drain()
        teams = {j["team_id"] for j in bot.store.jobs()}
        assert teams == {"T2", "E:E1"}
        assert "" not in {r[0] for r in bot.store.db.execute("SELECT team_id FROM messages")}
        shown = json.dumps([c.args for c in bot.slack.recorder.calls if c.method != "auth.test"])
        assert "5650" not in shown  # neither T2 nor E:E1 sees T1's position #pid
        calls = bot.slack.recorder.wait_for(lambda cs: any(  # told from a short-lived thread, not the ack
            c.method == "chat.postEphemeral" and c.args.get("user") == "U7" for c in cs))
        refusals = [c.args for c in calls if c.method == "chat.postEphemeral" and c.args.get("user") == "U7"]
        assert "names no workspace" in refusals[0]["text"]


def test_history_answer_is_scoped_to_the_channel_it_was_recorded_in(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        pid = seed_team(bot.store, "T1")
        bot.store.record_exchange("T1", "CPRIVATE", "1600000000.000900", pid, "U1", "secret plan?",
                                  "we decided the zebra-plan", "status")
        bot.store.record_exchange("T1", "C1", None, pid, "U1", "public plan?", "we decided the lion-plan", "status")
        with bot.store.transaction() as db:  # the store stamps the wall clock; the bot runs at NOW
            db.execute("UPDATE messages SET created_at = ?", [NOW.isoformat(timespec="seconds")])
        mention = message_event("T1", "C1", "U1", "<@UBOT> what did we decide?", "1700000300.000001", None, "EvH1")
        mention["event"]["type"] = "app_mention"
        assert bot.event(mention)[0] == 200
        bot.drain()
        answer = bot.slack.thread_posts("1700000300.000001")
        assert len(answer) == 1
        assert "lion-plan" in answer[0]["text"] and "zebra-plan" not in answer[0]["text"]


def test_deep_nesting_and_bad_timestamps_are_400_without_a_traceback(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    with served_bot(tmp_path) as bot:
        deep_event = '{"type": "event_callback", "team_id": "T1", "event": ' + "[" * 50_000 + "]" * 50_000 + "}"
        assert bot.post_raw(deep_event, {"Content-Type": "application/json", **sign(deep_event, SECRET)})[0] == 400
        deep_form = urlencode({"payload": '{"type": "block_actions", "x": ' + "{\"a\":" * 20_000 + "1"
                               + "}" * 20_000 + "}"})
        assert bot.post_raw(deep_form, {**FORM, **sign(deep_form, SECRET)})[0] == 400
        ok = json.dumps(message_event("T1", "C1", "U1", "hi", "1.1", None, "EvTs"))
        for stamp in ("¹²³", "9" * 400):
            headers = {"Content-Type": "application/json", **sign(ok, SECRET), "X-Slack-Request-Timestamp": stamp}
            assert bot.post_raw(ok.encode(), headers)[0] == 400
        assert bot.command("list")[0] == 200  # still serving
        bot.drain()
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


def test_refused_requests_log_no_body_and_no_response_url(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """20 unsigned ~900 kB commands (the issue: 100 x 1 MB gave 94 MB of log): a few lines, no body."""
    caplog.set_level(logging.DEBUG)
    hook = "https://hooks.slack.com/commands/T1/999/SECRETHOOK"
    with served_bot(tmp_path) as bot:
        body = urlencode({"command": "/alvh", "text": "x" * 900_000, "team_id": "T1", "response_url": hook})
        for _ in range(20):
            assert bot.post_raw(body, FORM)[0] == 401
    assert "SECRETHOOK" not in caplog.text and "xxxxxxxxxx" not in caplog.text
    assert len(caplog.text) < 20_000


def test_dotenv_secrets_are_redacted_and_api_errors_stored_redacted(tmp_path: Path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from alvh_core.settings import Settings
    from bot.redaction import install_log_redaction, secrets_of, uninstall_log_redaction
    from bot.schedule import run_daily, slack_poster
    from bot.slack_client import make_web_client

    dotenv_secret = "dotenv-only-signing-secret-0123456789"
    (tmp_path / ".env").write_text(f"SLACK_SIGNING_SECRET={dotenv_secret}\nSLACK_BOT_TOKEN={BOT_TOKEN}\n")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert dotenv_secret in secrets_of(settings)
    install_log_redaction(secrets_of(settings))
    try:
        caplog.set_level(logging.INFO)
        logging.getLogger("bot.test").info("echo %s and %s", dotenv_secret, BOT_TOKEN)
        assert dotenv_secret not in caplog.text and BOT_TOKEN not in caplog.text
        # a proxy echoes the Authorization header in its error: stored redacted
        (tmp_path / "db").mkdir()
        with served_bot(tmp_path / "db") as bot:
            seed_team(bot.store, "T1")
            bot.store.subscribe("T1", "C1", "16:15", "U1")
            bot.slack.fail_next("chat.postMessage", 1, f"invalid_auth: Authorization: Bearer {BOT_TOKEN}")
            results = run_daily(bot.services, slack_poster(make_web_client(BOT_TOKEN, bot.slack.api_url),
                                                           bot.store), now=NOW, force=True)
            assert [r.status for r in results] == ["failed"]
            stored = json.dumps(bot.store.daily_posts())
            assert "invalid_auth" in stored and BOT_TOKEN not in stored and "FAKEbot" not in stored
    finally:
        uninstall_log_redaction()


def test_legacy_verification_token_is_not_stored_with_the_job(tmp_path: Path) -> None:
    with served_bot(tmp_path) as bot:
        seed_team(bot.store, "T1")
        assert bot.command("list")[0] == 200
        bot.drain()
        stored = bot.store.jobs("T1")[0]["payload_json"]
        assert "legacy-verification-token" not in stored and '"team_id":"T1"' in stored
