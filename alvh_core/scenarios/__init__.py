"""Joint SPX/VIX scenario model (Heston-Nandi GARCH with a variance-dependent pricing kernel),
its consistent option pricer along paths, and calibration.

Public API: ``ModelParams``, ``load_default_params``, ``load_params``, ``simulate``,
``SimulatedPaths``, ``bootstrap_paths``, ``steps_to``; ``calibrate`` lives in
``alvh_core.scenarios.calibration``. The path/pricing contract is ``alvh_core.scenarios.base.MarketPaths``.
"""
from alvh_core.scenarios.params import ModelParams, load_default_params, load_params
from alvh_core.scenarios.simulation import SimulatedPaths, bootstrap_paths, simulate, steps_to

__all__ = [
    "ModelParams",
    "SimulatedPaths",
    "bootstrap_paths",
    "load_default_params",
    "load_params",
    "simulate",
    "steps_to",
]
