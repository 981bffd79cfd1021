"""Pricing throughput, side by side with baselines run in the same process.

(a) our BSM price+greeks (one call, all six outputs) vs a bare numpy/scipy BSM *price-only* formula;
(b) our BSM price+greeks vs QuantLib's BlackCalculator in a Python loop;
(c) implied vol: options per second and the max round-trip error where vega is material.
Prints rates and ratios. Usage: python bench/bench_pricing.py [n]
"""
from __future__ import annotations

import sys
import time

import numpy as np
from scipy.special import ndtr

from alvh_core.pricing import bsm
from alvh_core.pricing.implied_vol import bsm_implied_vol


def bare_bsm_price(is_call, s, k, t, v, r, q):
    """Textbook BSM price, nothing shared, no limits handled: the baseline."""
    sq = v * np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / sq
    d2 = d1 - sq
    w = np.where(is_call, 1.0, -1.0)
    return w * (s * np.exp(-q * t) * ndtr(w * d1) - k * np.exp(-r * t) * ndtr(w * d2))


def best_of(fn, repeat=5):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def grid(n, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.uniform(1000, 6000, n)
    k = s * np.exp(rng.uniform(-0.5, 0.5, n))
    t = np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n))
    v = rng.uniform(0.05, 1.0, n)
    r = rng.uniform(0.0, 0.06, n)
    q = rng.uniform(0.0, 0.03, n)
    c = rng.random(n) < 0.5
    return c, s, k, t, v, r, q


def main(n: int = 1_000_000) -> None:
    args = grid(n)
    print(f"n = {n:,} options, best of 5 runs")
    # (a) vs bare numpy price
    t_bare = best_of(lambda: bare_bsm_price(*args))
    t_ours = best_of(lambda: bsm.greeks(*args))
    t_price = best_of(lambda: bsm.price(*args))
    print("(a) BSM throughput (M options/s)")
    print(f"    bare numpy price only      {n / t_bare / 1e6:8.2f}")
    print(f"    ours price only            {n / t_price / 1e6:8.2f}   ratio to bare {t_bare / t_price:5.2f}")
    print(f"    ours price+5 greeks        {n / t_ours / 1e6:8.2f}   ratio to bare {t_bare / t_ours:5.2f}  (goal >= 0.5)")
    # (b) vs QuantLib loop
    try:
        import QuantLib as ql

        m = 20_000
        c, s, k, t, v, r, q = (a[:m] for a in args)
        fwd = s * np.exp((r - q) * t)
        std = v * np.sqrt(t)
        df = np.exp(-r * t)

        def ql_loop():
            out = np.empty((m, 5))
            for i in range(m):
                calc = ql.BlackCalculator(ql.PlainVanillaPayoff(ql.Option.Call if c[i] else ql.Option.Put, float(k[i])),
                                          float(fwd[i]), float(std[i]), float(df[i]))
                out[i] = (calc.value(), calc.delta(float(s[i])), calc.gamma(float(s[i])),
                          calc.vega(float(t[i])), calc.theta(float(s[i]), float(t[i])))
            return out

        t_ql = best_of(ql_loop, repeat=2) / m
        print("(b) vs QuantLib BlackCalculator in a Python loop (price+4 greeks)")
        print(f"    QuantLib loop              {1 / t_ql / 1e6:8.3f}")
        print(f"    ours                       {n / t_ours / 1e6:8.2f}   ratio {t_ql * n / t_ours:8.0f}x")
    except ImportError:
        print("(b) QuantLib not installed: skipped")
    # (c) implied vol
    g = bsm.greeks(*args)
    c, s, k, t, v, r, q = args
    t_iv = best_of(lambda: bsm_implied_vol(g.price, c, s, k, t, r, q), repeat=3)
    iv = bsm_implied_vol(g.price, c, s, k, t, r, q)
    err = np.abs(iv - v)
    material = (g.vega * 100 > 1e-3 * g.price) & (g.vega * 100 > 1e-4 * s)
    info_bound = 1e-10 + 16 * np.finfo(float).eps * (g.price + s + k) / np.maximum(g.vega * 100, 1e-300)
    print("(c) implied vol (BSM prices from the grid above, round trip)")
    print(f"    ours                       {n / t_iv / 1e6:8.2f} M options/s   ratio to bare price {t_bare / t_iv:5.2f}"
          "  (goal > 1 M/s)")
    print(f"    max |vol error| where vega material ({material.mean():.1%} of grid): {np.nanmax(err[material]):.2e}")
    outside = err > info_bound
    print(f"    outside 1e-10 + 16 eps (price + S + K) / vega (the price's own information): "
          f"{int((outside & (iv > 0)).sum())}, plus {int((outside & (iv == 0)).sum())} prices equal to intrinsic "
          f"in floating point (vol 0 returned);  NaN: {int(np.isnan(iv).sum())} (price below intrinsic by rounding)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
