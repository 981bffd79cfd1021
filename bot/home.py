"""App Home and direct messages.

- ``home_view(assistant, team_id)``: the Home tab: the desk's open positions (P&L with and without the
  hedge held, days to expiry, tested wing by the documented rule, hedge held) and greek totals, on the
  latest marks (stale marks said first). Published on ``app_home_opened`` and again (``refresh``) for the
  desk's users whenever marks or positions change (``deliver`` calls ``refresh_after``).
- ``answer_dm``: a DM with the bot works like a result thread: ``/alvh`` words (open, status, mark,
  close, roll, ...) run as commands, anything else is a question about the asker's latest open position.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alvh_core.clock import desk_now
from alvh_core.models import MarketState

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from bot.services import Services

log = logging.getLogger("bot.home")

#: Slack allows 100 blocks in a Home view; each position takes one section.
MAX_POSITIONS = 80
#: reply kinds after which the Home tab is republished (marks or positions changed)
REFRESH_KINDS = {"mark", "open", "close", "edit", "rolled", "hedge_bought"}


def home_view(assistant: Assistant, team_id: str) -> dict[str, Any]:
    """The Home tab view of a team (pure apart from reading the store and marks)."""
    from alvh_core.lifecycle import holdings_pnl
    from bot import core, lifecycle
    from bot.assistant import money

    s = assistant.s
    today = s.today()
    rows = s.store.open_positions(team_id)[:MAX_POSITIONS]
    mark = s.market_data.latest(team_id, today)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text",
                                                                "text": f"Open positions ({len(rows)})"}}]
    if mark is None:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text":
                       "No SPX/VIX marks yet: `/alvh mark spot 5600 vix 18.5`. Positions are listed without P&L."}})
    elif mark.asof < today:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text":
                       f":warning: *Stale marks:* SPX {mark.spot:,.2f} / VIX {mark.vix:.2f} from {mark.asof} "
                       f"({(today - mark.asof).days} days old). Record today's with `/alvh mark`."}})
    else:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"Marks SPX {mark.spot:,.2f} / VIX {mark.vix:.2f} as of {mark.asof} ({mark.source})"}]})
    state = None if mark is None else MarketState(spot=mark.spot, vix=mark.vix, asof=today)
    tot = {"delta": 0.0, "gamma": 0.0, "vega": 0.0, "theta": 0.0, "pnl": 0.0}
    for row in rows:
        pid = int(row["id"])
        condor = s.store.condor_of(row)
        held = lifecycle.holdings(s.store, team_id, pid)
        line = f"*#{pid}* {condor.describe()}  ·  opened by <@{row['user_id']}>\n"
        if state is None or condor.expiry < today:
            line += f"{condor.dte(today)} days to expiry" if condor.expiry >= today else f"expired {condor.expiry}"
        else:
            a = core.analyze(condor, state)
            hp = float(holdings_pnl(held, state)) if held else 0.0
            for k in ("delta", "gamma", "vega", "theta"):
                tot[k] += float(getattr(a.net, k))
            tot["pnl"] += a.pnl_now + hp
            line += (f"P&L {money(a.pnl_now)}" + (f" ({money(a.pnl_now + hp)} with hedge)" if held else "")
                     + f"  ·  {a.dte} days  ·  tested: {a.tested_label}"
                     + f"  ·  Δ {money(a.net.delta)}/pt, vega {money(a.net.vega)}, theta {money(a.net.theta)}/day")
        line += "\nhedge held: " + ("; ".join(h.describe() for h in held) if held else "none recorded")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line[:3000]}})
    if state is not None and rows:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*P&L incl. hedges*\n{money(tot['pnl'])}"},
            {"type": "mrkdwn", "text": f"*Delta $/SPX pt*\n{money(tot['delta'])}"},
            {"type": "mrkdwn", "text": f"*Gamma*\n{tot['gamma']:+,.2f}"},
            {"type": "mrkdwn", "text": f"*Vega $/vol pt*\n{money(tot['vega'])}"},
            {"type": "mrkdwn", "text": f"*Theta $/day*\n{money(tot['theta'])}"}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   f"Updated {desk_now(s.clock):%Y-%m-%d %H:%M} ET. Tested = |short delta| >= 0.30. "
                   "DM me commands (`status 3`, `close 3 at 1.20`) or questions."}]})
    return {"type": "home", "blocks": blocks[:100]}


def publish(client: WebClient, assistant: Assistant, team_id: str, user_id: str) -> None:
    client.views_publish(user_id=user_id, view=home_view(assistant, team_id))


def refresh(client: WebClient, assistant: Assistant, team_id: str, also: str | None = None) -> None:
    """Republish the Home tab for the desk's users (openers of open positions, and ``also``)."""
    users = {str(r["user_id"]) for r in assistant.s.store.open_positions(team_id) if r["user_id"]}
    if also:
        users.add(also)
    view = home_view(assistant, team_id)
    for u in sorted(users):
        try:
            client.views_publish(user_id=u, view=view)
        except SlackApiError as exc:  # a Home tab is a convenience: never fail the answer for it
            log.warning("views.publish for %s failed: %s", u, exc.response.get("error"))


def refresh_after(client: WebClient, assistant: Assistant, team_id: str, user_id: str, kind: str) -> None:
    if kind in REFRESH_KINDS:
        refresh(client, assistant, team_id, also=user_id)


def answer_dm(services: Services, assistant: Assistant, client: WebClient, body: dict[str, Any],
              event: dict[str, Any]) -> None:
    """A DM: commands run as ``/alvh`` would; other text is a question about the asker's latest position."""
    from bot.assistant import Ctx
    from bot.assistant.commands import thread_command_text
    from bot.listeners.delivery import deliver
    from bot.listeners.messages import team_of

    event_id = str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")
    team = team_of(body, event)
    if not services.store.claim_event(event_id, team):
        return
    ctx = Ctx(team_id=team, user_id=str(event.get("user") or ""), channel_id=str(event.get("channel") or ""))
    text = (event.get("text") or "").strip()
    if text.lower().startswith("/alvh"):
        text = text[5:].strip()
    try:
        thread = services.store.thread(team, ctx.channel_id, str(event["thread_ts"])) if event.get(
            "thread_ts") else None
        position_id = thread["position_id"] if thread else None
        in_thread = thread_command_text(text, position_id) if thread else None
        if in_thread is not None:  # "close at 3.20" in a position's thread: that position's close
            reply = assistant.command(ctx, in_thread)
        elif not text or assistant.reads_as_command(text):  # the one routing rule, as in Slack and alvh chat
            reply = assistant.command(ctx, text)
        else:
            reply = assistant.question(ctx, position_id, text)
        reply.ephemeral = False  # only the asker is in the DM
        deliver(client, assistant, ctx, reply, text, thread_ts=event.get("thread_ts"))
    except Exception:
        services.store.release_event(event_id)
        raise


def register(app: App, services: Services, assistant: Assistant) -> None:
    def ack_home(ack: Ack) -> None:
        ack()

    def on_home(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team = str(body.get("team_id") or event.get("team") or "")
        publish(client, assistant, team, str(event.get("user")))

    app.event("app_home_opened")(ack=ack_home, lazy=[on_home])
