"""The latent frame: one row a patient, the simulated truth every source table is written from.

Built by :func:`mmevidence.simulate.engine.simulate_latent` (S-core) and handed to the
clinical simulators (S-clinical: ``labs``, ``responses``, ``dosing``, ``adverse_events``).
Days are counted from the index date (day 0); NaN means "none" or "not observed by the
last contact". ``latent.attrs["study_id"]`` names the study.

Identification and design
    ``patient_id`` (str "P0000001"), ``site_id``, ``arm`` (label = ``patients.arm``),
    ``arm_id`` (the model's arm id, e.g. "isa_pd"), ``regimen`` (bundled regimen name),
    ``index_date`` and ``data_cutoff`` (datetime64[ns]).
Baseline
    ``age`` (years at index), ``sex``, ``weight_kg``, ``height_cm``, ``ecog``, ``myeloma_type``,
    ``light_chain``, ``iss_stage_at_diagnosis``, ``iss_stage_at_entry`` (I/II/III; the baseline
    beta2-microglobulin and albumin lie inside it), ``prior_asct`` (bool), ``diagnosis_date``,
    ``measurable`` ("serum" | "urine" | "serum_and_urine" | "flc").
    Baseline laboratory values the labs table must carry on the screening date (the engine
    writes them over the clinical simulator's screening values: they are the ones the event
    model depends on): ``bl_hemoglobin`` (g/dL; prognostic in the Italian cohort),
    ``bl_creatinine`` (mg/dL; rises with age), ``bl_albumin`` (g/dL), ``bl_beta2_microglobulin``
    (mg/L).
Course (``simulate.course``)
    ``best_response``: target IMWG best confirmed response (sCR CR VGPR PR MR SD PD NE), the
    published per-arm distribution, deeper with later progression; NE = withdrew before the
    first assessment (no progression recorded). ``response_day``: first assessment at the best
    response (sCR..MR; NaN otherwise), at least one assessment before progression.
    ``assessment_interval_days``: this patient's assessment spacing (the protocol interval plus
    a per-patient cycle delay of 0..``cycle_delay_days_max`` days) = the cycle length.
    ``first_dose_day``: cycle 1 day 1 (0..``first_dose_delay_days_max`` days after the index
    date); cycle k starts on ``first_dose_day + (k - 1) x interval`` and disease assessments
    fall on the day 1 of every cycle from cycle 2, ``first_dose_day + k x interval``, k >= 1,
    continuing after the end of treatment until progression. The clinical simulators read
    a missing column as 0 (cycle 1 on the index date).
    ``progression_day``: the assessment day at which IMWG progression is documented; the
    confirming assessment is one interval later.
    ``death_day``, ``death_cause``; ``last_contact_day`` (= death day if dead; >= every other
    day; the cut-off minus 0-13 days or the loss-to-follow-up day otherwise).
    ``eot_day``, ``eot_reason`` (progression / adverse_event / death / patient_decision /
    physician_decision / other; NaN/None while ongoing at the last contact).
    ``next_line_day``: start of the first subsequent line; ``next_line_progression_day``:
    progression on it (PFS2).
    ``treated``: received at least one dose (safety population; the published share, the
    untreated taken among the NE patients first).
"""

from __future__ import annotations

import pandas as pd

#: Columns of the latent frame in order (the clinical simulators may rely on every one).
LATENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "site_id", "arm", "arm_id", "regimen", "index_date", "data_cutoff",
    "age", "sex", "weight_kg", "height_cm", "ecog", "myeloma_type", "light_chain", "iss_stage_at_diagnosis",
    "iss_stage_at_entry", "prior_asct", "diagnosis_date", "measurable",
    "bl_hemoglobin", "bl_creatinine", "bl_albumin", "bl_beta2_microglobulin",
    "best_response", "response_day", "assessment_interval_days", "first_dose_day", "progression_day", "death_day",
    "death_cause",
    "last_contact_day", "eot_day", "eot_reason", "next_line_day", "next_line_progression_day", "treated",
)

#: Baseline lab tests the latent frame fixes (column ``bl_<test>``), in canonical units.
LATENT_LABS: dict[str, str] = {"hemoglobin": "g/dL", "creatinine": "mg/dL", "albumin": "g/dL",
                               "beta2_microglobulin": "mg/L"}


def check_latent(latent: pd.DataFrame) -> None:
    """Raise ``ValueError`` when a column is missing or the day columns are out of order
    (every day <= ``last_contact_day``; progression and response before death)."""
    missing = [c for c in LATENT_COLUMNS if c not in latent.columns]
    if missing:
        raise ValueError(f"latent frame: missing column(s) {', '.join(missing)}")
    last = latent["last_contact_day"]
    for col in ("progression_day", "death_day", "eot_day", "response_day", "next_line_day",
                "next_line_progression_day"):
        bad = latent[col].notna() & (latent[col] > last)
        if bad.any():
            raise ValueError(f"latent frame: {col} after last_contact_day for {int(bad.sum())} patient(s)")
    bad = latent["response_day"].notna() & latent["progression_day"].notna() & (
        latent["response_day"] >= latent["progression_day"])
    if bad.any():
        raise ValueError(f"latent frame: response_day not before progression_day for {int(bad.sum())} patient(s)")
