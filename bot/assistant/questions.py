"""Thread questions: parse with the grammar, answer through a table keyed by the question's kind.

Every answer about the position starts with one ``Understood:`` line giving the values used and
where they came from, and carries the same values in ``Reply.understood`` (numbers as numbers:
``spot``/``vix`` in points, ``date`` ISO, ``days`` calendar days from today, ``condors``,
``instrument``, ``wing``, ``term``) for ``alvh chat --json``. Text read only in part, or a number
that reads two ways, is asked back (kind ``clarify``), never answered in part.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from alvh_core.clock import DESK_TZ, desk_time
from alvh_core.models import IronCondor, MarketState
from bot import core, lifecycle
from bot.assistant.common import (
    QUESTIONS_HELP,
    TAKE_PROFIT_FRACTION,
    TESTED_DELTA,
    Ctx,
    input_error_text,
    money,
    num,
    pct,
    suggest_adjustment,
)
from bot.assistant.results import ResultsMixin
from bot.core import GrammarError
from bot.market_data import Mark
from bot.reply import Reply

FACT_LABEL = {"breakevens": "break-evens", "margin": "margin", "cost_to_close": "cost to close",
              "tested": "tested wing", "take_profit": "take profit", "recap": "recap",
              "max_loss": "max profit and loss"}


def _day(d: dt.date) -> str:
    return f"{d:%a} {d.isoformat()}"


def _signed(v: float, fmt: str) -> str:
    return format(v, "+" + fmt)


def understood_what_if(q: Any, state: MarketState, condor: IronCondor, spot: float | None, vix: float | None,
                       days: int) -> tuple[str, dict[str, Any]]:
    """The ``Understood:`` line of a what-if and its values (what the scenario actually used)."""
    s = state.spot if spot is None else spot
    v = state.vix if vix is None else vix
    if q.spot is not None:
        spx = f"SPX {s:,.2f} (from {state.spot:,.2f})"
    elif q.spot_change_pct is not None:
        spx = f"SPX {s:,.2f} ({_signed(q.spot_change_pct, '.1f')}% from {state.spot:,.2f})"
    elif q.spot_change is not None:
        spx = f"SPX {s:,.2f} ({_signed(q.spot_change, ',.0f')} points from {state.spot:,.2f})"
    else:
        spx = f"SPX {s:,.2f} (unchanged)"
    if q.vix is not None:
        vx = f"VIX {v:.1f} (from {state.vix:.1f})"
    elif q.vix_change is not None:
        vx = f"VIX {v:.1f} ({_signed(q.vix_change, '.1f')} from {state.vix:.1f})"
    elif q.vix_change_pct is not None:
        vx = f"VIX {v:.1f} ({_signed(q.vix_change_pct, '.0f')}% from {state.vix:.1f})"
    else:
        vx = f"VIX {v:.1f} (unchanged)"
    when = state.asof + dt.timedelta(days=days)
    cal = f"{days} calendar day{'s' if days != 1 else ''}"
    if q.at_expiry:
        horizon = f"at expiry ({_day(when)}, {cal})"
    elif days == 0:
        horizon = f"today ({_day(when)})"
    elif q.trading_days is not None:
        horizon = f"in {q.trading_days} trading day{'s' if q.trading_days != 1 else ''} ({_day(when)}, {cal})"
    elif q.date is not None:
        horizon = f"on {_day(when)} ({cal})"
    else:
        horizon = f"in {cal} ({_day(when)})"
    if when > condor.expiry:
        horizon += f", after the expiry {condor.expiry}: valued as expired"
    line = f"Understood: {spx}, {vx}, {horizon}, {condor.quantity} condors"
    return line, {"spot": round(s, 4), "vix": round(v, 4), "date": when.isoformat(), "days": days,
                  "condors": condor.quantity}


def _with_understood(reply: Reply, line: str, data: dict[str, Any]) -> Reply:
    if reply.status == "ok":
        reply.text = f"{line}\n{reply.text}"
        reply.understood = data
    return reply


class QuestionsMixin(ResultsMixin):
    def question(self, ctx: Ctx, position_id: int | None, text: str) -> Reply:
        """Answer a question about position ``position_id`` (the thread's position)."""
        try:
            q = core.parse_question(text, self.s.today())
        except (GrammarError, ValidationError, ValueError) as exc:
            msg = input_error_text(exc)
            return Reply(kind="error", title="Could not read that", status="error", text=msg,
                         notes=[f":warning: {msg}"], position_id=position_id)
        handler, needs_position = QUESTION_HANDLERS[q.kind]
        if not needs_position:
            return handler(self, ctx, position_id, q)
        row = self._position_row(ctx, position_id)
        if isinstance(row, Reply):
            return row
        if row["status"] != "open":  # a closed position: CLOSED, its fill and realised P&L, no live figures
            return lifecycle.closed_reply(self, ctx, row)  # type: ignore[arg-type]
        condor = self.s.store.condor_of(row)
        market = self._market(ctx)
        if isinstance(market, Reply):
            return market
        state, mark = market
        try:
            return handler(self, ctx, (row, condor, state, mark), q)
        except ValueError as exc:
            return self.problem(exc)

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

    # ----- answers that need no position -----------------------------------------------------------
    def _q_ack(self, ctx: Ctx, position_id: int | None, q: Any) -> Reply:
        """Small talk: nothing to say (Slack shows no message; ``alvh chat`` prints nothing)."""
        return Reply(kind="ack", title="", text="", position_id=position_id)

    def _q_clarify(self, ctx: Ctx, position_id: int | None, q: Any) -> Reply:
        text = q.question[:1].upper() + q.question[1:]
        text = text if text.endswith("?") else text + "?" if not text.endswith(("'", ")")) else text
        return Reply(kind="clarify", title="Did you mean...?", text=text, notes=[text], position_id=position_id)

    def _q_explain(self, ctx: Ctx, position_id: int | None, q: Any) -> Reply:
        answer = core.explain(q.term)
        if answer is None:
            return self._unknown_question(f"I have no glossary entry for '{q.term}'.")
        reply = Reply(kind="explain", title=f"Explain: {q.term}"[:150], text=answer, notes=[answer],
                      position_id=position_id)
        reply.understood = {"term": q.term}
        return reply

    def _q_unknown(self, ctx: Ctx, position_id: int | None, q: Any) -> Reply:
        return self._unknown_question()

    def _q_history(self, ctx: Ctx, position_id: int | None, q: Any) -> Reply:
        today = self.s.today()
        day = None
        names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        if q.day in names:
            back = (today.weekday() - names.index(q.day)) % 7 or 7
            day = today - dt.timedelta(days=back)
        elif q.day == "yesterday":
            day = today - dt.timedelta(days=1)
        elif q.day == "today":
            day = today
        lines, label = self._recorded(ctx, position_id, day)
        if not lines:
            return Reply(kind="history", title="History", position_id=position_id,
                         text=f"Nothing recorded {label} for this position.",
                         understood={"date": day.isoformat()} if day else {})
        text = f"What the thread recorded {label}:\n" + "\n".join(lines)
        return Reply(kind="history", title=f"Recorded {label}", text=text, notes=["\n".join(lines)],
                     position_id=position_id, understood={"date": day.isoformat()} if day else {})

    def _recorded(self, ctx: Ctx, position_id: int | None, day: dt.date | None, last: int = 8
                  ) -> tuple[list[str], str]:
        """First lines of the answers recorded for the position (on ``day``, or all), oldest first."""
        if day is None:
            start = dt.datetime.min.replace(tzinfo=dt.UTC)
            end = self.s.clock() + dt.timedelta(days=1)
            label = "so far"
        else:
            start = dt.datetime.combine(day, dt.time(0), DESK_TZ).astimezone(dt.UTC)
            end = start + dt.timedelta(days=1)
            label = f"on {day:%A %Y-%m-%d}"
        msgs = self.s.store.messages_between(ctx.team_id, start, end, position_id)
        answers = [m for m in msgs if m["role"] == "answer"][-last:]
        lines = []
        for m in answers:
            first = [ln for ln in m["text"].splitlines() if not ln.startswith("Understood:")][:1] or [""]
            lines.append(f"{desk_time(m['created_at'])} [{m['kind']}] {first[0][:200]}")
        return lines, label

    # ----- answers about the position ------------------------------------------------------------
    def _q_what_if(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        spot, vix, days = q.resolve(state, condor.expiry)
        held = condor.quantity
        if q.condors is not None and q.condors != held:
            condor = IronCondor.model_validate({**condor.model_dump(), "quantity": q.condors})
        line, data = understood_what_if(q, state, condor, spot, vix, days)
        if condor.quantity != held:
            line += f" (the position has {held})"
        return _with_understood(self._what_if(row, condor, state, mark, spot, vix, days), line, data)

    def _q_hedge(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        return self._hedge(row, condor, state, mark, condors=q.condors, instrument=q.instrument, wing=q.wing)

    def _q_greeks(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        return self._status(row, condor, state, mark)

    def _q_compare(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        return self._compare(row, condor, state, mark)

    @staticmethod
    def _now(condor: IronCondor, state: MarketState) -> dict[str, Any]:
        return {"spot": state.spot, "vix": state.vix, "date": state.asof.isoformat(), "days": 0,
                "condors": condor.quantity}

    def _q_fact(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        pid = int(row["id"])
        a = core.analyze(condor, state)
        mult = 100 * condor.quantity
        lo, hi = a.breakevens
        s = state.spot
        fact = q.fact
        if fact == "breakevens":
            body = (f"Break-evens at expiry: {num(lo, ',.2f')} / {num(hi, ',.2f')} (credit {condor.credit:g} pts "
                    f"outside the short strikes {condor.short_put:g} / {condor.short_call:g}).")
            if lo is not None and hi is not None:
                body += f"\nSPX {s:,.2f} is {s - lo:,.0f} points above the lower and {hi - s:,.0f} below the upper."
        elif fact == "margin":
            width = max(condor.short_put - condor.long_put, condor.long_call - condor.short_call)
            body = (f"Margin (Reg-T, defined risk): {money(width * mult)} = widest wing {width:g} pts x 100 x "
                    f"{condor.quantity}; net of the {money(condor.credit * mult)} credit collected: "
                    f"{money(a.max_loss)} (the max loss).\nPortfolio margin and your broker's house rules can differ.")
        elif fact == "cost_to_close":
            body = (f"Cost to close now: {num(a.close_cost)} pts per condor = {money(a.close_cost * mult)} for "
                    f"{condor.quantity} (model mid, before commissions and slippage).\nClosing now locks in "
                    f"{money(a.pnl_now)} ({pct(a.pnl_now_pct_of_max)} of max profit).")
        elif fact == "tested":
            worst = max(abs(a.short_put_delta), abs(a.short_call_delta))
            yes = worst >= TESTED_DELTA
            body = ((f"Yes: the {a.tested_wing} wing is tested" if yes else
                     f"No wing is tested; the {a.tested_wing} side is the nearer one")
                    + f": short deltas put {a.short_put_delta:+.2f} / call {a.short_call_delta:+.2f} "
                    f"(tested at |delta| >= {TESTED_DELTA:.2f}); SPX {s:,.2f} is {s - condor.short_put:,.0f} "
                    f"points above the short put and {condor.short_call - s:,.0f} below the short call.")
        elif fact == "take_profit":
            target = TAKE_PROFIT_FRACTION * a.max_profit
            yes = a.pnl_now >= target
            body = ((f"Yes, by the rule: P&L {money(a.pnl_now)} is {pct(a.pnl_now_pct_of_max)} of max profit "
                     f"{money(a.max_profit)} (rule: take profit at {TAKE_PROFIT_FRACTION:.0%})") if yes else
                    (f"Not yet by the rule: P&L {money(a.pnl_now)} is {pct(a.pnl_now_pct_of_max)} of max profit "
                     f"{money(a.max_profit)}; the rule takes profit at {TAKE_PROFIT_FRACTION:.0%} "
                     f"({money(target)})"))
            body += (f". Closing costs {num(a.close_cost)} pts per condor now. For EV and risk of every choice, "
                     "ask 'should I leg out?'.")
        elif fact == "max_loss":
            width = max(condor.short_put - condor.long_put, condor.long_call - condor.short_call)
            body = (f"Max profit {money(a.max_profit)} (the {condor.credit:g} credit x 100 x {condor.quantity}), "
                    f"max loss {money(a.max_loss)} (widest wing {width:g} minus the credit, x 100 x "
                    f"{condor.quantity}), both at expiry; P&L now {money(a.pnl_now)}.")
        else:  # recap
            advice = suggest_adjustment(condor, state.asof, a.pnl_now,
                                        [abs(a.short_put_delta), abs(a.short_call_delta)])
            lines, _ = self._recorded(ctx, pid, None, last=5)
            body = (f"#{pid} {condor.describe()}\nP&L {money(a.pnl_now)} ({pct(a.pnl_now_pct_of_max)} of max), "
                    f"{a.dte} days to expiry, break-evens {num(lo, ',.0f')} / {num(hi, ',.0f')}, tested wing "
                    f"{a.tested_wing} (short deltas {a.short_put_delta:+.2f} / {a.short_call_delta:+.2f}).\n"
                    f"Rule suggests: {advice}\nThread so far:\n" + ("\n".join(lines) or "nothing recorded yet"))
        line = (f"Understood: {FACT_LABEL[fact]} of #{pid} ({condor.quantity} condors) at SPX {s:,.2f} / VIX "
                f"{state.vix:.1f} ({_day(state.asof)})")
        reply = Reply(kind=fact, title=f"{FACT_LABEL[fact].capitalize()} of #{pid}"[:150], text=body,
                      notes=[body], assumptions=[self._mark_note(mark, state.asof), *a.assumptions],
                      position_id=pid, analysis_json=a.model_dump_json())
        return _with_understood(reply, line, self._now(condor, state))

    def _q_roll(self, ctx: Ctx, pos: tuple[Any, IronCondor, MarketState, Mark], q: Any) -> Reply:
        row, condor, state, mark = pos
        pid = int(row["id"])
        a = core.analyze(condor, state)
        wing = q.wing or a.tested_wing
        lo_k, hi_k = ("long_put", "short_put") if wing == "put" else ("short_call", "long_call")
        short_k = "short_put" if wing == "put" else "short_call"
        width = getattr(condor, hi_k) - getattr(condor, lo_k)
        if q.to is not None:
            shift = q.to - getattr(condor, short_k)
        elif q.points is not None:
            shift = q.points
        else:
            shift = -width if wing == "put" else width
        if shift == 0:
            return self.problem(f"the {wing} wing is already there: expected e.g. 'roll the {wing}s "
                                f"{'down' if wing == 'put' else 'up'} 50'")
        moved = {lo_k: getattr(condor, lo_k) + shift, hi_k: getattr(condor, hi_k) + shift}
        try:
            trial = IronCondor.model_validate({**condor.model_dump(), **moved})
        except ValidationError as exc:
            return self.problem(f"cannot roll the {wing} wing by {shift:+g}: {input_error_text(exc)}")
        legs_old: dict[str, float] = {leg.role: leg.mark for leg in a.legs}
        legs_new: dict[str, float] = {leg.role: leg.mark for leg in core.analyze(trial, state).legs}
        roles = ("short put", "long put") if wing == "put" else ("short call", "long call")
        old_val = legs_old[roles[0]] - legs_old[roles[1]]
        new_val = legs_new[roles[0]] - legs_new[roles[1]]
        debit = old_val - new_val   # > 0: the roll costs money
        mult = 100 * condor.quantity
        old_spread = f"{getattr(condor, lo_k):g}/{getattr(condor, hi_k):g}"
        new_spread = f"{moved[lo_k]:g}/{moved[hi_k]:g}"
        line = (f"Understood: roll the {wing} spread {old_spread} {'down' if shift < 0 else 'up'} {abs(shift):g} "
                f"points to {new_spread}{'' if q.wing else ' (the tested wing)'}, {condor.quantity} condors, at SPX "
                f"{state.spot:,.2f} / VIX {state.vix:.1f} ({_day(state.asof)})")
        cost = (f"Roll cost: buy back {old_spread} at {old_val:.2f}, sell {new_spread} at {new_val:.2f}: "
                f"{'debit' if debit > 0 else 'credit'} {abs(debit):.2f} pts per condor = {money(abs(debit) * mult)}"
                f"{' paid' if debit > 0 else ' received'}.")
        new_credit = round(condor.credit - debit, 2)
        data = {"wing": wing, "points": shift, "condors": condor.quantity, "spot": state.spot, "vix": state.vix,
                "date": state.asof.isoformat(), "days": 0, "roll_cost": round(debit * mult, 2)}
        if new_credit <= 0:
            body = (f"{cost}\nThat is more than the {condor.credit:g} credit collected: the rolled condor would "
                    "carry a net debit, so it has no max profit to show.")
            reply = Reply(kind="roll", title=f"Roll the {wing} wing of #{pid}", text=body, notes=[body],
                          position_id=pid, assumptions=[self._mark_note(mark, state.asof), *a.assumptions])
            return _with_understood(reply, line, data)
        new = IronCondor.model_validate({**trial.model_dump(), "credit": new_credit})
        b = core.analyze(new, state)
        blo, bhi = b.breakevens
        body = (f"{cost}\nNew position: {new.describe()} (net credit {new_credit:.2f} after the roll)\n"
                f"Max profit / loss: {money(b.max_profit)} / {money(-b.max_loss)} (was {money(a.max_profit)} / "
                f"{money(-a.max_loss)})\nBreak-evens: {num(blo, ',.0f')} / {num(bhi, ',.0f')} (was "
                f"{num(a.breakevens[0], ',.0f')} / {num(a.breakevens[1], ',.0f')})\nP(profit) at expiry: "
                f"{pct(b.prob_profit)} (was {pct(a.prob_profit)})\nShort deltas (put / call): "
                f"{b.short_put_delta:+.2f} / {b.short_call_delta:+.2f} (was {a.short_put_delta:+.2f} / "
                f"{a.short_call_delta:+.2f})\nThe position is not changed: record the roll when it is filled.")
        reply = Reply(kind="roll", title=f"Roll the {wing} wing of #{pid}", text=body, notes=[body],
                      position_id=pid, assumptions=[self._mark_note(mark, state.asof), *b.assumptions],
                      analysis_json=b.model_dump_json())
        data["new_credit"] = round(new_credit, 4)
        return _with_understood(reply, line, data)

    def _unknown_question(self, why: str | None = None) -> Reply:
        text = (f"{why}\n" if why else "") + "I can answer, in this thread:\n" + "\n".join(
            f"• {q}" for q in QUESTIONS_HELP)
        return Reply(kind="unknown", title="What I can answer", text=text, notes=[text])


#: question kind -> (handler, needs the position and marks); the grammar's Question union has the same kinds
QUESTION_HANDLERS: dict[str, tuple[Callable[..., Reply], bool]] = {
    "ack": (QuestionsMixin._q_ack, False),
    "clarify": (QuestionsMixin._q_clarify, False),
    "explain": (QuestionsMixin._q_explain, False),
    "history": (QuestionsMixin._q_history, False),
    "unknown": (QuestionsMixin._q_unknown, False),
    "what_if": (QuestionsMixin._q_what_if, True),
    "hedge_size": (QuestionsMixin._q_hedge, True),
    "greeks": (QuestionsMixin._q_greeks, True),
    "should_leg_out": (QuestionsMixin._q_compare, True),
    "fact": (QuestionsMixin._q_fact, True),
    "roll": (QuestionsMixin._q_roll, True),
}
