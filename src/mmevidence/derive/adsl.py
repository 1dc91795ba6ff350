"""``adsl``: one row a patient -- demographics, disease and risk at study entry, treatment
history, index treatment, death, population flags (CDISC ADaM ADSL content; column names
in snake_case, mapped to ADaM names by :mod:`mmevidence.derive.adam`).

Conventions (each also in the function docstrings):

* age: ``patients.age_at_index`` when given, else completed years from ``birth_date`` to the
  index date (calendar rule, as SAS ``INTCK('year', ..., 'c')`` / admiral
  ``compute_age_years``); groups <65 / 65-74 / >=75 and <75 / >=75 (ICARIA-MM Table 1 and
  its randomisation stratum).
* years since diagnosis = (index - diagnosis) days / 365.25 (ICARIA-MM Table 1).
* treatment start/end = first/last ``administrations`` date; duration in weeks =
  (end - start + 1) / 7 (ADaM TRTDURD = TRTEDT - TRTSDT + 1).
* ITT population = every patient (all patients randomised / enrolled); safety population =
  at least one administration (ICARIA-MM, seed 002). Without an ``administrations`` table
  ``saffl`` is missing, not assumed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._dates import as_datetime
from .baseline import baseline_labs, cytogenetic_risk, ldh_above_uln
from .config import DeriveConfig
from .risk_scores import egfr_group, egfr_mdrd, iss_stage, r_iss_stage
from .therapy_history import therapy_history

#: adsl columns copied from ``patients`` unchanged (renamed where shown).
_PATIENT_COLUMNS: dict[str, str] = {
    "patient_id": "patient_id", "site_id": "site_id", "arm": "arm", "sex": "sex", "birth_date": "birth_date",
    "diagnosis_date": "diagnosis_date", "index_date": "index_date", "myeloma_type": "myeloma_type",
    "light_chain": "light_chain", "ecog": "ecog", "iss_stage_at_diagnosis": "iss_at_diagnosis",
    "weight_kg": "weight_kg", "height_cm": "height_cm", "end_of_treatment_date": "eot_date",
    "end_of_treatment_reason": "eot_reason", "death_date": "death_date", "death_cause": "death_cause",
    "last_contact_date": "last_contact_date", "source_file": "source_file", "source_row": "source_row",
}


_date = as_datetime


def completed_years(birth: pd.Series, ref: pd.Series) -> pd.Series:
    """Whole years from ``birth`` to ``ref`` (the birthday counts on its date; 29 Feb -> 1 Mar in common years)."""
    b, r = _date(birth), _date(ref)
    years = r.dt.year - b.dt.year
    before = (r.dt.month < b.dt.month) | ((r.dt.month == b.dt.month) & (r.dt.day < b.dt.day))
    return (years - before.astype(int)).astype(float).where(b.notna() & r.notna())


def age_groups(age: pd.Series) -> tuple[pd.Series, pd.Series]:
    """("<65" / "65-74" / ">=75", "<75" / ">=75") of age in years; None when age is missing."""
    a = age.to_numpy(dtype=float)
    three = np.where(a < 65, "<65", np.where(a < 75, "65-74", ">=75")).astype(object)
    two = np.where(a < 75, "<75", ">=75").astype(object)
    three[np.isnan(a)] = None
    two[np.isnan(a)] = None
    return pd.Series(three, index=age.index), pd.Series(two, index=age.index)


def treatment_period(administrations: pd.DataFrame | None, patient_ids: pd.Series) -> pd.DataFrame:
    """Per patient: ``trt_start``, ``trt_end`` (first/last administration), ``n_administrations``,
    ``trt_duration_weeks`` = (end - start + 1) / 7, and ``saffl`` (>= 1 administration).

    ``administrations`` None (table not supplied): all missing, ``saffl`` None.
    """
    out = pd.DataFrame({"patient_id": patient_ids.to_numpy()})
    if administrations is None:
        out["trt_start"] = pd.NaT
        out["trt_end"] = pd.NaT
        out["n_administrations"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["trt_duration_weeks"] = np.nan
        out["saffl"] = None
        return out.astype({"trt_start": "datetime64[ns]", "trt_end": "datetime64[ns]"})
    a = administrations[["patient_id"]].assign(date=_date(administrations["date"]))
    g = a.groupby("patient_id")["date"].agg(["min", "max", "size"])
    out["trt_start"] = out["patient_id"].map(g["min"]).astype("datetime64[ns]")
    out["trt_end"] = out["patient_id"].map(g["max"]).astype("datetime64[ns]")
    out["n_administrations"] = out["patient_id"].map(g["size"]).fillna(0).astype("Int64")
    out["trt_duration_weeks"] = ((out["trt_end"] - out["trt_start"]).dt.days + 1) / 7.0
    out["saffl"] = (out["n_administrations"] > 0).astype(bool).astype(object)
    return out


def derive_adsl(patients: pd.DataFrame, labs: pd.DataFrame | None = None,
                cytogenetics: pd.DataFrame | None = None, prior_therapies: pd.DataFrame | None = None,
                administrations: pd.DataFrame | None = None, config: DeriveConfig | None = None) -> pd.DataFrame:
    """Build ``adsl`` from the store tables (``None`` = table not supplied: its columns are missing).

    Study-entry risk: baseline labs (:func:`baseline.baseline_labs`, window
    ``config.baseline_window_days``), MDRD eGFR and groups (Levey 2006, race factor not
    applied), ISS at entry (Greipp 2005), cytogenetic risk (ICARIA-MM thresholds), LDH > ULN
    and R-ISS (Palumbo 2015). Treatment history from :func:`therapy_history.therapy_history`;
    ``prior_asct`` = ``patients.prior_asct``, else any prior line with ``asct`` (None when
    neither says). Traceability: ``source_file``/``source_row`` of the ``patients`` row and
    ``bl_<test>_row`` of each baseline lab row.
    """
    config = config or DeriveConfig()
    cols = [c for c in _PATIENT_COLUMNS if c in patients.columns]
    out = patients[cols].rename(columns=_PATIENT_COLUMNS).reset_index(drop=True)
    for c in ("birth_date", "diagnosis_date", "index_date", "eot_date", "death_date", "last_contact_date"):
        out[c] = _date(out[c]) if c in out.columns else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    given = pd.to_numeric(patients["age_at_index"], errors="coerce").reset_index(drop=True) \
        if "age_at_index" in patients.columns else pd.Series(np.nan, index=out.index)
    out["age"] = given.astype(float).where(given.notna(), completed_years(out["birth_date"], out["index_date"]))
    out["age_group"], out["age_group_75"] = age_groups(out["age"])
    out["years_since_diagnosis"] = (out["index_date"] - out["diagnosis_date"]).dt.days / 365.25

    index = out[["patient_id", "index_date"]]
    empty_labs = pd.DataFrame({"patient_id": [], "date": pd.Series([], dtype="datetime64[ns]"), "test": [],
                               "value": pd.Series([], dtype=float), "uln": pd.Series([], dtype=float),
                               "source_row": pd.Series([], dtype="Int64")})
    base = baseline_labs(labs if labs is not None else empty_labs, index, config.baseline_window_days)
    out = out.merge(base, on="patient_id", how="left")
    female = np.where(out["sex"] == "female", True, np.where(out["sex"] == "male", False, None))
    out["egfr_mdrd"] = egfr_mdrd(out["bl_creatinine"].to_numpy(), out["age"].to_numpy(), female)
    out["egfr_group"] = egfr_group(out["egfr_mdrd"].to_numpy())
    out["iss_at_entry"] = iss_stage(out["bl_beta2_microglobulin"].to_numpy(), out["bl_albumin"].to_numpy())
    out["ldh_above_uln"] = ldh_above_uln(out["bl_ldh"].to_numpy(), out["bl_ldh_uln"].to_numpy(), config.ldh_uln_u_l)

    empty_cyto = pd.DataFrame({"patient_id": [], "date": pd.Series([], dtype="datetime64[ns]"), "abnormality": [],
                               "percent_positive": pd.Series([], dtype=float), "result": []})
    cyto = cytogenetic_risk(cytogenetics if cytogenetics is not None else empty_cyto, index, config)
    out = out.merge(cyto, on="patient_id", how="left")
    high = np.where(out["cyto_risk"] == "high", True, np.where(out["cyto_risk"] == "standard", False, None))
    out["r_iss"] = r_iss_stage(out["iss_at_entry"].to_numpy(), high, out["ldh_above_uln"].to_numpy())

    out = out.merge(therapy_history(prior_therapies, out["patient_id"]), on="patient_id", how="left")
    if "prior_asct" in patients.columns:
        pa_ = patients["prior_asct"].reset_index(drop=True).astype(object)
        given_asct = pa_.where(pa_.notna(), None)
    else:
        given_asct = pd.Series(None, index=out.index, dtype=object)
    out["prior_asct"] = given_asct.where(given_asct.notna(), out["asct_in_prior_lines"]).astype(object)

    out = out.merge(treatment_period(administrations, out["patient_id"]), on="patient_id", how="left")
    out["discontinued"] = out["eot_date"].notna().astype(object)
    out["death"] = out["death_date"].notna().astype(object)
    out["ittfl"] = True
    return out
