"""ROC analysis of a continuous marker against a binary outcome, as R ``pROC`` and ``cutpointr``.

* :func:`roc_auc` — AUC with the DeLong confidence interval (``pROC::ci.auc(method = "delong")``).
* :func:`roc_curve` — empirical ROC curve at pROC's thresholds (``pROC::roc``).
* :func:`roc_test_delong` — DeLong's test for two correlated AUCs (``pROC::roc.test(paired = TRUE)``).
* :func:`youden_cutpoint` — cut-point maximising Youden's J (``cutpointr::cutpointr``).
* :func:`roc_direction` — pROC's ``direction = "auto"`` rule.

Directions follow pROC for the AUC functions: ``"<"`` means controls have lower values than
cases (a high marker predicts the outcome), ``">"`` the reverse, ``"auto"`` picks one from the
group medians. :func:`youden_cutpoint` follows cutpointr: ``">="`` classifies ``marker >= cut``
as positive, ``"<="`` classifies ``marker <= cut`` as positive.

``outcome`` is 0 (control) / 1 (case) and must contain both classes; ``marker`` must be
finite (no NaN is dropped silently: remove incomplete rows before calling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats.estimate import Estimate

Direction = Literal["auto", "<", ">"]
CutDirection = Literal[">=", "<="]


@dataclass(frozen=True)
class YoudenCutpoint:
    """Optimal cut-point by Youden's J = sensitivity + specificity - 1.

    ``direction`` ``">="``: ``marker >= cutpoint`` is positive; ``"<="``: ``marker <= cutpoint``.
    """

    cutpoint: float
    youden: float
    sensitivity: float
    specificity: float
    direction: str


@dataclass(frozen=True)
class DeLongTest:
    """DeLong's test of AUC1 = AUC2 for two markers measured on the same subjects.

    ``difference`` = auc1 - auc2 with its CI (``lower``, ``upper``) and standard error ``se``;
    ``z`` = difference / se; ``p_value`` two-sided. ``direction1``/``direction2`` are the
    pROC directions used for each marker.
    """

    auc1: float
    auc2: float
    difference: float
    lower: float
    upper: float
    se: float
    z: float
    p_value: float
    direction1: str
    direction2: str


def _validated(marker: Any, outcome: Any, marker_name: str = "marker") -> tuple[np.ndarray, np.ndarray]:
    """Return (marker, outcome-as-bool) or raise ``ValueError`` naming the bad argument."""
    x = as_float_array(marker, marker_name)
    y = as_event_array(outcome, "outcome")
    check_same_length(**{marker_name: x, "outcome": y})
    n_cases = int(y.sum())
    if n_cases == 0 or n_cases == len(y):
        raise ValueError(f"outcome: both classes (0 and 1) must be present, got {n_cases} cases among {len(y)}")
    return x, y == 1


def _r_median(v: np.ndarray) -> float:
    """R ``median``: middle value, or the mean of the two middle values (without overflow)."""
    s = np.sort(v)
    k = len(s)
    if k % 2:
        return float(s[k // 2])
    a, b = float(s[k // 2 - 1]), float(s[k // 2])
    if math.isfinite(a) and math.isfinite(b):
        return a / 2 + b / 2 if abs(a) > 1e300 or abs(b) > 1e300 else (a + b) / 2
    return (a + b) / 2


def _resolved(x: np.ndarray, case: np.ndarray, direction: str) -> str:
    """pROC's auto rule: ``"<"`` if median(controls) <= median(cases), else ``">"``."""
    if direction not in ("auto", "<", ">"):
        raise ValueError(f"direction: must be 'auto', '<' or '>', got {direction!r}")
    if direction != "auto":
        return direction
    return "<" if _r_median(x[~case]) <= _r_median(x[case]) else ">"


