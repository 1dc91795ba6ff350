"""Tidy result records: one row a statistic (the ``cards`` idea: statistics apart from layout).

Every number a table or figure prints comes from a record with these columns:

``analysis_id``  what was analysed, e.g. "efficacy.pfs.km" or "response.orr"
``population``   analysis set, e.g. "itt", "safety", "efficacy"
``endpoint``     e.g. "PFS", "ORR", "age" (a variable for descriptive statistics); "" if none
``group``        arm or subgroup level, "" for the whole population; several grouping
                 variables are joined as ``"arm=Isa-Pd|age_group=<65"``
``statistic``    e.g. "n", "events", "median", "hr", "p_value", "rate_12m", "pct"
``value``, ``lower``, ``upper``  the estimate and its confidence limits (NaN if none)
``n``            the denominator the statistic refers to (subjects), or NaN
``method``       how it was computed, e.g. "KM log-log 95% CI (Brookmeyer-Crowley)"

Records are a :class:`pandas.DataFrame` with exactly :data:`COLUMNS`; exported as CSV or JSON.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

COLUMNS: tuple[str, ...] = ("analysis_id", "population", "endpoint", "group", "statistic", "value", "lower",
                            "upper", "n", "method")


def record(analysis_id: str, population: str, endpoint: str, group: str, statistic: str, value: float,
           lower: float = math.nan, upper: float = math.nan, n: float = math.nan, method: str = "") -> dict:
    """One result record as a dict with the :data:`COLUMNS` keys."""
    return {"analysis_id": analysis_id, "population": population, "endpoint": endpoint, "group": group,
            "statistic": statistic, "value": float(value), "lower": float(lower), "upper": float(upper),
            "n": float(n), "method": method}


def as_frame(records: list[dict]) -> pd.DataFrame:
    """Records -> DataFrame with :data:`COLUMNS` in order (an empty frame keeps the columns)."""
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for column in ("value", "lower", "upper", "n"):
        frame[column] = frame[column].astype(float)
    return frame


def write_results(results: pd.DataFrame, path: Path) -> Path:
    """Write records as CSV (``.csv``) or JSON records (``.json``) with floats printed by their
    shortest round-trip representation (``repr``), so reading back gives the same doubles; NaN is
    an empty CSV field or JSON ``null``."""
    path = Path(path)
    if path.suffix == ".json":
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in results.to_dict(orient="records")]
        path.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    else:
        results.to_csv(path, index=False)
    return path
