"""Cox proportional hazards (mmevidence.stats.cox_ph) against R survival 3.5-3 coxph.

Reference numbers: tests/stats/fixtures/cox/cox.json, written by cox.R in that
folder from the CSV exports in tests/stats/fixtures/datasets. Each data
preparation below repeats the R script's step by step (complete cases, recodes).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats import CoxResult, cox_ph

FIXTURES = Path(__file__).parent / "fixtures"
R = json.loads((FIXTURES / "cox" / "cox.json").read_text())
RTOL = 1e-6


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "datasets" / f"{name}.csv")


def lung() -> pd.DataFrame:
    d = _csv("lung").dropna(subset=["time", "status", "age", "sex", "ph.ecog"]).copy()
    d["event"] = d["status"] - 1
    d["sex"] = np.where(d["sex"] == 1, "M", "F")
    d["ph.ecog"] = pd.Categorical(d["ph.ecog"].astype(int))
    d["quarter"] = d["time"] // 91
    return d


def mgus2() -> pd.DataFrame:
    return _csv("mgus2").dropna(subset=["futime", "death", "age", "sex", "mspike"])


def veteran() -> pd.DataFrame:
    d = _csv("veteran")
    d["celltype"] = pd.Categorical(d["celltype"], categories=["squamous", "smallcell", "adeno", "large"])
    d["w"] = d["age"] / 60
    return d


def colon() -> pd.DataFrame:
    d = _csv("colon")
    return d[(d["etype"] == 2) & d["nodes"].notna()]


def binary_noties() -> pd.DataFrame:
    d = lung()
    return d[~d["time"].duplicated(keep=False)]


def separated() -> pd.DataFrame:
    x = np.tile([0, 1], 10)
    return pd.DataFrame({"time": np.arange(1, 21), "x": x, "event": x})


LUNG = ["age", "sex", "ph.ecog"]
VET = ["trt", "celltype", "karno"]
CASES = {
    "lung_efron": lambda: cox_ph(lung(), "time", "event", LUNG),
    "lung_breslow": lambda: cox_ph(lung(), "time", "event", LUNG, ties="breslow"),
    "lung_robust": lambda: cox_ph(lung(), "time", "event", LUNG, robust=True),
    "ties_efron": lambda: cox_ph(lung(), "quarter", "event", LUNG, ties="efron"),
    "ties_breslow": lambda: cox_ph(lung(), "quarter", "event", LUNG, ties="breslow"),
    "ties_efron_robust": lambda: cox_ph(lung(), "quarter", "event", LUNG, robust=True),
    "ties_breslow_robust": lambda: cox_ph(lung(), "quarter", "event", LUNG, ties="breslow", robust=True),
    "mgus2_efron": lambda: cox_ph(mgus2(), "futime", "death", ["age", "sex", "mspike"]),
    "mgus2_breslow": lambda: cox_ph(mgus2(), "futime", "death", ["age", "sex", "mspike"], ties="breslow"),
    "veteran_strata": lambda: cox_ph(veteran(), "time", "status", VET, strata="prior"),
    "veteran_weighted_robust": lambda: cox_ph(veteran(), "time", "status", VET, strata="prior",
                                              weights="w", robust=True),
    # robust not given: R (and cox_ph) switch it on because the weights are not integers.
    "veteran_weighted": lambda: cox_ph(veteran(), "time", "status", VET, strata="prior",
                                       weights=veteran()["w"].to_numpy(), ties="breslow"),
    "veteran_empty_group": lambda: cox_ph(
        veteran().query("not (prior == 10 and trt == 2)"), "time", "status", ["trt", "karno"], strata="prior"),
    "colon_strata": lambda: cox_ph(colon(), "time", "status", ["rx", "sex", "age", "nodes"],
                                   strata=["surg", "extent"]),
    "binary_noties": lambda: cox_ph(binary_noties(), "time", "event", ["sex"]),
}


def _vec(x) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def assert_matches_r(res: CoxResult, r: dict) -> None:
    s = res.summary
    assert list(s["term"]) == list(np.atleast_1d(r["terms"]))
    for col in ("coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"):
        np.testing.assert_allclose(s[col], _vec(r[col]), rtol=RTOL, err_msg=col)
    if r["se_naive"]:  # jsonlite writes R NULL as {}
        np.testing.assert_allclose(s["se_naive"], _vec(r["se_naive"]), rtol=RTOL)
    else:
        assert "se_naive" not in s.columns and res.naive_var is None
    p = len(s)
    np.testing.assert_allclose(res.var.to_numpy(), np.asarray(r["var"], dtype=float).reshape(p, p),
                               rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(res.loglik, r["loglik"], rtol=RTOL)
    for ours, theirs in [("likelihood_ratio", "lrt"), ("wald", "wald"), ("score", "score"),
                         ("robust_score", "robust_score")]:
        if not r[theirs]:
            assert ours not in res.tests
            continue
        stat, df, pval = r[theirs]
        t = res.tests[ours]
        np.testing.assert_allclose([t.statistic, t.p], [stat, pval], rtol=RTOL, err_msg=ours)
        assert t.df == df
    assert (res.n, res.n_events, res.iterations) == (r["n"], r["nevent"], r["iter"])
    assert res.converged and res.warnings == () and res.possibly_infinite == ()


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_r_coxph(case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = CASES[case]()
    assert_matches_r(res, R[case])


def test_score_test_equals_logrank_without_ties() -> None:
    """No tied times: the Cox score test is the log-rank chi-square (R survdiff and by hand)."""
    d = binary_noties()
    res = cox_ph(d, "time", "event", ["sex"])
    # Hand log-rank: sum over event times of O - E and hypergeometric variance (d = 1 each).
    t, e, g = d["time"].to_numpy(), d["event"].to_numpy(), (d["sex"] == "M").to_numpy()
    o_minus_e = var = 0.0
    for ti in np.sort(t[e == 1]):
        at_risk = t >= ti
        n, n1 = at_risk.sum(), (at_risk & g).sum()
        died_in_1 = float(g[(t == ti) & (e == 1)].sum())
        o_minus_e += died_in_1 - n1 / n
        var += (n1 / n) * (1 - n1 / n)
    hand = o_minus_e**2 / var
    np.testing.assert_allclose(res.tests["score"].statistic, hand, rtol=1e-12)
    np.testing.assert_allclose(res.tests["score"].statistic, R["binary_noties"]["logrank"], rtol=RTOL)
    # Without ties Breslow and Efron coincide.
    bres = cox_ph(d, "time", "event", ["sex"], ties="breslow")
    np.testing.assert_allclose(bres.summary["coef"], res.summary["coef"], rtol=1e-12)


def test_separation_warns_like_r() -> None:
    r = R["separated"]
    with pytest.warns(RuntimeWarning, match=r"Loglik converged before variable x; coefficient may be infinite"):
        res = cox_ph(separated(), "time", "event", ["x"])
    assert r["warnings"] == ("Loglik converged before variable  1 ; coefficient may be infinite. ")
    row = res.summary.iloc[0]
    assert (res.iterations, res.converged) == (r["iter"], True)
    # R: coef 20.99, se 1.36e4, CI (0, Inf): the loglik has converged, the huge coef is R's last
    # iterate; same Newton path, so it agrees (se suffers cancellation: ~1e-7 here, in R as in ours).
    np.testing.assert_allclose(row["coef"], r["coef"], rtol=1e-6)
    np.testing.assert_allclose(row["se"], r["se"], rtol=RTOL)
    assert row["hr_lower"] == r["hr_lower"] == 0.0
    assert row["hr_upper"] == np.inf and r["hr_upper"] == "Inf"
    np.testing.assert_allclose(res.loglik, r["loglik"], rtol=RTOL)
    np.testing.assert_allclose(res.tests["likelihood_ratio"].statistic, r["lrt"][0], rtol=RTOL)
    np.testing.assert_allclose(res.tests["score"].statistic, r["score"][0], rtol=RTOL)
    np.testing.assert_allclose(res.tests["wald"].statistic, r["wald"][0], rtol=RTOL)
    assert res.possibly_infinite == ("x",)
    assert res.hazard_ratio("x").reason == "coefficient may be infinite"


def test_out_of_iterations_returns_last_accepted_iterate_like_r() -> None:
    r = R["lung_maxiter2"]
    assert r["warnings"] == "Ran out of iterations and did not converge"
    with pytest.warns(RuntimeWarning, match="Ran out of iterations and did not converge"):
        res = cox_ph(lung(), "time", "event", LUNG, max_iter=2)
    assert (res.iterations, res.converged) == (r["iter"], False)
    np.testing.assert_allclose(res.summary["coef"], r["coef"], rtol=RTOL)
    np.testing.assert_allclose(res.loglik, r["loglik"], rtol=RTOL)
    np.testing.assert_allclose(res.tests["likelihood_ratio"].statistic, r["lrt"][0], rtol=RTOL)
    # R's own var here is not the inverse information at its returned coef (coxfit6.c applies
    # chinv2 to an unfactored matrix); ours is, and equals R's refit at init = coef, iter.max = 0.
    np.testing.assert_allclose(res.summary["se"], r["se_at_coef"], rtol=RTOL)
    assert not np.allclose(r["se"], r["se_at_coef"], rtol=1e-3)


def test_hazard_ratio_estimate() -> None:
    res = cox_ph(lung(), "time", "event", LUNG)
    r = R["lung_efron"]
    est = res.hazard_ratio("sexM")
    np.testing.assert_allclose([est.estimate, est.lower, est.upper, est.se],
                               [r["hr"][1], r["hr_lower"][1], r["hr_upper"][1], r["se"][1]], rtol=RTOL)
    assert est.reason == ""


def test_conf_level_changes_only_the_interval() -> None:
    r = R["lung_efron"]
    res = cox_ph(lung(), "time", "event", LUNG, conf_level=0.90)
    coef, se = _vec(r["coef"]), _vec(r["se"])
    z90 = 1.6448536269514722  # qnorm(0.95)
    np.testing.assert_allclose(res.summary["hr_lower"], np.exp(coef - z90 * se), rtol=RTOL)
    np.testing.assert_allclose(res.summary["hr_upper"], np.exp(coef + z90 * se), rtol=RTOL)


def test_bool_and_category_coding() -> None:
    """A bool covariate is coded <col>TRUE (R logical); a 0/1 numeric gives the same fit."""
    d = lung()
    d["male"] = d["sex"] == "M"
    d["male01"] = d["male"].astype(int)
    a = cox_ph(d, "time", "event", ["age", "male"])
    b = cox_ph(d, "time", "event", ["age", "male01"])
    assert list(a.summary["term"]) == ["age", "maleTRUE"]
    np.testing.assert_allclose(a.summary["coef"], b.summary["coef"], rtol=1e-12)
    # Reordering pandas categories changes the reference level: coef of "M vs F" flips sign.
    d["sex_c"] = pd.Categorical(d["sex"], categories=["M", "F"])
    c = cox_ph(d, "time", "event", ["age", "sex_c"])
    assert list(c.summary["term"]) == ["age", "sex_cF"]
    np.testing.assert_allclose(c.summary["coef"].iloc[1], -a.summary["coef"].iloc[1], rtol=1e-9)


def test_row_order_does_not_matter() -> None:
    d = colon()
    res = cox_ph(d.sample(frac=1.0, random_state=1), "time", "status", ["rx", "sex", "age", "nodes"],
                 strata=["surg", "extent"])
    assert_matches_r(res, R["colon_strata"])


@pytest.mark.parametrize("column", ["age", "sex", "time", "event"])
def test_missing_value_is_refused_naming_column_and_row(column: str) -> None:
    d = lung()
    d[column] = d[column].astype(object)
    label = d.index[5]
    d.loc[label, column] = None
    with pytest.raises(ValueError, match=rf"'{column}' is missing at row {label}"):
        cox_ph(d, "time", "event", ["age", "sex"])


def test_invalid_arguments() -> None:
    d = lung()
    with pytest.raises(ValueError, match="no events"):
        cox_ph(d.assign(event=0), "time", "event", ["age"])
    with pytest.raises(ValueError, match="max_iter"):
        cox_ph(d, "time", "event", ["age"], max_iter=1)
    with pytest.raises(ValueError, match="ties"):
        cox_ph(d, "time", "event", ["age"], ties="exact")
    with pytest.raises(ValueError, match="negative"):
        cox_ph(d.assign(time=-d["time"]), "time", "event", ["age"])
    with pytest.raises(ValueError, match="not 0 or 1"):
        cox_ph(d, "time", "status", ["age"])
    with pytest.raises(ValueError, match="not > 0"):
        cox_ph(d, "time", "event", ["age"], weights=np.zeros(len(d)))
    with pytest.raises(ValueError, match="arguments differ in length"):
        cox_ph(d, "time", "event", ["age"], weights=np.ones(3))
    with pytest.raises(ValueError, match="not found"):
        cox_ph(d, "time", "event", ["nope"])
    with pytest.raises(ValueError, match=r"singular.*age2"):
        cox_ph(d.assign(age2=2 * d["age"]), "time", "event", ["age", "age2"])
