"""Start-up: no network or a token Slack rejects -> one line naming the problem, exit 2 (issue 15)."""
from __future__ import annotations

import socket

from bot.settings import Settings
from bot.startup import startup_problem
from tests.fake_slack import FakeSlack

TOKEN = "xoxb" + "-test"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_startup_problem_names_the_cause() -> None:
    with FakeSlack() as slack:
        ok = Settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url)
        assert startup_problem(ok) is None
        slack.fail_next("auth.test", error="invalid_auth")
        msg = startup_problem(ok)
        assert msg == ("Slack rejected SLACK_BOT_TOKEN: the bot token is not valid (invalid_auth); check "
                       "SLACK_BOT_TOKEN (see .env.example)")
        sock = Settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL=slack.api_url,
                        SLACK_APP_TOKEN="xapp" + "-test")
        slack.fail_next("apps.connections.open", error="invalid_auth")
        assert startup_problem(sock) == ("Slack rejected SLACK_APP_TOKEN: the app-level token is not valid "
                                         "(invalid_auth); check SLACK_APP_TOKEN (see .env.example)")
        assert len(slack.recorder.of("auth.test")) == 3  # one call per check: no retries
    url = f"http://127.0.0.1:{_closed_port()}/api/"
    down = Settings(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL=url)
    assert startup_problem(down) == (f"cannot reach Slack at {url}: the connection was refused; check the "
                                     "network, proxy or SLACK_API_URL")


def test_main_exits_2_with_one_line(monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.__main__ import main

    url = f"http://127.0.0.1:{_closed_port()}/api/"
    for k, v in {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": url,
                 "ALVH_DB": str(tmp_path / "a.sqlite")}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cannot reach Slack at") and "\n" not in err and "Traceback" not in err
