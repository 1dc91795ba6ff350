"""Run a study's whole analysis plan on its analysis datasets and return every result record.

``run_analysis(store_or_datasets, study)`` computes, in this order: baseline characteristics
(:mod:`mmevidence.analysis.baseline`), exposure (:mod:`~mmevidence.analysis.exposure`),
time-to-event efficacy with follow-up (:mod:`~mmevidence.analysis.efficacy`), the censoring
sensitivity analyses (re-derived from the source tables), best response
(:mod:`~mmevidence.analysis.response`), subgroups (:mod:`~mmevidence.analysis.subgroups`) and
safety (:mod:`~mmevidence.analysis.safety`); a dataset that is absent skips the analyses that need it. ``export_results`` writes the
records as CSV and JSON (:func:`mmevidence.analysis.results.write_results`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mmevidence.analysis.baseline import analyse_baseline
from mmevidence.analysis.efficacy import analyse_efficacy, analyse_sensitivity
from mmevidence.analysis.plan import AnalysisPlan, build_plan
from mmevidence.analysis.exposure import analyse_exposure
from mmevidence.analysis.response import analyse_response
from mmevidence.analysis.results import COLUMNS, as_frame, write_results
from mmevidence.analysis.safety import analyse_safety
from mmevidence.analysis.subgroups import analyse_subgroups

ANALYSIS_TABLES: tuple[str, ...] = ("adsl", "adtte", "adrs", "adae", "adex", "adex_patient")


def read_store(path: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The analysis and source tables of a derived study store, and the derivation settings.

    Returns ``(datasets, derivation)``: every analysis table (:data:`ANALYSIS_TABLES`) and canonical
    source table present; ``derivation`` holds ``config`` (the :class:`DeriveConfig` recorded in
    ``_derive_provenance``, or None) and ``cutoff`` (the ingest cut-off in ``_provenance``, or None),
    which the sensitivity analyses re-derive with.
    """
    from mmevidence.data.schema import TABLES
    from mmevidence.data.store import open_store
    from mmevidence.derive.config import DeriveConfig

    con = open_store(path)
    try:
        present = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        if "adsl" not in present:
            raise ValueError(f"{path}: no adsl table; run `mmevidence derive` first")
        datasets = {}
        for name in ANALYSIS_TABLES + tuple(TABLES):
            if name in present:
                order = " ORDER BY source_row" if name in TABLES else ""
                datasets[name] = con.sql(f'SELECT * FROM "{name}"{order}').df()
        config, cutoff = None, None
        if "_derive_provenance" in present:
            raw = con.sql("SELECT config FROM _derive_provenance").fetchall()
            if raw:
                config = DeriveConfig(**json.loads(raw[-1][0]))
        if "_provenance" in present:
            cutoff = con.sql("SELECT max(data_cutoff) FROM _provenance").fetchall()[0][0]
    finally:
        con.close()
    return datasets, {"config": config, "cutoff": cutoff}


