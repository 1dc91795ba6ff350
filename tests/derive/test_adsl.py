"""adsl on a hand-built cohort: ages and groups, prior lines, refractoriness, treatment, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.adsl import age_groups, completed_years, derive_adsl
from mmevidence.derive.therapy_history import therapy_history

PATIENTS = pd.DataFrame({
    "patient_id": ["A", "B", "C", "D"],
    "arm": ["Isa-Pd", "Isa-Pd", "Pd", "Pd"],
    "sex": ["female", "male", "male", "female"],
    "birth_date": pd.to_datetime(["1950-03-02", "1945-03-01", "1955-06-30", None]),
    "age_at_index": [np.nan, np.nan, np.nan, 74.9],
    "diagnosis_date": pd.to_datetime(["2015-03-01", "2016-03-01", None, "2019-03-01"]),
    "index_date": pd.to_datetime(["2020-03-01"] * 4),
    "prior_asct": pd.array([None, False, True, None], dtype="boolean"),
    "end_of_treatment_date": pd.to_datetime(["2020-06-01", None, None, None]),
    "end_of_treatment_reason": ["adverse_event", None, None, None],
    "death_date": pd.to_datetime(["2020-07-01", None, None, None]),
    "last_contact_date": pd.to_datetime(["2020-07-01", "2021-01-01", "2021-01-01", "2021-01-01"]),
    "source_file": "patients.csv", "source_row": [1, 2, 3, 4],
})

PRIOR = pd.DataFrame({
    "patient_id": ["A", "A", "A", "B", "B", "C", "C", "C", "C"],
    "line_number": [1, 2, 3, 1, 2, 1, 2, 3, 4],
    "drugs": ["bortezomib;lenalidomide;dexamethasone", "daratumumab;pomalidomide;dexamethasone",
              "carfilzomib;lenalidomide;dexamethasone",
              "bortezomib;melphalan;prednisone", "lenalidomide;dexamethasone",
              "bortezomib;dexamethasone", "lenalidomide;dexamethasone", "ixazomib;lenalidomide;dexamethasone",
              "cyclophosphamide;dexamethasone"],
    "asct": pd.array([True, False, False, False, False, None, False, False, False], dtype="boolean"),
    "refractory": pd.array([False, True, True, False, None, True, True, False, True], dtype="boolean"),
})

ADMIN = pd.DataFrame({"patient_id": ["A", "A", "A", "B"],
                      "date": pd.to_datetime(["2020-03-01", "2020-03-08", "2020-05-24", "2020-03-02"]),
                      "drug": ["isatuximab"] * 4})


@pytest.fixture(scope="module")
def adsl() -> pd.DataFrame:
    return derive_adsl(PATIENTS, prior_therapies=PRIOR, administrations=ADMIN).set_index("patient_id")


def test_age_completed_years_and_groups(adsl):
    # A born 1950-03-02: on 2020-03-01 the 70th birthday is tomorrow -> 69
    assert adsl.loc["A", "age"] == 69
    # B born 1945-03-01: birthday on the index date counts -> 75
    assert adsl.loc["B", "age"] == 75
    assert adsl.loc["C", "age"] == 64          # born 1955-06-30, birthday not yet reached in 2020-03
    assert adsl.loc["D", "age"] == 74.9        # age_at_index given: used as recorded
    assert adsl["age_group"].tolist() == ["65-74", ">=75", "<65", "65-74"]
    assert adsl["age_group_75"].tolist() == ["<75", ">=75", "<75", "<75"]


def test_completed_years_leap_day():
    # born 29 Feb 2000: on 28 Feb 2021 still 20, on 1 Mar 2021 21
    got = completed_years(pd.Series(pd.to_datetime(["2000-02-29", "2000-02-29"])),
                          pd.Series(pd.to_datetime(["2021-02-28", "2021-03-01"])))
    assert got.tolist() == [20, 21]
    three, two = age_groups(pd.Series([64.99, 65.0, 74.99, 75.0, np.nan]))
    assert three.tolist() == ["<65", "65-74", "65-74", ">=75", None]
    assert two.tolist() == ["<75", "<75", "<75", ">=75", None]


def test_years_since_diagnosis(adsl):
    # 2015-03-01 -> 2020-03-01 = 1827 days (2016 is leap) / 365.25 = 5.0020...
    assert adsl.loc["A", "years_since_diagnosis"] == pytest.approx(1827 / 365.25, rel=1e-12)
    assert np.isnan(adsl.loc["C", "years_since_diagnosis"])


def test_prior_lines_and_groups(adsl):
    assert adsl["n_prior_lines"].tolist() == [3, 2, 4, 0]
    assert adsl["prior_lines_group"].tolist() == ["2-3", "2-3", ">3", "<2"]
    assert adsl["prior_lines_group_image"].tolist() == [">=3", "2", ">=3", "0"]


def test_refractoriness(adsl):
    a, b, c, d = (adsl.loc[p] for p in "ABCD")
    # A: line 1 (V-R-d) not refractory, line 2 (Dara-Pd) refractory, line 3 (K-R-d) refractory
    assert a["ref_lenalidomide"] is True          # via line 3
    assert a["ref_pi"] is True                    # carfilzomib in line 3
    assert a["ref_bortezomib"] is False           # only line 1
    assert a["ref_daratumumab"] is True and a["ref_anti_cd38"] is True
    assert a["triple_class_refractory"] is True   # IMiD + PI + anti-CD38
    assert a["ref_last_line"] is True and a["len_last_line"] is True and a["ref_len_last_line"] is True
    # B: lenalidomide only in line 2 whose refractory flag is missing -> unknown, not "no"
    assert b["exp_lenalidomide"] is True and b["ref_lenalidomide"] is None
    assert b["ref_pi"] is False                   # bortezomib line 1 not refractory
    assert b["ref_len_pi"] is False               # unknown AND no = no
    assert b["ref_last_line"] is None
    assert b["exp_alkylator"] is True             # melphalan
    # C: lenalidomide refractory in line 2; PI refractory (bortezomib, line 1); no anti-CD38
    assert c["ref_len_pi"] is True and c["triple_class_refractory"] is False
    assert c["exp_anti_cd38"] is False and c["ref_anti_cd38"] is False
    assert c["ref_last_line"] is True and c["len_last_line"] is False and c["ref_len_last_line"] is False
    # D: no prior line at all
    assert d["exp_lenalidomide"] is False and d["ref_lenalidomide"] is False and d["ref_last_line"] is False


def test_prior_asct(adsl):
    assert adsl.loc["A", "prior_asct"] is True    # patients.prior_asct missing -> line 1 asct
    assert adsl.loc["B", "prior_asct"] is False   # given
    assert adsl.loc["C", "prior_asct"] is True    # given (lines say unknown/no)
    assert adsl.loc["D", "prior_asct"] is False   # missing in patients; no prior lines -> no ASCT line


def test_treatment_period_and_flags(adsl):
    # A: 2020-03-01 .. 2020-05-24 = 84 days + 1 = 85 days = 12.142857 weeks
    assert adsl.loc["A", "trt_duration_weeks"] == pytest.approx(85 / 7, rel=1e-12)
    assert adsl.loc["B", "trt_duration_weeks"] == pytest.approx(1 / 7, rel=1e-12)
    assert adsl["saffl"].tolist() == [True, True, False, False]
    assert adsl["ittfl"].tolist() == [True] * 4
    assert adsl["discontinued"].tolist() == [True, False, False, False]
    assert adsl.loc["A", "eot_reason"] == "adverse_event"
    assert adsl["death"].tolist() == [True, False, False, False]
    assert adsl["source_row"].tolist() == [1, 2, 3, 4]


def test_missing_tables_give_missing_columns_not_crashes():
    out = derive_adsl(PATIENTS).set_index("patient_id")
    assert out["saffl"].isna().all()                 # no administrations: unknown, not "no dose"
    assert out["n_prior_lines"].isna().all()
    assert out["cyto_risk"].isna().all() and out["iss_at_entry"].isna().all()
    assert np.isnan(out["egfr_mdrd"]).all() and out["r_iss"].isna().all()
    hist = therapy_history(None, pd.Series(["X"]))
    assert hist.loc[0, "ref_lenalidomide"] is None


def test_full_risk_chain_from_tables():
    # one patient: female 69 y, creatinine 1.0 mg/dL, beta2m 6.0 (ISS III), LDH 300 > ULN 250, del17p 60 %
    labs = pd.DataFrame({"patient_id": ["A"] * 4, "date": pd.to_datetime(["2020-02-25"] * 4),
                         "test": ["creatinine", "beta2_microglobulin", "albumin", "ldh"],
                         "value": [1.0, 6.0, 3.0, 300.0], "uln": [np.nan, np.nan, np.nan, 250.0],
                         "source_row": [10, 11, 12, 13]})
    cyto = pd.DataFrame({"patient_id": ["A"] * 3, "date": pd.to_datetime(["2020-02-20"] * 3),
                         "abnormality": ["del17p", "t_4_14", "t_14_16"], "percent_positive": [60.0, 0.0, 0.0],
                         "result": ["positive", "negative", "negative"]})
    out = derive_adsl(PATIENTS.iloc[:1], labs=labs, cytogenetics=cyto).iloc[0]
    # eGFR = 175 * 1^-1.154 * 69^-0.203 * 0.742 = 129.85 * 69^-0.203; 69^-0.203 = exp(-0.203 ln 69) = 0.42340
    # -> 129.85 * 0.42340 = 54.98 mL/min/1.73 m2: group 30-<60
    assert out["egfr_mdrd"] == pytest.approx(175 * 69 ** -0.203 * 0.742, rel=1e-12)
    assert out["egfr_mdrd"] == pytest.approx(54.98, abs=0.01)
    assert out["egfr_group"] == "30-<60"
    assert out["iss_at_entry"] == "III" and out["cyto_risk"] == "high" and out["ldh_above_uln"] is True
    assert out["r_iss"] == "III"
    assert out["bl_creatinine_row"] == 10
