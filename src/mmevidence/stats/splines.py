"""Restricted cubic splines (Stone & Koo 1985; Harrell 2015, *Regression Modeling Strategies*, 2.4.5).

The basis is exactly ``Hmisc::rcspline.eval(x, knots, inclx = TRUE)`` (norm = 2), i.e. the
columns ``rms::rcs(x, k)`` puts into a model: x itself and, for j = 1..k-2,

    ((x - t_j)_+^3 - (x - t_{k-1})_+^3 (t_k - t_j)/(t_k - t_{k-1})
                   + (x - t_k)_+^3 (t_{k-1} - t_j)/(t_k - t_{k-1})) / (t_k - t_1)^2,

linear beyond the outer knots. Knots default to Harrell's quantiles (``rcs_knots``).
:func:`rcs_cox` fits the spline in a Cox model (:func:`mmevidence.stats.cox.cox_ph`) and gives
the log hazard ratio curve against a reference value with pointwise Wald limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from mmevidence.stats._checks import as_float_array
from mmevidence.stats.cox import CoxResult, cox_ph
from mmevidence.stats.estimate import ChiSquareTest, chisq_test

#: Hmisc's default quantile positions come from ``seq(outer, 1 - outer, length = k)``.
FRACTIED = 0.05


def _quantile7(sorted_x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R ``quantile(type = 7)``: linear interpolation at h = (n - 1) p."""
    return np.quantile(sorted_x, p, method="linear")


def _outer(nk: int) -> float:
    if nk > 6:
        return 0.025
    return 0.05 if nk > 3 else 0.1


def rcs_knots(x: Any, nk: int = 5, fractied: float = FRACTIED) -> np.ndarray:
    """Harrell's default knot locations, as ``Hmisc::rcspline.eval(x, nk = nk, knots.only = TRUE)`` (Hmisc 4.8).

    Quantiles (R type 7) at ``seq(outer, 1 - outer, length = nk)`` with outer = 0.1 for 3 knots,
    0.05 for 4-6, 0.025 for 7+ (for 4 knots: 0.05, 0.35, 0.65, 0.95). With fewer than 100
    values the outer knots become the 5th smallest and 5th largest value. When a lowest
    (highest) value holds >= ``fractied`` of the data and no interior value does, the first
    (last) knot is the next distinct value and the remaining knots are placed among the values
    strictly inside it. With ``nk + 2`` or fewer distinct values the knots are the interior
    distinct values (Hmisc warns). Missing values must be removed first.
    """
    xx = np.sort(as_float_array(x, "x"))
    n = len(xx)
    if n < 6:
        raise ValueError("x: knots not specified and < 6 observations (Hmisc rcspline.eval)")
    if int(nk) != nk or nk < 3:
        raise ValueError(f"nk: must be an integer >= 3, got {nk!r}")
    xu, counts = np.unique(xx, return_counts=True)
    if len(xu) - 2 <= nk:
        knots = xu[1:-1]
    else:
        outer = _outer(nk)
        nke = nk
        first: list[float] = []
        last: list[float] = []
        override_first = override_last = False
        if 0 < fractied < 1:
            f = counts / n
            if f[1:-1].max() < fractied:
                if f[0] >= fractied:
                    first = [float(xx[xx > xx.min()].min())]
                    xx = xx[xx > first[0]]
                    nke -= 1
                    override_first = True
                if f[-1] >= fractied:
                    last = [float(xx[xx < xx.max()].max())]
                    xx = xx[xx < last[0]]
                    nke -= 1
                    override_last = True
        if nke == 1:
            knots = np.array([float(np.median(xx))])
        elif len(xu) <= nke:
            knots = xu.astype(float)
        else:
            p = np.linspace(0.5, 1 - outer, nke) if nke == 2 else np.linspace(outer, 1 - outer, nke)
            knots = _quantile7(xx, p)
            if len(np.unique(knots)) < min(nke, 3):
                knots = _quantile7(xx, np.linspace(outer, 1 - outer, 2 * nke))
                if first and len(np.unique(knots)) < 3:
                    mid = (first[0] + last[0]) / 2 if last else float(np.median(xx))
                    knots = np.sort(np.r_[first, mid, last if last else _quantile7(xx, np.array([1 - outer]))])
            if len(xx) < 100:
                if not override_first:
                    knots[0] = xx[4]
                if not override_last:
                    knots[nke - 1] = xx[len(xx) - 5]
        knots = np.r_[first, knots, last]
    knots = np.unique(knots)
    if len(knots) < 3:
        raise ValueError("x: fewer than 3 unique knots (Hmisc rcspline.eval stops here)")
    return knots


def rcs_basis(x: Any, knots: Sequence[float], inclx: bool = True) -> np.ndarray:
    """Restricted cubic spline design columns, as ``Hmisc::rcspline.eval(x, knots, inclx)`` (norm = 2).

    Column j (j = 1..k-2) is the formula of the module docstring, scaled by
    kd = (t_k - t_1)^(2/3) inside the cubes, i.e. ((x - t_j)/kd)_+^3 - ...; with ``inclx`` x is
    prepended (the k - 1 columns of ``rms::rcs``). Knots are sorted and made unique as Hmisc does.
    """
    xv = as_float_array(x, "x")
    t = np.unique(as_float_array(knots, "knots"))
    k = len(t)
    if k < 3:
        raise ValueError("knots: need at least 3 distinct knots")
    kd = (t[-1] - t[0]) ** (2.0 / 3.0)

    def cube(a: np.ndarray) -> np.ndarray:
        return np.maximum(a / kd, 0.0) ** 3

    cols = [cube(xv - t[j]) + ((t[-2] - t[j]) * cube(xv - t[-1]) - (t[-1] - t[j]) * cube(xv - t[-2]))
            / (t[-1] - t[-2]) for j in range(k - 2)]
    basis = np.column_stack(cols)
    return np.column_stack((xv, basis)) if inclx else basis


