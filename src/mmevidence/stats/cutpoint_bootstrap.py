"""Optimism-corrected data-driven cut-points (Harrell, Lee & Mark 1996, Stat Med 15:361; Steyerberg 2019, ch. 5).

A cut-point chosen to maximise a statistic overstates it. The bootstrap repeats the *whole*
selection in each resample b (drawn with replacement, n of n):

    apparent_b = statistic of the cut selected in sample b, evaluated in sample b,
    test_b     = statistic of that same cut evaluated in the original data,
    optimism   = mean_b (apparent_b - test_b),  corrected = apparent - optimism

(Harrell's optimism correction; Efron 1983). The log hazard ratio is corrected on the log
scale and in magnitude: a maximally selected statistic is selected for its size in either
direction, so the inflation of resample b is away from 0 in the direction b chose,
optimism_b = sign(apparent_b) (apparent_b - test_b), and corrected = apparent -
sign(apparent) optimism (shrinks towards HR = 1). The other statistics are non-negative
measures of separation and are corrected as they are. The cut-point's percentile interval is the R ``quantile`` (type 7) of the bootstrap
cut-points at (1 -/+ conf_level)/2. Selection: ``"maxstat"`` (maximally selected log-rank,
:func:`mmevidence.stats.cutpoints.maxstat_cutpoint`) on (time, event) or ``"youden"``
(:func:`mmevidence.stats.roc.youden_cutpoint`) on a binary outcome. Resamples are drawn by
``numpy.random.default_rng(seed)`` (reproducible) or given explicitly as ``indices``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats.cox import cox_ph
from mmevidence.stats.cutpoints import maxstat_cutpoint
from mmevidence.stats.logrank import logrank_test
from mmevidence.stats.roc import youden_cutpoint

Method = Literal["maxstat", "youden"]
Side = Literal["<=", ">="]


@dataclass(frozen=True)
class BootstrapCutpoint:
    """Result of :func:`cutpoint_bootstrap`.

    ``cutpoint`` (apparent, on the original data) with percentile limits ``cut_lower``,
    ``cut_upper``; ``statistics``: one row per statistic with ``statistic, apparent,
    optimism, corrected, n_valid`` (replicates where both apparent_b and test_b exist);
    ``replicates``: per resample ``cut`` and ``<stat>_apparent`` / ``<stat>_test``.
    ``group`` states which side of the cut is the index group.
    """

    method: str
    side: str
    group: str
    cutpoint: float
    cut_lower: float
    cut_upper: float
    statistics: pd.DataFrame
    replicates: pd.DataFrame
    n_boot: int
    seed: int | None
    conf_level: float

    def corrected(self, statistic: str) -> float:
        """The optimism-corrected value of ``statistic`` (e.g. "log_hr")."""
        return float(self.statistics.set_index("statistic").loc[statistic, "corrected"])


def index_group(marker: np.ndarray, cut: float, method: str, side: str) -> np.ndarray:
    """The index group: ``marker <= cut`` (side "<=", both methods); for side ">=" ``marker > cut``
    with maxstat (its groups are <= cut / > cut) and ``marker >= cut`` with Youden (cutpointr)."""
    if side == "<=":
        return marker <= cut
    return marker > cut if method == "maxstat" else marker >= cut


def _select(method: str, side: str, t: np.ndarray | None, e: np.ndarray | None, y: np.ndarray | None,
            x: np.ndarray, minprop: float, maxprop: float) -> float:
    if method == "maxstat":
        return maxstat_cutpoint(t, e, x, minprop=minprop, maxprop=maxprop).cutpoint
    return youden_cutpoint(x, y, direction=side).cutpoint


def _statistics(g: np.ndarray, t: np.ndarray | None, e: np.ndarray | None, y: np.ndarray | None) -> dict[str, float]:
    """log_hr (Cox, Efron, index group vs rest), logrank_chisq (``survdiff``), youden_j and
    auc = (sensitivity + specificity)/2 of the dichotomised marker; NaN where not estimable --
    including a log HR that R's ``coxph`` flags "coefficient may be infinite" or "Ran out of
    iterations and did not converge" (no events in one group: monotone likelihood, a log HR of
    about +-20), whose huge value would otherwise dominate the mean optimism."""
    out: dict[str, float] = {}
    both = 0 < g.sum() < len(g)
    if t is not None:
        lhr = lr = math.nan
        if both and e.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    fit = cox_ph(pd.DataFrame({"t": t, "e": e, "g": g.astype(float)}), "t", "e", ["g"])
                    if fit.converged and not fit.possibly_infinite:   # monotone likelihood: not estimable
                        lhr = float(fit.summary["coef"].iloc[0])
                except ValueError:
                    pass
            lr = float(logrank_test(t, e, g.astype(int)).statistic)
        out["log_hr"], out["logrank_chisq"] = lhr, lr
    if y is not None:
        j = math.nan
        if 0 < y.sum() < len(y):
            j = float(g[y == 1].mean() + (1 - g[y == 0].mean()) - 1)
        out["youden_j"], out["auc"] = j, (1 + j) / 2
    return out


def cutpoint_bootstrap(marker: Any, time: Any = None, event: Any = None, outcome: Any = None,
                       method: Method = "maxstat", side: Side = "<=", n_boot: int = 200,
                       seed: int | None = 20240101, indices: Any = None, conf_level: float = 0.95,
                       minprop: float = 0.1, maxprop: float = 0.9) -> BootstrapCutpoint:
    """Bootstrap the whole cut-point selection: optimism-corrected statistics and a percentile CI of the cut.

    ``method="maxstat"`` needs ``time``/``event`` (cut as R ``maxstat.test(..., smethod =
    "LogRank", minprop, maxprop)$estimate``); ``"youden"`` needs a 0/1 ``outcome`` (cut as
    ``cutpointr(method = maximize_metric, metric = youden, direction = side)``). Statistics
    computed for the index group (:func:`index_group`) are those the data allow: with
    time/event the Cox log HR (Efron; R ``coxph``) and the log-rank chi-square (R ``survdiff``);
    with an outcome Youden's J and the dichotomised AUC (1 + J)/2. ``indices``: an (n_boot, n)
    array of 0-based row numbers overriding the random resamples. A resample in which the
    selection fails (e.g. too few distinct values) or a statistic is not estimable (a log HR
    from a fit R would flag as possibly infinite or not converged, e.g. a group without events) is left out of that
    statistic's optimism (``n_valid`` counts the rest; in small samples check it: the resamples
    left out are among the most optimistic ones, so the optimism may then be underestimated). Formulas in the module docstring.
    """
    if method not in ("maxstat", "youden"):
        raise ValueError(f"method: expected 'maxstat' or 'youden', got {method!r}")
    if side not in ("<=", ">="):
        raise ValueError(f"side: expected '<=' or '>=', got {side!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: must be in (0, 1), got {conf_level!r}")
    x = as_float_array(marker, "marker")
    t = None if time is None else as_float_array(time, "time", nonnegative=True)
    e = None if event is None else as_event_array(event, "event")
    y = None if outcome is None else as_event_array(outcome, "outcome")
    n = check_same_length(marker=x, time=t, event=e, outcome=y)
    if method == "maxstat" and (t is None or e is None):
        raise ValueError("time, event: required for method 'maxstat'")
    if method == "youden" and y is None:
        raise ValueError("outcome: required for method 'youden'")
    if indices is None:
        if int(n_boot) != n_boot or n_boot < 1:
            raise ValueError(f"n_boot: expected a positive integer, got {n_boot!r}")
        idx = np.random.default_rng(seed).integers(0, n, size=(int(n_boot), n))
    else:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != n or idx.min() < 0 or idx.max() >= n:
            raise ValueError(f"indices: expected an (n_boot, {n}) array of row numbers in [0, {n})")
        seed = None

    def sub(a: np.ndarray | None, i: np.ndarray) -> np.ndarray | None:
        return None if a is None else a[i]

    cut = _select(method, side, t, e, y, x, minprop, maxprop)
    apparent = _statistics(index_group(x, cut, method, side), t, e, y)
    rows = []
    for i in idx:
        xb = x[i]
        try:
            cb = _select(method, side, sub(t, i), sub(e, i), sub(y, i), xb, minprop, maxprop)
        except ValueError:
            rows.append({"cut": math.nan})
            continue
        app = _statistics(index_group(xb, cb, method, side), sub(t, i), sub(e, i), sub(y, i))
        test = _statistics(index_group(x, cb, method, side), t, e, y)
        rows.append({"cut": cb, **{f"{k}_apparent": v for k, v in app.items()},
                     **{f"{k}_test": v for k, v in test.items()}})
    reps = pd.DataFrame(rows, columns=["cut"] + [f"{k}_{w}" for k in apparent for w in ("apparent", "test")])
    stats_rows = []
    for k, value in apparent.items():
        app_b = reps[f"{k}_apparent"].to_numpy(dtype=float)
        diff = app_b - reps[f"{k}_test"].to_numpy(dtype=float)
        signed = k == "log_hr"
        if signed:
            diff = np.sign(app_b) * diff
        diff = diff[np.isfinite(diff)]
        opt = float(diff.mean()) if len(diff) else math.nan
        corrected = value - (math.copysign(1.0, value) * opt if signed else opt)
        stats_rows.append((k, value, opt, corrected, len(diff)))
    cuts = reps["cut"].to_numpy(dtype=float)
    cuts = cuts[np.isfinite(cuts)]
    a = (1 - conf_level) / 2
    lo, hi = (np.quantile(cuts, [a, 1 - a]) if len(cuts) else (math.nan, math.nan))
    group = f"marker {'<=' if side == '<=' else ('>' if method == 'maxstat' else '>=')} cut-point"
    return BootstrapCutpoint(method, side, group, float(cut), float(lo), float(hi),
                             pd.DataFrame(stats_rows, columns=["statistic", "apparent", "optimism", "corrected",
                                                               "n_valid"]),
                             reps, len(idx), seed, conf_level)
