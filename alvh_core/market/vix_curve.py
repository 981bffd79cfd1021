"""THE VIX futures curve and VIX option smile, fitted to data (``shared/data``).

Futures. With ``x = ln(VIX/20)``, ``x3 = ln(VIX3M / VIX3M_hat)`` and ``x9 = ln(VIX9D / VIX9D_hat)``
(the surprise of VIX3M / VIX9D against the mean-reverting variance term structure's prediction from
VIX alone, ``SpxSurface.variance_swap_vol``; 0 when the index is not given), the VX future with
``tau`` years to its final settlement is

    ln F(tau) = ln VIX + s1 (a0 + a1 x + a2 x^2) + s2 (b3 x3 + a3 x3 x) + b9 x9 e^{-kappa tau} s2,

    s1 = 1 - e^{-kappa tau},  s2 = 1 - e^{-kappa2 tau}.

So the curve starts at spot VIX, is in contango when VIX is low and in backwardation when it is high
(``a1 < 0``), steepens when VIX3M sits above what VIX predicts, and its front bends with VIX9D.
Parameters are a robust least-squares fit to the first three VX contracts, 2009-10..2018 (VX settles
from 2013, last-trade closes before), see README "VIX futures curve"; ``fit_futures`` refits them and
``python -m alvh_core.market.vix_curve`` reprints the error tables. Tried for the stressed curve and not
adopted (``--tried``): a term-structure-dependent ``kappa`` and three VVIX terms (a level shift, a
convexity ``-c (VVIX^2 - 0.881^2) tau``, a level x VIX interaction): the VVIX terms lower the calm
buckets (all 0.85 -> 0.78 leaving each year out) but raise VIX >= 30 (1.63 -> 1.74-1.86).

Also tried, off by default (``fwd_weight = 0``): a forward-variance form. The total variance
``TV(T) = VIX_T^2 T`` through the pillars VIX9D (9 days), VIX (30) and VIX3M (93), on the forward-variance
curve ``theta + A e^{-fwd_k1 t} + B e^{-fwd_k2 t}`` (the VIX9D surprise clipped as above; a missing VIX9D
is its prediction from VIX), mean-reverting beyond 93 days to the term structure's long-run level, gives
the 30-day forward vol ``fwd_vol(tau) = sqrt((TV(tau + 30d) - TV(tau)) / 30d)`` (:meth:`VixCurve.forward_vol`)
and ``ln F = ln fwd_vol + (1 - e^{-fwd_kappa tau}) fwd_g``; the blend ``ln F = (1 - w) ln F_ts + w ln F_fwd``
(``w = fwd_weight``) of the two forms, each fitted on its own. At ``w = 0.5`` the blend is better leaving
each year out (all 0.85 -> 0.82, VIX 20-30 1.14 -> 1.10, VIX >= 30 1.63 -> 1.45, 2013-2018 at VIX >= 30
2.54 -> 2.07) but prices 2018-02-05 (in sample) 4.2 points below the second and third VX settles, outside
the 2-point check of ``tests/test_cli_curve.py``: not adopted (README; ``--forward`` reprints the table).

Options. VIX options are priced with Black-76 on the VX future of the same expiry (for a weekly expiry
without a future: the put-call parity forward). The ATM vol is flat up to ``flat_days`` and decays as a
power of tenor beyond,

    atm(tau) = base * (max(tau, t_f) / max(30d, t_f))^(-term_decay),   t_f = flat_days / 365,

so ``base`` is the 30-day ATM vol: ``vvix_to_atm * VVIX`` when VVIX is given, else ``atm_30d``
(``vvix_to_atm`` x 0.881, the typical VVIX 2007-2018; a VIX-dependent VVIX was tried and does not beat
a constant out of sample, README). ``term_decay < 1/2`` keeps the ATM total variance rising with tenor. The
smile in standardised moneyness ``m = ln(K/F) / (atm sqrt(tau))`` is

    vol = atm (1 + skew u + c(tau) u^2),  c(tau) = curvature + curvature_slope ln(tau_s / 30d),

``u = m_max tanh(m / m_max)`` (smooth, flat far out), ``tau_s`` the tenor clipped to the fitted expiries
(7-168 days, no extrapolation of the shape), the factor clipped to [min_factor, max_factor]. A skew in
``m`` is a slope ``skew / sqrt(tau)`` in log-moneyness: steep at the short end, flat far out. The six
parameters (``vvix_to_atm, term_decay, flat_days, skew, curvature, curvature_slope``) are fitted to the
Cboe VIX option quotes of 2016-06-01 (``shared/data/options/vix_2016-06-01.csv``), the only VIX option
date in the data; ``python -m alvh_core.market.vix_curve`` prints the fit by expiry, in sample and
leaving each expiry out, against the former form (ATM ``(tau/30d)^-0.114`` from 1 day, constant curvature).
Fitted: ATM flat to 70 days then ``tau^-0.26``; the curvature is +0.041 at 7 days, -0.041 at 168 (the far
call wing flattens at long tenors). ``max_factor`` 3 sits above the largest factor this shape reaches (2.55),
so the cap never bends a call wing: no butterfly arbitrage at VIX 10-80 and tenors 2-200 days (tests).

Units: ``vix`` (and ``vix9d``, ``vix3m``, ``vvix``) as **decimals** like every vol inside the core;
futures prices in **index points**; ``tau`` in years ACT/365.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

TAU_30D = 30.0 / 365.0
FUTURE_PARAMS = ("a0", "a1", "a2", "a3", "kappa", "b3", "b9", "kappa2")
#: the term-structure-dependent mean reversion (``kappa_ts``), tried for the stressed curve (README)
TS_PARAMS = FUTURE_PARAMS + ("kappa_ts",)
#: the VVIX terms tried for the stressed curve (README): level shift, convexity, level x VIX interaction
VVIX_FORMS = {"level": ("b_vvix",), "convexity": ("c_vvix",), "interaction": ("b_vvix", "d_vvix")}
#: ln(VVIX / MEAN_VVIX) clipped to its 1st-99th percentiles 2009-10..2018 (no extrapolation)
VV_RANGE = (-0.30, 0.40)
XT_RANGE = (-0.35, 0.30)
VIX_ONLY_PARAMS = ("o0", "o1", "o2", "o_kappa")
#: the forward-variance form's parameters: ``ln F = ln fwd_vol + (1 - e^{-fwd_kappa tau}) fwd_g``, the forward
#: variance ``theta + A e^{-fwd_k1 t} + B e^{-fwd_k2 t}`` through the VIX9D / VIX / VIX3M pillars
FWD_PARAMS = ("fwd_g", "fwd_kappa", "fwd_k1", "fwd_k2")
X3_RANGE = (-0.11, 0.15)
X9_RANGE = (-0.18, 0.22)
OPTION_PARAMS = ("vvix_to_atm", "term_decay", "flat_days", "skew", "curvature", "curvature_slope")
#: the former smile's parameters (power-law ATM from 1 day, constant curvature), refitted for comparison
FORMER_OPTION_PARAMS = ("vvix_to_atm", "term_decay", "skew", "curvature")
#: the tenors (years) of the fitted VIX option expiries: the smile's shape is held at its edges outside
SHAPE_TAU_RANGE = (7.0 / 365.0, 168.0 / 365.0)
#: the typical VVIX (decimal): exp(mean ln VVIX) 2007-2018 is 88.1 (mean 89.1, median 87.6); without a VVIX
#: quote the 30-day ATM VIX option vol is vvix_to_atm x this (``atm_30d``)
MEAN_VVIX = 0.881


def _nan_if_none(x) -> np.ndarray:
    return np.asarray(np.nan if x is None else x, dtype=float)


class VixCurve(BaseModel):
    """VIX futures curve and VIX option smile parameters (fitted defaults; module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    a0: float = Field(0.0381, description="log premium of a far future over spot VIX at VIX 20")
    a1: float = Field(-0.5052, description="d log premium / d ln(VIX/20): contango low, backwardation high")
    a2: float = 0.1629
    a3: float = 1.0301
    kappa: float = Field(7.6242, gt=0.0, description="rate (1/year) at which the curve leaves spot VIX")
    b3: float = 2.2103
    b9: float = -0.246
    kappa2: float = Field(8.8746, gt=0.0, description="rate (1/year) of the VIX3M/VIX9D terms")
    kappa_ts: float = Field(0.0, description="kappa x exp(kappa_ts ln(VIX/VIX3M)) when VIX3M is given (0: tried, "
                            "README)")
    b_vvix: float = Field(0.0, description="s1 b_vvix ln(VVIX/MEAN_VVIX) when VVIX is given (0: tried, README)")
    c_vvix: float = Field(0.0, description="-c_vvix (VVIX^2 - MEAN_VVIX^2) tau when VVIX is given (0: tried, README)")
    d_vvix: float = Field(0.0, description="s1 d_vvix ln(VVIX/MEAN_VVIX) ln(VIX/20) when VVIX is given (0: tried)")
    fwd_weight: float = Field(0.0, ge=0.0, le=1.0, description="weight of the forward-variance form in ln F "
                              "when VIX3M is given (0: the term-structure form alone; tried at 0.5, README)")
    fwd_clip: Literal["none", "vix9d", "both"] = Field(
        "vix9d", description="surprises clipped (X9_RANGE, X3_RANGE) before the forward-variance pillars")
    fwd_g: float = Field(-0.0543, description="ln(F / fwd_vol) of a far future (forward-variance form)")
    fwd_kappa: float = Field(11.92, gt=0.0, description="rate (1/year) at which that discount builds with tenor")
    fwd_k1: float = Field(7.202, gt=0.0, description="slow rate (1/year) of the forward-variance curve")
    fwd_k2: float = Field(111.03, gt=0.0, description="fast rate (1/year) of the forward-variance curve (VIX9D)")
    o0: float = Field(0.1499, description="VIX-only law (no VIX3M given): a0")
    o1: float = Field(-0.409, description="VIX-only law: a1")
    o2: float = Field(-0.145, description="VIX-only law: a2")
    o_kappa: float = Field(6.7395, gt=0.0, description="VIX-only law: kappa")
    atm_30d: float = Field(0.8672, gt=0.0, description="30-day ATM VIX option vol (decimal) without VVIX: "
                           "vvix_to_atm x 0.881 (MEAN_VVIX, the typical VVIX 2007-2018)")
    vvix_to_atm: float = Field(0.9843, gt=0.0, description="30-day ATM VIX option vol / VVIX")
    term_decay: float = Field(0.2610, ge=0.0, lt=0.5, description="ATM vol ~ tau^-term_decay beyond flat_days")
    flat_days: float = Field(69.9, ge=0.0, description="ATM vol flat up to this tenor (days)")
    skew: float = Field(0.2246, description="d(vol/atm)/du at the money (upward skew)")
    curvature: float = Field(0.0035, description="curvature of vol/atm in u at 30 days")
    curvature_slope: float = Field(-0.0256, description="d curvature / d ln(tau/30d), tau within 7-168 days")
    m_max: float = Field(4.0, gt=0.0, description="reach of the soft clamp on standardised moneyness")
    min_factor: float = Field(0.4, gt=0.0)
    max_factor: float = Field(3.0, gt=0.0, description="above the largest factor the fitted shape reaches "
                              "(2.55 at 7 days): the cap never bends a call wing (no butterfly arbitrage)")
    min_vol: float = Field(0.2, gt=0.0)
    max_vol: float = Field(3.0, gt=0.0)

    # ----- futures -------------------------------------------------------------------------------------
    def future(self, vix, tau, vix9d=None, vix3m=None, vvix=None) -> np.ndarray:
        """VX future (index points) for tenor ``tau`` (years) given VIX (decimal) and optionally VIX9D,
        VIX3M (decimals, NaN = absent); arrays broadcast; ``tau <= 0`` gives spot VIX (settlement). ``vvix``
        (decimal, NaN = absent) enters only through the VVIX terms tried (``b_vvix, c_vvix, d_vvix``, 0 in
        the shipped curve: README "Tried for the stressed curve"), so it changes nothing by default."""
        from alvh_core.market.surface import DEFAULT_SURFACE, TAU_3M, TAU_9D

        v = np.asarray(vix, dtype=float)
        tau = np.maximum(np.asarray(tau, dtype=float), 0.0)
        x = np.log(v / 0.20)
        v3, v9 = _nan_if_none(vix3m), _nan_if_none(vix9d)
        has3 = np.isfinite(v3) & (v3 > 0)
        if not has3.any():  # no VIX3M anywhere: the VIX-only law alone (its surprise terms are dropped below)
            s0 = -np.expm1(-self.o_kappa * tau)
            out = 100.0 * v * np.exp(s0 * (self.o0 + self.o1 * x + self.o2 * x * x))
            shape = np.broadcast_shapes(out.shape, np.shape(v3), np.shape(v9))
            return out if out.shape == shape else np.broadcast_to(out, shape).copy()
        has9 = np.isfinite(v9) & (v9 > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            x3 = np.where(has3, np.log(v3 / DEFAULT_SURFACE.variance_swap_vol(TAU_3M, v)), 0.0)
            # no VIX9D anywhere: its surprise is 0 (clipped below as the array of zeros would be)
            x9 = np.where(has9, np.log(v9 / DEFAULT_SURFACE.variance_swap_vol(TAU_9D, v)), 0.0) if has9.any() \
                else np.zeros(np.broadcast_shapes(np.shape(v9), v.shape))
        # the surprises are clipped to their 1st-99th percentiles of 2009-2018 (no extrapolation)
        x3 = np.clip(x3, *X3_RANGE)
        x9 = np.clip(x9, *X9_RANGE)
        kappa = self.kappa
        if self.kappa_ts != 0.0:
            with np.errstate(invalid="ignore", divide="ignore"):
                xt = np.where(np.isfinite(v3) & (v3 > 0), np.log(v / v3), 0.0)
            kappa = kappa * np.exp(self.kappa_ts * np.clip(xt, *XT_RANGE))
        s1 = -np.expm1(-kappa * tau)
        s2 = -np.expm1(-self.kappa2 * tau)
        ln_prem = (s1 * (self.a0 + self.a1 * x + self.a2 * x * x) + s2 * (self.b3 * x3 + self.a3 * x3 * x)
                   + self.b9 * x9 * np.exp(-kappa * tau) * s2)
        if vvix is not None and (self.b_vvix or self.c_vvix or self.d_vvix):
            vv = np.asarray(vvix, dtype=float)
            okv = np.isfinite(vv) & (vv > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                xv = np.where(okv, np.clip(np.log(vv / MEAN_VVIX), *VV_RANGE), 0.0)
            vq = np.where(okv, vv * vv - MEAN_VVIX**2, 0.0)
            ln_prem = ln_prem + s1 * (self.b_vvix + self.d_vvix * x) * xv - self.c_vvix * vq * tau
        if self.fwd_weight > 0.0:  # the blend with the forward-variance form (module docstring)
            ln_prem = (1.0 - self.fwd_weight) * ln_prem + self.fwd_weight * self._forward_premium(v, tau, v9, v3)
        # without VIX3M the VIX-only law (fitted on its own: the VIX3M terms carry most of the fit)
        s0 = -np.expm1(-self.o_kappa * tau)
        ln_only = s0 * (self.o0 + self.o1 * x + self.o2 * x * x)
        return 100.0 * v * np.exp(np.where(np.isfinite(v3) & (v3 > 0), ln_prem, ln_only))

    def forward_vol(self, vix, tau, vix9d=None, vix3m=None, linear: bool = False) -> np.ndarray:
        """The 30-day vol (decimal) from ``tau`` to ``tau`` + 30 days implied by the index term structure:
        ``sqrt((TV(tau + 30d) - TV(tau)) / 30d)``, total variance ``TV(T) = VIX_T^2 T`` through the pillars
        VIX9D (9 days), VIX (30) and VIX3M (93) on the forward-variance curve ``theta + A e^{-fwd_k1 t} +
        B e^{-fwd_k2 t}``; beyond 93 days the forward variance mean-reverts from its 93-day value to the
        variance term structure's long-run level (``SpxSurface.kappa``, ``long_run_vol``). A missing VIX9D
        (before 2011) is the term structure's prediction from VIX (as in ``SpxSurface.level``; the VIX9D
        surprise is then 0), a missing VIX3M likewise (``future`` then uses the VIX-only law).
        ``linear``: total variance linear in ``T`` between the pillars (the form tried, README). Floored at
        0.3 x VIX."""
        from alvh_core.market.surface import DEFAULT_SURFACE, TAU_3M, TAU_9D, TAU_VIX

        v, tau, v9, v3 = np.broadcast_arrays(np.asarray(vix, dtype=float), np.maximum(np.asarray(tau, float), 0.0),
                                             _nan_if_none(vix9d), _nan_if_none(vix3m))
        has9, has3 = np.isfinite(v9) & (v9 > 0), np.isfinite(v3) & (v3 > 0)
        hat3, hat9 = DEFAULT_SURFACE.variance_swap_vol(TAU_3M, v), DEFAULT_SURFACE.variance_swap_vol(TAU_9D, v)
        with np.errstate(invalid="ignore", divide="ignore"):
            x3 = np.where(has3, np.log(v3 / hat3), 0.0)
            x9 = np.where(has9, np.log(v9 / hat9), 0.0)
        if self.fwd_clip == "both":
            x3 = np.clip(x3, *X3_RANGE)
        if self.fwd_clip != "none":
            x9 = np.clip(x9, *X9_RANGE)
        v3, v9 = hat3 * np.exp(x3), hat9 * np.exp(x9)
        w = np.stack([v9**2 * TAU_9D, v**2 * TAU_VIX, v3**2 * TAU_3M], -1)
        lr2, kr = DEFAULT_SURFACE.long_run_vol**2, DEFAULT_SURFACE.kappa
        pillars = (TAU_9D, TAU_VIX, TAU_3M)
        if linear:
            xi93 = (w[..., 2] - w[..., 1]) / (TAU_3M - TAU_VIX)

            def tv_in(t):
                lo = np.where(t <= TAU_9D, w[..., 0] * t / TAU_9D,
                              w[..., 0] + (w[..., 1] - w[..., 0]) * (t - TAU_9D) / (TAU_VIX - TAU_9D))
                return np.where(t <= TAU_VIX, lo, w[..., 1] + xi93 * (t - TAU_VIX))
        else:
            k1, k2 = self.fwd_k1, self.fwd_k2

            def h(k, t):
                return -np.expm1(-k * t) / k

            coef = w @ np.linalg.inv(np.array([[t, h(k1, t), h(k2, t)] for t in pillars])).T
            th, a, b = coef[..., 0], coef[..., 1], coef[..., 2]
            xi93 = th + a * np.exp(-k1 * TAU_3M) + b * np.exp(-k2 * TAU_3M)

            def tv_in(t):
                return th * t + a * h(k1, t) + b * h(k2, t)
        xi93 = np.maximum(xi93, (0.3 * v3) ** 2)

        def tv(t):
            u = np.maximum(t - TAU_3M, 0.0)
            return tv_in(np.minimum(t, TAU_3M)) + lr2 * u + (xi93 - lr2) * (-np.expm1(-kr * u)) / kr

        var = (tv(tau + TAU_VIX) - tv(tau)) / TAU_VIX
        return np.sqrt(np.maximum(var, (0.3 * v) ** 2))

    def _forward_premium(self, v, tau, v9, v3, linear: bool = False) -> np.ndarray:
        """ln(F / VIX) of the forward-variance form: ``ln fwd_vol - ln VIX + (1 - e^{-fwd_kappa tau}) fwd_g``."""
        fv = self.forward_vol(v, tau, v9, v3, linear=linear)
        return np.log(fv / v) + (-np.expm1(-self.fwd_kappa * np.maximum(tau, 0.0))) * self.fwd_g

    def monthly_curve(self, asof: dt.date, vix, vix9d=None, vix3m=None, months: int = 9,
                      marks: dict[dt.date, float] | None = None) -> list[dict]:
        """The listed monthly VX expiries after ``asof`` (first ``months``) with prices in points:
        ``[{"expiry": date, "price": p, "source": "model"|"marked"}]``; ``marks`` (expiry -> price) win."""
        from alvh_core.pricing.expiries import next_vx_expiry

        out = []
        day = asof
        marks = marks or {}
        for _ in range(months):
            exp = next_vx_expiry(day)
            tau = (exp - asof).days / 365.0
            if exp in marks:
                out.append({"expiry": exp, "price": float(marks[exp]), "source": "marked"})
            else:
                out.append({"expiry": exp, "price": float(self.future(vix, tau, vix9d, vix3m)), "source": "model"})
            day = exp
        return out

    # ----- options -------------------------------------------------------------------------------------
    def atm_vol(self, tau, vvix=None) -> np.ndarray:
        """ATM VIX option vol (decimal) for tenor ``tau``; ``vvix`` (decimal, 0.90) scales it if given."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0)
        base = self.atm_30d if vvix is None else self.vvix_to_atm * np.asarray(vvix, dtype=float)
        t_f = self.flat_days / 365.0
        ratio = np.maximum(tau, t_f) / max(TAU_30D, t_f)
        return np.clip(base * ratio ** (-self.term_decay), self.min_vol, self.max_vol)

    def option_vol(self, strike, forward, tau, vvix=None) -> np.ndarray:
        """Black-76 vol (decimal) of a VIX option by strike (points), its future (points) and tenor."""
        tau = np.maximum(np.asarray(tau, dtype=float), 1.0 / 365.0)
        atm = self.atm_vol(tau, vvix)
        m = np.log(np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)) / (atm * np.sqrt(tau))
        u = self.m_max * np.tanh(m / self.m_max)  # soft clamp: smooth, flat far out (no kink)
        curv = self.curvature
        if self.curvature_slope != 0.0:
            curv = curv + self.curvature_slope * np.log(np.clip(tau, *SHAPE_TAU_RANGE) / TAU_30D)
        factor = np.clip(1.0 + self.skew * u + curv * u * u, self.min_factor, self.max_factor)
        return atm * factor

    def with_params(self, names: Sequence[str], values: Sequence[float]) -> VixCurve:
        return self.model_copy(update={n: float(v) for n, v in zip(names, values)})


DEFAULT_VIX_CURVE = VixCurve()
#: the former VIX option smile (ATM ``base (tau/30d)^-term_decay`` from 1 day, constant curvature), as fitted
#: to the same quotes: kept to compare the two forms (README)
FORMER_SMILE = VixCurve(atm_30d=0.852, vvix_to_atm=0.9792, term_decay=0.1137, flat_days=1.0, skew=0.2169,
                        curvature=0.0025, curvature_slope=0.0, max_factor=2.5)


# ----- fitting and measuring -------------------------------------------------------------------------

def vx_sample(history, first: str = "2009-10-01", contracts: int = 3) -> dict[str, np.ndarray]:
    """The first ``contracts`` VX contracts (more than half a day to expiry) on each day from ``first``:
    arrays ``date, rank (1..), tau, price, vix, vix9d, vix3m, vvix`` (indices in points)."""
    h = history
    tau = (h.vx_expiries[None, :] - h.dates[:, None]).astype(float) / 365.0
    valid = np.isfinite(h.vx) & (tau > 0.5 / 365.0) & (h.dates[:, None] >= np.datetime64(first))
    rank = np.cumsum(valid, axis=1) * valid
    di, ci = np.nonzero(valid & (rank >= 1) & (rank <= contracts))
    return {"date": h.dates[di], "rank": rank[di, ci], "tau": tau[di, ci], "price": h.vx[di, ci],
            "vix": h.vix[di], "vix9d": h.vix9d[di], "vix3m": h.vix3m[di], "vvix": h.vvix[di]}


def fit_futures(sample: dict[str, np.ndarray], mask: np.ndarray | None = None,
                start: VixCurve | None = None, ts: bool = False, vvix: str | None = None,
                forward: bool = True) -> VixCurve:
    """Robust (soft-L1, 1-point scale) least squares of the futures parameters on ``sample`` rows: the
    term-structure form on its own (``fwd_weight`` 0 while fitting; ``ts``: also ``kappa_ts``; ``vvix``: also
    the VVIX term of that :data:`VVIX_FORMS` form), then (``forward`` and a ``fwd_weight`` above 0) the
    forward-variance form on its own (:func:`fit_forward`); the blend weight is kept from ``start``."""
    from scipy.optimize import least_squares

    s = {k: (v if mask is None else v[mask]) for k, v in sample.items()}
    base = start or VixCurve()
    names = (TS_PARAMS if ts else FUTURE_PARAMS) + (VVIX_FORMS[vvix] if vvix else ())
    x0 = np.array([0.1, -0.6, 0.0, 0.0, 3.0, 0.5, 0.0, 6.0] + [0.0] * (len(names) - 8))

    def params(x: np.ndarray) -> np.ndarray:
        return np.r_[x[:4], np.exp(x[4]), x[5:7], np.exp(x[7]), x[8:]]

    def resid(x: np.ndarray) -> np.ndarray:
        c = base.with_params(names, params(x))
        return c.future(s["vix"] / 100, s["tau"], s["vix9d"] / 100, s["vix3m"] / 100, vv) - s["price"]

    vv = s["vvix"] / 100 if vvix else None
    x0[4], x0[7] = np.log(x0[4]), np.log(x0[7])
    weight = base.fwd_weight
    base = base.model_copy(update={"fwd_weight": 0.0})  # the term-structure form is fitted on its own
    r = least_squares(resid, x0, loss="soft_l1", f_scale=1.0)
    c = base.with_params(names, params(r.x))
    if weight > 0.0 and forward:
        c = fit_forward(sample, mask, start=c)
    return c.model_copy(update={"fwd_weight": weight})


def fit_forward(sample: dict[str, np.ndarray], mask: np.ndarray | None = None, start: VixCurve | None = None,
                linear: bool = False) -> VixCurve:
    """Robust (soft-L1, 1-point scale) least squares of the forward-variance form alone (:data:`FWD_PARAMS`;
    ``linear``: total variance linear between the pillars, ``fwd_g`` and ``fwd_kappa`` only) on the
    ``sample`` rows with VIX3M; the other parameters are kept from ``start``."""
    from scipy.optimize import least_squares

    s = {k: (v if mask is None else v[mask]) for k, v in sample.items()}
    ok = np.isfinite(s["vix3m"]) & (s["vix3m"] > 0)
    s = {k: v[ok] for k, v in s.items()}
    base = start or DEFAULT_VIX_CURVE
    v, v9, v3 = s["vix"] / 100, s["vix9d"] / 100, s["vix3m"] / 100

    def params(x: np.ndarray) -> np.ndarray:  # rates in logs, fwd_k2 above fwd_k1
        return np.r_[x[0], np.exp(x[1])] if linear else np.r_[x[0], np.exp(x[1]), np.exp(x[2]),
                                                              np.exp(x[2]) + np.exp(x[3])]

    names = FWD_PARAMS[:2] if linear else FWD_PARAMS

    def resid(x: np.ndarray) -> np.ndarray:
        c = base.with_params(names, params(x))
        return 100.0 * v * np.exp(c._forward_premium(v, s["tau"], v9, v3, linear=linear)) - s["price"]

    x0 = np.array([-0.05, np.log(12.0)] + ([] if linear else [np.log(6.0), np.log(130.0)]))
    r = least_squares(resid, x0, loss="soft_l1", f_scale=1.0)
    return base.with_params(names, params(r.x))


def fit_vix_only(sample: dict[str, np.ndarray], mask: np.ndarray | None = None,
                 start: VixCurve | None = None) -> VixCurve:
    """Fit of the VIX-only law (``o0, o1, o2, o_kappa``) on ``sample`` rows, ignoring VIX9D/VIX3M."""
    from scipy.optimize import least_squares

    s = {k: (v if mask is None else v[mask]) for k, v in sample.items()}
    base = start or DEFAULT_VIX_CURVE

    def resid(x: np.ndarray) -> np.ndarray:
        c = base.with_params(VIX_ONLY_PARAMS, np.r_[x[:3], np.exp(x[3])])
        return c.future(s["vix"] / 100, s["tau"]) - s["price"]

    x = least_squares(resid, np.array([0.0, -1.0, 0.0, np.log(3.0)]), loss="soft_l1", f_scale=1.0).x
    return base.with_params(VIX_ONLY_PARAMS, np.r_[x[:3], np.exp(x[3])])


FORMS = ("ts", "blend", "forward", "forward_linear")
#: the blend weight tried (equal weights, set before any fit)
TRIED_FWD_WEIGHT = 0.5


def _fit_form(sample: dict[str, np.ndarray], mask: np.ndarray, form: str, weight: float | None = None,
              ts: bool = False, vvix: str | None = None, clip: str = "vix9d") -> VixCurve:
    """The curve of ``form`` (:data:`FORMS`: the term-structure form alone, the shipped curve, with the
    ``ts`` / ``vvix`` variants; the blend of it with the forward-variance form, weight ``weight``
    (default :data:`TRIED_FWD_WEIGHT`); the forward-variance form alone, two-exponential or linear total
    variance; ``clip`` its ``fwd_clip``) fitted on the ``mask`` rows."""
    if form in ("forward", "forward_linear"):
        return fit_forward(sample, mask, start=VixCurve(fwd_weight=1.0, fwd_clip=clip),
                           linear=form == "forward_linear")
    w = 0.0 if form == "ts" else (TRIED_FWD_WEIGHT if weight is None else weight)
    return fit_futures(sample, mask, start=VixCurve(fwd_weight=w, fwd_clip=clip), ts=ts, vvix=vvix)


def _predict_form(c: VixCurve, s: dict[str, np.ndarray], form: str, vvix: str | None = None) -> np.ndarray:
    if form in ("forward", "forward_linear"):
        v = s["vix"] / 100
        return 100.0 * v * np.exp(c._forward_premium(v, s["tau"], s["vix9d"] / 100, s["vix3m"] / 100,
                                                     linear=form == "forward_linear"))
    return c.future(s["vix"] / 100, s["tau"], s["vix9d"] / 100, s["vix3m"] / 100,
                    s["vvix"] / 100 if vvix else None)


def futures_out_of_sample(sample: dict[str, np.ndarray], years: Sequence[int] = tuple(range(2010, 2019)),
                          vix_only: bool = False, ts: bool = False, vvix: str | None = None,
                          form: str = "ts", weight: float | None = None, clip: str = "vix9d") -> np.ndarray:
    """Errors (model minus data, points) with each calendar year predicted by a fit on the other years
    (``vix_only``: the VIX-only law, VIX9D/VIX3M ignored; ``form``: one of :data:`FORMS`, the shipped
    term-structure form by default, ``weight`` and ``clip`` the blend's / forward-variance form's; ``ts``:
    the term-structure form with ``kappa_ts`` fitted; ``vvix``: with that VVIX form fitted)."""
    err = np.full(sample["price"].shape, np.nan)
    year = sample["date"].astype("datetime64[Y]").astype(int) + 1970
    if ts or vvix:
        form = "ts"
    for y in years:
        test = year == y
        if not test.any():
            continue
        st = {k: v[test] for k, v in sample.items()}
        if vix_only:
            c = fit_vix_only(sample, ~test)
            err[test] = c.future(st["vix"] / 100, st["tau"]) - st["price"]
            continue
        c = _fit_form(sample, ~test, form, weight, ts=ts, vvix=vvix, clip=clip)
        err[test] = _predict_form(c, st, form, vvix) - st["price"]
    return err


def blend_out_of_sample_nested(sample: dict[str, np.ndarray], years: Sequence[int] = tuple(range(2010, 2019)),
                               grid: Sequence[float] = tuple(np.linspace(0.0, 1.0, 21))
                               ) -> tuple[np.ndarray, dict[int, float]]:
    """The blend with its weight chosen inside each fold: for each year left out, the weight on the grid that
    minimises the soft-L1 (1 point) loss of the blended predictions of the other years, each predicted by
    the two forms fitted without it (and without the year left out). Returns the errors (model minus
    data, points) and the weight chosen for each year."""
    err = np.full(sample["price"].shape, np.nan)
    year = sample["date"].astype("datetime64[Y]").astype(int) + 1970
    grid = np.asarray(grid, dtype=float)

    def two(mask, sel):
        st = {k: v[sel] for k, v in sample.items()}
        a = _predict_form(_fit_form(sample, mask, "ts"), st, "ts")
        b = _predict_form(_fit_form(sample, mask, "forward"), st, "forward")
        return np.log(a), np.log(b)

    weights = {}
    for y in years:
        test = year == y
        if not test.any():
            continue
        la, lb, p = [], [], []
        for z in years:
            inner = year == z
            if z == y or not inner.any():
                continue
            a, b = two(~test & ~inner, inner)
            la.append(a), lb.append(b), p.append(sample["price"][inner])
        la, lb, p = (np.concatenate(u) for u in (la, lb, p))
        e = np.exp(grid[:, None] * lb[None, :] + (1.0 - grid[:, None]) * la[None, :]) - p[None, :]
        w = float(grid[np.argmin(np.sum(np.sqrt(1.0 + e * e) - 1.0, axis=1))])
        weights[y] = w
        a, b = two(~test, test)
        err[test] = np.exp(w * b + (1.0 - w) * a) - sample["price"][test]
    return err, weights


def vix_option_sample(data_dir) -> dict[str, np.ndarray]:
    """Out-of-the-money VIX option quotes of ``options/vix_2016-06-01.csv`` (bid >= 0.05) with Black-76 vols
    on the VX settle of the same expiry (the parity forward for weekly expiries without a future), and
    that day's VVIX (decimal)."""
    from pathlib import Path

    from alvh_core.history.data import load_daily
    from alvh_core.market.quotes import read_quotes
    from alvh_core.pricing.implied_vol import black76_implied_vol

    root = Path(data_dir)
    h = load_daily(root)
    c = read_quotes(root / "options" / "vix_2016-06-01.csv")
    i = h.index_of(c.quote_date[0])
    fut = np.array([h.vx_price(e)[i] if np.datetime64(e) in h.vx_expiries else np.nan for e in c.expiry])
    fwd = np.where(np.isfinite(fut), fut, c.forward)
    vol = black76_implied_vol(c.mid, c.is_call, fwd, c.strike, c.tau, 0.0)
    keep = np.where(c.is_call, c.strike >= fwd, c.strike < fwd) & np.isfinite(vol) & (c.bid >= 0.05)
    return {"expiry": c.expiry[keep], "strike": c.strike[keep], "tau": c.tau[keep], "forward": fwd[keep],
            "vol": vol[keep], "on_future": np.isfinite(fut)[keep], "vvix": float(h.vvix[i]) / 100.0}


def fit_options(sample: dict, mask: np.ndarray | None = None, start: VixCurve | None = None,
                former: bool = False) -> VixCurve:
    """Soft-L1 least squares (3-vol-point scale) of the option parameters on ``sample`` rows (``former``:
    the former smile's four, from :data:`FORMER_SMILE`); ``atm_30d`` follows as ``vvix_to_atm`` x MEAN_VVIX."""
    from scipy.optimize import least_squares

    base = start or (FORMER_SMILE if former else DEFAULT_VIX_CURVE)
    names = FORMER_OPTION_PARAMS if former else OPTION_PARAMS
    m = np.ones(sample["strike"].shape, bool) if mask is None else mask

    def params(x: np.ndarray) -> np.ndarray:
        return x if former else np.r_[x[:2], np.exp(x[2]), x[3:]]  # flat_days fitted in logs

    def resid(x: np.ndarray) -> np.ndarray:
        c = base.with_params(names, params(x))
        return 100.0 * (c.option_vol(sample["strike"][m], sample["forward"][m], sample["tau"][m], sample["vvix"])
                        - sample["vol"][m])

    x0 = [0.9, 0.35, 0.14, 0.01] if former else [1.0, 0.3, np.log(60.0), 0.2, 0.0, 0.0]
    x = least_squares(resid, x0, loss="soft_l1", f_scale=3.0).x
    c = base.with_params(names, params(x))
    return c.model_copy(update={"atm_30d": c.vvix_to_atm * MEAN_VVIX})


def options_out_of_sample(sample: dict, former: bool = False) -> np.ndarray:
    """Vol errors (model minus market, vol points) with each expiry predicted by a fit on the others."""
    err = np.full(sample["strike"].shape, np.nan)
    for ex in np.unique(sample["expiry"]):
        test = sample["expiry"] == ex
        c = fit_options(sample, ~test, former=former)
        err[test] = 100.0 * (c.option_vol(sample["strike"][test], sample["forward"][test], sample["tau"][test],
                                          sample["vvix"]) - sample["vol"][test])
    return err


VVIX_BUCKETS = ((0, 15), (15, 20), (20, 25), (25, 30), (30, 40), (40, 60), (60, 100))


def vvix_rule_study(history, split: int = 2013) -> list[dict]:
    """The VIX-dependent default VVIX tried (``ln VVIX = v0 + v1 ln(VIX/20)``) against a constant (the mean
    ln VVIX of the fit years), each fitted on one side of ``split`` and tested on the other; also the rule
    on ``ln(VIX/VIX3M)`` (days with VIX3M). One dict per direction: ``fit, test, v0, v1, rule_rms,
    rule_bias, const_rms, const_bias`` (ln VVIX), ``ts_rms, ts_const_rms`` (the VIX3M rule and its
    constant on the days with VIX3M) and ``buckets``: ``(lo, hi, n, data median, rule median)`` in points."""
    h = history
    year = h.dates.astype("datetime64[Y]").astype(int) + 1970
    ok = np.isfinite(h.vvix) & np.isfinite(h.vix)
    y, x = np.log(np.where(ok, h.vvix, 1.0)), np.log(np.where(ok, h.vix, 20.0) / 20.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xt = np.log(h.vix / h.vix3m)
    out = []
    for fit, test, label in ((year < split, year >= split, (f"{year[ok].min()}-{split - 1}", f"{split}-{year[ok].max()}")),
                             (year >= split, year < split, (f"{split}-{year[ok].max()}", f"{year[ok].min()}-{split - 1}"))):
        a, b = ok & fit, ok & test
        v1, v0 = np.polyfit(x[a], y[a], 1)
        e, c = v0 + v1 * x[b] - y[b], y[a].mean() - y[b]
        at, bt = a & np.isfinite(xt), b & np.isfinite(xt)
        t1, t0 = np.polyfit(xt[at], y[at], 1)
        et, ct = t0 + t1 * xt[bt] - y[bt], y[at].mean() - y[bt]
        vix = np.where(ok, h.vix, np.nan)
        buckets = []
        for lo, hi in VVIX_BUCKETS:
            m = b & (vix >= lo) & (vix < hi)
            if m.any():
                buckets.append((lo, hi, int(m.sum()), float(np.median(h.vvix[m])),
                                float(np.exp(np.median(v0 + v1 * x[m])))))
        out.append({"fit": label[0], "test": label[1], "v0": float(v0), "v1": float(v1),
                    "rule_rms": float(np.sqrt(np.mean(e**2))), "rule_bias": float(e.mean()),
                    "const": float(np.exp(y[a].mean())), "const_rms": float(np.sqrt(np.mean(c**2))),
                    "const_bias": float(c.mean()), "ts_rms": float(np.sqrt(np.mean(et**2))),
                    "ts_const_rms": float(np.sqrt(np.mean(ct**2))), "ts_n": int(bt.sum()), "buckets": buckets})
    return out


def print_options(data_dir, history) -> None:
    """The README's VIX option tables: the smile by expiry (former and shipped form, in sample and leaving
    each expiry out) and the VIX-dependent VVIX rule tried for the default ATM."""
    vo = vix_option_sample(data_dir)
    k, f, t = vo["strike"], vo["forward"], vo["tau"]
    cols = [100 * (FORMER_SMILE.option_vol(k, f, t, vo["vvix"]) - vo["vol"]),
            options_out_of_sample(vo, former=True),
            100 * (DEFAULT_VIX_CURVE.option_vol(k, f, t, vo["vvix"]) - vo["vol"]),
            options_out_of_sample(vo)]
    print(f"\nVIX options 2016-06-01 (VVIX {vo['vvix'] * 100:.1f}), Black-76 vol, model minus market, RMS / bias, "
          "vol points\n")
    print("| expiry | days | forward | n | former, in sample | former, expiry left out | this smile, in sample "
          "| this smile, expiry left out |")
    print("|---|---|---|---|---|---|---|---|")

    def cell(e):
        return f"{np.sqrt(np.mean(e**2)):.2f} / {e.mean():+.2f}"

    for ex in np.unique(vo["expiry"]):
        m = vo["expiry"] == ex
        kind = "VX" if vo["on_future"][m][0] else "parity"
        print(f"| {ex} | {round(t[m][0] * 365)} | {f[m][0]:.2f} ({kind}) | {m.sum()} | "
              + " | ".join(cell(e[m]) for e in cols) + " |")
    print(f"| all | | | {k.size} | " + " | ".join(cell(e) for e in cols) + " |")
    print("\nDefault VVIX without a quote: ln VVIX = v0 + v1 ln(VIX/20) against a constant, fitted on one period, "
          "tested on the other (rule minus data in ln VVIX, RMS / bias)\n")
    study = vvix_rule_study(history)
    print("| fit -> test | v0, v1 | rule | constant (mean of fit years) | ln(VIX/VIX3M) rule / its constant "
          "(days with VIX3M) |")
    print("|---|---|---|---|---|")
    for r in study:
        print(f"| {r['fit']} -> {r['test']} | {r['v0']:.3f}, {r['v1']:+.3f} | {r['rule_rms']:.3f} / "
              f"{r['rule_bias']:+.3f} | {r['const_rms']:.3f} / {r['const_bias']:+.3f} (VVIX {r['const']:.1f}) "
              f"| {r['ts_rms']:.3f} / {r['ts_const_rms']:.3f} ({r['ts_n']}) |")
    print("\n| VIX | " + " | ".join(f"{r['test']}: n, median VVIX data / rule" for r in study) + " |")
    print("|---|" + "---|" * len(study))
    rows = {}
    for j, r in enumerate(study):
        for lo, hi, n, d, q in r["buckets"]:
            rows.setdefault((lo, hi), ["-"] * len(study))[j] = f"{n}, {d:.1f} / {q:.1f}"
    for (lo, hi), cells in sorted(rows.items()):
        print(f"| {lo}-{hi} | " + " | ".join(cells) + " |")


#: the former desk curve: ln F = ln theta + (ln VIX - ln theta) e^{-3 tau}, theta 19.7 (for comparison)
FORMER_CURVE = VixCurve(o0=float(np.log(19.7 / 20.0)), o1=-1.0, o2=0.0, o_kappa=3.0)


def _rms(e: np.ndarray) -> str:
    e = e[np.isfinite(e)]
    return f"{np.sqrt(np.mean(e**2)):.2f} / {np.mean(e):+.2f} ({e.size})" if e.size else "-"


TRIED_COLUMNS = ("shipped curve", "+ kappa_ts ln(VIX/VIX3M) in the mean reversion",
                 "+ VVIX level: s1 b_vvix ln(VVIX/88.1)", "+ VVIX convexity: -c_vvix (VVIX^2 - 0.881^2) tau",
                 "+ VVIX level x VIX: s1 (b_vvix + d_vvix ln(VIX/20)) ln(VVIX/88.1)")


def contango_table(s: dict[str, np.ndarray], curves: Sequence[tuple[VixCurve, bool]]
                   ) -> list[tuple[str, list[float]]]:
    """The contango statistics 2013-2018 (first two contracts): (name, [data, then each curve]); each curve
    with VIX9D/VIX3M given (``True``) or VIX alone (``False``)."""
    sel = s["date"] >= np.datetime64("2013-01-01")
    d = {k: v[sel] for k, v in s.items()}
    models = [c.future(d["vix"] / 100, d["tau"], d["vix9d"] / 100, d["vix3m"] / 100) if full
              else c.future(d["vix"] / 100, d["tau"]) for c, full in curves]
    f1, f2 = d["rank"] == 1, d["rank"] == 2
    same = np.intersect1d(d["date"][f1], d["date"][f2])
    a1, a2 = np.isin(d["date"], same) & f1, np.isin(d["date"], same) & f2
    low = d["vix"][a1] < 14
    stats = (("front over spot VIX, mean", lambda x: np.mean(x[f1] / d["vix"][f1] - 1)),
             ("days front above spot", lambda x: np.mean(x[f1] > d["vix"][f1])),
             ("second over front, mean", lambda x: np.mean(x[a2] / x[a1] - 1)),
             ("second over front, VIX < 14", lambda x: np.mean((x[a2] / x[a1] - 1)[low])))
    return [(name, [float(fn(x)) for x in [d["price"], *models]]) for name, fn in stats]


def _error_groups(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every group of VX prices the error tables report, by label: 2010-2018 (all, by VIX bucket, by contract, at
    VIX >= 30 by contract and year), 2010 alone (no VIX9D) and the 2013-2018 settles (all, stressed)."""
    d10, d13 = s["date"] >= np.datetime64("2010-01-01"), s["date"] >= np.datetime64("2013-01-01")
    year = s["date"].astype("datetime64[Y]").astype(int) + 1970
    hi, hi13 = d10 & (s["vix"] >= 30), d13 & (s["vix"] >= 30)
    g = {"all 2010-2018": d10, "2013-2018": d13}
    g |= {f"VIX {lo}-{up}": d10 & (s["vix"] >= lo) & (s["vix"] < up)
          for lo, up in ((0, 15), (15, 20), (0, 20), (20, 30), (30, 100))}
    g |= {f"contract {r}": d10 & (s["rank"] == r) for r in (1, 2, 3)}
    g |= {f"VIX >= 30, contract {r}": hi & (s["rank"] == r) for r in (1, 2, 3)}
    g |= {f"VIX >= 30, {y}": hi & (year == y) for y in np.unique(year[hi])}
    g["2010 (no VIX9D)"] = year == 2010
    g["2013-2018, VIX 20-30"] = d13 & (s["vix"] >= 20) & (s["vix"] < 30)
    g["2013-2018, VIX >= 30"] = hi13
    g |= {f"2013-2018, VIX >= 30, contract {r}": hi13 & (s["rank"] == r) for r in (1, 2, 3)}
    return g


_BUCKETS = ("VIX 0-15", "VIX 15-20", "VIX 20-30", "VIX 30-100")
_CONTRACTS = ("contract 1", "contract 2", "contract 3")
_STRESSED_13 = ("2013-2018, VIX 20-30", "2013-2018, VIX >= 30") + tuple(
    f"2013-2018, VIX >= 30, contract {r}" for r in (1, 2, 3))


def _years_at_30(groups: dict[str, np.ndarray]) -> list[str]:
    return [k for k in groups if k.startswith("VIX >= 30, 20")]


def tried_table(s: dict[str, np.ndarray]) -> list[tuple[str, ...]]:
    """(group, then one cell per :data:`TRIED_COLUMNS`): RMS / bias (n) leaving each year out, points."""
    errs = [futures_out_of_sample(s), futures_out_of_sample(s, ts=True)]
    errs += [futures_out_of_sample(s, vvix=f) for f in ("level", "convexity", "interaction")]
    g = _error_groups(s)
    labels = ["all 2010-2018", "VIX 0-15", "VIX 15-20", "VIX 0-20", "VIX 20-30", "VIX 30-100", *_CONTRACTS,
              *(f"VIX >= 30, contract {r}" for r in (1, 2, 3)), *_years_at_30(g)]
    return [(label, *(_rms(e[g[label]]) for e in errs)) for label in labels]


FORWARD_COLUMNS = ("shipped curve (term-structure form)",
                   "forward-variance form alone, total variance linear between the pillars, no clip",
                   "forward-variance form alone, two-exponential forward variance, VIX9D surprise clipped",
                   "blend 50/50, VIX9D surprise clipped", "blend 50/50, no clip", "blend 50/50, both surprises clipped",
                   "blend, weight chosen inside each fold")


def forward_tried_table(s: dict[str, np.ndarray]) -> tuple[list[tuple[str, ...]], dict[int, float]]:
    """(group, then one cell per :data:`FORWARD_COLUMNS`): RMS / bias (n) leaving each year out, points; and
    the blend weight chosen inside each fold (:func:`blend_out_of_sample_nested`)."""
    nested, weights = blend_out_of_sample_nested(s)
    errs = [futures_out_of_sample(s), futures_out_of_sample(s, form="forward_linear", clip="none"),
            futures_out_of_sample(s, form="forward"), futures_out_of_sample(s, form="blend"),
            futures_out_of_sample(s, form="blend", clip="none"), futures_out_of_sample(s, form="blend", clip="both"),
            nested]
    g = _error_groups(s)
    labels = ["all 2010-2018", "2013-2018", *_BUCKETS, *_CONTRACTS, *_years_at_30(g), "2010 (no VIX9D)",
              *_STRESSED_13]
    return [(label, *(_rms(e[g[label]]) for e in errs)) for label in labels], weights


def print_forward_tried(s: dict[str, np.ndarray]) -> None:
    """The forward-variance form tried (README "Tried for the stressed curve"): year-left-out table, the
    fold weights, the fitted parameters, the in-sample blend on the two stressed days of the lead's note
    and its contango statistics."""
    rows, weights = forward_tried_table(s)
    print("| quotes (year left out) | " + " | ".join(FORWARD_COLUMNS) + " |")
    print("|---|" + "---|" * len(FORWARD_COLUMNS))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\nblend weight chosen inside each fold: " + ", ".join(f"{y} {w:.2f}" for y, w in weights.items()))
    blends = {clip: fit_futures(s, start=VixCurve(fwd_weight=TRIED_FWD_WEIGHT, fwd_clip=clip))
              for clip in ("vix9d", "none", "both")}
    for clip, c in blends.items():
        print(f"fitted on 2009-10..2018, blend, clip {clip}: "
              + ", ".join(f"{n} {getattr(c, n):+.4f}" for n in FWD_PARAMS))
    lin = fit_forward(s, start=VixCurve(fwd_weight=1.0, fwd_clip="none"), linear=True)
    print(f"fitted on 2009-10..2018, forward-variance form alone, linear: fwd_g {lin.fwd_g:+.4f}, "
          f"fwd_kappa {lin.fwd_kappa:+.4f}")
    print("\nIn sample, two stressed days (VX settles), points\n")
    print("| day | VIX / VIX9D / VIX3M | contract: days, settle | 30-day forward vol (linear, no clip / "
          "two-exp., VIX9D clipped) "
          "| shipped curve | blend, VIX9D clipped | blend, no clip | blend, both clipped |")
    print("|---|---|---|---|---|---|---|---|")
    for day in ("2015-08-24", "2018-02-05"):
        m = s["date"] == np.datetime64(day)
        v, v9, v3, tau = s["vix"][m] / 100, s["vix9d"][m] / 100, s["vix3m"][m] / 100, s["tau"][m]
        fl = 100 * lin.forward_vol(v, tau, v9, v3, linear=True)
        fe = 100 * blends["vix9d"].forward_vol(v, tau, v9, v3)
        cells = [DEFAULT_VIX_CURVE.future(v, tau, v9, v3)] + [c.future(v, tau, v9, v3) for c in blends.values()]
        for j in range(int(m.sum())):
            print(f"| {day} | {s['vix'][m][j]:.2f} / {s['vix9d'][m][j]:.2f} / {s['vix3m'][m][j]:.2f} | "
                  f"{s['rank'][m][j]}: {round(tau[j] * 365)}, {s['price'][m][j]:.3f} | {fl[j]:.2f} / {fe[j]:.2f} | "
                  + " | ".join(f"{x[j]:.2f}" for x in cells) + " |")
    print("\nContango 2013-2018 (first two contracts), in sample\n")
    print("| statistic | data | shipped curve | blend, VIX9D clipped |")
    print("|---|---|---|---|")
    for name, row in contango_table(s, [(DEFAULT_VIX_CURVE, True), (blends["vix9d"], True)]):
        print(f"| {name} | " + " | ".join(f"{x:+.1%}" for x in row) + " |")


def print_tried(s: dict[str, np.ndarray]) -> None:
    print("| quotes (year left out) | " + " | ".join(TRIED_COLUMNS) + " |")
    print("|---|" + "---|" * len(TRIED_COLUMNS))
    for row in tried_table(s):
        print("| " + " | ".join(row) + " |")
    for f in ("level", "convexity", "interaction"):
        c = fit_futures(s, vvix=f)
        print(f"\nfitted on 2009-10..2018, VVIX {f}: "
              + ", ".join(f"{n} {getattr(c, n):+.4f}" for n in FUTURE_PARAMS + VVIX_FORMS[f]))


def main(argv: list[str] | None = None) -> int:
    """``python -m alvh_core.market.vix_curve [DATA_DIR] [--tried | --forward | --options]``: the README's
    tables (futures errors by VIX level and tenor, in sample and leaving each year out; the stressed
    2013-2018 rows; contango statistics; VIX option smile and the VVIX rule tried); ``--tried``: the
    stressed-curve variants tried (``kappa_ts``, three VVIX terms, the forward-variance form), leaving each
    year out (about 2 minutes); ``--forward``: the forward-variance form's tables alone; ``--options``: the
    VIX option tables alone."""
    import sys

    from alvh_core.history.data import load_daily
    from alvh_core.settings import Settings

    args = sys.argv[1:] if argv is None else argv
    flags = [a for a in args if a.startswith("--")]
    args = [a for a in args if not a.startswith("--")]
    data = args[0] if args else (Settings().alvh_data or "../shared/data")
    h = load_daily(data)
    s = vx_sample(h)
    if "--tried" in flags:
        print_tried(s)
        print("\nForward-variance form (year left out)\n")
        print_forward_tried(s)
        return 0
    if "--forward" in flags:
        print_forward_tried(s)
        return 0
    if "--options" in flags:
        print_options(data, h)
        return 0
    oos = futures_out_of_sample(s)
    oos_v = futures_out_of_sample(s, vix_only=True)
    fitted = DEFAULT_VIX_CURVE.future(s["vix"] / 100, s["tau"], s["vix9d"] / 100, s["vix3m"] / 100) - s["price"]
    former = FORMER_CURVE.future(s["vix"] / 100, s["tau"]) - s["price"]
    vix_only = DEFAULT_VIX_CURVE.future(s["vix"] / 100, s["tau"]) - s["price"]
    print("VX futures, first three contracts, model minus data: RMS / bias (n), points\n")
    print("| quotes | former curve | this curve, in sample | this curve, year left out | VIX-only law, in sample "
          "| VIX-only law, year left out |")
    print("|---|---|---|---|---|---|")
    groups = _error_groups(s)
    for label in ("all 2010-2018", "2013-2018", *_BUCKETS, *_CONTRACTS):
        g = groups[label]
        print(f"| {label} | {_rms(former[g])} | {_rms(fitted[g])} | {_rms(oos[g])} | {_rms(vix_only[g])} "
              f"| {_rms(oos_v[g])} |")
    print(f"\nStressed 2013-2018 (VX settles, not the last-trade closes before 2013; VIX >= 30 on "
          f"{np.unique(s['date'][groups['2013-2018, VIX >= 30']]).size} days), RMS / bias (n), points\n")
    print("| quotes | former curve | this curve, in sample | this curve, year left out |")
    print("|---|---|---|---|")
    for key in _STRESSED_13:
        g = groups[key]
        print(f"| {key.removeprefix('2013-2018, ')} | {_rms(former[g])} | {_rms(fitted[g])} | {_rms(oos[g])} |")
    s04 = vx_sample(h, first="2004-01-01")
    pre = s04["date"] < np.datetime64("2009-10-01")
    crisis = pre & (s04["date"] >= np.datetime64("2008-09-01")) & (s04["date"] < np.datetime64("2009-06-01"))
    e04 = DEFAULT_VIX_CURVE.future(s04["vix"] / 100, s04["tau"]) - s04["price"]
    f04 = FORMER_CURVE.future(s04["vix"] / 100, s04["tau"]) - s04["price"]
    print("\nNever fitted (VX closes 2004-03..2009-09, before VIX3M; VIX-only law, fitted on 2009-10..2018):\n")
    print("| quotes | former curve | VIX-only law |")
    print("|---|---|---|")
    print(f"| 2004-03..2009-09 | {_rms(f04[pre])} | {_rms(e04[pre])} |")
    print(f"| 2008-09..2009-05 crisis | {_rms(f04[crisis])} | {_rms(e04[crisis])} |")
    print("\nContango 2013-2018 (first two contracts)\n")
    print("| statistic | data | this curve | former curve |")
    print("|---|---|---|---|")
    for name, row in contango_table(s, [(DEFAULT_VIX_CURVE, True), (FORMER_CURVE, False)]):
        print(f"| {name} | " + " | ".join(f"{x:+.1%}" for x in row) + " |")
    print_options(data, h)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
