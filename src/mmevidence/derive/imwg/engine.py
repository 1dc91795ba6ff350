"""IMWG response derivation from the canonical tables: the public entry point.

``derive_responses(labs, index_dates, new_therapy_dates, config)`` runs the steps of the
subpackage in one direction (adapter -> baseline -> disease type -> visits -> nadir and PD
-> per-visit category -> confirmation -> per-patient summary), vectorised over all
patients at once (no per-patient Python loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .assessments import baseline_values, normalise_labs, to_wide
from .best_response import summarise
from .confirmation import confirm, next_assessment
from .criteria import NE, ORDER, TESTS, ImwgConfig
from .disease_type import classify_disease
from .progression import cr_relapse_sign, prior_nadir, progression_flags
from .visit_response import classify_visits, explain

_NAMES = np.array(ORDER + ("NE",), dtype=object)
BASE_COLUMNS = [f"base_{t}" for t in TESTS]


@dataclass(frozen=True)
class ImwgResult:
    """``visits``: one row per patient and assessment date after the index date, with
    ``category``, ``confirmed_category``, ``rule``, ``explanation`` and the values used.
    ``best``: one row per patient of ``index_dates`` (best response, dates, disease type,
    baseline values)."""

    visits: pd.DataFrame
    best: pd.DataFrame


def _patients(index_dates: pd.DataFrame, new_therapy_dates: pd.DataFrame | None) -> pd.DataFrame:
    if not {"patient_id", "index_date"} <= set(index_dates.columns):
        raise ValueError("index_dates: needs columns patient_id and index_date")
    pts = index_dates[["patient_id", "index_date"]].copy()
    pts["index_date"] = pd.to_datetime(pts["index_date"])
    if pts["index_date"].isna().any():
        raise ValueError("index_dates: index_date is missing for some patients")
    if pts["patient_id"].duplicated().any():
        raise ValueError("index_dates: one row per patient expected")
    pts["new_therapy_date"] = pd.NaT
    if new_therapy_dates is not None:
        col = next((c for c in ("new_therapy_date", "start_date") if c in new_therapy_dates.columns), None)
        if col is None or "patient_id" not in new_therapy_dates.columns:
            raise ValueError("new_therapy_dates: needs patient_id and new_therapy_date (or start_date)")
        nt = new_therapy_dates[["patient_id", col]].rename(columns={col: "d"})
        nt["d"] = pd.to_datetime(nt["d"])
        nt = nt.merge(pts[["patient_id", "index_date"]], on="patient_id")
        first = nt.loc[nt["d"] > nt["index_date"]].groupby("patient_id")["d"].min()
        pts["new_therapy_date"] = pts["patient_id"].map(first)
    return pts.reset_index(drop=True)


def _visit_table(wide: pd.DataFrame, pts: pd.DataFrame) -> pd.DataFrame:
    """Assessment dates after the index date with baseline columns, derived FLC values,
    carried-forward marrow (post-baseline) and plasmacytoma (baseline included)."""
    v = wide.merge(pts, on="patient_id", how="inner", sort=False)
    v = v.loc[v["date"] > v["index_date"]].reset_index(drop=True)
    v["excluded"] = (v["date"] > v["new_therapy_date"]).to_numpy()  # same-day assessment is pre-therapy
    pcode = pd.factorize(v["patient_id"])[0]
    v["pcode"] = pcode
    k, lam = v["serum_kappa_flc"].to_numpy(), v["serum_lambda_flc"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        v["flc_ratio"] = np.where(lam > 0, k / lam, np.where(k > 0, np.inf, np.nan))
    kappa_inv = (v["involved_flc"] == "kappa").to_numpy()
    lambda_inv = (v["involved_flc"] == "lambda").to_numpy()
    v["dflc"] = np.where(kappa_inv, k - lam, np.where(lambda_inv, lam - k, np.nan))
    v["bm_locf"] = v.groupby(pcode)["bm_plasma_cells_pct"].ffill()
    v["plasmacytoma_locf"] = v.groupby(pcode)["plasmacytoma"].ffill().fillna(v["base_plasmacytoma"])
    return v


def derive_responses(labs: pd.DataFrame, index_dates: pd.DataFrame,
                     new_therapy_dates: pd.DataFrame | None = None,
                     config: ImwgConfig = ImwgConfig()) -> ImwgResult:
    """IMWG 2016 response per assessment and per patient (Kumar et al., Lancet Oncol 2016).

    ``labs``: canonical long table (patient_id, date, test, value [, value_text, unit]) in
    canonical units. ``index_dates``: patient_id, index_date (treatment start or
    randomisation). ``new_therapy_dates``: patient_id, new_therapy_date (or start_date of
    ``subsequent_therapies``); assessments after the first one after the index date are
    excluded. For the response to a later line, call again with that line's start as the
    index date: baseline, nadir and confirmation restart there (re-baselining).
    See ``docs/imwg.md`` for every rule and convention.
    """
    pts = _patients(index_dates, new_therapy_dates)
    wide = to_wide(normalise_labs(labs))
    base = baseline_values(wide, pts.set_index("patient_id")["index_date"], config.baseline_window_days)
    base = base.reindex(pts["patient_id"]).reset_index()
    base.columns = ["patient_id"] + BASE_COLUMNS
    pts = pts.merge(classify_disease(base, config), on="patient_id")

    v = _visit_table(wide, pts)
    pcode = v["pcode"].to_numpy()
    for name, col, basecol in (("serum", "serum_m_protein", "base_serum_m_protein"),
                               ("urine", "urine_m_protein", "base_urine_m_protein"),
                               ("dflc", "dflc", "base_dflc"),
                               ("marrow", "bm_plasma_cells_pct", "base_bm_plasma_cells_pct"),
                               ("plasmacytoma", "plasmacytoma", "base_plasmacytoma")):
        b = v[basecol].to_numpy(dtype=float)
        if name == "plasmacytoma":
            b = np.nan_to_num(b, nan=0.0)  # no baseline record = no known plasmacytoma
        v[f"nadir_{name}"] = prior_nadir(pcode, v[col].to_numpy(dtype=float), b)

    flags = progression_flags(v)
    code, rule = classify_visits(v, flags, config)
    no_conf = flags["PD_plasmacytoma"] | (flags["PD_marrow"] & (not config.marrow_pd_needs_confirmation))
    confirmed, pd_confirmed = confirm(pcode, code, no_conf)
    sign = cr_relapse_sign(v) & (code != NE)
    sign_noconf = sign & ((v["bm_plasma_cells_pct"].to_numpy() >= 5) | (v["plasmacytoma"].to_numpy() > 0))
    nxt = next_assessment(pcode, code)
    relapse_confirmed = sign & (sign_noconf | ((nxt >= 0) & sign[np.maximum(nxt, 0)]))

    v["code"], v["confirmed"], v["pd_confirmed"], v["rule"] = code, confirmed, pd_confirmed, rule
    v["relapse_confirmed"] = relapse_confirmed
    best = summarise(v, pts)
    keep_base = ["disease_type", "involved_flc", *BASE_COLUMNS, "base_flc_ratio", "base_dflc", "new_therapy_date"]
    best = best.merge(pts[["patient_id", *keep_base]], on="patient_id", how="left")

    visits = pd.DataFrame({
        "patient_id": v["patient_id"], "date": v["date"], "category": _NAMES[code],
        "confirmed_category": _NAMES[confirmed], "pd_confirmed": pd_confirmed, "rule": rule,
        "explanation": explain(v, rule), "disease_type": v["disease_type"], "excluded": v["excluded"],
        "cr_relapse_sign": sign,
    })
    value_cols = [*TESTS, "flc_ratio", "dflc", "bm_locf", "plasmacytoma_locf",
                  "nadir_serum", "nadir_urine", "nadir_dflc", "nadir_marrow", "nadir_plasmacytoma"]
    visits = pd.concat([visits, v[value_cols]], axis=1)
    return ImwgResult(visits=visits, best=best)
