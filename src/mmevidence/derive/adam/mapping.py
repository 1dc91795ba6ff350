"""From mmevidence analysis datasets (snake_case) to CDISC ADaM variables.

Conventions (CDISC ADaM IG v1.3; ADaM BDS-TTE v1.0 for ADTTE; OCCDS v1.1 for ADAE):

* names <= 8 characters and labels <= 40 (SAS XPT v5 limits, checked by :func:`to_adam`);
* flags ``Y``/``N`` (blank = missing) for the populations and yes/no variables;
* dates are SAS dates (days since 1960-01-01, format DATE9.) written by the XPT writer;
* ADTTE ``AVAL`` = time in days (``AVALU`` "DAYS"), ``CNSR`` = 0 event / 1 censored,
  ``EVNTDESC`` for events and ``CNSDTDSC`` for censoring, ``SRCDOM``/``SRCSEQ`` the source
  table and row;
* ADRS ``PARAMCD`` "OVR" (per visit) and "BOR" (one a patient), ``AVALC`` the response,
  ``AVAL`` its rank (1 = sCR ... 7 = PD, 8 = NE);
* text longer than 200 characters (XPT v5 limit) is cut to 200.

ADEX is kept one row a patient and drug (the derived summary), not the BDS parameter layout.
Sponsor-specific names (e.g. ``CYTRISK``, ``REFLEN``) are listed in :data:`SPECS` with labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["text", "num", "date", "flag", "const"]


@dataclass(frozen=True)
class Var:
    """One ADaM variable: name, label, kind, and the source column (or constant for ``const``)."""

    name: str
    label: str
    kind: Kind
    source: str


def _v(name: str, label: str, kind: Kind, source: str) -> Var:
    return Var(name, label, kind, source)


_ID = [_v("STUDYID", "Study Identifier", "const", "studyid"), _v("USUBJID", "Unique Subject Identifier", "text",
                                                                     "patient_id")]

SPECS: dict[str, tuple[str, list[Var]]] = {
    "ADSL": ("adsl", _ID + [
        _v("SUBJID", "Subject Identifier for the Study", "text", "patient_id"),
        _v("SITEID", "Study Site Identifier", "text", "site_id"),
        _v("TRT01P", "Planned Treatment for Period 01", "text", "arm"),
        _v("AGE", "Age", "num", "age"), _v("AGEU", "Age Units", "const", "YEARS"),
        _v("AGEGR1", "Age Group 1 (<65, 65-74, >=75)", "text", "age_group"),
        _v("AGEGR2", "Age Group 2 (<75, >=75)", "text", "age_group_75"),
        _v("SEX", "Sex", "text", "sex"), _v("ECOGBL", "Baseline ECOG Performance Status", "num", "ecog"),
        _v("MMTYPE", "Myeloma Type at Diagnosis", "text", "myeloma_type"),
        _v("LCTYPE", "Light Chain Type", "text", "light_chain"),
        _v("ISSDX", "ISS Stage at Diagnosis", "text", "iss_at_diagnosis"),
        _v("ISSBL", "ISS Stage at Study Entry", "text", "iss_at_entry"),
        _v("RISSBL", "R-ISS Stage at Study Entry", "text", "r_iss"),
        _v("CYTRISK", "Cytogenetic Risk at Study Entry", "text", "cyto_risk"),
        _v("DEL17PFL", "del(17p) Present Flag", "flag", "cyto_del17p"),
        _v("T414FL", "t(4;14) Present Flag", "flag", "cyto_t_4_14"),
        _v("T1416FL", "t(14;16) Present Flag", "flag", "cyto_t_14_16"),
        _v("LDHHIFL", "Baseline LDH > ULN Flag", "flag", "ldh_above_uln"),
        _v("HGBBL", "Baseline Hemoglobin (g/dL)", "num", "bl_hemoglobin"),
        _v("PLATBL", "Baseline Platelets (10^9/L)", "num", "bl_platelets"),
        _v("NEUTBL", "Baseline Neutrophils (10^9/L)", "num", "bl_neutrophils"),
        _v("CREATBL", "Baseline Creatinine (mg/dL)", "num", "bl_creatinine"),
        _v("CALCBL", "Baseline Calcium (mg/dL)", "num", "bl_calcium"),
        _v("ALBBL", "Baseline Albumin (g/dL)", "num", "bl_albumin"),
        _v("B2MBL", "Baseline Beta2-microglobulin (mg/L)", "num", "bl_beta2_microglobulin"),
        _v("LDHBL", "Baseline LDH (U/L)", "num", "bl_ldh"),
        _v("EGFRBL", "Baseline eGFR MDRD (mL/min/1.73m2)", "num", "egfr_mdrd"),
        _v("EGFRGR1", "Baseline eGFR Group", "text", "egfr_group"),
        _v("DIAGDT", "Date of Initial Diagnosis", "date", "diagnosis_date"),
        _v("YRSDIAG", "Years Since Initial Diagnosis", "num", "years_since_diagnosis"),
        _v("PRLINES", "Number of Prior Lines of Therapy", "num", "n_prior_lines"),
        _v("PRLINGR1", "Prior Lines Group (<2, 2-3, >3)", "text", "prior_lines_group"),
        _v("PRLINGR2", "Prior Lines Group (1, 2, >=3)", "text", "prior_lines_group_image"),
        _v("PRASCTFL", "Prior ASCT Flag", "flag", "prior_asct"),
        _v("EXPLENFL", "Prior Lenalidomide Flag", "flag", "exp_lenalidomide"),
        _v("EXPPOMFL", "Prior Pomalidomide Flag", "flag", "exp_pomalidomide"),
        _v("EXPPIFL", "Prior Proteasome Inhibitor Flag", "flag", "exp_pi"),
        _v("EXPCD38F", "Prior Anti-CD38 Antibody Flag", "flag", "exp_anti_cd38"),
        _v("EXPALKFL", "Prior Alkylating Drug Flag", "flag", "exp_alkylator"),
        _v("REFLENFL", "Refractory to Lenalidomide Flag", "flag", "ref_lenalidomide"),
        _v("REFPOMFL", "Refractory to Pomalidomide Flag", "flag", "ref_pomalidomide"),
        _v("REFIMIDF", "Refractory to IMiD Flag", "flag", "ref_imid"),
        _v("REFPIFL", "Refractory to PI Flag", "flag", "ref_pi"),
        _v("REFCD38F", "Refractory to Anti-CD38 Flag", "flag", "ref_anti_cd38"),
        _v("REFDARFL", "Refractory to Daratumumab Flag", "flag", "ref_daratumumab"),
        _v("REFLPIFL", "Refractory to Lenalidomide and PI Flag", "flag", "ref_len_pi"),
        _v("TCRFL", "Triple-Class Refractory Flag", "flag", "triple_class_refractory"),
        _v("REFLLFL", "Refractory to Last Line Flag", "flag", "ref_last_line"),
        _v("LENLLFL", "Lenalidomide in Last Line Flag", "flag", "len_last_line"),
        _v("REFLENLL", "Refractory to Lenalidomide at Last Line", "flag", "ref_len_last_line"),
        _v("RANDDT", "Index (Randomization/Start) Date", "date", "index_date"),
        _v("TRTSDT", "Date of First Exposure to Treatment", "date", "trt_start"),
        _v("TRTEDT", "Date of Last Exposure to Treatment", "date", "trt_end"),
        _v("TRTDURW", "Treatment Duration (weeks)", "num", "trt_duration_weeks"),
        _v("EOTDT", "End of Treatment Date", "date", "eot_date"),
        _v("DCTREAS", "Reason for Discontinuation of Treatment", "text", "eot_reason"),
        _v("DTHFL", "Subject Death Flag", "flag", "death"), _v("DTHDT", "Date of Death", "date", "death_date"),
        _v("LSTALVDT", "Date Last Known Alive", "date", "last_contact_date"),
        _v("ITTFL", "Intent-To-Treat Population Flag", "flag", "ittfl"),
        _v("SAFFL", "Safety Population Flag", "flag", "saffl"),
    ]),
    "ADTTE": ("adtte", _ID + [
        _v("PARAMCD", "Parameter Code", "text", "endpoint"), _v("PARAM", "Parameter", "text", "param"),
        _v("STARTDT", "Time-to-Event Origin Date for Subject", "date", "start_date"),
        _v("ADT", "Analysis Date", "date", "end_date"), _v("AVAL", "Analysis Value", "num", "time_days"),
        _v("AVALU", "Analysis Value Unit", "const", "DAYS"), _v("CNSR", "Censor", "num", "cnsr"),
        _v("EVNTDESC", "Event or Censoring Description", "text", "evntdesc"),
        _v("CNSDTDSC", "Censor Date Description", "text", "cnsdtdsc"),
        _v("SRCDOM", "Source Data", "text", "source_table"), _v("SRCSEQ", "Source Sequence Number", "num",
                                                                  "source_row"),
    ]),
    "ADRS": ("adrs", _ID + [
        _v("PARAMCD", "Parameter Code", "text", "param"), _v("PARAM", "Parameter", "text", "param_label"),
        _v("ADT", "Analysis Date", "date", "date"), _v("AVALC", "Analysis Value (C)", "text", "response"),
        _v("AVAL", "Analysis Value", "num", "rank"),
        _v("CNFRESP", "Confirmed Response at Visit", "text", "confirmed_response"),
        _v("RSRULE", "Rule Deciding the Response", "text", "rule"),
        _v("RSEXPL", "Explanation of the Response", "text", "explanation"),
        _v("RSSRC", "Response Source (derived/reported)", "text", "source"),
        _v("SRCDOM", "Source Data", "text", "source_table"), _v("SRCSEQ", "Source Sequence Number", "num",
                                                                  "source_row"),
    ]),
    "ADAE": ("adae", _ID + [
        _v("AESEQ", "Sequence Number (source row)", "num", "source_row"),
        _v("AEDECOD", "Dictionary-Derived Term", "text", "preferred_term"),
        _v("AEBODSYS", "Body System or Organ Class", "text", "system_organ_class"),
        _v("ASTDT", "Analysis Start Date", "date", "onset_date"), _v("AENDT", "Analysis End Date", "date", "end_date"),
        _v("ASTDY", "Analysis Start Relative Day", "num", "study_day"),
        _v("ACYCLE", "Cycle of Onset", "num", "cycle"),
        _v("TRTEMFL", "Treatment Emergent Analysis Flag", "flag", "treatment_emergent"),
        _v("AETOXGR", "Standard Toxicity Grade", "text", "grade"),
        _v("AESER", "Serious Event", "flag", "serious"), _v("AEREL", "Causality (related to study drug)", "flag",
                                                            "related"),
        _v("AESIFL", "Adverse Event of Special Interest Flag", "flag", "aesi"),
        _v("AEACN", "Action Taken with Study Treatment", "text", "action_taken"),
        _v("AEOUT", "Outcome of Adverse Event", "text", "outcome"),
        _v("AEDISFL", "Led to Discontinuation of Any Drug Flag", "flag", "discontinued_any_drug"),
        _v("AEDISALL", "Led to Discontinuation of All Drugs", "flag", "discontinued_all_drugs"),
        _v("AESDTH", "Results in Death (fatal) Flag", "flag", "fatal"),
    ]),
    "ADEX": ("adex", _ID + [
        _v("EXTRT", "Name of Treatment", "text", "drug"), _v("EXDOSU", "Dose Units", "text", "unit"),
        _v("TRT01P", "Planned Treatment for Period 01", "text", "arm"),
        _v("ASTDT", "First Dose Date", "date", "first_dose_date"), _v("AENDT", "Last Dose Date", "date",
                                                                      "last_dose_date"),
        _v("NCYCLES", "Number of Cycles Started", "num", "cycles_started"),
        _v("NDOSES", "Number of Doses Given", "num", "doses_given"),
        _v("NDOSPLN", "Number of Doses Planned", "num", "doses_planned"),
        _v("NDOSOMT", "Number of Doses Omitted", "num", "doses_omitted"),
        _v("NDOSRED", "Number of Dose Reductions", "num", "dose_reductions"),
        _v("CUMDOSE", "Cumulative Dose", "num", "cumulative_dose"),
        _v("PCUMDOSE", "Planned Cumulative Dose", "num", "planned_cumulative_dose"),
        _v("EXPWK", "Duration of Exposure (weeks)", "num", "exposure_weeks"),
        _v("DOSINT", "Dose Intensity (unit/week)", "num", "dose_intensity"),
        _v("PDOSINT", "Planned Dose Intensity (unit/week)", "num", "planned_dose_intensity"),
        _v("RDI", "Relative Dose Intensity (%)", "num", "relative_dose_intensity"),
    ]),
}

#: ADRS numeric rank of AVALC.
RESPONSE_RANK: dict[str, int] = {r: i + 1 for i, r in enumerate(("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"))}
_PARAM_LABELS = {"OVR": "Overall Response by Visit", "BOR": "Best Overall Confirmed Response"}
XPT_TEXT_MAX = 200


def _prepare(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Derived helper columns a mapping needs (CNSR, EVNTDESC, ADRS rank, ...)."""
    df = df.copy()
    if name == "ADTTE":
        from ..adtte import ENDPOINT_LABELS
        df["param"] = df["endpoint"].map(ENDPOINT_LABELS)
        df["cnsr"] = 1 - df["event"].astype(int)
        df["evntdesc"] = np.where(df["event"] == 1, df["reason"], "")
        df["cnsdtdsc"] = np.where(df["event"] == 1, "", df["reason"])
    elif name == "ADRS":
        df["param_label"] = df["param"].map(_PARAM_LABELS)
        df["rank"] = df["response"].map(RESPONSE_RANK)
    return df


