"""Slack/terminal handlers of the position lifecycle: close with a fill, edit, roll, hedge bought.

``handle(assistant, ctx, text) -> Reply | None``: None when ``text`` is not a lifecycle command (the
main grammar takes it). The grammar and the arithmetic live in ``alvh_core.lifecycle``; this module
checks ownership, stores the change with who and when (``Store.position_events``) and answers.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from alvh_core import lifecycle as lc
from alvh_core.clock import utc_stamp
from alvh_core.models import IronCondor, MarketState
from bot.reply import Reply

if TYPE_CHECKING:
    from bot.assistant import Assistant, Ctx


def holdings(store: Any, team_id: str, position_id: int, open_only: bool = True) -> list[lc.HedgeHolding]:
    """The hedge legs recorded for a position (open ones by default)."""
    return [lc.HedgeHolding.model_validate_json(r["holding_json"])
            for r in store.hedge_holdings(team_id, position_id, open_only)]


def hedge_held_text(store: Any, team_id: str, position_id: int, market: MarketState | None) -> str | None:
    """One line: the hedge held and its mark-to-model P&L (None when no hedge is recorded)."""
    held = holdings(store, team_id, position_id)
    if not held:
        return None
    parts = [h.describe() for h in held]
    txt = "; ".join(parts)
    if market is not None:
        from bot.assistant import money

        txt += f" (P&L {money(float(lc.holdings_pnl(held, market)))} at VIX {market.vix:g}, model mid)"
    return txt


def history_lines(store: Any, team_id: str, position_id: int) -> list[str]:
    """Every recorded change of a position: when (UTC), who, what."""
    return [f"{e['at'][:16].replace('T', ' ')} UTC <@{e['user_id']}> {e['text']}" if e["user_id"]
            else f"{e['at'][:16].replace('T', ' ')} UTC {e['text']}"
            for e in store.position_events(team_id, position_id)]


def handle(a: Assistant, ctx: Ctx, text: str) -> Reply | None:
    try:
        cmd = lc.parse_lifecycle(text, a.s.today())
    except lc.LifecycleError as exc:
        return _usage(a, (text.split() or ["close"])[0].lower(), str(exc))
    if cmd is None:
        return None
    row = a.s.store.position(ctx.team_id, cmd.id)
    if row is None:
        return _usage(a, cmd.kind.split("_")[0], f"no position #{cmd.id} in this workspace")
    if row["user_id"] and row["user_id"] != ctx.user_id:
        return a.problem(f"position #{cmd.id} was opened by <@{row['user_id']}>; only they can change it")
    if row["status"] != "open":
        when = str(row["closed_at"] or "date unknown")[:16].replace("T", " ")
        return a.problem(f"position #{cmd.id} is already closed ({when} UTC); it cannot change")
    condor = a.s.store.condor_of(row)
    at = utc_stamp(a.s.clock)
    try:
        if isinstance(cmd, lc.CloseFill):
            return _close(a, ctx, cmd, condor, at)
        if isinstance(cmd, lc.EditCommand):
            return _edit(a, ctx, cmd, condor, at)
        if isinstance(cmd, lc.RollCommand):
            return _roll(a, ctx, cmd, condor, at)
        return _hedge(a, ctx, cmd, condor, at)
    except (ValidationError, ValueError) as exc:
        return _usage(a, cmd.kind.split("_")[0], exc)


def _usage(a: Assistant, word: str, exc: BaseException | str) -> Reply:
    from bot.assistant import input_error_text

    msg = exc if isinstance(exc, str) else input_error_text(exc)
    usage = f"/alvh {lc.USAGE.get(word, '')}"
    if lc.USAGE.get(word, "\0") in msg:  # the grammar's message already ends with the expected form
        return Reply(kind="error", title="Could not read that", status="error", ephemeral=True,
                     text=msg, notes=[f":warning: {msg}"])
    return Reply(kind="error", title="Could not read that", status="error", ephemeral=True,
                 text=f"{msg}\nUsage: {usage}", notes=[f":warning: {msg}", f"*Usage:* `{usage}`"])


def _answer(a: Assistant, ctx: Ctx, kind: str, pid: int, title: str, fields: list[tuple[str, str]],
            extra: list[str] | None = None) -> Reply:
    """The reply to a change: what changed, who and when, and the position's whole history."""
    hist = "\n".join(history_lines(a.s.store, ctx.team_id, pid)[-20:])
    text = (f"{title}\n" + "\n".join(f"{k}: {v}" for k, v in fields)
            + ("\n" + "\n".join(extra) if extra else "") + f"\nHistory of #{pid}:\n{hist}")
    return Reply(kind=kind, title=title[:150], text=text, fields=fields,
                 notes=[*(extra or []), f"*History of #{pid}*\n{hist}"], position_id=pid, start_thread=True)


