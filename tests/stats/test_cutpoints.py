"""Tests for mmevidence.stats.cutpoints against R maxstat::maxstat.test (maxstat 0.7-25).

Fixture: fixtures/cutpoints/cutpoints.R — smethod = "LogRank", pmethod Lau92 and Lau94, on
mgus2 hgb (futime, death; NAs dropped), lung age (two minprop/maxprop settings), lung
wt.loss, veteran karno and mgus2 creat.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmevidence.stats.cutpoints import logrank_scores, maxstat_cutpoint

CASES = json.loads((Path(__file__).parent / "fixtures" / "cutpoints" / "cutpoints.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_matches_maxstat_lau92(case):
    res = maxstat_cutpoint(case["time"], case["event"], case["marker"], case["minprop"], case["maxprop"])
    assert res.cutpoint == case["cutpoint"]
    np.testing.assert_allclose(res.statistic, case["statistic"], rtol=1e-6)
    np.testing.assert_allclose(res.p_value, case["p_lau92"], rtol=1e-6)
    np.testing.assert_array_equal(res.curve.cut.values, case["cuts"])
    np.testing.assert_allclose(res.curve.statistic.values, case["stats"], rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_matches_maxstat_lau94(case):
    res = maxstat_cutpoint(case["time"], case["event"], case["marker"], case["minprop"], case["maxprop"],
                           pmethod="Lau94")
    # R evaluates 1 - (pnorm(b) - pnorm(-b)), which cancels to within ~1e-16 (it even returns
    # -7.7e-17 for mgus2 creat); we use 2 * pnorm(-b), hence the absolute tolerance.
    np.testing.assert_allclose(res.p_value, case["p_lau94"], rtol=1e-6, atol=1e-15)


def test_mgus2_hemoglobin_printed_result():
    # maxstat.test(Surv(futime, death) ~ hgb, data = mgus2[!is.na(mgus2$hgb), ], smethod = "LogRank",
    # pmethod = "Lau92") prints M = 10.21, estimated cutpoint 12.1, p-value < 2.2e-16.
    case = CASES[0]
    res = maxstat_cutpoint(case["time"], case["event"], case["marker"])
    assert res.cutpoint == 12.1 and round(res.statistic, 2) == 10.21 and res.p_value < 2.2e-16


def test_logrank_scores_hand_calculation():
    # times 1, 2, 2, 3 with events 1, 1, 0, 1 (N = 4). Max ranks: 1, 3, 3, 4.
    # cumulative sum of delta/(N - R + 1): t=1: 1/4; t=2: 1/4 + 1/2 = 3/4 (the one event at 2,
    # divided by N - 3 + 1 = 2); t=3: 3/4 + 1/1 = 7/4.  R exactRankTests::cscores(Surv(...),
    # type = "LogRank") gives 0.75 0.25 -0.75 -0.75.
    got = logrank_scores(np.array([1.0, 2, 2, 3]), np.array([1.0, 1, 0, 1]))
    np.testing.assert_allclose(got, [1 - 0.25, 1 - 0.75, 0 - 0.75, 1 - 1.75], rtol=1e-12)


def test_too_few_distinct_marker_values():
    with pytest.raises(ValueError, match="distinct"):
        maxstat_cutpoint([1, 2, 3, 4], [1, 0, 1, 1], [5, 5, 5, 5])


def test_no_cut_within_minprop_maxprop():
    # 10 subjects, marker 0 for nine and 1 for one: the only cut leaves m = 9 in the low group,
    # above floor(10 * 0.8) = 8; maxstat stops with "no data between minprop, maxprop".
    with pytest.raises(ValueError, match="between minprop and maxprop"):
        maxstat_cutpoint(np.arange(1, 11), [1] * 10, [0] * 9 + [1], minprop=0.2, maxprop=0.8)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"time": [1, 2, -3], "event": [1, 0, 1], "marker": [1, 2, 3]}, "time"),
        ({"time": [1, 2, 3], "event": [1, 2, 1], "marker": [1, 2, 3]}, "event"),
        ({"time": [1, 2, 3], "event": [1, 0, 1], "marker": [1, np.nan, 3]}, "marker"),
        ({"time": [1, 2, 3], "event": [1, 0], "marker": [1, 2, 3]}, "differ in length"),
        ({"time": [1, 2, 3], "event": [1, 0, 1], "marker": [1, 2, 3], "pmethod": "HL"}, "pmethod"),
        ({"time": [1, 2, 3], "event": [1, 0, 1], "marker": [1, 2, 3], "minprop": 0.9, "maxprop": 0.1}, "minprop"),
    ],
)
def test_rejects_bad_input(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        maxstat_cutpoint(**kwargs)
