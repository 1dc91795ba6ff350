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


def assert_cox_model(res: pd.DataFrame, aid: str, prefix: str, fix: dict) -> None:
    """A ``cox_tables`` model's records against an R fixture entry (coxph terms, n, events, exclusions,
    LR p, cox.zph per term): the shape prognostic.R and italian.R both write."""
    for i, term in enumerate(fix["term"]):
        assert_record(res, aid, f"{prefix}term={term}", "hr", fix["hr"][i], fix["lower"][i], fix["upper"][i])
        assert_record(res, aid, f"{prefix}term={term}", "p_value", fix["p"][i])
    g = prefix.rstrip("|")
    assert record_row(res, aid, g, "n").value == fix["n"]
    assert record_row(res, aid, g, "events").value == fix["events"]
    assert record_row(res, aid, g, "n_excluded_missing").value == fix["n_excluded"]
    assert_record(res, aid, g, "p_lr", fix["p_lr"])
    for i, term in enumerate(fix["zph_term"]):
        assert_record(res, aid, f"{prefix}ph={term}", "ph_chisq", fix["zph_chisq"][i])
        assert_record(res, aid, f"{prefix}ph={term}", "ph_p", fix["zph_p"][i])
