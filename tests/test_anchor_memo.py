"""The anchored model memo of ``compare`` (issue 16): the same (law, market, targets) reuses the fit, and the
answer is the one a fresh fit gives; another market or law fits anew."""
from __future__ import annotations

import datetime as dt

import pytest

import alvh_core.edge as edge
import alvh_core.scenarios.model as model_mod
from alvh_core.models import IronCondor, MarketState
from alvh_core.scenarios import load_default_params
from alvh_core.scenarios.model import HNGarchModel

ASOF = dt.date(2026, 3, 2)
MARKET = MarketState(spot=5000.0, vix=22.0, asof=ASOF)
CONDOR = IronCondor(expiry=dt.date(2026, 3, 20), long_put=4750, short_put=4850, short_call=5200, long_call=5300,
                    quantity=10, credit=20.0)


@pytest.fixture()
def fits(monkeypatch):
    calls = []
    real = model_mod.anchor

    def counting(*a, **k):
        calls.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(model_mod, "anchor", counting)
    monkeypatch.setattr(edge, "_anchor_memo", {})
    return calls


def test_same_market_reuses_the_fit_and_answers_as_a_fresh_fit(fits, monkeypatch):
    model = HNGarchModel(event_bump=None)
    a = edge.compare(CONDOR, MARKET, n_paths=400, seed=3, model=model)
    b = edge.compare(CONDOR, MARKET, n_paths=400, seed=3, model=HNGarchModel(event_bump=None))
    assert len(fits) == 1  # the second compare did not fit again
    monkeypatch.setattr(edge, "_anchor_memo", {})
    fresh = edge.compare(CONDOR, MARKET, n_paths=400, seed=3, model=HNGarchModel(event_bump=None))
    assert len(fits) == 2
    for r in (b, fresh):
        assert r.vs_leg_out["alvh"].diff == a.vs_leg_out["alvh"].diff
        assert r.strategies["hold"].ev == a.strategies["hold"].ev
        assert r.today.calibration == a.today.calibration


def test_another_market_law_or_bump_fits_anew(fits, monkeypatch):
    edge.compare(CONDOR, MARKET, n_paths=200, seed=3, model=HNGarchModel(event_bump=None))
    edge.compare(CONDOR, MARKET.model_copy(update={"spot": 5010.0}), n_paths=200, seed=3,
                 model=HNGarchModel(event_bump=None))
    assert len(fits) == 2
    params = load_default_params(jumps=True)
    other = params.model_copy(update={"variance_ratio": min(params.variance_ratio * 1.05, 5.0)})
    edge.compare(CONDOR, MARKET, n_paths=200, seed=3, model=HNGarchModel(other, event_bump=None))
    assert len(fits) == 3
    edge.compare(CONDOR, MARKET, n_paths=200, seed=3, model=HNGarchModel(event_bump=1.5))
    assert len(fits) == 4
    monkeypatch.setattr(edge, "ANCHOR_MEMO_SIZE", 2)
    edge.compare(CONDOR, MARKET.model_copy(update={"vix": 23.0}), n_paths=200, seed=3,
                 model=HNGarchModel(event_bump=None))
    assert len(fits) == 5 and len(edge._anchor_memo) == 2  # the two most recent kept
    edge.compare(CONDOR, MARKET, n_paths=200, seed=3, model=HNGarchModel(event_bump=None))  # evicted: fits again
    assert len(fits) == 6


def test_the_memo_key_is_the_models_own_calibration_key():
    """compare asks the model (``ScenarioModel.calibration_key``), not its type: an anchored copy, a custom event
    calendar and the bootstrap give None (never reused); the key changes with the law and the market."""
    from alvh_core.scenarios.model import BootstrapModel

    m = HNGarchModel(event_bump=None)
    assert m.calibration_key(MARKET, []) == HNGarchModel(event_bump=None).calibration_key(MARKET, [])
    assert m.calibration_key(MARKET, []) != m.calibration_key(MARKET.model_copy(update={"vix": 23.0}), [])
    assert m.calibration_key(MARKET, []) != HNGarchModel(event_bump=1.5).calibration_key(MARKET, [])
    assert HNGarchModel(event_bump=None, event_calendar=object()).calibration_key(MARKET, []) is None
    assert BootstrapModel(history=None).calibration_key(MARKET, []) is None
