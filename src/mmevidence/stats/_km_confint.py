"""Pointwise confidence limits for a survival probability, on five transform scales.

With ``s`` the Greenwood standard error of ``log S`` (R's ``std.err`` of a
``survfit`` object) and ``z = Phi^{-1}(1 - alpha/2)``, the limits are those of R
``survival:::survfit_confint`` (survival 3.5-3), i.e. Klein & Moeschberger
(2003, Survival Analysis, 2nd ed., section 4.3) and SAS PROC LIFETEST
``CONFTYPE=``:

* ``"plain"`` (SAS LINEAR): ``S -/+ z s S``, clipped to [0, 1];
* ``"log"`` (R default, SAS LOG): ``exp(log S -/+ z s)``, upper clipped at 1;
* ``"log-log"`` (SAS default LOGLOG): ``S ** exp(-/+ z s / log S)``, i.e.
  ``exp(-exp(log(-log S) -/+ z s / log S))``;
* ``"logit"`` (SAS LOGIT): ``1 - 1/(1 + exp(logit S -/+ z s / (1 - S)))``;
* ``"arcsine"`` (SAS ASINSQRT, R ``"arcsin"``):
  ``sin^2(asin(sqrt S) -/+ z s sqrt(S/(1-S)) / 2)``, kept inside [0, pi/2].

Where R returns ``NA``/``NaN`` this returns NaN: at ``S = 0`` for every transform,
at ``S = 1`` for log-log, logit and arcsine (``plain`` and ``log`` give 1, 1).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

CONF_TYPES = ("log-log", "log", "plain", "logit", "arcsine")
_ALIASES = {"arcsin": "arcsine", "loglog": "log-log", "linear": "plain", "asinsqrt": "arcsine"}


def check_conf(conf_type: str, conf_level: float) -> tuple[str, float]:
    """Normalise ``conf_type`` (accepting R/SAS spellings) and return it with ``z``."""
    key = _ALIASES.get(str(conf_type).lower(), str(conf_type).lower())
    if key not in CONF_TYPES:
        raise ValueError(f"conf_type: {conf_type!r} is not one of {', '.join(CONF_TYPES)}")
    level = float(conf_level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"conf_level: {conf_level!r} must lie strictly between 0 and 1")
    return key, float(ndtri(1.0 - (1.0 - level) / 2.0))


def survival_confint(surv: np.ndarray, se_log: np.ndarray, conf_type: str, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(lower, upper)`` for survival ``surv`` with ``se_log`` = SE of log S."""
    p = np.asarray(surv, dtype=float)
    se = np.asarray(se_log, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pos = np.where(p > 0, p, np.nan)
        if conf_type == "plain":
            half = z * se * p
            lower, upper = np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
            # R: pmax(NaN, 0) is NaN (0 * Inf at S = 0)
            bad = np.isnan(half)
            lower[bad], upper[bad] = np.nan, np.nan
        elif conf_type == "log":
            lower = np.exp(np.log(pos) - z * se)
            upper = np.minimum(np.exp(np.log(pos) + z * se), 1.0)
            upper[np.isnan(pos)] = np.nan
        elif conf_type == "log-log":
            xx = np.where((p > 0) & (p < 1), p, np.nan)
            half = z * se / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + half))
        elif conf_type == "logit":
            half = z * se * (1.0 + pos / (1.0 - pos))
            lg = np.log(pos / (1.0 - pos))
            lower = 1.0 - 1.0 / (1.0 + np.exp(lg - half))
            upper = 1.0 - 1.0 / (1.0 + np.exp(lg + half))
        else:  # arcsine
            half = 0.5 * z * se * np.sqrt(pos / (1.0 - pos))
            a = np.arcsin(np.sqrt(pos))
            lo = a - half
            hi = a + half
            lower = np.sin(np.where(np.isnan(lo), np.nan, np.maximum(0.0, lo))) ** 2
            upper = np.sin(np.where(np.isnan(hi), np.nan, np.minimum(np.pi / 2, hi))) ** 2
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
