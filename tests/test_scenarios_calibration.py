"""Calibration: parameter recovery on simulated data, and the fit to the shared SPX/VIX history."""
from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from alvh_core.cli import main
from alvh_core.models import MarketState
from alvh_core.scenarios import bootstrap_paths, load_default_params
from alvh_core.scenarios.calibration import _neg_loglik, calibrate, fit_qmle, joint_stats, simulate_stationary
from alvh_core.scenarios.hn_garch import GarchParams, simulate_returns


def test_qmle_recovers_known_parameters():
    true = GarchParams(omega=1e-7, alpha=3e-6, beta=0.80, gamma=250.0, lam=2.0)
    z = np.random.default_rng(4).standard_normal((6000, 1))
    r, _ = simulate_returns(true, np.array([true.long_run_variance]), 0.0, z)
    fit, ll = fit_qmle(r[0])
    assert fit.persistence == pytest.approx(true.persistence, abs=0.02)
    assert math.sqrt(fit.long_run_variance) == pytest.approx(math.sqrt(true.long_run_variance), rel=0.15)
    assert fit.gamma == pytest.approx(true.gamma, rel=0.4)  # gamma is loosely identified in 6000 days
    # the optimiser found at least the likelihood of the true parameters
    theta_true = np.array([math.log(true.omega), math.log(true.alpha), math.log(true.beta / (1 - true.beta)),
                           true.gamma, true.lam])
    ll_true = -_neg_loglik(theta_true, r[0].tolist(), None, float(np.var(r[0])), 0.0) - 0.5 * r.size * math.log(2 * math.pi)
    assert ll >= ll_true - 1e-6


def test_joint_stats_on_a_known_series():
    r = np.array([0.01, -0.02, 0.01, -0.01] * 30)
    vix = 20 * np.exp(np.concatenate([[0.0], np.cumsum(-4 * r)]))
    s = joint_stats(r, vix)
    assert s["corr(r, dlnVIX)"] == pytest.approx(-1.0)
    assert s["beta dlnVIX on r"] == pytest.approx(-4.0)
    assert s["freq SPX day < -3% (per 1000 days)"] == 0.0


def test_shipped_parameters_say_where_they_come_from():
    p = load_default_params()
    assert "1990" in p.provenance and "2018" in p.provenance


@pytest.fixture(scope="module")
def report(shared_data):
    return calibrate(shared_data, n_paths=100)


def test_calibration_reproduces_the_key_statistics(report):
    shipped = load_default_params()
    fitted = report.params
    assert fitted.real_world().persistence == pytest.approx(shipped.real_world().persistence, abs=0.003)
    assert fitted.variance_ratio == pytest.approx(shipped.variance_ratio, rel=0.02)
    st = {s.name: s for s in report.stats}
    assert st["mean VIX"].data == pytest.approx(19.26, abs=0.05)
    assert st["mean VIX"].model == pytest.approx(st["mean VIX"].data, abs=1.0)
    assert st["mean realised vol next 21d (points)"].model == pytest.approx(15.09, abs=1.0)
    assert 25 < st["VIX AR(1) half-life, trading days"].model < 50
    assert -5.0 < st["beta dlnVIX on r"].model < -3.0
    assert st["beta dlnVIX on r, down days"].model < st["beta dlnVIX on r, up days"].model < 0
    assert st["corr(r, dlnVIX)"].model < -0.6
    # known limit (no jumps, one variance factor): the model's tails are THINNER than the data's
    assert 0 < st["freq SPX day < -3% (per 1000 days)"].model < st["freq SPX day < -3% (per 1000 days)"].data
    assert st["freq VIX > 30 (share of days)"].model < st["freq VIX > 30 (share of days)"].data


@pytest.fixture(scope="module")
def jump_report(shared_data):
    from alvh_core.scenarios.calibration import DEFAULT_JUMPS

    return calibrate(shared_data, n_paths=200, jumps=DEFAULT_JUMPS)  # the README's run (seed 11)


def test_jump_overlay_fit_is_the_shipped_jump_file_and_fattens_the_tails(jump_report, report):
    jr = jump_report
    shipped = load_default_params(jumps=True)
    assert jr.params.has_jumps
    assert jr.params.real_world().persistence == pytest.approx(shipped.real_world().persistence, abs=0.003)
    assert jr.params.variance_ratio == pytest.approx(shipped.variance_ratio, rel=0.02)
    plain = {s.name: s for s in report.stats}
    st = {s.name: s for s in jr.stats}
    for name in ("freq SPX day < -3% (per 1000 days)", "freq SPX day < -5% (per 1000 days)",
                 "freq VIX > 30 (share of days)", "freq VIX > 40 (share of days)"):
        assert plain[name].model < st[name].model, name  # the crash overlay fattens every tail
    assert st["mean VIX"].model == pytest.approx(st["mean VIX"].data, abs=0.5)
    assert abs(st["corr(r, dlnVIX)"].model - st["corr(r, dlnVIX)"].data) < abs(
        plain["corr(r, dlnVIX)"].model - plain["corr(r, dlnVIX)"].data)
    d, m = jr.data, jr.model
    assert d["beta_down"] < d["beta_up"] < 0  # in the data VIX rises more on down days
    assert m["beta_down"] < m["beta_up"] < 0  # so does the shipped law (the first fit, leverage x2.1, had it reversed)


