"""Write the bad-input gallery: one small folder per fault plus ``manifest.csv``.

Each folder is the base cohort below (two patients, one or two rows in every table, valid
with data cut-off 2021-06-30) with exactly one fault injected. ``manifest.csv`` lists,
for each fault, the issue the validator must report: table, row, column, value, rule
and a fragment of the message. Run ``python make_gallery.py`` here to rewrite the
folders (deterministic). ``test_gallery.py`` checks every entry.
"""

from __future__ import annotations

import copy
import csv
import shutil
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
CUTOFF = "2021-06-30"

COLUMNS = {
    "patients": ["patient_id", "site_id", "arm", "sex", "birth_date", "age_at_index", "diagnosis_date", "index_date",
                 "myeloma_type", "light_chain", "ecog", "iss_stage_at_diagnosis", "weight_kg", "height_cm",
                 "prior_asct", "end_of_treatment_date", "end_of_treatment_reason", "death_date", "death_cause",
                 "last_contact_date"],
    "prior_therapies": ["patient_id", "line_number", "start_date", "end_date", "drugs", "asct", "best_response",
                        "refractory"],
    "administrations": ["patient_id", "drug", "date", "cycle", "cycle_day", "dose", "unit", "planned_dose"],
    "labs": ["patient_id", "date", "test", "value", "unit", "uln"],
    "cytogenetics": ["patient_id", "date", "abnormality", "percent_positive", "result"],
    "response_assessments": ["patient_id", "date", "response", "assessor"],
    "adverse_events": ["patient_id", "preferred_term", "system_organ_class", "onset_date", "end_date", "grade",
                       "serious", "related_to", "aesi", "action_taken", "outcome"],
    "subsequent_therapies": ["patient_id", "line_number", "start_date", "drugs", "progression_date"],
}


def _rows(table: str, *values: str) -> list[dict[str, str]]:
    return [dict(zip(COLUMNS[table], v.split(","))) for v in values]


BASE: dict[str, list[dict[str, str]]] = {
    "patients": _rows(
        "patients",
        "P001,S01,Isa-Pd,female,1951-03-14,68.6,2014-05-20,2019-10-02,IgG,kappa,1,II,64.5,162,yes,2020-09-15,"
        "progression,,,2021-03-01",
        "P002,S02,Isa-Pd,male,1945-06-30,,2016-01-10,2019-11-05,IgA,lambda,2,III,80,178,no,2020-10-01,progression,"
        "2020-12-01,progressive disease,2020-12-01"),
    "prior_therapies": _rows(
        "prior_therapies",
        "P001,1,2014-06-10,2015-02-01,bortezomib;thalidomide;dexamethasone,yes,VGPR,no",
        "P001,2,2017-03-01,2019-08-20,lenalidomide;dexamethasone,no,PR,yes"),
    "administrations": _rows(
        "administrations",
        "P001,isatuximab,2019-10-02,1,1,10,mg/kg,10",
        "P002,pomalidomide,2019-11-05,1,1,4,mg,4"),
    "labs": _rows(
        "labs",
        "P001,2019-10-02,creatinine,88.42,µmol/L,106",
        "P001,2019-10-02,serum_ife,positive,,",
        "P002,2019-11-05,bm_plasma_cells_pct,40,%,"),
    "cytogenetics": _rows("cytogenetics", "P001,2019-09-20,del17p,35,positive"),
    "response_assessments": _rows("response_assessments", "P001,2019-11-27,PR,investigator"),
    "adverse_events": _rows(
        "adverse_events",
        "P001,Neutropenia,Blood and lymphatic system disorders,2019-10-16,2019-10-30,4,no,isatuximab;pomalidomide,"
        "no,dose_delayed,recovered"),
    "subsequent_therapies": _rows("subsequent_therapies",
                                  "P001,1,2020-09-20,carfilzomib;dexamethasone,2021-02-10"),
}

Tables = dict[str, list[dict[str, str]]]