def rcs_names(name: str, n_knots: int) -> list[str]:
    """Column names as ``rms::rcs``: ``x``, ``x'``, ``x''``, ... (k - 1 names)."""
    return [name] + [name + "'" * j for j in range(1, n_knots - 1)]


@dataclass(frozen=True)
class SplineCox:
    """A Cox model with a restricted cubic spline in one marker.

    ``knots``; ``fit`` the :class:`CoxResult` (spline terms named by :func:`rcs_names`);
    ``curve``: one row per grid value with ``x, log_hr, se, lower, upper, hr, hr_lower,
    hr_upper`` relative to ``reference``; ``nonlinear`` the Wald test that the nonlinear
    spline coefficients are 0 (df = k - 2), ``overall`` the Wald test of all spline
    coefficients (df = k - 1), as ``anova(rms::cph(...))``.
    """

    knots: np.ndarray
    reference: float
    fit: CoxResult
    curve: pd.DataFrame
    nonlinear: ChiSquareTest
    overall: ChiSquareTest


def _wald(coef: np.ndarray, var: np.ndarray) -> float:
    return float(coef @ np.linalg.solve(var, coef))


def log_hr_curve(coef: Sequence[float], var: np.ndarray, knots: Sequence[float], grid: Any, reference: float,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """log HR(x vs reference) = (B(x) - B(ref))' b with SE sqrt(d' V d), d = B(x) - B(ref).

    ``b``/``V`` are the spline coefficients and their covariance (in :func:`rcs_basis` column
    order), B the basis with x included. Pointwise limits log HR -/+ z se, exponentiated for the
    HR; as ``rms::Predict(fit, x, ref.zero = TRUE)`` with the reference at ``reference``.
    """
    b = as_float_array(coef, "coef")
    v = np.asarray(var, dtype=float)
    g = as_float_array(grid, "grid")
    d = rcs_basis(g, knots) - rcs_basis(np.array([float(reference)]), knots)
    if d.shape[1] != len(b) or v.shape != (len(b), len(b)):
        raise ValueError("coef/var: sizes do not match the number of spline columns (k - 1)")
    z = float(ndtri(1 - (1 - conf_level) / 2))
    lhr = d @ b
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, v, d), 0.0))
    return pd.DataFrame({"x": g, "log_hr": lhr, "se": se, "lower": lhr - z * se, "upper": lhr + z * se,
                         "hr": np.exp(lhr), "hr_lower": np.exp(lhr - z * se), "hr_upper": np.exp(lhr + z * se)})


def rcs_cox(data: pd.DataFrame, time: str, event: str, marker: str, nk: int = 4,
            knots: Sequence[float] | None = None, adjust: Sequence[str] = (), grid: Any = None,
            reference: float | None = None, conf_level: float = 0.95, ties: str = "efron") -> SplineCox:
    """Cox model with ``rms::rcs(marker, nk)`` (plus ``adjust`` covariates) and its log-HR curve.

    Equivalent to R ``coxph(Surv(time, event) ~ rcs(marker, nk) + adjust)`` (rms 6.5 knots by
    :func:`rcs_knots` on the marker values of ``data``), fitted by :func:`cox_ph`. ``reference``
    defaults to the R ``median`` of the marker (the rms ``datadist`` adjust-to value); ``grid``
    to 100 equally spaced values between the outer knots. Tests: Wald chi-square of the
    nonlinear terms and of all spline terms (``anova.rms``). Missing values are refused.
    """
    x = as_float_array(data[marker].to_numpy(), f"marker column {marker!r}") if marker in data.columns else None
    if x is None:
        raise ValueError(f"marker: column {marker!r} not found in data")
    t = rcs_knots(x, nk) if knots is None else np.unique(as_float_array(knots, "knots"))
    names = rcs_names(marker, len(t))
    basis = pd.DataFrame(rcs_basis(x, t), columns=names, index=data.index)
    frame = pd.concat([data[[time, event, *adjust]], basis], axis=1)
    fit = cox_ph(frame, time, event, names + list(adjust), ties=ties, conf_level=conf_level)
    coef = fit.summary.set_index("term").loc[names, "coef"].to_numpy()
    var = fit.var.loc[names, names].to_numpy()
    ref = float(np.median(x)) if reference is None else float(reference)
    g = np.linspace(t[0], t[-1], 100) if grid is None else grid
    curve = log_hr_curve(coef, var, t, g, ref, conf_level)
    nonlinear = chisq_test(_wald(coef[1:], var[1:, 1:]), len(names) - 1)
    overall = chisq_test(_wald(coef, var), len(names))
    return SplineCox(t, ref, fit, curve, nonlinear, overall)
