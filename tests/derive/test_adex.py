"""ADEX against the Isa-Pd regimen on hand-built patients; expected values worked out in comments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.adex import cycle_starts, derive_adex
from mmevidence.derive.regimens import load_regimen

ISA_PD = load_regimen("isa_pd")
START = pd.Timestamp("2020-01-01")
EXAMPLE = Path(__file__).parents[2] / "src" / "mmevidence" / "data" / "example"


def _dose(pid, drug, cycle, day, dose, unit="mg", planned=None, cycle_start=START):
    return dict(patient_id=pid, drug=drug, date=cycle_start + pd.Timedelta(days=day - 1), cycle=cycle,
                cycle_day=day, dose=dose, unit=unit, planned_dose=planned)


def _patients(**over):
    base = dict(patient_id=["P1", "P2", "P3", "P4", "P5", "P6"], weight_kg=[80.0, 70, 80, None, None, 60],
                height_cm=[170.0] * 6, age_at_index=[60.0, 76, 60, 60, 60, None],
                end_of_treatment_date=[None, None, None, None, None, "2020-01-10"])
    base.update(over)
    return pd.DataFrame(base)


def _run(rows, patients=None):
    by_drug, by_patient = derive_adex(pd.DataFrame(rows), _patients() if patients is None else patients, ISA_PD)
    return by_drug.set_index(["patient_id", "drug"]), by_patient.set_index("patient_id")


def test_three_of_four_isatuximab_doses_in_cycle_1():
    # isatuximab 10 mg/kg on days 1, 15, 22 of cycle 1 (day 8 omitted), nothing after.
    rows = [_dose("P1", "isatuximab", 1, d, 10, "mg/kg") for d in (1, 15, 22)]
    d, p = _run(rows)
    r = d.loc[("P1", "isatuximab")]
    # cumulative 30 mg/kg; exposure = cycle 1 start + 28 days - first dose = 28 days = 4 weeks
    # dose intensity 30 / 4 = 7.5 mg/kg/week; planned 40 mg/kg / 4 weeks = 10; RDI = 75 %.
    assert r["cumulative_dose"] == 30 and r["planned_cumulative_dose"] == 40
    assert r["exposure_weeks"] == 4 and r["dose_intensity"] == 7.5 and r["planned_dose_intensity"] == 10
    assert r["relative_dose_intensity"] == pytest.approx(75.0, rel=1e-12)
    assert (r["doses_given"], r["doses_planned"], r["doses_omitted"], r["cycles_started"]) == (3, 4, 1, 1)
    assert r["cumulative_dose_mg"] == 30 * 80 and r["reason"] == ""
    # per patient: 1 cycle; 2020-01-01 .. 2020-01-22 = 22 days
    assert p.loc["P1", "cycles_received"] == 1 and p.loc["P1", "treatment_duration_days"] == 22
    assert p.loc["P1", "treatment_duration_weeks"] == pytest.approx(22 / 7, rel=1e-12)


def test_stopping_mid_cycle_is_not_an_omission():
    # days 1, 8, 15 given, day 22 not: the drug stopped, no interruption; RDI still 30/4 / (40/4) = 75 %.
    d, _ = _run([_dose("P1", "isatuximab", 1, day, 10, "mg/kg") for day in (1, 8, 15)])
    assert d.loc[("P1", "isatuximab"), "doses_omitted"] == 0
    assert d.loc[("P1", "isatuximab"), "relative_dose_intensity"] == pytest.approx(75.0, rel=1e-12)


def test_delayed_cycle_and_per_cycle_pomalidomide_reduction():
    c2 = START + pd.Timedelta(days=35)  # cycle 2 starts 7 days late (day 36 instead of day 29)
    rows = [_dose("P1", "isatuximab", 1, d, 10, "mg/kg") for d in (1, 8, 15, 22)]
    rows += [_dose("P1", "isatuximab", 2, d, 10, "mg/kg", cycle_start=c2) for d in (1, 15)]
    rows += [_dose("P1", "pomalidomide", 1, 1, 4, planned=4), _dose("P1", "pomalidomide", 2, 1, 3, planned=4,
                                                                   cycle_start=c2)]
    d, p = _run(rows)
    isa, pom = d.loc[("P1", "isatuximab")], d.loc[("P1", "pomalidomide")]
    # exposure = 35 + 28 = 63 days = 9 weeks; isatuximab 60 mg/kg / 9 = 6.667 vs planned 60 / 8 weeks = 7.5
    assert isa["exposure_weeks"] == 9 and isa["planned_cumulative_dose"] == 60
    assert isa["relative_dose_intensity"] == pytest.approx(100 * (60 / 9) / 7.5, rel=1e-12)  # 88.89 %
    # pomalidomide one row a cycle: 21 x 4 + 21 x 3 = 147 mg over 42 days of dosing; planned 168 mg
    assert pom["cumulative_dose"] == 147 and pom["doses_given"] == 42 and pom["planned_cumulative_dose"] == 168
    assert pom["relative_dose_intensity"] == pytest.approx(100 * (147 / 9) / (168 / 8), rel=1e-12)  # 77.78 %
    assert pom["dose_reductions"] == 1 and pom["any_dose_reduction"]
    # last pomalidomide day = cycle 2 day 21 = c2 + 20 days
    assert pom["last_dose_date"] == c2 + pd.Timedelta(days=20)
    assert p.loc["P1", "cycles_received"] == 2 and p.loc["P1", "exposure_weeks"] == 9
    assert p.loc["P1", "any_dose_reduction"]


def test_reduction_step_downs_are_counted_once_per_step():
    # dexamethasone 40, 20, 20, 12: two step-downs below the planned 40 mg
    rows = [_dose("P1", "dexamethasone", 1, d, x) for d, x in zip((1, 8, 15, 22), (40, 20, 20, 12))]
    d, _ = _run(rows)
    assert d.loc[("P1", "dexamethasone"), "dose_reductions"] == 2
    assert d.loc[("P1", "dexamethasone"), "cumulative_dose"] == 92


def test_dexamethasone_age_75_and_site_planned_dose():
    rows = [_dose("P2", "dexamethasone", 1, d, 20) for d in (1, 8, 15, 22)]       # P2 aged 76: planned 20 mg
    rows += [_dose("P3", "dexamethasone", 1, d, 20, planned=20) for d in (1, 8, 15, 22)]  # P3 60: site plan 20
    rows += [_dose("P6", "dexamethasone", 1, d, 20) for d in (1, 8)]               # P6 age unknown
    d, _ = _run(rows)
    assert d.loc[("P2", "dexamethasone"), "planned_cumulative_dose"] == 80
    assert d.loc[("P2", "dexamethasone"), "relative_dose_intensity"] == pytest.approx(100.0, rel=1e-12)
    assert d.loc[("P2", "dexamethasone"), "dose_reductions"] == 0
    # P3 is 60: regimen plans 160 mg (RDI 80/160 = 50 %) but the site planned 20 mg: no reduction counted
    assert d.loc[("P3", "dexamethasone"), "relative_dose_intensity"] == pytest.approx(50.0, rel=1e-12)
    assert d.loc[("P3", "dexamethasone"), "dose_reductions"] == 0
    assert np.isnan(d.loc[("P6", "dexamethasone"), "relative_dose_intensity"])
    assert "age missing" in d.loc[("P6", "dexamethasone"), "reason"]


def test_units_and_missing_weight():
    rows = [_dose("P3", "isatuximab", 1, d, 800, "mg") for d in (1, 8, 15, 22)]   # 800 mg / 80 kg = 10 mg/kg
    rows += [_dose("P4", "isatuximab", 1, d, 800, "mg") for d in (1, 8)]         # weight missing, recorded in mg
    rows += [_dose("P5", "isatuximab", 1, d, 10, "mg/kg") for d in (1, 8)]       # weight missing, in mg/kg
    d, _ = _run(rows)
    assert d.loc[("P3", "isatuximab"), "cumulative_dose"] == pytest.approx(40.0, rel=1e-12)
    assert d.loc[("P3", "isatuximab"), "relative_dose_intensity"] == pytest.approx(100.0, rel=1e-12)
    assert d.loc[("P3", "isatuximab"), "cumulative_dose_mg"] == 3200
    p4 = d.loc[("P4", "isatuximab")]
    assert np.isnan(p4["relative_dose_intensity"]) and np.isnan(p4["cumulative_dose"]) and "weight_kg" in p4["reason"]
    p5 = d.loc[("P5", "isatuximab")]
    # 20 mg/kg given in mg/kg: RDI = (20/4) / (40/4) = 50 % needs no weight; the mg total does
    assert p5["relative_dose_intensity"] == pytest.approx(50.0, rel=1e-12)
    assert np.isnan(p5["cumulative_dose_mg"]) and "cumulative_dose_mg" in p5["reason"]


def test_per_cycle_record_cut_at_end_of_treatment():
    # P6 stops treatment on 2020-01-10 = cycle day 10: pomalidomide days 1-10 only (age unknown is fine here)
    d, p = _run([_dose("P6", "pomalidomide", 1, 1, 4)])
    pom = d.loc[("P6", "pomalidomide")]
    assert pom["doses_given"] == 10 and pom["cumulative_dose"] == 40
    assert pom["last_dose_date"] == pd.Timestamp("2020-01-10")
    assert pom["relative_dose_intensity"] == pytest.approx(100 * (40 / 4) / (84 / 4), rel=1e-12)


def test_missing_cycle_and_missing_cycle_day():
    rows = [_dose("P1", "isatuximab", 1, 1, 10, "mg/kg"), _dose("P1", "isatuximab", None, 8, 10, "mg/kg")]
    rows += [{**_dose("P3", "isatuximab", 1, d, 10, "mg/kg"), "cycle_day": None} for d in (1, 8, 22)]
    d, p = _run(rows)
    assert pd.isna(d.loc[("P1", "isatuximab"), "cycles_started"])
    assert np.isnan(d.loc[("P1", "isatuximab"), "relative_dose_intensity"])
    assert "cycle missing" in d.loc[("P1", "isatuximab"), "reason"] and "cycle missing" in p.loc["P1", "reason"]
    assert d.loc[("P1", "isatuximab"), "cumulative_dose"] == 20
    # cycle_day from date - cycle start + 1: days 1, 8, 22 -> day 15 omitted
    assert d.loc[("P3", "isatuximab"), "doses_omitted"] == 1


def test_cycle_starts_uses_cycle_day():
    rows = pd.DataFrame([_dose("P1", "dexamethasone", 1, 8, 40), _dose("P1", "dexamethasone", 1, 15, 40)])
    assert cycle_starts(rows)["cycle_start_date"].tolist() == [START]


def test_example_patient_p001():
    # P001 in the bundled example (administrations.csv, patients.csv): isatuximab 10 mg/kg on
    # C1 d1,8,15,22; C2-C4 d1,15; C5 d1 -> 11 doses, 110 mg/kg, planned 40 + 4 x 20 = 120 over
    # cycles 1-5; cycle 5 started 2019-11-07 = first dose 2019-07-18 + 112 days -> exposure
    # 140 days = 20 weeks = planned weeks: RDI = 110/120 = 91.67 %. Pomalidomide (one row a
    # cycle): 4 mg C1-C3, 3 mg C4-C5, end of treatment 2019-11-16 = C5 day 10:
    # 3 x 84 + 63 + 10 x 3 = 345 mg, one step-down.
    adm = pd.read_csv(EXAMPLE / "administrations.csv")
    pat = pd.read_csv(EXAMPLE / "patients.csv")
    d, p = derive_adex(adm, pat, ISA_PD)
    d = d.set_index(["patient_id", "drug"])
    isa, pom = d.loc[("P001", "isatuximab")], d.loc[("P001", "pomalidomide")]
    assert (isa["doses_given"], isa["cumulative_dose"], isa["planned_cumulative_dose"]) == (11, 110, 120)
    assert isa["relative_dose_intensity"] == pytest.approx(100 * 110 / 120, rel=1e-12)
    assert pom["cumulative_dose"] == 345 and pom["dose_reductions"] == 1
    assert p.set_index("patient_id").loc["P001", "cycles_received"] == 5


def test_duplicate_record_of_a_planned_dose_counts_once():
    # dexamethasone C1D1 recorded twice (with a pomalidomide row between; ingest rejects such a duplicate
    # key, API callers may not): the planned C1D1 dose is covered and the drug then stops mid-cycle, so
    # nothing is omitted (an earlier version mis-assigned the duplicate and reported doses_omitted = -1).
    rows = [_dose("P1", "dexamethasone", 1, 1, 40), _dose("P1", "pomalidomide", 1, 1, 4, planned=4),
            _dose("P1", "dexamethasone", 1, 1, 40)]
    d, _ = _run(rows)
    dex = d.loc[("P1", "dexamethasone")]
    assert dex["doses_omitted"] == 0
