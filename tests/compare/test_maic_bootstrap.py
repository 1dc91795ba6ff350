"""Fast weighted Cox point estimate for the MAIC bootstrap (issue 8).

References: R ``coxph(Surv(month, event) ~ x [+ strata(s)], weights = w, ties = ...)`` (survival 3.5-3,
fixture tests/compare/fixtures/maic/weighted_cox.R: the MAIC cohort with times rounded up to whole
months, 448 events on 35 distinct times, non-integer MAIC weights); a closed-form Breslow estimate
by hand; and :func:`mmevidence.stats.cox_ph` on the same bootstrap replicates.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence import compare
from mmevidence.compare import maic
from mmevidence.stats import cox_ph
from mmevidence.stats import weighted_log_hazard_ratio
from mmevidence.stats.estimate import Estimate

FIX_DIR = Path(__file__).parent / "fixtures" / "maic"
FIXTURE = json.loads((FIX_DIR / "weighted_cox.json").read_text())
TARGETS = {"age": 68.0, "male": 0.5, "ecog1": 0.6, "iss3": 0.35}


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    """The R fixture's data: cohort.csv, times rounded up to months (ties), MAIC weights (age SD matched)."""
    df = pd.read_csv(FIX_DIR / "cohort.csv")
    weights = json.loads((FIX_DIR / "maic.json").read_text())["weights_sd"]
    return df.assign(month=np.ceil(df["time"]), trt=(df["arm"] == "A").astype(float), w=weights)


def test_fixture_has_ties_and_non_integer_weights(cohort) -> None:
    assert FIXTURE["n_event_times"] == cohort.loc[cohort.event == 1, "month"].nunique() == 35
    assert FIXTURE["n_events"] == cohort["event"].sum() == 448
    assert np.any(cohort["w"] != np.round(cohort["w"]))


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: f"{c['x']}-{c['ties']}-strata:{c['strata'] or 'none'}")
def test_weighted_log_hazard_ratio_matches_r_coxph(cohort, case) -> None:
    strata = cohort[case["strata"]].to_numpy() if case["strata"] else None
    b = weighted_log_hazard_ratio(cohort["month"], cohort["event"], cohort[case["x"]], cohort["w"],
                                  ties=case["ties"], strata=strata)
    assert b == pytest.approx(case["coef"], rel=1e-6)


def test_breslow_by_hand() -> None:
    """One event time with two tied deaths (A: x=1, weight a; B: x=0, weight b), both of C (x=1, weight c) and
    D (x=0, weight d) censored later. Breslow: l = a beta - (a + b) log((a + c) e^beta + b + d), so
    U = a - (a + b)(a + c) e^beta / ((a + c) e^beta + b + d) = 0 gives HR = e^beta = a (b + d) / (b (a + c))
    = 1.5 * 3 / (0.5 * 3.5) = 18/7."""
    a, b, c, d = 1.5, 0.5, 2.0, 2.5
    beta = weighted_log_hazard_ratio([1, 1, 2, 2], [1, 1, 0, 0], [1, 0, 1, 0], [a, b, c, d], ties="breslow")
    assert math.exp(beta) == pytest.approx(18 / 7, rel=1e-9)
    assert a * (b + d) / (b * (a + c)) == pytest.approx(18 / 7, rel=1e-15)


def test_efron_equals_breslow_without_ties(cohort) -> None:
    """Efron's correction only acts on tied deaths: on the untied original times both give one estimate."""
    args = (cohort["time"], cohort["event"], cohort["trt"], cohort["w"])
    assert weighted_log_hazard_ratio(*args, ties="efron") == pytest.approx(
        weighted_log_hazard_ratio(*args, ties="breslow"), rel=1e-12)


