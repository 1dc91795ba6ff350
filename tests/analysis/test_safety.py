"""analyse_safety on a 5-patient frame; every expected count is worked out by hand below.

Arm A: P1, P2, P3 (3 patients); arm B: P4, P5 (2 patients).
  P1  Pneumonia g2; Pneumonia g3 serious related; Neutropenia g4 related
  P2  Pneumonia g1; Fatigue g3 leading to discontinuation
  P3  Fatigue g1 NOT treatment-emergent (excluded everywhere)
  P4  Neutropenia g3; Neutropenia g5 serious fatal
  P5  no event
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis.safety import analyse_safety, ctcae_grade, poisson_rate
from mmevidence.studies.model import AeGroup, Arm, Dates, Design, Population, Study

STUDY = Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
              arms=(Arm("a", "A"), Arm("b", "B")), comparison=None,
              populations={"safety": Population("safety", "Safety population", "saffl")},
              stratification=(), eligibility=(), endpoints=(), subgroups=(), baseline=(), published=())

ADSL = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4", "P5"], "arm": ["A", "A", "A", "B", "B"],
                     "saffl": [True] * 5, "sex": ["male", "female", "male", "female", "male"]})
INF, BLOOD, GEN = "Infections and infestations", "Blood and lymphatic system disorders", \
    "General disorders and administration site conditions"
ADAE = pd.DataFrame([
    # patient, term, soc, grade, TE, serious, related, discontinued, fatal
    ("P1", "Pneumonia", INF, 2, True, False, False, False, False),
    ("P1", "Pneumonia", INF, 3, True, True, True, False, False),
    ("P1", "Neutropenia", BLOOD, 4, True, False, True, False, False),
    ("P2", "Pneumonia", INF, 1, True, False, False, False, False),
    ("P2", "Fatigue", GEN, 3, True, False, False, True, False),
    ("P3", "Fatigue", GEN, 1, False, False, False, False, False),
    ("P4", "Neutropenia", BLOOD, 3, True, False, False, False, False),
    ("P4", "Neutropenia", BLOOD, 5, True, True, False, False, True),
], columns=["patient_id", "preferred_term", "system_organ_class", "grade", "treatment_emergent", "serious",
            "related", "discontinued_any_drug", "fatal"])
# exposure: P1 2020-01-01..2020-12-31 = 365 + 1 = 366 days (leap year); P2 ..2020-06-30 = 181 + 1 = 182;
# P3 one day; P4 2020-01-01..2020-01-31 = 31; P5 2020-01-01..2020-01-10 = 10
ADEX = pd.DataFrame({
    "patient_id": ["P1", "P1", "P2", "P3", "P4", "P5"],
    "first_dose_date": pd.to_datetime(["2020-01-01", "2020-01-15", "2020-01-01", "2020-01-01", "2020-01-01",
                                       "2020-01-01"]),
    "last_dose_date": pd.to_datetime(["2020-10-01", "2020-12-31", "2020-06-30", "2020-01-01", "2020-01-31",
                                      "2020-01-10"]),
})
LABS = pd.DataFrame([
    ("P1", "2019-12-01", "neutrophils", 0.1),   # before the first dose: ignored
    ("P1", "2020-02-01", "neutrophils", 0.8),   # grade 3
    ("P1", "2020-03-01", "neutrophils", 0.4),   # grade 4 -> worst 4
    ("P2", "2020-02-01", "neutrophils", 1.2),   # grade 2
    ("P2", "2020-08-15", "neutrophils", 0.3),   # after last dose + 30 days (2020-07-30): ignored
    ("P1", "2020-02-01", "hemoglobin", 12.5),   # male, LLN 13.0 -> grade 1
    ("P2", "2020-02-01", "hemoglobin", 12.5),   # female, LLN 12.0 -> grade 0
    ("P1", "2020-02-01", "platelets", 60.0),    # <75 and >=50 -> grade 2
    ("P4", "2020-01-20", "platelets", 20.0),    # <25 -> grade 4
], columns=["patient_id", "date", "test", "value"])
LABS["date"] = pd.to_datetime(LABS["date"])


@pytest.fixture(scope="module")
def records():
    return analyse_safety(ADSL, ADAE, ADEX, STUDY, "safety", labs=LABS)


def get(records, pick, analysis_id, endpoint, group, statistic):
    return pick(records, analysis_id=analysis_id, endpoint=endpoint, group=group, statistic=statistic).value


def test_overview_counts(records, pick):
    ov = "safety.overview"
    # arm A: any TEAE P1, P2 = 2/3 (P3's only event is not treatment-emergent); 5 TEAEs
    assert get(records, pick, ov, "all_grades", "arm=A", "n") == 2
    assert get(records, pick, ov, "all_grades", "arm=A", "pct") == pytest.approx(200 / 3)
    assert get(records, pick, ov, "all_grades", "arm=A", "events") == 5
    # grade >= 3: P1 (3, 4) and P2 (3) = 2 patients, 3 events
    assert get(records, pick, ov, "grade_3_or_more", "arm=A", "n") == 2
    assert get(records, pick, ov, "grade_3_or_more", "arm=A", "events") == 3
    # serious P1 (1 event); related P1 (2 events); discontinued P2; fatal none
    assert get(records, pick, ov, "serious", "arm=A", "n") == 1
    assert get(records, pick, ov, "related", "arm=A", "events") == 2
    assert get(records, pick, ov, "discontinued", "arm=A", "n") == 1
    assert get(records, pick, ov, "fatal", "arm=A", "n") == 0
    # arm B: P4 fatal, serious; 1 of 2 = 50%
    assert get(records, pick, ov, "fatal", "arm=B", "pct") == 50.0


def test_exposure_adjusted_rate(records, pick):
    # arm A patient-years = (366 + 182 + 1) / 365.25 = 549 / 365.25; 5 TEAEs -> 500 * 365.25 / 549 per 100 PY
    py = get(records, pick, "safety.overview", "exposure", "arm=A", "patient_years")
    assert py == pytest.approx(549 / 365.25, rel=1e-12)
    r = pick(records, analysis_id="safety.overview", endpoint="all_grades", group="arm=A", statistic="rate_100py")
    assert r.value == pytest.approx(500 * 365.25 / 549, rel=1e-12)
    # exact Poisson limits for 5 events, R poisson.test(5)$conf.int = 1.62348639, 11.66833208
    assert r.lower == pytest.approx(100 * 1.62348639 / py, rel=1e-8)
    assert r.upper == pytest.approx(100 * 11.66833208 / py, rel=1e-8)
    assert poisson_rate(0, 2.0)[1:] == pytest.approx((0.0, 100 * 3.688879454 / 2.0), rel=1e-8)  # R: 0, 3.688879


def test_pt_worst_grade_counts(records, pick):
    pt = "safety.ae_pt"
    g = f"arm=A|soc={INF}"
    # Pneumonia in A: P1 (worst 3) and P2 (worst 1): all grades 2/3, grade 3 one patient, 3 events
    assert get(records, pick, f"{pt}.all_grades", "Pneumonia", g, "n") == 2
    assert get(records, pick, f"{pt}.all_grades", "Pneumonia", g, "events") == 3
    assert get(records, pick, f"{pt}.grade_3", "Pneumonia", g, "n") == 1
    # no grade-4 pneumonia: no record at all (the table prints 0)
    assert not ((records["analysis_id"] == f"{pt}.grade_4") & (records["endpoint"] == "Pneumonia")).any()
    # Neutropenia in B: P4 worst grade 5 -> counts in grade 5 and >= 3, NOT in grade 3 (worst grade only)
    gb = f"arm=B|soc={BLOOD}"
    assert get(records, pick, f"{pt}.grade_5", "Neutropenia", gb, "n") == 1
    assert get(records, pick, f"{pt}.grade_3_or_more", "Neutropenia", gb, "events") == 2
    assert not ((records["analysis_id"] == f"{pt}.grade_3") & (records["group"] == gb)).any()
    # related grade >= 3 in A: P1 pneumonia g3 (related) -> 1; serious pneumonia P1 -> 1
    assert get(records, pick, f"{pt}.related_grade_3_or_more", "Pneumonia", g, "n") == 1
    # Fatigue in A: P2 only (P3 not treatment-emergent) = 1/3
    assert get(records, pick, f"{pt}.all_grades", "Fatigue", f"arm=A|soc={GEN}", "pct") == pytest.approx(100 / 3)


def test_soc_and_any_rows(records, pick):
    assert get(records, pick, "safety.ae_soc.all_grades", INF, "arm=A", "n") == 2
    assert get(records, pick, "safety.ae_soc.all_grades", BLOOD, "", "n") == 2   # P1 and P4
    assert get(records, pick, "safety.ae_any.grade_4", "any", "arm=A", "n") == 1  # P1's worst grade is 4
    assert get(records, pick, "safety.ae_any.grade_3", "any", "arm=A", "n") == 1  # P2 (P1's worst is 4)


def test_lab_worst_grade_in_evaluable(records, pick):
    # neutrophils, arm A: evaluable P1, P2 (P3 has no value): any grade 2/2, grade 3 none (P1 worst 4), grade 4 1/2
    r = pick(records, analysis_id="safety.lab", endpoint="neutrophils", group="arm=A|grade=all_grades", statistic="n")
    assert r.value == 2 and r.n == 2
    assert get(records, pick, "safety.lab", "neutrophils", "arm=A|grade=grade_3", "n") == 0
    assert get(records, pick, "safety.lab", "neutrophils", "arm=A|grade=grade_4", "pct") == 50.0
    # haemoglobin 12.5: grade 1 for the man (LLN 13), grade 0 for the woman (LLN 12) -> 1/2
    assert get(records, pick, "safety.lab", "hemoglobin", "arm=A|grade=all_grades", "n") == 1
    # platelets: arm A evaluable P1 only (grade 2): 1/1, grade 3 0; arm B P4 20 -> grade 4
    r = pick(records, analysis_id="safety.lab", endpoint="platelets", group="arm=A|grade=all_grades", statistic="pct")
    assert r.value == 100.0 and r.n == 1
    assert get(records, pick, "safety.lab", "platelets", "arm=B|grade=grade_4", "n") == 1


def test_ctcae_boundaries():
    lln = np.full(6, 1.8)
    # CTCAE v4.03 neutrophils: 1.5 is grade 1 (<LLN-1.5), 1.0 grade 2 (<1.5-1.0), 0.5 grade 3, below 0.5 grade 4
    assert ctcae_grade("neutrophils", np.array([1.8, 1.5, 1.0, 0.5, 0.49, np.nan]), lln).tolist()[:5] == [0, 1, 2, 3, 4]
    assert ctcae_grade("platelets", np.array([150, 75, 50, 25, 24.9]), np.full(5, 150.0)).tolist() == [0, 1, 2, 3, 4]
    # anaemia has no value-defined grade 4
    assert ctcae_grade("hemoglobin", np.array([10.0, 8.0, 7.9, 3.0]), np.full(4, 12.0)).tolist() == [1, 2, 3, 3]
    with pytest.raises(ValueError, match="test must be"):
        ctcae_grade("creatinine", np.array([1.0]), np.array([1.0]))


def test_without_adex_uses_adsl_dates(pick):
    adsl = ADSL.assign(trt_start=pd.to_datetime("2020-01-01"), trt_end=pd.to_datetime("2020-01-10"))
    rec = analyse_safety(adsl, ADAE, None, STUDY, "safety")
    # 3 patients x 10 days = 30 days in arm A
    assert get(rec, pick, "safety.overview", "exposure", "arm=A", "patient_years") == pytest.approx(30 / 365.25)


def test_unknown_category():
    with pytest.raises(ValueError, match="unknown categories"):
        analyse_safety(ADSL, ADAE, ADEX, STUDY, "safety", categories=("grade_9",))


def test_ae_group_worst_grade_over_its_terms(records, pick):
    groups = (AeGroup("pn_neut", "Pneumonia or neutropenia", ("Pneumonia", "Neutropenia", "Cytokine release syndrome")),
              AeGroup("crs", "Cytokine release", ("Cytokine release syndrome",), section="of_interest"))
    rec = analyse_safety(ADSL, ADAE, ADEX, replace(STUDY, ae_groups=groups), "safety")
    ag = "safety.ae_group"
    # arm A: P1 Pneumonia g2, g3 + Neutropenia g4 -> one patient, worst grade 4 over the group's terms;
    # P2 Pneumonia g1 -> all grades 2/3 patients, 4 events (P1 3 + P2 1)
    assert get(rec, pick, f"{ag}.all_grades", "pn_neut", "arm=A", "n") == 2
    assert get(rec, pick, f"{ag}.all_grades", "pn_neut", "arm=A", "pct") == pytest.approx(200 / 3)
    assert get(rec, pick, f"{ag}.all_grades", "pn_neut", "arm=A", "events") == 4
    assert get(rec, pick, f"{ag}.grade_4", "pn_neut", "arm=A", "n") == 1
    # P1 counts once, at grade 4: no grade-3 patient in A (the PT Pneumonia alone has one, P1 at grade 3)
    assert not ((rec["analysis_id"] == f"{ag}.grade_3") & (rec["group"] == "arm=A")).any()
    assert get(rec, pick, "safety.ae_pt.grade_3", "Pneumonia", f"arm=A|soc={INF}", "n") == 1
    # grade >= 3 events in A: P1 Pneumonia g3 and Neutropenia g4 = 2; related: P1 (both related) 1 patient, 2 events
    assert get(rec, pick, f"{ag}.grade_3_or_more", "pn_neut", "arm=A", "events") == 2
    assert get(rec, pick, f"{ag}.related", "pn_neut", "arm=A", "events") == 2
    # arm B: P4 Neutropenia g3, g5 -> 1/2 at worst grade 5; both arms: P1, P2, P4 = 3/5
    assert get(rec, pick, f"{ag}.grade_5", "pn_neut", "arm=B", "pct") == 50.0
    assert get(rec, pick, f"{ag}.all_grades", "pn_neut", "", "pct") == 60.0
    # a group nobody has gives no record; a study without groups gives none at all
    assert not (rec["endpoint"] == "crs").any()
    assert not records["analysis_id"].str.startswith(ag).any()