#: issue 11's tail table against 1990-2018 (key, kind, tolerance): rel = |model / data - 1|, ratio = the larger of
#: model/data and data/model, abs = |model - data|
TARGETS = {"spx_lt_3pct_per_1000": ("rel", 0.25), "spx_lt_5pct_per_1000": ("rel", 0.25), "vix_gt_30": ("rel", 0.25),
           "vix_gt_40": ("rel", 0.25), "max_vix_rise": ("ratio", 1.5), "half_life_days": ("rel", 0.20),
           "beta_up": ("rel", 0.20), "beta_down": ("rel", 0.20), "drift21_vix_gt_40": ("abs", 1.5)}
#: the shipped law meets all 9 (200 paths, seed 11): SPX < -3% 8.74 vs 10.96 (-20%), < -5% 2.32 vs 2.19, VIX > 30
#: 8.6% vs 8.0%, > 40 1.83% vs 2.30% (-21%), largest VIX rise +163% vs +116% (1.41x), half-life 36.5 vs 35.6, betas
#: -3.45 / -4.27 vs -2.90 / -4.16 (+19% / +3%), drift21 +2.1 vs +1.5. At seeds 12 / 13: 9 / 8 of 9 (the VIX rise
#: 1.51x at seed 13): several targets sit near their tolerance, see the README
SHIPPED_MEETS = tuple(TARGETS)
#: what the search's best overlay without constant-rate crashes meets (not shipped: see calibration.TAIL_CANDIDATE)
CANDIDATE_MEETS = tuple(k for k in TARGETS if k != "spx_lt_3pct_per_1000")


def _within(key: str, d: float, m: float) -> bool:
    kind, tol = TARGETS[key]
    if kind == "rel":
        return abs(m / d - 1) <= tol
    if kind == "ratio":
        return max(m / d, d / m) <= tol
    return abs(m - d) <= tol


def test_data_side_of_the_tail_table_is_the_issues(jump_report):
    d = jump_report.data
    assert d["spx_lt_3pct_per_1000"] == pytest.approx(10.96, abs=0.01)
    assert d["spx_lt_5pct_per_1000"] == pytest.approx(2.19, abs=0.01)
    assert d["vix_gt_30"] == pytest.approx(0.080, abs=0.001) and d["vix_gt_40"] == pytest.approx(0.023, abs=0.001)
    assert d["max_vix_rise"] == pytest.approx(1.156, abs=0.01)  # Feb 2018
    assert d["drift21_vix_gt_40"] == pytest.approx(1.52, abs=0.01)


@pytest.mark.parametrize("key", SHIPPED_MEETS)
def test_shipped_crash_law_meets_the_tail_target(jump_report, key):
    d, m = jump_report.data[key], jump_report.model[key]
    assert _within(key, d, m), (key, d, m)


def test_first_fit_crash_law_missed_four_targets(shared_data):
    """The law shipped before (leverage x2.1, 40 h crashes of -5%) met 5 of 9: the README's comparison."""
    from alvh_core.scenarios.calibration import FIRST_FIT_JUMPS

    r = calibrate(shared_data, n_paths=200, jumps=FIRST_FIT_JUMPS)
    missed = {k for k in TARGETS if not _within(k, r.data[k], r.model[k])}
    assert missed == {"spx_lt_3pct_per_1000", "vix_gt_30", "max_vix_rise", "beta_up"}, missed


@pytest.fixture(scope="module")
def candidate_report(shared_data):
    from alvh_core.scenarios.calibration import TAIL_CANDIDATE

    return calibrate(shared_data, n_paths=200, jumps=TAIL_CANDIDATE)


@pytest.mark.parametrize("key", CANDIDATE_MEETS)
def test_tail_candidate_meets_eight_of_nine(candidate_report, key):
    d, m = candidate_report.data[key], candidate_report.model[key]
    assert _within(key, d, m), (key, d, m)


