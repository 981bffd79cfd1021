"""Block Kit builders (pure functions): ``Reply`` -> message payload, and the ``open`` modal.

Limits respected for any Reply (tested with hypothesis): at most 50 blocks, header text <= 150
characters, section text <= 3,000, section fields <= 10 of <= 2,000 each, context elements <= 10,
button text <= 75, one ``table`` block (<= 100 rows of <= 20 cells, else a code block), and a plain
``text`` fallback always present (<= 3,000 characters here).
"""
from __future__ import annotations

from typing import Any

from bot.reply import Reply, Table, table_text

MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
CONTEXT_ELEMENTS = 10
FALLBACK_MAX = 3000


def _clip(s: str, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def _plain(s: str) -> str:
    """Escape Slack's control characters for mrkdwn text."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str, limit: int = SECTION_MAX) -> str:
    body = text.replace("```", "'''")
    if len(body) + 6 > limit:
        body = body[: limit - 8] + "\n…"
    return f"```{body}```"


def fallback_text(reply: Reply) -> str:
    """Plain-text fallback (notifications, screen readers): title then the answer."""
    text = reply.text if reply.text.startswith(reply.title) else f"{reply.title}\n{reply.text}"
    text = text.strip()
    return _clip(text, FALLBACK_MAX) if text else "ALVH desk bot"


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Block Kit blocks of a Reply: header, fields, table, notes, buttons, assumptions context."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": _clip(reply.title.strip() or reply.kind.strip() or "ALVH desk bot",
                                                  HEADER_MAX),
                                    "emoji": True}}]
    if reply.warning and reply.warning.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(reply.warning, SECTION_MAX)}})
    fields = [{"type": "mrkdwn", "text": _clip(f"*{_plain(k)}*\n{_plain(v)}", FIELD_MAX)} for k, v in reply.fields]
    for i in range(0, len(fields), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[i: i + FIELDS_PER_SECTION]})
    if reply.table is not None and reply.table.rows:
        blocks.append(table_block(reply.table))
    if not reply.fields and reply.table is None and not reply.notes and reply.text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(_plain(reply.text), SECTION_MAX)}})
    for note in reply.notes:
        if note.strip():
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(note, SECTION_MAX)}})
    if reply.buttons:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": b.action_id, "value": _clip(b.value, 2000),
             "text": {"type": "plain_text", "text": _clip(b.text.strip() or b.action_id, 75)}}
            for b in reply.buttons[:25]]})
    assumptions = [a for a in reply.assumptions if a.strip()]
    if assumptions:
        elements = [{"type": "mrkdwn", "text": _clip(_plain(a), SECTION_MAX)}
                    for a in assumptions[: CONTEXT_ELEMENTS - 1]]
        if len(assumptions) >= CONTEXT_ELEMENTS:
            rest = "; ".join(assumptions[CONTEXT_ELEMENTS - 1:])
            elements.append({"type": "mrkdwn", "text": _clip(_plain(rest), SECTION_MAX)})
        blocks.append({"type": "context", "elements": elements})
    if len(blocks) > MAX_BLOCKS:
        extra = blocks[MAX_BLOCKS - 1:]
        blocks = blocks[: MAX_BLOCKS - 1]
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"{len(extra)} more blocks omitted; the full answer is in the message text."}]})
    return blocks


TABLE_ROWS = 100      # Slack's table block: at most 100 rows (header included here) of 20 cells
TABLE_COLUMNS = 20
CELL_MAX = 2000


def table_block(table: Table) -> dict[str, Any]:
    """A Block Kit ``table`` block (header row first; the first column left, figures right-aligned); a
    table beyond Slack's limits falls back to a fixed-width code block. The message's ``text`` fallback
    always carries the table as text (``table_text``)."""
    n_cols = len(table.columns)
    if not 0 < n_cols <= TABLE_COLUMNS or len(table.rows) + 1 > TABLE_ROWS:
        return {"type": "section", "text": {"type": "mrkdwn", "text": _code(table_text(table))}}

    def row(cells: list[str]) -> list[dict[str, str]]:
        cells = [str(c) for c in cells[:n_cols]] + [""] * max(0, n_cols - len(cells))
        return [{"type": "raw_text", "text": _clip(c, CELL_MAX) or " "} for c in cells]

    return {"type": "table",
            "column_settings": [{"is_wrapped": True}] + [{"align": "right"}] * (n_cols - 1),
            "rows": [row(table.columns)] + [row(r) for r in table.rows]}


def message_payload(reply: Reply) -> dict[str, Any]:
    """``{"text": fallback, "blocks": [...]}`` ready for chat.postMessage / respond()."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply)}


# ----- the open-position modal ----------------------------------------------------------------------
OPEN_MODAL_CALLBACK = "alvh_open_modal"
OPEN_FIELDS: list[tuple[str, str, str]] = [
    ("expiry", "Expiry", "45DTE"),
    ("long_put", "Long put strike", "5600"),
    ("short_put", "Short put strike", "5650"),
    ("short_call", "Short call strike", "6150"),
    ("long_call", "Long call strike", "6200"),
    ("quantity", "Number of condors", "10"),
    ("credit", "Credit per condor (index points)", "4.80"),
]


def _open_element(key: str, placeholder: str) -> dict[str, Any]:
    """A date picker for the expiry, number inputs (Slack checks them as typed) for the rest."""
    hint = {"type": "plain_text", "text": placeholder}
    if key == "expiry":
        return {"type": "datepicker", "action_id": "value", "placeholder": {"type": "plain_text", "text": "Expiry"}}
    if key == "quantity":
        return {"type": "number_input", "action_id": "value", "is_decimal_allowed": False, "min_value": "1",
                "max_value": "100000", "placeholder": hint}
    if key == "credit":
        return {"type": "number_input", "action_id": "value", "is_decimal_allowed": True, "min_value": "0.01",
                "placeholder": hint}
    return {"type": "number_input", "action_id": "value", "is_decimal_allowed": True, "min_value": "1",
            "placeholder": hint}


def open_modal(channel_id: str) -> dict[str, Any]:
    """The modal that takes a condor field by field (``private_metadata`` carries the channel): a date
    picker for the expiry and number inputs for strikes, quantity and credit."""
    blocks = []
    for key, label, placeholder in OPEN_FIELDS:
        blocks.append({"type": "input", "block_id": key, "label": {"type": "plain_text", "text": label},
                       "element": _open_element(key, placeholder)})
    return {"type": "modal", "callback_id": OPEN_MODAL_CALLBACK, "private_metadata": channel_id,
            "title": {"type": "plain_text", "text": "Open an iron condor"},
            "submit": {"type": "plain_text", "text": "Record"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def modal_position_text(values: dict[str, dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """Grammar text from the modal's state values, and per-field errors for empty fields."""
    def read(k: str) -> str:  # a date picker sends selected_date; number and text inputs send value
        v = (values.get(k) or {}).get("value") or {}
        return str(v.get("selected_date") or v.get("value") or "").strip() if isinstance(v, dict) else ""

    got = {k: read(k) for k, _, _ in OPEN_FIELDS}
    errors = {k: "required" for k, v in got.items() if not v}
    text = (f"SPX IC {got['long_put']}/{got['short_put']}/{got['short_call']}/{got['long_call']} "
            f"{got['expiry']} x{got['quantity']} @{got['credit']}")
    return text, errors
