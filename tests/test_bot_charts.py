"""The position chart: its curves agree with alvh_core's analysis, and it is a PNG."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alvh_core.analysis import analyze
from alvh_core.models import IronCondor, MarketState
from bot.charts import expiry_pnl, pnl_chart, today_pnl

CONDOR = IronCondor(expiry=dt.date(2027, 1, 8), long_put=5600, short_put=5650, short_call=6150,
                    long_call=6200, quantity=10, credit=17.0)


@pytest.mark.parametrize("spot,vix", [(5700.0, 22.0), (5900.0, 15.0), (6180.0, 30.0)])
def test_today_curve_at_spot_is_the_analysis_pnl(spot: float, vix: float) -> None:
    m = MarketState(spot=spot, vix=vix, asof=dt.date(2026, 11, 24))
    got = today_pnl(CONDOR, m, np.array([spot]))[0]
    assert got == pytest.approx(analyze(CONDOR, m).pnl_now, abs=1e-6)


def test_expiry_curve_and_expired_position() -> None:
    got = expiry_pnl(CONDOR, np.array([5000.0, 5633.0, 5900.0, 6167.0, 7000.0]))
    assert got.tolist() == pytest.approx([-33000.0, 0.0, 17000.0, 0.0, -33000.0])
    expired = MarketState(spot=5900, vix=18, asof=dt.date(2027, 1, 9))
    assert today_pnl(CONDOR, expired, np.array([5900.0])) is None
    png = pnl_chart(CONDOR, expired)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_with_a_sized_hedge_is_a_png() -> None:
    from alvh_core.hedge import size_hedge

    m = MarketState(spot=5700, vix=22, asof=dt.date(2026, 11, 24))
    png = pnl_chart(CONDOR, m, plan=size_hedge(CONDOR, m), title="t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
