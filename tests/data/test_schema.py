"""The data model: one definition, documented, with valid worked examples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmevidence.data import validate
from mmevidence.data.docs import render_data_model
from mmevidence.data.schema import DUCKDB_TYPES, TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_doc_is_generated_from_the_schema():
    # Regenerate with: python -m mmevidence.data.docs docs/data-model.md
    assert DOC.read_text(encoding="utf-8") == render_data_model()


def test_doc_has_a_section_and_example_for_every_table():
    text = render_data_model()
    for name, t in TABLES.items():
        assert f"### `{name}`" in text
        assert "| " + " | ".join(t.example[k] for k in t.example) + " |" in text


def test_design_tables_and_required_columns():
    # DESIGN.md, "Canonical source tables": required columns marked *
    expected = {
        "patients": {"patient_id", "sex", "index_date", "last_contact_date"},
        "prior_therapies": {"patient_id", "line_number", "drugs"},
        "administrations": {"patient_id", "drug", "date", "dose", "unit"},
        "labs": {"patient_id", "date", "test", "value", "unit"},
        "cytogenetics": {"patient_id", "abnormality"},
        "response_assessments": {"patient_id", "date", "response"},
        "adverse_events": {"patient_id", "preferred_term", "system_organ_class", "onset_date", "grade"},
        "subsequent_therapies": {"patient_id", "line_number", "start_date"},
    }
    assert {n: set(t.required) for n, t in TABLES.items()} == expected
    assert TABLES["patients"].one_of_required == (("birth_date", "age_at_index"),)
    assert TABLES["adverse_events"].column("grade").minimum == 1
    assert TABLES["adverse_events"].column("grade").maximum == 5
    assert TABLES["response_assessments"].column("response").allowed == (
        "sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")


def test_examples_name_every_column_and_types_map_to_duckdb():
    for t in TABLES.values():
        assert list(t.example) == list(t.column_names), t.name
        assert all(t.example[c] != "" for c in t.required), t.name
        assert set(t.key) <= set(t.column_names)
        for c in t.columns:
            assert c.duckdb_type in set(DUCKDB_TYPES.values())


def test_worked_examples_are_a_valid_cohort():
    tables = {n: pd.DataFrame([t.example]) for n, t in TABLES.items()}
    report = validate(tables, data_cutoff="2021-06-30")
    assert report.n_errors == 0, report.render()
    assert report.n_warnings == 0, report.render()
