"""Daily adjustment summaries: one post per subscribed channel per NYSE trading day, at its time.

``run_daily(services, post, now=None, force=False)`` posts every due summary: a subscription is due
on an XNYS session day (weekends and exchange holidays skipped, ``exchange_calendars``) once the
desk clock (New York) has passed its HH:MM (``force`` ignores the time: ``python -m bot daily
--once``). Each (team, channel, date) slot is claimed in SQLite inside a transaction before posting
(unique index), so two processes or a restart never post twice; a failed post marks the slot failed
and a later tick retries it; one channel's failure does not stop the others.
``DailyScheduler`` is the background thread of the running app (ticks each ``interval`` seconds).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from pydantic import BaseModel

from bot.assistant import Assistant
from bot.jobs import job_scope
from bot.redaction import redact
from bot.reply import Reply
from bot.services import Services

log = logging.getLogger("bot.schedule")

#: post(team_id, channel_id, reply) -> message ts; raises on failure.
Poster = Callable[[str, str, Reply], str]


def is_trading_day(day: dt.date) -> bool:
    """True on an NYSE session (XNYS, the one calendar of ``alvh_core.xnys``); weekdays outside its range."""
    from alvh_core import xnys

    return xnys.is_session(day)


class DailyResult(BaseModel):
    team_id: str
    channel_id: str
    date: dt.date
    status: str  # posted | failed | skipped (already claimed)
    message_ts: str | None = None
    error: str | None = None


def run_daily(services: Services, post: Poster, now: dt.datetime | None = None,
              force: bool = False) -> list[DailyResult]:
    """Post every summary due now; returns what happened per subscribed channel that was due."""
    now = now or services.clock()
    desk = now.astimezone(services.now_desk().tzinfo)
    today = desk.date()
    if not is_trading_day(today):
        return []
    assistant = Assistant(services)
    results: list[DailyResult] = []
    for sub in services.store.subscriptions():
        team, channel = sub["team_id"], sub["channel_id"]
        if not force and desk.strftime("%H:%M") < sub["time_hhmm"]:
            continue
        if not services.store.claim_daily_post(team, channel, today, now=now):
            continue
        try:
            # keyed by (team, channel, date): a re-run after a crash posts nothing twice (bot.jobs.post_once)
            with job_scope(f"daily:{team}:{channel}:{today.isoformat()}", services.store):
                reply = assistant.daily_summary(team, channel)
                ts = post(team, channel, reply)
        except Exception as exc:  # noqa: BLE001 - one channel's failure must not stop the others
            log.exception("daily post failed for %s/%s", team, channel)
            error = redact(str(exc))[:500]  # an API error may echo a token: never stored in clear
            services.store.finish_daily_post(team, channel, today, ok=False, error=error)
            results.append(DailyResult(team_id=team, channel_id=channel, date=today, status="failed",
                                       error=error))
            continue
        services.store.finish_daily_post(team, channel, today, ok=True, message_ts=ts)
        # replies in the summary's thread are questions (about its position when it lists exactly one)
        services.store.link_thread(team, channel, ts, reply.position_id, "daily")
        results.append(DailyResult(team_id=team, channel_id=channel, date=today, status="posted", message_ts=ts))
    return results


def slack_poster(client, store=None) -> Poster:  # type: ignore[no-untyped-def]
    """A Poster that sends the summary with chat.postMessage (Block Kit + fallback text), in pages
    when it covers many positions (``bot.listeners.delivery.post_reply``). With ``store``, each page
    is posted once per run key (``run_daily`` sets it), even across a crash and a restart."""
    from bot.assistant import Ctx
    from bot.listeners.delivery import post_reply

    def post(team_id: str, channel_id: str, reply: Reply) -> str:
        return post_reply(client, store, Ctx(team_id=team_id, user_id="", channel_id=channel_id), reply, None)

    return post


class DailyScheduler(threading.Thread):
    """Background thread: ``run_daily`` every ``interval`` seconds until ``stop()``."""

    def __init__(self, services: Services, post: Poster, interval: float = 60.0):
        super().__init__(name="alvh-daily", daemon=True)
        self.services, self.post, self.interval = services, post, interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                run_daily(self.services, self.post)
                self.services.store.prune_events(self.services.clock() - dt.timedelta(days=1))
                # finished jobs are the dedupe claims of Slack deliveries: a day covers every retry
                self.services.store.prune_jobs((self.services.clock() - dt.timedelta(days=1)).isoformat(
                    timespec="seconds"))
            except Exception:  # keep ticking
                log.exception("daily tick failed")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
