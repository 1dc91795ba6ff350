"""Time-dependent ROC: cumulative/dynamic AUC with inverse-probability-of-censoring weights.

At a horizon t, cases are the subjects with an event by t (T_i <= t, delta_i = 1) and
controls those still event-free after t (T_j > t); subjects censored by t are neither, and
the cases are re-weighted by 1 / G(T_i-) to stand for them, G the Kaplan–Meier estimate of
the censoring distribution (Uno et al. 2007, JASA 102:527; Blanche, Dartigues &
Jacqmin-Gadda 2013, Stat Med 32:5381, ``timeROC`` "cumulative" definition with
``weighting = "marginal"``):

    AUC(t) = sum_i sum_j w_i [1{X_i > X_j} + 1/2 1{X_i = X_j}] / (sum_i w_i * n_controls),

i over cases, j over controls, w_i = 1/G(T_i-); the controls' common weight 1/G(t) cancels.
A larger marker means higher risk (``direction=">"``, timeROC's convention); use
``direction="<"`` for a marker whose low values carry the risk (e.g. hemoglobin).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats.kaplan_meier import kaplan_meier


def censoring_survival_before(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """G(s-) at each s of ``at``: the reverse Kaplan–Meier (``survfit(Surv(time, 1 - event) ~ 1)``)
    just before s. At a time with both events and censorings the event subjects stay in the
    censoring risk set, as R ``survfit`` does with the reversed indicator."""
    km = kaplan_meier(time, 1.0 - event)
    return np.r_[1.0, km.survival][np.searchsorted(km.time, at, side="left")]


def _weighted_concordance(case_x: np.ndarray, w: np.ndarray, control_x: np.ndarray) -> float:
    """sum_i w_i [#(controls < x_i) + #(controls = x_i)/2] / (sum w * n_controls)."""
    c = np.sort(control_x)
    below = np.searchsorted(c, case_x, side="left")
    ties = np.searchsorted(c, case_x, side="right") - below
    return float(np.sum(w * (below + 0.5 * ties)) / (w.sum() * len(c)))


def time_dependent_auc(time: Any, event: Any, marker: Any, horizons: Sequence[float] | float,
                       direction: Literal[">", "<"] = ">") -> pd.DataFrame:
    """Cumulative/dynamic AUC(t) with marginal IPCW weights at each horizon (formula in the module docstring).

    Returns one row per horizon: ``horizon``, ``auc``, ``n_cases`` (events by t), ``n_controls``
    (T > t), ``n_censored`` (censored by t: neither case nor control, represented through the
    weights), ``weight_cases`` (sum of 1/G(T_i-)). Same point estimate as
    ``timeROC::timeROC(T, delta, marker, cause = 1, weighting = "marginal", times)$AUC``
    (cases T <= t with an event, controls T > t, ties in the marker count 1/2).
    AUC is NaN when a horizon has no case or no control. The IPCW standard error of
    Blanche et al. (``iid = TRUE``) is not provided.
    """
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    x = as_float_array(marker, "marker")
    check_same_length(time=t, event=e, marker=x)
    if direction not in (">", "<"):
        raise ValueError(f"direction: expected '>' or '<', got {direction!r}")
    if direction == "<":
        x = -x
    hz = as_float_array(np.atleast_1d(np.asarray(horizons, dtype=float)), "horizons", nonnegative=True)
    g_before = censoring_survival_before(t, e, t)
    rows = []
    for h in hz:
        case = (t <= h) & (e == 1)
        control = t > h
        n_cens = int(np.sum((t <= h) & (e == 0)))
        w = 1.0 / g_before[case]
        auc = _weighted_concordance(x[case], w, x[control]) if case.any() and control.any() else np.nan
        rows.append((float(h), auc, int(case.sum()), int(control.sum()), n_cens, float(w.sum())))
    return pd.DataFrame(rows, columns=["horizon", "auc", "n_cases", "n_controls", "n_censored", "weight_cases"])
