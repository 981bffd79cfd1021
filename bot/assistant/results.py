"""Results about one position: status, what-if, hedge, comparison (the Reply of each) and their helpers."""
from __future__ import annotations

import datetime as dt
from typing import Any

from alvh_core.events import default_calendar, describe_events
from alvh_core.hedge import KIND_NAMES
from alvh_core.lifecycle import holdings_pnl
from alvh_core.models import IronCondor, MarketState
from bot import core, lifecycle
from bot.assistant.common import TESTED_DELTA, Ctx, input_error_text, money, num, pct, verdict
from bot.market_data import Mark
from bot.render import FIELDS_PER_SECTION
from bot.reply import Button, Reply, Table, table_text
from bot.services import Services

INSTRUMENT_LABEL = {"vix_call_spread": "VIX call spreads", "vx": "VX futures", "vxm": "VXM (mini VIX) futures"}


def now_values(state: MarketState) -> dict[str, Any]:
    """``understood`` values of an answer about now: the marks used and today's date."""
    return {"spot": state.spot, "vix": state.vix, "date": state.asof.isoformat(), "days": 0}


class ResultsMixin:
    """Results and the helpers every part of the assistant uses (``self.s``, ``self.usage``)."""

    s: Services
    usage: dict[str, str]
    prefix: str

    def keep_comparison(self, analysis_json: str, comparison: Any) -> None:  # pragma: no cover - Assistant
        raise NotImplementedError

    def question(self, ctx: Ctx, position_id: int | None, text: str) -> Reply:  # pragma: no cover - QuestionsMixin
        raise NotImplementedError

    def usage_error(self, word: str, exc: BaseException | str) -> Reply:
        msg = exc if isinstance(exc, str) else input_error_text(exc)
        usage = self.usage.get(word) or "\n".join(self.usage.values())
        return Reply(kind="error", title="Could not read that", status="error", ephemeral=True,
                     text=f"{msg}\nUsage: {usage}", notes=[f":warning: {msg}", f"*Usage:* `{usage}`"])

    def problem(self, exc: BaseException | str) -> Reply:
        msg = exc if isinstance(exc, str) else input_error_text(exc)
        return Reply(kind="error", title="Cannot do that", status="error", ephemeral=True, text=msg,
                     notes=[f":warning: {msg}"])

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
                         text=f"No SPX/VIX marks yet. Record them: {self.usage['mark']}")
        return MarketState(spot=mark.spot, vix=mark.vix, asof=today), mark

    def _with_position(self, ctx: Ctx, position_id: int | None, fn: Any) -> Reply:
        row = self._position_row(ctx, position_id)
        if isinstance(row, Reply):
            return row
        if row["status"] != "open":
            if fn == self._status:
                return lifecycle.closed_reply(self, ctx, row)  # type: ignore[arg-type]
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

    def _marked_state(self, ctx: Ctx, row: dict[str, Any], state: MarketState) -> tuple[MarketState, str]:
        """``state`` with the position's marks of that day (legs as implied vols, VX futures), and the
        "marked vs modelled" line ("" without marks)."""
        from types import SimpleNamespace

        from alvh_core.market.marked import LegMark, MarkError, VixOptionMark, VxMark, apply_marks

        rows = self.s.store.position_marks(ctx.team_id, int(row["id"]), state.asof)
        legs = tuple(LegMark(strike=r["strike"], right=r["right"], iv=r["iv"]) for r in rows if r["kind"] == "leg")
        vx = tuple(VxMark(month=r["month"], price=r["price"]) for r in rows if r["kind"] == "vx")
        vopts = tuple(VixOptionMark(month=r["month"], strike=r["strike"], right=r["right"], price=r["price"],
                                    iv=r["iv"]) for r in rows if r["kind"] == "vix_option")
        if not (legs or vx or vopts):
            return state, ""
        try:
            marked, _, note = apply_marks(SimpleNamespace(legs=legs, vx=vx, vix_options=vopts),
                                          self.s.store.condor_of(row), state)
        except (MarkError, ValueError) as exc:
            return state, f"today's leg marks not used ({exc}); all legs modelled"
        return marked, note

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
        held = lifecycle.holdings(self.s.store, row["team_id"], pid)
        if held:
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
                     chart=True, analysis_json=a.model_dump_json(),
                     understood={**now_values(state), "condors": condor.quantity})

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
        # (what matters when VIX moved) must stay on the card; the events go below it
        fields = [f for f in fields if f[0] != "Max profit / loss"]
        notes = list(w.notes) if w is not None else []
        if len(fields) > FIELDS_PER_SECTION:
            notes += [f"*{k}:* {v}" for k, v in fields[FIELDS_PER_SECTION:]]
        assumptions = [self._mark_note(mark, state.asof), *a.assumptions]
        text = f"What if {scen} (#{pid}):\n" + "\n".join(f"{k}: {v}" for k, v in fields)
        return Reply(kind="what_if", title=f"What if {scen}"[:150], text=text, fields=fields[:FIELDS_PER_SECTION],
                     table=table,
                     notes=notes, assumptions=assumptions, position_id=pid, analysis_json=a.model_dump_json())

    def _hedge(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark,
               condors: int | None = None, instrument: str | None = None, wing: str | None = None) -> Reply:
        """The hedge plan; ``instrument`` None is the default (VIX call spreads), said so in the Understood line."""
        pid = int(row["id"])
        plan = core.size_hedge(condor, state, condors=condors, instrument=instrument or "vix_call_spread",
                               wing=wing)
        what = plan.kind.replace("_", " ").lower()
        strikes = f" {plan.strikes[0]:g}/{plan.strikes[1]:g}" if plan.strikes else ""
        fields = [("Hedge", f"{'long' if plan.direction > 0 else 'short'} {plan.contracts} x {KIND_NAMES[plan.kind]}"
                            f"{strikes} exp {plan.hedge_expiry}"),
                  ("For", f"{plan.condors} condors, {plan.wing} wing ({pct(plan.share)} of the stress loss)"),
                  ("Cost (incl. trading costs)", money(plan.cost)),
                  ("Margin / capital", money(plan.margin)),
                  ("Unit price", f"{num(plan.unit_price)} pts ({what}"
                                 + (", " + ("marked" if "modelled (VIX option smile, Black-76 on the VX future "
                                            f"{plan.vix_future:.2f}): none" in plan.leg_sources
                                            else "modelled" if "marked: none" in plan.leg_sources
                                            else "marked and modelled legs") if plan.leg_sources else "")
                                 + f"); VX future {num(plan.vix_future)}"),
                  ("Trigger", f"|short delta| {plan.short_delta:.2f} vs {plan.trigger:.2f}: "
                              f"{'layer on' if plan.trigger_hit else 'not yet'}"),
                  ("Beta used", f"{plan.beta:+.2f} ({plan.beta_source})"[:200]),
                  ("Stress", f"SPX {plan.stress_spx:,.0f} / VIX {plan.stress_vix:.1f}: wing loses {money(plan.wing_loss)}")]
        table = Table(columns=["SPX move", "SPX", "VIX", "condor", "hedge", "net"],
                      rows=[[f"{100 * r.spx_move:+.0f}%", f"{r.spx:,.0f}", f"{r.vix:.1f}", money(r.condor_pnl),
                             money(r.hedge_pnl), money(r.net_pnl)] for r in plan.scenarios])
        assumptions = [self._mark_note(mark, state.asof), *plan.assumptions]
        whose = (f" (the position has {condor.quantity})" if condors and condors != condor.quantity
                 else "" if condors else " (the position's count)")
        understood = (f"Understood: hedge {plan.condors} condors{whose}, {plan.wing} wing"
                      f"{'' if wing else ' (the tested one)'}, with {INSTRUMENT_LABEL[plan.instrument]}"
                      f"{'' if instrument else ' (default)'}, at SPX {state.spot:,.2f} / VIX {state.vix:.1f} "
                      f"({state.asof:%a} {state.asof})")
        text = (f"{understood}\nHedge for #{pid}:\n" + "\n".join(f"{k}: {v}" for k, v in fields)
                + f"\n{table_text(table)}")
        return Reply(kind="hedge", title=f"ALVH hedge for #{pid}: {plan.contracts} contracts"[:150], text=text,
                     fields=fields, table=table, assumptions=assumptions, position_id=pid,
                     buttons=self._buttons(pid, skip="alvh_hedge"), start_thread=True, chart=True,
                     analysis_json=plan.model_dump_json(),
                     understood={"condors": plan.condors, "instrument": plan.instrument, "wing": plan.wing,
                                 **now_values(state)})

    def _compare(self, row: dict[str, Any], condor: IronCondor, state: MarketState, mark: Mark,
                 n_paths: int | None = None, seed: int | None = None, premia: bool = True,
                 costs: bool = True) -> Reply:
        pid = int(row["id"])
        c = core.compare(condor, state, n_paths=n_paths or self.s.compare_paths,
                         seed=self.s.seed if seed is None else seed, premia=premia, costs=costs,
                         held=lifecycle.holdings(self.s.store, row["team_id"], pid) or None)
        analysis_json = c.model_dump_json()
        self.keep_comparison(analysis_json, c)
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
                     analysis_json=analysis_json,
                     understood={**now_values(state), "condors": condor.quantity,
                                 "paths": n_paths or self.s.compare_paths})
