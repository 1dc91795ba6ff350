"""Readers: every format read as text, spreadsheet-style row numbers, read problems as issues."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from mmevidence.data import ValidationError, read_source, validate, validate_source
from mmevidence.data.readers import load_source

GALLERY_CUTOFF = "2021-06-30"
BASE_VALID = Path(__file__).parent / "bad" / "00_base_valid"


def test_csv_values_are_text_and_rows_are_spreadsheet_rows(tmp_path):
    text = ('\ufeffpatient_id,death_cause,weight_kg\r\n'
            'P1,"infection, pneumonia",064.50\r\n'
            'P2,"line one\nline two",\r\n'
            'P3,NA,1e2\r\n')
    (tmp_path / "patients.csv").write_text(text, encoding="utf-8", newline="")
    df = read_source(tmp_path)["patients"]
    assert df["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert df["death_cause"].tolist() == ["infection, pneumonia", "line one\nline two", "NA"]
    assert df["weight_kg"].tolist() == ["064.50", "", "1e2"]  # as given, never coerced
    assert df["source_row"].tolist() == [2, 3, 4]  # records, header = row 1
    assert set(df["source_file"]) == {"patients.csv"}


def test_csv_ragged_and_empty_rows_are_reported(tmp_path):
    (tmp_path / "cytogenetics.csv").write_text(
        "patient_id,abnormality,result\nP1,del17p,positive\n\nP1,t_4_14\nP1,gain_1q,negative\n", encoding="utf-8")
    loaded = load_source(tmp_path)
    issues = pd.DataFrame(loaded.issues)
    ragged = issues[issues["rule"] == "field_count"].iloc[0]
    assert (ragged["row"], ragged["value"], ragged["severity"]) == (4, "P1,t_4_14", "error")
    assert "has 2 field(s), the header has 3" in ragged["message"]
    empty = issues[issues["rule"] == "empty_row"].iloc[0]
    assert (empty["row"], empty["severity"]) == (3, "warning")
    assert loaded.tables["cytogenetics"]["source_row"].to_pylist() == [2, 5]


def test_not_utf8_and_duplicate_header(tmp_path):
    (tmp_path / "patients.csv").write_bytes(b"patient_id,sex\nP1,male\nP\xe92,female\n")
    (tmp_path / "labs.csv").write_text("patient_id,date,date\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_source(tmp_path)
    e = info.value.report.errors
    assert e[e["rule"] == "not_utf8"][["table", "row"]].values.tolist() == [["patients", 3]]
    assert e[e["rule"] == "duplicate_column"][["table", "row", "column"]].values.tolist() == [["labs", 1, "date"]]


def test_control_characters_in_a_column_name_are_reported(tmp_path):
    """Found by the property test: a header cell holding NUL reached DuckDB as an identifier and crashed
    the validation. Such a name (NUL, a quoted line break) is now a header error naming the value."""
    (tmp_path / "administrations.csv").write_text('\x00,"dr\nug"\n1,2\n', encoding="utf-8")
    report = validate_source(tmp_path, data_cutoff="2021-06-30")
    e = report.errors[report.errors["rule"] == "control_character_column_name"]
    assert e[["table", "row", "value"]].values.tolist() == [["administrations", 1, "'\\x00'"],
                                                            ["administrations", 1, "'dr\\nug'"]]


def test_unsupported_files(tmp_path, base_tables, write_csvs):
    write_csvs(tmp_path / "src", base_tables)
    (tmp_path / "src" / "extra.xls").write_bytes(b"\0")
    (tmp_path / "src" / "notes.md").write_text("ignored silently", encoding="utf-8")
    r = validate_source(tmp_path / "src", data_cutoff=GALLERY_CUTOFF)
    assert r.n_errors == 0
    assert r.warnings[["rule", "value"]].values.tolist() == [["file_ignored", "extra.xls"]]
    single = tmp_path / "patients.json"
    single.write_text("{}", encoding="utf-8")
    r = validate_source(single)
    assert "unsupported_format" in set(r.errors["rule"])


def _typed_patients() -> pd.DataFrame:
    """The base patients table with real types (numbers, dates), as a binary format would hold it."""
    df = pd.read_csv(BASE_VALID / "patients.csv", dtype=str, keep_default_na=False)
    out = df.copy()
    for c in ("birth_date", "diagnosis_date", "index_date", "end_of_treatment_date", "death_date",
              "last_contact_date"):
        out[c] = pd.to_datetime(df[c].replace("", None))
    for c in ("age_at_index", "weight_kg", "height_cm", "ecog"):
        out[c] = pd.to_numeric(df[c].replace("", None))
    return out


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "sav", "dta", "xpt"])
def test_binary_formats_give_the_same_text_as_csv(tmp_path, fmt):
    typed = _typed_patients()
    src = tmp_path / "src"
    src.mkdir()
    if fmt == "parquet":
        t = pa.Table.from_pandas(typed, preserve_index=False)
        t = t.set_column(t.column_names.index("index_date"), "index_date", t["index_date"].cast(pa.date32()))
        pq.write_table(t, src / "patients.parquet")
    elif fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "patients"
        ws.append(list(typed.columns))
        for rec in typed.itertuples(index=False):
            ws.append([None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                       for v in rec])
        wb.save(src / "study.xlsx")
    elif fmt == "sav":
        pyreadstat.write_sav(typed, str(src / "patients.sav"))
    elif fmt == "dta":
        pyreadstat.write_dta(typed, str(src / "patients.dta"))
    else:
        pyreadstat.write_xport(typed, str(src / "patients.xpt"), file_format_version=8)
    got = read_source(src)["patients"]
    want = pd.read_csv(BASE_VALID / "patients.csv", dtype=str, keep_default_na=False)
    for c in want.columns:
        assert got[c].tolist() == want[c].tolist(), c
    assert got["source_row"].tolist() == [2, 3]
    assert validate({"patients": got}, data_cutoff=GALLERY_CUTOFF).n_errors == 0


def test_xlsx_rows_are_worksheet_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "response_assessments"
    ws.append(["patient_id", "date", "response", "assessor"])
    ws.append(["P001", dt.datetime(2019, 11, 27), "PR", "investigator"])
    ws.append([])
    ws.append(["P001", dt.datetime(2019, 12, 27, 10, 30), "VGPR", True])
    ws2 = wb.create_sheet("patients")
    ws2.append(["patient_id"])
    wb.save(tmp_path / "book.xlsx")
    loaded = load_source(tmp_path / "book.xlsx")
    t = loaded.tables["response_assessments"].to_pandas()
    assert t["source_row"].tolist() == [2, 4]  # row 3 empty: skipped with a warning
    assert t["date"].tolist() == ["2019-11-27", "2019-12-27T10:30:00"]  # time of day kept, fails as a date
    assert t["assessor"].tolist() == ["investigator", "true"]
    assert [i["rule"] for i in loaded.issues] == ["empty_row"]
    assert loaded.files[0].tables == ["response_assessments", "patients"]


def test_custom_date_format_renders_typed_dates(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    t = pa.table({"patient_id": ["P1"], "date": pa.array([dt.date(2020, 1, 31)], pa.date32())})
    pq.write_table(t, src / "labs.parquet")
    assert read_source(src, date_format="%d/%m/%Y")["labs"]["date"].tolist() == ["31/01/2020"]
