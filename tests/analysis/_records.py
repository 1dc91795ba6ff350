"""Look-ups of result records shared by the analysis tests (by analysis_id, group and statistic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

RTOL = 1e-6  # agreement asked of every number R computes the same way


def record_row(frame: pd.DataFrame, aid: str, group: str, statistic: str) -> pd.Series:
    """The one record of ``frame`` with this analysis_id, group and statistic (fails if not exactly one)."""
    row = frame[(frame.analysis_id == aid) & (frame.group == group) & (frame.statistic == statistic)]
    assert len(row) == 1, (aid, group, statistic, len(row))
    return row.iloc[0]


def assert_record(frame: pd.DataFrame, aid: str, group: str, statistic: str, value: float,
                  lower: float | None = None, upper: float | None = None, rtol: float = RTOL) -> pd.Series:
    """Assert the record's value (and CI when ``lower`` is given) equal the reference at ``rtol``."""
    r = record_row(frame, aid, group, statistic)
    np.testing.assert_allclose(r.value, value, rtol=rtol, err_msg=f"{aid} {group} {statistic}")
    if lower is not None:
        np.testing.assert_allclose([r.lower, r.upper], [lower, upper], rtol=rtol, err_msg=f"{aid} {group} CI")
    return r
