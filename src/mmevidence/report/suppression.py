"""Optional small-cell suppression of patient counts (statistical disclosure control).

``suppress_small_counts(records, k=5) -> records``: every count record (statistic ``n``)
with ``0 < n < k`` gets ``value`` NaN and ``method`` "suppressed below k"; its ``pct``
record (same analysis_id, population, endpoint and group) gets NaN too. The table builders
print such an n (%) cell as "<k" (``report/tables/_cells.py``). It runs on the records,
before layout, so every output format (HTML, DOCX, XLSX, CSV of the records) carries the
same suppression and no renderer can leak a value.

Choices (documented, not configurable beyond ``k``):

* zero counts are shown: a structural zero ("no patient had grade 4 anaemia") discloses
  nothing about an individual and is informative; rules that also hide 0 (some registries)
  can be met by filtering before layout.
* denominators (the ``n`` column, arm sizes in headers) are not suppressed: they are the
  published population sizes.
* no complementary (secondary) suppression: when a row total and all but one cell are shown
  the hidden cell can be recovered by subtraction. Use a k large enough for the data, or
  aggregate levels, when that matters. Event counts (statistic ``events``) and continuous
  summaries are left unchanged.

The default k = 5 follows common guidance for aggregate health statistics (e.g. the EMA
clinical-data publication guidance and NHS Digital's small-number rule suppress 1-4 or <5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tables._cells import SUPPRESSED


def suppress_small_counts(records: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """Copy of ``records`` with counts 1..k-1 and their percentages suppressed (module docstring)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k!r}")
    out = records.copy()
    is_n = (out["statistic"] == "n") & (out["value"] > 0) & (out["value"] < k)
    keys = ["analysis_id", "population", "endpoint", "group"]
    small = out.loc[is_n, keys].drop_duplicates()
    is_pct = (out["statistic"] == "pct") & pd.MultiIndex.from_frame(out[keys]).isin(
        pd.MultiIndex.from_frame(small)) if len(small) else np.zeros(len(out), dtype=bool)
    hit = is_n | is_pct
    out.loc[hit, "value"] = np.nan
    out.loc[hit, "method"] = f"{SUPPRESSED}{k}"
    return out
