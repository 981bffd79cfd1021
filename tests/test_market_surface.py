"""THE SPX surface against real quotes (out of sample), no-arbitrage checks, and the quote reader."""
from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from alvh_core.market import fit as mfit
from alvh_core.market.quotes import QuoteFileError, otm_points, parity_forward, read_quotes
from alvh_core.market.surface import DEFAULT_SURFACE, PARAM_NAMES
from alvh_core.pricing import black76, bsm


@pytest.fixture(scope="module")
def sample(shared_options):
    return mfit.load_sample(shared_options.parent)


def test_out_of_sample_error_leave_one_week_out(sample):
    """Every quote predicted by a fit that never saw its week: far better than the former smile
    (RMS 2.73, bias +1.21 on these quotes); the issue's goal (0.8 RMS) is NOT met: see README."""
    err, tested = mfit.out_of_sample(sample, "week")
    assert tested.all()
    rows = {r["group"]: r for r in mfit.error_table(err, sample.points.delta, sample.vix)}
    assert rows["all"]["n"] > 1800
    assert rows["all"]["rms"] < 1.6 and abs(rows["all"]["bias"]) < 0.3
    assert rows["VIX >= 25"]["rms"] < 2.4 and abs(rows["VIX >= 25"]["bias"]) < 0.3
    assert rows["VIX < 15"]["rms"] < 1.0 and rows["VIX 15-25"]["rms"] < 1.0
    # the diagnosis of the VIX >= 25 residual (README): the quotes' own bid-ask spreads are 5x wider in
    # vol than on calm days, and distance outside the bid-ask band is at most the distance to the mid
    out = mfit.band_error(err, sample)
    assert np.all(np.abs(out) <= np.abs(err) + 1e-9) and np.all(out * err >= 0)
    assert np.all((out == 0) == ((sample.points.vol + err / 100 >= sample.vol_bid)
                                 & (sample.points.vol + err / 100 <= sample.vol_ask)))
    rows = {r["group"]: r for r in mfit.error_table(err, sample.points.delta, sample.vix, sample.half_spread, out)}
    assert rows["VIX >= 25"]["half_spread"] > 4 * rows["VIX < 15"]["half_spread"]
    assert rows["VIX >= 25"]["rms_outside"] < rows["VIX >= 25"]["rms"]
    days = {d["date"]: d for d in mfit.day_table(sample, err, 25.0)}
    assert len(days) == 6 and sum(d["n"] for d in days.values()) == rows["VIX >= 25"]["n"]
    assert days["2018-02-05"]["half_spread"] > 2.0  # the crash close: the mids are +-2.4 vol points wide
    assert days["2018-02-08"]["parity_gap"] < -2.0  # calls and puts disagree with one forward by ~3 points
    assert abs(days["2018-02-09"]["parity_gap"]) < 0.1
    # the residual changes sign day to day at VIX 28-37: a level the day's VIX does not carry, not a bias
    assert days["2018-02-06"]["bias"] < -1.0 and days["2018-02-07"]["bias"] > 1.0


def test_pillar_variant_plumbing(sample):
    """``--variants`` machinery: with pillar weight 0 the VIX9D/VIX3M inputs do not move the surface, so
    predicting with them blanked gives the same errors; with weight 1 they do (and the fit differs)."""
    import dataclasses

    blank = dataclasses.replace(sample, vix9d=np.full(len(sample), np.nan), vix3m=np.full(len(sample), np.nan))
    e0, m0 = mfit.out_of_sample(sample, "feb2018")
    e1, m1 = mfit.out_of_sample(sample, "feb2018", predict=blank)
    np.testing.assert_allclose(e1[m1], e0[m0], atol=1e-12)
    p0, _ = mfit.out_of_sample(sample, "feb2018", pillar_weight=1.0)
    p1, _ = mfit.out_of_sample(sample, "feb2018", pillar_weight=1.0, predict=blank)
    assert np.max(np.abs(p0[m0] - p1[m0])) > 0.5 and np.max(np.abs(p0[m0] - e0[m0])) > 0.5
    assert [v[0] for v in mfit.VARIANTS][0].startswith("shipped")


def test_shipped_parameters_are_the_fit_to_all_quotes(sample):
    """The defaults are reproducible: refitting on all quotes gives them back (to the printed digits)."""
    srf = mfit.fit(sample)
    for name in PARAM_NAMES:
        assert getattr(srf, name) == pytest.approx(getattr(DEFAULT_SURFACE, name), abs=2e-3), name
    err = 100 * (sample.model_vol(DEFAULT_SURFACE) - sample.points.vol)
    assert np.sqrt(np.mean(err**2)) < 1.3 and abs(err.mean()) < 0.1


def test_our_implied_vols_match_the_files_independent_iv(shared_options):
    """Black-76 implied vols from mid on the parity forward agree with the file's own iv_calc."""
    path = shared_options / "spx_2004-01-02.csv"
    p = otm_points(read_quotes(path), min_delta=0.0, max_delta=1.0, min_days=0, max_days=400)
    ref = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            if row["iv_calc"]:
                ref[(row["expiry"], float(row["strike"]), row["type"] == "C")] = float(row["iv_calc"])
    got = [(v, ref[(str(e), k, c)]) for v, e, k, c in zip(p.vol, p.expiry, p.strike, p.is_call) if (str(e), k, c) in ref]
    assert len(got) > 80
    a, b = np.array(got).T
    np.testing.assert_allclose(a, b, atol=2e-4)


