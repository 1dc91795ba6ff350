"""Eligibility attrition and per-patient status, counted by hand on small frames.

Reference: hand counts written out below (three-valued logic as in SQL / R ``&``/``|`` with
NA), on a hand-made rule list and on the ICARIA-MM criteria of
src/mmevidence/studies/definitions/icaria-mm.yaml (Attal et al., Lancet 2019).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.compare.eligibility import apply_eligibility, outcomes_by_status
from mmevidence.studies import load_study
from mmevidence.studies.model import Criterion

NA = None

FRAME = pd.DataFrame({
    "patient_id": list("ABCDEFG"),
    "age": [70, 16, np.nan, 60, 60, 60, 55],
    "n_prior_lines": [3, 3, 2, 1, 2, 2, 4],
    "ref_anti_cd38": pd.array([False, False, False, False, True, NA, False], dtype="boolean"),
    "bl_serum_m_protein": [1.0, 1.0, 1.0, np.nan, 1.0, 0.2, np.nan],
    "bl_urine_m_protein": [0, 0, 0, np.nan, 0, 0, 300],
})

CRITERIA = [
    Criterion("adult", "inclusion", "adults", "age >= 18"),
    Criterion("prior_lines", "inclusion", ">= 2 prior lines", "n_prior_lines >= 2"),
    Criterion("consent", "inclusion", "informed consent", None, "consent is not in the data model"),
    Criterion("cd38", "exclusion", "refractory to anti-CD38", "ref_anti_cd38"),
    Criterion("measurable", "inclusion", "measurable disease", "bl_serum_m_protein >= 0.5 or bl_urine_m_protein >= 200"),
]


def test_attrition_by_hand() -> None:
    # step 1 adult: B fails (16), C missing (age NA)            -> A D E F G remain
    # step 2 prior lines: D fails (1 line)                      -> A E F G
    # step 3 consent: not checkable                              -> A E F G
    # step 4 anti-CD38 exclusion: E excluded (True), F missing   -> A G
    # step 5 measurable: A (serum 1.0) and G (NA or 300 >= 200 = True) pass -> A G
    # failing_any / missing_any over all 7 patients: adult 1/1 (B/C); lines 1/0 (D); cd38 1/1 (E/F);
    # measurable 1/1 (F: 0.2 and 0 -> False; D: NA or NA -> NA)
    res = apply_eligibility(FRAME, CRITERIA)
    a = res.attrition
    assert a["criterion"].tolist() == ["all patients", "adult", "prior_lines", "consent", "cd38", "measurable"]
    assert a["entering"].tolist() == [7, 7, 5, 4, 4, 2]
    assert a["remaining"].tolist() == [7, 5, 4, 4, 2, 2]
    assert a["excluded"].tolist()[1:] == [1, 1, pd.NA, 1, 0]
    assert a["missing"].tolist()[1:] == [1, 0, pd.NA, 1, 0]
    assert a["failing_any"].tolist()[1:] == [1, 1, pd.NA, 1, 1]
    assert a["missing_any"].tolist()[1:] == [1, 0, pd.NA, 1, 1]
    assert a["checkable"].tolist() == [True, True, True, False, True, True]
    assert a.loc[3, "reason"] == "consent is not in the data model"


def test_status_by_hand() -> None:
    # A eligible; B fails adult; C age NA but passes the rest -> unknown; D fails lines; E excluded;
    # F: cd38 NA but measurable False -> ineligible (a definite failure wins); G eligible
    res = apply_eligibility(FRAME, CRITERIA)
    assert res.status.tolist() == ["eligible", "ineligible", "unknown", "ineligible", "ineligible", "ineligible",
                                   "eligible"]
    assert res.passes.loc[4, "cd38"] == False  # noqa: E712  (E is refractory: does not meet the criterion)
    assert res.passes["cd38"].isna().tolist() == [False] * 5 + [True, False]


def test_unknown_column_names_the_criterion() -> None:
    with pytest.raises(ValueError, match=r"criterion 'adult': rule 'age >= 18': unknown column\(s\) age"):
        apply_eligibility(FRAME.drop(columns="age"), CRITERIA)


def _icaria_frame() -> pd.DataFrame:
    base = {"age": 65.0, "n_prior_lines": 3, "exp_lenalidomide": True, "exp_pi": True, "bl_serum_m_protein": 1.2,
            "bl_urine_m_protein": 0.0, "ref_last_line": True, "egfr_mdrd": 70.0, "ref_anti_cd38": False,
            "exp_pomalidomide": False}
    changes = [{}, {"exp_pi": False}, {"egfr_mdrd": 25.0}, {"egfr_mdrd": np.nan}, {"exp_pomalidomide": True},
               {"bl_serum_m_protein": 0.3, "bl_urine_m_protein": 250.0}, {"ref_last_line": NA, "exp_pomalidomide": True}]
    frame = pd.DataFrame([{**base, **c} for c in changes])
    for col in ("exp_lenalidomide", "exp_pi", "ref_last_line", "ref_anti_cd38", "exp_pomalidomide"):
        frame[col] = frame[col].astype("boolean")
    return frame


def test_icaria_mm_criteria_by_hand() -> None:
    # patients: 0 meets all; 1 no PI exposure (fails len_pi_non_response, step 3); 2 eGFR 25 (fails egfr);
    # 3 eGFR missing (missing at egfr); 4 prior pomalidomide (excluded); 5 measurable by urine (passes);
    # 6 ref_last_line NA (missing at step 5) and prior pomalidomide (ineligible overall)
    study = load_study("icaria-mm")
    res = apply_eligibility(_icaria_frame(), study)
    a = res.attrition.set_index("criterion")
    ids = [c.id for c in study.eligibility]
    assert a.index.tolist() == ["all patients"] + ids
    not_checkable = [c.id for c in study.eligibility if c.rule is None]
    assert a.loc[not_checkable, "checkable"].tolist() == [False] * len(not_checkable)
    assert a.loc["len_pi_non_response", ["entering", "excluded", "missing", "remaining"]].tolist() == [7, 1, 0, 6]
    assert a.loc["refractory_last_line", ["entering", "excluded", "missing", "remaining"]].tolist() == [6, 0, 1, 5]
    assert a.loc["egfr", ["entering", "excluded", "missing", "remaining"]].tolist() == [5, 1, 1, 3]
    assert a.loc["prior_pomalidomide", ["entering", "excluded", "missing", "remaining"]].tolist() == [3, 1, 0, 2]
    assert a.loc["prior_pomalidomide", "failing_any"] == 2
    assert a["remaining"].iloc[-1] == 2
    assert res.status.tolist() == ["eligible", "ineligible", "ineligible", "unknown", "ineligible", "eligible",
                                   "ineligible"]


def test_outcomes_by_status() -> None:
    res = apply_eligibility(FRAME, CRITERIA)
    # eligible A, G: times 5 (event), 8 (censored) -> S = 0.5 exactly from 5 to the last time 8, never dropping
    # again: R quantile.survfit's midpoint rule gives (5 + 8)/2 = 6.5.
    # ineligible B D E F: 2, 4, 6, 10 all events -> S = .75 .5 .25 0 ; S = 0.5 exactly on [4, 6): median (4+6)/2 = 5
    adtte = pd.DataFrame({"patient_id": list("ABCDEFG"), "endpoint": "PFS",
                          "time_months": [5.0, 2.0, 3.0, 4.0, 6.0, 10.0, 8.0], "event": [1, 1, 0, 1, 1, 1, 0]})
    out = outcomes_by_status(adtte, res.status, FRAME["patient_id"], "PFS").set_index("status")
    assert out.loc["eligible", ["n", "events"]].tolist() == [2, 1]
    assert out.loc["eligible", "median"] == 6.5
    assert out.loc["ineligible", ["n", "events"]].tolist() == [4, 4]
    assert out.loc["ineligible", "median"] == 5.0
    assert out.loc["unknown", "n"] == 1 and math.isnan(out.loc["unknown", "median"])
