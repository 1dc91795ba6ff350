"""Logistic regression by IRLS, agreeing with R ``glm(family = binomial)`` (R 4.2 ``glm.fit``).

Model: logit P(y = 1 | x) = b0 + b'x for a 0/1 outcome. The maximum-likelihood
estimate is found by iteratively reweighted least squares (McCullagh & Nelder
1989, section 2.5) exactly as R ``glm.fit`` runs it, so that coefficients and
standard errors agree with R to many more digits than R prints, even for a
(quasi-)separated fit that stops on R's convergence rule.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular
from scipy.stats import norm

from mmevidence.stats._checks import as_event_array
from mmevidence.stats._design import model_matrix, refuse_missing
from mmevidence.stats.estimate import ChiSquareTest, chisq_test
from mmevidence.stats.estimate import Estimate

#: R ``glm.control()`` defaults.
EPSILON = 1e-8
MAXIT = 25
#: R's ``logit`` link clamps (``family.c``): |eta| > 30 is treated as +-30 in effect.
THRESH = 30.0
DBL_EPS = float(np.finfo(float).eps)
#: R ``glm.fit``: fitted probabilities within 10 eps of 0 or 1 trigger the separation warning.
BOUNDARY_EPS = 10 * DBL_EPS
#: R ``glm.fit`` QR tolerance ``min(1e-7, epsilon / 1000)``.
QR_TOL = min(1e-7, EPSILON / 1000)

SEPARATION_WARNING = "glm.fit: fitted probabilities numerically 0 or 1 occurred"
NONCONVERGENCE_WARNING = "glm.fit: algorithm did not converge"


@dataclass(frozen=True)
class LogisticResult:
    """A fitted logistic regression.

    ``summary``: one row per coefficient (``"(Intercept)"`` first) with ``term,
    coef, se, odds_ratio, or_lower, or_upper, z, p``; the odds-ratio interval is
    the Wald interval exp(coef -/+ z se) (R ``exp(confint.default(fit))``).
    ``loglik``, ``deviance`` (= -2 loglik for a 0/1 outcome), ``null_deviance``,
    ``aic`` = deviance + 2 p, ``lr_test`` = null_deviance - deviance on p - 1 df
    (R ``anova(glm(y ~ 1), fit, test = "Chisq")``). ``var``: covariance of the
    coefficients. ``warnings`` repeats R's warnings issued during the fit.
    """

    summary: pd.DataFrame
    loglik: float
    deviance: float
    null_deviance: float
    aic: float
    lr_test: ChiSquareTest
    var: pd.DataFrame
    n: int
    df_residual: int
    iterations: int
    converged: bool
    conf_level: float
    warnings: tuple[str, ...] = ()

    def odds_ratio(self, term: str) -> Estimate:
        """exp(coef) of ``term`` with its Wald CI; ``se`` is the SE of the log odds ratio."""
        row = self.summary.set_index("term").loc[term]
        reason = "fitted probabilities numerically 0 or 1" if SEPARATION_WARNING in self.warnings else ""
        return Estimate(float(row.odds_ratio), float(row.or_lower), float(row.or_upper), float(row.se), reason)


def _linkinv(eta: np.ndarray) -> np.ndarray:
    """Inverse logit with R's clamps: exp(eta) replaced by eps or 1/eps beyond +-30."""
    tmp = np.where(eta < -THRESH, DBL_EPS, np.where(eta > THRESH, 1.0 / DBL_EPS, np.exp(np.clip(eta, -THRESH, THRESH))))
    return tmp / (1.0 + tmp)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    """d mu / d eta = e^eta / (1 + e^eta)^2, eps beyond +-30 (R ``logit_mu_eta``)."""
    e = np.exp(np.clip(eta, -THRESH, THRESH))
    return np.where(np.abs(eta) > THRESH, DBL_EPS, e / ((1.0 + e) * (1.0 + e)))


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Binomial deviance 2 sum [y log(y/mu) + (1-y) log((1-y)/(1-mu))] for 0/1 y (R ``binomial()$dev.resids``)."""
    return float(2.0 * np.sum(np.log(1.0 / np.where(y == 1, mu, 1.0 - mu))))


def _wls(x: np.ndarray, z: np.ndarray, w: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares by Householder QR of diag(w) X: coefficients and R factor (R ``Cdqrls``)."""
    xw = x * w[:, None]
    q, r = np.linalg.qr(xw)
    norms = np.linalg.norm(xw, axis=0)
    small = np.abs(np.diag(r)) < QR_TOL * np.where(norms > 0, norms, 1.0)
    if small.any():
        bad = [names[i] for i in np.flatnonzero(small)]
        raise ValueError(f"covariates: {bad} are collinear with earlier terms "
                         "(R would report NA coefficients)")
    return solve_triangular(r, q.T @ (z * w)), r


