"""Shared fixtures for the data-foundation tests (pytest runs with --import-mode=importlib,
so helpers are fixtures rather than importable modules)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

BASE_VALID = Path(__file__).parent / "bad" / "00_base_valid"


@pytest.fixture(scope="session")
def example_dir() -> Path:
    """The bundled example Isa-Pd cohort (package data)."""
    return Path(str(resources.files("mmevidence.data").joinpath("example")))


@pytest.fixture(scope="session")
def base_valid() -> Path:
    """The valid two-patient base cohort of the bad-input gallery (valid with cut-off 2021-06-30)."""
    return BASE_VALID


@pytest.fixture
def base_tables() -> dict[str, str]:
    """The base cohort as ``{table: csv text}`` (a fresh copy to modify)."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(BASE_VALID.glob("*.csv"))}


@pytest.fixture(scope="session")
def write_csvs() -> Callable[[Path, dict[str, str]], Path]:
    """``write_csvs(folder, {table: csv text})`` writes ``folder/<table>.csv`` and returns the folder."""
    def write(folder: Path, tables: dict[str, str]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in tables.items():
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        return folder
    return write
