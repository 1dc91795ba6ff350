"""The mmevidence command line: ingest, validate, info, derive, export (through click's test runner)."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from mmevidence import __version__
from mmevidence.cli import main
from mmevidence.data import read_table

BASE = Path(__file__).parent / "data" / "bad" / "00_base_valid"
CUTOFF = ["--data-cutoff", "2021-06-30"]


def run(*args: str):
    return CliRunner().invoke(main, [*args])


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output


def test_ingest_then_info(tmp_path):
    store = tmp_path / "study.duckdb"
    r = run("ingest", str(BASE), "--store", str(store), "--quiet", *CUTOFF)
    assert r.exit_code == 0, r.output
    assert "Validation: 0 error(s), 0 warning(s)" in r.output
    assert "dates after the data cut-off 2021-06-30 are errors" in r.output
    assert "header = row 1, first data row = row 2" in r.output
    assert store.exists() and (tmp_path / "study.validation.csv").exists()
    r = run("info", str(store))
    assert r.exit_code == 0, r.output
    rows = {ln.split()[0]: ln.split()[1] for ln in r.output.splitlines()[2:12] if ln.startswith("  ")}
    assert rows["patients"] == "2" and rows["labs"] == "3" and rows["_unit_conversions"] == "1"
    assert "creatinine: µmol/L -> mg/dL" in r.output
    assert "patients.csv" in r.output and "sha256" in r.output
    assert "P001" not in r.output and "P002" not in r.output  # identifiers are not printed


def test_ingest_with_errors_writes_nothing(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(BASE, src)
    text = (src / "adverse_events.csv").read_text(encoding="utf-8")
    (src / "adverse_events.csv").write_text(text.replace(",4,no,", ",7,no,"), encoding="utf-8")
    store = tmp_path / "study.duckdb"
    r = run("ingest", str(src), "--store", str(store), "--quiet", *CUTOFF, "--report", str(tmp_path / "r.csv"))
    assert r.exit_code == 1
    assert "Validation: 1 error(s), 0 warning(s)" in r.output
    assert "adverse_events row 2 column grade value '7': outside the allowed range: must be between 1 and 5" \
        in r.output
    assert not store.exists()
    report = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    assert report[["table", "row", "column", "value", "rule"]].values.tolist() == [
        ["adverse_events", "2", "grade", "7", "out_of_range"]]


def test_validate_does_not_write(tmp_path):
    r = run("validate", str(BASE), "--quiet", *CUTOFF)
    assert r.exit_code == 0, r.output
    r = run("validate", str(BASE), "--quiet", "--data-cutoff", "2020-01-01")
    assert r.exit_code == 1
    assert "after the data cut-off 2020-01-01" in r.output
    assert list(tmp_path.iterdir()) == []


def test_bad_options_are_usage_errors(tmp_path):
    assert run("ingest", str(BASE), "--store", str(tmp_path / "s.duckdb"), "--data-cutoff", "31/12/2020").exit_code \
        == 2
    assert run("ingest", str(tmp_path / "missing"), "--store", str(tmp_path / "s.duckdb")).exit_code == 2
    r = run("info", str(tmp_path / "none.duckdb"))
    assert r.exit_code == 1 and "no study store" in r.output


def test_date_format_option(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "patients.csv").write_text("patient_id,sex,age_at_index,index_date,last_contact_date\n"
                                      "P1,male,70,02/10/2019,01/03/2021\n", encoding="utf-8")
    r = run("ingest", str(src), "--store", str(tmp_path / "s.duckdb"), "--quiet", *CUTOFF,
            "--date-format", "%d/%m/%Y")
    assert r.exit_code == 0, r.output
    assert str(read_table(tmp_path / "s.duckdb", "patients")["index_date"].iloc[0].date()) == "2019-10-02"


def test_derive_and_export_commands_on_an_ingested_store(tmp_path):
    """`derive` writes the analysis datasets the ADaM `export` then writes as XPT; bad stores exit 2."""
    from click.testing import CliRunner

    from mmevidence.cli import main

    runner = CliRunner()
    store = tmp_path / "study.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as example:
        res = runner.invoke(main, ["ingest", str(example), "--store", str(store), "--data-cutoff", "2021-03-31",
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    assert "Validation: 0 error(s), 0 warning(s)" in res.output
    res = runner.invoke(main, ["derive", str(store)])
    assert res.exit_code == 0, res.output
    assert "adsl 20" in res.output  # the bundled example cohort has 20 patients
    res = runner.invoke(main, ["export", str(store), "--adam", str(tmp_path / "adam")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "adam").glob("*.xpt")) == [
        "adae.xpt", "adex.xpt", "adrs.xpt", "adsl.xpt", "adtte.xpt"]
    assert runner.invoke(main, ["derive", str(tmp_path / "missing.duckdb")]).exit_code == 2
