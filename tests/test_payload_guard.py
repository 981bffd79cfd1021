"""Shapes Slack never sends are refused before Bolt parses them (the fuzz of test_reliability_forged
found ``actions: [{}]``, which reached Bolt's matcher and answered 500)."""
from __future__ import annotations

import pytest

from bot.payload_guard import payload_problem


@pytest.mark.parametrize("body, problem", [
    ({"type": "block_actions", "actions": [{}]}, "actions[].action_id must be a string"),
    ({"type": "block_actions", "actions": [{"action_id": 3}]}, "actions[].action_id must be a string"),
    ({"type": "block_actions", "actions": []}, "actions must be a non-empty list of objects"),
    ({"type": "view_submission", "view": None}, "view must be an object"),
])
def test_refused_shapes(body, problem) -> None:  # type: ignore[no-untyped-def]
    assert payload_problem(body) == problem


def test_real_click_passes() -> None:
    body = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"},
            "actions": [{"action_id": "alvh_hedge", "block_id": "b", "type": "button", "value": "1"}]}
    assert payload_problem(body) is None