def test_cli_calibrate_writes_a_loadable_file(shared_data, tmp_path, capsys):
    out = tmp_path / "p.json"
    code = main(["calibrate", "--data", str(shared_data), "--start", "2012-01-01", "--end", "2018-12-31",
                 "--paths", "20", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "half-life" in captured.out
    from alvh_core.scenarios.params import load_params

    p = load_params(out)
    assert "2012" in p.provenance
    assert json.loads(out.read_text())["span"].startswith("2012")


def test_cli_calibrate_bad_input_is_one_line(tmp_path, capsys):
    (tmp_path / "spx_daily.csv").write_text("date,close\n2020-01-02,abc\n")
    (tmp_path / "vix_daily.csv").write_text("date,close\n2020-01-02,12\n")
    assert main(["calibrate", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "spx_daily.csv" in err
    assert main(["calibrate", "--data", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_bootstrap_paths_start_at_today_and_resample_history(shared_data):
    from alvh_core.history.data import load_daily

    hist = load_daily(shared_data).slice("1990-01-01", "2018-12-31")
    m = MarketState(spot=5000.0, vix=20.0, asof=dt.date(2025, 3, 3))
    p = bootstrap_paths(hist, m, 30, 1000, seed=2)
    assert p.spot.shape == (1000, 31)
    assert np.all(p.spot[:, 0] == 5000.0) and np.allclose(100 * p.vix[:, 0], 20.0)
    r = np.diff(np.log(p.spot), axis=1)
    data_r = np.diff(np.log(hist.spx))
    assert np.std(r) == pytest.approx(np.std(data_r), rel=0.2)
    put, delta = p.spx_option("P", 4800.0, 30 / 252)
    assert np.all(put >= 0) and np.all(delta <= 1e-6)
    q = bootstrap_paths(hist, m, 30, 1000, seed=2)
    np.testing.assert_array_equal(p.spot, q.spot)


def test_stationary_simulation_is_reproducible():
    p = load_default_params()
    a = simulate_stationary(p, 4, 50, seed=1, burn=10)
    b = simulate_stationary(p, 4, 50, seed=1, burn=10)
    np.testing.assert_array_equal(a[1], b[1])


def test_tail_stats_on_a_known_series():
    from alvh_core.scenarios.calibration import TAIL_KEYS, tail_stats

    r = np.array([0.01, -0.04, 0.01, -0.06, 0.02] * 30)
    vix = 20 * np.exp(np.concatenate([[0.0], np.cumsum(-4 * r)]))
    front = vix * 1.1
    s = tail_stats(r, vix, front, front * 1.05)
    assert tuple(s) == TAIL_KEYS
    # one day in five below -5% (and -3%), two in five below -3%: 400 and 200 per 1000
    assert s["spx_lt_3pct_per_1000"] == pytest.approx(400.0)
    assert s["spx_lt_5pct_per_1000"] == pytest.approx(200.0)
    assert s["max_vix_rise"] == pytest.approx(math.exp(0.24) - 1)
    assert s["vx_front_over_spot"] == 1.0 and s["vx_m2_over_m1"] == pytest.approx(1.05)
    assert s["drift21_vix_gt_40"] is None or s["drift21_vix_gt_40"] < 0  # VIX only exceeds 40 while SPX falls


def test_cli_calibrate_json_has_data_and_model_with_the_contract_keys(shared_data, capsys):
    from alvh_core.scenarios.calibration import TAIL_KEYS

    code = main(["calibrate", "--data", str(shared_data), "--start", "2012-01-01", "--paths", "10", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(d["data"]) == set(d["model"]) == set(TAIL_KEYS)
    assert 0.5 < d["data"]["vx_front_over_spot"] < 0.95 and 1.0 < d["data"]["vx_m2_over_m1"] < 1.12


def test_calibrate_fits_the_whole_span_it_is_given(tmp_path, capsys):
    """Synthetic 2019-2021 closes (past the shipped data's end): no --end means the last day given."""
    rng = np.random.default_rng(3)
    days = np.busday_offset("2019-01-02", np.arange(700), roll="forward")
    r = 0.01 * rng.standard_normal(days.size)
    spx = 2500 * np.exp(np.cumsum(r))
    vix = np.clip(16 * np.exp(np.cumsum(-3 * r) - 0.01 * np.arange(days.size) / 100), 9, 80)
    for name, col in (("spx_daily.csv", spx), ("vix_daily.csv", vix)):
        rows = "\n".join(f"{d},{v:.2f}" for d, v in zip(days, col, strict=True))
        (tmp_path / name).write_text("date,close\n" + rows + "\n")
    assert main(["calibrate", "--data", str(tmp_path), "--paths", "10", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["start"] == str(days[0]) and d["end"] == str(days[-1])
    assert d["n_returns"] == days.size - 1
