"""Cox proportional-hazards regression, agreeing with R ``survival::coxph`` (3.5-3).

Model (Cox 1972): hazard h(t | x) = h0_s(t) exp(beta' x), with a separate
baseline h0_s for each stratum s. beta maximises the log partial likelihood

    l(beta) = sum_events w_i beta'x_i - sum_event times c log(risk-set sum),

with tied event times handled by Efron (1977; R ``coxph`` default) or Breslow
(1974; SAS PHREG default ``TIES=BRESLOW``), see
:func:`mmevidence.stats._cox_fit.derivatives` for the exact terms. Fitting,
tests and degenerate-case warnings follow R ``coxph``/``coxph.fit``/``coxfit6.c``
(Therneau & Grambsch 2000, *Modeling Survival Data*, ch. 3).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import norm

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats._design import model_matrix, refuse_missing, stratum_codes
from mmevidence.stats._cox_fit import (
    EPS,
    ITER_MAX,
    TOLER_INF,
    NewtonResult,
    RiskSets,
    build_risk_sets,
    derivatives,
    ldl,
    ldl_inverse,
    ldl_solve,
    newton_raphson,
    score_residuals,
)
from mmevidence.stats.estimate import ChiSquareTest, Estimate, chisq_test


class FitState(NamedTuple):
    """What post-fit diagnostics (:func:`mmevidence.stats.ph_test.ph_test`) need from a fit.

    ``risk_sets`` and ``time`` are sorted by (stratum, time, deaths first);
    ``beta`` is on the internal (centred, scaled) scale of ``risk_sets``;
    ``assign`` maps each covariate (R's model term) to its design columns, as
    R ``fit$assign``.
    """

    risk_sets: RiskSets
    time: np.ndarray
    beta: np.ndarray
    assign: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model.

    ``summary``: one row per term with ``term, coef, se, hr, hr_lower, hr_upper,
    z, p`` (``se`` is the robust SE when ``robust=True``, and the naive SE is then
    added as ``se_naive``). ``loglik``: (null, fitted) log partial likelihood.
    ``tests``: ``likelihood_ratio``, ``wald``, ``score`` (and ``robust_score`` when
    robust) as :class:`ChiSquareTest`. ``var``: covariance of the coefficients
    (robust if requested; ``naive_var`` keeps the model-based one). ``warnings``
    repeats any warning issued during the fit; ``possibly_infinite`` names the
    terms R would flag "coefficient may be infinite". ``state`` keeps the sorted
    data the fit ran on (:class:`FitState`) for :func:`mmevidence.stats.ph_test.ph_test`.
    """

    summary: pd.DataFrame
    loglik: tuple[float, float]
    tests: dict[str, ChiSquareTest]
    n: int
    n_events: int
    iterations: int
    converged: bool
    var: pd.DataFrame
    naive_var: pd.DataFrame | None
    ties: str
    conf_level: float
    warnings: tuple[str, ...] = ()
    possibly_infinite: tuple[str, ...] = ()
    state: FitState | None = field(default=None, repr=False, compare=False)

    def hazard_ratio(self, term: str) -> Estimate:
        """The hazard ratio exp(coef) of ``term`` with its CI; ``se`` is the SE of the log hazard ratio."""
        row = self.summary.set_index("term").loc[term]
        reason = ""
        if not math.isfinite(row.coef):
            reason = "coefficient not estimable"
        elif term in self.possibly_infinite:
            reason = "coefficient may be infinite"
        return Estimate(float(row.hr), float(row.hr_lower), float(row.hr_upper), float(row.se), reason)


def _wald_quadratic(var: np.ndarray, b: np.ndarray) -> float:
    """b' var^- b with R's generalised Cholesky (``coxph.wtest``)."""
    low, dia = ldl(var)
    return float(b @ ldl_solve(low, dia, b))


def _column(data: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in data.columns:
        raise ValueError(f"{what}: column {name!r} not found in data")
    refuse_missing(data[name], f"{what} column")
    return data[name]


def _case_weights(data: pd.DataFrame, weights: str | Sequence[float] | np.ndarray | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    if isinstance(weights, str):
        w = as_float_array(_column(data, weights, "weights").to_numpy(), f"weights column {weights!r}")
    else:
        w = as_float_array(weights, "weights")
    return _positive(w)


def _positive(w: np.ndarray) -> np.ndarray:
    bad = w <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"weights: value {w[i].item()!r} at position {i} is not > 0 (R coxph: 'Invalid weights, must be >0')")
    return w


def _check_options(ties: str, max_iter: int) -> None:
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties: expected 'efron' or 'breslow', got {ties!r}")
    if int(max_iter) != max_iter or max_iter < 2:
        raise ValueError(f"max_iter: expected an integer >= 2, got {max_iter!r}")


class _Fit(NamedTuple):
    rs: RiskSets
    order: np.ndarray
    fit: NewtonResult
    coef: np.ndarray  # original scale, NaN where the information is singular at the estimate
    naive: np.ndarray  # model-based variance, original scale
    messages: list[str]
    infinite: tuple[str, ...]


def _fit(t: np.ndarray, d: np.ndarray, w: np.ndarray, x: np.ndarray, stratum: np.ndarray, ties: str,
         max_iter: int, names: list[str], what: str) -> _Fit:
    """Sort, Newton–Raphson from 0, refuse a design singular at 0 (``what`` names the argument), and issue
    R ``coxph.fit``'s degeneracy warnings: the fit shared by :func:`cox_ph` and :func:`weighted_log_hazard_ratio`."""
    rs, order = build_risk_sets(t, d, w, x, stratum, efron=ties == "efron")
    fit = newton_raphson(rs, int(max_iter))
    if np.any(fit.singular0):
        bad = [names[i] for i in np.flatnonzero(fit.singular0)]
        raise ValueError(f"{what}: information matrix is singular at beta = 0; {bad} are constant "
                         "within strata or collinear with other terms (R would report NA coefficients)")
    scale = rs.scale
    coef = fit.beta * scale
    naive = ldl_inverse(fit.low, fit.dia) * np.outer(scale, scale)
    messages, infinite = _degeneracy_warnings(fit, coef, naive, fit.der.score / scale, names)
    coef[fit.dia == 0] = np.nan
    return _Fit(rs, order, fit, coef, naive, messages, infinite)


def cox_ph(data: pd.DataFrame, time: str, event: str, covariates: Sequence[str],
           strata: str | Sequence[str] | None = None, ties: str = "efron", conf_level: float = 0.95,
           weights: str | Sequence[float] | np.ndarray | None = None, robust: bool | None = None,
           max_iter: int = ITER_MAX) -> CoxResult:
    """Fit a Cox proportional-hazards model by Newton–Raphson on the partial likelihood.

    Parameters
    ----------
    data : one row per subject; ``time`` (>= 0) and ``event`` (0/1) column names.
    covariates : column names. Numeric columns enter as they are; categorical
        ones (object/str/bool/pandas Categorical) as treatment contrasts against
        the first level (pandas category order, else sorted order), named like R
        ``"<col><level>"`` (``"sexM"``; ``"<col>TRUE"`` for a bool).
    strata : column name(s); each distinct combination gets its own baseline
        hazard, as R ``strata()``/SAS ``STRATA``.
    ties : ``"efron"`` (Efron 1977; R ``coxph`` default) or ``"breslow"``
        (Breslow 1974; SAS PHREG default ``TIES=BRESLOW``).
    weights : case weights (column name or array, > 0) as R ``coxph(weights=)``.
    robust : replace the variance by the Lin–Wei (1989) sandwich D'D, D the
        weighted dfbeta residuals (score residuals times the naive variance), as
        R ``coxph(robust = TRUE)`` without ``cluster``; Wald tests, SEs and CIs
        then use it and the robust score test is added. ``None`` (default)
        follows R 3.5: robust exactly when some weight is not an integer.
    max_iter : Newton–Raphson iterations (R ``coxph.control(iter.max = 20)``), >= 2.

    Algorithm and conventions (R ``coxph.control`` defaults): start at beta = 0;
    Newton–Raphson with R's step-halving; converged when the relative change in
    loglik is <= 1e-9; at most 20 iterations; covariates centred and scaled
    internally. Wald = b' V^-1 b; score = U(0)' I(0)^-1 U(0); likelihood ratio =
    2 (l(b) - l(0)); df = number of estimated coefficients. CI: exp(b -/+ z se),
    z the normal quantile; p = 2 (1 - Phi(|b/se|)).

    Degenerate cases: a coefficient drifting to infinity (monotone likelihood,
    e.g. all events in one group) gives R's warning "Loglik converged before
    variable ...; coefficient may be infinite" with R's huge estimate and its
    0/Inf confidence bounds; non-convergence warns "Ran out of iterations and did
    not converge". Unlike R, rows with a missing value are refused (ValueError
    naming column and row) instead of dropped by ``na.action``; collinear
    covariates (R would report NA coefficients) and data without events raise
    ``ValueError``. R's ``timefix`` merging of nearly equal times is not applied:
    times are compared exactly.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: expected a pandas DataFrame")
    _check_options(ties, max_iter)
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: expected a value in (0, 1), got {conf_level!r}")
    t = as_float_array(_column(data, time, "time").to_numpy(), f"time column {time!r}", nonnegative=True)
    d = as_event_array(_column(data, event, "event").to_numpy(), f"event column {event!r}")
    w = _case_weights(data, weights)
    if robust is None:
        robust = bool(np.any(w != np.floor(w)))
    check_same_length(time=t, event=d, weights=w)
    x, names, assign = _design(data, covariates)
    if not names:
        raise ValueError("covariates: at least one covariate is required")
    if not d.any():
        raise ValueError(f"event column {event!r}: no events, the Cox model is not estimable")
    rs, order, fit, coef, naive, messages, infinite = _fit(t, d, w, x, stratum_codes(data, strata), ties,
                                                          max_iter, names, "covariates")
    ok = fit.dia != 0
    df = int(ok.sum())

    var, robust_score = _robust(rs, fit, naive, w[order]) if robust else (naive, None)
    tests = {
        "likelihood_ratio": chisq_test(2.0 * (fit.loglik - fit.loglik0), df),
        "wald": chisq_test(_wald_quadratic(var[np.ix_(ok, ok)], coef[ok]), df),
        "score": chisq_test(fit.score_test, df),
    }
    if robust_score is not None:
        tests["robust_score"] = chisq_test(robust_score, df)
    se = np.where(ok, np.sqrt(np.diag(var)), np.nan)
    se_naive = np.where(ok, np.sqrt(np.diag(naive)), np.nan) if robust else None

    def frame(m: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(m, index=names, columns=names)

    return CoxResult(_summary_table(names, coef, se, se_naive, conf_level), (fit.loglik0, fit.loglik), tests,
                     len(t), int(d.sum()), fit.iterations, fit.converged, frame(var),
                     frame(naive) if robust else None, ties, conf_level, tuple(messages), infinite,
                     FitState(rs, t[order], fit.beta, assign))


def weighted_log_hazard_ratio(time: np.ndarray | Sequence[float], event: np.ndarray | Sequence[float],
                              x: np.ndarray | Sequence[float], weights: np.ndarray | Sequence[float] | None = None,
                              ties: str = "efron", strata: np.ndarray | Sequence[object] | None = None,
                              max_iter: int = ITER_MAX) -> float:
    """Cox log hazard ratio of one numeric covariate ``x`` (point estimate only), on arrays.

    The coefficient b maximising the weighted log partial likelihood (Cox 1972)
    ``l(b) = sum_deaths w_i b x_i - sum_event times c log(sum_risk set w_j exp(b x_j) - ...)``
    with tied event times by Breslow (1974) or Efron (1977), case weights as R
    ``coxph(Surv(time, event) ~ x, weights = w, ties = ties)`` (plus ``strata(s)``
    when ``strata`` is given); exactly the fit of :func:`cox_ph` (same sorted risk
    sets, Newton–Raphson from 0 with R's step halving, convergence at a relative
    loglik change <= 1e-9, 20 iterations, R's degeneracy warnings) without the
    variance, tests and DataFrame handling: a bootstrap needs only this.

    ``x``: e.g. a 0/1 treatment indicator (then exp(b) is the HR of 1 vs 0);
    ``weights`` > 0 (default 1); ``strata``: one label per row, a baseline hazard
    per label. Raises ``ValueError`` for invalid input (as :func:`cox_ph`), no
    events, or ``x`` constant within strata; returns NaN if the information is
    singular at the estimate (R: NA).
    """
    _check_options(ties, max_iter)
    t = as_float_array(time, "time", nonnegative=True)
    d = as_event_array(event, "event")
    xv = as_float_array(x, "x")
    w = np.ones(len(t)) if weights is None else _positive(as_float_array(weights, "weights"))
    if strata is None:
        codes = np.zeros(len(t), dtype=np.int64)
    else:
        codes = pd.factorize(np.asarray(strata), sort=True)[0].astype(np.int64)
        if (codes < 0).any():
            raise ValueError(f"strata: missing value at position {int(np.flatnonzero(codes < 0)[0])}")
    check_same_length(time=t, event=d, x=xv, weights=w, strata=codes)
    if not d.any():
        raise ValueError("event: no events, the Cox model is not estimable")
    return float(_fit(t, d, w, xv[:, None], codes, ties, max_iter, ["x"], "x").coef[0])


def _design(data: pd.DataFrame, covariates: str | Sequence[str]
            ) -> tuple[np.ndarray, list[str], tuple[tuple[str, tuple[int, ...]], ...]]:
    """Design matrix and names (:func:`model_matrix`) plus each covariate's columns (R ``assign``)."""
    cols = [covariates] if isinstance(covariates, str) else list(covariates)
    blocks = [model_matrix(data, [c]) for c in cols]
    names = [n for _, nm in blocks for n in nm]
    starts = np.cumsum([0] + [len(nm) for _, nm in blocks])
    assign = tuple((c, tuple(range(a, b))) for c, a, b in zip(cols, starts[:-1], starts[1:]) if b > a)
    x = np.hstack([m for m, _ in blocks]) if blocks else np.empty((len(data), 0))
    return x, names, assign


def _summary_table(names: list[str], coef: np.ndarray, se: np.ndarray, se_naive: np.ndarray | None,
                   conf_level: float) -> pd.DataFrame:
    """Per-term table as R ``summary(coxph)``: z = coef/se, p = 2 (1 - Phi(|z|)), CI exp(coef -/+ q se)."""
    q = float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        z = coef / se
        table = pd.DataFrame({
            "term": names, "coef": coef, "se": se, "hr": np.exp(coef),
            "hr_lower": np.exp(coef - q * se), "hr_upper": np.exp(coef + q * se),
            "z": z, "p": 2.0 * norm.sf(np.abs(z)),
        })
    if se_naive is not None:
        table.insert(3, "se_naive", se_naive)
    return table


def _degeneracy_warnings(fit: NewtonResult, coef: np.ndarray, var: np.ndarray, score: np.ndarray,
                         names: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Issue R ``coxph.fit``'s convergence / infinite-coefficient warnings.

    Returns the messages and the terms flagged as possibly infinite: after
    convergence, |U V| > eps and > sqrt(eps) |coef| (or U not finite), U and V
    the score and inverse information at the estimate (R ``toler.inf``).
    """
    messages: list[str] = []
    infinite: tuple[str, ...] = ()
    with np.errstate(invalid="ignore", over="ignore"):
        infs = np.abs(score @ var)
    if not fit.converged:
        messages.append("Ran out of iterations and did not converge")
        lp = fit.der.risk
        if np.max(np.log(lp)) > 500 or not np.all(np.isfinite(infs)):
            messages.append("one or more coefficients may be infinite")
    else:
        flag = ~np.isfinite(score) | ((infs > EPS) & (infs > TOLER_INF * np.abs(coef)))
        if flag.any():
            infinite = tuple(names[i] for i in np.flatnonzero(flag))
            which = ", ".join(infinite)
            messages.append(f"Loglik converged before variable {which}; coefficient may be infinite.")
    if np.any(fit.dia == 0):
        which = ", ".join(names[i] for i in np.flatnonzero(fit.dia == 0))
        messages.append(f"X matrix deemed to be singular; coefficient of {which} set to NaN")
    for m in messages:
        warnings.warn(m, RuntimeWarning, stacklevel=4)  # -> the caller of cox_ph
    return messages, infinite


def _robust(rs: RiskSets, fit: NewtonResult, naive: np.ndarray, w_sorted: np.ndarray) -> tuple[np.ndarray, float]:
    """Lin–Wei sandwich variance and robust score test (R ``coxph(robust = TRUE)``, no cluster).

    V_r = D'D with D = diag(w) U V (weighted dfbeta); robust score test
    u0' (U0w' U0w)^- u0 with U0w the weighted score residuals at beta = 0 and u0
    their column sums.
    """
    scale = rs.scale
    resid = score_residuals(rs, fit.der) / scale
    dfbeta = (resid * w_sorted[:, None]) @ naive
    robust_var = dfbeta.T @ dfbeta
    der0 = derivatives(rs, np.zeros(len(scale)))
    r0 = score_residuals(rs, der0) / scale * w_sorted[:, None]
    u0 = r0.sum(axis=0)
    return (robust_var + robust_var.T) / 2, _wald_quadratic(r0.T @ r0, u0)