@pytest.mark.parametrize("vix", [0.09, 0.15, 0.25, 0.40, 0.80])
def test_no_butterfly_arbitrage(vix):
    """Call prices decrease and are convex in strike (density >= 0) from 2 days to 1 year."""
    spot = 4000.0
    for tau in (2 / 365, 7 / 365, 30 / 365, 0.25, 1.0):
        for v9, sk in ((None, None), (vix * 1.3, 150.0), (vix * 0.8, 115.0)):
            k = np.linspace(spot * 0.3, spot * 1.6, 4001)
            c = bsm.price(True, spot, k, tau, DEFAULT_SURFACE.vol(k, tau, spot, vix, vix9d=v9, skew=sk))
            assert np.all(np.diff(c) <= 1e-9)
            assert np.all(np.diff(c, 2) >= -1e-9 * spot), (vix, tau)


@pytest.mark.parametrize("vix", [0.09, 0.2, 0.45, 0.8])
def test_no_calendar_arbitrage(vix):
    """Total implied variance is non-decreasing in tenor at fixed K/F (with and without VIX9D/VIX3M)."""
    taus = np.linspace(1 / 365, 1.5, 300)
    for x in (0.6, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5):
        for v9, v3 in ((None, None), (1.4 * vix, 0.8 * vix), (0.7 * vix, 1.3 * vix)):
            w = DEFAULT_SURFACE.vol_fwd(x * 4000.0, taus, 4000.0, vix, v9, v3) ** 2 * taus
            assert np.all(np.diff(w) >= -1e-12), (vix, x)


# ----- quote files ------------------------------------------------------------------------------


def _write(path, header, rows):
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _broker_chain(tmp_path, fwd=5000.0, disc=0.995, vol=0.2, tau=30 / 365):
    strikes = np.arange(4500.0, 5501.0, 50.0)
    rows = []
    for k in strikes:
        for is_call in (True, False):
            px = float(black76.price(is_call, fwd, k, tau, vol, -np.log(disc) / tau))
            rows.append(["02/05/2018", "03/07/2018", k, "CALL" if is_call else "PUT", round(px - 0.05, 4),
                         round(px + 0.05, 4), 4990.0])
    header = ["Date", "Expiration", "Strike", "Put_Call", "Bid", "Ask", "Underlying_Price"]
    return _write(tmp_path / "broker.csv", header, rows)


def test_broker_export_reads_and_recovers_the_parity_forward(tmp_path):
    path = _broker_chain(tmp_path)
    chain = read_quotes(path, dt.date(2018, 2, 5))
    assert len(chain) == 42
    np.testing.assert_allclose(chain.forward, 5000.0, rtol=1e-6)
    np.testing.assert_allclose(chain.discount, 0.995, rtol=1e-6)
    assert chain.tau[0] == pytest.approx(30 / 365)
    p = otm_points(chain)
    np.testing.assert_allclose(p.vol, 0.2, atol=2e-3)  # the mid is the model price (half-spread symmetric)


def test_parity_forward_exact_on_model_prices():
    k = np.arange(3800.0, 4201.0, 25.0)
    c = black76.price(True, 4010.0, k, 0.1, 0.18, 0.04)
    p = black76.price(False, 4010.0, k, 0.1, 0.18, 0.04)
    f, d = parity_forward(np.r_[k, k], np.r_[np.ones_like(k, bool), np.zeros_like(k, bool)], np.r_[c, p],
                          np.full(2 * k.size, 0.2))
    assert f == pytest.approx(4010.0, rel=1e-9) and d == pytest.approx(np.exp(-0.004), rel=1e-9)


@pytest.mark.parametrize("bad,needle", [
    ((4.0, 3.5), "row 3: crossed market, bid 4 above ask 3.5"),
    ((0.0, 0.5), "row 3: no two-sided market"),
    (("", 0.5), "row 3: no two-sided market (bid blank"),
])
def test_bad_rows_are_named(tmp_path, bad, needle):
    header = ["quote_date", "expiry", "strike", "type", "bid", "ask"]
    rows = [["2018-02-05", "2018-02-28", 2700, "P", 20.0, 21.0],
            ["2018-02-05", "2018-02-28", 2650, "P", *bad]]
    with pytest.raises(QuoteFileError) as exc:
        read_quotes(_write(tmp_path / "q.csv", header, rows))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_wrong_date_and_missing_columns_are_one_line(tmp_path):
    header = ["quote_date", "expiry", "strike", "type", "bid", "ask"]
    path = _write(tmp_path / "q.csv", header, [["2018-02-05", "2018-02-28", 2700, "P", 20.0, 21.0]])
    with pytest.raises(QuoteFileError, match=r"q.csv row 2: wrong date, no quotes dated 2018-02-06 \(the file has 2018-02-05"):
        read_quotes(path, dt.date(2018, 2, 6))
    path = _write(tmp_path / "r.csv", ["expiry", "strike", "bid", "ask"], [["2018-02-28", 2700, 20.0, 21.0]])
    with pytest.raises(QuoteFileError, match="no column for type"):
        read_quotes(path, dt.date(2018, 2, 5))
    path = _write(tmp_path / "s.csv", header, [["2018-02-05", "2018-02-28", 2700, "X", 20.0, 21.0]])
    with pytest.raises(QuoteFileError, match=r"row 2: option type 'X' \(expected C or P\)"):
        read_quotes(path)
