"""run_derive on the bundled example cohort: tables written, traceability, summary, config."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from mmevidence.derive.config import DeriveConfig, load_config
from mmevidence.derive.pipeline import run_derive


def _sql(store, q: str) -> pd.DataFrame:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.sql(q).df()
    finally:
        con.close()


def test_tables_written_with_expected_rows(derived_store):
    store, summary = derived_store
    counts = {t: _sql(store, f"SELECT count(*) AS n FROM {t}")["n"][0]
              for t in ("adsl", "adtte", "adrs", "adae", "adex", "adex_patient", "_derive_provenance")}
    assert counts["adsl"] == 20                     # 20 patients in patients.csv
    assert counts["adae"] == 40                     # one row per adverse event (40 in adverse_events.csv)
    assert summary.rows["adsl"] == 20 and summary.n_patients == 20
    # one BOR row a patient in adrs
    bor = _sql(store, "SELECT patient_id, count(*) AS n FROM adrs WHERE param = 'BOR' GROUP BY 1")
    assert len(bor) == 20 and (bor["n"] == 1).all()
    types = _sql(store, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'adtte'")
    types = dict(zip(types["column_name"], types["data_type"]))
    assert types["start_date"] == "DATE" and types["end_date"] == "DATE" and types["event"] == "BIGINT"


def test_os_row_traceable_and_worked_by_hand(derived_store):
    store, _ = derived_store
    r = _sql(store, "SELECT * FROM adtte WHERE endpoint = 'OS' AND patient_id = 'P001'").iloc[0]
    # P001: index 2019-07-18, death 2020-05-26 (patients.csv). Days: 13 (rest of Jul) + 31 + 30 + 31 + 30 + 31
    # + 31 + 29 + 31 + 30 + 26 = 313; ADaM convention +1 -> 314 days = 314 / 30.4375 months.
    assert r["time_days"] == 314 and r["event"] == 1
    assert r["time_months"] == pytest.approx(314 / 30.4375, rel=1e-12)
    src = _sql(store, f"SELECT patient_id, death_date FROM patients WHERE source_row = {r['source_row']}").iloc[0]
    assert src["patient_id"] == "P001" and pd.Timestamp(src["death_date"]) == pd.Timestamp("2020-05-26")


def test_pfs_progression_traceable_to_response_row(derived_store):
    store, summary = derived_store
    # the example labs have no baseline M-protein, so "auto" falls back to reported responses
    assert summary.progression_source == "reported"
    pfs = _sql(store, "SELECT * FROM adtte WHERE endpoint = 'PFS' AND event = 1 AND reason = 'progression'")
    assert len(pfs) > 0
    ra = _sql(store, "SELECT source_row, patient_id, date, response FROM response_assessments")
    m = pfs.merge(ra, on="source_row", suffixes=("", "_ra"))
    assert len(m) == len(pfs)
    assert (m["patient_id"] == m["patient_id_ra"]).all() and (m["response"] == "PD").all()
    assert (pd.to_datetime(m["end_date"]) == pd.to_datetime(m["date"])).all()


def test_summary_text(derived_store):
    _, summary = derived_store
    text = str(summary)
    assert "20 patients" in text
    assert "Progression: reported (auto:" in text
    assert "Data cut-off: 2021-03-31" in text       # taken from the store's ingest provenance
    assert len(text.splitlines()) < 30               # one screen
    for ep in ("OS", "PFS", "TTP", "TTNT", "PFS2", "DOR", "TTR", "TOT", "FU"):
        assert f" {ep} " in text


def test_rerun_with_config_file_replaces_tables(derived_store, tmp_path):
    store, _ = derived_store
    cfg = tmp_path / "study.yaml"
    cfg.write_text("derive:\n  pfs_further_therapy: event\n  add_one_day: false\n", encoding="utf-8")
    s2 = run_derive(store, cfg)
    r = _sql(store, "SELECT * FROM adtte WHERE endpoint = 'OS' AND patient_id = 'P001'").iloc[0]
    assert r["time_days"] == 313                     # plain difference now
    prov = _sql(store, "SELECT config FROM _derive_provenance")
    assert len(prov) == 1 and '"pfs_further_therapy": "event"' in prov["config"][0]
    assert s2.rows["adsl"] == 20
    run_derive(store)                                # back to defaults for the other tests
    r = _sql(store, "SELECT * FROM adtte WHERE endpoint = 'OS' AND patient_id = 'P001'").iloc[0]
    assert r["time_days"] == 314


def test_derived_progression_source_runs_imwg(example_store, tmp_path):
    store = tmp_path / "s.duckdb"
    store.write_bytes(example_store.read_bytes())
    s = run_derive(store, config=DeriveConfig(progression_source="derived"))
    assert s.progression_source == "derived"
    ovr = _sql(store, "SELECT * FROM adrs WHERE param = 'OVR'")
    assert (ovr["source"] == "derived").all() and ovr["explanation"].notna().all()


def test_config_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pfs_further_therapi: event\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown derive option"):
        load_config(bad)
    with pytest.raises(ValueError, match="pfs_further_therapy"):
        DeriveConfig(pfs_further_therapy="sometimes")
    with pytest.raises(ValueError, match="del17p_pct"):
        DeriveConfig(del17p_pct=150)
    assert load_config(None) == DeriveConfig()
    assert DeriveConfig(data_cutoff="2020-01-31").data_cutoff.isoformat() == "2020-01-31"


def test_missing_store(tmp_path):
    with pytest.raises(FileNotFoundError):
        run_derive(tmp_path / "nope.duckdb")


def test_derive_all_on_tables_without_provenance_columns(example_store, derived_store):
    """Tables handed in directly (no ingest, so no source_file/source_row columns) derive the same
    endpoints as the stored tables; source_row is then missing, never a broadcast scalar."""
    from mmevidence.data.store import open_store
    from mmevidence.derive.pipeline import derive_all

    con = open_store(example_store)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()]
        tables = {t: con.sql(f'SELECT * FROM "{t}"').df().drop(columns=["source_file", "source_row"], errors="ignore")
                  for t in ("patients", "prior_therapies", "administrations", "labs", "cytogenetics",
                            "response_assessments", "adverse_events", "subsequent_therapies") if t in names}
    finally:
        con.close()
    out, _ = derive_all(tables)
    con = open_store(derived_store[0])
    try:
        stored = con.sql("SELECT * FROM adtte").df()
    finally:
        con.close()
    mine = out["adtte"][out["adtte"]["source_table"] == "patients"]
    assert len(mine) and mine["source_row"].isna().all()
    key = ["patient_id", "endpoint"]
    a = out["adtte"].sort_values(key).reset_index(drop=True)
    b = stored.sort_values(key).reset_index(drop=True)
    assert a[key + ["time_days", "event"]].equals(b[key + ["time_days", "event"]])


def test_derive_endpoints_equals_derive_all(example_store):
    """The sensitivity-analysis shortcut (adtte alone, primary adsl reused, IMWG result computed once)
    gives exactly the adtte of a full derive_all under each censoring variant."""
    from mmevidence.data.store import open_store
    from mmevidence.derive.config import DeriveConfig
    from mmevidence.derive.pipeline import derive_all, derive_endpoints, imwg_responses

    con = open_store(example_store)
    try:
        names = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        tables = {t: con.sql(f'SELECT * FROM "{t}" ORDER BY source_row').df() for t in (
            "patients", "prior_therapies", "administrations", "labs", "cytogenetics", "response_assessments",
            "adverse_events", "subsequent_therapies") if t in names}
    finally:
        con.close()
    primary, _ = derive_all(tables)
    imwg = imwg_responses(tables, primary["adsl"][["patient_id", "index_date"]])
    for variant in ("ignore", "event"):
        config = DeriveConfig(pfs_further_therapy=variant)
        full, _ = derive_all(tables, config)
        short = derive_endpoints(tables, primary["adsl"], config, imwg=imwg)
        pd.testing.assert_frame_equal(short.reset_index(drop=True), full["adtte"].reset_index(drop=True))
