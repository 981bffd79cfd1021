"""OAuth install flow: one deployment serving several workspaces (besides the single-workspace token).

When ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set, ``oauth_flow(settings)`` gives Bolt an
``OAuthFlow`` with ``OAuthSettings``: ``GET /slack/install`` starts an install (state kept in SQLite,
cookie-checked), ``GET /slack/oauth_redirect`` exchanges the code (``oauth.v2.access`` on
``SLACK_API_URL``) and saves the installation in a SQLite installation store (``ALVH_INSTALL_DB``);
every request is then authorized with its workspace's bot token. ``team_poster`` posts the daily
summaries with each workspace's own token.
"""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from bot.settings import Settings

log = logging.getLogger("bot.install")

#: The bot scopes requested at install (the same list as manifest.yml's oauth_config.scopes.bot).
BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "files:write", "app_mentions:read",
              "channels:history", "groups:history", "im:history", "im:read", "im:write"]
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600


def installation_store(settings: Settings) -> SQLite3InstallationStore:
    store = SQLite3InstallationStore(database=settings.install_db, client_id=settings.slack_client_id)
    store.init()
    return store


def oauth_flow(settings: Settings) -> OAuthFlow | None:
    """Bolt's OAuth flow on SQLite stores, or None in single-workspace (token) mode."""
    if not settings.oauth:
        return None
    state = SQLite3OAuthStateStore(database=settings.install_db, expiration_seconds=STATE_SECONDS)
    state.init()
    oauth = OAuthSettings(client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
                          scopes=BOT_SCOPES, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
                          installation_store=installation_store(settings), installation_store_bot_only=True,
                          state_store=state, state_expiration_seconds=STATE_SECONDS)
    return OAuthFlow(client=WebClient(base_url=settings.slack_api_url), settings=oauth)


def team_token(settings: Settings, team_id: str) -> str | None:
    """The bot token installed for ``team_id`` (None when that workspace has not installed the app)."""
    bot = installation_store(settings).find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None else None


def team_poster(settings: Settings) -> Any:
    """A daily-summary Poster that posts with each workspace's own bot token."""
    from bot.render import message_payload
    from bot.reply import Reply
    from bot.slack_client import make_web_client

    def post(team_id: str, channel_id: str, reply: Reply) -> str:
        token = team_token(settings, team_id)
        if token is None:
            raise RuntimeError(f"workspace {team_id} has no installation: install the app at {INSTALL_PATH}")
        client = make_web_client(token, settings.slack_api_url)
        resp = client.chat_postMessage(channel=channel_id, **message_payload(reply))
        return str(resp["ts"])

    return post
