"""Parameters of the joint SPX/VIX scenario model and their real-world -> risk-neutral map.

Real-world (P) law, daily (see :mod:`alvh_core.scenarios.hn_garch`):

    R = mu + lam * h + sqrt(h) z,   h' = omega + beta h + alpha (z - gamma sqrt(h))^2

Risk premia (Christoffersen, Heston & Jacobs 2013, variance-dependent pricing kernel). The kernel has
an equity premium (``lam``) and a variance premium ``variance_ratio = k = 1 / (1 - 2 alpha xi) >= 1``.
Under the pricing measure Q the model is again Heston-Nandi with

    h* = k h,  omega* = k omega,  alpha* = k^2 alpha,  beta* = beta,
    gamma* = (lam + gamma) / k + 1/2,  lam* = -1/2.

Crash jumps (optional, off when both rates are 0): a Poisson number of N(jump_mean, jump_std^2) log
jumps per day with intensity jump_rate + jump_rate_h * h (see :mod:`alvh_core.scenarios.hn_garch`).
Under Q the intensity is ``jump_rate_ratio`` times the real-world one (the crash premium; the same
jump sizes), and the variance loading is k * jump_var (the state is h* = k h). The real-world drift is
compensated with the RISK-NEUTRAL jump law, so the crash premium is a higher real-world mean return.

So options are priced by a model whose variance is k times the real-world variance, with a stronger
leverage: implied vol above realised vol (the variance risk premium), VIX futures and VIX calls rich on
average. With the premia switched off (``premia=False`` in ``simulate``) the paths are drawn from the
Q law itself: real-world law == pricing law, and the engine can manufacture no edge.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alvh_core.scenarios.hn_garch import GarchParams, check_stationary

DEFAULT_PARAMS_FILE = "model_params.json"
#: the crash-jump fit (``alvh calibrate --jumps``), not the default yet: see ``load_default_params``
JUMP_PARAMS_FILE = "model_params_jumps.json"


class ModelParams(BaseModel):
    """Heston-Nandi GARCH parameters (daily, real-world) plus the risk premia. Frozen.

    Units: ``omega``/``alpha`` are daily variances (decimal^2 per trading day); ``gamma`` and
    ``lam`` per unit of daily vol; ``variance_ratio`` is the ratio h*/h of risk-neutral to
    real-world daily variance (1.0 = no variance premium).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    omega: float = Field(ge=0.0, description="variance intercept, daily decimal^2")
    alpha: float = Field(gt=0.0, description="ARCH scale, daily decimal^2")
    beta: float = Field(ge=0.0, lt=1.0, description="variance persistence on h")
    gamma: float = Field(description="leverage asymmetry (positive: variance rises when SPX falls)")
    lam: float = Field(description="equity risk premium per unit of daily variance (real world)")
    variance_ratio: float = Field(ge=1.0, le=5.0, description="k = h*/h, the variance risk premium")
    jump_rate: float = Field(default=0.0, ge=0.0, le=0.2, description="real-world crash intensity, per day")
    jump_rate_h: float = Field(default=0.0, ge=0.0, le=5000.0,
                               description="real-world crash intensity per unit of daily variance h")
    jump_mean: float = Field(default=0.0, ge=-0.5, le=0.5, description="mean log jump mJ (decimal)")
    jump_std: float = Field(default=0.0, ge=0.0, le=0.5, description="std of the log jump sJ (decimal)")
    jump_var: float = Field(default=0.0, ge=0.0, le=10.0, description="delta: loading of sum J^2 on next day's h")
    jump_rate_ratio: float = Field(default=1.0, ge=1.0, le=10.0,
                                   description="Q/P jump intensity, the crash risk premium")
    provenance: str = Field(default="", description="how and on what span the numbers were fitted")

    @model_validator(mode="after")
    def _check(self) -> ModelParams:
        check_stationary(self.real_world(), "real-world parameters")
        check_stationary(self.risk_neutral(), "risk-neutral parameters")
        return self

    @property
    def has_jumps(self) -> bool:
        return self.jump_rate > 0.0 or self.jump_rate_h > 0.0

    def real_world(self) -> GarchParams:
        """The P law (what the paths follow when premia are on)."""
        if not self.has_jumps:
            return GarchParams(self.omega, self.alpha, self.beta, self.gamma, self.lam)
        q = self.risk_neutral()
        c0, c1 = q.compensator()  # c(h*) with h* = k h: in P units c1 * k
        return GarchParams(self.omega, self.alpha, self.beta, self.gamma, self.lam,
                           jump_rate=self.jump_rate, jump_rate_h=self.jump_rate_h, jump_mean=self.jump_mean,
                           jump_std=self.jump_std, jump_var=self.jump_var,
                           comp0=c0, comp1=c1 * self.variance_ratio)

    def risk_neutral(self) -> GarchParams:
        """The Q law (what options, VIX and VIX derivatives are priced with)."""
        k = self.variance_ratio
        if not self.has_jumps:
            return GarchParams(
                omega=k * self.omega,
                alpha=k * k * self.alpha,
                beta=self.beta,
                gamma=(self.lam + self.gamma) / k + 0.5,
                lam=-0.5,
            )
        ratio = self.jump_rate_ratio
        return GarchParams(
            omega=k * self.omega,
            alpha=k * k * self.alpha,
            beta=self.beta,
            gamma=(self.lam + self.gamma) / k + 0.5,
            lam=-0.5,
            jump_rate=ratio * self.jump_rate,
            jump_rate_h=ratio * self.jump_rate_h / k,  # l1 h = l1 h*/k
            jump_mean=self.jump_mean,
            jump_std=self.jump_std,
            jump_var=k * self.jump_var,
        )

    def key(self) -> tuple[float, ...]:
        """Hashable identity of the numbers (caches of pricing tables are keyed on it)."""
        return (self.omega, self.alpha, self.beta, self.gamma, self.lam, self.variance_ratio,
                self.jump_rate, self.jump_rate_h, self.jump_mean, self.jump_std, self.jump_var, self.jump_rate_ratio)

    def describe(self) -> str:
        q = self.risk_neutral()
        p = self.real_world()
        return (
            f"Heston-Nandi GARCH(1,1) daily: omega={self.omega:.3e} alpha={self.alpha:.3e} beta={self.beta:.4f} "
            f"gamma={self.gamma:.1f} lam={self.lam:.2f}; variance ratio Q/P={self.variance_ratio:.3f}; "
            f"persistence P={p.persistence:.4f} Q={q.persistence:.4f}"
            + (f"; crash jumps: {self.jump_rate:.4g} + {self.jump_rate_h:.4g} h per day "
               f"(Q x{self.jump_rate_ratio:.3g}), "
               f"J~N({self.jump_mean:.3f}, {self.jump_std:.3f}^2), variance loading {self.jump_var:.3g}"
               if self.has_jumps else "")
            + (f"; {self.provenance}" if self.provenance else "")
        )


