"""ADAE: one row an adverse event with treatment-emergent, grade, seriousness,
relatedness, discontinuation and fatal flags; worst grade per patient.

Functions
---------
``derive_adae(adverse_events, treatment, window_days=30, cycles=None, study_drugs=()) -> DataFrame``
    ``adverse_events``: the store table (schema ``adverse_events``; extra columns such as
    ``source_file``/``source_row`` are kept). ``treatment``: one row a patient with
    ``patient_id``, ``first_dose_date``, ``last_dose_date`` (the per-patient ADEX table has
    them) and optionally ``end_of_treatment_reason`` (from ``patients``). ``cycles``:
    ``patient_id``, ``cycle``, ``cycle_start_date`` (``adex.cycle_starts(administrations)``).
    ``study_drugs``: the regimen's drugs (``Regimen.drug_names``), for per-drug flags.
``summarise_worst_grade(adae, by="preferred_term", teae_only=True) -> DataFrame``
    One row a patient and ``by`` value (``"preferred_term"``, ``"system_organ_class"`` or
    ``"any"`` for one row a patient) with the worst grade and grade-group flags.

Output columns of ``derive_adae`` (input columns are kept unchanged; ADaM names in brackets)
-------------------------------------------------------------------------------------------
first_dose_date, last_dose_date  date   treatment dates of the patient [TRTSDT, TRTEDT]
study_day          Int64   onset - first dose + 1 on/after the first dose, onset - first dose
                           before it: CDISC SDTM convention, no day 0 [ASTDY]
cycle              Int64   cycle of onset: the last cycle started on or before onset; <NA>
                           before the first dose or without ``cycles`` [APERIOD-like]
treatment_emergent boolean onset on/after first dose and <= last dose + ``window_days``
                           [TRTEMFL]; <NA> when the patient has no first dose date
grade              Int64   CTCAE grade 1-5 [AETOXGR]
grade_3_or_more, grade_3, grade_4, grade_5   boolean   grade groups (any grade = every row)
serious            boolean as given, <NA> if missing [AESER]
related            boolean related to any study drug (``related_to`` names one; an empty
                           ``related_to`` means not related) [AEREL]
related_<drug>     boolean one column per drug in ``study_drugs``
aesi               boolean as given, <NA> if missing
discontinued_any_drug   boolean action_taken == "drug_withdrawn" [AEACN = DRUG WITHDRAWN];
                           <NA> when action_taken is missing/"unknown"
discontinued_<drug>     boolean drug withdrawn and the event is related to <drug> (the
                           withdrawn drugs are not recorded per drug: see the docstring of
                           derive_adae)
discontinued_all_drugs  boolean drug withdrawn and (the event is related to every study drug
                           or the patient's end_of_treatment_reason is "adverse_event")
fatal              boolean grade 5 or outcome "fatal" [AESDTH-like]
fatal_inconsistent boolean grade 5 with a known non-fatal outcome, or outcome fatal with grade < 5
note               string  why a flag is <NA> or inconsistent ("" when nothing to say)

Sources: CTCAE v5.0 (grades; grade 5 = death related to the AE); CDISC ADaM Occurrence
Data Structure (OCCDS) v1.1 (TRTEMFL, ASTDY, AETOXGR, AEREL, AEACN); CDISC SDTM IG study
day (no day 0); seed paper 003 (German CUP): an event before the first isatuximab dose "was
not classified as treatment-emergent", exposure counted "plus 30 days after the last dose".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from mmevidence.data.schema import LIST_SEPARATOR
from mmevidence.derive.adex import _join_reasons

_DAY = np.timedelta64(1, "D")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _boolean(s: pd.Series) -> pd.Series:
    """Nullable boolean from a store boolean or its text spellings; <NA> when missing."""
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.astype("boolean")
    t = s.astype("string").str.strip().str.lower()
    return pd.Series(np.where(t.isin(_TRUE), True, np.where(t.isin(_FALSE), False, pd.NA)),
                     index=s.index, dtype="boolean")


def _per_distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``(codes, uniques)``: the distinct values of ``s`` once (missing -> code ``len(uniques)``).

    Lets per-row text work run once per distinct value (a few dozen) instead of per row.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def _text(s: pd.Series, strip: bool = True) -> pd.Series:
    """``s.astype("string")[.str.strip()].str.lower()``, computed once per distinct value."""
    codes, uniques = _per_distinct(s)
    u = uniques.astype("string")
    u = (u.str.strip() if strip else u).str.lower()
    return pd.Series(u.array.take(np.where(codes == len(uniques), -1, codes), allow_fill=True), index=s.index)


def _drug_sets(related: pd.Series) -> tuple[np.ndarray, list[frozenset[str]]]:
    """';'-separated drug names as lower-case frozensets (empty for missing): ``(codes, sets)``
    with row ``i``'s set ``sets[codes[i]]`` (one set per distinct text)."""
    codes, uniques = _per_distinct(related)
    text = uniques.astype("string").fillna("").str.lower().tolist() + [""]
    return codes, [frozenset(d.strip() for d in x.split(LIST_SEPARATOR) if d.strip()) for x in text]


