"""The daily adjustment summary of a channel's positions."""
from __future__ import annotations

import datetime as dt
import json

from alvh_core.clock import DESK_TZ, desk_date_of
from alvh_core.events import describe_events, tomorrow_warning
from alvh_core.models import MarketState
from bot import core, lifecycle
from bot.assistant.common import (
    STOP_MULTIPLE,
    TAKE_PROFIT_FRACTION,
    TESTED_DELTA,
    TIME_EXIT_DTE,
    money,
    num,
    suggest_adjustment,
)
from bot.assistant.results import ResultsMixin
from bot.reply import Reply, Table, table_text


class DailyMixin(ResultsMixin):
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
        if mark is not None and stale_days > 0:  # a summary on old marks says so first, not in a small context line
            title = f"STALE MARKS ({stale_days} days old, {mark.asof}): {title}"
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
                         text=f"{title}\nNo SPX/VIX marks yet: {self.usage['mark']}")
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
                       f"Record today's: `{self.usage['mark']}`")
        plain = ([warning.replace("*", "")] if warning else []) + ([table_text(table)] if table else []) + [
            x.replace("*", "").replace("_", "") for x in sections]
        text = f"{title}\n" + "\n".join(plain)
        return Reply(kind="daily_summary", title=title, text=text, table=table, notes=sections, warning=warning,
                     position_id=int(rows[0]["id"]) if len(rows) == 1 else None,
                     assumptions=[self._mark_note(mark, today),
                                  f"rules: take profit at {TAKE_PROFIT_FRACTION:.0%} of max profit, stop at "
                                  f"{STOP_MULTIPLE:g}x credit, tested when |short delta| >= {TESTED_DELTA}, "
                                  f"manage inside {TIME_EXIT_DTE} DTE"])

