"""@mentions: a question about the thread's position (or, outside a bot thread, the asker's latest
position in the channel). The answer goes into the thread of the mention. Persisted as a job at the
ack like thread messages (``bot.listeners.messages``)."""
from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.assistant import Assistant
from bot.jobs import Job
from bot.listeners.messages import answer_in_thread, is_from_bot, submit_event
from bot.listeners.work import Work
from bot.services import Services

MENTION = re.compile(r"<@[A-Z0-9]+>")


def register(app: App, services: Services, assistant: Assistant, work: Work) -> None:
    def ack_mention(ack: Ack, body: dict[str, Any], context: Any) -> None:
        event = body.get("event") or {}
        if not is_from_bot(event, context.get("bot_user_id")):
            submit_event(work, "mention", body, event, {"bot_user_id": context.get("bot_user_id")})
        ack()

    @work.handler("mention")
    def on_mention(job: Job) -> None:
        event = job.payload["body"].get("event") or {}
        team = job.team_id
        text = MENTION.sub("", event.get("text") or "").strip()
        channel = str(event.get("channel"))
        thread_ts = str(event.get("thread_ts") or event.get("ts"))
        thread = services.store.thread(team, channel, thread_ts) if event.get("thread_ts") else None
        position_id = thread["position_id"] if thread else None
        if thread is None:
            row = (services.store.latest_open_position(team, str(event.get("user")), channel)
                   or services.store.latest_open_position(team, None, channel))
            position_id = row["id"] if row else None
        answer_in_thread(services, assistant, work.client_for(job.team_id), job, text, position_id, thread_ts,
                         its_thread=thread is not None)

    app.event("app_mention")(ack_mention)
