"""The bad-input gallery: every fault folder is rejected with the expected issue.

Each folder in ``tests/data/bad`` is the valid base cohort with one fault injected
(written by ``bad/make_gallery.py``); ``bad/manifest.csv`` names the table, row,
column, value, rule and a message fragment the validator must report.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from mmevidence.data import ValidationError, ingest, validate_source


BAD = Path(__file__).parent / "bad"
BASE_VALID = BAD / "00_base_valid"
GALLERY_CUTOFF = "2021-06-30"  # the base cohort is valid with this cut-off
MANIFEST = list(csv.DictReader(open(BAD / "manifest.csv", encoding="utf-8", newline="")))


def test_gallery_is_large_and_covers_every_table():
    assert len(MANIFEST) >= 25
    assert len({m["folder"] for m in MANIFEST}) == len(MANIFEST)
    tables = {m["table"] for m in MANIFEST}
    assert {"patients", "prior_therapies", "administrations", "labs", "cytogenetics", "response_assessments",
            "adverse_events", "subsequent_therapies"} <= tables


def test_base_cohort_is_valid():
    report = validate_source(BASE_VALID, data_cutoff=GALLERY_CUTOFF)
    assert report.n_errors == 0 and report.n_warnings == 0


@pytest.mark.parametrize("case", MANIFEST, ids=[m["folder"] for m in MANIFEST])
def test_fault_is_reported(case):
    report = validate_source(BAD / case["folder"], data_cutoff=GALLERY_CUTOFF)
    assert not report.ok
    e = report.errors
    hit = e[(e["table"] == case["table"]) & (e["column"] == case["column"]) & (e["value"] == case["value"])
            & (e["rule"] == case["rule"])]
    hit = hit[hit["row"].isna()] if case["row"] == "" else hit[hit["row"] == int(case["row"])]
    assert len(hit) >= 1, e.to_string()
    assert hit["message"].str.contains(case["message"], regex=False).any(), hit["message"].tolist()


@pytest.mark.parametrize("case", [MANIFEST[0], MANIFEST[27], MANIFEST[-2]], ids=lambda m: m["folder"])
def test_fault_blocks_ingest(case, tmp_path):
    store = tmp_path / "study.duckdb"
    with pytest.raises(ValidationError) as info:
        ingest(BAD / case["folder"], store, data_cutoff=GALLERY_CUTOFF, report_csv=tmp_path / "r.csv")
    assert info.value.report.n_errors >= 1
    assert not store.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "r.csv"]  # no temporary file left behind
    csv_report = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    assert (csv_report["rule"] == case["rule"]).any()
