"""Ingest: round trip of every value, conversions recorded, atomic and repeatable store, provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil

import duckdb
import pandas as pd
import pytest

from mmevidence.data import ValidationError, ingest, open_store, read_table, store_info
from mmevidence.data.schema import FALSE_VALUES, TABLES, TRUE_VALUES
from mmevidence.data.units import LAB_TESTS, convert

DEMO_CUTOFF = "2021-03-31"  # the example cohort's data cut-off
GALLERY_CUTOFF = "2021-06-30"


@pytest.fixture(scope="module")
def example_store(example_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "study.duckdb"
    result = ingest(example_dir, store, data_cutoff=DEMO_CUTOFF)
    assert result.report.n_errors == 0 and result.report.n_warnings == 0
    return store


def _expected(col_type: str, raw: str):
    """What the store must hold for the text ``raw`` (written out independently of the SQL parsers)."""
    if raw == "":
        return None
    if col_type == "integer":
        return int(float(raw))
    if col_type == "number":
        return float(raw)
    if col_type == "date":
        return dt.date.fromisoformat(raw)
    if col_type == "boolean":
        assert raw.lower() in TRUE_VALUES + FALSE_VALUES
        return raw.lower() in TRUE_VALUES
    return raw


def _py(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v.item() if hasattr(v, "item") else v


@pytest.mark.parametrize("table", [t for t in TABLES if t != "labs"])
def test_round_trip_every_value_unchanged(example_store, example_dir, table):
    src = pd.read_csv(example_dir / f"{table}.csv", dtype=str, keep_default_na=False)
    stored = read_table(example_store, table)
    assert len(stored) == len(src) > 0
    assert stored["source_row"].tolist() == list(range(2, len(src) + 2))
    assert set(stored["source_file"]) == {f"{table}.csv"}
    for c in TABLES[table].columns:
        want = [_expected(c.type, v) for v in src[c.name]]
        got = [_py(v) for v in stored[c.name]]
        assert got == want, (table, c.name)


def test_round_trip_labs_with_conversions(example_store, example_dir):
    src = pd.read_csv(example_dir / "labs.csv", dtype=str, keep_default_na=False)
    stored = read_table(example_store, "labs")
    assert len(stored) == len(src)
    n_converted = 0
    for raw, row in zip(src.itertuples(index=False), stored.itertuples(index=False)):
        assert (row.patient_id, row.date.date(), row.test) == (raw.patient_id, dt.date.fromisoformat(raw.date),
                                                               raw.test)
        assert row.value_original == raw.value
        assert _py(row.unit_original) == (raw.unit or None)
        assert _py(row.uln_original) == (raw.uln or None)
        if LAB_TESTS[raw.test].kind == "qualitative":
            assert row.value_text == raw.value and pd.isna(row.value) and raw.unit == ""
            continue
        value, unit, conversion = convert(raw.test, float(raw.value), raw.unit)
        assert row.value == value and row.unit == unit and _py(row.conversion) == conversion
        if raw.uln:
            assert row.uln == convert(raw.test, float(raw.uln), raw.unit)[0]
        n_converted += conversion is not None
    assert n_converted > 50  # the example cohort exercises conversions
    conv = read_table(example_store, "_unit_conversions")
    assert conv["rows"].sum() == n_converted
    counts = stored.dropna(subset=["conversion"]).groupby("conversion").size()
    assert dict(zip(conv["conversion"], conv["rows"])) == counts.to_dict()
    creat = stored[(stored.test == "creatinine") & (stored.unit_original == "µmol/L")]
    assert len(creat) > 0
    assert (creat["value"] == creat["value_original"].astype(float) / 88.42).all()


def test_store_schema_is_typed(example_store):
    con = open_store(example_store)
    try:
        types = dict(con.sql("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'patients'").fetchall())
    finally:
        con.close()
    assert types["index_date"] == "DATE" and types["age_at_index"] == "DOUBLE"
    assert types["ecog"] == "BIGINT" and types["prior_asct"] == "BOOLEAN" and types["sex"] == "VARCHAR"
    assert types["source_row"] == "BIGINT"


def test_provenance(example_store, example_dir):
    info = store_info(example_store)
    prov = info["provenance"]
    assert sorted(prov["table_name"]) == sorted(TABLES)
    for r in prov.itertuples(index=False):
        data = (example_dir / r.file).read_bytes()
        assert r.sha256 == hashlib.sha256(data).hexdigest()
        assert r.bytes == len(data)
        assert r.rows == info["tables"][r.table_name]
    assert set(prov["tool_version"]) == {"0.1.0"}
    assert str(prov["data_cutoff"].iloc[0].date()) == DEMO_CUTOFF
    assert "data cut-off 2021-03-31" in prov["date_rule"].iloc[0]


def _contents(store):
    con = duckdb.connect(str(store), read_only=True)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        out = {n: con.sql(f'SELECT * FROM "{n}"').fetchall() for n in names if n != "_provenance"}
        out["_provenance"] = con.sql("SELECT * EXCLUDE (ingested_at_utc) FROM _provenance").fetchall()
        return out
    finally:
        con.close()


def test_rerun_gives_identical_contents(example_dir, example_store, tmp_path):
    again = tmp_path / "again.duckdb"
    ingest(example_dir, again, data_cutoff=DEMO_CUTOFF)
    assert _contents(again) == _contents(example_store)


def test_failed_ingest_leaves_previous_store_intact(tmp_path, base_tables, write_csvs):
    src = write_csvs(tmp_path / "src", base_tables)
    store = tmp_path / "out" / "study.duckdb"
    ingest(src, store, data_cutoff=GALLERY_CUTOFF)
    before = _contents(store)
    tables = dict(base_tables)
    tables["labs"] = tables["labs"].replace("creatinine,88.42", "creatinine,abc")
    shutil.rmtree(src)
    write_csvs(src, tables)
    with pytest.raises(ValidationError) as info:
        ingest(src, store, data_cutoff=GALLERY_CUTOFF, report_csv=tmp_path / "out" / "report.csv")
    assert info.value.report.errors[["table", "row", "column", "value"]].values.tolist() == [
        ["labs", 2, "value", "abc"]]
    assert _contents(store) == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["report.csv", "study.duckdb"]
    report = pd.read_csv(tmp_path / "out" / "report.csv", dtype=str, keep_default_na=False)
    assert report[["severity", "table", "row", "column", "value", "rule"]].values.tolist() == [
        ["error", "labs", "2", "value", "abc", "bad_number"]]


def test_unknown_column_kept_as_text_with_warning(tmp_path, base_tables, write_csvs):
    tables = dict(base_tables)
    lines = tables["patients"].splitlines()
    tables["patients"] = "\n".join([lines[0] + ",comment"] + [ln + ",note " + str(i) for i, ln in
                                                                 enumerate(lines[1:])]) + "\n"
    store = tmp_path / "s.duckdb"
    result = ingest(write_csvs(tmp_path / "src", tables), store, data_cutoff=GALLERY_CUTOFF)
    w = result.report.warnings
    assert w[["table", "row", "column", "rule"]].values.tolist() == [["patients", 1, "comment", "unknown_column"]]
    assert read_table(store, "patients")["comment"].tolist() == ["note 0", "note 1"]
    assert read_table(store, "_validation_report")["rule"].tolist() == ["unknown_column"]


def test_absent_optional_tables_are_stored_empty(tmp_path, base_tables, write_csvs):
    tables = {"patients": base_tables["patients"]}
    store = tmp_path / "s.duckdb"
    ingest(write_csvs(tmp_path / "src", tables), store, data_cutoff=GALLERY_CUTOFF)
    info = store_info(store)
    assert info["tables"]["patients"] == 2
    assert all(info["tables"][t] == 0 for t in TABLES if t != "patients")
    assert list(read_table(store, "labs").columns)[:4] == ["source_file", "source_row", "patient_id", "date"]
