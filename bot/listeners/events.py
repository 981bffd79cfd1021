"""@mentions: a question about the thread's position (or, outside a bot thread, the asker's latest
position in the channel). The answer goes into the thread of the mention."""
from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.assistant import Assistant
from bot.listeners.messages import answer_in_thread, is_from_bot, team_of
from bot.services import Services

MENTION = re.compile(r"<@[A-Z0-9]+>")


def register(app: App, services: Services, assistant: Assistant) -> None:
    def ack_mention(ack: Ack) -> None:
        ack()

    def on_mention(body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any) -> None:
        if is_from_bot(event, context.get("bot_user_id")):
            return
        text = MENTION.sub("", event.get("text") or "").strip()
        team, channel = team_of(body, event), str(event.get("channel"))
        thread_ts = str(event.get("thread_ts") or event.get("ts"))
        thread = services.store.thread(team, channel, thread_ts) if event.get("thread_ts") else None
        position_id = thread["position_id"] if thread else None
        if thread is None:
            row = (services.store.latest_open_position(team, str(event.get("user")), channel)
                   or services.store.latest_open_position(team, None, channel))
            position_id = row["id"] if row else None
        answer_in_thread(services, assistant, client, body, event, text, position_id, thread_ts)

    app.event("app_mention")(ack=ack_mention, lazy=[on_mention])
