"""Logistic regression (mmevidence.stats.logistic.logistic_regression) against R glm(family = binomial).

Reference numbers: tests/stats/fixtures/logistic/logistic.json, written by
logistic.R in that folder from the CSV exports in tests/stats/fixtures/datasets.
Each data preparation below (outcome definitions included) repeats the R script.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.logistic import SEPARATION_WARNING, LogisticResult, logistic_regression

FIXTURES = Path(__file__).parent / "fixtures"
R = json.loads((FIXTURES / "logistic" / "logistic.json").read_text())
RTOL = 1e-6


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "datasets" / f"{name}.csv")


def lung() -> pd.DataFrame:
    d = _csv("lung").dropna(subset=["time", "status", "age", "sex", "ph.ecog"]).copy()
    d["died_1y"] = ((d["status"] == 2) & (d["time"] < 365)).astype(int)  # death before day 365 vs rest
    d["sex"] = np.where(d["sex"] == 1, "M", "F")
    d["ph.ecog"] = pd.Categorical(d["ph.ecog"].astype(int))
    return d


def lung_ecog02() -> pd.DataFrame:
    d = lung()
    return d[d["ph.ecog"] != 3]


def mgus2() -> pd.DataFrame:
    d = _csv("mgus2").dropna(subset=["futime", "death", "hgb", "age", "sex"]).copy()
    d["death10"] = ((d["death"] == 1) & (d["futime"] <= 120)).astype(int)  # died within 120 months
    return d


def separated() -> pd.DataFrame:
    x = np.arange(1, 21)
    return pd.DataFrame({"x": x, "y": (x > 10).astype(int)})


LUNG = ["age", "sex", "ph.ecog"]
CASES = {
    "lung": lambda: logistic_regression(lung(), "died_1y", LUNG),
    "lung_ecog02": lambda: logistic_regression(lung_ecog02(), "died_1y", LUNG),
    "lung_ecog02_90": lambda: logistic_regression(lung_ecog02(), "died_1y", LUNG, conf_level=0.90),
    "mgus2": lambda: logistic_regression(mgus2(), "death10", ["hgb", "age", "sex"]),
    "separated": lambda: logistic_regression(separated(), "y", ["x"]),
}


def fit(case: str) -> LogisticResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return CASES[case]()


@pytest.mark.parametrize("case", sorted(CASES))
def test_coefficients_match_r_glm(case: str) -> None:
    ref, got = R[case], fit(case)
    s = got.summary
    assert list(s["term"]) == ref["terms"]
    for col, key in [("coef", "coef"), ("se", "se"), ("z", "z"), ("p", "p"), ("odds_ratio", "or"),
                     ("or_lower", "or_lower"), ("or_upper", "or_upper")]:
        expected = [float(v) for v in ref[key]]  # jsonlite writes R's Inf as "Inf"
        np.testing.assert_allclose(s[col], expected, rtol=RTOL, err_msg=col)
    np.testing.assert_allclose(got.var.to_numpy(), np.array(ref["vcov"]), rtol=RTOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_statistics_match_r_glm(case: str) -> None:
    ref, got = R[case], fit(case)
    np.testing.assert_allclose(got.loglik, ref["loglik"], rtol=RTOL)
    np.testing.assert_allclose(got.deviance, ref["deviance"], rtol=RTOL)
    np.testing.assert_allclose(got.null_deviance, ref["null_deviance"], rtol=RTOL)
    np.testing.assert_allclose(got.aic, ref["aic"], rtol=RTOL)
    np.testing.assert_allclose([got.lr_test.statistic, got.lr_test.df, got.lr_test.p], ref["lr"], rtol=RTOL)
    assert got.n == ref["n"]
    assert got.df_residual == ref["df_residual"]
    assert got.iterations == ref["iter"]
    assert got.converged == ref["converged"]
    assert list(got.warnings) == ref["warnings"]


def test_separation_warns_like_r() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = logistic_regression(separated(), "y", ["x"])
    assert [str(w.message) for w in caught] == ["glm.fit: algorithm did not converge",
                                                "glm.fit: fitted probabilities numerically 0 or 1 occurred"]
    assert all(w.category is RuntimeWarning for w in caught)
    assert not res.converged
    assert res.odds_ratio("x").reason.startswith("fitted probabilities")


def test_two_by_two_table_by_hand() -> None:
    # One binary covariate: the MLE reproduces the table. Group x=0: 3 of 10 events,
    # x=1: 6 of 8. coef(x) = log odds ratio = log((6/2)/(3/7)) = log 7; intercept = log(3/7);
    # se(x) = sqrt(1/3 + 1/7 + 1/6 + 1/2) (Woolf); loglik from the fitted proportions.
    x = np.r_[np.zeros(10), np.ones(8)]
    y = np.r_[np.ones(3), np.zeros(7), np.ones(6), np.zeros(2)]
    res = logistic_regression(pd.DataFrame({"x": x, "y": y}), "y", ["x"])
    s = res.summary.set_index("term")
    np.testing.assert_allclose(s.loc["x", "coef"], math.log(7), rtol=1e-8)
    np.testing.assert_allclose(s.loc["(Intercept)", "coef"], math.log(3 / 7), rtol=1e-8)
    # R (and we) take the SE from the IRLS weights of the last iteration, i.e. at the previous
    # iterate, not at the MLE: it differs from the exact Woolf SE in the 7th digit here.
    np.testing.assert_allclose(s.loc["x", "se"], math.sqrt(1 / 3 + 1 / 7 + 1 / 6 + 1 / 2), rtol=1e-5)
    loglik = 3 * math.log(0.3) + 7 * math.log(0.7) + 6 * math.log(0.75) + 2 * math.log(0.25)
    np.testing.assert_allclose(res.loglik, loglik, rtol=1e-10)
    null = 9 * math.log(0.5) + 9 * math.log(0.5)
    np.testing.assert_allclose(res.lr_test.statistic, 2 * (loglik - null), rtol=1e-10)
    assert res.warnings == ()


def test_no_separation_warning_on_clean_fit() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = logistic_regression(mgus2(), "death10", ["hgb", "age", "sex"])
    assert SEPARATION_WARNING not in res.warnings


def test_rejects_bad_input() -> None:
    d = separated()
    with pytest.raises(ValueError, match="outcome"):
        logistic_regression(d.assign(y=d["y"] * 2), "y", ["x"])
    with pytest.raises(ValueError, match="not found"):
        logistic_regression(d, "z", ["x"])
    d2 = d.assign(x2=2 * d["x"])
    with pytest.raises(ValueError, match="collinear"):
        logistic_regression(d2, "y", ["x", "x2"])
    d3 = d.astype({"x": float})
    d3.loc[3, "x"] = np.nan
    with pytest.raises(ValueError, match="missing"):
        logistic_regression(d3, "y", ["x"])
