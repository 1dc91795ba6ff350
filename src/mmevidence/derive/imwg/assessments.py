"""From the canonical ``labs`` table to one row per patient and assessment date.

``normalise_labs`` is the single adapter from the data layer's layout (raw source rows with
a text ``value``, or store rows with numeric ``value`` and ``value_text`` for immunofixation)
to numbers: quantitative tests as float in the canonical unit, immunofixation as
1.0 (positive) / 0.0 (negative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...data.units import LAB_TESTS
from .criteria import QUALITATIVE, TESTS

_IFE = {"positive": 1.0, "negative": 0.0, "pos": 1.0, "neg": 0.0}


def normalise_labs(labs: pd.DataFrame) -> pd.DataFrame:
    """Return ``labs`` restricted to the response tests as (patient_id, date, test, value float).

    Accepts ``value`` numeric or text and an optional ``value_text`` (the store keeps
    immunofixation there). A ``unit`` column, when present, must hold the canonical unit
    of each test (``data.units``): the IMWG thresholds are in g/dL, mg/24h, mg/dL, %, cm2,
    so a value in another unit is an error, never silently misread.
    """
    missing = [c for c in ("patient_id", "date", "test", "value") if c not in labs.columns]
    if missing:
        raise ValueError(f"labs: missing column(s) {', '.join(missing)}")
    df = labs.loc[labs["test"].isin(TESTS)]
    if "unit" in df.columns:
        canon = df["test"].map({t: LAB_TESTS[t].unit for t in TESTS})
        unit = df["unit"].fillna("").astype(str)
        bad = (unit != canon) & ~(df["test"].isin(QUALITATIVE) & (unit == ""))
        if bad.any():
            r = df.loc[bad].iloc[0]
            raise ValueError(f"labs: unit {r['unit']!r} of {r['test']} is not the canonical "
                             f"{LAB_TESTS[r['test']].unit!r}; convert units at ingest (mmevidence.data)")
    qual = df["test"].isin(QUALITATIVE).to_numpy()
    out = np.full(len(df), np.nan)
    if (~qual).any():
        try:
            out[~qual] = pd.to_numeric(df["value"].to_numpy()[~qual]).astype(float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"labs: value must be numeric for quantitative tests ({exc})") from None
    if qual.any():
        text = df["value_text"] if "value_text" in df.columns else df["value"]
        text = text.where(text.notna(), df["value"]).to_numpy()[qual]
        codes, uniq = pd.factorize(text)  # map each distinct spelling once
        known = np.array([_IFE.get(str(u).strip().lower(), np.nan) for u in uniq] + [np.nan])
        mapped = known[codes]  # code -1 (missing) picks the trailing NaN
        if np.isnan(mapped).any():
            bad = text[np.isnan(mapped)][0]
            raise ValueError(f"labs: immunofixation value {bad!r} is not 'positive' or 'negative'")
        out[qual] = mapped
    if np.isnan(out[~qual]).any() or (out < 0).any():
        raise ValueError("labs: response test values must be present and non-negative")
    dates = pd.to_datetime(df["date"]).to_numpy(dtype="datetime64[ns]")
    return pd.DataFrame({"patient_id": df["patient_id"].to_numpy(), "date": dates,
                         "test": df["test"].to_numpy(), "value": out})


def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    """One row per (patient_id, date), one float column per response test (NaN = not done).

    Sorted by patient and date. Two results of one test on one day are an error
    (the ``labs`` key is patient_id, date, test).
    """
    pid_codes, pids = pd.factorize(long["patient_id"], sort=True)
    day = long["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    key = pid_codes.astype(np.int64) * (1 << 32) + (day - day.min() if len(day) else day)
    inverse, row_key = pd.factorize(key, sort=True)
    test_code = pd.Categorical(long["test"], categories=TESTS).codes.astype(np.int64)
    cell = inverse * len(TESTS) + test_code
    counts = np.bincount(cell, minlength=len(row_key) * len(TESTS))
    if (counts > 1).any():
        dup = long.iloc[int(np.flatnonzero(counts[cell] > 1)[0])]
        raise ValueError(f"labs: more than one {dup['test']} result for patient {dup['patient_id']} "
                         f"on {pd.Timestamp(dup['date']).date()}")
    grid = np.full((len(row_key), len(TESTS)), np.nan)
    grid[inverse, test_code] = long["value"].to_numpy()
    first = np.zeros(len(row_key), dtype=np.int64)
    first[inverse] = np.arange(len(long))  # any row of the group gives its patient and date
    wide = pd.DataFrame(grid, columns=list(TESTS))
    wide.insert(0, "date", long["date"].to_numpy()[first])
    wide.insert(0, "patient_id", pids.to_numpy()[pid_codes[first]])
    return wide


def baseline_values(wide: pd.DataFrame, index_date: pd.Series, window_days: int) -> pd.DataFrame:
    """Per patient, the last value of each test on or before the index date, at most
    ``window_days`` before it (project default 28; IMWG asks for baseline tests before
    treatment start without fixing a window). ``index_date`` is indexed by patient_id.
    Returns one row per patient that has any baseline value, columns ``base_<test>``.
    """
    idx = wide["patient_id"].map(index_date).to_numpy(dtype="datetime64[ns]")
    d = wide["date"].to_numpy(dtype="datetime64[ns]")
    keep = (d <= idx) & (d >= idx - np.timedelta64(window_days, "D"))
    base = wide.loc[keep].groupby("patient_id", sort=False)[list(TESTS)].last()  # last non-NaN per test
    return base.add_prefix("base_")