def roc_direction(marker: Any, outcome: Any) -> str:
    """The direction pROC's ``roc(direction = "auto")`` chooses.

    ``"<"`` (controls < cases) if median(marker | outcome = 0) <= median(marker | outcome = 1),
    otherwise ``">"``. This is pROC's exact rule (``roc.default``, pROC 1.18): it compares
    medians, so it does *not* guarantee AUC >= 0.5 when the distributions cross
    (e.g. medians 5 vs 5.1 with AUC 0.36 stays ``"<"``).
    """
    x, case = _validated(marker, outcome)
    return _resolved(x, case, "auto")


def _level_counts(x: np.ndarray, case: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values ``u`` (sorted), each subject's index into ``u``, cases and controls at each."""
    u, inv = np.unique(x, return_inverse=True)
    cases_at = np.bincount(inv, weights=case, minlength=len(u))
    controls_at = np.bincount(inv, minlength=len(u)) - cases_at
    return u, inv, cases_at, controls_at


def _placements(x: np.ndarray, case: np.ndarray, direction: str = "<") -> tuple[float, np.ndarray, np.ndarray]:
    """(AUC, V10 of the cases, V01 of the controls) for ``direction``; see :func:`delong_placements`."""
    _, inv, cases_at, controls_at = _level_counts(x if direction == "<" else -x, case)
    m, n = cases_at.sum(), controls_at.sum()
    v10_at = (np.cumsum(controls_at) - controls_at / 2) / n     # controls below + ties / 2
    v01_at = (m - np.cumsum(cases_at) + cases_at / 2) / m       # cases above + ties / 2
    v10 = v10_at[inv[case]]
    return float(v10.mean()), v10, v01_at[inv[~case]]


def delong_placements(cases: Any, controls: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """DeLong structural components ("placements") for direction ``"<"``; O(N log N).

    V10_i = [#(controls < case_i) + #(controls = case_i)/2] / n for each case,
    V01_j = [#(cases > control_j) + #(cases = control_j)/2] / m for each control,
    AUC = mean(V10) = mean(V01) (Mann–Whitney, ties count 1/2). Returns (AUC, V10, V01).
    Computed from cumulative counts over the sorted distinct values, which is the midrank
    formulation of Sun & Xu (2014) IEEE Signal Process Lett 21:1389
    (V10_i = (R_i^{all} - R_i^{cases}) / n with midranks R), O(N log N) for the sort.
    Reference: DeLong, DeLong & Clarke-Pearson (1988) Biometrics 44:837; equals
    ``pROC:::delongPlacements`` (``X`` = V10, ``Y`` = V01, ``theta`` = AUC). For direction
    ``">"`` pass the negated marker.
    """
    xc, xn = as_float_array(cases, "cases"), as_float_array(controls, "controls")
    if len(xc) == 0 or len(xn) == 0:
        raise ValueError("cases/controls: both must be non-empty")
    return _placements(np.concatenate((xc, xn)), np.arange(len(xc) + len(xn)) < len(xc))


def _z(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: must be in (0, 1), got {conf_level!r}")
    return float(ndtri(1 - (1 - conf_level) / 2))


def roc_auc(marker: Any, outcome: Any, direction: Direction = "auto", conf_level: float = 0.95) -> Estimate:
    """Area under the empirical ROC curve with DeLong's standard error and Wald CI.

    AUC = P(case > control) + P(case = control)/2 (ties count 1/2) for direction ``"<"``;
    Var = var(V01)/n + var(V10)/m with sample variances of the DeLong placements
    (:func:`delong_placements`); CI = AUC -/+ z_{1-a/2} SE, truncated to [0, 1].
    As ``pROC::auc`` + ``pROC::ci.auc(method = "delong")`` + ``pROC::var`` (pROC 1.18): a
    perfect separation gives SE 0 and CI [1, 1]. With fewer than 2 cases or 2 controls the
    variance is undefined and ``lower``/``upper``/``se`` are NaN (pROC returns NA).
    ``direction``: ``"<"``, ``">"`` or ``"auto"`` (:func:`roc_direction`).
    Reference: DeLong ER, DeLong DM, Clarke-Pearson DL (1988) Biometrics 44:837–845.
    """
    x, case = _validated(marker, outcome)
    z = _z(conf_level)
    theta, v10, v01 = _placements(x, case, _resolved(x, case, direction))
    m, n = len(v10), len(v01)
    if m < 2 or n < 2:
        return Estimate(theta, reason="DeLong variance needs at least 2 cases and 2 controls")
    se = math.sqrt(np.var(v01, ddof=1) / n + np.var(v10, ddof=1) / m)
    return Estimate(theta, max(theta - z * se, 0.0), min(theta + z * se, 1.0), se)


def _midpoints(u: np.ndarray, direction: str) -> np.ndarray:
    """pROC's thresholds (``pROC:::roc.utils.thresholds``) for sorted distinct values ``u``.

    -Inf, the midpoints (u_{j-1} + u_j)/2, +Inf; for |midpoint| > 1e100 the halves are added
    (u_{j-1}/2 + u_j/2) to avoid overflow. A midpoint that rounds onto one of its neighbours
    (adjacent floating-point values) is moved onto the neighbour on the positive side:
    u_j for ``"<"``, u_{j-1} for ``">"``.
    """
    lo = np.concatenate(([-np.inf], u))
    hi = np.concatenate((u, [np.inf]))
    with np.errstate(over="ignore", invalid="ignore"):
        t = (lo + hi) / 2
    t = np.where(np.abs(t) > 1e100, lo / 2 + hi / 2, t)
    inner = np.arange(1, len(u))
    if direction == "<":
        fix = inner[t[inner] == lo[inner]]
        t[fix] = hi[fix]
    else:
        fix = inner[t[inner] == hi[inner]]
        t[fix] = lo[fix]
    return t


def roc_curve(marker: Any, outcome: Any, direction: Direction = "auto") -> pd.DataFrame:
    """Empirical ROC curve: one row per pROC threshold, ordered by increasing specificity.

    Thresholds are -Inf, the midpoints between consecutive distinct marker values, and +Inf
    (:func:`_midpoints`). For ``"<"`` a subject is positive when marker > threshold and rows run
    by increasing threshold; for ``">"`` positive when marker < threshold and rows run by
    decreasing threshold — exactly ``pROC::roc(...)$thresholds``, ``$sensitivities``,
    ``$specificities`` (pROC 1.18). Sensitivity = TP / cases, specificity = TN / controls.
    """
    x, case = _validated(marker, outcome)
    direction = _resolved(x, case, direction)
    u, _, cases_at, controls_at = _level_counts(x, case)
    m, n = cases_at.sum(), controls_at.sum()
    cum_cases = np.concatenate(([0.0], np.cumsum(cases_at)))
    cum_controls = np.concatenate(([0.0], np.cumsum(controls_at)))
    t = _midpoints(u, direction)
    if direction == "<":   # positives: the values above threshold j, u[j:]
        se, sp = (m - cum_cases) / m, cum_controls / n
    else:                  # positives: the values below threshold j, u[:j]; reverse to pROC's order
        se, sp = cum_cases[::-1] / m, (n - cum_controls[::-1]) / n
        t = t[::-1]
    return pd.DataFrame({"threshold": t, "sensitivity": se, "specificity": sp})


def youden_cutpoint(marker: Any, outcome: Any, direction: CutDirection = ">=",
                    tol_metric: float = 1e-6) -> YoudenCutpoint:
    """Cut-point maximising Youden's J = sensitivity + specificity - 1 (Youden 1950, Cancer 3:32).

    Reproduces ``cutpointr::cutpointr(method = maximize_metric, metric = youden,
    pos_class = 1, neg_class = 0, direction = direction)`` with its defaults
    (cutpointr 1.1.2: ``break_ties = median``, ``tol_metric = 1e-6``, ``use_midpoints = FALSE``):

    1. candidates are the distinct observed values plus +Inf (``">="``) or -Inf (``"<="``, the
       cut that classifies nobody positive); ``">="`` classifies marker >= cut as positive;
    2. every candidate with J within ``tol_metric`` of the maximum is optimal;
    3. ties are broken by the R ``median`` of the optimal candidates — with an even number of
       them this is the mean of the two middle ones, which need not be an observed value;
    4. J, sensitivity and specificity are reported at the candidate cutpointr evaluates for that
       cut: for ``">="`` the smallest candidate >= cut, for ``"<="`` the largest candidate <= cut.
       After a median tie-break this candidate may itself be non-optimal (cutpointr's behaviour,
       kept for agreement).
    """
    if direction not in (">=", "<="):
        raise ValueError(f"direction: must be '>=' or '<=', got {direction!r}")
    x, case = _validated(marker, outcome)
    u, _, cases_at, controls_at = _level_counts(x, case)
    m, n = cases_at.sum(), controls_at.sum()
    if direction == ">=":   # candidates by decreasing value, preceded by +Inf
        cand = np.concatenate(([np.inf], u[::-1]))
        tp = np.concatenate(([0.0], np.cumsum(cases_at[::-1])))
        fp = np.concatenate(([0.0], np.cumsum(controls_at[::-1])))
    else:                   # by increasing value, preceded by -Inf
        cand = np.concatenate(([-np.inf], u))
        tp = np.concatenate(([0.0], np.cumsum(cases_at)))
        fp = np.concatenate(([0.0], np.cumsum(controls_at)))
    sens, spec = tp / m, (n - fp) / n
    j = (sens + spec) - 1
    best = j.max()
    cut = _r_median(cand[(j >= best - tol_metric) & (j <= best + tol_metric)])
    at = np.flatnonzero(cand >= cut if direction == ">=" else cand <= cut)[-1]
    return YoudenCutpoint(cut, float(j[at]), float(sens[at]), float(spec[at]), direction)


def roc_test_delong(marker1: Any, marker2: Any, outcome: Any, direction: Direction = "auto",
                    conf_level: float = 0.95) -> DeLongTest:
    """DeLong's test for two correlated (paired) ROC curves.

    With placements V10, V01 of each marker (:func:`delong_placements`),
    S = S10/m + S01/n with S10, S01 the 2x2 sample covariance matrices of the placements;
    Var(AUC1 - AUC2) = S11 + S22 - 2 S12; z = (AUC1 - AUC2) / SE, p = 2 Phi(-|z|);
    CI = difference -/+ z_{1-a/2} SE (not truncated). If difference and SE are both 0, z = 0.
    ``direction`` is resolved for each marker separately (``"auto"`` may give different ones,
    on which pROC warns). As ``pROC::roc.test(roc1, roc2, method = "delong", paired = TRUE)``
    (pROC 1.18). Reference: DeLong, DeLong & Clarke-Pearson (1988) Biometrics 44:837–845.
    """
    x1, case = _validated(marker1, outcome, "marker1")
    x2, _ = _validated(marker2, outcome, "marker2")
    z_crit = _z(conf_level)
    d1, d2 = _resolved(x1, case, direction), _resolved(x2, case, direction)
    a1, v10_1, v01_1 = _placements(x1, case, d1)
    a2, v10_2, v01_2 = _placements(x2, case, d2)
    m, n = len(v10_1), len(v01_1)
    diff = a1 - a2
    if m < 2 or n < 2:
        nan = math.nan
        return DeLongTest(a1, a2, diff, nan, nan, nan, nan, nan, d1, d2)
    s = np.cov(np.vstack((v10_1, v10_2))) / m + np.cov(np.vstack((v01_1, v01_2))) / n
    se = math.sqrt(max(s[0, 0] + s[1, 1] - 2 * s[0, 1], 0.0))
    if se == 0:
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
    else:
        z = diff / se
    p = float(2 * ndtr(-abs(z)))
    return DeLongTest(a1, a2, diff, diff - z_crit * se, diff + z_crit * se, se, z, p, d1, d2)