def _cox_ph_hr(ties: str):
    """The statistic as written before the fast path: cox_ph (robust) on the resample's DataFrame."""
    def hr(d: pd.DataFrame, w: np.ndarray) -> float:
        frame = pd.DataFrame({"time": d["month"].to_numpy(), "event": d["event"].to_numpy(),
                              "trt": (d["arm"] == "A").to_numpy(dtype=float)})
        return cox_ph(frame, "time", "event", ["trt"], weights=w, ties=ties, robust=True).hazard_ratio("trt").estimate
    return hr


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("strata", [None, "arm"])
def test_fast_statistic_equals_cox_ph_on_bootstrap_replicates(cohort, ties, strata) -> None:
    kw = dict(n_boot=25, seed=3, strata=strata)
    fast = compare.bootstrap_maic(cohort, TARGETS, compare.hazard_ratio_statistic("month", "event", "arm", "A",
                                                                                  ties=ties), **kw)
    slow = compare.bootstrap_maic(cohort, TARGETS, _cox_ph_hr(ties), **kw)
    assert fast.failed == slow.failed == 0
    np.testing.assert_allclose(fast.replicates, slow.replicates, rtol=1e-9)
    assert fast.estimate == pytest.approx(slow.estimate, rel=1e-9)
    assert (fast.lower, fast.upper, fast.se) == pytest.approx((slow.lower, slow.upper, slow.se), rel=1e-9)
    # the point estimate on the full data is R's weighted coxph (Efron; same weights as the fixture's 'means' fit)
    if ties == "efron":
        r = json.loads((FIX_DIR / "maic.json").read_text())
        w = np.asarray(r["weights_mean"])
        hr = compare.hazard_ratio_statistic("time", "event", "arm", "A")(cohort, w)
        assert hr == pytest.approx(r["cox_weighted"]["hr"], rel=1e-6)


def test_anchored_and_unanchored_statistics_equal_bucher_and_unanchored_hr(cohort) -> None:
    """reference_hr gives bucher()'s point estimate HR_AC / HR_BC; comparator gives unanchored_hazard_ratio's,
    on the full data and on every bootstrap replicate."""
    published = Estimate(0.75, 0.60, 0.94, math.nan)
    rng = np.random.default_rng(5)
    comparator = pd.DataFrame({"time": np.ceil(rng.exponential(14, 150)), "event": rng.binomial(1, 0.7, 150)})
    data = cohort.rename(columns={"time": "t_exact", "month": "time"})

    def anchored(d: pd.DataFrame, w: np.ndarray) -> float:
        return compare.bucher(compare.weighted_hazard_ratio(d, "time", "event", "arm", "A", w), published).estimate

    def unanchored(d: pd.DataFrame, w: np.ndarray) -> float:
        keep = (d["arm"] == "A").to_numpy()
        return compare.unanchored_hazard_ratio(d.loc[keep], w[keep], comparator).estimate

    fast_anchored = compare.hazard_ratio_statistic("time", "event", "arm", "A", reference_hr=0.75)
    fast_unanchored = compare.hazard_ratio_statistic("time", "event", "arm", "A", comparator=comparator)
    for slow, fast in ((anchored, fast_anchored), (unanchored, fast_unanchored)):
        a = compare.bootstrap_maic(data, TARGETS, slow, n_boot=15, seed=11, strata="arm")
        b = compare.bootstrap_maic(data, TARGETS, fast, n_boot=15, seed=11, strata="arm")
        assert b.estimate == pytest.approx(a.estimate, rel=1e-10)
        np.testing.assert_allclose(b.replicates, a.replicates, rtol=1e-10)
    # no arm column: every row is the index arm
    arm_a = data[data["arm"] == "A"]
    w = np.linspace(0.5, 2.0, len(arm_a))
    assert compare.hazard_ratio_statistic("time", "event", None, comparator=comparator)(arm_a, w) == pytest.approx(
        compare.unanchored_hazard_ratio(arm_a, w, comparator).estimate, rel=1e-12)


