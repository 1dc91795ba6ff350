"""``adrs``: per-visit overall response (``param`` "OVR") and one best overall response row a
patient (``param`` "BOR") -- CDISC ADaM ADRS content (admiralonco ``derive_param_bor``).

Two sources, chosen by the derive configuration (``progression_source``):

* derived: the IMWG engine's per-visit category with its rule and explanation trail, and its
  best overall *confirmed* response (Kumar et al., Lancet Oncol 2016; see ``docs/imwg.md``);
* reported: ``response_assessments`` as given (the assessor already applied IMWG
  confirmation). BOR = the best response among assessments after the index date, up to the
  first PD and on or before the start of the next line (Kumar 2016: responses after new
  therapy are not counted); a patient whose first assessment is PD has BOR PD; a patient
  without an assessment has BOR NE. Order: sCR > CR > VGPR > PR > MR > SD > PD > NE.

Columns: patient_id, param, date, response, confirmed_response (derived OVR only), rule,
explanation, source ("derived"/"reported"), source_table, source_row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Response categories from best to worst (IMWG; NE last).
RANK: tuple[str, ...] = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")
COLUMNS: tuple[str, ...] = ("patient_id", "param", "date", "response", "confirmed_response", "rule", "explanation",
                            "source", "source_table", "source_row")


def _frame(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values() if hasattr(v, "__len__") and not isinstance(v, str))
    out = pd.DataFrame({c: (np.full(n, v, dtype=object) if isinstance(v, str) or v is None else v)
                        for c, v in cols.items()})
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    out["source_row"] = pd.array(pd.Series(out["source_row"], dtype="Float64"), dtype="Int64")
    return out[list(COLUMNS)]


def adrs_derived(visits: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """ADRS rows from ``ImwgResult.visits`` / ``.best`` (IMWG engine)."""
    ovr = _frame(patient_id=visits["patient_id"].to_numpy(), param="OVR", date=visits["date"].to_numpy(),
                 response=visits["category"].to_numpy(), confirmed_response=visits["confirmed_category"].to_numpy(),
                 rule=visits["rule"].to_numpy(), explanation=visits["explanation"].to_numpy(), source="derived",
                 source_table="imwg", source_row=np.full(len(visits), np.nan))
    bor = _frame(patient_id=best["patient_id"].to_numpy(), param="BOR", date=best["best_response_date"].to_numpy(),
                 response=best["best_response"].to_numpy(), confirmed_response=best["best_response"].to_numpy(),
                 rule="best confirmed response (IMWG 2016)", explanation=None, source="derived",
                 source_table="imwg", source_row=np.full(len(best), np.nan))
    return _sorted(ovr, bor)


def _sorted(ovr: pd.DataFrame, bor: pd.DataFrame) -> pd.DataFrame:
    out = pd.concat([ovr, bor], ignore_index=True)
    out["_p"] = (out["param"] == "BOR").astype(int)
    return out.sort_values(["patient_id", "_p", "date"], kind="stable").drop(columns="_p").reset_index(drop=True)


def adrs_reported(response_assessments: pd.DataFrame | None, index: pd.DataFrame,
                  next_line_start: pd.Series | None = None, assessor: str | None = None) -> pd.DataFrame:
    """ADRS rows from ``response_assessments`` (rule in the module docstring).

    ``index``: patient_id, index_date (every patient gets a BOR row); ``next_line_start``:
    first next-line start date indexed by patient_id (None: no next line).
    """
    ra = response_assessments if response_assessments is not None else pd.DataFrame(
        {"patient_id": [], "date": [], "response": [], "source_row": []})
    if assessor is not None and "assessor" in ra.columns:
        ra = ra.loc[ra["assessor"] == assessor]
    ix = index[["patient_id", "index_date"]].assign(index_date=pd.to_datetime(index["index_date"]).astype("datetime64[ns]"))
    ra = ra.assign(date=pd.to_datetime(ra["date"]).astype("datetime64[ns]")).merge(ix, on="patient_id")
    ra = ra.loc[ra["date"] > ra["index_date"]].sort_values(["patient_id", "date"], kind="stable")
    srow = ra["source_row"].to_numpy(dtype=float) if "source_row" in ra.columns else np.full(len(ra), np.nan)
    ovr = _frame(patient_id=ra["patient_id"].to_numpy(), param="OVR", date=ra["date"].to_numpy(),
                 response=ra["response"].to_numpy(), confirmed_response=None, rule="as reported", explanation=None,
                 source="reported", source_table="response_assessments", source_row=srow)
    ok = ovr.copy()
    if next_line_start is not None:
        nt = ok["patient_id"].map(next_line_start)
        ok = ok.loc[nt.isna() | (ok["date"] <= nt)]
    first_pd = ok.loc[ok["response"] == "PD"].groupby("patient_id")["date"].min()
    fpd = ok["patient_id"].map(first_pd)
    ok = ok.loc[fpd.isna() | (ok["date"] <= fpd)]
    ok = ok.assign(_rank=ok["response"].map({r: i for i, r in enumerate(RANK)}))
    best = ok.sort_values(["patient_id", "_rank", "date"], kind="stable").drop_duplicates("patient_id")
    best = ix[["patient_id"]].merge(best.drop(columns=["param", "_rank"]), on="patient_id", how="left")
    none = best["response"].isna()
    bor = best.assign(param="BOR", confirmed_response=best["response"].fillna("NE"),
                      response=best["response"].fillna("NE"),
                      rule=np.where(none, "no assessment after index", "best reported response"),
                      source="reported", source_table="response_assessments")
    return _sorted(ovr, bor[list(COLUMNS)])
