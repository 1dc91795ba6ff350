"""One date normaliser for the derivations: everything becomes ``datetime64[ns]`` (NaT = missing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

NS = "datetime64[ns]"


def as_datetime(values) -> pd.Series:
    """``values`` (Series, array, list of dates/strings) as a ``datetime64[ns]`` Series.

    Already-datetime input is only re-unit-ed (no element-wise parsing, which is slow).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.astype(NS)
    return pd.to_datetime(s).astype(NS)
