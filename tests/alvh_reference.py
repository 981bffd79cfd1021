"""Main's ALVH day loop before issue 16's batched pricing (commit c3aa24c), kept verbatim as the reference
``alvh_core.strategies.alvh.alvh`` must reproduce (tests/test_alvh_fast.py). Slow: one VIX pricing call per
layer, leg and day; used only by that test."""
from __future__ import annotations

from typing import Any

import numpy as np

from alvh_core.costs import CostModel
from alvh_core.models import MULTIPLIERS
from alvh_core.strategies.alvh import ALVHPolicy, HedgeSpec, event_days, gate_mask
from alvh_core.strategies.base import CondorOnPaths, Ledger, StrategyResult, new_ledger, settle_legs
from alvh_core.strategies.gates import event_ahead, pre_event_trigger


class _Legs:
    """VIX option prices of each path's own strike on its day: priced at those points only when the paths
    offer ``vix_option_at`` (simulated paths), else from an (N, T+1) table per distinct strike."""

    def __init__(self, paths: Any, kind: str, expiry_t: Any):
        self.paths, self.kind, self.expiry_t = paths, kind, expiry_t
        self.cache: dict[float, np.ndarray] = {}

    def table(self, strike: float) -> np.ndarray:
        if strike not in self.cache:
            self.cache[strike] = np.asarray(self.paths.vix_option(self.kind, strike, self.expiry_t), float)
        return self.cache[strike]

    def at(self, strikes: np.ndarray, day: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(N,) price of each masked path's own strike on its ``day`` (0 elsewhere)."""
        out = np.zeros(strikes.shape[0])
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return out
        point = getattr(self.paths, "vix_option_at", None)
        if point is not None and np.ndim(self.expiry_t) == 0:  # priced at the asked points only (issue 16)
            out[rows] = point(self.kind, strikes[rows], self.expiry_t, rows, day[rows])
            return out
        uniq, inv = np.unique(strikes[rows], return_inverse=True)
        for j, s in enumerate(uniq):
            r = rows[inv == j]
            out[r] = self.table(float(s))[r, day[r]]
        return out


def alvh_reference(cp: CondorOnPaths, costs: CostModel, policy: ALVHPolicy, specs: dict[str, HedgeSpec] | None = None,
         *, initial: dict[str, Any] | None = None, hedge_t: float | np.ndarray | None = None) -> StrategyResult:
    """Hold the condor to expiry with the layered hedge of ``policy`` (see module docstring).

    ``specs``: static instruments per wing (fixed strikes and sizes). Otherwise the dynamic practitioner rules,
    with the hedge expiring at ``hedge_t`` (years on the paths' clock, scalar or (N,)) and ``initial``
    {wing: HedgePlan} the plan ``alvh hedge`` recommends today (layer 0 on date 0 when its trigger is hit).
    ``extra['events']``: one dict per layer added on a set of paths (wing, layer, rows, add_day, remove_day,
    k1, k2, contracts); ``extra['hedge_pnl']`` the hedge's P&L (N,) dollars; ``extra['max_open_layers']`` (N,);
    ``extra['{wing}_{layer}_add_day']`` (N,) the first add date of each layer (-1: never).
    """
    from alvh_core.hedge import layer_contracts, regime_beta, spread_strikes, stress_sizing, vxth_weight

    paths = cp.paths
    n = cp.n
    rows = cp.rows
    kmax = cp.k
    lg = new_ledger(cp)
    condor_margin = cp.condor_margin()
    settle_legs(lg, cp, (0, 1, 2, 3), costs)
    vix_pts = np.asarray(paths.vix) * 100.0
    t_rows = cp.t_rows
    hedge = Ledger(cp.disc_rows, n)  # hedge flows kept apart, then merged (conservation check in tests)
    events: list[dict[str, Any]] = []
    records: dict[str, np.ndarray] = {}
    open_margin = np.zeros(n)
    peak_hedge_margin = np.zeros(n)
    max_open = np.zeros(n, int)
    wings = ("put", "call") if policy.hedge_call_wing else ("put",)
    for wing in wings:
        h_t: float | np.ndarray
        static = None if specs is None else specs.get(wing)
        if specs is not None and static is None:
            continue
        if static is not None:
            kind, direction, h_t = static.kind, static.direction, static.expiry_t
        else:
            if policy.instrument == "vix_call_spread":
                kind = "VIX_CALL" if wing == "put" else "VIX_PUT"
            else:
                kind = "VX" if policy.instrument == "vx" else "VXM"
            direction = 1 if (wing == "put" or kind.startswith("VIX")) else -1
            if hedge_t is None:
                raise ValueError("alvh needs hedge_t (the hedge expiry on the paths' clock) without static specs")
            h_t = hedge_t
        is_future = kind in ("VX", "VXM")
        opt_kind = "C" if kind == "VIX_CALL" else "P"
        layers = policy.layers()
        short = 1 if wing == "put" else 2
        absd = np.abs(cp.delta[short])
        gate, no_breadth = gate_mask(paths, policy, wing)
        if no_breadth is not None:
            records[f"{wing}_no_breadth_days"] = (no_breadth & cp.live()).sum(axis=1)
        pre = None
        has_event = event_days(paths) if policy.pre_event_delta else None
        if policy.pre_event_delta and has_event is not None:
            ahead = np.broadcast_to(event_ahead(has_event, policy.pre_event_lookahead), absd.shape)
            pre = pre_event_trigger(absd, ahead, policy.pre_event_delta)
        fut = np.asarray(paths.vix_future(h_t), float)
        h_rows = np.broadcast_to(np.asarray(h_t, float), (n,))
        hedge_expired = h_rows <= t_rows[rows, cp.k_rows] + 1e-12
        legs = None if is_future else _Legs(paths, opt_kind, h_t)
        fmult = MULTIPLIERS[kind] if is_future else MULTIPLIERS["VIX"]
        if is_future:
            var = np.zeros_like(fut)
            var[:, 1:] = np.cumsum(cp.disc_rows[:, 1:] * np.diff(fut, axis=1), axis=1)  # PV of variation per point
        nl = len(layers)
        active = np.zeros((nl, n), bool)
        add_day = np.full((nl, n), -1)
        k1 = np.zeros((nl, n))
        k2 = np.zeros((nl, n))
        qty = np.zeros((nl, n))
        extreme = np.zeros((nl, n))
        debit = np.zeros((nl, n))
        armed = np.zeros((nl, n), bool)
        ev_idx = np.full((nl, n), -1)  # index into ``events`` of each path's open instance
        rem_day_all: list[np.ndarray] = []

        def unit_at(li: int, day: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """(unit $ value, long leg pts, short leg pts) per contract of layer li's open strikes on ``day``."""
            if is_future:
                return direction * fut[rows, day] * fmult, np.zeros(n), np.zeros(n)
            assert legs is not None
            p1 = legs.at(k1[li], day, mask)
            p2 = legs.at(k2[li], day, mask & np.isfinite(k2[li]) & (k2[li] > 0))
            return (p1 - p2) * fmult, p1, p2

        def close(li: int, mask: np.ndarray, d: np.ndarray, settle: np.ndarray) -> None:
            q = np.where(mask, qty[li], 0.0)
            if is_future:
                a = np.where(mask, add_day[li], 0)
                hedge.pv("hedge", (var[rows, d] - var[rows, a]) * fmult * direction * q)
                hedge.cost(np.where(settle, 0.0, costs.future(kind, q)), d, np.where(settle, 0.0, q))
            else:
                val, p1, p2 = unit_at(li, d, mask)
                hedge.cash("hedge", val * q, d)
                n_legs = 2 if np.any(k2[li][mask] > 0) else 1
                fee = np.where(settle, costs.settlement_fee_vix * q * n_legs,
                               costs.vix_option(p1, q) + (costs.vix_option(p2, q) if n_legs == 2 else 0.0))
                hedge.cost(np.where(mask, fee, 0.0), d, np.where(settle | ~mask, 0.0, q * n_legs))
            for i in np.unique(ev_idx[li][mask]):
                sel = mask & (ev_idx[li] == i)
                rem_day_all[i][sel] = np.broadcast_to(d, (n,))[sel]
            active[li] &= ~mask
            open_margin[:] -= np.where(mask, debit[li], 0.0)

        for d in range(kmax + 1):
            dd = np.full(n, d)
            at_expiry = cp.k_rows == d
            # 4. the condor settles: every open layer comes off
            for li in range(nl):
                m = active[li] & at_expiry
                if m.any():
                    close(li, m, dd, m & hedge_expired)
            live = d < cp.k_rows
            if not live.any():
                continue
            v = vix_pts[:, d]
            # 1. removal with hysteresis
            for li, (trig, _share) in enumerate(layers):
                if not active[li].any():
                    continue
                extreme[li] = np.where(active[li], np.maximum(extreme[li], v) if wing == "put"
                                       else np.minimum(extreme[li], v), extreme[li])
                back = absd[:, d] < (policy.remove_delta or trig)
                if wing == "put":
                    retraced = v <= extreme[li] * (1 - policy.remove_vix_retrace)
                    if policy.remove_vix_below:
                        retraced |= v < policy.remove_vix_below
                else:
                    retraced = v >= extreme[li] * (1 + policy.remove_vix_retrace)
                rem = active[li] & live & (add_day[li] < d) & back & retraced
                if rem.any():
                    close(li, rem, dd, np.zeros(n, bool))
            # 2. at most one add a day: the first eligible layer
            # a layer is armed by a crossing of its trigger (from below) and stays armed while |delta| is at or
            # above it; on date 0 only the first layer can be due (the hedge recommended today)
            for li, (trig, _share) in enumerate(layers):
                above = absd[:, d] >= trig
                crossed = above & (absd[:, d - 1] < trig) if d > 0 else (above if li == 0 else np.zeros(n, bool))
                armed[li] = (armed[li] | crossed) & above & ~active[li]
            free = live & gate[:, d]
            for li, (_trig, share) in enumerate(layers):
                today = initial is not None and d == 0 and static is None
                plan = (initial or {}).get(wing) if today else None
                if today:
                    # date 0 follows today's recommendation exactly: layer 0 iff it says "hedge now"
                    add = live & (li == 0) & bool(plan is not None and plan.trigger_hit)
                else:
                    add = free & armed[li]
                    if pre is not None and li == 0:  # the close before a scheduled event (issue 17's gate)
                        add |= live & ~active[0] & pre[:, d]
                if not add.any():
                    continue
                free &= ~add
                if static is not None:
                    k1[li] = np.where(add, static.strikes[0] if static.strikes else 0.0, k1[li])
                    k2[li] = np.where(add, (static.strikes[1] or 0.0) if static.strikes else 0.0, k2[li])
                    q_new = np.full(n, float(static.layer_contracts(share)))
                elif plan is not None and plan.trigger_hit:
                    if plan.strikes:
                        k1[li] = np.where(add, plan.strikes[0], k1[li])
                        k2[li] = np.where(add, plan.strikes[1], k2[li])
                    q_new = np.full(n, float(plan.contracts))
                else:
                    f_d = fut[:, d]
                    if not is_future:
                        a1, a2 = spread_strikes(kind, f_d)
                        k1[li] = np.where(add, a1, k1[li])
                        k2[li] = np.where(add, a2, k2[li])
                    ra = np.flatnonzero(add)  # size on the paths that add today only
                    tau = np.maximum(cp.expiry_t[ra] - t_rows[ra, d], 1e-6)
                    tau_h = np.maximum(h_rows[ra] - t_rows[ra, d], 1e-6)
                    st = stress_sizing(wing, policy.sizing, spot=paths.spot[ra, d], vix_points=v[ra], tau=tau,
                                       k_short=cp.strikes[short, ra], k_long=cp.strikes[0 if wing == "put" else 3, ra],
                                       future=f_d[ra], tau_h=tau_h, kind=kind, k1=np.maximum(k1[li, ra], 0.5),
                                       k2=np.maximum(k2[li, ra], 0.5), direction=direction,
                                       beta=regime_beta(v[ra], wing, policy.beta_rule, policy.regime_betas), rate=cp.rate,
                                       div=cp.div)
                    full = np.zeros(n)
                    full[ra] = st["full"]
                    unit_now = unit_at(li, dd, add)[0]
                    budget_left = None
                    if policy.budget_share:
                        budget_left = policy.budget_share * cp.credit * cp.mult - open_margin
                    q_new = layer_contracts(full * cp.quantity, share,
                                            weight=vxth_weight(f_d) if policy.vxth else 1.0,
                                            unit_cost=None if is_future else np.maximum(unit_now, 1e-9),
                                            budget_left=budget_left)
                add &= q_new > 0
                if not add.any():
                    continue
                qty[li] = np.where(add, q_new, qty[li])
                q = np.where(add, qty[li], 0.0)
                val, p1, p2 = unit_at(li, dd, add)
                if is_future:
                    hedge.cost(costs.future(kind, q), dd, q)
                    dbt = costs.initial_margin(kind) * q
                else:
                    hedge.cash("hedge", -val * q, dd)
                    n_legs = 2 if np.any(k2[li][add] > 0) else 1
                    hedge.cost(np.where(add, costs.vix_option(p1, q) + (costs.vix_option(p2, q) if n_legs == 2
                                                                         else 0.0), 0.0), dd, q * n_legs)
                    dbt = np.maximum(val, 0.0) * q
                active[li] |= add
                armed[li] &= ~add
                add_day[li] = np.where(add, d, add_day[li])
                extreme[li] = np.where(add, v, extreme[li])
                debit[li] = np.where(add, dbt, debit[li])
                open_margin[:] += np.where(add, dbt, 0.0)
                events.append({"wing": wing, "layer": li, "rows": np.flatnonzero(add), "add_day": d,
                               "k1": k1[li][add].copy(), "k2": k2[li][add].copy(), "contracts": qty[li][add].copy(),
                               "kind": kind})
                rem_day_all.append(np.full(n, -1))
                ev_idx[li] = np.where(add, len(rem_day_all) - 1, ev_idx[li])
            peak_hedge_margin = np.maximum(peak_hedge_margin, open_margin)
            max_open = np.maximum(max_open, active.sum(axis=0))
        for e, rd in zip(events[len(events) - len(rem_day_all):], rem_day_all):
            e["remove_day"] = rd[e["rows"]]
        for li in range(nl):  # per path: the first add date of each layer (-1: never), a summary of the events
            first = np.full(n, -1)
            for e in events:
                if e["wing"] == wing and e["layer"] == li:
                    r_ = e["rows"][first[e["rows"]] < 0]
                    first[r_] = e["add_day"]
            records[f"{wing}_{li}_add_day"] = first
    lg.margin(condor_margin + peak_hedge_margin)
    hedge_pnl = hedge.total()
    for cat, val in hedge.flows.items():
        lg.pv(cat, val)
    lg.fills = lg.fills + hedge.fills
    return StrategyResult("alvh", lg.total(), lg, extra={"hedge_pnl": hedge_pnl, "events": events,
                                                         "max_open_layers": max_open, **records})
