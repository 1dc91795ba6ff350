"""Exposure to study treatment as tidy records (ICARIA-MM Table 2, German CUP Table 3).

``analyse_exposure(adsl, adex, study, population="safety", adex_patient=None) -> DataFrame``
records, per arm and (randomised studies) in total:

====================================  ==========================  =====================================
analysis_id                           endpoint                    statistics / group
====================================  ==========================  =====================================
exposure.duration                     trt_duration_weeks          continuous summary (adsl:
                                                                  (last - first administration + 1) / 7)
exposure.cycles                       cycles_received             continuous summary
exposure.cycles_reached               cycles_received             n, pct; group "...|cycles=<k>":
                                                                  patients who received >= k cycles
exposure.rdi                          relative_dose_intensity     continuous summary; group "...|drug=<d>"
exposure.dose_reduction               any_dose_reduction          n, pct; group "...|drug=<d>"
exposure.discontinuation              discontinued                n, pct
exposure.discontinuation_reason       eot_reason                  n, pct; group "...|eot_reason=<r>"
====================================  ==========================  =====================================

Continuous summaries are those of :func:`mmevidence.analysis.baseline.continuous_summary`
(n, n_missing, median, q1, q3, min, max, mean, sd). Every percentage has the subject-level
denominator: patients of the arm in the analysis set (a patient without a record for a drug
counts as not reduced; RDI is summarised over the patients who received the drug, and no RDI
record is written for an arm that never received it: the table prints "NA" as ICARIA-MM).
Definitions of cycles, RDI and dose reductions are those of :mod:`mmevidence.derive.adex`.
"""

from __future__ import annotations

import pandas as pd

from ..derive.regimens import load_regimen
from ._subjects import arm_subsets, categorical_levels, count_records, group_key, level_flags, population_mask
from .baseline import continuous_summary
from .results import as_frame, record

#: order of ``patients.end_of_treatment_reason`` levels (schema order)
EOT_REASONS: tuple[str, ...] = ("progression", "adverse_event", "death", "patient_decision",
                                "physician_decision", "other")


def study_drugs(study, adex: pd.DataFrame) -> list[str]:
    """Drugs in the order of the arms' regimens (first appearance), then any other drug in ``adex``."""
    order: list[str] = []
    for arm in study.arms:
        if arm.regimen:
            order += [d for d in load_regimen(arm.regimen).drug_names if d not in order]
    return order + sorted(set(adex["drug"].dropna().astype(str)) - set(order))


def _continuous(analysis_id: str, population: str, endpoint: str, group: str, values: pd.Series,
                denominator: int, method: str, quantile_type: int) -> list[dict]:
    stats = continuous_summary(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), quantile_type)
    return [record(analysis_id, population, endpoint, group, k, v, n=denominator, method=method)
            for k, v in stats.items()]


def analyse_exposure(adsl: pd.DataFrame, adex: pd.DataFrame, study, population: str = "safety",
                     adex_patient: pd.DataFrame | None = None, quantile_type: int = 2) -> pd.DataFrame:
    """Exposure records (module docstring). ``adex`` is the per patient and drug table;
    ``adex_patient`` (per patient) supplies ``cycles_received`` (distinct cycles in which any
    study drug was given); without it the cycles are the largest ``cycles_started`` over the
    patient's drugs. Quartiles: :func:`~mmevidence.analysis.baseline.continuous_summary`.
    """
    subset = adsl[population_mask(adsl, study, population)]
    if adex_patient is not None:
        cycles = adex_patient.set_index("patient_id")["cycles_received"]
    else:
        cycles = adex.groupby("patient_id")["cycles_started"].max()
    drugs = study_drugs(study, adex)
    by_drug = adex.set_index(["patient_id", "drug"])
    disc_all = subset["discontinued"].astype("boolean").fillna(False).astype(bool)
    observed = subset.loc[disc_all, "eot_reason"]
    # reasons seen in the analysis set, in schema order, then others, then "Missing"
    levels, missing = categorical_levels(observed, EOT_REASONS)
    reason_levels = [r for r in levels if r not in EOT_REASONS or (observed == r).any()]
    max_cycles = pd.to_numeric(subset["patient_id"].map(cycles), errors="coerce").max(skipna=True)
    max_cycles = 0 if pd.isna(max_cycles) else int(max_cycles)
    records: list[dict] = []
    n_pct = "n (%) of patients in the analysis set"
    for arm, part in arm_subsets(subset, study):
        n = len(part)
        group = "" if arm is None else f"arm={arm}"
        ids = part["patient_id"]
        records += _continuous("exposure.duration", population, "trt_duration_weeks", group,
                               part["trt_duration_weeks"], n, "(last - first administration + 1 day) / 7",
                               quantile_type)
        cyc = pd.to_numeric(ids.map(cycles), errors="coerce")
        records += _continuous("exposure.cycles", population, "cycles_received", group, cyc, n,
                               "cycles in which any study drug was given", quantile_type)
        for k in range(1, max_cycles + 1):
            records += count_records("exposure.cycles_reached", population, "cycles_received", arm, cyc >= k, n,
                                     "patients who received at least k cycles", cycles=str(k))
        for drug in drugs:
            keys = pd.MultiIndex.from_arrays([ids, [drug] * n])
            rows = by_drug.reindex(keys)
            given = rows["doses_given"].notna()  # the patient has a record of the drug
            if given.any():
                records += _continuous("exposure.rdi", population, "relative_dose_intensity",
                                       group_key(arm, drug=drug), rows["relative_dose_intensity"][given.to_numpy()],
                                       int(given.sum()), "relative dose intensity (%), patients given the drug",
                                       quantile_type)
            records += count_records("exposure.dose_reduction", population, "any_dose_reduction", arm,
                                     rows["any_dose_reduction"].reset_index(drop=True), n,
                                     "patients with >= 1 dose reduction of the drug / patients in the arm",
                                     drug=drug)
        discontinued = part["discontinued"].astype("boolean").fillna(False).astype(bool)
        records += count_records("exposure.discontinuation", population, "discontinued", arm, discontinued, n, n_pct)
        reasons = part.loc[discontinued, "eot_reason"]
        for level in reason_levels:
            records += count_records("exposure.discontinuation_reason", population, "eot_reason", arm,
                                     level_flags(reasons, level, missing), n, n_pct, eot_reason=level)
    return as_frame(records)

