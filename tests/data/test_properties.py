"""Property-based tests: random malformed sources give a clean report, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmevidence.cli import main
from mmevidence.data import validate_source
from mmevidence.data.schema import TABLES

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", "NA", "2020-02-30", "1e309", "-1", "0", "yes", "P001", "\"", ",", "\n", "µmol/L",
                     "2019-10-02", "10", "positive", "mg/kg", "g/L", "creatinine"]),
)


@st.composite
def malformed_csv(draw):
    """A table name (known or not), a header of real and junk column names, and ragged rows of random text,
    joined with commas without any quoting -- so quotes, commas and line breaks in cells break the structure."""
    name = draw(st.one_of(st.sampled_from(sorted(TABLES)), st.sampled_from(["Patients", "lab", "x"])))
    known = list(TABLES[name].column_names) if name in TABLES else ["patient_id"]
    header = draw(st.lists(st.one_of(st.sampled_from(known), st.text(max_size=6)), min_size=0, max_size=8))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(",".join(r) for r in [header] + rows)
    return name, text


def _check_report(report):
    issues = report.issues
    assert set(issues["severity"]) <= {"error", "warning"}
    assert (issues["message"] != "").all()
    assert report.n_errors + report.n_warnings == len(issues)


@SETTINGS
@given(malformed_csv(), st.booleans())
def test_random_csv_gives_a_report(case, with_patients):
    name, text = case
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        if with_patients and name != "patients":
            (folder / "patients.csv").write_text(
                "patient_id,sex,age_at_index,index_date,last_contact_date\nP001,male,70,2019-10-02,2020-01-01\n",
                encoding="utf-8")
        report = validate_source(folder, data_cutoff="2021-06-30")
    _check_report(report)
    if name not in TABLES:  # an unknown table is an error (an empty file: "no header" first)
        assert set(report.errors["rule"]) & {"unknown_table", "no_header"}


@settings(max_examples=10, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_a_report(data):
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "labs.csv").write_bytes(data)
        report = validate_source(d)
    _check_report(report)
    assert not report.ok  # no patients table at least


@settings(max_examples=8, deadline=None)
@given(malformed_csv())
def test_cli_never_shows_a_traceback(case):
    name, text = case
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "src").mkdir()
        (Path(d) / "src" / f"{name}.csv").write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["ingest", str(Path(d) / "src"), "--store", str(Path(d) / "s.duckdb"),
                                           "--quiet", "--data-cutoff", "2021-06-30"])
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert "error(s)" in result.output
            assert not (Path(d) / "s.duckdb").exists()
