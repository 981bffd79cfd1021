"""Shared pieces of the assistant: who asks (``Ctx``), number formats, the practitioner rules and the
pure helpers (verdict of a comparison, the adjustment suggestion)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from alvh_core.analysis import TESTED_DELTA as _TESTED_DELTA
from alvh_core.grammar.questions import QUESTION_EXAMPLES
from alvh_core.grammar.vocabulary import usage_table
from alvh_core.models import IronCondor

#: usage line of every command, Slack form (``alvh chat`` builds its own with no ``/alvh`` prefix)
USAGE: dict[str, str] = usage_table()

#: what can be asked in a result's thread (the grammar's examples)
QUESTIONS_HELP = list(QUESTION_EXAMPLES)

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
