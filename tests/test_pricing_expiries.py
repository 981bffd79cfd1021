"""Expiry rules against real VX settlement dates and known calendar cases."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from alvh_core.pricing.expiries import (
    next_spx_monthly_expiry,
    next_vx_expiry,
    spx_monthly_expiry,
    third_friday,
    vx_contract_month,
    vx_expiry,
)

D = dt.date


@pytest.mark.parametrize("y,m,expected", [
    (2018, 2, D(2018, 2, 14)), (2018, 3, D(2018, 3, 21)),
    (2014, 3, D(2014, 3, 18)),  # Good Friday 2014-04-18 -> Tuesday
    (2008, 2, D(2008, 2, 19)),  # Good Friday 2008-03-21 -> Tuesday
    (2019, 3, D(2019, 3, 19)),  # Good Friday 2019-04-19 -> Tuesday
    (2018, 12, D(2018, 12, 19)), (2020, 11, D(2020, 11, 18)),
])
def test_known_vx_expiries(y, m, expected):
    assert vx_expiry(y, m) == expected
    assert vx_contract_month(expected) == (y, m)


def test_third_friday_and_spx_monthly():
    assert third_friday(2024, 1) == D(2024, 1, 19)
    assert third_friday(2021, 10) == D(2021, 10, 15)
    assert third_friday(2026, 5) == D(2026, 5, 15)
    assert spx_monthly_expiry(2014, 4) == D(2014, 4, 17)  # Good Friday
    assert spx_monthly_expiry(2026, 6) == D(2026, 6, 18)  # Juneteenth falls on the third Friday
    assert spx_monthly_expiry(2024, 3) == D(2024, 3, 15)
    assert next_spx_monthly_expiry(D(2024, 3, 15)) == D(2024, 4, 19)
    assert next_spx_monthly_expiry(D(2024, 3, 14)) == D(2024, 3, 15)


def test_next_vx_expiry():
    assert next_vx_expiry(D(2018, 2, 13)) == D(2018, 2, 14)
    assert next_vx_expiry(D(2018, 2, 14)) == D(2018, 3, 21)
    assert next_vx_expiry(D(2018, 12, 20)) == D(2019, 1, 16)
    assert next_vx_expiry(D(1985, 1, 1)) == D(1985, 1, 16)  # before calendar coverage: plain rule


def test_plain_rule_outside_calendar_still_moves_good_friday():
    # 1987: Good Friday was 1987-04-17, the third Friday of April -> Thursday 04-16 - 30 days = Tuesday
    assert vx_expiry(1987, 3) == D(1987, 3, 17)
    assert vx_expiry(1987, 4) == D(1987, 4, 15)


def test_vx_expiries_match_cfe_settlement_dates(shared_data):
    """Every VX contract's final settlement date in the history file matches the rule."""
    expiries: dict[str, set[str]] = {}
    with open(shared_data / "vx_futures_daily.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            expiries.setdefault(row["contract"], set()).add(row["expiry"])
    assert len(expiries) > 150
    for contract, dates in expiries.items():
        y, m = map(int, contract.split("-"))
        assert dates == {vx_expiry(y, m).isoformat()}, contract