class PremiumRow(BaseModel):
    """One risk premium: the real-world law is the pricing law plus it. ``value`` is what the model uses,
    ``data`` the 1990-2018 (or span) estimate it is compared with; None when not estimable."""

    model_config = ConfigDict(frozen=True)
    name: str
    value: float | None
    data: float | None
    unit: str
    note: str = ""

    def line(self) -> str:
        v = "n/a" if self.value is None else f"{self.value:.3g}"
        d = "n/a" if self.data is None else f"{self.data:.3g}"
        return f"{self.name}: {v} {self.unit} (data {d}){'; ' + self.note if self.note else ''}"


def load_premia(jumps: bool = True) -> list[PremiumRow]:
    """The premia estimated with the shipped parameters (``"premia"`` of the parameter file; [] if absent)."""
    name = JUMP_PARAMS_FILE if jumps else DEFAULT_PARAMS_FILE
    data = json.loads(resources.files("alvh_core").joinpath("data", name).read_text())
    return [PremiumRow.model_validate(x) for x in data.get("premia", [])]


def premia_lines(params: ModelParams, premia: bool) -> list[str]:
    """What every answer prints about the premia between the pricing law and the real-world law."""
    if not premia:
        return ["premia OFF: variance, crash, equity, VX roll and VIX option premia all zero; the real-world "
                "law IS the pricing law"]
    rows = load_premia(jumps=params.has_jumps)
    if not rows:
        return [f"premia: variance ratio {params.variance_ratio:.3g}, equity lam {params.lam:.3g}, crash Q/P "
                f"{params.jump_rate_ratio:.3g}"]
    return ["premia (real-world law = pricing law + these, estimated 1990-2018): "
            + "; ".join(r.line() for r in rows)]


def load_params(path: str | Path) -> ModelParams:
    """Read a parameter file written by ``alvh calibrate`` (JSON of :class:`ModelParams`)."""
    text = Path(path).read_text()
    data = json.loads(text)
    data = data.get("params", data)
    return ModelParams.model_validate(data)


def load_default_params(jumps: bool = False) -> ModelParams:
    """The shipped parameters, ``alvh_core/data/model_params.json`` (fitted by ``alvh calibrate``).

    ``jumps=True``: the crash-jump fit ``model_params_jumps.json`` (``alvh calibrate --jumps``): fatter
    tails, VIX spikes and a put-skewed smile, priced exactly; what ``alvh compare`` uses by default (the
    scenario model ``HNGarchModel``); ``jumps=False`` here for callers that want the plain fit."""
    name = JUMP_PARAMS_FILE if jumps else DEFAULT_PARAMS_FILE
    text = resources.files("alvh_core").joinpath("data", name).read_text()
    data = json.loads(text)
    return ModelParams.model_validate(data.get("params", data))
