"""The assistant: ``/alvh`` commands and thread questions in, ``Reply`` out. Slack-agnostic.

Both the Slack listeners and ``alvh chat`` call ``Assistant.command`` / ``Assistant.question``; the
assistant parses with the shared grammar (via ``bot.core``), calls alvh_core, stores what it must
(positions, marks, subscriptions, every question and answer with its analysis and assumptions) and
returns a ``Reply``. Input errors return an ephemeral Reply with the subcommand's usage, and store
nothing.

Parts: ``common`` (Ctx, formats, rules), ``results`` (status / what-if / hedge / compare replies),
``commands`` (one handler per command, table-driven), ``questions`` (thread questions, table-driven,
each answer with numbers starting with an ``Understood:`` line), ``daily`` (the daily summary).
"""
from __future__ import annotations

import threading
from typing import Any

from alvh_core.grammar.vocabulary import SLACK_PREFIX, usage_table
from bot.assistant.commands import COMMAND_HANDLERS, CommandsMixin
from bot.assistant.common import (
    DEFAULT_DAILY_TIME,
    QUESTIONS_HELP,
    STOP_MULTIPLE,
    TAKE_PROFIT_FRACTION,
    TESTED_DELTA,
    TIME_EXIT_DTE,
    USAGE,
    Ctx,
    input_error_text,
    money,
    num,
    pct,
    suggest_adjustment,
    verdict,
)
from bot.assistant.daily import DailyMixin
from bot.assistant.questions import QUESTION_HANDLERS, QuestionsMixin
from bot.reply import Reply
from bot.services import Services

__all__ = ["Assistant", "Ctx", "USAGE", "QUESTIONS_HELP", "COMMAND_HANDLERS", "QUESTION_HANDLERS",
           "DEFAULT_DAILY_TIME", "STOP_MULTIPLE", "TAKE_PROFIT_FRACTION", "TESTED_DELTA", "TIME_EXIT_DTE",
           "input_error_text", "money", "num", "pct", "suggest_adjustment", "verdict"]


class Assistant(CommandsMixin, QuestionsMixin, DailyMixin):
    """Commands and thread questions of one deployment (any number of teams).

    ``prefix`` is how commands are written where the answers are read: ``/alvh `` in Slack, nothing
    in ``alvh chat``; usage lines are built from the one vocabulary with it."""

    def __init__(self, services: Services, prefix: str = SLACK_PREFIX):
        self.s = services
        self.prefix = prefix
        self.usage = usage_table(prefix)
        #: comparisons run here awaiting their distribution chart (per-path P&L is not serialised), by
        #: their analysis JSON; popped when charted, at most 16 kept
        self._comparisons: dict[str, Any] = {}
        self._comparisons_lock = threading.Lock()

    def keep_comparison(self, analysis_json: str, comparison: Any) -> None:
        with self._comparisons_lock:
            self._comparisons[analysis_json] = comparison
            while len(self._comparisons) > 16:
                self._comparisons.pop(next(iter(self._comparisons)))

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
