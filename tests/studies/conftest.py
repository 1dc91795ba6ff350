"""Shared paths for the study-definition tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).with_name("seeds")


@pytest.fixture(scope="session")
def seeds() -> Path:
    """Folder with verbatim copies of the seed papers (/work/shared/seeds)."""
    return SEEDS