def _flag(s: pd.Series) -> np.ndarray:
    out = np.full(len(s), "", dtype=object)
    v = s.astype(object)
    out[(v == True).to_numpy()] = "Y"  # noqa: E712
    out[(v == False).to_numpy()] = "N"  # noqa: E712
    return out


def to_adam(name: str, df: pd.DataFrame, studyid: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The ADaM dataset ``name`` (ADSL, ADTTE, ADRS, ADAE, ADEX) from its mmevidence table ``df``.

    Returns ``(frame, labels)``: text columns as str (missing -> ""), numbers as float
    (missing -> NaN, SAS missing), dates as ``datetime.date`` (None when missing), flags Y/N.
    Source columns absent from ``df`` give an all-missing variable. Raises ``ValueError`` if
    a name or label breaks the XPT v5 limits.
    """
    _, spec = SPECS[name]
    df = _prepare(name, df.reset_index(drop=True))
    out, labels = {}, {}
    for var in spec:
        if len(var.name) > 8 or len(var.label) > 40:
            raise ValueError(f"{name}.{var.name}: name > 8 or label > 40 characters")
        labels[var.name] = var.label
        if var.kind == "const":
            out[var.name] = np.full(len(df), studyid if var.source == "studyid" else var.source, dtype=object)
            continue
        col = df[var.source] if var.source in df.columns else pd.Series([None] * len(df), dtype=object)
        if var.kind == "num":
            out[var.name] = pd.to_numeric(col, errors="coerce").astype(float).to_numpy()
        elif var.kind == "date":
            d = pd.to_datetime(col)
            out[var.name] = np.where(d.isna(), None, d.dt.date).astype(object)
        elif var.kind == "flag":
            out[var.name] = _flag(col)
        else:
            t = col.astype(object).where(col.notna(), "").astype(str)
            out[var.name] = t.str.slice(0, XPT_TEXT_MAX).to_numpy(dtype=object)
    return pd.DataFrame(out), labels
