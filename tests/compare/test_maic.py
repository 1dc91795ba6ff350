"""MAIC weights and weighted effects against R (TSD 18 appendix method) and hand calculations.

Fixture: tests/compare/fixtures/maic/maic.R (R 4.2.2, survival 3.5-3) simulates the index trial
(cohort.csv: 600 patients, A vs C, covariates shifted from the comparator trial's published
baseline, ECOG 1 modifying the treatment effect), computes the weights with base R optim
BFGS on sum(exp(X a)) (Newton-polished), the weighted Cox (coxph weights, robust), the Bucher
comparison, and the truth in the target population (a 200,000-patient simulated trial for the
HR, numerical integration for the response rate).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence import compare
from mmevidence.stats.estimate import Estimate

FIX_DIR = Path(__file__).parent / "fixtures" / "maic"
FIX = json.loads((FIX_DIR / "maic.json").read_text())
COHORT = pd.read_csv(FIX_DIR / "cohort.csv")
TARGETS = FIX["targets"]


def test_weights_match_r_tsd18_means() -> None:
    fit = compare.maic_weights(COHORT, TARGETS)
    np.testing.assert_allclose(fit.weights, FIX["weights_mean"], rtol=1e-6)
    np.testing.assert_allclose(fit.ess, FIX["ess_mean"], rtol=1e-6)


def test_weights_match_r_tsd18_with_sd() -> None:
    fit = compare.maic_weights(COHORT, TARGETS, match_sd={"age": FIX["age_sd"]})
    np.testing.assert_allclose(fit.weights, FIX["weights_sd"], rtol=1e-6)
    np.testing.assert_allclose(fit.ess, FIX["ess_sd"], rtol=1e-6)


def test_weighted_moments_equal_targets_and_ess_by_hand() -> None:
    fit = compare.maic_weights(COHORT, TARGETS, match_sd={"age": 8.0})
    w = fit.weights
    np.testing.assert_allclose(w.sum(), len(COHORT), rtol=1e-12)
    for column, target in TARGETS.items():
        weighted_mean = np.sum(w * COHORT[column]) / w.sum()
        assert abs(weighted_mean - target) < 1e-8, column
    weighted_sq = np.sum(w * COHORT["age"] ** 2) / w.sum()
    assert abs(weighted_sq - (8.0 ** 2 + 68.0 ** 2)) < 1e-8 * 68 ** 2
    np.testing.assert_allclose(fit.ess, w.sum() ** 2 / np.sum(w ** 2), rtol=1e-12)
    bal = fit.balance.set_index("covariate")
    assert list(bal.index) == ["age", "age (SD)", "male", "ecog1", "iss3"]
    np.testing.assert_allclose(bal["after"], bal["target"], rtol=1e-8)
    np.testing.assert_allclose(bal.loc["age", "before"], COHORT["age"].mean(), rtol=1e-12)
    np.testing.assert_allclose(bal.loc["age (SD)", "before"], COHORT["age"].std(ddof=0), rtol=1e-12)


def test_weighted_cox_and_bucher_match_r() -> None:
    w = compare.maic_weights(COHORT, TARGETS).weights
    hr = compare.weighted_hazard_ratio(COHORT, "time", "event", "arm", "A", w)
    ref = FIX["cox_weighted"]
    np.testing.assert_allclose([hr.estimate, hr.se, hr.lower, hr.upper],
                               [ref["hr"], ref["se_robust"], ref["lower"], ref["upper"]], rtol=1e-6)
    pub = FIX["published_bc"]
    ab = compare.bucher(hr, Estimate(pub["hr"], pub["lower"], pub["upper"]))
    b = FIX["bucher"]
    np.testing.assert_allclose([ab.estimate, ab.lower, ab.upper, ab.se], [b["hr"], b["lower"], b["upper"], b["se"]],
                               rtol=1e-6)
    anchored = compare.anchored_comparison(COHORT, TARGETS, Estimate(pub["hr"], pub["lower"], pub["upper"]),
                                           "time", "event", "arm", "A")
    np.testing.assert_allclose(anchored.estimate, b["hr"], rtol=1e-6)


def test_weighted_effects_move_toward_truth() -> None:
    w = compare.maic_weights(COHORT, TARGETS).weights
    hr = compare.weighted_hazard_ratio(COHORT, "time", "event", "arm", "A", w).estimate
    assert abs(hr - FIX["truth_hr"]) < abs(FIX["cox_unweighted_hr"] - FIX["truth_hr"]) / 5
    a = (COHORT["arm"] == "A").to_numpy()
    rate = compare.weighted_proportion(COHORT["response"][a], w[a])
    np.testing.assert_allclose([rate.estimate, rate.se], [FIX["response_a_weighted"], FIX["response_a_weighted_se"]],
                               rtol=1e-6)
    assert abs(rate.estimate - FIX["truth_response_a"]) < abs(FIX["response_a_unweighted"] - FIX["truth_response_a"])


def test_unanchored_hr_is_weighted_cox_of_pooled_arms() -> None:
    w = compare.maic_weights(COHORT, TARGETS).weights
    a = (COHORT["arm"] == "A").to_numpy()
    un = compare.unanchored_hazard_ratio(COHORT[a], w[a], COHORT[~a])
    weights = np.where(a, w, 1.0)
    direct = compare.weighted_hazard_ratio(COHORT, "time", "event", "arm", "A", weights)
    np.testing.assert_allclose(un[:4], direct[:4], rtol=1e-12)


def test_bootstrap_reproducible_and_reestimates_weights() -> None:
    def stat(d: pd.DataFrame, w: np.ndarray) -> float:
        return float(np.sum(w * d["response"]) / w.sum())
    one = compare.bootstrap_maic(COHORT, TARGETS, stat, n_boot=50, seed=7)
    two = compare.bootstrap_maic(COHORT, TARGETS, stat, n_boot=50, seed=7)
    np.testing.assert_array_equal(one.replicates, two.replicates)
    # replicate 0 by hand: same generator, same resample, weights re-estimated on it
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(COHORT), len(COHORT))
    sample = COHORT.iloc[idx]
    np.testing.assert_allclose(one.replicates[0], stat(sample, compare.maic_weights(sample, TARGETS).weights),
                               rtol=1e-12)
    np.testing.assert_allclose([one.lower, one.upper], np.quantile(one.replicates, [0.025, 0.975]), rtol=1e-12)
    assert one.failed == 0 and one.lower < one.estimate < one.upper


@pytest.mark.parametrize("targets, match_sd, message", [
    ({"age": 90.0}, None, r"'age' target 90 is outside the cohort's observed range \[3\d\.\d+, 8\d\.\d+\]"),
    ({"male": 46.3}, None, r"'male' target 46.3 is outside .*\[0, 1\].*0-1 scale"),
    ({"iss3": 0.0}, None, r"'iss3' target 0 is outside"),
    ({"sex": 0.5}, None, r"column 'sex' is not in the data"),
    ({"age": 68.0}, {"male": 0.5}, r"match_sd: \['male'\] have no published mean"),
    ({"age": 68.0, "male": 0.5}, {"male": 0.5}, r"'male' is binary"),
    ({"age": 68.0}, {"age": 40.0}, r"'age' SD 40 with mean 68 is not below 2\d\.\d+, the largest SD"),
])
def test_impossible_targets_are_refused(targets, match_sd, message) -> None:
    with pytest.raises(ValueError, match=message):
        compare.maic_weights(COHORT, targets, match_sd)


def test_jointly_impossible_targets_are_refused() -> None:
    # each target inside its range, but nobody is both male and female-coded: x + y = 1 always
    data = pd.DataFrame({"x": [0, 1, 0, 1, 0, 1], "y": [1, 0, 1, 0, 1, 0]})
    with pytest.raises(ValueError, match="no weights match all targets jointly"):
        compare.maic_weights(data, {"x": 0.5, "y": 0.6})


def test_missing_covariate_is_refused() -> None:
    data = COHORT.copy()
    data.loc[5, "age"] = np.nan
    with pytest.raises(ValueError, match=r"column 'age' has a missing or non-finite value in row 5"):
        compare.maic_weights(data, TARGETS)


def test_weighted_proportion_by_hand() -> None:
    # x = (1, 0, 1), w = (1, 2, 3): p = 4/6; se = sqrt(1*(1/3)^2 + 4*(2/3)^2 + 9*(1/3)^2)/6 = sqrt(26/9)/6
    est = compare.weighted_proportion(np.array([1, 0, 1]), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose([est.estimate, est.se], [4 / 6, np.sqrt(26 / 9) / 6], rtol=1e-12)


def test_weighted_km_of_arm_a_matches_r_survfit() -> None:
    # R survfit(weights = w) on arm A: non-integer weights -> robust (infinitesimal jackknife) SE
    from mmevidence.stats import kaplan_meier
    w = compare.maic_weights(COHORT, TARGETS).weights
    a = (COHORT["arm"] == "A").to_numpy()
    km = kaplan_meier(COHORT["time"][a], COHORT["event"][a], weights=w[a])
    ref = FIX["km_weighted_a"]
    np.testing.assert_allclose(km.quantile(0.5).estimate, ref["median"], rtol=1e-6)
    row = km.table[km.table["time"] <= 12].iloc[-1]
    np.testing.assert_allclose([row["survival"], row["std_err"]], [ref["surv_12"], ref["std_err_12"]], rtol=1e-6)


def test_bootstrap_progress_bar_gives_the_same_replicates() -> None:
    def stat(d: pd.DataFrame, w: np.ndarray) -> float:
        return float(np.sum(w * d["age"]) / w.sum())
    quiet = compare.bootstrap_maic(COHORT, {"male": 0.5}, stat, n_boot=5, seed=3)
    shown = compare.bootstrap_maic(COHORT, {"male": 0.5}, stat, n_boot=5, seed=3, progress=True)
    np.testing.assert_array_equal(quiet.replicates, shown.replicates)


def test_nullable_and_object_booleans_are_proportions() -> None:
    data = COHORT[["age", "male"]].copy()
    data["male"] = data["male"].astype(bool).astype("boolean")
    ref = compare.maic_weights(COHORT, {"age": 68.0, "male": 0.5}).weights
    np.testing.assert_allclose(compare.maic_weights(data, {"age": 68.0, "male": 0.5}).weights, ref, rtol=1e-12)
    data["male"] = data["male"].astype(object)
    np.testing.assert_allclose(compare.maic_weights(data, {"age": 68.0, "male": 0.5}).weights, ref, rtol=1e-12)
    data.loc[3, "male"] = None
    with pytest.raises(ValueError, match=r"column 'male' has a missing or non-finite value in row 3"):
        compare.maic_weights(data, {"male": 0.5})
    data["male"] = "M"
    with pytest.raises(ValueError, match=r"column 'male' is not numeric"):
        compare.maic_weights(data, {"male": 0.5})


def test_bootstrap_within_strata_keeps_arm_sizes() -> None:
    boot = compare.bootstrap_maic(COHORT, TARGETS, lambda d, w: float((d["arm"] == "A").sum()), n_boot=20,
                                  seed=1, strata="arm")
    assert (boot.replicates == 300).all()
    free = compare.bootstrap_maic(COHORT, TARGETS, lambda d, w: float((d["arm"] == "A").sum()), n_boot=20, seed=1)
    assert (free.replicates != 300).any()


def test_weighted_proportion_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match=r"x: value .*2\.0\)? at position 1 is not 0 or 1"):
        compare.weighted_proportion(np.array([1, 2]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"arguments differ in length: x=2, weights=3"):
        compare.weighted_proportion(np.array([1, 0]), np.array([1.0, 1.0, 1.0]))
