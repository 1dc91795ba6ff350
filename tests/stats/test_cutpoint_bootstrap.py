"""Tests for mmevidence.stats.cutpoint_bootstrap against the same bootstrap written out in R.

Fixture: fixtures/cutpoint_bootstrap/cutpoint_bootstrap.R. mgus2 (NA hgb dropped): OS (futime
months, death) by hemoglobin with the maxstat selection (maxstat.test LogRank, minprop 0.1,
maxprop 0.9); death within 60 months (status-known subjects) with the Youden selection
(cutpointr, direction "<="); OS by mspike (no effect) with maxstat, where the resamples' apparent
log HRs change sign (magnitude optimism). 25 resamples drawn in R and replayed here through ``indices``;
per resample the selected cut, and the apparent/test Cox log HR (coxph Efron), log-rank
chi-square (survdiff), Youden J and dichotomised AUC; optimism, corrected values and the
percentile (type 7) interval of the cut-point.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.cutpoint_bootstrap import _statistics, cutpoint_bootstrap, index_group

HERE = Path(__file__).parent / "fixtures"
FIX = json.loads((HERE / "cutpoint_bootstrap" / "cutpoint_bootstrap.json").read_text())
MG = pd.read_csv(HERE / "datasets" / "mgus2.csv").dropna(subset=["hgb"]).reset_index(drop=True)
KNOWN = MG[(MG.futime > 60) | ((MG.death == 1) & (MG.futime <= 60))].reset_index(drop=True)


def _check(res, fix):
    assert res.cutpoint == fix["cut"]
    np.testing.assert_allclose(res.replicates["cut"], fix["cuts"], rtol=1e-12)
    s = res.statistics.set_index("statistic")
    for k, v in fix["apparent"].items():
        np.testing.assert_allclose(s.loc[k, "apparent"], v, rtol=1e-6)
        np.testing.assert_allclose(s.loc[k, "optimism"], fix["optimism"][k], rtol=1e-6)
        np.testing.assert_allclose(s.loc[k, "corrected"], fix["corrected"][k], rtol=1e-6)
        assert s.loc[k, "n_valid"] == len(fix["cuts"])
    np.testing.assert_allclose([res.cut_lower, res.cut_upper], fix["cut_ci"], rtol=1e-12)


def test_maxstat_bootstrap_matches_r():
    fix = FIX["maxstat"]
    res = cutpoint_bootstrap(MG.hgb, MG.futime, MG.death, method="maxstat", side="<=", indices=fix["indices"])
    _check(res, fix)
    assert res.group == "marker <= cut-point" and res.seed is None
    # a selected statistic shrinks after correction
    assert res.corrected("logrank_chisq") < fix["apparent"]["logrank_chisq"]


def test_null_marker_sign_aware_log_hr_optimism_matches_r():
    # mspike has no effect on OS: resamples pick cuts in both directions (the fixture's apparent
    # log HRs change sign), so the log HR optimism is taken in magnitude
    fix = FIX["null_marker"]
    assert min(fix["log_hr_apparent_b"]) < 0 < max(fix["log_hr_apparent_b"])
    ns = pd.read_csv(HERE / "datasets" / "mgus2.csv").dropna(subset=["mspike"]).reset_index(drop=True)
    res = cutpoint_bootstrap(ns.mspike, ns.futime, ns.death, method="maxstat", side="<=", indices=fix["indices"])
    _check(res, fix)
    np.testing.assert_allclose(res.replicates["log_hr_apparent"], fix["log_hr_apparent_b"], rtol=1e-6)
    r = res.replicates
    plain = float(np.mean(r.log_hr_apparent - r.log_hr_test))     # the naive signed mean differs
    assert abs(plain - res.statistics.set_index("statistic").loc["log_hr", "optimism"]) > 0.01


def test_youden_bootstrap_matches_r():
    fix = FIX["youden"]
    y = ((KNOWN.death == 1) & (KNOWN.futime <= 60)).astype(int)
    res = cutpoint_bootstrap(KNOWN.hgb, KNOWN.futime, KNOWN.death, outcome=y, method="youden", side="<=",
                             indices=fix["indices"])
    _check(res, fix)


def test_seed_reproducible_and_hand_optimism():
    a = cutpoint_bootstrap(MG.hgb[:300], MG.futime[:300], MG.death[:300], n_boot=5, seed=7)
    b = cutpoint_bootstrap(MG.hgb[:300], MG.futime[:300], MG.death[:300], n_boot=5, seed=7)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    # optimism is the mean of apparent_b - test_b over the replicates, written out
    r = a.replicates
    assert a.statistics.set_index("statistic").loc["log_hr", "optimism"] == pytest.approx(
        float(np.mean(r.log_hr_apparent - r.log_hr_test)), rel=1e-12)


def test_infinite_log_hr_is_not_estimable():
    # Monotone likelihood (checked in R 4.2.2 / survival 3.5-3): index group (first four) censored at
    # 5..8, events at 1..4 in the other -> coxph gives -22.11 with "Ran out of iterations and did not
    # converge" (survdiff chisq 7.344407); index group at 1..4 with one event at 3, the other group's
    # events at 5..8 -> 21.15 with "Loglik converged before variable 1; coefficient may be infinite".
    # Those log HRs are NaN so they cannot dominate the mean optimism; the log-rank exists.
    g = np.array([True, True, True, True, False, False, False, False])
    e = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    out = _statistics(g, np.array([5.0, 6, 7, 8, 1, 2, 3, 4]), e, None)
    assert np.isnan(out["log_hr"]) and out["logrank_chisq"] == pytest.approx(7.344406814715233, rel=1e-12)
    out = _statistics(g, np.array([1.0, 2, 3, 4, 5, 6, 7, 8]), np.array([0.0, 0, 1, 0, 1, 1, 1, 1]), None)
    assert np.isnan(out["log_hr"])
    # an ordinary split keeps its log HR
    out = _statistics(g, np.array([1.0, 6, 3, 8, 5, 2, 7, 4]), np.array([1.0, 0, 1, 1, 1, 1, 0, 1]), None)
    assert np.isfinite(out["log_hr"])


def test_index_group_sides():
    x = np.array([1.0, 2.0, 3.0])
    assert index_group(x, 2.0, "maxstat", "<=").tolist() == [True, True, False]
    assert index_group(x, 2.0, "maxstat", ">=").tolist() == [False, False, True]
    assert index_group(x, 2.0, "youden", ">=").tolist() == [False, True, True]


def test_errors():
    with pytest.raises(ValueError, match="time, event"):
        cutpoint_bootstrap([1, 2, 3], method="maxstat")
    with pytest.raises(ValueError, match="outcome"):
        cutpoint_bootstrap([1, 2, 3], method="youden")
    with pytest.raises(ValueError, match="indices"):
        cutpoint_bootstrap([1, 2, 3], [1, 2, 3], [1, 0, 1], indices=[[0, 1, 5]])
