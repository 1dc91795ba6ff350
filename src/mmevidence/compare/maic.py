"""Matching-adjusted indirect comparison (MAIC): method-of-moments weights and weighted effects.

Weights (Signorovitch et al. 2010, Value Health 13:940; NICE DSU TSD 18, Phillippo et al.
2016, appendix D code): with the covariates of the index-trial patients centred on the
published aggregate targets, ``X = x - target`` (and ``x^2 - (sd^2 + mean^2)`` for each
published SD to match, TSD 18 section 3.3.1), the weights are ``w_i = exp(X_i b)`` with
``b`` minimising the convex ``Q(b) = sum_i exp(X_i b)``; at the minimum
``sum_i w_i X_i = 0``, i.e. the weighted means (and second moments) equal the targets.
Weights are reported rescaled to sum to ``n`` (TSD 18: "rescaled weights"), and the
effective sample size is ``ESS = (sum w)^2 / sum w^2``.

Weighted outcomes: Kaplan–Meier and Cox with case weights and the robust sandwich
variance (R ``survfit``/``coxph(weights=, robust=TRUE)`` through :mod:`mmevidence.stats`),
weighted proportions; bootstrap percentile intervals re-estimating the weights in each
resample (TSD 18 section 3.4), with a fast weighted Cox HR statistic working on the resample's
row indices (:func:`hazard_ratio_statistic`); anchored comparisons by the Bucher method on the common
comparator (Bucher et al. 1997, J Clin Epidemiol 50:683) and unanchored comparisons
against a comparator's (e.g. reconstructed, :func:`mmevidence.compare.reconstruct_ipd`)
patient-level data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from mmevidence.stats import cox_ph
from mmevidence.stats import weighted_log_hazard_ratio
from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats.estimate import Estimate

__all__ = ["BootstrapResult", "HazardRatioStatistic", "MaicFit", "anchored_comparison", "bootstrap_maic", "bucher",
           "hazard_ratio_statistic", "maic_weights", "unanchored_hazard_ratio", "weighted_hazard_ratio",
           "weighted_proportion"]

#: Newton iterations before the weights are declared not to exist.
MAX_ITER = 200


@dataclass(frozen=True)
class MaicFit:
    """MAIC weights: ``weights`` (aligned with the data rows, summing to n), ``ess``, ``balance``.

    ``balance``: one row per matched moment, columns ``covariate`` (the column
    name; ``"<column> (SD)"`` for a matched SD), ``target``, ``before``
    (unweighted), ``after`` (weighted). SDs are ``sqrt(E[x^2] - E[x]^2)`` under
    the (un)weighted distribution, the quantity TSD 18 matches.
    ``coefficients``: ``b`` on the centred terms ``terms``.
    """

    weights: np.ndarray
    ess: float
    balance: pd.DataFrame
    coefficients: np.ndarray = field(repr=False)
    terms: tuple[str, ...] = ()
    iterations: int = 0


def _covariate(data: pd.DataFrame, column: str) -> np.ndarray:
    if column not in data.columns:
        raise ValueError(f"targets: column {column!r} is not in the data (columns: {list(data.columns)})")
    series = data[column]
    if series.dtype == object:  # e.g. True/False/None read from a store: booleans as 0/1, missing as NaN
        series = series.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
    try:
        x = pd.to_numeric(series, errors="raise").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"data: column {column!r} is not numeric; code a category as a 0/1 column and give "
                         "its published proportion as the target") from None
    bad = ~np.isfinite(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"data: column {column!r} has a missing or non-finite value in row {i} "
                         f"(index {data.index[i]!r}); MAIC needs complete covariates")
    return x


def _design(data: pd.DataFrame, targets: Mapping[str, float], match_sd: Mapping[str, float] | None
            ) -> tuple[np.ndarray, list[tuple[str, str, float, np.ndarray]]]:
    """Centred moment columns ``X`` and, per column, (label, kind, target, raw values)."""
    match_sd = dict(match_sd or {})
    unknown = [c for c in match_sd if c not in targets]
    if unknown:
        raise ValueError(f"match_sd: {unknown} have no published mean in targets; an SD is matched with its mean")
    if not targets:
        raise ValueError("targets: at least one covariate target is required")
    moments = []
    for column, target in targets.items():
        x = _covariate(data, column)
        target = float(target)
        lo, hi = float(x.min()), float(x.max())
        if not lo < target < hi:
            raise ValueError(f"targets: {column!r} target {target:g} is outside the cohort's observed range "
                             f"[{lo:g}, {hi:g}] (or on its edge); no weights can reach it"
                             + (" (a proportion is given on the 0-1 scale)" if set(np.unique(x)) <= {0.0, 1.0}
                                else ""))
        moments.append((column, "mean", target, x))
        if column in match_sd:
            if set(np.unique(x)) <= {0.0, 1.0}:
                raise ValueError(f"match_sd: {column!r} is binary; its SD follows from the proportion")
            sd = float(match_sd[column])
            if not sd > 0:
                raise ValueError(f"match_sd: {column!r} SD {sd!r} is not > 0")
            largest = math.sqrt((target - lo) * (hi - target))  # Bhatia-Davis bound on the SD given the mean
            if not sd < largest:
                raise ValueError(f"match_sd: {column!r} SD {sd:g} with mean {target:g} is not below "
                                 f"{largest:.4g}, the largest SD any weighting of the cohort's range "
                                 f"[{lo:g}, {hi:g}] can give (sqrt((mean - min)(max - mean)))")
            second = sd ** 2 + target ** 2
            moments.append((f"{column} (SD)", "sd", second, x))
    cols = [(x ** 2 if kind == "sd" else x) - target for _, kind, target, x in moments]
    return np.column_stack(cols), moments


def _solve(x: np.ndarray, labels: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Minimise log sum exp(X b) (same minimiser as TSD 18's sum exp(X b)) by damped Newton.

    Columns are scaled to unit SD first (the weights do not depend on it). Returns
    ``(b, w, iterations)`` with ``w = exp(X b)`` normalised to sum 1.
    """
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    b = np.zeros(z.shape[1])

    def value(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ beta
        m = eta.max()
        e = np.exp(eta - m)
        s = e.sum()
        return m + math.log(s), e / s

    f, p = value(b)
    for it in range(1, MAX_ITER + 1):
        g = z.T @ p
        if np.max(np.abs(g)) < 1e-13:
            return b / scale, p, it - 1
        h = (z * p[:, None]).T @ z - np.outer(g, g)
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        if g @ step < 1e-20:  # Newton decrement: the remaining decrease of f is below rounding
            if np.max(np.abs(g)) < 1e-8:
                return b / scale, p, it - 1
            break  # a flat direction (collinear terms) with the gradient still off zero: no solution
        if g @ step < 1e-10:  # quadratic region: full Newton steps (f is flat to rounding, no line search)
            b = b - step
            f, p = value(b)
            continue
        t = 1.0
        while True:
            f_new, p_new = value(b - t * step)
            if f_new <= f - 1e-4 * t * (g @ step):
                break
            t /= 2
            if t < 1e-12:  # no further decrease in floating point: at the minimum if the gradient is tiny
                if np.max(np.abs(g)) < 1e-8:
                    return b / scale, p, it - 1
                t, f_new, p_new = 0.0, f, p
                break
        b, f, p = b - t * step, f_new, p_new
    worst = int(np.argmax(np.abs(z.T @ p)))
    raise ValueError(f"targets: no weights match all targets jointly (each is inside its range, but not their "
                     f"combination: the cohort has no patients with that mix); worst: {labels[worst]!r}")


def maic_weights(data: pd.DataFrame, targets: Mapping[str, float],
                 match_sd: Mapping[str, float] | None = None) -> MaicFit:
    """Method-of-moments MAIC weights so that weighted covariate means (and SDs) equal published ones.

    Parameters
    ----------
    data : index-trial patients, one row each; the target columns must be
        numeric and complete (binary covariates coded 0/1 or bool).
    targets : ``{column: published mean}``; for a binary covariate its
        published proportion on the 0-1 scale.
    match_sd : ``{column: published SD}`` for continuous covariates whose
        spread is matched too: the weighted ``E[x^2]`` is set to
        ``sd^2 + mean^2`` (TSD 18 section 3.3.1; the published SD is used as it
        is, the n/(n-1) difference between sample and population SD ignored as
        in TSD 18).

    Estimator (Signorovitch 2010; Phillippo et al. 2016, NICE DSU TSD 18, the
    appendix's ``optim(method = "BFGS")`` on ``sum(exp(X %*% a))``): ``X`` the
    covariates centred on the targets, ``b = argmin sum_i exp(X_i b)``,
    ``w_i = exp(X_i b)``, rescaled to sum to n. Minimised here by Newton's
    method with step halving on ``log sum exp(X b)`` (same minimiser, strictly
    convex when ``X`` has full column rank) until the Newton decrement
    ``g' H^-1 g`` is below 1e-20 (gradient on unit-scaled columns about 1e-13),
    so the weighted moments equal the targets to about 1e-12 relative, tighter
    than ``optim``'s default ``reltol = 1e-8``.

    Raises ``ValueError`` naming the covariate, the target and the cohort's
    observed range when a target lies on or outside that range (the weights
    would have to be infinite), and when no weights match the targets jointly.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: expected a pandas DataFrame")
    x, moments = _design(data, targets, match_sd)
    labels = [label for label, *_ in moments]
    b, p, iterations = _solve(x, labels)
    n = len(data)
    w = p * n
    ess = float(w.sum() ** 2 / (w ** 2).sum())
    rows = []
    for label, kind, target, raw in moments:
        if kind == "mean":
            rows.append((label, target, float(raw.mean()), float(p @ raw)))
        else:
            before = math.sqrt(max(float((raw ** 2).mean() - raw.mean() ** 2), 0.0))
            after = math.sqrt(max(float(p @ raw ** 2 - (p @ raw) ** 2), 0.0))
            rows.append((label, float(match_sd[label[: -len(" (SD)")]]), before, after))
    balance = pd.DataFrame(rows, columns=["covariate", "target", "before", "after"])
    return MaicFit(w, ess, balance, b, tuple(labels), iterations)


# ----------------------------------------------------------------------------- weighted effects

def weighted_proportion(x: np.ndarray | pd.Series, weights: np.ndarray, conf_level: float = 0.95) -> Estimate:
    """Weighted proportion ``p = sum w x / sum w`` with a sandwich (robust) SE and Wald interval.

    ``se = sqrt(sum w_i^2 (x_i - p)^2) / sum w`` (the robust SE of an intercept-only
    weighted mean, as R ``survey::svymean`` with weights and no design, and TSD 18's
    sandwich estimator for a weighted mean); Wald limits ``p -/+ z se`` clipped to [0, 1].
    For an interval that accounts for the estimation of the weights use :func:`bootstrap_maic`.
    """
    xv = as_event_array(np.asarray(x, dtype=float), "x")
    w = as_float_array(weights, "weights", nonnegative=True)
    check_same_length(x=xv, weights=w)
    p = float(w @ xv / w.sum())
    se = float(math.sqrt(np.sum(w ** 2 * (xv - p) ** 2)) / w.sum())
    z = norm.ppf(0.5 + conf_level / 2)
    return Estimate(p, max(p - z * se, 0.0), min(p + z * se, 1.0), se)


def weighted_hazard_ratio(data: pd.DataFrame, time: str, event: str, arm: str, experimental: object,
                          weights: np.ndarray | str | None = None, conf_level: float = 0.95) -> Estimate:
    """Cox hazard ratio of ``arm == experimental`` vs the rest with case weights and robust SE.

    R ``coxph(Surv(time, event) ~ I(arm == experimental), weights = w, robust = TRUE)``
    (Efron ties; Lin–Wei sandwich variance), via :func:`mmevidence.stats.cox_ph`.
    ``se`` is the SE of the log HR.
    """
    frame = pd.DataFrame({"time": data[time].to_numpy(), "event": data[event].to_numpy(),
                          "treated": (data[arm] == experimental).astype(float).to_numpy()})
    if frame["treated"].nunique() != 2:
        raise ValueError(f"arm: column {arm!r} must hold {experimental!r} and at least one other arm")
    w = data[weights].to_numpy(dtype=float) if isinstance(weights, str) else weights
    fit = cox_ph(frame, "time", "event", ["treated"], weights=w, robust=True, conf_level=conf_level)
    return fit.hazard_ratio("treated")


def unanchored_hazard_ratio(index_arm: pd.DataFrame, weights: np.ndarray, comparator: pd.DataFrame,
                            time: str = "time", event: str = "event", conf_level: float = 0.95) -> Estimate:
    """Unanchored MAIC hazard ratio: weighted index arm vs a comparator arm's (reconstructed) IPD.

    The index arm carries the MAIC weights, the comparator patients weight 1
    (TSD 18 section 3.5, unanchored; the comparator's IPD typically from
    :func:`mmevidence.compare.reconstruct_ipd`). Weighted Cox with robust SE as
    :func:`weighted_hazard_ratio`; HR < 1 favours the index arm.
    """
    data = pd.concat([index_arm[[time, event]].assign(_arm=1), comparator[[time, event]].assign(_arm=0)],
                     ignore_index=True)
    w = np.concatenate([np.asarray(weights, dtype=float), np.ones(len(comparator))])
    return weighted_hazard_ratio(data, time, event, "_arm", 1, w, conf_level)


def bucher(effect_ac: Estimate, effect_bc: Estimate, conf_level: float = 0.95, log_scale: bool = True) -> Estimate:
    """Anchored indirect comparison of A vs B through the common comparator C (Bucher et al. 1997).

    On the log scale for ratios (``log_scale=True``): ``log r_AB = log r_AC - log r_BC``,
    ``se_AB = sqrt(se_AC^2 + se_BC^2)`` with ``se`` the SEs of the log ratios
    (``Estimate.se``; when NaN it is recovered from the CI as
    ``(log upper - log lower) / (2 z)``); limits ``exp(log r_AB -/+ z se_AB)``.
    With ``log_scale=False`` the same on the natural scale (risk differences).
    """
    z = norm.ppf(0.5 + conf_level / 2)

    def on_scale(e: Estimate, name: str) -> tuple[float, float]:
        f = np.log if log_scale else (lambda v: v)
        value = float(f(e.estimate))
        se = e.se
        if not math.isfinite(se):
            if not (math.isfinite(e.lower) and math.isfinite(e.upper)):
                raise ValueError(f"{name}: needs a standard error or both confidence limits")
            se = (float(f(e.upper)) - float(f(e.lower))) / (2 * z)
        return value, float(se)

    ac, se_ac = on_scale(effect_ac, "effect_ac")
    bc, se_bc = on_scale(effect_bc, "effect_bc")
    d, se = ac - bc, math.hypot(se_ac, se_bc)
    back = math.exp if log_scale else (lambda v: v)
    return Estimate(back(d), back(d - z * se), back(d + z * se), se)


def anchored_comparison(data: pd.DataFrame, targets: Mapping[str, float], published_bc: Estimate,
                        time: str, event: str, arm: str, experimental: object,
                        match_sd: Mapping[str, float] | None = None, conf_level: float = 0.95) -> Estimate:
    """Anchored MAIC hazard ratio of A (``experimental``) vs B, both against the common comparator C.

    The index trial (A vs C, ``data``) is weighted to the comparator trial's
    published baseline ``targets`` (weights estimated on all its patients, as in
    TSD 18 for effect modifiers balanced by randomisation), its weighted Cox HR
    A vs C (robust SE) is combined with the published HR B vs C by :func:`bucher`.
    """
    fit = maic_weights(data, targets, match_sd)
    ac = weighted_hazard_ratio(data, time, event, arm, experimental, fit.weights, conf_level)
    return bucher(ac, published_bc, conf_level)


# ----------------------------------------------------------------------------- bootstrap

@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap of a MAIC statistic: ``estimate`` on the original data, percentile ``lower``/``upper``,
    ``se`` (SD of the replicates; NaN when a replicate is infinite), the ``replicates``, the number of
    resamples where no weights existed (``failed``) and where the statistic returned NaN
    (``undefined``); both are left out of the interval, and counted."""

    estimate: float
    lower: float
    upper: float
    se: float
    replicates: np.ndarray = field(repr=False)
    failed: int = 0
    undefined: int = 0

    def as_estimate(self) -> Estimate:
        return Estimate(self.estimate, self.lower, self.upper, self.se)


@dataclass(frozen=True, eq=False)
class HazardRatioStatistic:
    """Weighted Cox hazard ratio as a :func:`bootstrap_maic` statistic; see :func:`hazard_ratio_statistic`.

    ``statistic(data, weights)`` gives the HR on a DataFrame; ``statistic.on_rows(data)`` takes the
    columns out of ``data`` once and returns ``f(rows, weights)``, the HR on the rows ``rows`` of
    ``data`` (repeats allowed, ``weights`` aligned with ``rows``), which :func:`bootstrap_maic` calls
    for each resample instead of ``statistic(data.iloc[rows], weights)``.
    """

    time: str
    event: str
    arm: str | None
    experimental: object = None
    comparator: pd.DataFrame | None = field(default=None, repr=False)
    reference_hr: float = 1.0
    ties: str = "efron"

    def __call__(self, data: pd.DataFrame, weights: np.ndarray) -> float:
        return self.on_rows(data)(np.arange(len(data)), np.asarray(weights, dtype=float))

    def on_rows(self, data: pd.DataFrame) -> Callable[[np.ndarray, np.ndarray], float]:
        t = as_float_array(data[self.time].to_numpy(), f"time column {self.time!r}", nonnegative=True)
        e = as_event_array(data[self.event].to_numpy(), f"event column {self.event!r}")
        x = (data[self.arm] == self.experimental).to_numpy(dtype=float) if self.arm is not None else np.ones(len(data))
        if self.comparator is None and len(np.unique(x)) != 2:
            raise ValueError(f"arm: column {self.arm!r} must hold {self.experimental!r} and at least one other arm")
        if self.comparator is None:
            return lambda rows, w: math.exp(weighted_log_hazard_ratio(t[rows], e[rows], x[rows], w, self.ties)
                                            ) / self.reference_hr
        ct, ce = self.comparator["time"].to_numpy(dtype=float), self.comparator["event"].to_numpy(dtype=float)
        arm_0, w_1 = np.zeros(len(ct)), np.ones(len(ct))

        def unanchored(rows: np.ndarray, w: np.ndarray) -> float:
            keep = x[rows] == 1
            index = rows[keep]
            b = weighted_log_hazard_ratio(np.concatenate([t[index], ct]), np.concatenate([e[index], ce]),
                                          np.concatenate([x[index], arm_0]), np.concatenate([w[keep], w_1]), self.ties)
            return math.exp(b) / self.reference_hr

        return unanchored


def hazard_ratio_statistic(time: str, event: str, arm: str | None, experimental: object = None, *,
                           comparator: pd.DataFrame | None = None, reference_hr: float = 1.0,
                           ties: str = "efron") -> HazardRatioStatistic:
    """The weighted Cox hazard ratio as a fast :func:`bootstrap_maic` statistic (point estimate only).

    Without ``comparator``: the HR of ``arm == experimental`` vs the other rows, R
    ``coxph(Surv(time, event) ~ I(arm == experimental), weights = w, ties = ties)``, the
    estimate of :func:`weighted_hazard_ratio`. With ``comparator`` (a DataFrame with
    columns ``time`` and ``event``, e.g. from :func:`mmevidence.compare.reconstruct_ipd`):
    the rows with ``arm == experimental`` (all rows if ``arm`` is None) weighted vs the
    comparator's patients at weight 1, the estimate of :func:`unanchored_hazard_ratio`.
    The HR is divided by ``reference_hr``: with the published HR B vs C this is the
    anchored Bucher estimate ``HR_AB = HR_AC / HR_BC`` (:func:`bucher`).

    Each replicate is :func:`mmevidence.stats.cox.weighted_log_hazard_ratio` on numpy arrays
    (Cox 1972 partial likelihood, Breslow 1974 / Efron 1977 ties, case weights as R
    ``coxph(weights=)``; the same fit as :func:`mmevidence.stats.cox_ph`): no robust variance
    and no DataFrame per resample, which a percentile bootstrap does not use.
    """
    if arm is None and comparator is None:
        raise ValueError("arm: needed unless a comparator is given (the HR compares two groups)")
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties: expected 'efron' or 'breslow', got {ties!r}")
    if comparator is not None and not {"time", "event"} <= set(comparator.columns):
        raise ValueError(f"comparator: expected columns 'time' and 'event', got {list(comparator.columns)}")
    if not (math.isfinite(reference_hr) and reference_hr > 0):
        raise ValueError(f"reference_hr: expected a positive hazard ratio, got {reference_hr!r}")
    return HazardRatioStatistic(time, event, arm, experimental, comparator, float(reference_hr), ties)


def bootstrap_maic(data: pd.DataFrame, targets: Mapping[str, float],
                   statistic: Callable[[pd.DataFrame, np.ndarray], float],
                   match_sd: Mapping[str, float] | None = None, n_boot: int = 1000, seed: int | None = 0,
                   conf_level: float = 0.95, strata: str | None = None, progress: bool = False) -> BootstrapResult:
    """Percentile bootstrap interval of ``statistic(data, weights)``, re-estimating the weights each time.

    TSD 18 section 3.4 / Phillippo et al. appendix (``boot::boot`` with the weights
    re-estimated inside the statistic): ``n_boot`` resamples of the rows with
    replacement (within ``strata``, e.g. the arm of an anchored trial, if given),
    from ``numpy.random.default_rng(seed)`` so a seed reproduces the run; the
    interval is the ``(1 - conf_level)/2`` and ``(1 + conf_level)/2`` quantiles of the
    replicates (numpy's default linear interpolation, R ``quantile`` type 7).
    Resamples in which a target falls outside the resample's range (no weights)
    are counted in ``failed`` and left out; so are replicates where the statistic
    is NaN (``undefined``). An infinite replicate is kept: a statistic should return
    ``+inf`` for a Kaplan-Meier median not reached in a resample (it lies beyond the
    follow-up), so that the upper limit is +inf (not estimable) when more than
    ``(1 - conf_level)/2`` of the resamples do not reach it, rather than the interval
    of the resamples that happen to reach it (``_percentile_type7``).
    ``progress=True`` shows a rich progress bar.

    A statistic with an ``on_rows`` method (:func:`hazard_ratio_statistic`) is called as
    ``statistic.on_rows(data)(rows, weights)`` on each resample's row indices instead of
    ``statistic(data.iloc[rows], weights)``: same value, without a DataFrame per resample.
    """
    if int(n_boot) != n_boot or n_boot < 2:
        raise ValueError(f"n_boot: expected a whole number >= 2, got {n_boot!r}")
    on_rows = statistic.on_rows(data) if hasattr(statistic, "on_rows") else None
    estimate = float(statistic(data, maic_weights(data, targets, match_sd).weights))
    x, moments = _design(data, targets, match_sd)  # centred once; a resample's design is its rows
    labels = [label for label, *_ in moments]
    rng = np.random.default_rng(seed)
    n = len(data)
    if strata is None:
        groups = [np.arange(n)]
    else:
        codes = data[strata].to_numpy()
        groups = [np.flatnonzero(codes == level) for level in pd.unique(codes)]
    reps = np.full(int(n_boot), np.nan)
    failed = 0

    def one(b: int) -> None:
        nonlocal failed
        idx = np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
        try:
            w = _solve(x[idx], labels)[1] * n
        except ValueError:  # a target outside this resample's range: no weights
            failed += 1
            return
        reps[b] = on_rows(idx, w) if on_rows is not None else statistic(data.iloc[idx], w)

    if progress:
        from rich.progress import Progress
        with Progress(transient=True) as bar:
            task = bar.add_task("MAIC bootstrap", total=int(n_boot))
            for b in range(int(n_boot)):
                one(b)
                bar.advance(task)
    else:
        for b in range(int(n_boot)):
            one(b)
    defined = reps[~np.isnan(reps)]
    undefined = int(n_boot) - failed - defined.size
    if defined.size < 2:
        return BootstrapResult(estimate, math.nan, math.nan, math.nan, reps, failed, undefined)
    alpha = (1 - conf_level) / 2
    lower, upper = _percentile_type7(defined, [alpha, 1 - alpha])
    se = float(defined.std(ddof=1)) if np.isfinite(defined).all() else math.nan
    return BootstrapResult(estimate, lower, upper, se, reps, failed, undefined)


def _percentile_type7(x: np.ndarray, probs: Sequence[float]) -> list[float]:
    """Sample quantiles by R ``quantile(type = 7)`` (numpy's default linear interpolation),
    ``x[j] + g (x[j+1] - x[j])`` with ``h = (n - 1) p``, ``j = floor(h)``, ``g = h - j`` on the
    sorted values (Hyndman & Fan 1996), exact with infinite values: an interpolation
    towards +inf is +inf, where numpy gives NaN for inf - inf."""
    v = np.sort(np.asarray(x, dtype=float))
    out = []
    for p in probs:
        h = (len(v) - 1) * float(p)
        j = int(math.floor(h))
        g = h - j
        a, b = v[j], v[min(j + 1, len(v) - 1)]
        out.append(float(a) if g == 0 or a == b else float(a + g * (b - a)))
    return out