def _close(a: Assistant, ctx: Ctx, cmd: lc.CloseFill, condor: IronCondor, at: str) -> Reply:
    from bot.assistant import money

    debit = cmd.debit()
    realized = None if debit is None else lc.realized_pnl(condor, debit)
    held = holdings(a.s.store, ctx.team_id, cmd.id)
    fills = None if cmd.leg_fills is None else dict(zip(("long put", "short put", "short call", "long call"),
                                                        cmd.leg_fills, strict=True))
    if debit is None:
        what = "closed (no fill given: realised P&L unknown)"
    else:
        what = f"closed at {debit:.2f} debit: realised {money(realized)}"
    text = f"{what}" + (f"; leg fills {'/'.join(f'{x:g}' for x in cmd.leg_fills)}" if cmd.leg_fills else "")
    ok = a.s.store.close_with_fill(ctx.team_id, cmd.id, ctx.user_id, at, text, debit, realized,
                                   {"leg_fills": fills, "debit": debit, "realized_pnl": realized})
    if not ok:
        return a.problem(f"position #{cmd.id} is not open")
    fields = [("Position", condor.describe()), ("Closing debit", "not given" if debit is None else f"{debit:.2f} pts"),
              ("Realised P&L", "unknown (add the fill: close ID at PRICE)" if realized is None else money(realized)),
              ("Closed by", f"<@{ctx.user_id}> at {at[:16].replace('T', ' ')} UTC")]
    if fills:
        fields.insert(2, ("Leg fills", ", ".join(f"{k} {v:g}" for k, v in fills.items())))
    extra = []
    if held:
        extra.append("Hedge legs recorded with it are marked closed too (record their exit separately): "
                     + "; ".join(h.describe() for h in held))
    return _answer(a, ctx, "close", cmd.id, f"Position #{cmd.id} CLOSED", fields, extra)


def _edit(a: Assistant, ctx: Ctx, cmd: lc.EditCommand, condor: IronCondor, at: str) -> Reply:
    new = lc.edited(condor, cmd.changes)
    changed = ", ".join(f"{k} {_show(getattr(condor, k))} -> {_show(getattr(new, k))}" for k in cmd.changes
                        if getattr(condor, k) != getattr(new, k)) or "nothing (same values)"
    a.s.store.change_position(ctx.team_id, cmd.id, new, "edit", ctx.user_id, at, f"edited: {changed}",
                              {"changes": {k: str(v) for k, v in cmd.changes.items()}})
    fields = [("Was", condor.describe()), ("Now", new.describe()), ("Changed", changed),
              ("By", f"<@{ctx.user_id}> at {at[:16].replace('T', ' ')} UTC")]
    return _answer(a, ctx, "edit", cmd.id, f"Position #{cmd.id} edited", fields)


