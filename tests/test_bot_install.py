"""OAuth install flow end to end against the fake Slack: install page, state cookie, code exchange,
SQLite installation store, then requests of the new workspace answered with its own bot token."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from bot.app import build_app
from bot.install import BOT_SCOPES, installation_store, team_token
from bot.market_data import RecordedMarks
from bot.services import Services
from bot.settings import Settings
from bot.store import Store
from tests.fake_slack import FakeSlack, ServedApp, install_token
from tests.test_bot_e2e import NOW, SECRET, eventually


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, cookie: str | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def test_install_flow_stores_the_workspace_and_serves_it_with_its_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with FakeSlack() as slack:
        store = Store(tmp_path / "bot.sqlite")
        services = Services(store=store, market_data=RecordedMarks(store), clock=lambda: NOW, compare_paths=200)
        settings = Settings(SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="client-secret",
                            SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url,
                            ALVH_INSTALL_DB=str(tmp_path / "installs.sqlite"), ALVH_DB=str(tmp_path / "bot.sqlite"))
        assert settings.oauth and not settings.slack_bot_token
        with ServedApp(build_app(settings, services), SECRET) as served:
            base = served.url.rsplit("/slack/events", 1)[0]
            status, page, headers = _get(f"{base}/slack/install")
            assert status == 200
            state = re.search(r"state=([\w-]+)", page).group(1)  # type: ignore[union-attr]
            assert "client_id=111.222" in page and "scope=commands,chat:write" in page
            cookie = headers["Set-Cookie"].split(";")[0]
            # without the browser's state cookie the redirect is refused (CSRF protection)
            assert _get(f"{base}/slack/oauth_redirect?code=T2&state={state}")[0] >= 400
            status, page, headers = _get(f"{base}/slack/install")
            state = re.search(r"state=([\w-]+)", page).group(1)  # type: ignore[union-attr]
            cookie = headers["Set-Cookie"].split(";")[0]
            status, _, _ = _get(f"{base}/slack/oauth_redirect?code=T2&state={state}", cookie)
            assert status in (200, 302)
            assert [c.args["code"] for c in slack.recorder.of("oauth.v2.access")][-1] == "T2"
            assert team_token(settings, "T2") == install_token("T2")
            assert team_token(settings, "T3") is None
            # workspace T2 now uses the bot: its request is answered with T2's own token
            status, _ = served.command("mark spot 5900 vix 18", team="T2", user="U5", channel="C9",
                                       response_url=slack.response_url())
            assert status == 200
            post = eventually(lambda: [t for m, t in slack.tokens if m == "chat.postMessage"])
            assert post == [install_token("T2")]
            assert eventually(lambda: store.latest_mark("T2")) is not None
        bot = installation_store(settings).find_bot(enterprise_id=None, team_id="T2")
        assert bot is not None and bot.bot_user_id == "UBOT"
    manifest = yaml.safe_load((Path(__file__).parents[1] / "manifest.yml").read_text())
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])  # install asks what the app has
