"""THE SPX surface against real quotes (out of sample), no-arbitrage checks, and the quote reader."""
from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from alvh_core.market import fit as mfit
from alvh_core.market.quotes import QuoteFileError, otm_points, parity_forward, read_quotes
from alvh_core.market.surface import DEFAULT_SURFACE, LEFT_SLOPE_CAP, PARAM_NAMES
from alvh_core.pricing import black76, bsm


@pytest.fixture(scope="module")
def sample(shared_options):
    return mfit.load_sample(shared_options.parent)


@pytest.fixture(scope="module")
def wing(shared_options):
    """Out-of-the-money quotes of 0.2-5 delta (beyond the fitted range; their puts fit the far left wing)."""
    return mfit.load_sample(shared_options.parent, min_delta=mfit.WING_DELTAS[0], max_delta=mfit.WING_DELTAS[1])


def test_out_of_sample_error_leave_one_week_out(sample, wing):
    """Every quote predicted by a fit that never saw its week (the shipped two-stage fit, far left wing
    included): far better than the former smile (RMS 2.73, bias +1.21 on these quotes); the issue's goal
    (0.8 RMS) is NOT met: see README."""
    err, tested = mfit.out_of_sample(sample, "week", wing=wing)
    assert tested.all()
    rows = {r["group"]: r for r in mfit.error_table(err, sample.points.delta, sample.vix)}
    assert rows["all"]["n"] > 1800
    # shipped law 1.35 / -0.03, VIX >= 25 1.96 / +0.01, VIX < 15 0.77, VIX 15-25 0.88 (without the far left
    # wing 1.40, 2.05, 0.81, 0.89; VIX terms extrapolated too: 1.96 at VIX >= 25; the former SVI law, m = 0: 1.44, 2.12)
    assert rows["all"]["rms"] < 1.40 and abs(rows["all"]["bias"]) < 0.3
    assert rows["VIX >= 25"]["rms"] < 2.05 and abs(rows["VIX >= 25"]["bias"]) < 0.3
    assert rows["VIX < 15"]["rms"] < 0.8 and rows["VIX 15-25"]["rms"] < 1.0
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


def test_each_stressed_date_alone_is_within_the_goal(sample):
    """The floor under the VIX >= 25 miss: each stressed date fitted on its own quotes alone (the smile family
    with the answer known; one expiry a date, so any surface is one smile a date) is within the issue's 0.8 RMS
    (0.49; 1.09 on the crash close 2018-02-05, whose mids are +-2.4 vol points wide) and inside the bid-ask band
    but for 0.09: the out-of-sample 1.96 is the day-to-day change of the smile that VIX, VIX9D, VIX3M and SKEW
    do not carry, over six stressed dates in one week, not the family's shape (README "Against the goal")."""
    err = mfit.per_date_errors(sample, min_vix=25.0)
    m = np.isfinite(err)
    assert m.sum() == 670 and np.isnan(err[sample.vix < 25.0]).all()
    rows = {r["group"]: r for r in mfit.error_table(err[m], sample.points.delta[m], sample.vix[m],
                                                  sample.half_spread[m], mfit.band_error(err[m], sample, m))}
    assert rows["VIX >= 25"]["rms"] < 0.6 and rows["VIX >= 25"]["rms_outside"] < 0.15
    days = {d["date"]: d for d in mfit.day_table(sample, err, 25.0)}
    assert 0.8 < days["2018-02-05"]["rms"] < 1.3 and days["2018-02-07"]["rms"] < 0.1


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
    shipped = [v for v in mfit.VARIANTS if "shipped" in v[0]]
    assert len(shipped) == 1 and shipped[0][1:] == (mfit.FREE_PARAMS, 0.0, False, mfit.RIGHT_SLOPE, True)
    assert DEFAULT_SURFACE.right_slope_z == mfit.RIGHT_SLOPE and DEFAULT_SURFACE.pillar_weight == 0.0


