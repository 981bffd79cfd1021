"""One text grammar for the terminal and Slack: positions, marks, commands and thread questions.

Everything here turns text into a typed pydantic request or raises ``GrammarError`` whose ``str``
is ONE line naming the token that failed and the form that was expected, e.g.
``can't read '5650Q' (position): expected strikes like 5600/5650P 6150/6200C``.

Positions (case-insensitive, extra spaces ignored)::

    SPX 2026-12-18 5600/5650P 6150/6200C x10 @4.80
    SPX IC 5600/5650/6150/6200 45DTE x10 @4.80        (DTE counted from ``asof``)
    spx ic 5600/5650/6150/6200 2026-12-18 10x credit 4.8

Marks: ``spot 5712 vix 24.3 [asof 2026-11-24]``.

Commands (the text after ``/alvh``)::

    open POSITION | list | status [id] | mark spot S vix V [asof D] [id] | hedge [id] [condors N]
    compare [id] [paths N] [seed K] [no-premia] [no-costs] | close id | daily on|off [HH:MM] | help [topic]

Thread questions: what-if ("what if SPX 5600 and VIX 32 in 5 days?", "what if spx drops 4%",
"vix 30?"), hedge size ("how many VIX calls for 20 condors?"), greeks / P&L now ("greeks",
"what's my pnl"), should I leg out ("should I leg out?"), explain a term ("explain break-even",
"what is vega"); anything else is ``UnknownQuestion`` with a short list of what can be answered.

Units: strikes, spot and credit in index points; VIX in vol points (24.3); days are calendar days.
"""
from __future__ import annotations

from alvh_core.grammar.commands import *  # noqa: F403
from alvh_core.grammar.commands import _id_token, _int_token, _is_id  # noqa: F401
from alvh_core.grammar.marks import *  # noqa: F403
from alvh_core.grammar.marks import _check_spot, _check_vix, _Frozen, _kv_tokens, _marks_from_tokens  # noqa: F401
from alvh_core.grammar.positions import *  # noqa: F403
from alvh_core.grammar.questions import *  # noqa: F403
from alvh_core.grammar.text import *  # noqa: F403
from alvh_core.grammar.text import _fmt, _normalize, _number, _show  # noqa: F401
