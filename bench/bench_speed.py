"""Issue 16 in one run: tighter answers in less time, as ratios against baselines run side by side.

    python bench/bench_speed.py [--paths 20000] [--repeat 3] [--mem 10000,50000,200000] [--big]
    python bench/bench_speed.py --only B --trees <main tree>,<branch tree> [--rounds 3]   (side by side)

A. ``compare`` with control variates vs its plain estimator on the same paths (demo 10-lot): time,
   SE of every "vs leg out" difference, and SE-per-second gain = (SE_plain / SE)^2 x t_plain / t.
B. first ``compare`` of a fresh process vs warm ones: the headline "warm" is a compare on a new market (SPX and
   VIX moved, as between a desk's requests: the anchor fitted anew), also the same position and market with new
   seeds (the anchor's fit reused); with an empty and with a filled disk cache, and as the bot runs it
   (start-up warm-up with the position's expiry first).
C. command line: ``alvh --version`` / ``--help`` vs a bare ``python -c pass``.
D. peak memory (max RSS of a fresh process) and CPU time per path-day against path count, 44 trading days
   (``--big``: also 1,000,000 paths x 90 trading days); prints whether the peak stayed under 400 MB.
E. BSM price + 5 greeks: ours vs a fused single-pass numpy formula (no limit handling) and a fused
   numba loop (if numba is installed), 1M options.
F. implied vol on one grid: ours vs QuantLib's blackFormulaImpliedStdDev and lets_be_rational in a
   Python loop (both optional: ``pip install QuantLib lets_be_rational``); max error where vega matters.
Absolute times move with the machine's load; the ratios are what to compare.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def run_py(code: str, home: str | None = None) -> dict:
    env = dict(ENV)
    if home is not None:
        env["HOME"] = home
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----- A. control variates ------------------------------------------------------------------------
def section_a(n: int, repeat: int) -> None:
    from alvh_core.cli.demo import NOW, demo_condor
    from alvh_core.edge import compare

    c = demo_condor()
    compare(c, NOW, n_paths=n, seed=1)  # warm tables
    t_cv, t_plain = [], []
    res = {}
    for i in range(repeat):  # interleaved, same seeds
        t0 = time.perf_counter()
        res["plain"] = compare(c, NOW, n_paths=n, seed=7 + i, control_variates=False)
        t_plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        res["cv"] = compare(c, NOW, n_paths=n, seed=7 + i)
        t_cv.append(time.perf_counter() - t0)
    tp, tc = statistics.median(t_plain), statistics.median(t_cv)
    print(f"A. compare, demo 10-lot ({c.describe()}), {n:,} paths, median of {repeat}")
    print(f"   time: plain {tp:.2f} s, control variates {tc:.2f} s  -> ratio {tc / tp:.2f} (goal <= 1.20)")
    print(f"   {'vs leg out':<18}{'diff':>10}{'SE':>8}{'SE plain':>10}{'SE ratio':>10}{'SE/s gain':>11}")
    for name, d in res["cv"].vs_leg_out.items():
        if name == "leg_out" or not d.se_plain:
            continue
        ratio = d.se_plain / max(d.se, 1e-12)
        gain = ratio**2 * tp / tc
        print(f"   {name:<18}{d.diff:>10,.0f}{d.se:>8,.0f}{d.se_plain:>10,.0f}{ratio:>9.1f}x{gain:>10,.0f}x")
    print("   (SE ratio >= 3 is the goal; the SE/s gain is how many times fewer seconds the same SE takes)")


# ----- B. first vs warm ---------------------------------------------------------------------------
FIRST = """
import json, statistics, time
from alvh_core.cli.demo import demo_condor, NOW
from alvh_core.edge import compare
import resource
c = demo_condor()
if {bot}:  # the bot: start-up warm-up (tables, the open position's event tables) before the first compare;
    from alvh_core.scenarios.warm import warm_up  # the numba kernel too with ALVH_ACCELERATE, read as the bot does
    from alvh_core.settings import Settings
    warm_up(expiries=[c.expiry], asof=NOW.asof, load_kernel=Settings().accelerate)
