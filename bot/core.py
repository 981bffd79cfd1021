"""The only place bot/ touches alvh_core's engines: parse text, analyze, hedge, compare, explain.

Thin pass-throughs, so the listeners and tests have one seam (and one import list) to read.
"""
from __future__ import annotations

import datetime as dt

from alvh_core import analysis, edge, glossary, grammar, hedge
from alvh_core.analysis import Analysis
from alvh_core.edge import Comparison
from alvh_core.grammar import Command, GrammarError, Question, vocabulary
from alvh_core.hedge import HedgePlan
from alvh_core.models import IronCondor, MarketState

__all__ = ["GrammarError", "Command", "Question", "parse_command", "parse_question", "command_name", "command_text", "parse_position",
           "analyze", "what_if", "size_hedge", "compare", "explain"]


def parse_command(text: str, asof: dt.date) -> Command:
    """``/alvh`` text -> typed command (``.kind`` in open/list/status/mark/hedge/compare/close/daily/help)."""
    return grammar.parse_command(text, asof)


def parse_question(text: str, asof: dt.date | None = None) -> Question:
    """Thread text -> typed question; ``asof`` (the desk's today) reads dates like 'next friday'."""
    return grammar.parse_question(text, asof)


def command_name(word: str) -> str | None:
    """Canonical command of a first word (``ls`` -> ``list``), None when it is not a command."""
    return vocabulary.command_name(word)


def command_text(text: str) -> str:
    """A trader's sentence in the vocabulary's words ("I sold SPX ..." -> "open SPX ..."); other text as is."""
    return vocabulary.command_text(text)


def parse_position(text: str, asof: dt.date) -> IronCondor:
    return grammar.parse_position(text, asof)


def analyze(condor: IronCondor, market: MarketState) -> Analysis:
    return analysis.analyze(condor, market)


def what_if(condor: IronCondor, market: MarketState, spot: float | None = None,
            vix: float | None = None, days: int = 0) -> Analysis:
    return analysis.what_if(condor, market, spot=spot, vix=vix, days=days)


def size_hedge(condor: IronCondor, market: MarketState, condors: int | None = None,
               instrument: str = "vix_call_spread", wing: str | None = None) -> HedgePlan:
    """The hedge `alvh hedge` recommends (the ALVH policy's first layer, the one `compare` starts from) with
    the asked instrument and wing; ValueError with the reason when the policy leaves the tested wing
    unhedged (a call wing by default)."""
    from alvh_core.strategies import ALVHPolicy

    plan, init = hedge.recommend(condor, market, ALVHPolicy(instrument=instrument),  # type: ignore[arg-type]
                                 condors=condors, wing=wing)  # type: ignore[arg-type]
    if plan is None:
        raise ValueError(init.reason)
    return plan


def compare(condor: IronCondor, market: MarketState, n_paths: int, seed: int,
            premia: bool = True, costs: bool = True, held: list | None = None) -> Comparison:
    return edge.compare(condor, market, n_paths=n_paths, seed=seed, premia=premia, costs=costs, held=held)


def explain(term: str) -> str | None:
    return glossary.explain(term)