def _flag(codes: np.ndarray, sets: list[frozenset[str]], test) -> np.ndarray:
    """Boolean array: ``test(set)`` of each row's drug set, evaluated once per distinct set."""
    return np.array([bool(test(x)) for x in sets], dtype=bool)[codes]


def derive_adae(adverse_events: pd.DataFrame, treatment: pd.DataFrame, window_days: int = 30,
                cycles: pd.DataFrame | None = None, study_drugs: Sequence[str] = ()) -> pd.DataFrame:
    """Flag every adverse event (output columns in the module docstring).

    Treatment-emergent (CDISC ADaM OCCDS ``TRTEMFL``): first dose <= onset <= last dose +
    ``window_days`` (30 in ICARIA-MM and the German CUP, seed 003: "16 weeks plus 30 days
    after the last dose"); an event before the first dose is not treatment-emergent (seed
    003: the SAE before the first isatuximab dose "was not classified as treatment-emergent").
    Worsening of a pre-existing event cannot be seen in one-row-an-event data and is not used.
    Study day (SDTM ``--DY``): onset - first dose + 1 from the first dose on, onset - first
    dose before it (no day 0). Cycle of onset: the last cycle whose ``cycle_start_date`` is
    on or before onset (events after the last cycle's start, including the post-treatment
    window, get the last cycle).

    Relatedness: ``related_to`` names the drugs; an empty ``related_to`` means not related
    (the schema records related drugs, not a separate "unknown"). Discontinuation: the
    source records one ``action_taken`` an event, not which drugs were stopped. We take
    ``drug_withdrawn`` as discontinuation of at least one drug (ADaM ``AEACN = DRUG
    WITHDRAWN``, the count in "TEAEs leading to discontinuation"), of <drug> when the event
    is related to <drug>, and of all drugs when it is related to every study drug or the
    patient's ``end_of_treatment_reason`` is "adverse_event" (then every withdrawn-drug
    event of that patient is flagged). Missing or "unknown" action_taken gives <NA>.
    Fatal: grade 5 (CTCAE v5.0: death related to AE) or outcome "fatal";
    ``fatal_inconsistent`` flags grade 5 with a known non-fatal outcome and outcome fatal
    with grade < 5. Events of patients without a first dose date get <NA> study day and
    treatment-emergent flag, with a note.
    """
    ae = adverse_events.copy()
    for col in ("serious", "related_to", "aesi", "action_taken", "outcome", "end_date"):
        if col not in ae.columns:
            ae[col] = pd.NA
    tr_cols = ["patient_id", "first_dose_date", "last_dose_date"]
    tr = treatment.reindex(columns=tr_cols + ["end_of_treatment_reason"]).drop_duplicates("patient_id")
    tr["first_dose_date"] = pd.to_datetime(tr["first_dose_date"])
    tr["last_dose_date"] = pd.to_datetime(tr["last_dose_date"])
    out = ae.merge(tr.rename(columns={"end_of_treatment_reason": "_eot_reason"}), on="patient_id", how="left")
    onset = pd.to_datetime(out["onset_date"])
    first, last = out["first_dose_date"], out["last_dose_date"]

    delta = (onset - first) / _DAY
    out["study_day"] = pd.array(np.where(delta >= 0, delta + 1, delta), dtype="Float64").astype("Int64")
    te = (onset >= first) & (onset <= last + pd.Timedelta(days=window_days))
    known = onset.notna() & first.notna() & last.notna()
    out["treatment_emergent"] = pd.array(te.where(known), dtype="boolean")
    out["cycle"] = _cycle_of_onset(out["patient_id"], onset, first, cycles)

    grade = pd.to_numeric(out["grade"], errors="coerce").astype("Int64")
    out["grade"] = grade
    out["grade_3_or_more"] = grade >= 3
    for k in (3, 4, 5):
        out[f"grade_{k}"] = grade == k
    out["serious"] = _boolean(out["serious"])
    out["aesi"] = _boolean(out["aesi"])

    codes, sets = _drug_sets(out["related_to"])
    drugs = [str(d).lower() for d in study_drugs]
    out["related"] = pd.array(_flag(codes, sets, bool if not drugs else (lambda s: s & set(drugs))),
                              dtype="boolean")
    related_to = {d: _flag(codes, sets, lambda s, d=d: d in s) for d in drugs}
    for d in drugs:
        out[f"related_{d}"] = pd.array(related_to[d], dtype="boolean")

    action = _text(out["action_taken"])
    action_known = action.notna() & (action != "unknown")
    withdrawn = (action == "drug_withdrawn").fillna(False)
    out["discontinued_any_drug"] = pd.array(withdrawn.where(action_known), dtype="boolean")
    for d in drugs:
        out[f"discontinued_{d}"] = pd.array((withdrawn & related_to[d]).where(action_known), dtype="boolean")
    all_related = _flag(codes, sets, lambda s: bool(drugs) and set(drugs) <= s)
    eot_ae = _text(out["_eot_reason"], strip=False).eq("adverse_event").fillna(False)
    out["discontinued_all_drugs"] = pd.array((withdrawn & (all_related | eot_ae)).where(action_known),
                                             dtype="boolean")

    outcome = _text(out["outcome"])
    fatal_outcome = outcome.eq("fatal").fillna(False)
    out["fatal"] = ((grade == 5).fillna(False) | fatal_outcome).astype("boolean")
    outcome_known = outcome.notna() & (outcome != "unknown")
    out["fatal_inconsistent"] = (((grade == 5).fillna(False) & outcome_known & ~fatal_outcome)
                                 | (fatal_outcome & (grade < 5).fillna(False))).astype("boolean")
    out["note"] = _join_reasons(out.index, [
        (first.isna(), "no first dose date: treatment-emergent flag and study day not derived"),
        (onset.isna(), "onset date missing"),
        (~action_known, "action_taken missing or unknown: discontinuation flags not derived"),
        (out["fatal_inconsistent"].to_numpy(dtype=bool), "grade 5 and outcome disagree"),
        (grade.isna().to_numpy(dtype=bool), "grade missing"),
    ])
    for col in ("grade_3_or_more", "grade_3", "grade_4", "grade_5"):
        out[col] = out[col].astype("boolean")
    return out.drop(columns=["_eot_reason"])