def test_vix_terms_held_beyond_the_fitted_vix(sample):
    """Fitted on 2004 + January 2018 (VIX <= 18.2), February 2018 (VIX 13-37) predicted: with the VIX terms
    held at the highest VIX fitted (shipped) VIX >= 25 RMS 4.14, bias +0.40; extrapolated in ln VIX (the
    former rule) 5.02, +2.20 (README "The SPX surface"). The shipped surface holds them above 37.32."""
    rows = {}
    for hold in (True, False):
        err, tested = mfit.out_of_sample(sample, "feb2018", hold_vix=hold)
        tab = mfit.error_table(err[tested], sample.points.delta[tested], sample.vix[tested])
        rows[hold] = {r["group"]: r for r in tab}
    held, extrapolated = rows[True]["VIX >= 25"], rows[False]["VIX >= 25"]
    assert held["n"] == extrapolated["n"] == 670
    assert held["rms"] < 4.4 and abs(held["bias"]) < 0.6
    assert extrapolated["rms"] > 4.8 and extrapolated["bias"] > 1.8
    assert rows[True]["VIX < 15"]["rms"] == pytest.approx(rows[False]["VIX < 15"]["rms"], abs=1e-9)
    assert DEFAULT_SURFACE.shape_vix_cap == pytest.approx(float(sample.vix.max()) / 100.0, abs=1e-9)
    srf = DEFAULT_SURFACE
    for v in (0.40, 0.60, 0.80):  # the shape in z is the one at the cap; only the level moves
        np.testing.assert_allclose(srf.shape_params(v), srf.shape_params(srf.shape_vix_cap), rtol=1e-12)


def test_far_put_wing_out_of_sample(sample, wing):
    """The puts of 0.2-5 delta, each predicted by a fit (both stages) that never saw its week: RMS 1.89, bias
    -0.46 (without the far left wing's extra slope 6.13 / -4.91: about 5 vol points too cheap); walking
    forward 2.20 / +0.36 (4.28 / -1.37)."""
    put = ~wing.points.is_call
    for split, rms in (("week", 2.0), ("walk", 2.6)):
        werr = mfit.wing_out_of_sample(sample, wing, split)
        k = put & np.isfinite(werr)
        assert k.sum() > 900
        assert np.sqrt(np.mean(werr[k] ** 2)) < rms and abs(werr[k].mean()) < 0.6, split
    # the first stage alone leaves the far puts about 5 vol points cheap (in sample, fit on all quotes)
    one = mfit.fit(sample)
    assert one.left_slope_z == 0.0
    e1 = 100 * (wing.model_vol(one) - wing.points.vol)
    assert e1[put].mean() < -4.0


def test_replicated_variance_matches_the_quotes(shared_options):
    """Per quote date, the variance the quotes themselves replicate over their strikes (0.2-50 delta) against
    the surface's over the same strikes: the median ratio of vols is 0.97 / 1.02 / 1.00 at VIX < 15 / 15-25 /
    >= 25 (without the far left wing's extra slope 0.91 / 0.95 / 0.96: too little variance in the put wing)."""
    every = mfit.load_sample(shared_options.parent, min_delta=mfit.WING_DELTAS[0], max_delta=0.5)
    for srf, lo, hi in ((DEFAULT_SURFACE, 0.96, 1.04), (DEFAULT_SURFACE.model_copy(update={"left_slope_z": 0.0}),
                                                        0.88, 0.965)):
        rows = mfit.replicated_variance_ratio(every, srf)
        assert len(rows) == 31
        for a, b in ((0, 15), (15, 25), (25, 99)):
            med = float(np.median([r["ratio"] for r in rows if a <= r["vix"] < b]))
            assert lo < med < hi, (srf.left_slope_z, a, med)


