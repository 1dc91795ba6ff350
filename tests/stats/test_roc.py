"""Tests for mmevidence.stats.roc against R pROC 1.18.0 and cutpointr 1.1.2.

Fixture: fixtures/roc/roc.R. Datasets:
* mgus2 (futime in months): outcome = death within 60 months, i.e. (death == 1 & futime <= 60),
  among subjects with futime > 60 or (death == 1 & futime <= 60) (those censored at or before
  60 months are dropped); marker hgb, rows with NA hgb dropped explicitly.
* lung: outcome = (status == 2); marker ph.karno, rows with NA ph.karno dropped explicitly.
* hand-built: heavy ties, perfect separation, a constant marker, Youden ties (even and odd
  numbers of optima), pROC's median-based "auto" rule giving AUC < 0.5, a single case
  (DeLong variance undefined) and values near the overflow limit.
The same rows are rebuilt here from the CSVs to check the fixture's inputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.roc import (
    delong_placements, roc_auc, roc_curve, roc_direction, roc_test_delong, youden_cutpoint,
)

HERE = Path(__file__).parent / "fixtures"
FIX = json.loads((HERE / "roc" / "roc.json").read_text())
CASES = FIX["cases"]
PAIRED = FIX["paired"]
DIRECTIONS = ["auto", "<", ">"]


def _num(v) -> float:
    """jsonlite writes NA as null or "NA" and infinities as "Inf"/"-Inf"."""
    if v is None or v == "NA":
        return math.nan
    return float(v)


def _case(name):
    return next(c for c in CASES if c["name"] == name)


def test_fixture_inputs_match_the_definitions():
    mgus2 = pd.read_csv(HERE / "datasets" / "mgus2.csv")
    known = (mgus2.futime > 60) | ((mgus2.death == 1) & (mgus2.futime <= 60))
    mg = mgus2[known & mgus2.hgb.notna()]
    outcome = ((mg.death == 1) & (mg.futime <= 60)).astype(int)
    c = _case("mgus2_hgb_death60")
    np.testing.assert_array_equal(c["marker"], mg.hgb.to_numpy())
    np.testing.assert_array_equal(c["outcome"], outcome.to_numpy())
    lung = pd.read_csv(HERE / "datasets" / "lung.csv")
    lu = lung[lung["ph.karno"].notna()]
    c = _case("lung_karno_status")
    np.testing.assert_array_equal(c["marker"], lu["ph.karno"].to_numpy())
    np.testing.assert_array_equal(c["outcome"], (lu.status == 2).astype(int).to_numpy())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
@pytest.mark.parametrize("k", range(3), ids=DIRECTIONS)
def test_auc_and_delong_ci_match_proc(case, k):
    ref = case["proc"][k]
    est = roc_auc(case["marker"], case["outcome"], DIRECTIONS[k])
    np.testing.assert_allclose(est.estimate, ref["auc"], rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(
        [est.lower, est.upper, est.se], [_num(ref["lower"]), _num(ref["upper"]), _num(ref["se"])],
        rtol=1e-6, atol=1e-10)
    if math.isnan(_num(ref["se"])):
        assert "2 cases" in est.reason


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_auto_direction_is_procs(case):
    assert roc_direction(case["marker"], case["outcome"]) == case["proc"][0]["direction"]


def test_auto_direction_compares_medians_not_aucs():
    c = _case("auto_median_rule")
    assert roc_direction(c["marker"], c["outcome"]) == "<"
    assert roc_auc(c["marker"], c["outcome"]).estimate == pytest.approx(0.36, rel=1e-12)   # 9/25


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
@pytest.mark.parametrize("k", range(3), ids=DIRECTIONS)
def test_roc_curve_matches_proc(case, k):
    ref = case["proc"][k]
    cur = roc_curve(case["marker"], case["outcome"], DIRECTIONS[k])
    assert list(cur.columns) == ["threshold", "sensitivity", "specificity"]
    assert len(cur) == ref["n_thresholds"]
    t = cur.threshold.to_numpy()
    first, last = (-np.inf, np.inf) if ref["direction"] == "<" else (np.inf, -np.inf)
    assert t[0] == first and t[-1] == last
    np.testing.assert_allclose(t[1:-1], ref["thresholds"], rtol=1e-12)
    np.testing.assert_allclose(cur.sensitivity, ref["sensitivities"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cur.specificity, ref["specificities"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
@pytest.mark.parametrize("k", range(2), ids=[">=", "<="])
def test_youden_cutpoint_matches_cutpointr(case, k):
    ref = case["cutpointr"][k]
    res = youden_cutpoint(case["marker"], case["outcome"], ref["direction"])
    cut = _num(ref["cutpoint"])
    if math.isinf(cut):
        assert res.cutpoint == cut
    else:   # JSON keeps 15 significant digits
        np.testing.assert_allclose(res.cutpoint, cut, rtol=1e-14)
    np.testing.assert_allclose([res.youden, res.sensitivity, res.specificity],
                               [ref["youden"], ref["sensitivity"], ref["specificity"]], rtol=1e-9, atol=1e-12)
    assert res.direction == ref["direction"]


def test_youden_cutpoint_median_tie_break_by_hand():
    # marker 1..8, outcome alternating 0,1: for ">=" J = 0.25 at cuts 8, 6, 4, 2 (and 0 or less
    # elsewhere); cutpointr takes median(8, 6, 4, 2) = 5, then reports the metrics at the
    # smallest observed value >= 5, which is 5: sensitivity 2/4, specificity 2/4, J = 0.
    res = youden_cutpoint([1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 0, 1, 0, 1, 0, 1], ">=")
    assert res.cutpoint == 5.0
    assert (res.sensitivity, res.specificity, res.youden) == (0.5, 0.5, 0.0)


def test_auc_and_delong_se_by_hand_with_ties():
    # controls 1,1,2,2,3,4; cases 2,3,4,4,5,5. Placements (ties count 1/2):
    # cases:    2 -> (2 + 2/2)/6, 3 -> (4 + 1/2)/6, 4 -> (5 + 1/2)/6 (x2), 5 -> 6/6 (x2)
    # controls: 1 -> 6/6 (x2), 2 -> (5 + 1/2)/6 (x2), 3 -> (4 + 1/2)/6, 4 -> (2 + 2/2)/6
    v10 = np.array([3, 4.5, 5.5, 5.5, 6, 6]) / 6
    v01 = np.array([6, 6, 5.5, 5.5, 4.5, 3]) / 6
    auc = 30.5 / 36
    se = math.sqrt(v10.var(ddof=1) / 6 + v01.var(ddof=1) / 6)
    marker = [1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5]
    outcome = [0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1]
    est = roc_auc(marker, outcome, "<")
    assert est.estimate == pytest.approx(auc, rel=1e-12)
    assert est.se == pytest.approx(se, rel=1e-12)
    assert est.lower == pytest.approx(auc - 1.959963984540054 * se, rel=1e-12)
    assert est.upper == 1.0                                   # truncated
    theta, x, y = delong_placements(np.array([2, 3, 4, 4, 5, 5.0]), np.array([1, 1, 2, 2, 3, 4.0]))
    np.testing.assert_allclose(x, v10, rtol=1e-15)
    np.testing.assert_allclose(y, v01, rtol=1e-15)


def test_perfect_separation_gives_degenerate_ci():
    est = roc_auc([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1])
    assert tuple(est[:4]) == (1.0, 1.0, 1.0, 0.0)


def test_thresholds_between_adjacent_floats_are_moved_as_proc():
    # (a + b)/2 of adjacent doubles rounds onto a neighbour; pROC moves it onto the positive side.
    # Values checked in R 4.2.2 / pROC 1.18.0 with sprintf("%.17g", roc(...)$thresholds).
    one_up = np.nextafter(1.0, 2.0)
    lo = roc_curve([1.0, one_up, 2, 3], [0, 1, 0, 1], "<").threshold.to_numpy()
    np.testing.assert_array_equal(lo, [-np.inf, one_up, 1.5, 2.5, np.inf])
    hi = roc_curve([1.0, one_up, 2, 3], [0, 1, 0, 1], ">").threshold.to_numpy()
    np.testing.assert_array_equal(hi, [np.inf, 2.5, 1.5, 1.0, -np.inf])
    two_up = np.nextafter(one_up, 2.0)                       # midpoint rounds up onto two_up
    hi = roc_curve([one_up, two_up, 5], [0, 1, 1], ">").threshold.to_numpy()
    np.testing.assert_array_equal(hi, [np.inf, 3.0, one_up, -np.inf])
    lo = roc_curve([one_up, two_up, 5], [0, 1, 1], "<").threshold.to_numpy()
    np.testing.assert_array_equal(lo, [-np.inf, two_up, 3.0, np.inf])


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_paired_delong_test_matches_proc_roc_test(case):
    res = roc_test_delong(case["marker1"], case["marker2"], case["outcome"])
    assert (res.direction1, res.direction2) == (case["direction1"], case["direction2"])
    np.testing.assert_allclose([res.auc1, res.auc2, res.z, res.p_value, res.lower, res.upper],
                               [case["auc1"], case["auc2"], case["z"], case["p_value"],
                                case["lower"], case["upper"]], rtol=1e-6)
    np.testing.assert_allclose(res.difference, case["auc1"] - case["auc2"], rtol=1e-6)
    np.testing.assert_allclose(res.se, res.difference / res.z, rtol=1e-12)


def test_paired_test_of_a_marker_with_itself():
    c = _case("heavy_ties")
    res = roc_test_delong(c["marker"], c["marker"], c["outcome"])
    assert (res.difference, res.se, res.z, res.p_value) == (0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize("fn", [roc_auc, roc_curve, youden_cutpoint, roc_direction])
def test_bad_arguments_raise_naming_the_argument(fn):
    with pytest.raises(ValueError, match="marker"):
        fn([1.0, np.nan, 3.0], [0, 1, 1])
    with pytest.raises(ValueError, match="outcome"):
        fn([1.0, 2.0, 3.0], [0, 2, 1])
    with pytest.raises(ValueError, match="outcome"):
        fn([1.0, 2.0, 3.0], [1, 1, 1])
    with pytest.raises(ValueError, match="outcome"):
        fn([1.0, 2.0, 3.0], [0, 0, 0])
    with pytest.raises(ValueError, match="differ in length"):
        fn([1.0, 2.0, 3.0], [0, 1])


def test_bad_options_raise():
    with pytest.raises(ValueError, match="direction"):
        roc_auc([1, 2], [0, 1], ">=")
    with pytest.raises(ValueError, match="direction"):
        youden_cutpoint([1, 2], [0, 1], "<")
    with pytest.raises(ValueError, match="conf_level"):
        roc_auc([1, 2], [0, 1], conf_level=95)
    with pytest.raises(ValueError, match="marker2"):
        roc_test_delong([1, 2, 3], [1, np.nan, 3], [0, 1, 1])
