"""The method's vocabulary in plain words, for "explain X" in Slack and the terminal.

``explain(term) -> str | None`` fuzzy-matches (case, hyphens, spaces, plurals, a few synonyms);
``lookup(term) -> str | None`` gives the canonical key; ``TERMS`` lists every key.

Where the ALVH method's vocabulary has no standard meaning in options ("time-shifting",
"layered hedge", "modified CAPM") the entry says so plainly and says what this tool means by it.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

_ENTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "break-even": (
        "Break-even: the SPX level at expiry where the condor makes exactly zero. For a short iron condor "
        "there are two: short put strike minus the credit, and short call strike plus the credit "
        "(5650P with a 4.80 credit breaks even at 5645.20). Between them the trade makes money at expiry; "
        "before expiry the P&L also depends on time value left.",
        ("breakeven", "break even", "break-even point", "breakeven point", "be"),
    ),
    "time value": (
        "Time value: the part of an option's price above what it would pay if exercised now (its intrinsic "
        "value). It is what the market charges for the chance the option moves further into the money before "
        "expiry; it decays to zero at expiry, fastest near the money and in the last weeks. A short condor "
        "earns time value as it decays (theta).",
        ("extrinsic value", "extrinsic", "time premium"),
    ),
    "delta": (
        "Delta: how much an option's price moves for a 1-point move in SPX (a 0.20-delta put loses about "
        "0.20 points when SPX rises 1). Here the position's net delta is shown in dollars per SPX point for the "
        "whole position (multiplier 100 x contracts). A short condor is near zero delta at entry; it becomes "
        "long delta when SPX falls toward the short put and short delta when SPX rallies toward the short call.",
        ("deltas", "net delta", "dollar delta"),
    ),
    "vega": (
        "Vega: how much an option's price changes for a 1 vol-point rise in implied volatility (e.g. 18% to "
        "19%). Shown per vol point, in dollars for the whole position. A short condor is short vega: it loses "
        "when implied volatility rises, which is why VIX spikes hurt it even before SPX reaches a short strike.",
        ("net vega",),
    ),
    "gamma": (
        "Gamma: how fast delta changes as SPX moves, per 1 SPX point. A short condor is short gamma: its delta "
        "moves against you as SPX runs toward a short strike, and more so near expiry. Shown here as the change "
        "in dollar delta per 1-point SPX move for the whole position.",
        ("net gamma",),
    ),
    "theta": (
        "Theta: how much the position's value changes from one calendar day passing, all else equal. Shown in "
        "dollars per calendar day. A short condor has positive theta: time decay is how it earns its credit.",
        ("time decay", "decay", "net theta"),
    ),
    "hedge ratio": (
        "Hedge ratio: how many hedge contracts per condor. Here it is the number of VIX calls (or VX/VXM "
        "futures) sized so their expected gain in an SPX sell-off offsets a chosen part of the condor's loss, "
        "using the estimated beta of VIX changes to SPX returns (VIX moves about -4 points per -1% SPX on "
        "average, more on down days). It is an estimate with error, not a guarantee.",
        ("hedge ratios", "hedge size", "beta"),
    ),
    "vix futures contango": (
        "VIX futures contango: futures priced above spot VIX, later months higher than earlier ones, the usual "
        "state (about three days in four). A long VIX future or call then loses value as it rolls toward the "
        "lower spot VIX into settlement: the cost of carrying a VIX hedge. Backwardation is the opposite: futures "
        "below spot, typical during sell-offs when spot VIX spikes; hedges bought in contango pay off then.",
        ("contango", "vix contango", "term structure", "vix term structure", "futures curve"),
    ),
    "backwardation": (
        "Backwardation: VIX futures priced below spot VIX, near months above later months. It happens in "
        "sell-offs when spot VIX spikes and the market expects it to come back down. The opposite of contango; "
        "see 'VIX futures contango'.",
        ("vix backwardation", "inverted curve", "inversion"),
    ),
    "iron condor": (
        "Iron condor: a short put spread plus a short call spread on the same expiry, for a net credit "
        "(long put < short put < short call < long call). It earns the credit if SPX stays between the short "
        "strikes; the most it can lose is the wider wing minus the credit, times 100 per condor.",
        ("condor", "ic", "condors", "iron condors"),
    ),
    "legging out": (
        "Legging out: closing a condor one piece at a time (e.g. buy back the tested spread first, keep the "
        "untested side to decay) instead of all at once. In this tool 'leg out' as a strategy means closing the "
        "whole condor now at model prices plus costs, the baseline every other choice is compared against; "
        "'close tested' closes only the threatened spread.",
        ("leg out", "leg-out", "legging", "leg", "close tested", "closing the tested wing"),
    ),
    "time-shifting": (
        "Time-shifting: not a standard options term. In the ALVH method it means moving risk in time rather than "
        "removing it, e.g. buying a later-dated VIX hedge or rolling the tested side to a later expiry so a "
        "loss now is traded for exposure later. This tool measures it as a strategy like any other: expected "
        "value, risk and cost on the same simulated paths; it does not assume it helps.",
        ("time shifting", "timeshifting", "time shift"),
    ),
    "layered hedge": (
        "Layered hedge: not a standard options term. The ALVH method's name for a VIX hedge bought in layers "
        "as the condor gets tested, instead of one block. In this tool the 'alvh' strategy keeps the condor and "
        "adds a layer each time the tested short strike's |delta| crosses a trigger (0.15, 0.25, 0.35 by default; "
        "VIX call spreads by default, or VX/VXM futures), each layer sized to offset a share of the wing's stress "
        "loss, and removes layers when VIX retraces. Its cost, carry (contango) and payoff are measured on the "
        "same paths as the condor.",
        ("layered hedges", "alvh", "layered vix hedge", "layers", "layering"),
    ),
    "tested wing": (
        "Tested wing: the side of the condor SPX has moved toward, i.e. the short strike under threat. This "
        "tool calls the wing tested whose short strike has the larger absolute delta (the put side after a "
        "sell-off). The other side is the untested wing.",
        ("tested side", "tested", "untested wing", "wing", "wings", "threatened side"),
    ),
    "variance risk premium": (
        "Variance risk premium: implied volatility is on average higher than the volatility that is later "
        "realized (VIX averaged about 19 against about 15 realized over the next month, 1990-2018). Option "
        "sellers are paid this premium for bearing crash risk; it is why selling condors can have positive "
        "expected value, and why the simulation includes it. Switched off (no-premia), no strategy should show "
        "an edge.",
        ("vrp", "volatility risk premium", "risk premium", "premia", "premium"),
    ),
    "cvar": (
        "CVaR 95% (conditional value at risk, expected shortfall): the average loss in the worst 5% of "
        "simulated outcomes, in dollars. Unlike VaR it says how bad the bad cases are, not just where they start.",
        ("cvar95", "cvar 95", "expected shortfall", "es", "conditional value at risk", "tail risk", "var"),
    ),
    "standard error": (
        "Standard error: how far a Monte Carlo estimate could be from the true value just from the finite number "
        "of paths (about one standard error either side covers two thirds of the time). A difference between two "
        "strategies smaller than about two standard errors is not distinguishable from noise: run more paths or "
        "treat them as equal.",
        ("se", "standard errors", "std error", "monte carlo error", "uncertainty"),
    ),
    "modified capm": (
        "Modified CAPM: not a standard options term. In the ALVH material it refers to sizing the VIX hedge from a "
        "beta of the condor's P&L (through SPX) to VIX, like a CAPM beta but against VIX instead of the market. "
        "This tool estimates that beta from daily SPX/VIX history (larger on down days) and reports it with the "
        "hedge plan; see 'hedge ratio'.",
        ("capm", "modified-capm"),
    ),
    "probability of profit": (
        "Probability of profit (PoP): the model's probability that the condor makes money if held to expiry, i.e. "
        "that SPX ends between the two break-evens. It is computed under the risk-neutral (option-implied) law "
        "from the volatility smile, which is more pessimistic than the real-world odds because of the "
        "variance risk premium.",
        ("pop", "prob of profit", "probability"),
    ),
    "implied volatility": (
        "Implied volatility (IV): the volatility that makes the Black-Scholes price equal the option's price. "
        "Shown in vol points (24.3), used as a decimal inside (0.243). Out-of-the-money SPX puts trade at higher "
        "IV than calls (the skew); here each strike gets its IV from a smile anchored on VIX.",
        ("iv", "implied vol", "vol", "volatility", "smile", "skew", "volatility smile"),
    ),
    "vix": (
        "VIX: Cboe's 30-day implied volatility index of SPX options, in vol points. It is not tradable itself; "
        "VIX futures and VIX options (priced off the future of the same expiry, not spot VIX) are the hedges.",
        ("vix index", "vix calls", "vix options", "vix futures", "vx", "vxm"),
    ),
    "expected value": (
        "Expected value (EV): the average P&L over all simulated paths, in dollars, after transaction costs when "
        "costs are on. Always read with its standard error.",
        ("ev", "expectation", "edge"),
    ),
    "max loss": (
        "Max loss: the worst the condor can lose at expiry: the wider wing minus the credit, times 100 times the "
        "number of condors. Max profit is the credit times 100 times the number of condors.",
        ("max profit", "maximum loss", "maximum profit", "max p/l", "max pl"),
    ),
}

#: canonical term keys
TERMS: tuple[str, ...] = tuple(_ENTRIES)


def _norm(term: str) -> str:
    t = unicodedata.normalize("NFKC", str(term)).lower()
    t = t.replace("’", "'").replace("&", " and ")
    t = re.sub(r"[-_/]+", " ", t)
    t = re.sub(r"[^a-z0-9 ]+", "", t)
    t = re.sub(r"^(?:the|a|an)\s+", "", " ".join(t.split()))
    return t


def _singular(t: str) -> str:
    words = []
    for w in t.split():
        if len(w) > 3 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
        words.append(w)
    return " ".join(words)


def _index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for key, (_, aliases) in _ENTRIES.items():
        for name in (key, *aliases):
            n = _norm(name)
            idx.setdefault(n, key)
            idx.setdefault(n.replace(" ", ""), key)
            idx.setdefault(_singular(n), key)
    return idx


_INDEX = _index()


def lookup(term: str) -> str | None:
    """Canonical key for ``term`` (case, hyphens, spaces, plurals, synonyms, small typos), or None."""
    if not isinstance(term, str) or len(term) > 200:
        return None
    n = _norm(term)
    if not n:
        return None
    for cand in (n, n.replace(" ", ""), _singular(n), _singular(n).replace(" ", "")):
        if cand in _INDEX:
            return _INDEX[cand]
    if len(n) >= 5:
        close = difflib.get_close_matches(_singular(n), list(_INDEX), n=1, cutoff=0.85)
        if close:
            return _INDEX[close[0]]
    return None


def explain(term: str) -> str | None:
    """Plain-words explanation of ``term``, or None when the glossary does not know it."""
    key = lookup(term)
    return None if key is None else _ENTRIES[key][0]
