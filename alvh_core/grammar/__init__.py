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
    compare [id] [paths N] [seed K] [no-premia] [no-costs] | daily on|off [HH:MM] | help [topic]
    close id [at PRICE | at LP/SP/SC/LC] | edit id [credit X] [x N] [expiry D] [strikes ...] [opened D]
    roll id put|call to K1/K2 [EXPIRY] [at NET_CREDIT] | hedge id bought|sold N vix 22/32 jan @1.95

The last four (the position lifecycle) are read by ``alvh_core.lifecycle`` (``CloseCommand`` is its
``CloseFill``); they are vocabulary entries and ``PARSERS`` rows like the others.

Commands, their aliases (``add``/``new``, ``ls``/``positions``, ``show``, ...) and usage text are
defined once in ``vocabulary``; ``commands.PARSERS`` dispatches on the canonical name.

Thread questions (``parse_question(text, asof)``): what-if with SPX/VIX levels and moves, dates and
horizons and a count ("down 5% and vix up 10 next friday for 20 condors"), hedge size with the
instrument ("how many VX futures to hedge 20 lots?"), facts of the position (break-evens, margin,
cost to close, tested, take profit, recap, max profit/loss), roll a wing, leg out, history, the
glossary, small talk (``AckQuestion``). Text read only in part, or a number that reads two ways, is a
``ClarifyQuestion``; anything else is ``UnknownQuestion``.

Numbers: zero-width characters are dropped, thin/non-breaking spaces between digit groups of three
are thousands separators, any other space inside a number and a decimal comma are refused.

Modules: ``text`` (bounds, errors, normalisation, numbers), ``positions``, ``marks`` (the marks
parser is one unit: ``_marks_from_tokens``), ``commands``, ``vocabulary``, ``questions``.

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
