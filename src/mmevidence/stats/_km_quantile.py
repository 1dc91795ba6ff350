"""Quantile of a step survival curve by the midpoint rule, as R ``quantile.survfit``.

The ``p``-quantile is the smallest time ``t`` with ``S(t) <= 1 - p``; when the
curve sits exactly at ``1 - p`` (within ``tol = sqrt(machine eps)``) over an
interval, the midpoint of that flat segment is returned: the average of the
time where it reaches ``1 - p`` and the time of its next drop, or of the last
observed time if it never drops again (Brookmeyer & Crowley 1982; R survival
3.5-3 ``survival:::findq``, called by ``quantile.survfit`` via ``doquant``).
The same rule applied to the pointwise lower/upper confidence curves gives the
quantile's confidence limits ("CI of a quantile from the pointwise-CI curves").
Missing (NaN) points of a curve are skipped, as R's ``approx`` drops NA pairs.
"""

from __future__ import annotations

import math

import numpy as np

TOL = math.sqrt(np.finfo(float).eps)


def _first_at_least(xa: np.ndarray, v: float) -> int:
    """R ``approx(xa, 0:(n-1), v, method="constant", f=1)`` for sorted unique ``xa``; -1 = NA."""
    if xa.size == 0 or v < xa[0] or v > xa[-1]:
        return -1
    return int(np.searchsorted(xa, v, side="left"))


def curve_quantile(time: np.ndarray, surv: np.ndarray, p: float, first_time: float = 0.0, tol: float = TOL) -> float:
    """Return the ``p``-quantile of the step curve ``surv`` at ``time`` (NaN if not reached).

    Mirrors ``findq(c(first_time, time), c(0, 1 - surv), p, tol)``.
    """
    x = np.concatenate(([first_time], np.asarray(time, dtype=float)))
    y = np.concatenate(([0.0], 1.0 - np.asarray(surv, dtype=float)))
    finite = ~np.isnan(y)
    if not finite.any() or y[finite].max() < p:
        return math.nan
    xmax = x[-1]
    # drop duplicated y (R duplicated(): NaN duplicates NaN)
    keys = np.where(np.isnan(y), np.inf, y)
    _, first = np.unique(keys, return_index=True)
    first.sort()
    x, y = x[first], y[first]
    ok = np.flatnonzero(~np.isnan(y))
    order = ok[np.argsort(y[ok], kind="stable")]
    ys = y[order]
    k1 = _first_at_least(ys + tol, p)
    k2 = _first_at_least(ys - tol, p)
    i1 = order[k1] if k1 >= 0 else -1
    i2 = order[k2] if k2 >= 0 else -1
    if p == 0:
        return float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return math.nan if i1 < 0 else float((x[i1] + xmax) / 2.0)
    if i1 < 0 or i2 < 0:
        return math.nan
    return float((x[i1] + x[i2]) / 2.0)
