"""Shared fixtures.

`shared_data` points at the daily SPX/VIX history beside the repo (../shared/data) or at
$ALVH_DATA; tests that need it skip with a reason when it is absent (a fresh clone alone).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    env = os.environ.get("ALVH_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "spx_daily.csv").is_file() and (c / "vix_daily.csv").is_file():
            return c
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("daily SPX/VIX history not found (../shared/data or $ALVH_DATA); CI provides it")
    return d


@pytest.fixture(scope="session")
def shared_options() -> Path:
    """../shared/data/options (real SPX/VIX option quotes); skips when absent."""
    d = shared_data_dir()
    if d is None or not (d / "options" / "spx_2018-01_2018-02.csv").is_file():
        pytest.skip("option quotes not found (../shared/data/options or $ALVH_DATA/options)")
    return d / "options"
