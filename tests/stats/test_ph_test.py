"""Proportional-hazards test (mmevidence.stats.ph_test.ph_test) against R survival 3.5-3 cox.zph.

Reference numbers: tests/stats/fixtures/ph_test/ph_test.json, written by ph_test.R
in that folder from the CSV exports in tests/stats/fixtures/datasets. Each data
preparation below repeats the R script's step by step. Fixture case names are
``<data>_<ties>_<transform>_<terms|cols>`` (``cols`` = R ``terms = FALSE``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.stats.cox import CoxResult, cox_ph
from mmevidence.stats.ph_test import ph_test

FIXTURES = Path(__file__).parent / "fixtures"
R = json.loads((FIXTURES / "ph_test" / "ph_test.json").read_text())
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


def veteran() -> pd.DataFrame:
    d = _csv("veteran")
    d["celltype"] = pd.Categorical(d["celltype"], categories=["squamous", "smallcell", "adeno", "large"])
    d["w"] = d["age"] / 60
    return d


def mgus2() -> pd.DataFrame:
    return _csv("mgus2").dropna(subset=["futime", "death", "hgb", "age", "sex"])


LUNG = ["age", "sex", "ph.ecog"]
VET = ["trt", "celltype", "karno"]
FITS = {
    "lung": lambda ties: cox_ph(lung(), "time", "event", LUNG, ties=ties),
    "quarter": lambda ties: cox_ph(lung(), "quarter", "event", LUNG, ties=ties),
    "veteran": lambda ties: cox_ph(veteran(), "time", "status", VET, strata="prior", ties=ties),
    "vetweighted": lambda ties: cox_ph(veteran(), "time", "status", VET, strata="prior", ties=ties,
                                       weights="w"),
    "mgus2": lambda ties: cox_ph(mgus2(), "futime", "death", ["hgb", "age", "sex"], ties=ties),
}


@cache
def fit(data: str, ties: str) -> CoxResult:
    return FITS[data](ties)


CASES = sorted(k for k in R if k != "survival_version")


def test_fixture_covers_the_brief() -> None:
    assert R["survival_version"] == "3.5.3"
    assert len(CASES) == 68
    assert {c.split("_")[2] for c in CASES} == {"km", "rank", "identity", "log"}


@pytest.mark.parametrize("case", CASES)
def test_matches_r_cox_zph(case: str) -> None:
    data, ties, transform, terms = case.split("_")
    ref = R[case]
    got = ph_test(fit(data, ties), transform, terms=terms == "terms")
    assert list(got["term"]) == ref["term"]
    np.testing.assert_array_equal(got["df"], ref["df"])
    np.testing.assert_allclose(got["chisq"], ref["chisq"], rtol=RTOL)
    np.testing.assert_allclose(got["p"], ref["p"], rtol=RTOL)


def test_default_is_km_with_terms() -> None:
    ref = R["veteran_efron_km_terms"]
    got = ph_test(fit("veteran", "efron"))
    assert list(got["term"]) == ["trt", "celltype", "karno", "GLOBAL"]
    np.testing.assert_allclose(got["chisq"], ref["chisq"], rtol=RTOL)


def test_veteran_karno_violates_ph() -> None:
    # The textbook non-PH example (Therneau & Grambsch 2000, section 6.6): karno's p < 0.01.
    got = ph_test(fit("veteran", "efron")).set_index("term")
    assert got.loc["karno", "p"] < 0.01


def test_single_binary_covariate_by_hand() -> None:
    # Three subjects: t = 1 (x=1, dead), 2 (x=0, dead), 3 (x=1, censored); identity transform.
    # With e = exp(beta): xbar(1) = 2e/(2e+1), xbar(2) = e/(e+1); U = 1/(2e+1) - e/(e+1) = 0
    # gives 2e^2 = 1, e = 1/sqrt2, so 1 - xbar(1) = xbar(2) = 1/(1+sqrt2) and both variances
    # equal v = xbar(1 - xbar) = sqrt2/(1+sqrt2)^2.  g = t - mean(1, 2) = (-1/2, +1/2).
    # U_theta = g1 (1 - xbar1) + g2 (0 - xbar2) = -1/(1+sqrt2); I = 2v; I_g = (-1/2 + 1/2) v = 0;
    # I_gg = v/4 + v/4 = v/2.  chisq = U_theta^2 / (I_gg - I_g^2/I) = 2/sqrt2 = sqrt2.
    d = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [1, 1, 0], "x": [1.0, 0.0, 1.0]})
    got = ph_test(cox_ph(d, "time", "event", ["x"]), "identity")
    np.testing.assert_allclose(got["chisq"], [np.sqrt(2), np.sqrt(2)], rtol=1e-7)
    assert list(got["term"]) == ["x", "GLOBAL"]
    assert list(got["df"]) == [1, 1]


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="transform"):
        ph_test(fit("lung", "efron"), "loglog")
    with pytest.raises(ValueError, match="cox_result"):
        ph_test("not a fit")  # type: ignore[arg-type]
