"""Log-rank test for k groups, optionally stratified, with one-sided p-values for two groups.

Mantel (1966) / Peto & Peto (1972) log-rank statistic, computed as R
``survival::survdiff(Surv(time, status) ~ group + strata(s))`` (rho = 0,
survival 3.5-3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc, ndtr

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats._risksets import count_risk_sets

__all__ = ["LogrankResult", "logrank_test"]

_ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class LogrankResult:
    """Result of :func:`logrank_test`.

    ``observed``, ``expected`` and ``n`` are Series indexed by group (sorted);
    ``variance`` is the k x k covariance matrix of ``observed - expected`` in that
    order; ``z`` is NaN unless there are exactly two groups. ``reason`` says why
    ``statistic``/``p_value`` are NaN, if they are.
    """

    statistic: float
    df: int
    p_value: float
    observed: pd.Series
    expected: pd.Series
    variance: np.ndarray
    z: float
    alternative: str
    n: pd.Series
    reason: str = ""


def _codes(x: Any, name: str, n: int) -> tuple[np.ndarray, pd.Index]:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-dimensional array, got shape {arr.shape}")
    if len(arr) != n:
        raise ValueError(f"arguments differ in length: time={n}, {name}={len(arr)}")
    codes, labels = pd.factorize(arr, sort=True)
    if (codes < 0).any():
        i = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(f"{name}: missing value at position {i}")
    return codes.astype(np.int64, copy=False), pd.Index(labels)


def logrank_test(time: Any, event: Any, group: Any, strata: Any = None, alternative: str = "two-sided") -> LogrankResult:
    """Log-rank test of equal hazards across groups (optionally within strata).

    At each distinct event time ``t`` of stratum ``s``, with ``n_g`` at risk and
    ``d_g`` events in group ``g`` and totals ``n``, ``d``:
    ``E_g = sum d n_g / n`` and
    ``V_gh = sum d (n - d) / (n^2 (n - 1)) * (n n_g [g = h] - n_g n_h)``
    (hypergeometric variance; Mantel 1966, Peto & Peto 1972). Stratified test:
    ``O - E`` and ``V`` are summed over strata (R ``survdiff(... + strata(s))``).
    ``statistic = (O - E)' V^{-1} (O - E)`` over the groups with ``E > 0`` minus
    the first of them; ``df`` = (groups with ``E > 0``) - 1; ``p_value`` from
    chi-square(df) — exactly R ``survdiff``'s ``chisq`` and ``pvalue``.

    Two groups: ``z = (O_1 - E_1) / sqrt(V_11)`` for the first group in sorted
    order (``z^2 = statistic``). ``alternative="less"``: the first group has
    fewer events than expected, i.e. a lower hazard than the second
    (``p = Phi(z)``); ``"greater"``: higher hazard (``p = 1 - Phi(z)``). This is
    SAS LIFETEST's one-sided log-rank convention for the first stratum level.

    Groups are sorted as ``pandas.factorize(sort=True)`` (numbers numerically,
    strings by code point; R sorts factor levels in the locale's collation,
    which can differ for mixed-case labels). Tied times are exact float ties
    (no ``timefix``). Raises ``ValueError`` for a single group.
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative: {alternative!r} is not one of {', '.join(_ALTERNATIVES)}")
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    check_same_length(time=t, event=e)
    g, labels = _codes(group, "group", t.size)
    if strata is None:
        s, n_strata = np.zeros(t.size, dtype=np.int64), 1
    else:
        s, slabels = _codes(strata, "strata", t.size)
        n_strata = len(slabels)
    k = len(labels)
    if k < 2:
        raise ValueError(f"group: need at least 2 groups, got {k}")
    if alternative != "two-sided" and k != 2:
        raise ValueError(f"alternative: {alternative!r} needs exactly 2 groups, got {k}")

    cell = s * k + g if n_strata > 1 else g
    rs = count_risk_sets(t, e, cell=cell, n_cells=n_strata * k)
    n_g = rs.n_risk.reshape(n_strata, k, -1)
    d_g = rs.n_event.reshape(n_strata, k, -1)
    n = n_g.sum(axis=1)  # (S, T)
    d = d_g.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(d > 0, d / n, 0.0)
        f = np.where((d > 0) & (n > 1), d * (n - d) / (n * n * (n - 1)), 0.0)
    observed = d_g.sum(axis=(0, 2))
    expected = np.einsum("st,sgt->g", share, n_g)
    var = np.diag(np.einsum("st,st,sgt->g", f, n, n_g)) - np.einsum("st,sgt,sht->gh", f, n_g, n_g)

    idx = pd.Index(labels, name="group")
    obs_s = pd.Series(observed, index=idx, name="observed")
    exp_s = pd.Series(expected, index=idx, name="expected")
    n_s = pd.Series(np.bincount(g, minlength=k).astype(int), index=idx, name="n")
    diff = observed - expected
    z = diff[0] / math.sqrt(var[0, 0]) if k == 2 and var[0, 0] > 0 else math.nan

    used = np.flatnonzero(expected > 0)
    df = int(used.size) - 1
    stat, reason = math.nan, ""
    if used.size < 2:
        reason = "fewer than two groups with expected events"
    else:
        sub = used[1:]
        try:
            stat = float(diff[sub] @ np.linalg.solve(var[np.ix_(sub, sub)], diff[sub]))
        except np.linalg.LinAlgError:
            reason = "singular variance matrix"
    if alternative == "two-sided":
        p = float(chdtrc(df, stat)) if not math.isnan(stat) else math.nan
    elif math.isnan(z):
        p, reason = math.nan, reason or "zero variance"
    else:
        p = float(ndtr(z)) if alternative == "less" else float(ndtr(-z))
    return LogrankResult(stat, df, p, obs_s, exp_s, var, float(z), alternative, n_s, reason)
