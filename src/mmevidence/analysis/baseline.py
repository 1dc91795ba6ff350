"""Baseline characteristics as tidy records (the rows of a paper's Table 1).

``analyse_baseline(adsl, study, population="itt") -> DataFrame`` (columns of
:data:`mmevidence.analysis.results.COLUMNS`), one block of records per ``study.baseline`` row,
for each arm and for all arms together (randomised studies):

* continuous (``kind: continuous``): ``n`` (non-missing), ``n_missing``, ``median``, ``q1``,
  ``q3``, ``min``, ``max``, ``mean``, ``sd``; every statistic is recorded whatever the row's
  ``summary`` (the table builder prints the one configured). ``analysis_id`` "baseline.<variable>".
* categorical (``kind: categorical``): for each level (the configured ``levels`` in order,
  then other observed levels, then "Missing" when any value is missing -- its own row, never
  dropped; a configured level "missing"/"unknown" that no value is spelled as takes the
  missing values under the paper's word) ``n`` and ``pct`` with ``group`` "arm=<label>|<variable>=<level>" and the
  subject-level denominator (patients of the arm in the analysis set, missing included) in
  ``n``. Boolean columns have the single level "True" (e.g. previous ASCT: n (%) with it).

Rows whose ``variable`` is None (not in the data model) give no records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..studies.model import LevelGroup
from ._subjects import (arm_subsets, categorical_levels, count_records, level_flags,
                        population_mask)
from .results import as_frame, record

#: numpy percentile method of each Hyndman-Fan quantile type offered
QUANTILE_METHODS: dict[int, str] = {2: "averaged_inverted_cdf", 7: "linear"}


def continuous_summary(values: np.ndarray, quantile_type: int = 2) -> dict[str, float]:
    """n, n_missing, median, q1, q3, min, max, mean, sd (n - 1 denominator) of ``values``.

    Quartiles by Hyndman & Fan (1996) type 2 (inverse empirical CDF, averaging at
    discontinuities): SAS PROC MEANS/UNIVARIATE default ``QNTLDEF=5`` and the gtsummary
    default (R ``quantile(x, type = 2)``); ``quantile_type=7`` gives R's ``quantile()``
    default. The median is the same under both. NaN statistics when no value is present.
    """
    if quantile_type not in QUANTILE_METHODS:
        raise ValueError(f"quantile_type must be one of {sorted(QUANTILE_METHODS)}, got {quantile_type!r}")
    x = np.asarray(values, dtype=float)
    present = x[~np.isnan(x)]
    out = {"n": float(len(present)), "n_missing": float(len(x) - len(present))}
    if len(present) == 0:
        return out | dict.fromkeys(("median", "q1", "q3", "min", "max", "mean", "sd"), np.nan)
    q1, median, q3 = np.percentile(present, [25, 50, 75], method=QUANTILE_METHODS[quantile_type])
    sd = float(np.std(present, ddof=1)) if len(present) > 1 else np.nan
    return out | {"median": float(median), "q1": float(q1), "q3": float(q3), "min": float(present.min()),
                  "max": float(present.max()), "mean": float(present.mean()), "sd": sd}


def analyse_baseline(adsl: pd.DataFrame, study, population: str = "itt", quantile_type: int = 2) -> pd.DataFrame:
    """Records of every ``study.baseline`` row per arm and in total (module docstring).

    Denominator of every percentage: patients of the arm in ``population`` (missing values
    included, shown as their own "Missing" level) -- the subject-level denominator of rtables
    and of the seed papers' Table 1 (ICARIA-MM "Unknown" ISS stage counted in the n=154).
    """
    subset = adsl[population_mask(adsl, study, population)]
    records: list[dict] = []
    qmethod = f"quartiles: quantile type {quantile_type}" + (" (SAS QNTLDEF=5)" if quantile_type == 2
                                                             else " (R default)")
    for row in study.baseline:
        variable = row.variable
        if variable is None:
            continue
        if variable not in subset.columns:
            raise ValueError(f"baseline row {row.label!r}: adsl has no column {variable!r}")
        analysis_id = f"baseline.{variable}"
        values_all = subset[variable]
        if row.kind == "continuous":
            for arm, part in arm_subsets(subset, study):
                stats = continuous_summary(pd.to_numeric(part[variable], errors="coerce").to_numpy(dtype=float),
                                           quantile_type)
                group = "" if arm is None else f"arm={arm}"
                records += [record(analysis_id, population, variable, group, name, value, n=len(part),
                                   method=qmethod) for name, value in stats.items()]
        elif row.kind == "categorical":
            is_bool = values_all.dtype == bool or str(values_all.dtype) == "boolean" or (
                values_all.dropna().map(type).isin([bool, np.bool_]).all() and values_all.notna().any())
            levels = ("True",) if is_bool else (tuple(str(v) for v in row.levels) if row.levels else None)
            pooled = {lv.label: lv.values for lv in (row.levels or ()) if isinstance(lv, LevelGroup)}
            covered = frozenset(v for members in pooled.values() for v in members)
            tabulated, missing = categorical_levels(values_all, levels, covered)
            for arm, part in arm_subsets(subset, study):
                values = part[variable]
                for level in tabulated:
                    if is_bool and level not in ("True", missing):
                        continue
                    records += count_records(analysis_id, population, variable, arm,
                                             level_flags(values, level, missing, pooled.get(level)), len(part),
                                             "n (%) of patients in the analysis set", **{variable: level})
        else:
            raise ValueError(f"baseline row {row.label!r}: kind must be continuous or categorical, got {row.kind!r}")
    return as_frame(records)