def setv(table: str, i: int, column: str, value: str) -> Callable[[Tables], None]:
    def f(t: Tables) -> None:
        t[table][i][column] = value
    return f


def dup(table: str, i: int, **changes: str) -> Callable[[Tables], None]:
    def f(t: Tables) -> None:
        t[table].append({**t[table][i], **changes})
    return f


# (fault id, edit, expected (table, row, column, value, rule, message fragment), raw post-processing)
FAULTS: list[tuple] = [
    ("patients_missing_required_column", None, ("patients", 1, "sex", "", "missing_column", "required column missing"),
     ("drop_column", "patients", "sex")),
    ("patients_sex_not_allowed", setv("patients", 1, "sex", "M"),
     ("patients", 3, "sex", "M", "not_allowed", "not an allowed value"), None),
    ("patients_unparseable_date", setv("patients", 0, "index_date", "2019/10/02"),
     ("patients", 2, "index_date", "2019/10/02", "bad_date", "unparseable date"), None),
    ("patients_ecog_not_integer", setv("patients", 0, "ecog", "one"),
     ("patients", 2, "ecog", "one", "bad_integer", "not a whole number"), None),
    ("patients_ecog_out_of_range", setv("patients", 0, "ecog", "5"),
     ("patients", 2, "ecog", "5", "out_of_range", "between 0 and 4"), None),
    ("patients_duplicate_id", dup("patients", 0),
     ("patients", 4, "patient_id", "P001", "duplicate_key", "first occurrence at row 2"), None),
    ("patients_death_before_index", setv("patients", 1, "death_date", "2019-10-01"),
     ("patients", 3, "death_date", "2019-10-01", "death_before_index", "death before index_date"), None),
    ("patients_last_contact_before_index", setv("patients", 0, "last_contact_date", "2019-09-01"),
     ("patients", 2, "last_contact_date", "2019-09-01", "last_contact_before_index", "before index_date"), None),
    ("patients_date_after_cutoff", setv("patients", 0, "last_contact_date", "2021-07-15"),
     ("patients", 2, "last_contact_date", "2021-07-15", "after_cutoff", "after the data cut-off"), None),
    ("patients_bad_boolean", setv("patients", 0, "prior_asct", "maybe"),
     ("patients", 2, "prior_asct", "maybe", "bad_boolean", "not a boolean"), None),
    ("patients_no_birth_date_nor_age", setv("patients", 1, "birth_date", ""),
     ("patients", 3, "birth_date|age_at_index", "", "one_of_required", "one of birth_date, age_at_index"), None),
    ("patients_zero_weight", setv("patients", 0, "weight_kg", "0"),
     ("patients", 2, "weight_kg", "0", "out_of_range", "must be > 0"), None),
    ("patients_diagnosis_before_birth", setv("patients", 0, "diagnosis_date", "1950-01-01"),
     ("patients", 2, "diagnosis_date", "1950-01-01", "before_birth", "before birth_date"), None),
    ("patients_number_with_comma", setv("patients", 0, "weight_kg", "64,5"),
     ("patients", 2, "weight_kg", "64,5", "bad_number", "not a number"), None),
    ("prior_duplicate_line", dup("prior_therapies", 1, start_date="2018-01-01"),
     ("prior_therapies", 4, "patient_id, line_number", "P001 | 2", "duplicate_key", "duplicate key"), None),
    ("prior_end_before_start", setv("prior_therapies", 0, "end_date", "2014-01-01"),
     ("prior_therapies", 2, "end_date", "2014-01-01", "end_before_start", "end_date before start_date"), None),
    ("prior_empty_drug_item", setv("prior_therapies", 0, "drugs", "bortezomib;;dexamethasone"),
     ("prior_therapies", 2, "drugs", "bortezomib;;dexamethasone", "empty_list_item", "empty item"), None),
    ("prior_after_index", setv("prior_therapies", 1, "start_date", "2019-10-02"),
     ("prior_therapies", 3, "start_date", "2019-10-02", "prior_after_index", "on or after index_date"), None),
    ("prior_response_not_allowed", setv("prior_therapies", 0, "best_response", "VGPR+"),
     ("prior_therapies", 2, "best_response", "VGPR+", "not_allowed", "not an allowed value"), None),
    ("administrations_zero_dose", setv("administrations", 0, "dose", "0"),
     ("administrations", 2, "dose", "0", "out_of_range", "must be > 0"), None),
    ("administrations_negative_dose", setv("administrations", 1, "dose", "-4"),
     ("administrations", 3, "dose", "-4", "out_of_range", "must be > 0"), None),
    ("administrations_unknown_unit", setv("administrations", 0, "unit", "mg/m²"),
     ("administrations", 2, "unit", "mg/m²", "not_allowed", "mg, mg/kg, mg/m2"), None),
    ("administrations_dose_with_unit", setv("administrations", 0, "dose", "10 mg"),
     ("administrations", 2, "dose", "10 mg", "bad_number", "not a number"), None),
    ("administrations_after_death", setv("administrations", 1, "date", "2020-12-15"),
     ("administrations", 3, "date", "2020-12-15", "after_death", "after death_date (2020-12-01)"), None),
    ("labs_unknown_unit", setv("labs", 0, "unit", "mg/ml"),
     ("labs", 2, "unit", "mg/ml", "unknown_unit", "unknown unit for creatinine"), None),
    ("labs_unknown_test", setv("labs", 0, "test", "crp"),
     ("labs", 2, "test", "crp", "unknown_test", "unknown lab test"), None),
    ("labs_value_not_number", setv("labs", 0, "value", "high"),
     ("labs", 2, "value", "high", "bad_number", "not a number"), None),
    ("labs_conflicting_duplicate", dup("labs", 0, value="90"),
     ("labs", 5, "patient_id, date, test", "P001 | 2019-10-02 | creatinine", "conflicting_duplicate",
      "but different values"), None),
    ("labs_ife_not_allowed", setv("labs", 1, "value", "weakly positive"),
     ("labs", 3, "value", "weakly positive", "bad_qualitative", "positive, negative"), None),
    ("labs_negative_value", setv("labs", 2, "value", "-1"),
     ("labs", 4, "value", "-1", "negative_lab_value", "negative value"), None),
    ("labs_percent_above_100", setv("labs", 2, "value", "120"),
     ("labs", 4, "value", "120", "out_of_range", "must be <= 100"), None),
    ("labs_date_not_iso", setv("labs", 0, "date", "02/10/2019"),
     ("labs", 2, "date", "02/10/2019", "bad_date", "expected YYYY-MM-DD"), None),
    ("cytogenetics_abnormality_not_allowed", setv("cytogenetics", 0, "abnormality", "del(17p)"),
     ("cytogenetics", 2, "abnormality", "del(17p)", "not_allowed", "not an allowed value"), None),
    ("cytogenetics_percent_out_of_range", setv("cytogenetics", 0, "percent_positive", "150"),
     ("cytogenetics", 2, "percent_positive", "150", "out_of_range", "between 0 and 100"), None),
    ("response_not_allowed", setv("response_assessments", 0, "response", "nCR"),
     ("response_assessments", 2, "response", "nCR", "not_allowed", "sCR, CR, VGPR"), None),
    ("response_unknown_patient", setv("response_assessments", 0, "patient_id", "P999"),
     ("response_assessments", 2, "patient_id", "P999", "unknown_patient", "not found in patients"), None),
    ("ae_grade_out_of_range", setv("adverse_events", 0, "grade", "6"),
     ("adverse_events", 2, "grade", "6", "out_of_range", "between 1 and 5"), None),
    ("ae_end_before_onset", setv("adverse_events", 0, "end_date", "2019-10-10"),
     ("adverse_events", 2, "end_date", "2019-10-10", "end_before_start", "before onset_date"), None),
    ("ae_missing_preferred_term", setv("adverse_events", 0, "preferred_term", ""),
     ("adverse_events", 2, "preferred_term", "", "required_value", "required value missing"), None),
    ("ae_bad_boolean", setv("adverse_events", 0, "serious", "Y?"),
     ("adverse_events", 2, "serious", "Y?", "bad_boolean", "not a boolean"), None),
    ("subsequent_before_index", setv("subsequent_therapies", 0, "start_date", "2019-09-01"),
     ("subsequent_therapies", 2, "start_date", "2019-09-01", "subsequent_before_index", "before index_date"), None),
    ("subsequent_progression_before_start", setv("subsequent_therapies", 0, "progression_date", "2020-09-01"),
     ("subsequent_therapies", 2, "progression_date", "2020-09-01", "end_before_start", "before start_date"), None),
    ("subsequent_duplicate_line", dup("subsequent_therapies", 0),
     ("subsequent_therapies", 3, "patient_id, line_number", "P001 | 1", "duplicate_key", "duplicate key"), None),
    ("unknown_table_name", None, ("patient", None, "", "patient", "unknown_table", "unknown table name"),
     ("add_file", "patient.csv", "patient_id\nP001\n")),
    ("missing_patients_table", None, ("patients", None, "", "", "missing_table", "required table missing"),
     ("remove_file", "patients.csv")),
    ("ragged_csv_row", None, ("cytogenetics", 3, "", "P001,2019-09-20,t_4_14", "field_count", "has 3 field(s)"),
     ("append_raw", "cytogenetics.csv", "P001,2019-09-20,t_4_14\n")),
    ("not_utf8", None, ("response_assessments", 3, "", "", "not_utf8", "not UTF-8"),
     ("append_bytes", "response_assessments.csv", b"P001,2019-12-20,\xe9PR,investigator\n")),
    ("reserved_column_name", None, ("labs", 1, "source_row", "source_row", "reserved_column", "reserved"),
     ("rename_header", "labs.csv", "uln", "source_row")),
]


