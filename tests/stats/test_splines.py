"""Tests for mmevidence.stats.splines against Hmisc 4.8-0 / rms 6.5-0 / survival 3.5-3.

Fixture: fixtures/splines/splines.R. Knots (``rcspline.eval(knots.only = TRUE)``) on mgus2 hgb
(3, 4, 5 knots), mgus2 age (7 knots), n = 40 (outer knots = 5th smallest/largest), a variable
whose lowest value holds >= 5% (fractied rule) and one with few distinct values; the basis
matrix; ``coxph(Surv(futime, death) ~ rcs(hgb, 4))`` coefficients, covariance, log-HR curve
vs the median with pointwise CI, and the Wald tests of ``anova.rms``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.splines import log_hr_curve, rcs_basis, rcs_cox, rcs_knots, rcs_names

HERE = Path(__file__).parent / "fixtures"
FIX = json.loads((HERE / "splines" / "splines.json").read_text())
MG = pd.read_csv(HERE / "datasets" / "mgus2.csv").dropna(subset=["hgb"]).reset_index(drop=True)


@pytest.mark.parametrize("case", FIX["knots"], ids=lambda c: c["name"])
def test_knots_match_hmisc(case):
    np.testing.assert_allclose(rcs_knots(case["x"], case["nk"]), case["knots"], rtol=1e-12)


def test_basis_matches_rcspline_eval():
    case = FIX["knots"][0]
    np.testing.assert_array_equal(case["x"], MG.hgb.to_numpy())
    np.testing.assert_allclose(rcs_basis(case["x"], case["knots"]), np.array(case["basis"]), rtol=1e-12, atol=1e-14)


def test_basis_by_hand_is_linear_beyond_last_knot():
    # knots 0, 1, 2: kd^3 = 4; x^3 - 2 (x - 1)^3 + (x - 2)^3 over 4:
    # x = 3: (27 - 16 + 1)/4 = 3; x = 4: (64 - 54 + 8)/4 = 4.5; x = 5: (125 - 128 + 27)/4 = 6 (linear)
    # x = 0.5: 0.125/4; x = 1.5: (3.375 - 2 * 0.125)/4; x = -1: 0
    b = rcs_basis([3.0, 4.0, 5.0, 0.5, 1.5, -1.0], [0, 1, 2])
    np.testing.assert_allclose(b[:, 1], [3.0, 4.5, 6.0, 0.03125, 0.78125, 0.0], rtol=1e-13, atol=1e-15)
    assert rcs_names("hgb", 4) == ["hgb", "hgb'", "hgb''"]


def test_cox_spline_matches_coxph_rcs():
    c = FIX["cox"]
    res = rcs_cox(MG, "futime", "death", "hgb", nk=4, grid=c["grid"])
    np.testing.assert_allclose(res.knots, c["knots"], rtol=1e-12)
    assert res.reference == c["reference"]
    np.testing.assert_allclose(res.fit.summary["coef"], c["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.fit.var.to_numpy(), np.array(c["var"]), rtol=1e-6)
    np.testing.assert_allclose(res.fit.loglik, c["loglik"], rtol=1e-9)
    for ours, theirs in (("log_hr", "log_hr"), ("se", "se"), ("lower", "lower"), ("upper", "upper")):
        np.testing.assert_allclose(res.curve[ours], c[theirs], rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(res.nonlinear.statistic, c["wald_nonlinear"], rtol=1e-6)
    np.testing.assert_allclose(res.overall.statistic, c["wald_overall"], rtol=1e-6)
    assert res.nonlinear.df == 2 and res.overall.df == 3
    # rms::cph stops at eps = 1e-4 (coarser than coxph), so its curve agrees only to ~1e-2
    np.testing.assert_allclose(res.curve["log_hr"], c["rms_yhat"], rtol=2e-2, atol=1e-2)
    np.testing.assert_allclose(res.nonlinear.statistic, c["rms_anova_nonlinear"], rtol=1e-2)


def test_log_hr_curve_zero_at_reference():
    c = FIX["cox"]
    curve = log_hr_curve(c["coef"], np.array(c["var"]), c["knots"], [c["reference"]], c["reference"])
    assert curve["log_hr"].iloc[0] == 0.0 and curve["se"].iloc[0] == 0.0


def test_adjusted_spline_model():
    res = rcs_cox(MG, "futime", "death", "hgb", nk=4, adjust=["age", "sex"])
    np.testing.assert_allclose(res.fit.summary["coef"], FIX["adjusted"]["coef"], rtol=1e-6)
    np.testing.assert_allclose(res.fit.summary["se"], FIX["adjusted"]["se"], rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="nk"):
        rcs_knots(np.arange(20.0), 2)
    with pytest.raises(ValueError, match="x"):
        rcs_knots([1, 2, 3], 3)
    with pytest.raises(ValueError, match="coef/var"):
        log_hr_curve([1.0, 2.0], np.eye(2), [0, 1, 2, 3], [1.0], 0.0)
