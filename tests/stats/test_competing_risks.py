"""Tests for mmevidence.stats.competing_risks against R cmprsk::cuminc / timepoints (cmprsk 2.2-11).

Fixture: fixtures/competing_risks/competing_risks.R on R's mgus2 (progression = 1 vs death
without progression = 2) by sex, by 3 age groups, stratified, rho = 1, and a small
hand-made data set in which group C has no cause-2 events.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.competing_risks import cumulative_incidence

CASES = json.loads((Path(__file__).parent / "fixtures" / "competing_risks" / "competing_risks.json").read_text())


def _arr(values) -> np.ndarray:
    return np.array([np.nan if v in ("NA", "NaN", None) else v for v in values], dtype=float)


def _fit(case, **kw):
    return cumulative_incidence(case["time"], case["cause"], case["group"], strata=case["strata"],
                                rho=case["rho"], **kw)


def _key(case, name: str) -> tuple[object, int]:
    grp, cause = name.rsplit(" ", 1)
    return (grp if case["group"] is not None else 0), int(cause)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_curves_match_cuminc_at_every_corner(case):
    res = _fit(case)
    for curve in case["curves"]:
        grp, cause = _key(case, curve["name"])
        # cuminc lists the corners of the step function; the value at a time is its last entry
        ref = pd.DataFrame({"t": curve["time"], "e": curve["est"], "v": curve["var"]}).groupby("t").last()
        got = res.at(ref.index.values)
        got = got[(got.group == grp) & (got.cause == cause)]
        np.testing.assert_allclose(got.estimate.values, ref.e.values, rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(got.variance.values, ref.v.values, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_timepoints_and_loglog_ci(case):
    tp = case["timepoints"]
    res = _fit(case, times=tp["times"])
    for i, name in enumerate(tp["names"]):
        grp, cause = _key(case, name)
        got = res.table[(res.table.group == grp) & (res.table.cause == cause)]
        np.testing.assert_allclose(got.time.values, tp["times"])
        # NaN beyond the group's last follow-up, as timepoints() gives NA
        np.testing.assert_allclose(got.estimate.values, _arr(tp["est"][i]), rtol=1e-6, atol=1e-10)
        np.testing.assert_allclose(got.variance.values, _arr(tp["var"][i]), rtol=1e-6, atol=1e-10)
        # log(-log) limits computed in R from cuminc's estimate and variance; where F is 0 or 1
        # the transform is undefined and we give NaN (R's formula gives NaN at 0, 1 at 1)
        est = _arr(tp["est"][i])
        edge = (est == 0) | (est == 1)
        assert np.isnan(got.lower.values[edge]).all() and np.isnan(got.upper.values[edge]).all()
        lower, upper = _arr(case["ci95"]["lower"][i]), _arr(case["ci95"]["upper"][i])
        np.testing.assert_allclose(got.lower.values[~edge], lower[~edge], rtol=1e-6)
        np.testing.assert_allclose(got.upper.values[~edge], upper[~edge], rtol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if c["tests"]], ids=lambda c: c["name"])
def test_gray_test_matches_cuminc(case):
    res = _fit(case)
    ref = case["tests"]
    np.testing.assert_array_equal(res.gray_test.cause.values, [int(c) for c in ref["cause"]])
    np.testing.assert_allclose(res.gray_test.statistic.values, ref["stat"], rtol=1e-6)
    np.testing.assert_array_equal(res.gray_test.df.values, ref["df"])
    # R computes 1 - pchisq(), which is 0 below 1e-16; we use the upper tail directly
    np.testing.assert_allclose(res.gray_test.p_value.values, ref["pv"], rtol=1e-6, atol=1e-15)


def test_mgus2_by_sex_printed_values():
    # print(cuminc(etime, event, mgus2$sex)) in R: Tests 1.194508 (p 0.274422157) and
    # 11.651259 (p 0.000641591); F 1 at 300 months 0.1151287, var 0.0003038417.
    case = CASES[0]
    res = _fit(case)
    np.testing.assert_allclose(res.gray_test.statistic.values, [1.194508, 11.651259], rtol=1e-6)
    row = res.at([300]).query("group == 'F' and cause == 1")
    np.testing.assert_allclose([row.estimate.iloc[0], row.variance.iloc[0]], [0.1151287, 0.0003038417], rtol=1e-6)


def test_group_without_events_of_a_cause_is_flat_zero():
    case = next(c for c in CASES if c["name"] == "small_no_cause2_in_C")
    res = _fit(case)
    c2 = res.table.query("group == 'C' and cause == 2")
    assert list(c2.time) == [0.0] and list(c2.estimate) == [0.0] and list(c2.variance) == [0.0]
    assert np.isfinite(res.gray_test.statistic).all()


def test_single_group_has_no_test_and_table_starts_at_zero():
    res = cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1])
    assert res.gray_test is None
    # hand calculation: n = 4; t=1 cause 1: F1 = 1/4; t=2 cause 2: S = 3/4 * 2/3 = 1/2;
    # t=4 cause 1: F1 = 1/4 + S(4-) * 1/1 = 3/4
    f1 = res.table.query("cause == 1")
    np.testing.assert_allclose(f1.time, [0, 1, 4])
    np.testing.assert_allclose(f1.estimate, [0, 0.25, 0.75])


def test_plain_ci_is_clipped():
    res = cumulative_incidence([1, 2, 3, 4], [1, 2, 0, 1], conf_type="plain")
    assert (res.table.lower >= 0).all() and (res.table.upper <= 1).all()


@pytest.mark.parametrize(
    "args, arg",
    [
        (([1, -2, 3], [1, 0, 1]), "time"),
        (([1, 2, 3], [1, 0.5, 1]), "cause"),
        (([1, 2, 3], [1, -1, 1]), "cause"),
        (([1, 2, 3], [1, 0]), "differ in length"),
        (([1, 2, 3], [0, 0, 0]), "cause"),
        (([1, np.nan, 3], [1, 0, 1]), "time"),
    ],
)
def test_rejects_bad_input(args, arg):
    with pytest.raises(ValueError, match=arg):
        cumulative_incidence(*args)
