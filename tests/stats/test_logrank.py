"""Log-rank test (k groups, stratified, one-sided) against R survival 3.5-3 ``survdiff``.

Fixture: tests/stats/fixtures/logrank/logrank.R -> logrank.json.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mmevidence import stats

FIX = json.loads((Path(__file__).parent / "fixtures" / "logrank" / "logrank.json").read_text())
CASES = {c["name"]: c for c in FIX["cases"]}
RTOL = 1e-6


def arr(x) -> np.ndarray:
    vals = x if isinstance(x, list) else [x]
    return np.array([math.nan if v in ("NA", None) else float(v) for v in vals], dtype=float)


def labels(x) -> np.ndarray:
    vals = x if isinstance(x, list) else [x]
    return np.array(vals) if isinstance(vals[0], str) else np.array(vals, dtype=float)


def run(case, **kw):
    strata = None if case["strata"] in ({}, None) else labels(case["strata"])
    return stats.logrank_test(arr(case["time"]), arr(case["event"]), labels(case["group"]), strata=strata, **kw)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_survdiff(name):
    case = CASES[name]
    res = run(case)
    assert [str(g) if isinstance(g, str) else f"{g:g}" for g in res.observed.index] == case["groups"]
    np.testing.assert_array_equal(res.n.to_numpy(), arr(case["n"]))
    np.testing.assert_allclose(res.observed.to_numpy(), arr(case["observed"]), rtol=RTOL)
    np.testing.assert_allclose(res.expected.to_numpy(), arr(case["expected"]), rtol=RTOL)
    k = case["k"]
    np.testing.assert_allclose(res.variance, arr(case["variance"]).reshape(k, k, order="F"), rtol=RTOL, atol=1e-10)
    assert res.df == case["df"]
    np.testing.assert_allclose([res.statistic, res.p_value], [case["chisq"], case["p_value"]], rtol=RTOL)
    assert res.reason == ""


@pytest.mark.parametrize("name", sorted(n for n in CASES if "z" in CASES[n]))
def test_two_group_z_and_one_sided(name):
    case = CASES[name]
    two = run(case)
    np.testing.assert_allclose(two.z, case["z"], rtol=RTOL)
    np.testing.assert_allclose(two.z ** 2, two.statistic, rtol=1e-10)
    np.testing.assert_allclose(run(case, alternative="less").p_value, case["p_less"], rtol=RTOL)
    np.testing.assert_allclose(run(case, alternative="greater").p_value, case["p_greater"], rtol=RTOL)


def test_lung_sex_written_out():
    # R: survdiff(Surv(time, status) ~ sex, lung): O = 112, 53; E = 91.6, 73.4; Chisq = 10.3 on 1 df, p = 0.001
    res = run(CASES["lung_sex"])
    assert res.observed.tolist() == [112.0, 53.0]
    assert res.expected.round(1).tolist() == [91.6, 73.4]
    assert round(res.statistic, 1) == 10.3 and res.df == 1
    # men (sex = 1, first group) have more deaths than expected: "greater" is the small one-sided p
    assert res.z > 0 and run(CASES["lung_sex"], alternative="greater").p_value == pytest.approx(res.p_value / 2, rel=1e-9)


def test_empty_group_in_stratum_has_zero_rows():
    res = run(CASES["empty_group_in_stratum"])
    assert res.n.tolist() == [6, 6, 4]
    assert res.variance.shape == (3, 3)


def test_fewer_than_two_groups_with_expected_events():
    # every event happens after group 2 is censored... and group 1 alone carries the risk
    res = stats.logrank_test([5, 6, 7, 1, 2], [1, 1, 0, 0, 0], [1, 1, 1, 2, 2])
    assert math.isnan(res.statistic) and math.isnan(res.p_value) and res.reason
    assert res.expected.tolist() == [2.0, 0.0]


def test_no_events_is_not_a_number():
    res = stats.logrank_test([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"])
    assert math.isnan(res.statistic) and math.isnan(res.p_value) and res.reason


@pytest.mark.parametrize("kwargs, arg", [
    (dict(time=[1, math.nan, 3], event=[1, 0, 1], group=[1, 2, 1]), "time"),
    (dict(time=[1, -2, 3], event=[1, 0, 1], group=[1, 2, 1]), "time"),
    (dict(time=[1, 2, 3], event=[1, 3, 1], group=[1, 2, 1]), "event"),
    (dict(time=[1, 2, 3], event=[1, 0], group=[1, 2, 1]), "differ in length"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, 2]), "group"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, 1, 1]), "group"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, None, 2]), "group"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, 2, 1], strata=[1, 2]), "strata"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, 2, 1], alternative="one-sided"), "alternative"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], group=[1, 2, 3], alternative="less"), "alternative"),
])
def test_argument_errors(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        stats.logrank_test(**kwargs)