def run_sensitivity(datasets: Mapping[str, pd.DataFrame], plan: AnalysisPlan,
                    derivation: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Every runnable planned censoring sensitivity analysis (needs the source tables in ``datasets``; warns
    and returns no records when they are absent). Analyses with ``unmapped`` reasons are skipped (they are
    in ``plan.notes``)."""
    from mmevidence.data.schema import TABLES
    from mmevidence.derive.pipeline import imwg_responses

    derivation = derivation or {}
    planned = [s for e in plan.endpoints for s in e.sensitivity]
    if not planned:
        return as_frame([])
    if "patients" not in datasets:
        warnings.warn("sensitivity analyses not run: they re-derive adtte from the source tables, which were not "
                      "given (pass a store path or include the source tables in datasets)", stacklevel=2)
        return as_frame([])
    tables = {name: datasets.get(name) for name in TABLES}
    if not derivation and any(not s.unmapped for s in planned):
        warnings.warn("sensitivity analyses re-derived with the default derive options and no data cut-off: pass "
                      "derivation=(read_store(...)[1]) or a store path to use the store's settings", stacklevel=3)
    runnable = [s for s in planned if not s.unmapped]  # the others are in plan.notes, warned by run_analysis
    if not runnable:
        return as_frame([])
    adsl = datasets["adsl"]
    imwg = imwg_responses(tables, adsl[["patient_id", "index_date"]])  # once for every censoring variant
    parts = [analyse_sensitivity(tables, adsl, s, plan, derivation.get("config"), derivation.get("cutoff"), imwg)
             for s in runnable]
    return pd.concat(parts, ignore_index=True) if parts else as_frame([])


def _warn_config_mismatch(plan: AnalysisPlan, config: Any) -> None:
    """Warn when the store's adtte was derived with other censoring options than an endpoint's definition."""
    if config is None:
        return
    for ep in plan.endpoints:
        diff = {k: v for k, v in ep.config.items() if getattr(config, k, v) != v}
        if diff:
            got = ", ".join(f"{k}={getattr(config, k)!r}" for k in diff)
            want = ", ".join(f"{k}={v!r}" for k, v in diff.items())
            warnings.warn(f"{ep.id}: the store was derived with {got} but the study defines {want}; the {ep.id} "
                          "results follow the store (re-derive with these options to follow the study)", stacklevel=3)


def run_analysis(datasets: Mapping[str, pd.DataFrame] | str | Path, study: Any,
                 plan: AnalysisPlan | None = None, derivation: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """All result records of the study's analysis plan (columns :data:`~mmevidence.analysis.results.COLUMNS`).

    ``datasets``: a derived study store path, or a mapping with at least ``adsl`` (and ``adtte``,
    ``adrs``, ``adae``, ``adex`` as available; the canonical source tables too for the
    sensitivity analyses). ``derivation``: the store's derivation settings as :func:`read_store` returns
    them (``config``, ``cutoff``), which the sensitivity analyses re-derive with; read from the store
    when ``datasets`` is a path. Without them a sensitivity analysis re-derives with the default
    :class:`DeriveConfig` and no cut-off (a warning says so). ``study``: a ``Study`` or a bundled study id / YAML path
    (``mmevidence.studies.load_study``). ``plan``: defaults to :func:`build_plan` of the study.
    """
    derivation = dict(derivation or {})
    if isinstance(datasets, (str, Path)):
        datasets, derivation = read_store(datasets)
    if "adsl" not in datasets:
        raise ValueError("datasets: adsl is required")
    if isinstance(study, (str, Path)):
        from mmevidence.studies import load_study
        study = load_study(study)
    plan = plan or build_plan(study)
    _warn_config_mismatch(plan, derivation.get("config"))
    adsl = datasets["adsl"]
    get = datasets.get
    parts: list[pd.DataFrame] = []

    parts.append(analyse_baseline(adsl, study, plan.efficacy_population))
    # safety and exposure in the safety set (the study's "safety" population, else the efficacy one, e.g.
    # a cohort whose only set is "all patients")
    safety_pop = plan.safety_population or plan.efficacy_population
    if get("adex") is not None:
        parts.append(analyse_exposure(adsl, get("adex"), study, population=safety_pop, adex_patient=get("adex_patient")))
    if get("adtte") is not None:
        parts.append(analyse_efficacy(adsl, get("adtte"), plan))
        parts.append(run_sensitivity(datasets, plan, derivation))
    if get("adrs") is not None:
        parts.append(analyse_response(adsl, get("adrs"), plan))
    if get("adtte") is not None:
        parts.append(analyse_subgroups(adsl, get("adtte"), plan))
    if get("adae") is not None:
        parts.append(analyse_safety(adsl, get("adae"), get("adex"), study, population=safety_pop, labs=get("labs")))
    for note in plan.notes:
        warnings.warn(note, stacklevel=2)
    parts = [p[list(COLUMNS)] for p in parts if p is not None and len(p)]
    return pd.concat(parts, ignore_index=True) if parts else as_frame([])


def export_results(results: pd.DataFrame, folder: str | Path, stem: str = "results") -> list[Path]:
    """Write ``<stem>.csv`` and ``<stem>.json`` (full precision) into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_results(results, folder / f"{stem}.csv"), write_results(results, folder / f"{stem}.json")]