def _show(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _roll(a: Assistant, ctx: Ctx, cmd: lc.RollCommand, condor: IronCondor, at: str) -> Reply:
    from bot.assistant import Reply as _R

    extra = []
    if cmd.price is None:
        market = a._market(ctx)
        if isinstance(market, _R):
            return _usage(a, "roll", "no marks to price the roll at model mid: give the net credit (at PRICE) "
                                     "or record marks first")
        state, _mark = market
        net = lc.model_roll_credit(condor, cmd.wing, cmd.strikes, state)
        extra.append(f"No fill given: the roll is booked at model mid {net:+.2f} pts (SPX {state.spot:,.2f}, "
                     f"VIX {state.vix:.2f}); correct it with `edit {cmd.id} credit X` if the fill differed.")
    else:
        net = cmd.price
    new = lc.rolled(condor, cmd.wing, cmd.strikes, net, cmd.expiry)
    old_k = ((condor.long_put, condor.short_put) if cmd.wing == "put" else (condor.short_call, condor.long_call))
    what = (f"rolled {cmd.wing} {old_k[0]:g}/{old_k[1]:g} to {cmd.strikes[0]:g}/{cmd.strikes[1]:g} for "
            f"{'a credit' if net >= 0 else 'a debit'} of {abs(net):.2f}: credit {condor.credit:g} -> {new.credit:g}")
    a.s.store.change_position(ctx.team_id, cmd.id, new, "roll", ctx.user_id, at, what,
                              {"wing": cmd.wing, "from": old_k, "to": cmd.strikes, "net_credit": net,
                               "priced": "fill" if cmd.price is not None else "model mid"})
    fields = [("Was", condor.describe()), ("Now", new.describe()), ("Roll", what),
              ("By", f"<@{ctx.user_id}> at {at[:16].replace('T', ' ')} UTC")]
    return _answer(a, ctx, "roll", cmd.id, f"Position #{cmd.id} rolled ({cmd.wing} wing)", fields, extra)


def _hedge(a: Assistant, ctx: Ctx, cmd: lc.HedgeBought, condor: IronCondor, at: str) -> Reply:
    from bot.assistant import money

    h = cmd.holding
    a.s.store.add_hedge_holding(ctx.team_id, cmd.id, h.model_dump_json(), ctx.user_id, at,
                                f"hedge recorded: {h.describe()}")
    held = holdings(a.s.store, ctx.team_id, cmd.id)
    cost = h.price * h.quantity * h.multiplier
    if h.kind in ("VX", "VXM"):  # a future costs no premium: show what one point is worth instead
        paid = ("Per VIX point", f"{money(h.quantity * h.multiplier)} (futures: no premium, margin held)")
    else:
        paid = ("Paid" if cost >= 0 else "Received", money(abs(cost)))
    fields = [("Recorded", h.describe()), paid,
              ("Hedge held now", "; ".join(x.describe() for x in held)),
              ("By", f"<@{ctx.user_id}> at {at[:16].replace('T', ' ')} UTC")]
    extra = ["status, the daily summary, the chart and compare now include this hedge."]
    if h.expiry < condor.expiry:
        extra.append(f":warning: the hedge expires {h.expiry}, before the condor ({condor.expiry}).")
    return _answer(a, ctx, "hedge_bought", cmd.id, f"Hedge recorded for #{cmd.id}", fields, extra)


def closed_fields(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Fields that mark a closed position (status, realised P&L)."""
    from bot.assistant import money

    realized = row.get("realized_pnl")
    return [("Status", f"CLOSED {str(row.get('closed_at') or '')[:16].replace('T', ' ')} UTC"
                       + (f" by <@{row['closed_by']}>" if row.get("closed_by") else "")),
            ("Realised P&L", "unknown (no fill recorded)" if realized is None else money(realized))]


def closed_reply(a: Assistant, ctx: Ctx, row: dict[str, Any]) -> Reply:
    """``status`` of a closed position: CLOSED, the fill and realised P&L, and its history (no live P&L)."""
    pid = int(row["id"])
    fields = [("Position", row["description"]), *closed_fields(row)]
    if row.get("close_debit") is not None:
        fields.insert(2, ("Closing debit", f"{float(row['close_debit']):.2f} pts"))
    reply = _answer(a, ctx, "status", pid, f"#{pid} CLOSED: {row['description']}", fields)
    reply.start_thread = False
    return reply


def holdings_json(holds: list[lc.HedgeHolding]) -> str:
    return json.dumps([h.model_dump(mode="json") for h in holds])
