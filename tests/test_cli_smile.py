"""`alvh smile`: the surface at strikes (text, --json contract, chart) and the error table on a quotes file."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from alvh_core.cli import main
from alvh_core.pricing import black76, bsm
from alvh_core.pricing.smile import DEFAULT_SPX_SMILE


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_contract_and_values(capsys):
    code, out, _ = run(capsys, "smile", "--spot", "5712", "--vix", "24.3", "--asof", "2026-11-24",
                       "--expiry", "2026-12-18", "--strikes", "5600,5650,6150,6200", "--json")
    assert code == 0
    d = json.loads(out)
    assert set(d) >= {"forward", "points"} and [set(p) >= {"strike", "vol", "delta", "price"} for p in d["points"]]
    tau = 24 / 365
    assert d["forward"] == pytest.approx(float(bsm.forward(5712.0, tau, 0.04, 0.013)), rel=1e-12)
    ks = np.array([p["strike"] for p in d["points"]])
    vols = np.array([p["vol"] for p in d["points"]])
    np.testing.assert_allclose(vols, DEFAULT_SPX_SMILE.vol(ks, tau, 5712.0, 0.243, 0.04, 0.013), rtol=1e-12)
    assert 0.1 < vols.min() < vols.max() < 0.5  # decimals, not vol points
    is_call = ks >= d["forward"]
    g = bsm.greeks(is_call, 5712.0, ks, tau, vols, 0.04, 0.013)
    np.testing.assert_allclose([p["price"] for p in d["points"]], g.price, rtol=1e-10)
    np.testing.assert_allclose([p["delta"] for p in d["points"]], g.delta, rtol=1e-10)


def test_forward_given_only_discounts(capsys):
    code, out, _ = run(capsys, "smile", "--forward", "2640", "--vix", "37.32", "--asof", "2018-02-05",
                       "--expiry", "2018-02-28", "--strikes", "2400,2700", "--rate", "0.02", "--json")
    d = json.loads(out)
    tau = 23 / 365
    assert code == 0 and d["forward"] == 2640.0
    p = d["points"][0]
    assert p["price"] == pytest.approx(float(black76.price(False, 2640.0, 2400.0, tau, p["vol"], 0.02)), rel=1e-12)
    assert p["delta"] == pytest.approx(-math.exp(-0.02 * tau) * (1 - 0.5 * math.erfc(
        -(math.log(2640 / 2400) / (p["vol"] * math.sqrt(tau)) + 0.5 * p["vol"] * math.sqrt(tau)) / math.sqrt(2))), rel=1e-9)


def test_text_and_chart(capsys, tmp_path):
    png = tmp_path / "smile.png"
    code, out, _ = run(capsys, "smile", "--spot", "5712", "--vix", "24.3", "--asof", "2026-11-24", "--expiry", "24d",
                       "--strikes", "5600,6200", "--chart", str(png))
    assert code == 0 and "ATM vol" in out and "5600" in out and png.stat().st_size > 10_000


def test_error_table_on_real_quotes(capsys, shared_options, monkeypatch):
    monkeypatch.setenv("ALVH_DATA", str(shared_options.parent))
    code, out, _ = run(capsys, "smile", "--quotes", str(shared_options / "spx_2004-01-02.csv"), "--asof", "2004-01-02",
                       "--json")
    d = json.loads(out)
    rows = {r["group"]: r for r in d["table"]}
    assert code == 0 and d["vix"] == 18.22 and rows["all"]["n"] == 61
    assert rows["all"]["rms"] < 1.2 and abs(rows["all"]["bias"]) < 0.3  # the former smile: 1.48 RMS, +1.06 bias


@pytest.mark.parametrize("argv,needle", [
    (["smile", "--spot", "5712", "--vix", "24.3", "--strikes", "5600"], "needs --expiry"),
    (["smile", "--spot", "5712", "--forward", "5700", "--vix", "24.3", "--expiry", "30d", "--strikes", "5600"],
     "exactly one of --spot S or --forward F"),
    (["smile", "--spot", "5712", "--vix", "24.3", "--expiry", "30d", "--strikes", "56x"], "can't read strikes '56x'"),
    (["smile", "--spot", "5712", "--vix", "24.3", "--expiry", "2020-01-01", "--asof", "2021-01-01", "--strikes", "1"],
     "is not after the as-of date"),
    (["smile", "--quotes", "/nonexistent.csv", "--asof", "2018-02-05", "--vix", "20"], "not found"),
])
def test_bad_input_is_one_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err