def test_on_rows_statistic_gets_the_resample_rows(cohort) -> None:
    """A statistic with on_rows(data) is handed each resample's row indices: same replicates as the
    DataFrame statistic it stands for (the weighted response rate)."""
    class Response:
        def __call__(self, d: pd.DataFrame, w: np.ndarray) -> float:
            return float(w @ d["response"].to_numpy() / w.sum())

        def on_rows(self, data: pd.DataFrame):
            r = data["response"].to_numpy(dtype=float)
            return lambda rows, w: float(w @ r[rows] / w.sum())

    a = compare.bootstrap_maic(cohort, TARGETS, Response(), n_boot=30, seed=2)
    b = compare.bootstrap_maic(cohort, TARGETS, Response().__call__, n_boot=30, seed=2)
    np.testing.assert_array_equal(a.replicates, b.replicates)


def test_percentile_interval_keeps_infinite_and_counts_undefined_replicates(cohort) -> None:
    """A median not reached in a resample is +inf and stays in the percentile interval; NaN replicates
    are left out and counted. Statistic: the weight of row 0's resample rank -- replicate b is made
    +inf for b % 10 == 0 (100 of 1,000), NaN for b % 25 == 1 (40), else b; by hand, the 960 defined
    replicates sorted are the 860 finite values then 100 x inf; type 7 at 0.975: h = 959 x 0.975 =
    935.025 -> between order statistics 935 and 936 (0-based), both inf -> inf; at 0.025:
    h = 23.975 -> x[23] + 0.975 (x[24] - x[23])."""
    calls = iter(range(10**6))

    def statistic(d: pd.DataFrame, w: np.ndarray) -> float:
        b = next(calls) - 1  # call 0 is the estimate on the original data
        if b % 10 == 0:
            return math.inf
        return math.nan if b % 25 == 1 else float(b)

    res = compare.bootstrap_maic(cohort, TARGETS, statistic, n_boot=1000, seed=3)
    assert res.failed == 0 and res.undefined == 40
    assert res.upper == math.inf and math.isnan(res.se)
    finite = np.array([b for b in range(1000) if b % 10 != 0 and b % 25 != 1], dtype=float)
    assert finite.size == 860
    np.testing.assert_allclose(res.lower, finite[23] + 0.975 * (finite[24] - finite[23]), rtol=1e-15)
    # on finite replicates the interval is numpy's / R's type-7 quantile
    assert maic._percentile_type7(finite, [0.025, 0.975]) == list(np.quantile(finite, [0.025, 0.975]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=[1, 1, 1, 1]), "x: information matrix is singular"),
    (dict(event=[0, 0, 0, 0]), "no events"),
    (dict(weights=[1, -1, 1, 1]), "weights: value -1.0 at position 1 is not > 0"),
    (dict(weights=[1, 1, 1]), "differ in length"),
    (dict(time=[1, -2, 3, 4]), "time: value -2.0 at position 1 is negative"),
    (dict(event=[1, 2, 0, 1]), "event: value 2.0"),
    (dict(ties="exact"), "ties: expected 'efron' or 'breslow'"),
    (dict(strata=["a", None, "b", "b"]), "strata: missing value at position 1"),
])
def test_weighted_log_hazard_ratio_refuses_bad_input(kwargs, message) -> None:
    args = dict(time=[1, 2, 3, 4], event=[1, 0, 1, 1], x=[1, 0, 1, 0], weights=None) | kwargs
    with pytest.raises(ValueError, match=message):
        weighted_log_hazard_ratio(**args)


def test_hazard_ratio_statistic_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="arm: needed unless a comparator"):
        compare.hazard_ratio_statistic("time", "event", None)
    with pytest.raises(ValueError, match="ties"):
        compare.hazard_ratio_statistic("time", "event", "arm", "A", ties="exact")
    with pytest.raises(ValueError, match="comparator: expected columns"):
        compare.hazard_ratio_statistic("time", "event", "arm", "A", comparator=pd.DataFrame({"t": [1.0]}))
    one_arm = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 1], "arm": ["A", "A"]})
    with pytest.raises(ValueError, match="arm: column 'arm' must hold 'A' and at least one other arm"):
        compare.hazard_ratio_statistic("time", "event", "arm", "A")(one_arm, np.ones(2))
    with pytest.raises(ValueError, match="reference_hr"):
        compare.hazard_ratio_statistic("time", "event", "arm", "A", reference_hr=0.0)
