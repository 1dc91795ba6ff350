"""Fixtures shared by several test folders."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def derived_cohort():
    """Factory ``(study, n, seed) -> (tables, datasets)``: a simulated study (core tables, no clinical
    extras) and its analysis datasets derived in memory (``as_store_tables`` + ``derive_all``, the tables
    as ingest stores them), once per arguments in a session. Simulation warnings are silenced."""
    from mmevidence.derive.pipeline import derive_all
    from mmevidence.simulate import simulate_study
    from mmevidence.simulate.engine import as_store_tables

    cache: dict = {}

    def make(study: str, n: int | None = None, seed: int = 1):
        if (study, n, seed) not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tables = simulate_study(study, n=n, seed=seed, require_clinical=False)
                cutoff = pd.Timestamp(tables["_latent"]["data_cutoff"].iloc[0])
                datasets, _ = derive_all(as_store_tables(tables), cutoff=cutoff)
            cache[(study, n, seed)] = (tables, datasets)
        return cache[(study, n, seed)]

    return make
