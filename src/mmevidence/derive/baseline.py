"""Baseline (study-entry) values: labs in a window before the index date and cytogenetic risk.

* :func:`baseline_labs` -- last value of each lab test on or before the index date and at
  most ``window_days`` before it (CDISC ADaM ABLFL convention "last non-missing value on or
  before the reference start date", admiral ``derive_var_extreme_flag(mode = "last")``),
  one wide row a patient with the value, its date and the ``labs.source_row`` it came from.
* :func:`cytogenetic_risk` -- high / standard / missing from FISH percentages with the
  ICARIA-MM cut-offs (seed 002: "cutoff of 50% for del(17p), and 30% for t(4;14) and
  t(14;16). High risk was defined as del(17p), t(4;14), or t(14;16)").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._dates import as_datetime
from .config import DeriveConfig

#: Lab tests carried into adsl as ``bl_<test>`` (the ones papers tabulate at baseline).
BASELINE_TESTS: tuple[str, ...] = (
    "hemoglobin", "platelets", "neutrophils", "creatinine", "calcium", "albumin", "beta2_microglobulin", "ldh",
    "serum_m_protein", "urine_m_protein", "serum_kappa_flc", "serum_lambda_flc", "bm_plasma_cells_pct",
)

#: High-risk abnormalities and the DeriveConfig field holding each threshold.
HIGH_RISK_ABNORMALITIES: dict[str, str] = {"del17p": "del17p_pct", "t_4_14": "t_4_14_pct", "t_14_16": "t_14_16_pct"}


_as_date = as_datetime


def baseline_labs(labs: pd.DataFrame, index: pd.DataFrame, window_days: int,
                  tests: tuple[str, ...] = BASELINE_TESTS) -> pd.DataFrame:
    """One row a patient of ``index``: ``bl_<test>``, ``bl_<test>_date``, ``bl_<test>_row`` per test.

    ``labs``: store layout (patient_id, date, test, value [numeric, canonical unit], uln,
    source_row); ``index``: patient_id, index_date. The baseline value is the last
    non-missing value with ``index_date - window_days <= date <= index_date``; on one date the
    store holds one row a test (its key), so there are no ties. For LDH the row's own upper
    limit of normal is kept as ``bl_ldh_uln``. Patients without a value get NaN / NaT.
    """
    ids = pd.Index(index["patient_id"])
    keep = labs.loc[labs["test"].isin(tests) & labs["value"].notna(),
                    [c for c in ("patient_id", "date", "test", "value", "uln", "source_row") if c in labs.columns]]
    if ids.is_unique:  # the store's key: index date by position instead of a merge (same rows)
        pos = ids.get_indexer(keep["patient_id"])
        keep = keep.loc[pos >= 0].assign(
            index_date=_as_date(index["index_date"]).to_numpy()[pos[pos >= 0]])
    else:
        keep = keep.merge(index[["patient_id", "index_date"]], on="patient_id", how="inner")
    d, ix = _as_date(keep["date"]), _as_date(keep["index_date"])
    keep = keep.loc[(d <= ix) & (d >= ix - pd.Timedelta(days=window_days))].assign(date=d)
    last = keep.sort_values(["patient_id", "test", "date"]).drop_duplicates(["patient_id", "test"], keep="last")
    # one wide row a patient: scatter each test's last row into arrays over the distinct ids
    uniq = ids.unique()
    row_of = uniq.get_indexer(last["patient_id"])
    out_of = uniq.get_indexer(index["patient_id"])
    test_of = last["test"].to_numpy(dtype=object)

    def column(values: np.ndarray, sel: np.ndarray, fill, dtype) -> np.ndarray:
        arr = np.full(len(uniq), fill, dtype=dtype)
        arr[row_of[sel]] = values[sel]
        return arr[out_of]

    value = last["value"].to_numpy(dtype=float)
    date = last["date"].to_numpy(dtype="datetime64[ns]")
    cols: dict[str, object] = {"patient_id": index["patient_id"].reset_index(drop=True)}
    for test in tests:
        sel = test_of == test
        cols[f"bl_{test}"] = column(value, sel, np.nan, float)
        cols[f"bl_{test}_date"] = column(date, sel, np.datetime64("NaT"), "datetime64[ns]")
        if "source_row" in last.columns:
            src = last["source_row"].to_numpy(dtype=float)
            cols[f"bl_{test}_row"] = pd.array(column(src, sel, np.nan, float), dtype="Float64").astype("Int64")
        if test == "ldh":
            uln = last["uln"].to_numpy(dtype=float) if "uln" in last.columns else np.full(len(last), np.nan)
            cols["bl_ldh_uln"] = column(uln, sel, np.nan, float)
    out = pd.DataFrame(cols)
    return out.reset_index(drop=True)


def ldh_above_uln(ldh: np.ndarray, uln: np.ndarray, default_uln: float | None) -> np.ndarray:
    """LDH > ULN as True/False/None: the row's own ULN, else ``default_uln``, else None (not guessed)."""
    ldh = np.asarray(ldh, dtype=float)
    limit = np.asarray(uln, dtype=float)
    if default_uln is not None:
        limit = np.where(np.isnan(limit), default_uln, limit)
    out = np.where(ldh > limit, True, False).astype(object)
    out[np.isnan(ldh) | np.isnan(limit)] = None
    return out