def write_folder(folder: Path, tables: Tables) -> None:
    folder.mkdir(parents=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, COLUMNS[name], lineterminator="\n")
            w.writeheader()
            w.writerows(rows)


def post(folder: Path, op: tuple) -> None:
    kind = op[0]
    if kind == "drop_column":
        _, table, col = op
        p = folder / f"{table}.csv"
        rows = list(csv.DictReader(open(p, encoding="utf-8", newline="")))
        cols = [c for c in COLUMNS[table] if c != col]
        with open(p, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, cols, lineterminator="\n", extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    elif kind == "add_file":
        (folder / op[1]).write_text(op[2], encoding="utf-8")
    elif kind == "remove_file":
        (folder / op[1]).unlink()
    elif kind == "append_raw":
        with open(folder / op[1], "a", encoding="utf-8", newline="") as f:
            f.write(op[2])
    elif kind == "append_bytes":
        with open(folder / op[1], "ab") as f:
            f.write(op[2])
    elif kind == "rename_header":
        p = folder / op[1]
        lines = p.read_text(encoding="utf-8").split("\n")
        lines[0] = ",".join(op[3] if h == op[2] else h for h in lines[0].split(","))
        p.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    write_folder(HERE / "00_base_valid", BASE)
    manifest = []
    for i, (fault, edit, expected, op) in enumerate(FAULTS, start=1):
        tables = copy.deepcopy(BASE)
        if edit is not None:
            edit(tables)
        folder = HERE / f"{i:02d}_{fault}"
        write_folder(folder, tables)
        if op is not None:
            post(folder, op)
        table, row, column, value, rule, message = expected
        manifest.append({"folder": folder.name, "table": table, "row": "" if row is None else row,
                         "column": column, "value": value, "rule": rule, "message": message})
    with open(HERE / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["folder", "table", "row", "column", "value", "rule", "message"], lineterminator="\n")
        w.writeheader()
        w.writerows(manifest)


if __name__ == "__main__":
    main()