def logistic_regression(data: pd.DataFrame, outcome: str, covariates: Sequence[str],
                        conf_level: float = 0.95) -> LogisticResult:
    """Fit logit P(y = 1) = b0 + b'x by maximum likelihood (IRLS), as R ``glm(y ~ ..., family = binomial)``.

    Parameters
    ----------
    data : one row per subject. ``outcome``: column of 0/1 (or bool) values.
    covariates : column names; numeric columns enter as they are, categorical ones
        as treatment contrasts against the first level, named like R
        (``"sexM"``), by the same coding as :func:`mmevidence.stats.cox.cox_ph`.
        An intercept ``"(Intercept)"`` is always included.

    Algorithm (R ``glm.fit`` with ``glm.control(epsilon = 1e-8, maxit = 25)``):
    start at mu = (y + 1/2)/2, eta = logit(mu); each iteration regresses the
    working response z = eta + (y - mu)/mu' on X with weights mu'^2 / (mu(1 - mu))
    (mu' = d mu/d eta) by QR; stop when |dev - dev_old| / (|dev| + 0.1) < 1e-8.
    The covariance is (R'R)^-1 from that last weighted QR (R ``summary.glm``,
    dispersion 1); z = coef / se, p = 2 (1 - Phi(|z|)); Wald CI coef -/+ q se
    (R ``confint.default``), exponentiated for the odds ratio.

    Warnings as R: "glm.fit: fitted probabilities numerically 0 or 1 occurred"
    when a fitted probability is within 10 machine epsilons of 0 or 1 ((quasi-)
    complete separation: the estimate is then where R stops, not a finite MLE),
    "glm.fit: algorithm did not converge" after 25 iterations.

    Departures: rows with a missing value are refused (``ValueError`` naming the
    column and row) instead of dropped by R's ``na.action``; collinear covariates
    raise ``ValueError`` (R reports NA). Profile-likelihood intervals (R 4.2
    ``MASS::confint.glm``) are not provided: MASS interpolates a spline through a
    grid of profile points, which cannot be reproduced to 1e-6 without copying
    that grid.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: expected a pandas DataFrame")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: expected a value in (0, 1), got {conf_level!r}")
    if outcome not in data.columns:
        raise ValueError(f"outcome: column {outcome!r} not found in data")
    refuse_missing(data[outcome], "outcome column")
    y = as_event_array(data[outcome].to_numpy(dtype=float), f"outcome column {outcome!r}")
    xc, cov_names = model_matrix(data, covariates)
    x = np.hstack([np.ones((len(y), 1)), xc])
    names = ["(Intercept)", *cov_names]
    n, p = x.shape
    if n <= p:
        raise ValueError(f"data: {n} rows cannot estimate {p} coefficients")

    mustart = (y + 0.5) / 2.0
    eta = np.log(mustart / (1.0 - mustart))
    mu = _linkinv(eta)
    dev_old = _deviance(y, mu)
    converged = False
    for iteration in range(1, MAXIT + 1):
        mu_eta = _mu_eta(eta)
        w = np.sqrt(mu_eta * mu_eta / (mu * (1.0 - mu)))
        coef, r = _wls(x, eta + (y - mu) / mu_eta, w, names)
        eta = x @ coef
        mu = _linkinv(eta)
        dev = _deviance(y, mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < EPSILON:
            converged = True
            break
        dev_old = dev

    messages = []
    if not converged:
        messages.append(NONCONVERGENCE_WARNING)
    if np.any(mu > 1 - BOUNDARY_EPS) or np.any(mu < BOUNDARY_EPS):
        messages.append(SEPARATION_WARNING)
    for m in messages:
        warnings.warn(m, RuntimeWarning, stacklevel=2)

    r_inv = solve_triangular(r, np.eye(p))
    var = r_inv @ r_inv.T
    se = np.sqrt(np.diag(var))
    ybar = y.mean()
    null_dev = _deviance(y, np.full(n, ybar)) if 0 < ybar < 1 else 0.0
    loglik = -dev / 2.0
    return LogisticResult(_summary_table(names, coef, se, conf_level), loglik, dev, null_dev, dev + 2 * p,
                          chisq_test(null_dev - dev, p - 1), pd.DataFrame(var, index=names, columns=names), n,
                          n - p, iteration, converged, conf_level, tuple(messages))


def _summary_table(names: list[str], coef: np.ndarray, se: np.ndarray, conf_level: float) -> pd.DataFrame:
    """R ``summary(glm)`` coefficients plus Wald odds-ratio limits exp(coef -/+ q se)."""
    q = float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))
    z = coef / se
    with np.errstate(over="ignore"):
        return pd.DataFrame({
            "term": names, "coef": coef, "se": se, "odds_ratio": np.exp(coef),
            "or_lower": np.exp(coef - q * se), "or_upper": np.exp(coef + q * se),
            "z": z, "p": 2.0 * norm.sf(np.abs(z)),
        })
