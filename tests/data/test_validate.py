"""Validation rules beyond the gallery: what is accepted, warnings, date rules, report form."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mmevidence.data import validate
from mmevidence.data.schema import TABLES

CUTOFF = "2021-06-30"


def _patients(**changes) -> pd.DataFrame:
    row = dict(TABLES["patients"].example)
    row.update(changes)
    return pd.DataFrame([row])


def _issues(report, rule):
    return report.issues[report.issues["rule"] == rule]


def test_accepted_spellings_raise_nothing():
    df = pd.concat([_patients(patient_id=f"P{i}", prior_asct=b, ecog=e, weight_kg=w)
                    for i, (b, e, w) in enumerate([("TRUE", "1.0", "1e2"), ("No", "0", "+64.5"), ("y", "4", ".5e2"),
                                                   ("0", "2.00", "70")])])
    r = validate({"patients": df}, data_cutoff=CUTOFF)
    assert r.n_errors == 0, r.render()


def test_rejected_number_spellings():
    bad = [" 64.5", "64.5 ", "nan", "inf", "1_000", "0x10", "64.5kg", "--1"]
    df = pd.concat([_patients(patient_id=f"P{i}", weight_kg=w) for i, w in enumerate(bad)])
    r = validate({"patients": df}, data_cutoff=CUTOFF)
    assert sorted(r.errors["value"]) == sorted(bad)
    assert set(r.errors["rule"]) == {"bad_number"}


def test_integer_rejects_fractions():
    r = validate({"patients": _patients(ecog="1.5")}, data_cutoff=CUTOFF)
    assert r.errors[["column", "value", "rule"]].values.tolist() == [["ecog", "1.5", "bad_integer"]]


def test_date_format_option():
    df = _patients(birth_date="14/03/1951", diagnosis_date="20/05/2014", index_date="02/10/2019",
                   end_of_treatment_date="15/09/2020", last_contact_date="01/03/2021")
    assert validate({"patients": df}, data_cutoff=CUTOFF, date_format="%d/%m/%Y").n_errors == 0
    r = validate({"patients": df}, data_cutoff=CUTOFF)
    assert set(r.errors["rule"]) == {"bad_date"} and r.n_errors == 5
    assert "expected YYYY-MM-DD" in r.errors["message"].iloc[0]
    # ISO is strict: no single-digit months or days
    r = validate({"patients": _patients(index_date="2019-10-2")}, data_cutoff=CUTOFF)
    assert r.errors[["column", "rule"]].values.tolist() == [["index_date", "bad_date"]]


def test_run_date_applies_without_cutoff():
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    r = validate({"patients": _patients(last_contact_date=future)})
    assert r.errors[["column", "value", "rule"]].values.tolist() == [["last_contact_date", future, "after_cutoff"]]
    assert "no data cut-off given" in r.date_rule and dt.date.today().isoformat() in r.date_rule
    assert "run date" in r.errors["message"].iloc[0]


def test_suspicious_values_are_warnings():
    r = validate({"patients": _patients(age_at_index="101", birth_date="", height_cm="1.62")}, data_cutoff=CUTOFF)
    assert r.n_errors == 0
    w = r.warnings.set_index("column")
    assert w.loc["age_at_index", "message"] == "suspicious value: above 100 years"
    assert w.loc["height_cm", "message"] == "suspicious value: below 100 cm"


def test_age_mismatch_and_missing_codes_warn():
    r = validate({"patients": _patients(age_at_index="60", death_cause="NA", site_id=" S01")}, data_cutoff=CUTOFF)
    assert r.n_errors == 0
    assert sorted(r.warnings["rule"]) == ["age_mismatch", "missing_code", "whitespace"]
    mismatch = r.warnings[r.warnings["rule"] == "age_mismatch"].iloc[0]
    # 1951-03-14 to 2019-10-02 = 25 039 days; 25 039 / 365.25 = 68.55 -> printed 68.6
    assert "(68.6)" in mismatch["message"]


def test_lab_duplicates_identical_warn_conflicting_error():
    p = _patients()
    labs = pd.DataFrame([
        {"patient_id": "P001", "date": "2019-10-02", "test": "hemoglobin", "value": "11", "unit": "g/dL", "uln": ""},
        {"patient_id": "P001", "date": "2019-10-02", "test": "hemoglobin", "value": "110", "unit": "g/L", "uln": ""},
        {"patient_id": "P001", "date": "2019-10-02", "test": "hemoglobin", "value": "12", "unit": "g/dL", "uln": ""},
    ])
    r = validate({"patients": p, "labs": labs}, data_cutoff=CUTOFF)
    assert r.warnings[["row", "rule"]].values.tolist() == [[3, "duplicate_row"]]  # 110 g/L = 11 g/dL
    assert r.errors[["row", "rule", "value"]].values.tolist() == [
        [4, "conflicting_duplicate", "P001 | 2019-10-02 | hemoglobin"]]
    assert "as row 2" in r.errors["message"].iloc[0]


def test_lab_plausibility_warning_in_canonical_unit():
    labs = pd.DataFrame([{"patient_id": "P001", "date": "2019-10-02", "test": "hemoglobin", "value": "250",
                          "unit": "g/L", "uln": ""}])
    r = validate({"patients": _patients(), "labs": labs}, data_cutoff=CUTOFF)
    assert r.n_errors == 0
    assert r.warnings["message"].tolist() == ["suspicious value: above 20 g/dL (value in canonical unit: 25.0)"]


def test_unknown_drug_is_a_warning_and_events_after_last_contact_warn():
    adm = pd.DataFrame([{"patient_id": "P001", "drug": "Sarclisa", "date": "2021-03-05", "cycle": "1",
                         "cycle_day": "1", "dose": "10", "unit": "mg/kg", "planned_dose": ""}])
    r = validate({"patients": _patients(), "administrations": adm}, data_cutoff=CUTOFF)
    assert r.n_errors == 0
    assert sorted(r.warnings["rule"]) == ["after_last_contact", "unknown_drug"]


def test_report_never_puts_patient_ids_in_messages():
    df = pd.concat([_patients(patient_id="SECRET-1", sex="x"), _patients(patient_id="SECRET-1")])
    labs = pd.DataFrame([{"patient_id": "SECRET-2", "date": "2019-10-02", "test": "ldh", "value": "x", "unit": "U/L",
                          "uln": ""}])
    r = validate({"patients": df, "labs": labs}, data_cutoff=CUTOFF)
    assert r.n_errors >= 3
    assert not r.issues["message"].str.contains("SECRET").any()
    text = r.render()
    assert text.count("SECRET") == (r.issues["value"].str.contains("SECRET")).sum()


def test_render_caps_lines_per_rule():
    df = pd.concat([_patients(patient_id=f"P{i}", sex="x") for i in range(30)])
    r = validate({"patients": df}, data_cutoff=CUTOFF)
    text = r.render(max_per_rule=5)
    assert text.splitlines()[0] == "Validation: 30 error(s), 0 warning(s)"
    assert "... and 25 more not_allowed issue(s) in patients" in text
    assert len(r.errors) == 30