def cytogenetic_risk(cytogenetics: pd.DataFrame, index: pd.DataFrame, config: DeriveConfig) -> pd.DataFrame:
    """Per patient of ``index``: ``cyto_risk`` ("high" / "standard" / None) and one flag per abnormality.

    Rule (ICARIA-MM, Attal 2019; thresholds from ``config``): an abnormality is *present* when
    ``percent_positive`` >= its threshold (del(17p) 50 %, t(4;14) 30 %, t(14;16) 30 %); a row
    without a percentage uses the laboratory's ``result`` when
    ``config.cyto_result_without_percent == "use_result"`` and is not evaluable otherwise.
    The result used for each abnormality is the latest test on or before the index date
    (undated rows count as before index, older than any dated one). ``cyto_risk`` is "high"
    if any of the three is present, "standard" if all three were evaluated and none is
    present, and None (missing, with ``cyto_risk_reason``) otherwise. Columns
    ``cyto_<abnormality>`` hold True/False/None.
    """
    out = index[["patient_id"]].copy()
    cols = ["patient_id", "date", "abnormality", "percent_positive", "result"]
    c = cytogenetics.loc[cytogenetics["abnormality"].isin(list(HIGH_RISK_ABNORMALITIES)),
                         [x for x in cols if x in cytogenetics.columns]]
    c = c.merge(index[["patient_id", "index_date"]], on="patient_id", how="inner")
    d = _as_date(c["date"]) if "date" in c.columns else pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    c = c.loc[d.isna() | (d <= _as_date(c["index_date"]))].assign(
        _order=d.fillna(pd.Timestamp.min).astype("datetime64[ns]"))
    threshold = c["abnormality"].map({k: getattr(config, v) for k, v in HIGH_RISK_ABNORMALITIES.items()})
    pct = pd.to_numeric(c.get("percent_positive"), errors="coerce").astype(float)
    by_pct = np.where(pct >= threshold, True, False).astype(object)
    result = c["result"] if "result" in c.columns else pd.Series(None, index=c.index, dtype=object)
    by_result = np.where(result == "positive", True, np.where(result == "negative", False, None)).astype(object)
    if config.cyto_result_without_percent == "missing":
        by_result[:] = None
    c = c.assign(_present=np.where(pct.notna(), by_pct, by_result))
    c = c.loc[c["_present"].notna()].sort_values(["patient_id", "abnormality", "_order"])
    last = c.drop_duplicates(["patient_id", "abnormality"], keep="last")
    flags = last.pivot(index="patient_id", columns="abnormality", values="_present")
    present = np.zeros(len(out), dtype=bool)
    evaluated = np.ones(len(out), dtype=bool)
    for ab in HIGH_RISK_ABNORMALITIES:
        col = out["patient_id"].map(flags[ab]) if ab in flags.columns else pd.Series(None, index=out.index)
        col = col.astype(object).where(col.notna(), None)
        out[f"cyto_{ab}"] = col
        present |= (col == True).to_numpy()  # noqa: E712
        evaluated &= col.notna().to_numpy()
    risk = np.where(present, "high", np.where(evaluated, "standard", None)).astype(object)
    out["cyto_risk"] = risk
    out["cyto_risk_reason"] = np.where(
        risk == None, "not all of del17p, t_4_14, t_14_16 evaluable at study entry", None)  # noqa: E711
    return out