def test_left_wing_shape():
    """Left of ``left_wing_z`` the far wing gains the slope ``b_L`` (g^2 per unit z), smoothly; right of it
    the shape is the SVI's to within the rounding's tail, and g(0) = 1 exactly; b_L falls with VIX and is
    softly capped (``LEFT_SLOPE_CAP``)."""
    srf = DEFAULT_SURFACE
    rho, eta = (float(x) for x in srf.shape_params(0.20))
    bl = srf.left_slope(vix=0.20)
    b, cap = srf.left_slope_z, LEFT_SLOPE_CAP
    assert float(bl) == pytest.approx(b / (1 + (b / cap) ** 4) ** 0.25) and 0.2 < float(bl) < cap
    assert float(srf.left_slope(vix=0.12)) > float(bl) > float(srf.left_slope(vix=0.35))
    plain = srf.model_copy(update={"left_slope_z": 0.0})
    br = srf.right_slope()
    assert float(srf.shape(0.0, rho, eta, br, bl)) == pytest.approx(1.0, abs=1e-12)
    z = np.array([-40.0, -30.0])
    extra = srf.shape(z, rho, eta, br, bl) ** 2 - plain.shape(z, rho, eta, br) ** 2
    assert float(extra[0] - extra[1]) / 10.0 == pytest.approx(float(bl), rel=1e-3)
    right = np.linspace(-1.0, 3.0, 9)
    diff = srf.shape(right, rho, eta, br, bl) ** 2 - plain.shape(right, rho, eta, br) ** 2
    assert np.all(np.abs(diff) < 0.05 * float(bl))


@pytest.mark.parametrize("vix", [0.05, 0.09, 0.15, 0.25, 0.40, 0.80])
def test_durrleman_condition_of_the_shape(vix):
    """No butterfly arbitrage in the short-tenor limit, where it depends on the shape alone: with G = g(z)^2,
    (1 - z G'/(2G))^2 - G'^2/(4G) + G''/2 >= 0 everywhere (z from -40 to 10), far left wing included; with
    the extra slope uncapped at 1.5 it fails (why ``LEFT_SLOPE_CAP``)."""
    srf = DEFAULT_SURFACE
    z = np.linspace(-40.0, 10.0, 50001)

    def dmin(bl):
        rho, eta = srf.shape_params(vix)
        g2 = srf.shape(z, rho, eta, srf.right_slope(), bl) ** 2
        d1 = np.gradient(g2, z)
        d2 = np.gradient(d1, z)
        return float(np.min((1 - z * d1 / (2 * g2)) ** 2 - d1**2 / (4 * g2) + d2 / 2))

    assert dmin(srf.left_slope(vix=vix)) > 0.0
    assert dmin(np.asarray(1.5)) < 0.0


def test_walk_forward_at_high_vix_beats_the_former_law(sample, wing):
    """Each date from 2018-01-16 predicted by a fit on earlier dates: VIX >= 25 RMS 2.85, bias +0.49 (without
    the far left wing 2.92 / +0.48; VIX terms extrapolated: 2.81, +0.79; the former SVI law with m = 0: 3.10,
    README); calm regimes 0.46, 0.96."""
    err, tested = mfit.out_of_sample(sample, "walk", wing=wing)
    rows = {r["group"]: r for r in mfit.error_table(err[tested], sample.points.delta[tested], sample.vix[tested])}
    assert rows["VIX >= 25"]["n"] == 670
    assert rows["VIX >= 25"]["rms"] < 2.95
    assert rows["VIX < 15"]["rms"] < 0.5 and rows["VIX 15-25"]["rms"] < 1.0


def test_wings_beyond_the_fitted_range(shared_options):
    """Quotes of 0.2-5 delta were never fitted: the capped right wing prices the far calls (RMS 1.66, bias
    -0.54 vol points; the former law 2.95 / -2.12; the shifted minimum without its own wing 6.53 / +5.18)."""
    wing = mfit.load_sample(shared_options.parent, min_delta=0.002, max_delta=0.0499)
    rows = {r["group"]: r for r in mfit.wing_table(wing, {"shipped": DEFAULT_SURFACE})}
    calls = rows["calls 0.2-5d"]
    assert calls["n"] > 600 and calls["rms"] < 2.0 and abs(calls["bias"]) < 1.0
    free_min = mfit.fit(mfit.load_sample(shared_options.parent), right_slope=0.0)
    rows = {r["group"]: r for r in mfit.wing_table(wing, {"free": free_min})}
    assert rows["calls 0.2-5d"]["bias"] > 3.0  # why the right wing has its own slope


