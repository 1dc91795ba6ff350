"""The small value type every estimator in :mod:`mmevidence.stats` returns."""

from __future__ import annotations

import math
from typing import NamedTuple


class Estimate(NamedTuple):
    """A point estimate with its confidence interval.

    ``lower``/``upper`` are NaN where a bound is not estimable (e.g. the upper
    Brookmeyer–Crowley limit of a median that the curve never reaches) and
    ``se`` is NaN where no standard error is defined. ``reason`` says why the
    estimate itself is NaN, if it is ("no events", "not reached", ...).
    """

    estimate: float
    lower: float = math.nan
    upper: float = math.nan
    se: float = math.nan
    reason: str = ""
