"""The assistant: ``/alvh`` commands and thread questions in, ``Reply`` out. Slack-agnostic.

Both the Slack listeners and ``alvh chat`` call ``Assistant.command`` / ``Assistant.question``; the
assistant parses with the shared grammar (via ``bot.core``), calls alvh_core, stores what it must
(positions, marks, subscriptions, every question and answer with its analysis and assumptions) and
returns a ``Reply``. Input errors return an ephemeral Reply with the subcommand's usage, and store
nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from alvh_core.analysis import TESTED_DELTA as _TESTED_DELTA
from alvh_core.clock import DESK_TZ, desk_date_of, desk_time
from alvh_core.events import default_calendar, describe_events, tomorrow_warning
from alvh_core.hedge import KIND_NAMES
from alvh_core.models import IronCondor, MarketState
from bot import core
from bot.core import GrammarError
from bot.market_data import Mark
from bot.reply import Button, Reply, Table, table_text
from bot.services import Services

USAGE: dict[str, str] = {
    "open": "/alvh open SPX IC 5600/5650/6150/6200 45DTE x10 @4.80   (long put/short put/short call/long call, "
            "expiry as 45DTE or 2026-12-18, quantity, credit per condor in points); no text opens a form",
    "list": "/alvh list   (open positions of this workspace)",
    "status": "/alvh status [id]   (marks, greeks and P&L now; default: your latest position)",
    "mark": "/alvh mark spot 5600 vix 18.5   (record today's SPX and VIX marks for this workspace)",
    "hedge": "/alvh hedge [id]   (size the layered VIX call hedge)",
    "compare": "/alvh compare [id]   (hold / leg out / close tested / ALVH / take-profit-stop by EV and risk)",
    "close": "/alvh close id [at PRICE | at LP/SP/SC/LC]   (closing debit per condor or the four leg fills: "
             "realised P&L)",
    "edit": "/alvh edit id [credit X] [x N] [expiry DATE] [strikes LP/SP/SC/LC] [opened DATE]",
    "roll": "/alvh roll id put|call to K1/K2 [EXPIRY] [at NET_CREDIT]   (close one vertical, open another)",
    "hedge bought": "/alvh hedge id bought N vix 22/32 jan @1.95   (or vx / vxm futures; records the hedge held)",
    "daily": "/alvh daily on [HH:MM] | /alvh daily off   (post a summary here each NYSE trading day, New York time)",
    "help": "/alvh help",
}

QUESTIONS_HELP = [
    "what if SPX 5600 and VIX 32 in 5 days?",
    "how many VIX calls to hedge 10 condors?",
    "greeks / P&L now",
    "should I leg out?",
    "explain gamma (or vega, ALVH, CVaR, ...)",
    "what did we decide on Tuesday?",
]

#: Practitioner adjustment rules used in the daily summary (documented thresholds).
TAKE_PROFIT_FRACTION = 0.5      # close at 50% of max profit
STOP_MULTIPLE = 2.0             # close when the loss reaches 2x the credit
TESTED_DELTA = _TESTED_DELTA    # a short strike with |delta| >= 0.30 is tested (alvh_core.analysis)
TIME_EXIT_DTE = 21              # manage or close inside 21 days
DEFAULT_DAILY_TIME = "16:15"    # New York time, after the cash close


@dataclass(frozen=True)
class Ctx:
    """Who asks and where: Slack team, user, channel (the terminal uses team 'local')."""

    team_id: str
    user_id: str
    channel_id: str


def money(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    if v != v:
        return "n/a"
    return f"-${abs(v):,.0f}" if v < 0 else f"${v:,.0f}"


def num(x: Any, fmt: str = ".2f") -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if v != v else format(v, fmt)


def pct(x: Any) -> str:
    try:
        return f"{100 * float(x):.1f}%"
    except (TypeError, ValueError):
        return "n/a"


def input_error_text(exc: BaseException) -> str:
    from alvh_core.cli.common import one_line_error

    return one_line_error(exc)


class Assistant:
    """Commands and thread questions of one deployment (any number of teams)."""

    def __init__(self, services: Services):
        self.s = services
        #: comparisons run here awaiting their distribution chart (per-path P&L is not serialised), by
        #: their analysis JSON; popped when charted, at most 16 kept
        self._comparisons: dict[str, Any] = {}
        self._comparisons_lock = threading.Lock()

    # ===== entry points ===========================================================================
    def command(self, ctx: Ctx, text: str) -> Reply:
        """Run one ``/alvh`` command (``text`` without the ``/alvh``)."""
        text = (text or "").strip()
        word = text.split()[0].lower() if text else "help"
        from bot import lifecycle

        changed = lifecycle.handle(self, ctx, text)  # close/edit/roll/hedge ID bought (alvh_core.lifecycle)
        if changed is not None:
            return changed
        try:
            cmd = core.parse_command(text or "help", self.s.today())
        except (GrammarError, ValidationError, ValueError) as exc:
            return self.usage_error(word, exc)
        handler = getattr(self, f"_cmd_{cmd.kind}")
        try:
            return handler(ctx, cmd)
        except (GrammarError, ValidationError) as exc:
            return self.usage_error(cmd.kind, exc)
        except ValueError as exc:  # the engine refused the request (e.g. an expired position)
            return self.problem(exc)

    def usage_error(self, word: str, exc: BaseException | str) -> Reply:
        msg = exc if isinstance(exc, str) else input_error_text(exc)
        usage = USAGE.get(word) or "\n".join(USAGE.values())
        return Reply(kind="error", title="Could not read that", status="error", ephemeral=True,
                     text=f"{msg}\nUsage: {usage}", notes=[f":warning: {msg}", f"*Usage:* `{usage}`"])

    def problem(self, exc: BaseException | str) -> Reply:
        msg = exc if isinstance(exc, str) else input_error_text(exc)
        return Reply(kind="error", title="Cannot do that", status="error", ephemeral=True, text=msg,
                     notes=[f":warning: {msg}"])

    def question(self, ctx: Ctx, position_id: int | None, text: str) -> Reply:
        """Answer a question about position ``position_id`` (the thread's position)."""
        history = self._history_question(ctx, position_id, text)
        if history is not None:
            return history
        try:
            q = core.parse_question(text)
        except (GrammarError, ValidationError, ValueError) as exc:
            return self._unknown_question(input_error_text(exc))
        if q.kind == "explain":
            answer = core.explain(q.term)
            if answer is None:
                return self._unknown_question(f"I have no glossary entry for '{q.term}'.")
            return Reply(kind="explain", title=f"Explain: {q.term}"[:150], text=answer, notes=[answer],
                         position_id=position_id)
        if q.kind == "unknown":
            return self._unknown_question()
        row = self._position_row(ctx, position_id)
        if isinstance(row, Reply):
            return row
        if row["status"] != "open":
            from bot import lifecycle

            return lifecycle.closed_reply(self, ctx, row)
        condor = self.s.store.condor_of(row)
        market = self._market(ctx)
        if isinstance(market, Reply):
            return market
        state, mark = market
        try:
            if q.kind == "what_if":
                spot, vix, days = q.resolve(state, condor.expiry)
                return self._what_if(row, condor, state, mark, spot, vix, days)
            if q.kind == "hedge_size":
                return self._hedge(row, condor, state, mark, condors=q.condors)
            if q.kind == "greeks":
                return self._status(row, condor, state, mark)
            if q.kind == "should_leg_out":
                return self._compare(row, condor, state, mark)
        except ValueError as exc:
            return self.problem(exc)
        return self._unknown_question()

    def button(self, ctx: Ctx, what: str, position_id: int) -> Reply:
        """A result's button: ``hedge``, ``compare`` or ``what_if`` (SPX -5%, VIX +5 points, today)."""

        def press(row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark) -> Reply:
            try:
                if what == "hedge":
                    return self._hedge(row, condor, state, mark)
                if what == "compare":
                    return self._compare(row, condor, state, mark)
                reply = self._what_if(row, condor, state, mark, state.spot * 0.95, state.vix + 5.0, 0)
                reply.notes.append(
                    "Ask in this thread for any other scenario, e.g. _what if SPX 5600 and VIX 32 in 5 days?_")
                return reply
            except ValueError as exc:
                return self.problem(exc)

        return self._with_position(ctx, position_id, press)

    def record(self, ctx: Ctx, thread_ts: str | None, question: str, reply: Reply) -> None:
        """Keep the question and its answer (with the analysis and assumptions) in SQLite."""
        if reply.ephemeral:
            return
        self.s.store.record_exchange(ctx.team_id, ctx.channel_id, thread_ts, reply.position_id, ctx.user_id,
                                     question, reply.text, reply.kind, reply.analysis_json, reply.assumptions)

    def chart_png(self, ctx: Ctx, reply: Reply) -> bytes | None:
        """PNG chart of the reply's position (``alvh_core.charts``): at expiry and today, with the sized hedge
        for a hedge reply and the hedge held when one is recorded; a compare reply's P&L distribution."""
        from alvh_core.hedge import HedgePlan
        from bot import charts, lifecycle

        if reply.position_id is None:
            return None
        row = self.s.store.position(ctx.team_id, reply.position_id)
        if row is None:
            return None
        condor = self.s.store.condor_of(row)
        market = self._market(ctx)
        state = None if isinstance(market, Reply) else market[0]
        title = f"#{reply.position_id} {condor.describe()}" + ("" if row["status"] == "open" else " (CLOSED)")
        if reply.kind == "compare":
            with self._comparisons_lock:
                comparison = self._comparisons.pop(reply.analysis_json or "", None)
            if comparison is None:
                return None
            return charts.compare_chart(comparison, title=f"#{reply.position_id} {condor.describe()}: P&L at the "
                                                          "horizon per strategy")
        plan = None
        if reply.kind == "hedge" and reply.analysis_json and state is not None:
            plan = HedgePlan.model_validate_json(reply.analysis_json)
        held = lifecycle.holdings(self.s.store, ctx.team_id, reply.position_id) or None
        return charts.pnl_chart(condor, state, plan=plan, held=held, title=title)

    # ===== commands ===============================================================================
    def _cmd_help(self, ctx: Ctx, cmd: Any = None) -> Reply:
        topic = (getattr(cmd, "topic", None) or "").strip().lower()
        if topic in USAGE:
            return Reply(kind="help", title=f"/alvh {topic}", text=USAGE[topic], ephemeral=True,
                         notes=[f"`{USAGE[topic]}`"])
        if topic and core.explain(topic):
            answer = core.explain(topic) or ""
            return Reply(kind="help", title=f"Explain: {topic}"[:150], text=answer, notes=[answer], ephemeral=True)
        lines = list(USAGE.values())
        text = "Commands:\n" + "\n".join(lines) + "\n\nIn a result's thread, ask:\n" + "\n".join(QUESTIONS_HELP)
        return Reply(kind="help", title="ALVH desk bot", text=text, ephemeral=True,
                     notes=["*Commands*\n" + "\n".join(f"• `{u}`" for u in lines),
                            "*In a result's thread, ask*\n" + "\n".join(f"• {q}" for q in QUESTIONS_HELP)])

    def _cmd_open(self, ctx: Ctx, cmd: Any) -> Reply:
        condor: IronCondor = cmd.position
        if condor.opened is None:
            condor = condor.model_copy(update={"opened": self.s.today()})
        pid = self.s.store.add_position(ctx.team_id, ctx.user_id, ctx.channel_id, condor)
        row = self.s.store.position(ctx.team_id, pid)
        market = self._market(ctx)
        if isinstance(market, Reply):
            note = f"No SPX/VIX marks yet, so no analysis. Record them: {USAGE['mark']}"
            return Reply(kind="open", title=f"Position #{pid} recorded", position_id=pid, start_thread=True,
                         text=f"Recorded #{pid}: {condor.describe()}\n{note}",
                         fields=[("Position", condor.describe())], notes=[note], chart=True)
        state, mark = market
        reply = self._status(row, condor, state, mark)
        reply.kind = "open"
        reply.title = f"Recorded #{pid}: {condor.describe()}"[:150]
        return reply

    def _cmd_list(self, ctx: Ctx, cmd: Any) -> Reply:
        rows = self.s.store.open_positions(ctx.team_id)
        if not rows:
            return Reply(kind="list", title="Open positions", text="No open positions. " + USAGE["open"])
        today = self.s.today()
        table = Table(columns=["id", "position", "DTE", "opened by"],
                      rows=[[f"#{r['id']}", r["description"], str(self.s.store.condor_of(r).dte(today)),
                             r["user_id"] or ""] for r in rows])
        return Reply(kind="list", title=f"Open positions ({len(rows)})", text=table_text(table), table=table)

    def _cmd_status(self, ctx: Ctx, cmd: Any) -> Reply:
        return self._with_position(ctx, cmd.id, self._status)

    def _cmd_hedge(self, ctx: Ctx, cmd: Any) -> Reply:
        return self._with_position(ctx, cmd.id, lambda *a: self._hedge(*a, condors=cmd.condors))

    def _cmd_compare(self, ctx: Ctx, cmd: Any) -> Reply:
        return self._with_position(ctx, cmd.id, lambda *a: self._compare(
            *a, n_paths=cmd.paths, seed=cmd.seed, premia=cmd.premia, costs=cmd.costs))

    def _cmd_mark(self, ctx: Ctx, cmd: Any) -> Reply:
        today = self.s.today()
        asof = cmd.marks.asof or today
        if asof > today:
            return self.usage_error("mark", f"mark date {asof} is in the future")
        spot, vix = cmd.marks.spot, cmd.marks.vix
        extra = self._position_marks_reply(ctx, cmd, asof)  # issue 10: leg / VX / VIX-option marks
        if isinstance(extra, Reply):
            return extra
        self.s.store.add_mark(ctx.team_id, ctx.user_id, asof, spot, vix)
        text = f"Marks for {asof}: SPX {spot:,.2f}, VIX {vix:.2f} (recorded by <@{ctx.user_id}>)" + extra
        return Reply(kind="mark", title="Marks recorded", text=text,
                     fields=[("SPX", f"{spot:,.2f}"), ("VIX", f"{vix:.2f}"), ("As of", str(asof))])

    def _position_marks_reply(self, ctx: Ctx, cmd: Any, asof: dt.date) -> str | Reply:
        """Check and store the leg / VX / VIX-option marks of a mark command against its position."""
        from alvh_core.market.marked import MarkError, apply_marks, vix_option_vols

        m = cmd.marks
        if not (m.legs or m.vx or m.vix_options):
            return ""
        row = self._position_row(ctx, cmd.id)
        if isinstance(row, Reply):
            return row
        condor = self.s.store.condor_of(row)
        try:
            market, _, note = apply_marks(m, condor, MarketState(spot=m.spot, vix=m.vix, asof=asof))
            vix_option_vols(m.vix_options, asof, m.vix, market.vix_futures)
        except (MarkError, ValueError) as exc:
            return self.usage_error("mark", exc)
        # price marks are kept with the vol they imply at the typed spot (sticky strike for the day)
        lv = market.leg_vols or {}
        legs = tuple(lg.model_copy(update={"iv": lg.iv if lg.iv is not None else lv[lg.strike]}) for lg in m.legs)
        self.s.store.add_position_marks(ctx.team_id, int(row["id"]), ctx.user_id, asof, m.model_copy(update={"legs": legs}))
        return f"\nPosition #{row['id']}: {note}"

    def _marked_state(self, ctx: Ctx, row: dict[str, Any], state: MarketState) -> tuple[MarketState, str]:
        """``state`` with the position's marks of that day (legs as implied vols, VX futures), and the
        "marked vs modelled" line ("" without marks)."""
        from types import SimpleNamespace

        from alvh_core.market.marked import LegMark, MarkError, VxMark, apply_marks

        rows = self.s.store.position_marks(ctx.team_id, int(row["id"]), state.asof)
        legs = tuple(LegMark(strike=r["strike"], right=r["right"], iv=r["iv"]) for r in rows if r["kind"] == "leg")
        vx = tuple(VxMark(month=r["month"], price=r["price"]) for r in rows if r["kind"] == "vx")
        if not (legs or vx):
            return state, ""
        try:
            marked, _, note = apply_marks(SimpleNamespace(legs=legs, vx=vx), self.s.store.condor_of(row), state)
        except (MarkError, ValueError) as exc:
            return state, f"today's leg marks not used ({exc}); all legs modelled"
        return marked, note

    def _cmd_close(self, ctx: Ctx, cmd: Any) -> Reply:
        """``close id`` (no fill): the lifecycle's close (``bot.lifecycle``), the one definition of closing."""
        from bot import lifecycle

        return lifecycle.handle(self, ctx, f"close {int(cmd.id)}") or self.problem(f"cannot close #{cmd.id}")

    def _cmd_daily(self, ctx: Ctx, cmd: Any) -> Reply:
        if not cmd.on:
            self.s.store.unsubscribe(ctx.team_id, ctx.channel_id)
            return Reply(kind="daily", title="Daily summary off",
                         text="This channel no longer gets the daily adjustment summary.")
        hhmm = cmd.time.strftime("%H:%M") if cmd.time else DEFAULT_DAILY_TIME
        self.s.store.subscribe(ctx.team_id, ctx.channel_id, hhmm, ctx.user_id)
        return Reply(kind="daily", title="Daily summary on",
                     text=f"This channel gets the adjustment summary each NYSE trading day at {hhmm} New York time.")

    # ===== helpers ================================================================================
    def _position_row(self, ctx: Ctx, position_id: int | None) -> dict[str, Any] | Reply:
        if position_id is not None:
            row = self.s.store.position(ctx.team_id, int(position_id))
            if row is None:
                return self.usage_error("status", f"no position #{position_id} in this workspace")
            return row
        row = (self.s.store.latest_open_position(ctx.team_id, ctx.user_id, ctx.channel_id)
               or self.s.store.latest_open_position(ctx.team_id, ctx.user_id)
               or self.s.store.latest_open_position(ctx.team_id))
        if row is None:
            return self.usage_error("open", "no open position yet; open one first")
        return row

    def _market(self, ctx: Ctx) -> tuple[MarketState, Mark] | Reply:
        today = self.s.today()
        mark = self.s.market_data.latest(ctx.team_id, today)
        if mark is None:
            return Reply(kind="error", title="No marks", ephemeral=True, status="error",
                         text=f"No SPX/VIX marks yet. Record them: {USAGE['mark']}")
        return MarketState(spot=mark.spot, vix=mark.vix, asof=today), mark

    def _with_position(self, ctx: Ctx, position_id: int | None, fn: Any) -> Reply:
        row = self._position_row(ctx, position_id)
        if isinstance(row, Reply):
            return row
        if row["status"] != "open":
            from bot import lifecycle

            if fn == self._status:
                return lifecycle.closed_reply(self, ctx, row)
            return self.problem(f"position #{row['id']} is closed; nothing to analyse (status {row['id']} "
                                "shows its realised P&L)")
        market = self._market(ctx)
        if isinstance(market, Reply):
            return market
        state, mark = market
        state, marks_note = self._marked_state(ctx, row, state)
        reply = fn(row, self.s.store.condor_of(row), state, mark)
        if marks_note and isinstance(reply, Reply) and not reply.ephemeral:
            reply = reply.model_copy(update={"notes": [*reply.notes, marks_note],
                                             "text": f"{reply.text}\n{marks_note}"})
        return reply

    def _mark_note(self, mark: Mark, today: dt.date) -> str:
        stale = "" if mark.asof >= today else f" (stale: {(today - mark.asof).days} days old)"
        return f"marks SPX {mark.spot:,.2f} / VIX {mark.vix:.2f} as of {mark.asof}, {mark.source}{stale}"

    def _buttons(self, pid: int, skip: str = "") -> list[Button]:
        out = []
        for action, label in (("alvh_hedge", "Size hedge"), ("alvh_compare", "Compare choices"),
                              ("alvh_whatif", "What if SPX -5%?")):
            if action != skip:
                out.append(Button(action_id=action, text=label, value=str(pid)))
        return out

    # ----- analysis ------------------------------------------------------------------------------
    @staticmethod
    def _analysis_parts(a: Any) -> tuple[list[tuple[str, str]], Table]:
        """Key figures and the legs table of an ``alvh_core.analysis.Analysis``."""
        lo, hi = a.breakevens
        fields = [
            ("P&L now", f"{money(a.pnl_now)} ({pct(a.pnl_now_pct_of_max)} of max)"),
            ("Days to expiry", "expired" if a.expired else str(a.dte)),
            ("Max profit / loss", f"{money(a.max_profit)} / {money(-a.max_loss)}"),
            ("Break-evens", f"{num(lo, ',.0f')} / {num(hi, ',.0f')}"),
            ("P(profit) at expiry", pct(a.prob_profit)),
            ("Tested wing", a.tested_label if a.tested_label != "none" else f"none (|Δ| < {TESTED_DELTA:.2f})"),
            ("Short deltas (put / call)", f"{a.short_put_delta:+.2f} / {a.short_call_delta:+.2f}"),
            ("Delta $/pt, gamma", f"{money(a.net.delta)} / {num(a.net.gamma, '+.2f')}"),
            ("Vega $/vol pt, theta $/day", f"{money(a.net.vega)} / {money(a.net.theta)}"),
        ]
        rows = [[f"{leg.role} {leg.strike:g}", num(leg.mark),
                 "n/a" if leg.iv is None else f"{100 * leg.iv:.1f}", f"{leg.delta:+.3f}"] for leg in a.legs]
        return fields, Table(columns=["leg", "mark", "IV", "delta"], rows=rows)

    def _status(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark) -> Reply:
        pid = int(row["id"])
        a = core.analyze(condor, state)
        fields, table = self._analysis_parts(a)
        assumptions = [self._mark_note(mark, state.asof), *a.assumptions]
        from bot import lifecycle

        held = lifecycle.holdings(self.s.store, row["team_id"], pid)
        if held:
            from alvh_core.lifecycle import holdings_pnl

            hp = float(holdings_pnl(held, state))
            fields.insert(1, ("Hedge held", lifecycle.hedge_held_text(self.s.store, row["team_id"], pid, state) or ""))
            fields.insert(2, ("P&L with hedge", money(a.pnl_now + hp)))
            assumptions.append("hedge held valued at model mid: VIX options Black-76 on the VX curve future of "
                               "their expiry, futures at that future; before exit costs")
        text = (f"#{pid} {condor.describe()}\n" + "\n".join(f"{k}: {v}" for k, v in fields)
                + f"\n{table_text(table)}")
        events = f"*Events before expiry:* {describe_events(a.events_before_expiry, limit=4)}"
        text += "\n" + events.replace("*", "")
        return Reply(kind="status", title=f"#{pid} {condor.describe()}"[:150], text=text, fields=fields, table=table,
                     notes=[events], assumptions=assumptions, position_id=pid, buttons=self._buttons(pid), start_thread=True,
                     chart=True, analysis_json=a.model_dump_json())

    def _what_if(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark,
                 spot: float | None, vix: float | None, days: int) -> Reply:
        pid = int(row["id"])
        a = core.what_if(condor, state, spot=spot, vix=vix, days=days)
        fields, table = self._analysis_parts(a)
        w = a.what_if
        scen = (f"SPX {num(a.market.spot, ',.0f')}, VIX {num(a.market.vix, '.1f')}, "
                f"{days} day{'s' if days != 1 else ''} on ({a.market.asof})")
        fields[0] = ("P&L in the scenario", fields[0][1])
        fields.insert(0, ("Scenario", scen))
        fields.insert(2, ("Change vs now", money(w.pnl_change) if w is not None else "n/a"))
        # one Slack section holds 10 fields: max profit/loss does not move in a scenario, vega and theta
        # (what matters when VIX moved) must stay on the card
        fields = [f for f in fields if f[0] != "Max profit / loss"]
        notes = list(w.notes) if w is not None else []
        assumptions = [self._mark_note(mark, state.asof), *a.assumptions]
        text = f"What if {scen} (#{pid}):\n" + "\n".join(f"{k}: {v}" for k, v in fields)
        return Reply(kind="what_if", title=f"What if {scen}"[:150], text=text, fields=fields, table=table,
                     notes=notes, assumptions=assumptions, position_id=pid, analysis_json=a.model_dump_json())

    def _hedge(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark,
               condors: int | None = None) -> Reply:
        pid = int(row["id"])
        plan = core.size_hedge(condor, state, condors=condors)
        what = plan.kind.replace("_", " ").lower()
        strikes = f" {plan.strikes[0]:g}/{plan.strikes[1]:g}" if plan.strikes else ""
        fields = [("Hedge", f"{'long' if plan.direction > 0 else 'short'} {plan.contracts} x {KIND_NAMES[plan.kind]}"
                            f"{strikes} exp {plan.hedge_expiry}"),
                  ("For", f"{plan.condors} condors, {plan.wing} wing ({pct(plan.share)} of the stress loss)"),
                  ("Cost (incl. trading costs)", money(plan.cost)),
                  ("Margin / capital", money(plan.margin)),
                  ("Unit price", f"{num(plan.unit_price)} pts ({what}); VX future {num(plan.vix_future)}"),
                  ("Trigger", f"|short delta| {plan.short_delta:.2f} vs {plan.trigger:.2f}: "
                              f"{'layer on' if plan.trigger_hit else 'not yet'}"),
                  ("Beta used", f"{plan.beta:+.2f} ({plan.beta_source})"[:200]),
                  ("Stress", f"SPX {plan.stress_spx:,.0f} / VIX {plan.stress_vix:.1f}: wing loses {money(plan.wing_loss)}")]
        table = Table(columns=["SPX move", "SPX", "VIX", "condor", "hedge", "net"],
                      rows=[[f"{100 * r.spx_move:+.0f}%", f"{r.spx:,.0f}", f"{r.vix:.1f}", money(r.condor_pnl),
                             money(r.hedge_pnl), money(r.net_pnl)] for r in plan.scenarios])
        assumptions = [self._mark_note(mark, state.asof), *plan.assumptions]
        text = (f"Hedge for #{pid}:\n" + "\n".join(f"{k}: {v}" for k, v in fields) + f"\n{table_text(table)}")
        return Reply(kind="hedge", title=f"ALVH hedge for #{pid}: {plan.contracts} contracts"[:150], text=text,
                     fields=fields, table=table, assumptions=assumptions, position_id=pid,
                     buttons=self._buttons(pid, skip="alvh_hedge"), start_thread=True, chart=True,
                     analysis_json=plan.model_dump_json())

    def _compare(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark,
                 n_paths: int | None = None, seed: int | None = None, premia: bool = True,
                 costs: bool = True) -> Reply:
        pid = int(row["id"])
        from bot import lifecycle

        c = core.compare(condor, state, n_paths=n_paths or self.s.compare_paths,
                         seed=self.s.seed if seed is None else seed, premia=premia, costs=costs,
                         held=lifecycle.holdings(self.s.store, row["team_id"], pid) or None)
        analysis_json = c.model_dump_json()
        with self._comparisons_lock:
            self._comparisons[analysis_json] = c
            while len(self._comparisons) > 16:
                self._comparisons.pop(next(iter(self._comparisons)))
        rows = []
        for name, m in c.strategies.items():
            d = c.vs_leg_out.get(name)
            rows.append([name, money(m.ev), money(m.ev_se), money(m.cvar95), pct(m.p_loss), money(m.worst),
                         "" if d is None or name == "leg_out" else f"{money(d.diff)} ± {money(d.se)}"])
        table = Table(columns=["strategy", "EV", "±SE", "CVaR95", "P(loss)", "worst", "vs leg out"], rows=rows)
        notes = [f"*Verdict:* {verdict(c)}"]
        if c.seed_claims.summary:
            notes.append(f"*ALVH claims on these paths:* {c.seed_claims.summary}")
        notes.append("*Events before expiry:* "
                     + describe_events(default_calendar().before_expiry(state.asof, condor.expiry)))
        assumptions = [self._mark_note(mark, state.asof), *c.assumptions.lines()]
        text = f"Management choices for #{pid}:\n{table_text(table)}\n" + "\n".join(
            n.replace("*", "") for n in notes)
        return Reply(kind="compare", title=f"Management choices for #{pid}"[:150], text=text, table=table,
                     notes=notes, assumptions=assumptions, position_id=pid,
                     buttons=self._buttons(pid, skip="alvh_compare"), start_thread=True, chart=True,
                     analysis_json=analysis_json)

    def _unknown_question(self, why: str | None = None) -> Reply:
        text = (f"{why}\n" if why else "") + "I can answer, in this thread:\n" + "\n".join(
            f"• {q}" for q in QUESTIONS_HELP)
        return Reply(kind="unknown", title="What I can answer", text=text, notes=[text])

    # ----- "what did we decide on Tuesday?" -------------------------------------------------------
    _DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    def _history_question(self, ctx: Ctx, position_id: int | None, text: str) -> Reply | None:
        t = text.lower()
        if not re.search(r"\b(decide|decided|discuss|discussed|said|say|history)\b", t):
            return None
        today = self.s.today()
        day = None
        for i, name in enumerate(self._DAYS):
            if name in t:
                back = (today.weekday() - i) % 7 or 7
                day = today - dt.timedelta(days=back)
        if "yesterday" in t:
            day = today - dt.timedelta(days=1)
        if "today" in t:
            day = today
        if day is None:
            start = dt.datetime.min.replace(tzinfo=dt.UTC)
            end = self.s.clock() + dt.timedelta(days=1)
            label = "so far"
        else:
            start = dt.datetime.combine(day, dt.time(0), DESK_TZ).astimezone(dt.UTC)
            end = start + dt.timedelta(days=1)
            label = f"on {day:%A %Y-%m-%d}"
        msgs = self.s.store.messages_between(ctx.team_id, start, end, position_id)
        answers = [m for m in msgs if m["role"] == "answer"][-8:]
        if not answers:
            return Reply(kind="history", title="History", position_id=position_id,
                         text=f"Nothing recorded {label} for this position.")
        lines = [f"{desk_time(m['created_at'])} [{m['kind']}] {m['text'].splitlines()[0][:200]}" for m in answers]
        text = f"What the thread recorded {label}:\n" + "\n".join(lines)
        return Reply(kind="history", title=f"Recorded {label}", text=text, notes=["\n".join(lines)],
                     position_id=position_id)

    # ===== daily summary ==========================================================================
    def _hedge_on(self, team_id: str, pid: int) -> str:
        """The latest hedge the bot sized for this position (the bot does not see fills)."""
        hedges = self.s.store.analyses(team_id, pid, "hedge")
        if not hedges:
            return "no hedge sized yet"
        plan = json.loads(hedges[-1]["result_json"])
        strikes = plan.get("strikes")
        what = str(plan.get("instrument", "hedge")).replace("_", " ")
        return (f"hedge sized {desk_date_of(hedges[-1]['created_at'])}: {plan.get('contracts')} x {what}"
                + (f" {strikes[0]:g}/{strikes[1]:g}" if strikes else "") + f" exp {plan.get('hedge_expiry')}"
                + ("" if plan.get("trigger_hit") else " (trigger not hit then)"))

    def daily_summary(self, team_id: str, channel_id: str) -> Reply:
        """The adjustment summary of a channel's open positions for today (stores a snapshot per position)."""
        today = self.s.today()
        rows = self.s.store.open_positions(team_id, channel_id)
        mark = self.s.market_data.latest(team_id, today)
        title = f"Daily adjustment summary {today:%a %Y-%m-%d}"
        stale_days = (today - mark.asof).days if mark is not None else 0
        if stale_days > 0:  # a summary on old marks says so first, not in a small context line
            title = f"STALE MARKS ({stale_days} days old, {mark.asof}): {title}"
        from bot.services import DESK_TZ

        day_start = dt.datetime.combine(today, dt.time(0), DESK_TZ)
        closed = [f"*#{r['id']}* {r['description']} CLOSED"
                  + (f": realised {money(r['realized_pnl'])}" if r.get("realized_pnl") is not None else
                     " (no fill recorded)")
                  for r in self.s.store.closed_positions(team_id, channel_id, day_start)]
        if not rows:
            extra = ("\nClosed today:\n" + "\n".join(c.replace("*", "") for c in closed)) if closed else ""
            return Reply(kind="daily_summary", title=title, notes=closed,
                         text=f"{title}\nNo open positions in this channel.{extra}")
        if mark is None:
            return Reply(kind="daily_summary", title=title,
                         text=f"{title}\nNo SPX/VIX marks yet: {USAGE['mark']}")
        state = MarketState(spot=mark.spot, vix=mark.vix, asof=today)
        sections = []
        table_rows = []
        for row in rows:
            condor = self.s.store.condor_of(row)
            pid = int(row["id"])
            if condor.expiry < today:
                sections.append(f"*#{pid}* {condor.describe()}: expired {condor.expiry}; close it: `/alvh close {pid}`")
                continue
            a = core.analyze(condor, state)
            pnl = a.pnl_now
            tested = a.tested_label  # the documented rule, as in status and the chart
            sd_vals = [a.short_put_delta, a.short_call_delta]
            advice = suggest_adjustment(condor, today, pnl, [abs(x) for x in sd_vals])
            from bot import lifecycle

            held_txt = lifecycle.hedge_held_text(self.s.store, team_id, pid, state)
            hedge_txt = f"hedge held: {held_txt}" if held_txt else self._hedge_on(team_id, pid)
            prev = [json.loads(p["result_json"]) for p in self.s.store.analyses(team_id, pid, "daily")]
            prev = [p for p in prev if p.get("asof", "") < today.isoformat()]
            changed = "first summary"
            if prev:
                before = prev[-1]
                changed = (f"P&L {money(pnl - before['pnl'])}, SPX {mark.spot - before['spot']:+,.0f}, "
                           f"VIX {mark.vix - before['vix']:+.1f} since {before['asof']}")
                if before.get("tested") and before["tested"] != tested:
                    changed += f"; tested wing now {tested} (was {before['tested']})"
                if before.get("advice") and before["advice"].split(":")[0] != advice.split(":")[0]:
                    changed += f"; suggestion was: {before['advice'].split(':')[0]}"
            snap = {"pnl": float(pnl), "spot": mark.spot, "vix": mark.vix, "asof": today.isoformat(),
                    "tested": tested, "advice": advice}
            self.s.store.record_exchange(team_id, channel_id, None, pid, None, f"daily summary {today}",
                                         f"#{pid}: {advice}", "daily", json.dumps(snap),
                                         [self._mark_note(mark, today)])
            table_rows.append([f"#{pid}", money(pnl), str(condor.dte(today)), tested,
                               " / ".join(num(v) for v in sd_vals) or "n/a"])
            sections.append(f"*#{pid}* {condor.describe()}\n{hedge_txt}. *Suggests:* {advice}\n_Changed:_ {changed}"
                            f"\n_Events before expiry:_ {describe_events(a.events_before_expiry, limit=4)}")
        event_warning = tomorrow_warning(today)
        if event_warning:
            sections.insert(0, f":warning: *{event_warning}* (what such days did: `alvh events --study`)")
        table = Table(columns=["id", "P&L", "DTE", "tested", "short Δ"], rows=table_rows) if table_rows else None
        if closed:
            sections.append("*Closed today*\n" + "\n".join(closed))
        warning = None
        if stale_days > 0:  # lead with it, before the table (Reply.warning renders under the title)
            warning = (f":warning: *These figures use marks from {mark.asof} ({stale_days} days old).* "
                       f"Record today's: `{USAGE['mark']}`")
        plain = ([warning.replace("*", "")] if warning else []) + ([table_text(table)] if table else []) + [
            x.replace("*", "").replace("_", "") for x in sections]
        text = f"{title}\n" + "\n".join(plain)
        return Reply(kind="daily_summary", title=title, text=text, table=table, notes=sections, warning=warning,
                     position_id=int(rows[0]["id"]) if len(rows) == 1 else None,
                     assumptions=[self._mark_note(mark, today),
                                  f"rules: take profit at {TAKE_PROFIT_FRACTION:.0%} of max profit, stop at "
                                  f"{STOP_MULTIPLE:g}x credit, tested when |short delta| >= {TESTED_DELTA}, "
                                  f"manage inside {TIME_EXIT_DTE} DTE"])


def verdict(c: Any) -> str:
    """One sentence: which choice has the best EV and whether its edge over legging out is > 2 SE."""
    best = max(c.strategies, key=lambda n: c.strategies[n].ev)
    if best == "leg_out":
        return "legging out now has the highest expected value on these paths."
    d = c.vs_leg_out[best]
    if d.diff > 2 * d.se:
        return (f"{best} beats legging out by {money(d.diff)} ± {money(d.se)} (more than 2 standard errors): "
                "on expected value, do not leg out.")
    return (f"{best} has the highest EV, but its edge over legging out ({money(d.diff)} ± {money(d.se)}) is "
            "within 2 standard errors: decide on risk (CVaR, worst case) and cost.")


def suggest_adjustment(condor: IronCondor, today: dt.date, pnl: float, short_deltas: list[float]) -> str:
    """The registered strategies' suggestion and why (alvh_core.strategies.suggest: the same take-profit/stop
    rule and ALVH triggers that `compare` and the replay run)."""
    from alvh_core.strategies import suggest

    return suggest(condor, today, pnl, short_deltas, manage_dte=TIME_EXIT_DTE, tested_delta=TESTED_DELTA)