t0, c0 = time.perf_counter(), time.process_time(); compare(c, NOW, n_paths={n}, seed=7)
t1, c1 = time.perf_counter(), time.process_time()
warm, warm_cpu, moved, moved_cpu = [], [], [], []
for i in range({repeat}):
    # the same position and market, new seeds (the anchor's fit is reused)
    a, b = time.perf_counter(), time.process_time(); compare(c, NOW, n_paths={n}, seed=8 + i)
    warm.append(time.perf_counter() - a); warm_cpu.append(time.process_time() - b)
    # a new market, as a desk's next request: SPX and VIX moved (the anchor fitted anew, new node states)
    mk = NOW.model_copy(update={{"spot": NOW.spot + 4 * (i + 1), "vix": round(NOW.vix + 0.15 * (i + 1), 2)}})
    a, b = time.perf_counter(), time.process_time(); compare(c, mk, n_paths={n}, seed=8)
    moved.append(time.perf_counter() - a); moved_cpu.append(time.process_time() - b)
print(json.dumps({{"first": t1 - t0, "warm": statistics.median(warm), "first_cpu": c1 - c0,
                  "warm_cpu": statistics.median(warm_cpu), "moved": statistics.median(moved),
                  "moved_cpu": statistics.median(moved_cpu),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def section_b(n: int, repeat: int) -> None:
    print(f"B. first compare of a fresh process vs the next ones (median of {repeat}; {n:,} paths, events on)")
    with tempfile.TemporaryDirectory() as home:
        runs = [("empty disk cache ", run_py(FIRST.format(n=n, bot=False, repeat=repeat), home=home)),
                ("filled disk cache", run_py(FIRST.format(n=n, bot=False, repeat=repeat), home=home)),
                ("bot: warm-up first", run_py(FIRST.format(n=n, bot=True, repeat=repeat), home=home))]
    for name, r in runs:
        print(f"   {name}: warm (a new market: SPX and VIX moved) {r['moved']:.2f} s, {r['moved_cpu']:.2f} s CPU; "
              f"same market {r['warm']:.2f} s, {r['warm_cpu']:.2f} s CPU; peak RSS {r['peak_mb']:.0f} MB")
        print(f"   {'':<18}  first {r['first']:.2f} s = {r['first'] / r['moved']:.2f}x warm "
              f"({r['first'] / r['warm']:.2f}x the same market); CPU first {r['first_cpu']:.2f} s = "
              f"{r['first_cpu'] / r['moved_cpu']:.2f}x ({r['first_cpu'] / r['warm_cpu']:.2f}x)")
    print("   (goals: warm on a new market <= 1 s; first <= 1.5x warm with the cache filled; CPU seconds move less "
          "than wall with the load; the bot's warm-up loads numba only with ALVH_ACCELERATE=true)")


def section_b_trees(trees: list[str], n: int, repeat: int, rounds: int) -> None:
    """Section B's ``FIRST`` script in processes alternating between source trees (``--trees main_dir,branch_dir``):
    the bot's way and the command line's, ``rounds`` rounds each, the user's disk cache (filled by earlier runs)."""
    print(f"B. side by side, {rounds} rounds alternating {', '.join(trees)} (median of {repeat} in each process; "
          f"{n:,} paths, events on; CPU seconds, median of the rounds)")
    for bot in (True, False):
        got: dict[str, list[dict]] = {t: [] for t in trees}
        for _ in range(rounds):
            for tree in trees:
                env = {**os.environ, "PYTHONPATH": tree}  # and run there: ``-c`` puts the working directory first
                out = subprocess.run([sys.executable, "-c", FIRST.format(n=n, bot=bot, repeat=repeat)],
                                     capture_output=True, text=True, env=env, check=True, cwd=tree)
                got[tree].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"   {'bot (warm-up first)' if bot else 'command line'}:")
        for tree, runs in got.items():
            def med(key: str, runs: list[dict] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            ratios = [r["first_cpu"] / r["moved_cpu"] for r in runs]
            walls = [r["first"] / r["moved"] for r in runs]
            moved = " / ".join(f"{r['moved_cpu']:.2f}" for r in runs)
            each = " / ".join(f"{x:.2f}" for x in ratios)
            print(f"     {tree}: new market {med('moved_cpu'):.2f} ({moved}), "
                  f"same market {med('warm_cpu'):.2f}, first {med('first_cpu'):.2f} = "
                  f"{statistics.median(ratios):.2f}x ({each}; wall "
                  f"{statistics.median(walls):.2f}x), peak RSS {med('peak_mb'):.0f} MB")


# ----- C. command line ----------------------------------------------------------------------------
def section_c() -> None:
    def best(cmd: list[str], k: int = 5) -> float:
        ts = []
        for _ in range(k):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=ENV, check=True)
            ts.append(time.perf_counter() - t0)
        return min(ts)

    base = best([sys.executable, "-c", "pass"])
    ver = best([sys.executable, "-m", "alvh_core.cli", "--version"])
    hlp = best([sys.executable, "-m", "alvh_core.cli", "--help"])
    print("C. command line, best of 5 (a fresh interpreter each)")
    print(f"   python -c pass {base:.3f} s;  alvh --version {ver:.3f} s ({ver / base:.1f}x);  "
          f"alvh --help {hlp:.3f} s ({hlp / base:.1f}x)  (goal < 0.5 s)")


# ----- D. memory ----------------------------------------------------------------------------------
MEM = """
import datetime as dt, json, resource, time
from alvh_core.edge import compare
from alvh_core.models import IronCondor, MarketState
from alvh_core.scenarios.simulation import steps_to
asof = dt.date(2026, 11, 24)
m = MarketState(spot=5712.0, vix=24.3, asof=asof)
c = IronCondor(expiry=asof + dt.timedelta(days={days}), long_put=5000, short_put=5200, short_call=6200,
               long_call=6400, quantity=10, credit=20.0)
compare(c, m, n_paths=200, seed=1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0, c0 = time.perf_counter(), time.process_time()
r = compare(c, m, n_paths={n}, seed=7)
dt_, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({{"base_mb": base, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "s": dt_, "cpu": cpu, "days": steps_to(c.expiry, asof), "se": r.vs_leg_out["alvh"].se}}))
"""


#: the issue's bound on peak memory at any path count and horizon
MEM_BOUND_MB = 400


def section_d(counts: list[int], big: bool, empty_cache: bool = False) -> None:
    print("D. peak memory (max RSS of a fresh process) and time against path count"
          + (": each process on an EMPTY cache (a new HOME: its 200-path run builds every table)" if empty_cache
             else ""))
    print(f"   {'paths':>10}{'days':>6}{'RSS after 200 paths':>21}{'peak RSS':>10}{'wall':>8}{'CPU':>8}"
          f"{'CPU us/path-day':>17}")
    runs = [(n, 66) for n in counts] + ([(1_000_000, 134)] if big else [])  # 44 and 90 trading days
    worst = 0.0
    for n, cal_days in runs:
        if empty_cache:
            with tempfile.TemporaryDirectory() as home:
                r = run_py(MEM.format(n=n, days=cal_days), home=home)
        else:
            r = run_py(MEM.format(n=n, days=cal_days))
        worst = max(worst, r["peak_mb"])
        print(f"   {n:>10,}{r['days']:>6}{r['base_mb']:>19.0f}MB{r['peak_mb']:>8.0f}MB{r['s']:>7.1f}s{r['cpu']:>7.1f}s"
              f"{1e6 * r['cpu'] / (n * r['days']):>17.2f}")
    verdict = "met" if worst < MEM_BOUND_MB else "NOT met"
    print(f"   peak {worst:.0f} MB against the bound of {MEM_BOUND_MB} MB at any count: {verdict}"
          + ("" if big else " (add --big for 1,000,000 paths x 90 trading days)"))
    print("   (CPU per path-day should stay flat: time linear in paths x days)")


# ----- E. price + greeks --------------------------------------------------------------------------
from bench_pricing import grid  # noqa: E402 - the same option grid as bench_pricing.py (bench/ is on sys.path)


def fused_numpy(c, s, k, t, v, r, q):
    """Price + 5 greeks in one textbook pass (no limits handled): the baseline."""
    from scipy.special import ndtr

    sq = np.sqrt(t)
    sd = v * sq
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / sd
    d2 = d1 - sd
    w = np.where(c, 1.0, -1.0)
    dq, dr = np.exp(-q * t), np.exp(-r * t)
    n1, n2 = ndtr(w * d1), ndtr(w * d2)
    pdf = np.exp(-0.5 * d1 * d1) * 0.3989422804014327
    sdq, kdr = s * dq, k * dr
    price = w * (sdq * n1 - kdr * n2)
    delta = w * dq * n1
    gamma = dq * pdf / (s * sd)
    vega = sdq * pdf * sq / 100
    theta = (-sdq * pdf * v / (2 * sq) - w * r * kdr * n2 + w * q * sdq * n1) / 365
    rho = w * kdr * t * n2 / 100
    return price, delta, gamma, vega, theta, rho


def best_of(fn, repeat: int = 5) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def section_e(n: int) -> None:
    from alvh_core.pricing import bsm

    args = grid(n)
    t_f = best_of(lambda: fused_numpy(*args))
    t_o = best_of(lambda: bsm.greeks(*args))
    ref = fused_numpy(*args)
    ours = bsm.greeks(*args)
    err = max(float(np.max(np.abs(a - b) / (1 + np.abs(b)))) for a, b in zip(ours, ref))
    print(f"E. BSM price + 5 greeks, {n:,} options, best of 5")
    print(f"   fused numpy pass {n / t_f / 1e6:6.2f} M/s;  ours {n / t_o / 1e6:6.2f} M/s -> {t_f / t_o:.2f}x of fused "
          f"(max rel. difference {err:.1e})")
    try:
        import numba

        @numba.njit(cache=True, fastmath=False)
        def loop(c, s, k, t, v, r, q, out):  # pragma: no cover - compiled
            for i in range(s.size):
                sq = math.sqrt(t[i])
                sd = v[i] * sq
                d1 = (math.log(s[i] / k[i]) + (r[i] - q[i] + 0.5 * v[i] * v[i]) * t[i]) / sd
                d2 = d1 - sd
                w = 1.0 if c[i] else -1.0
                dq, dr = math.exp(-q[i] * t[i]), math.exp(-r[i] * t[i])
                n1 = 0.5 * math.erfc(-w * d1 / math.sqrt(2.0))
                n2 = 0.5 * math.erfc(-w * d2 / math.sqrt(2.0))
                pdf = math.exp(-0.5 * d1 * d1) * 0.3989422804014327
                sdq, kdr = s[i] * dq, k[i] * dr
                out[0, i] = w * (sdq * n1 - kdr * n2)
                out[1, i] = w * dq * n1
                out[2, i] = dq * pdf / (s[i] * sd)
                out[3, i] = sdq * pdf * sq / 100
                out[4, i] = (-sdq * pdf * v[i] / (2 * sq) - w * r[i] * kdr * n2 + w * q[i] * sdq * n1) / 365
                out[5, i] = w * kdr * t[i] * n2 / 100

        out = np.empty((6, n))
        loop(*args, out)
        t_n = best_of(lambda: loop(*args, out))
        print(f"   fused numba loop {n / t_n / 1e6:6.2f} M/s -> ours {t_n / t_o:.2f}x of it")
    except ImportError:
        print("   numba not installed: fused loop skipped")


# ----- F. implied vol -----------------------------------------------------------------------------
def section_f(n: int, m: int) -> None:
    from alvh_core.pricing import bsm
    from alvh_core.pricing.implied_vol import bsm_implied_vol

    c, s, k, t, v, r, q = grid(n, seed=1)
    g = bsm.greeks(c, s, k, t, v, r, q)
    material = (g.vega * 100 > 1e-3 * g.price) & (g.vega * 100 > 1e-4 * s)
    t_ours = best_of(lambda: bsm_implied_vol(g.price, c, s, k, t, r, q), repeat=3)
    iv = bsm_implied_vol(g.price, c, s, k, t, r, q)
    print(f"F. implied vol from BSM prices, {n:,} options (loops on the first {m:,} of the same grid)")
    print(f"   ours              {n / t_ours / 1e6:8.3f} M/s   max |err| where vega material "
          f"{np.nanmax(np.abs(iv - v)[material]):.1e}")
    sub = slice(0, m)
    fwd = s * np.exp((r - q) * t)
    undisc = g.price * np.exp(r * t)
    try:
        import QuantLib as ql

        def ql_loop():
            out = np.empty(m)
            for i in range(m):
                typ = ql.Option.Call if c[i] else ql.Option.Put
                try:
                    std = ql.blackFormulaImpliedStdDev(typ, float(k[i]), float(fwd[i]), float(g.price[i]),
                                                       float(math.exp(-r[i] * t[i])), 0.0, 0.3 * math.sqrt(t[i]),
                                                       1e-12, 200)
                    out[i] = std / math.sqrt(t[i])
                except RuntimeError:
                    out[i] = np.nan
            return out

        t_ql = best_of(ql_loop, repeat=1) / m
        e = np.abs(ql_loop() - v[sub])[material[sub]]
        print(f"   QuantLib loop     {1 / t_ql / 1e6:8.3f} M/s -> ours {t_ql * n / t_ours:6.0f}x faster;  "
              f"max |err| {np.nanmax(e):.1e}, failures {int(np.isnan(e).sum())}")
    except ImportError:
        print("   QuantLib not installed: skipped")
    try:
        from lets_be_rational import implied_volatility_from_a_transformed_rational_guess as lbr

        def lbr_loop():
            out = np.empty(m)
            for i in range(m):
                try:
                    out[i] = lbr(float(undisc[i]), float(fwd[i]), float(k[i]), float(t[i]), 1.0 if c[i] else -1.0)
                except Exception:  # BelowIntrinsic/AboveMaximum: the price carries no vol information here
                    out[i] = np.nan
            return out

        lbr_loop()
        t_l = best_of(lbr_loop, repeat=1) / m
        e = np.abs(lbr_loop() - v[sub])[material[sub]]
        print(f"   lets_be_rational  {1 / t_l / 1e6:8.3f} M/s -> ours {t_l * n / t_ours:6.0f}x faster;  "
              f"max |err| {np.nanmax(e):.1e}, failures {int(np.isnan(e).sum())}")
    except ImportError:
        print("   lets_be_rational not installed: skipped (pip install lets_be_rational)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mem", default="10000,50000,200000", help="path counts for section D")
    ap.add_argument("--big", action="store_true", help="also 1,000,000 paths x 90 trading days in D (minutes)")
    ap.add_argument("--empty-cache", action="store_true",
                    help="D: each process starts on an empty table cache (a machine's first run)")
    ap.add_argument("--options", type=int, default=1_000_000, help="options in E and F")
    ap.add_argument("--only", default="ABCDEF", help="sections to run, e.g. AE")
    ap.add_argument("--trees", default="", help="B only: source trees to alternate, e.g. /work/main,/work/wt/x")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --trees")
    a = ap.parse_args()
    trees = [t for t in a.trees.split(",") if t]
    sections = {
        "A": lambda: section_a(a.paths, a.repeat),
        "B": (lambda: section_b_trees(trees, a.paths, a.repeat, a.rounds)) if trees else
             (lambda: section_b(a.paths, a.repeat)),
        "C": section_c,
        "D": lambda: section_d([int(x) for x in a.mem.split(",") if x], a.big, a.empty_cache),
        "E": lambda: section_e(a.options),
        "F": lambda: section_f(a.options, 5000),
    }
    for key in a.only.upper():
        sections[key]()
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
