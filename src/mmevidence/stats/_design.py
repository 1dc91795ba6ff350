"""DataFrame columns -> regression design: treatment contrasts and strata codes.

Private helper of the regression models (:mod:`mmevidence.stats.cox`, :mod:`mmevidence.stats.logistic`). Coding follows R's
``model.matrix`` with ``contr.treatment``: a categorical column with levels
L0 < L1 < ... becomes indicator columns named ``<col><Lk>`` for k >= 1 (L0 is
the reference); a logical column becomes ``<col>TRUE``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype


def row_label(column: pd.Series, position: int) -> object:
    """The index label of ``position`` as a plain Python value (for messages)."""
    return column.index[[position]].tolist()[0]


def refuse_missing(column: pd.Series, what: str) -> None:
    """Raise ``ValueError`` naming the column and the first row label that is missing."""
    missing = column.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"{what} {column.name!r} is missing at row {row_label(column, i)!r} (position {i}); "
            "incomplete rows are not dropped (R's default na.action = na.omit would): "
            "remove or impute them first")


def _levels(column: pd.Series) -> list:
    """Observed levels: pandas category order if categorical, else sorted (codepoint order for strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.unique())
        return [c for c in column.cat.categories if c in present]
    try:
        return sorted(column.unique())
    except TypeError as exc:
        raise ValueError(f"covariate {column.name!r}: cannot order its levels ({exc}); "
                         "give it a pandas Categorical with an explicit order") from None


def model_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Design matrix (n, p) and R-style term names for ``covariates`` of ``data``.

    Numeric columns are used as they are. Categorical columns (object, string,
    bool, pandas Categorical) get treatment contrasts against their first level:
    the first category of a pandas Categorical (unused categories dropped), else
    the smallest value in sorted order. Booleans give one column ``<col>TRUE``
    as R does for a logical. Missing values raise ``ValueError``.
    """
    if isinstance(covariates, str):
        covariates = [covariates]
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in covariates:
        if col not in data.columns:
            raise ValueError(f"covariates: column {col!r} not found in data")
        s = data[col]
        refuse_missing(s, "covariate")
        if is_bool_dtype(s.dtype):
            blocks.append(s.to_numpy(dtype=float)[:, None])
            names.append(f"{col}TRUE")
        elif is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            values = s.to_numpy(dtype=float)
            if not np.all(np.isfinite(values)):
                i = int(np.flatnonzero(~np.isfinite(values))[0])
                raise ValueError(f"covariate {col!r} is not finite at row {row_label(s, i)!r} (position {i})")
            blocks.append(values[:, None])
            names.append(col)
        else:
            levels = _levels(s)
            values = s.to_numpy()
            for level in levels[1:]:
                blocks.append((values == level).astype(float)[:, None])
                names.append(f"{col}{level}")
    x = np.hstack(blocks) if blocks else np.empty((len(data), 0))
    return x, names


def stratum_codes(data: pd.DataFrame, strata: str | Sequence[str] | None) -> np.ndarray:
    """Integer code per row, one per distinct combination of the ``strata`` columns (R ``strata()``)."""
    if strata is None:
        return np.zeros(len(data), dtype=np.int64)
    cols = [strata] if isinstance(strata, str) else list(strata)
    for col in cols:
        if col not in data.columns:
            raise ValueError(f"strata: column {col!r} not found in data")
        refuse_missing(data[col], "strata column")
    if len(cols) == 1:
        return pd.factorize(data[cols[0]], sort=True)[0].astype(np.int64)
    return data.groupby(cols, sort=True, observed=True).ngroup().to_numpy(dtype=np.int64)