def _cycle_of_onset(patient_id: pd.Series, onset: pd.Series, first: pd.Series,
                    cycles: pd.DataFrame | None) -> pd.Series:
    """Last cycle started on or before onset (``merge_asof`` by patient); <NA> before the first dose."""
    result = pd.Series(pd.NA, index=patient_id.index, dtype="Int64")
    if cycles is None or cycles.empty:
        return result
    c = cycles[["patient_id", "cycle", "cycle_start_date"]].copy()
    c["cycle_start_date"] = pd.to_datetime(c["cycle_start_date"]).astype("datetime64[ns]")
    left = pd.DataFrame({"patient_id": patient_id, "onset": onset.astype("datetime64[ns]"),
                         "_row": np.arange(len(patient_id))})
    ok = left["onset"].notna() & (onset >= first).fillna(False).to_numpy()
    m = pd.merge_asof(left[ok].sort_values("onset"), c.sort_values("cycle_start_date"),
                      left_on="onset", right_on="cycle_start_date", by="patient_id", direction="backward")
    vals = result.to_numpy(dtype=object)
    vals[m["_row"].to_numpy()] = m["cycle"].to_numpy()
    return pd.Series(pd.array(pd.to_numeric(pd.Series(vals), errors="coerce"), dtype="Float64").astype("Int64"),
                     index=patient_id.index)


def summarise_worst_grade(adae: pd.DataFrame,
                          by: Literal["preferred_term", "system_organ_class", "any"] = "preferred_term",
                          teae_only: bool = True) -> pd.DataFrame:
    """Worst (highest CTCAE) grade per patient and ``by`` value, as counted in AE tables
    (a patient counts once per term, at the worst grade: CDISC ADaM OCCDS "first/worst"
    occurrence flags, AOCCPFL/AOCCSFL-like; seed 003 Table 2, seed 002 Table 4).

    Filter ``adae`` first for subsets (serious, related). ``teae_only`` keeps events with
    ``treatment_emergent`` true. Columns: patient_id, [by], worst_grade, n_events,
    any_grade (True), grade_3_or_more, grade_3, grade_4, grade_5 (of the worst grade).
    Events without a grade are ignored for the worst grade (worst_grade <NA> when none).
    """
    if by not in ("preferred_term", "system_organ_class", "any"):
        raise ValueError(f"by must be preferred_term, system_organ_class or any, got {by!r}")
    d = adae[adae["treatment_emergent"].fillna(False).astype(bool)] if teae_only else adae
    keys = ["patient_id"] if by == "any" else ["patient_id", by]
    g = d.groupby(keys, sort=True)
    out = g.agg(worst_grade=("grade", "max"), n_events=("grade", "size")).reset_index()
    worst = out["worst_grade"].astype("Int64")
    out["worst_grade"] = worst
    out["any_grade"] = pd.array(np.ones(len(out), dtype=bool), dtype="boolean")
    out["grade_3_or_more"] = (worst >= 3).astype("boolean")
    for k in (3, 4, 5):
        out[f"grade_{k}"] = (worst == k).astype("boolean")
    return out
