"""Shared fixture: the bundled example cohort ingested into a temporary store, then derived."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from mmevidence.data import ingest

EXAMPLE_CUTOFF = "2021-03-31"


@pytest.fixture(scope="session")
def example_store(tmp_path_factory) -> Path:
    """A fresh study store of the bundled example cohort (not yet derived)."""
    folder = tmp_path_factory.mktemp("example_store")
    store = folder / "study.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as src:
        ingest(Path(src), store, data_cutoff=EXAMPLE_CUTOFF)
    return store


@pytest.fixture(scope="session")
def derived_store(example_store, tmp_path_factory) -> tuple[Path, object]:
    """A copy of the example store after ``run_derive`` with the default configuration."""
    from mmevidence.derive.pipeline import run_derive

    store = tmp_path_factory.mktemp("derived") / "example.duckdb"
    store.write_bytes(example_store.read_bytes())
    return store, run_derive(store)
