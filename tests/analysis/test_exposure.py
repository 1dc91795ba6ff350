"""analyse_exposure on a 5-patient frame; expected numbers worked out by hand below."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis.exposure import analyse_exposure, study_drugs
from mmevidence.studies.model import Arm, Dates, Design, Population, Study

STUDY = Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
              arms=(Arm("isa_pd", "Isa-Pd", "isa_pd"), Arm("pd", "Pd", "pd")), comparison=None,
              populations={"safety": Population("safety", "Safety population", "saffl")},
              stratification=(), eligibility=(), endpoints=(), subgroups=(), baseline=(), published=())

ADSL = pd.DataFrame({
    "patient_id": ["P1", "P2", "P3", "P4", "P5"],
    "arm": ["Isa-Pd", "Isa-Pd", "Isa-Pd", "Pd", "Pd"],
    "saffl": [True, True, True, True, False],          # P5 never dosed: not in the safety set
    "trt_duration_weeks": [10.0, 20.0, 40.0, 8.0, np.nan],
    "discontinued": [True, True, False, True, False],
    "eot_reason": ["progression", "adverse_event", None, "progression", None],
})
ADEX = pd.DataFrame({
    "patient_id": ["P1", "P1", "P1", "P2", "P2", "P2", "P3", "P3", "P4", "P4"],
    "drug": ["isatuximab", "pomalidomide", "dexamethasone"] * 2 + ["isatuximab", "pomalidomide",
                                                                     "pomalidomide", "dexamethasone"],
    "doses_given": [4, 21, 4, 8, 42, 8, 12, 63, 21, 4],
    "cycles_started": [1, 1, 1, 2, 2, 2, 3, 3, 1, 1],
    "relative_dose_intensity": [100.0, 90.0, 80.0, 95.0, 70.0, 100.0, 85.0, 60.0, 100.0, 50.0],
    "any_dose_reduction": [False, True, False, False, True, True, False, False, False, True],
})
ADEX_PATIENT = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "cycles_received": [1, 2, 3, 1]})


@pytest.fixture(scope="module")
def records():
    return analyse_exposure(ADSL, ADEX, STUDY, "safety", adex_patient=ADEX_PATIENT)


def test_drug_order_follows_the_regimens():
    assert study_drugs(STUDY, ADEX) == ["isatuximab", "pomalidomide", "dexamethasone"]


def test_duration_and_cycles(records, pick):
    # Isa-Pd durations 10, 20, 40 weeks: median 20, type-2 q1 = x_ceil(0.75) = 10, q3 = x_ceil(2.25) = 40
    got = {s: pick(records, analysis_id="exposure.duration", group="arm=Isa-Pd", statistic=s).value
           for s in ("median", "q1", "q3", "n")}
    assert got == {"median": 20.0, "q1": 10.0, "q3": 40.0, "n": 3.0}
    # cycles 1, 2, 3 -> median 2; patients with >= 2 cycles: P2, P3 = 2/3
    assert pick(records, analysis_id="exposure.cycles", group="arm=Isa-Pd", statistic="median").value == 2.0
    r = pick(records, analysis_id="exposure.cycles_reached", group="arm=Isa-Pd|cycles=2", statistic="pct")
    assert r.value == pytest.approx(200 / 3) and r.n == 3
    # Pd (P5 excluded): one patient, 1 cycle; >= 3 cycles: 0
    assert pick(records, analysis_id="exposure.cycles_reached", group="arm=Pd|cycles=3", statistic="n").value == 0


def test_rdi_per_drug(records, pick):
    # pomalidomide RDI in Isa-Pd: 90, 70, 60 -> median 70, min 60, max 90
    got = {s: pick(records, analysis_id="exposure.rdi", group="arm=Isa-Pd|drug=pomalidomide", statistic=s).value
           for s in ("median", "min", "max")}
    assert got == {"median": 70.0, "min": 60.0, "max": 90.0}
    # isatuximab in Pd: never given -> no RDI record (the table prints NA)
    assert not ((records["analysis_id"] == "exposure.rdi") & (records["group"] == "arm=Pd|drug=isatuximab")).any()
    # total (all arms): pomalidomide 90, 70, 60, 100 -> median (70 + 90) / 2 = 80
    assert pick(records, analysis_id="exposure.rdi", group="drug=pomalidomide", statistic="median").value == 80.0


def test_dose_reductions_subject_denominator(records, pick):
    # pomalidomide reductions in Isa-Pd: P1, P2 of 3 patients = 66.7%; dexamethasone: P2 = 1/3
    r = pick(records, analysis_id="exposure.dose_reduction", group="arm=Isa-Pd|drug=pomalidomide", statistic="pct")
    assert r.value == pytest.approx(200 / 3) and r.n == 3
    assert pick(records, analysis_id="exposure.dose_reduction", group="arm=Isa-Pd|drug=dexamethasone",
                statistic="n").value == 1
    # Pd: dexamethasone reduced in P4 = 1/1
    assert pick(records, analysis_id="exposure.dose_reduction", group="arm=Pd|drug=dexamethasone",
                statistic="pct").value == 100.0


def test_discontinuation_and_reasons(records, pick):
    # Isa-Pd: 2 of 3 discontinued; reasons progression 1/3, adverse event 1/3 (denominator: the arm)
    assert pick(records, analysis_id="exposure.discontinuation", group="arm=Isa-Pd", statistic="n").value == 2
    r = pick(records, analysis_id="exposure.discontinuation_reason", group="arm=Isa-Pd|eot_reason=adverse_event",
             statistic="pct")
    assert r.value == pytest.approx(100 / 3) and r.n == 3
    # total: progression P1, P4 = 2 of 4
    assert pick(records, analysis_id="exposure.discontinuation_reason", group="eot_reason=progression",
                statistic="pct").value == 50.0
    # reasons not seen (death, ...) are not listed
    reasons = records.loc[records["analysis_id"] == "exposure.discontinuation_reason", "group"]
    assert not reasons.str.contains("death").any()


def test_cycles_without_adex_patient(pick):
    # fallback: largest cycles_started over the patient's drugs (P3: 3)
    rec = analyse_exposure(ADSL, ADEX, STUDY, "safety")
    assert pick(rec, analysis_id="exposure.cycles", group="arm=Isa-Pd", statistic="max").value == 3.0
