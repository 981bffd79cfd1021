"""`alvh explain TERM`: the method's vocabulary in plain words (alvh_core.glossary)."""
from __future__ import annotations

import argparse

from alvh_core.glossary import TERMS, explain


def run(args: argparse.Namespace) -> int:
    term = " ".join(args.term)
    if not term.strip():
        print("terms: " + ", ".join(TERMS))
        return 0
    text = explain(term)
    if text is None:
        raise ValueError(f"no entry for '{term[:60]}': expected one of {', '.join(TERMS)}")
    print(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("explain", help="explain a term (break-even, vega, layered hedge, CVaR, ...)",
                              description="Explain a term of the method in plain words; no TERM lists them all.")
    p.add_argument("term", nargs="*", metavar="TERM", help="e.g. break-even, time-shifting, standard error")
    p.set_defaults(func=run)
