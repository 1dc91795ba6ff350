"""Proportions and 2 x 2 tables: Clopper–Pearson, odds ratios, Cochran–Mantel–Haenszel.

Conventions
-----------
A 2 x 2 table is given as four counts ``(a, b, c, d)``::

                 responder   non-responder
    group 1          a             b
    group 2          c             d

so the odds ratio is ``(a d) / (b c)`` (group 1 versus group 2). This is R's
``matrix(c(a, b, c, d), 2, byrow = TRUE)`` and SAS PROC FREQ's ``TABLES group*response``
with group 1 and "responder" sorted first.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, Sequence

import numpy as np
from scipy import optimize, special, stats

from mmevidence.stats.estimate import Estimate

Alternative = Literal["two-sided", "greater", "less"]


# --------------------------------------------------------------------------- checks


def _count(value: object, name: str) -> int:
    """Return ``value`` as a non-negative integer count, or raise ``ValueError`` naming it."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a count, got {value!r}") from None
    if not math.isfinite(v) or v != int(v):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if v < 0:
        raise ValueError(f"{name}: count {value!r} is negative")
    return int(v)


def _conf_level(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: must lie strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def _table(a: object, b: object, c: object, d: object) -> tuple[int, int, int, int]:
    return _count(a, "a"), _count(b, "b"), _count(c, "c"), _count(d, "d")


# --------------------------------------------------------------------------- Clopper–Pearson


def clopper_pearson(x: int, n: int, conf_level: float = 0.95) -> Estimate:
    """Proportion ``x/n`` with the Clopper–Pearson exact interval.

    Formula: lower = B(alpha/2; x, n-x+1), upper = B(1-alpha/2; x+1, n-x) with ``B`` the
    beta quantile and alpha = 1 - conf_level; lower = 0 when x = 0, upper = 1 when x = n.
    Reference: Clopper & Pearson (1934) Biometrika 26:404. Same as R
    ``binom.test(x, n)$conf.int`` and SAS PROC FREQ ``BINOMIAL`` exact limits.
    ``se`` is the binomial standard error sqrt(p(1-p)/n) (not used by the interval).

    Raises ``ValueError`` naming the argument for negative or non-integer counts, n = 0
    or x > n.
    """
    x, n = _count(x, "x"), _count(n, "n")
    level = _conf_level(conf_level)
    if n == 0:
        raise ValueError("n: must be positive, got 0")
    if x > n:
        raise ValueError(f"x: {x} exceeds n = {n}")
    alpha = 1.0 - level
    lower = 0.0 if x == 0 else float(special.betaincinv(x, n - x + 1, alpha / 2))
    upper = 1.0 if x == n else float(special.betaincinv(x + 1, n - x, 1 - alpha / 2))
    p = x / n
    return Estimate(p, lower, upper, math.sqrt(p * (1 - p) / n))


# --------------------------------------------------------------------------- odds ratio


def _sample_odds_ratio(a: float, b: float, c: float, d: float) -> float:
    num, den = a * d, b * c
    if den == 0:
        return math.nan if num == 0 else math.inf
    return num / den


def _noncentral_hypergeom_logpmf(m: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Support and central log-pmf of the count ``a`` given margins (row 1 = m, row 2 = n, column 1 = k)."""
    support = np.arange(max(0, k - n), min(k, m) + 1)
    return support, stats.hypergeom.logpmf(support, m + n, m, k)


def _exact_conditional_limits(a: int, b: int, c: int, d: int, level: float) -> tuple[float, float]:
    """Exact conditional (Cornfield) limits for the odds ratio psi.

    Lower limit solves P(A >= a; psi) = alpha/2, upper solves P(A <= a; psi) = alpha/2,
    with A following Fisher's noncentral hypergeometric law given all margins.
    Roots are found on log(psi) to ~1e-13, unlike R ``fisher.test`` (see :func:`odds_ratio`).
    """
    support, logdc = _noncentral_hypergeom_logpmf(a + b, c + d, a + c)
    alpha = (1.0 - level) / 2
    lo, hi = int(support[0]), int(support[-1])

    def tail(theta: float, upper: bool) -> float:
        w = logdc + theta * support
        w = np.exp(w - w.max())
        return float(w[a - lo:].sum() / w.sum() if upper else w[: a - lo + 1].sum() / w.sum())

    def solve(upper: bool) -> float:
        f = lambda t: tail(t, upper) - alpha  # noqa: E731 - increasing (upper) / decreasing in t
        left, right = -1.0, 1.0
        while f(left) * f(right) > 0:
            left, right = 2 * left, 2 * right
            if right > 1e4:
                raise RuntimeError("exact odds-ratio limit: no sign change found")
        return math.exp(optimize.brentq(f, left, right, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500))

    lower = 0.0 if a == lo else solve(upper=True)
    upper_ = math.inf if a == hi else solve(upper=False)
    return lower, upper_


def odds_ratio(
    a: int,
    b: int,
    c: int,
    d: int,
    method: Literal["wald", "exact"] = "wald",
    conf_level: float = 0.95,
    zero_cell_correction: float = 0.0,
) -> Estimate:
    """Odds ratio (a d)/(b c) of response, group 1 versus group 2, with a confidence interval.

    ``method="wald"``: log OR ± z_{1-alpha/2} sqrt(1/a + 1/b + 1/c + 1/d) (Woolf 1955),
    SAS PROC FREQ ``OR(CL=WALD)``; ``se`` is the SE of log OR. With a zero cell the Wald
    interval is undefined: by default the point estimate is the sample OR (0, inf or NaN)
    and both limits are NaN with a ``reason`` — as SAS, nothing is added silently. Pass
    ``zero_cell_correction=0.5`` to add 0.5 to all four cells *only when some cell is zero*
    (Haldane–Anscombe), which then changes both the estimate and the interval.

    ``method="exact"``: the point estimate is still the **sample** OR ad/bc (not the
    conditional MLE that R ``fisher.test`` reports); the interval is the exact conditional
    (Cornfield 1956) interval, i.e. SAS PROC FREQ ``EXACT OR`` and R
    ``fisher.test(...)$conf.int``. The limits are solved to ~1e-13 on log(psi). R's
    ``fisher.test`` stops its ``uniroot`` search at tolerance 1.2e-4 on psi (psi < 1) or on
    1/psi (psi > 1), so its printed limits can differ in the 4th significant digit; SAS and
    this function agree (ICARIA-MM Table 3: 49/154 vs 13/153 gives 5.026 (2.514–10.586);
    R prints 10.587). Lower = 0 / upper = inf when ``a`` is at the edge of its support.
    ``zero_cell_correction`` is ignored here (the exact interval needs no correction).

    Raises ``ValueError`` for negative/non-integer counts or an empty group (a+b = 0 or
    c+d = 0).
    """
    a, b, c, d = _table(a, b, c, d)
    level = _conf_level(conf_level)
    if a + b == 0:
        raise ValueError("a, b: group 1 has no subjects (a + b = 0)")
    if c + d == 0:
        raise ValueError("c, d: group 2 has no subjects (c + d = 0)")
    if zero_cell_correction < 0:
        raise ValueError(f"zero_cell_correction: must be >= 0, got {zero_cell_correction!r}")
    if method == "exact":
        lower, upper = _exact_conditional_limits(a, b, c, d, level)
        est = _sample_odds_ratio(a, b, c, d)
        reason = "no responders or no non-responders in either group" if math.isnan(est) else ""
        return Estimate(est, lower, upper, math.nan, reason)
    if method != "wald":
        raise ValueError(f"method: expected 'wald' or 'exact', got {method!r}")
    cells = np.array([a, b, c, d], dtype=float)
    if (cells == 0).any():
        if zero_cell_correction == 0:
            est = _sample_odds_ratio(a, b, c, d)
            return Estimate(est, math.nan, math.nan, math.nan,
                            "zero cell: Wald interval undefined (use zero_cell_correction=0.5 or method='exact')")
        cells = cells + zero_cell_correction
    est = (cells[0] * cells[3]) / (cells[1] * cells[2])
    se = float(np.sqrt(np.sum(1.0 / cells)))
    z = float(special.ndtri(1 - (1 - level) / 2))
    return Estimate(float(est), float(est * math.exp(-z * se)), float(est * math.exp(z * se)), se)


# --------------------------------------------------------------------------- CMH


class CMHResult(NamedTuple):
    """Cochran–Mantel–Haenszel test and Mantel–Haenszel common odds ratio.

    ``odds_ratio`` is an :class:`Estimate` (``se`` is the Robins–Breslow–Greenland SE of
    log OR_MH; the interval is always two-sided). ``n_strata`` counts the strata that
    entered (strata with fewer than 2 subjects contribute nothing and are dropped).
    """

    statistic: float
    df: int
    p_value: float
    odds_ratio: Estimate
    n_strata: int


def cmh_test(
    strata_tables: Sequence[Sequence[int]],
    correction: bool = False,
    alternative: Alternative = "two-sided",
    conf_level: float = 0.95,
) -> CMHResult:
    """Cochran–Mantel–Haenszel test for K 2 x 2 tables ``(a, b, c, d)`` and the MH odds ratio.

    Formula (Mantel & Haenszel 1959): with n1 = a+b, n2 = c+d, m1 = a+c, m2 = b+d, t = n1+n2
    per stratum, Delta = sum(a - n1 m1 / t), V = sum(n1 n2 m1 m2 / (t^2 (t-1))),
    X^2 = (|Delta| - 0.5 [correction and |Delta| >= 0.5])^2 / V on 1 df. One-sided p-values
    use z = sign(Delta) sqrt(X^2): ``"greater"`` is P(Z >= z) (common OR > 1). This is R
    ``mantelhaen.test(x, correct=correction, exact=FALSE, alternative=)`` (the SAS PROC FREQ
    CMH "nonzero correlation" statistic equals the uncorrected X^2). OR_MH = sum(a d / t) /
    sum(b c / t) with the Robins, Breslow & Greenland (1986) variance of log OR_MH, as R
    and SAS; the CI is OR_MH exp(± z se), always two-sided (R gives one-sided limits when
    ``alternative`` is one-sided).

    Strata with t < 2 add exactly zero to every sum and are dropped (R stops instead).
    """
    level = _conf_level(conf_level)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative: expected 'two-sided', 'greater' or 'less', got {alternative!r}")
    try:
        x = np.array(strata_tables, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("strata_tables: expected a sequence of 4-count tables (a, b, c, d)") from None
    if x.ndim != 2 or x.shape[1] != 4 or len(x) == 0:
        raise ValueError(f"strata_tables: expected K >= 1 tables of 4 counts (a, b, c, d), got shape {x.shape}")
    bad = ~np.isfinite(x) | (x < 0) | (x != np.round(x))
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise ValueError(f"strata_tables: stratum {k} cell {j} = {x[k, j]!r} is not a non-negative whole count")
    t = x.sum(axis=1)
    x, t = x[t >= 2], t[t >= 2]
    if len(x) == 0:
        raise ValueError("strata_tables: every stratum has fewer than 2 subjects")
    a, b, c, d = x.T
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    delta = float(np.sum(a - n1 * m1 / t))
    var = float(np.sum(n1 * n2 * m1 * m2 / (t**2 * (t - 1))))
    yates = 0.5 if correction and abs(delta) >= 0.5 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (abs(delta) - yates) ** 2 / var if var > 0 else math.nan
    if math.isnan(statistic):
        p = math.nan
    elif alternative == "two-sided":
        p = float(special.chdtrc(1, statistic))
    else:
        z = math.copysign(math.sqrt(statistic), delta)
        p = float(special.ndtr(-z) if alternative == "greater" else special.ndtr(z))

    r, s = a * d / t, b * c / t
    sr, ss = float(r.sum()), float(s.sum())
    p_, q_ = (a + d) / t, (b + c) / t
    est = _sample_odds_ratio(sr, ss, 1.0, 1.0)  # sr / ss
    if sr > 0 and ss > 0:
        var_log = (np.sum(p_ * r) / (2 * sr**2) + np.sum(p_ * s + q_ * r) / (2 * sr * ss)
                   + np.sum(q_ * s) / (2 * ss**2))
        se = math.sqrt(float(var_log))
        z = float(special.ndtri(1 - (1 - level) / 2))
        or_mh = Estimate(est, est * math.exp(-z * se), est * math.exp(z * se), se)
    else:
        or_mh = Estimate(est, math.nan, math.nan, math.nan,
                         "sum of a d / t or of b c / t is zero: no RBG interval")
    return CMHResult(float(statistic), 1, p, or_mh, int(len(x)))
