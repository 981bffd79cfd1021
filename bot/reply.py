"""``Reply``: what the assistant answers, independent of Slack or the terminal.

``bot.render`` turns a Reply into Block Kit; ``bot.terminal`` prints it as text. Keeping one result
model means Slack and the terminal can never disagree.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Table(BaseModel):
    """A small table: ``columns`` header and ``rows`` of already formatted cells."""

    columns: list[str]
    rows: list[list[str]]


class Button(BaseModel):
    """A next-step button: ``action_id`` is one of ``bot.listeners.actions.ACTIONS``."""

    action_id: str
    text: str
    value: str


class Reply(BaseModel):
    """One answer of the assistant.

    ``text`` is the complete plain-text answer (the Slack fallback and what the terminal prints);
    ``fields``/``table``/``notes`` are the structured parts Block Kit shows. ``ephemeral`` marks usage
    and input errors (shown only to the asker; nothing was stored). ``start_thread`` marks a result
    about ``position_id`` that opens a thread in the channel; ``chart`` asks for the P&L chart in it.
    """

    kind: str
    title: str
    text: str
    fields: list[tuple[str, str]] = Field(default_factory=list)
    table: Table | None = None
    notes: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    position_id: int | None = None
    buttons: list[Button] = Field(default_factory=list)
    ephemeral: bool = False
    start_thread: bool = False
    chart: bool = False
    analysis_json: str | None = None
    status: Literal["ok", "error"] = "ok"
    #: shown first, right under the title (e.g. stale marks), before fields and tables
    warning: str | None = None


def table_text(table: Table) -> str:
    """Fixed-width text of a table (for fallbacks, the terminal and Slack code blocks)."""
    cells = [table.columns, *table.rows]
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in cells) for i in range(len(table.columns))]
    lines = []
    for j, row in enumerate(cells):
        parts = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(parts).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
