"""The small value type every estimator in :mod:`mmevidence.stats` returns."""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy.stats import chi2


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


class ChiSquareTest(NamedTuple):
    """A chi-square test: statistic, degrees of freedom, upper-tail p-value."""

    statistic: float
    df: int
    p: float


def chisq_test(statistic: float, df: int) -> ChiSquareTest:
    """:class:`ChiSquareTest` with ``p`` from the chi-square(df) upper tail (``chi2.sf``, accurate for tiny p)."""
    return ChiSquareTest(float(statistic), df, float(chi2.sf(statistic, df)))
