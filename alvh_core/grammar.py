"""One text grammar for the terminal and Slack (work in progress: full grammar lands next)."""
from __future__ import annotations


class GrammarError(ValueError):
    """Text that cannot be read. ``str(err)`` is one line naming the failing token and the expected form."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
