"""Maximally selected log-rank statistics for a continuous marker, as R ``maxstat``."""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length

PMethod = Literal["Lau92", "Lau94"]


class CutpointResult(NamedTuple):
    """Optimal cut-point: group "low" is ``marker <= cutpoint``.

    ``statistic`` is the maximum standardised statistic, ``p_value`` its adjusted p-value
    by ``pmethod``; ``curve`` has one row per candidate cut (cut, n_low, statistic).
    """

    cutpoint: float
    statistic: float
    p_value: float
    pmethod: str
    curve: pd.DataFrame


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank (Savage) scores a_i = delta_i - sum_{j: t_j <= t_i} delta_j / (N - R_j + 1).

    R_j is the rank of t_j with ties given the *maximum* rank, exactly as
    ``exactRankTests::cscores.Surv`` (used by ``maxstat``); without ties N - R_j + 1 is the
    number at risk at t_j. Reference: Hothorn & Lausen (2003) Comput Stat Data Anal 43:121.
    """
    n = len(time)
    ut, inv, counts = np.unique(time, return_inverse=True, return_counts=True)
    max_rank = np.cumsum(counts)
    d = np.bincount(inv, weights=event, minlength=len(ut))
    return event - np.cumsum(d / (n - max_rank + 1))[inv]


def p_lausen92(b: float, minprop: float = 0.1, maxprop: float = 0.9) -> float:
    """Lausen & Schumacher (1992) approximation to P(max |S| >= b), as ``maxstat:::pLausen92``.

    p = 4 phi(b)/b + phi(b) (b - 1/b) log(maxprop (1 - minprop) / ((1 - maxprop) minprop)),
    1 for b < 1, truncated below at 0 (not above at 1, as maxstat).
    Reference: Lausen B, Schumacher M (1992) Biometrics 48:73–85.
    """
    if b < 1:
        return 1.0
    db = stats.norm.pdf(b)
    p = 4 * db / b + db * (b - 1 / b) * math.log(maxprop * (1 - minprop) / ((1 - maxprop) * minprop))
    return max(float(p), 0.0)


def p_lausen94(b: float, n: int, m: np.ndarray) -> float:
    """Improved Bonferroni bound of Lausen, Sauerbrei & Schumacher (1994), as ``maxstat:::pLausen94``.

    p = 2 (1 - Phi(b)) + sum_i exp(-b^2/2)/pi (t_i - (b^2/4 - 1) t_i^3 / 6),
    t_i = sqrt(1 - m_i (N - m_{i+1}) / ((N - m_i) m_{i+1})) over consecutive candidate
    cut sizes m. The upper tail is computed as 2 Phi(-b) (R's 1 - (pnorm(b) - pnorm(-b))
    can round to 0 or below for large b).
    """
    m = np.asarray(m, dtype=float)
    d = 0.0
    if len(m) > 1:
        m1, m2 = m[:-1], m[1:]
        t = np.sqrt(1 - m1 * (n - m2) / ((n - m1) * m2))
        d = float(np.sum(1 / math.pi * math.exp(-(b**2) / 2) * (t - (b**2 / 4 - 1) * t**3 / 6)))
    return float(2 * stats.norm.sf(b) + d)


def maxstat_cutpoint(
    time: Any,
    event: Any,
    marker: Any,
    minprop: float = 0.1,
    maxprop: float = 0.9,
    pmethod: PMethod = "Lau92",
) -> CutpointResult:
    """Maximally selected log-rank statistic over cut-points of ``marker``.

    For each candidate cut c (a distinct marker value) with m = #{marker <= c} subjects in
    the low group, S_c = (sum_{low} a_i - m/N sum a) / sqrt(V_c) with a the log-rank scores
    (:func:`logrank_scores`) and V_c = m (N - m) / (N^2 (N - 1)) (N sum a^2 - (sum a)^2)
    their permutation variance; the statistic is max |S_c| over cuts with
    max(1, floor(N minprop)) <= m <= floor(N maxprop), the cut-point the first maximiser.
    This is R ``maxstat.test(Surv(time, event) ~ marker, smethod="LogRank",
    pmethod=pmethod, minprop, maxprop)`` (Lausen & Schumacher 1992; Hothorn & Lausen
    2003); note its standardisation is the permutation one, not the classical log-rank
    variance. ``pmethod``: ``"Lau92"`` (:func:`p_lausen92`) or ``"Lau94"`` (:func:`p_lausen94`).
    With ``minprop=0, maxprop=1`` all cuts but the first and last candidate are used, as maxstat.

    Missing values are not dropped here: remove them first. Raises ``ValueError`` when the
    marker has fewer than 2 distinct values or no cut falls within [minprop, maxprop].
    """
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    x = as_float_array(marker, "marker")
    n = check_same_length(time=t, event=e, marker=x)
    if not 0 <= minprop < maxprop <= 1:
        raise ValueError(f"minprop, maxprop: need 0 <= minprop < maxprop <= 1, got {minprop!r}, {maxprop!r}")
    if pmethod not in ("Lau92", "Lau94"):
        raise ValueError(f"pmethod: expected 'Lau92' or 'Lau94', got {pmethod!r}")
    if len(np.unique(x)) < 2:
        raise ValueError("marker: fewer than 2 distinct values, no cut-point possible")

    scores = logrank_scores(t, e)
    order = np.argsort(x, kind="stable")
    y, xs = scores[order], x[order]
    m = np.flatnonzero(np.concatenate([[True], xs[1:] != xs[:-1]]))  # #obs below each distinct value
    if minprop == 0 and maxprop == 1:
        m = m[1:-1]
    else:
        lo, hi = math.floor(n * minprop), math.floor(n * maxprop)
        if np.all(m < lo):
            raise ValueError("minprop: too large, no cut leaves that many subjects in the low group")
        if np.all(m > hi):
            raise ValueError("maxprop: too small, no cut leaves that few subjects in the low group")
        m = m[(m >= max(1, lo)) & (m <= hi)]
    if len(m) == 0:
        raise ValueError("marker: no cut-point with a group share between minprop and maxprop")

    ss = y.sum()
    expected = m / n * ss
    var = m * (n - m) / (n**2 * (n - 1)) * (n * np.sum(y**2) - ss**2)
    if not np.all(var > 0):
        raise ValueError("event: the scores are constant (no events?), statistic undefined")
    test = np.abs((np.cumsum(y)[m - 1] - expected) / np.sqrt(var))
    best = int(np.argmax(test))
    statistic = float(test[best])
    p = p_lausen92(statistic, minprop, maxprop) if pmethod == "Lau92" else p_lausen94(statistic, n, m)
    curve = pd.DataFrame({"cut": xs[m - 1], "n_low": m, "statistic": test})
    return CutpointResult(float(xs[m[best] - 1]), statistic, p, pmethod, curve)