def test_right_wing_sanity_points():
    """The README's points beyond the quoted range (call vols, vol points) and the 30-day variance swap."""
    srf = DEFAULT_SURFACE
    atm = 100 * float(srf.atm_vol(7 / 365, 0.12))
    v = 100 * float(srf.vol_fwd(1.05, 7 / 365, 1.0, 0.12))
    assert atm < v < 12.0  # VIX 12, 7 days, K/F 1.05: 10.0 (the shifted minimum without a capped wing: 19.5)
    assert 14.0 < 100 * float(srf.vol_fwd(1.15, 30 / 365, 1.0, 0.20)) < 19.0  # 17.1 (30.1)
    vix = np.array([0.10, 0.20, 0.30, 0.40, 0.60])
    ratio = srf.replicated_vs(30 / 365, vix) / vix  # 0.97 1.05 1.11 1.17 1.20 (VIX terms extrapolated: 1.32 at 60)
    assert np.all(ratio > 0.95) and np.all(np.diff(ratio) > 0)
    edge = float(srf.replicated_vs(30 / 365, srf.shape_vix_cap)) / srf.shape_vix_cap  # 1.170 at VIX 37.32
    assert ratio[-1] < 1.25 and abs(ratio[-1] / edge - 1.0) < 0.03  # beyond the quotes it stays near the edge


def test_right_wing_shape():
    """Right of the SVI's minimum the shape is a hyperbola with the SVI's value and curvature there
    (g^2 twice differentiable) and slope ``right_slope_z`` far out; with 0 it is the plain SVI."""
    srf = DEFAULT_SURFACE
    rho, eta = (float(x) for x in srf.shape_params(0.25))
    s = float(np.exp(srf.s0))
    svi = srf.model_copy(update={"right_slope_z": 0.0})
    assert svi.right_slope() is None
    z = np.linspace(-6, 6, 241)
    zm = z - srf.m
    g2 = 1 + eta * (rho * zm + np.sqrt(zm**2 + s * s) + rho * srf.m - np.sqrt(srf.m**2 + s * s))
    np.testing.assert_allclose(svi.shape(z, rho, eta) ** 2, g2, rtol=1e-12)
    br = srf.right_slope()
    zs = srf.m - s * rho / np.sqrt(1 - rho * rho)
    assert 0.5 < zs < 1.2 and rho > 0  # the minimum inside the quoted range (5-delta calls: z ~ 1.3-1.6)
    h = 1e-4

    def g2r(x):
        return srf.shape(np.asarray(x, float), rho, eta, br) ** 2

    def g2s(x):
        return svi.shape(np.asarray(x, float), rho, eta) ** 2

    for f in (g2r, g2s):  # value, zero slope and the same curvature at z* from both sides
        assert abs((f(zs + h) - f(zs - h)) / (2 * h)) < 1e-6
    assert float(g2r(zs + 1e-9)) == pytest.approx(float(g2s(zs)), abs=1e-9)
    curv_r = (g2r(zs + 2 * h) - 2 * g2r(zs + h) + g2r(zs)) / h**2
    curv_l = (g2s(zs - 2 * h) - 2 * g2s(zs - h) + g2s(zs)) / h**2
    assert float(curv_r) == pytest.approx(float(curv_l), rel=1e-3)
    np.testing.assert_allclose(g2r(z[z < zs]), g2s(z[z < zs]), rtol=1e-12)
    far = (g2r(60.0) - g2r(50.0)) / 10.0
    assert float(far) == pytest.approx(float(br), rel=1e-3) and float(br) == 0.2


def test_shipped_parameters_are_the_fit_to_all_quotes(sample, wing):
    """The defaults are reproducible: refitting on all quotes (both stages, the far left wing on the 0.2-5
    delta puts) gives them back (to the printed digits)."""
    srf = mfit.fit(sample, wing=wing)
    for name in (*PARAM_NAMES, "left_slope_z", "left_slope_vix"):
        assert getattr(srf, name) == pytest.approx(getattr(DEFAULT_SURFACE, name), abs=2e-3), name
    err = 100 * (sample.model_vol(DEFAULT_SURFACE) - sample.points.vol)
    assert np.sqrt(np.mean(err**2)) < 1.2 and abs(err.mean()) < 0.1  # 1.10 / +0.00 (former law 1.23)


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
