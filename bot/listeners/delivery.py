"""Posting a ``Reply`` to Slack: ephemeral errors, channel results that start a thread, the chart.

``deliver`` is shared by every listener, so a result looks the same whichever way it was asked for.
Run inside a job (``bot.jobs.job_scope``), every post is keyed by the job and its order in it and goes
through ``bot.jobs.post_once``: a job retried after a crash or a transient failure never posts the same
answer twice; outside a job it posts directly.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant, Ctx
from bot.jobs import current_scope, post_once
from bot.render import message_payload
from bot.reply import Reply, Table, table_text

log = logging.getLogger("bot.delivery")

#: replies that change a position: posted into that position's thread (and broadcast to the channel)
LIFECYCLE_KINDS = {"close", "edit", "rolled", "hedge_bought"}
#: Table rows and note sections per message (a section holds 3,000 characters: ~40 table rows).
PER_PAGE = 25
#: More pages than this: the first page is posted and the whole answer goes up as a text file.
MAX_PAGES = 4

#: Slack errors worth retrying (the job is run again later); every other error is final.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
                    "team_added_to_org"}


def is_transient(exc: SlackApiError) -> bool:
    return exc.response.get("error") in TRANSIENT_ERRORS or exc.response.status_code >= 500


def _once(assistant: Assistant, what: str, send: Callable[[], Any]) -> None:
    """Run ``send`` at most once per key of the current job (a post that cannot carry metadata:
    ephemeral replies, files). A crash between the send and its record sends it again (at least once)."""
    _once_store(assistant.s.store, what, send)


def covered(reply: Reply) -> int:
    """How many items (positions) a reply lists: its table rows or its note sections."""
    return max(len(reply.table.rows) if reply.table else 0, len(reply.notes))


def paginate(reply: Reply, per_page: int = PER_PAGE) -> list[Reply]:
    """``reply`` split into messages of at most ``per_page`` table rows and notes each, nothing
    dropped; each page's title says which items it shows and how many there are in all."""
    total = covered(reply)
    if total <= per_page:
        return [reply]
    rows = reply.table.rows if reply.table else []
    pages: list[Reply] = []
    n = -(-total // per_page)
    for i in range(n):
        lo, hi = i * per_page, (i + 1) * per_page
        page_rows = rows[lo:hi]
        notes = reply.notes[lo:hi]
        table = Table(columns=reply.table.columns, rows=page_rows) if reply.table and page_rows else None
        shown = max(len(page_rows), len(notes))
        title = f"{reply.title} ({lo + 1}-{lo + shown} of {total}, page {i + 1}/{n})"
        text = "\n".join([title, *([table_text(table)] if table else []),
                          *(x.replace("*", "").replace("_", "") for x in notes)])
        pages.append(reply.model_copy(update={
            "title": title[:150], "text": text, "table": table, "notes": notes,
            "fields": reply.fields if i == 0 else [], "buttons": reply.buttons if i == n - 1 else [],
            "assumptions": reply.assumptions if i == 0 else [], "chart": reply.chart and i == 0}))
    return pages


def full_text(reply: Reply) -> str:
    """Every line of a reply (the file uploaded for a very long list)."""
    parts = [reply.title, f"{covered(reply)} positions"]
    if reply.table:
        parts.append(table_text(reply.table))
    parts += [x.replace("*", "").replace("_", "") for x in reply.notes]
    parts += reply.assumptions
    return "\n".join(parts) + "\n"


def post_reply(client: WebClient, store: Any, ctx: Ctx, reply: Reply, thread_ts: str | None,
               decorate: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
               working_ts: str | None = None) -> str:
    """Post a (possibly long) reply in pages (``paginate``), or, beyond ``MAX_PAGES``, its first page
    and the whole of it as a text file in the thread; returns the first message's ts.

    ``decorate`` edits the first page's payload (who asked, broadcast); ``working_ts``: the first page
    replaces that "working..." message in place (``chat.update``, idempotent) instead of a new post."""
    pages = paginate(reply)
    if len(pages) > MAX_PAGES:
        first = pages[0].model_copy(update={"notes": [*pages[0].notes, (
            f"_{covered(reply)} positions in all: the whole list is in the attached file._")]})
        pages = [first]
        attach = True
    else:
        attach = False
    first_ts: str | None = None
    for page in pages:
        payload = message_payload(page)
        if page is pages[0] and decorate is not None:
            payload = decorate(payload)
        if page is pages[0] and working_ts is not None:
            client.chat_update(channel=ctx.channel_id, ts=working_ts, **payload)
            ts = working_ts
        else:
            # later pages go into the first page's thread, so a long list does not flood the channel
            ts = _post_payload(client, store, ctx, thread_ts or first_ts, payload)
        first_ts = first_ts or ts
    assert first_ts is not None
    if attach:
        name = f"alvh-{reply.kind}.txt"
        content = full_text(reply)
        _once_store(store, "file", lambda: client.files_upload_v2(
            channel=ctx.channel_id, thread_ts=thread_ts or first_ts, content=content, filename=name,
            title=f"{reply.title} ({covered(reply)} positions)"))
    return first_ts


def _post_payload(client: WebClient, store: Any, ctx: Ctx, thread_ts: str | None, payload: dict[str, Any]) -> str:
    scope = current_scope()
    if scope is None or store is None:
        return str(client.chat_postMessage(channel=ctx.channel_id, thread_ts=thread_ts, **payload)["ts"])
    ts, _ = post_once(client, store, scope.next_key("msg"), team_id=ctx.team_id, channel=ctx.channel_id,
                      thread_ts=thread_ts, **payload)
    return ts


def _once_store(store: Any, what: str, send: Callable[[], Any]) -> None:
    scope = current_scope()
    if scope is None or store is None:
        send()
        return
    key = scope.next_key(what)
    record = store.post_record(key)
    if record is not None and record["status"] == "posted":
        return
    store.post_sending(key, "", "", None, 0.0)
    send()
    store.post_done(key, "-", "")


def working_once(client: WebClient, store: Any, ctx: Ctx, what: str, thread_ts: str | None = None) -> str | None:
    """The "working..." message (``bot.progress``) posted at most once per job step: inside a job it
    goes through ``post_once`` (keyed, found in the history after a crash), so a retried job reuses
    the message its first attempt posted; the answer then replaces it in place. None when Slack
    refused it (the answer is then posted normally)."""
    from bot.progress import post_working, working_text

    scope = current_scope()
    if scope is None or store is None:
        return post_working(client, ctx.channel_id, ctx.user_id, what, thread_ts)
    try:
        ts, _ = post_once(client, store, scope.next_key("working"), team_id=ctx.team_id, channel=ctx.channel_id,
                          thread_ts=thread_ts, text=working_text(ctx.user_id, what))
        return ts
    except SlackApiError as exc:
        log.info("no working message in %s (%s)", ctx.channel_id, exc.response.get("error"))
        return None


def deliver(client: WebClient, assistant: Assistant, ctx: Ctx, reply: Reply, question: str,
            thread_ts: str | None = None, respond: Callable[..., Any] | None = None,
            working_ts: str | None = None) -> str | None:
    """Show ``reply`` to the user; returns the ts of the thread it lives in (None for ephemeral).

    Ephemeral replies (usage, input errors) go through ``respond`` (the slash command's response_url)
    or chat.postEphemeral, and nothing is stored. Other replies are posted in the channel (or in
    ``thread_ts``; a change to a position into that position's thread, broadcast), in pages when long,
    replacing the "working..." message ``working_ts`` when there is one; a result that starts a thread
    links the thread to its position; the exchange is stored; the chart, when asked for, is uploaded
    into the thread; the Home tab follows. Inside a job every post is keyed (posted once).
    """
    if reply.kind == "ack" and not reply.text:
        return thread_ts  # small talk ("thanks", "ok"): nothing to post, nothing to store
    broadcast = False
    if thread_ts is None and reply.position_id is not None and reply.kind in LIFECYCLE_KINDS:
        # a change to a position goes into the position's thread (its history), shown in the channel too
        thread_ts = assistant.s.store.position_thread(ctx.team_id, ctx.channel_id, reply.position_id)
        broadcast = thread_ts is not None
        if broadcast:
            reply = reply.model_copy(update={"start_thread": False})
    payload = message_payload(reply)
    if working_ts is not None and reply.ephemeral:  # the "working..." message goes; the error is private
        try:
            client.chat_delete(channel=ctx.channel_id, ts=working_ts)
        except SlackApiError:
            log.warning("could not delete the working message %s", working_ts)
    if reply.ephemeral:
        if respond is not None:
            _once(assistant, "respond", lambda: respond(response_type="ephemeral", replace_original=False,
                                                        **payload))
        else:
            _once(assistant, "ephemeral", lambda: client.chat_postEphemeral(
                channel=ctx.channel_id, user=ctx.user_id, thread_ts=thread_ts, **payload))
        return None

    def decorate(p: dict[str, Any]) -> dict[str, Any]:
        p = dict(p)
        if broadcast:
            p["reply_broadcast"] = True
        if ctx.user_id:  # in a channel, say who asked
            from bot.progress import asked_by_block

            blocks = p["blocks"]
            p["blocks"] = [*blocks[:1], asked_by_block(ctx.user_id, question), *blocks[1:]][:50]
            p["text"] = f"{p['text']}\n(asked by <@{ctx.user_id}>)"[:3000]
        return p

    try:
        ts = post_reply(client, assistant.s.store, ctx, reply, thread_ts, decorate, working_ts)
    except SlackApiError as exc:
        if respond is not None and exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            shown = decorate(payload)
            _once(assistant, "respond", lambda: respond(response_type="in_channel", **shown))
            assistant.record(ctx, None, question, reply)
            return None
        raise
    home = thread_ts or ts
    if thread_ts is None and reply.start_thread:
        assistant.s.store.link_thread(ctx.team_id, ctx.channel_id, ts, reply.position_id, reply.kind)
    assistant.record(ctx, home, question, reply)
    if reply.chart and assistant.s.charts and reply.position_id is not None:
        try:
            png = assistant.chart_png(ctx, reply)
            if png:
                _once(assistant, "file", lambda: client.files_upload_v2(
                    channel=ctx.channel_id, thread_ts=home, content=png,
                    filename=f"alvh-{reply.position_id}-pnl.png",
                    title=f"P&L of #{reply.position_id} at expiry and today"))
        except Exception:  # a chart must never hide the answer
            log.exception("chart upload failed for position %s", reply.position_id)
    try:  # marks or positions changed: the Home tab follows
        from bot.home import REFRESH_KINDS, refresh_after

        defer = assistant.s.extra.get("home_refresh")
        # in the app, during a burst: one low-priority job after it (the refresh analyzes every position)
        if not (callable(defer) and reply.kind in REFRESH_KINDS and defer(ctx.team_id, ctx.user_id)):
            refresh_after(client, assistant, ctx.team_id, ctx.user_id, reply.kind)
    except Exception:
        log.exception("Home tab refresh failed")
    return home
