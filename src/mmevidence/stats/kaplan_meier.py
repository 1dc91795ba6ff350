"""Kaplan–Meier survival curves, their quantiles, landmark survival, RMST and reverse-KM follow-up.

Conventions follow R ``survival`` 3.5-3 (``survfit``, ``summary.survfit``,
``quantile.survfit``, ``print.survfit(rmean=)``) to full precision; where SAS
PROC LIFETEST differs the docstrings say so (sources: SAS/STAT LIFETEST
documentation; CAMIS "R vs SAS – Kaplan Meier", psiaims.github.io/CAMIS).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mmevidence.stats._checks import as_event_array, as_float_array, check_same_length
from mmevidence.stats._km_confint import check_conf, survival_confint
from mmevidence.stats._km_quantile import curve_quantile
from mmevidence.stats._km_variance import greenwood_se_log, jackknife_se_surv
from mmevidence.stats._risksets import count_risk_sets
from mmevidence.stats.estimate import Estimate

__all__ = ["KaplanMeier", "kaplan_meier", "median_follow_up", "rmst_difference"]


class KaplanMeier:
    """A fitted Kaplan–Meier curve (one row per distinct exit time).

    Built by :func:`kaplan_meier`; holds numpy arrays ``time``, ``n_risk``,
    ``n_event``, ``n_censor``, ``survival``, ``std_err`` (SE of ``S``, as R's
    ``summary`` prints it), ``se_log`` (SE of ``log S`` used for the limits),
    ``lower``, ``upper`` and the interval settings ``conf_type``, ``conf_level``.
    """

    def __init__(self, time: np.ndarray, n_risk: np.ndarray, n_event: np.ndarray, n_censor: np.ndarray,
                 survival: np.ndarray, std_err: np.ndarray, se_log: np.ndarray,
                 conf_type: str, conf_level: float) -> None:
        self.conf_type, self._z = check_conf(conf_type, conf_level)
        self.conf_level = float(conf_level)
        self.time, self.n_risk, self.n_event, self.n_censor = time, n_risk, n_event, n_censor
        self.survival, self.std_err, self.se_log = survival, std_err, se_log
        self.lower, self.upper = survival_confint(self.survival, self.se_log, self.conf_type, self._z)

    @property
    def n_events_total(self) -> float:
        """Total (weighted) number of events."""
        return float(self.n_event.sum())

    @property
    def table(self) -> pd.DataFrame:
        """One row per distinct time, as R ``summary(survfit(...), censored=TRUE)``.

        ``std_err`` is the SE of the survival probability as R's ``summary``
        prints it: ``S * se_log`` for Greenwood (NaN where S = 0, R's ``0 * Inf``),
        the jackknife SE of ``S`` itself for the robust variance.
        """
        return pd.DataFrame({
            "time": self.time, "n_risk": self.n_risk, "n_event": self.n_event, "n_censor": self.n_censor,
            "survival": self.survival, "std_err": self.std_err, "lower": self.lower, "upper": self.upper,
        })

    def quantile(self, p: float) -> Estimate:
        """Time at which survival falls to ``1 - p``, with its confidence interval.

        Point estimate: smallest ``t`` with ``S(t) <= 1 - p``, midpoint of the flat
        segment when ``S`` equals ``1 - p`` exactly over an interval (R
        ``quantile.survfit``). CI (Brookmeyer & Crowley 1982, in R's form): the
        same rule applied to the pointwise lower and upper curves of this fit's
        ``conf_type``, i.e. the set of ``t`` whose pointwise interval contains
        ``1 - p``. SAS LIFETEST uses the same test-based set
        ``|g(S(t)) - g(1-p)| <= z g'(S(t)) sigma(t)`` but reports its end points
        without R's midpoint rule, and its default transform is log-log (R: log);
        CAMIS notes R and SAS can also differ when the last observation is
        censored and the curve does not reach ``1 - p``.

        NaN estimate with reason ``"no events"`` or ``"not reached"`` (the lower
        limit is kept when the lower curve reaches ``1 - p``).
        """
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p: {p!r} must lie in [0, 1]")
        if self.n_events_total <= 0:
            return Estimate(math.nan, reason="no events")
        est = curve_quantile(self.time, self.survival, p)
        lo = curve_quantile(self.time, self.lower, p)
        hi = curve_quantile(self.time, self.upper, p)
        return Estimate(est, lo, hi, math.nan, "not reached" if math.isnan(est) else "")

    def median(self) -> Estimate:
        """Median survival time: :meth:`quantile` at ``p = 0.5`` (R ``print.survfit`` median and CI)."""
        return self.quantile(0.5)

    def survival_at(self, times: Any) -> pd.DataFrame:
        """Survival, its SE and CI and the number at risk at given times.

        As R ``summary(fit, times=, extend=TRUE)``: survival is the curve's value
        at the last distinct time ``<= t`` (1 with limits 1, 1 before the first
        time); ``n_risk`` is the number at risk at the first distinct time
        ``>= t`` (0 beyond the last time). Times past the last observation carry
        the last value, as R with ``extend=TRUE``; SAS reports these as missing
        (CAMIS). Rows keep the order of ``times`` (R sorts them).
        """
        t = as_float_array(np.atleast_1d(np.asarray(times, dtype=float)), "times", nonnegative=True)
        # row 0 is R's survfit0 start point (S = 1, SE 0, limits 1); row j + 1 is distinct time j
        row = np.searchsorted(self.time, t, side="right")

        def pick(x: np.ndarray, start: float) -> np.ndarray:
            return np.concatenate(([start], x))[row]

        n_risk = np.append(self.n_risk, 0.0)[np.searchsorted(self.time, t, side="left")]
        return pd.DataFrame({"time": t, "survival": pick(self.survival, 1.0), "std_err": pick(self.std_err, 0.0),
                             "lower": pick(self.lower, 1.0), "upper": pick(self.upper, 1.0), "n_risk": n_risk})

    def rmst(self, tau: float) -> Estimate:
        """Restricted mean survival time ``int_0^tau S(t) dt`` with its SE and normal CI.

        As R ``print(fit, rmean=tau)`` (``survival:::survmean``): the area under
        the step curve from 0 to ``tau`` (the last value is carried forward if
        ``tau`` is beyond the last time). Variance (Klein & Moeschberger 2003,
        eq. 4.5.2; the Greenwood-type variance R uses):
        ``sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j))`` with
        ``A_j = int_{t_j}^tau S(u) du`` and terms with ``n_j = d_j`` set to 0, on the
        weighted counts. R uses no ``n/(n-1)`` correction, and this Greenwood-type
        variance even when the curve's own SEs are robust (non-integer weights). CI: ``rmst -/+ z se`` at this fit's ``conf_level``.
        """
        tau = float(tau)
        if not (math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau: {tau!r} must be a positive finite number")
        keep = self.time <= tau
        t = np.append(self.time[keep], tau)
        s = self.survival[keep]
        widths = np.diff(np.concatenate(([0.0], t)))
        rect = widths * np.concatenate(([1.0], s))
        d, n = self.n_event[keep], self.n_risk[keep]
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where((n - d) == 0, 0.0, d / (n * (n - d)))
        area_after = np.cumsum(rect[::-1])[::-1][1:]  # A_j for each kept time
        se = math.sqrt(float(np.sum(area_after ** 2 * hh)))
        mean = float(rect.sum())
        return Estimate(mean, mean - self._z * se, mean + self._z * se, se)


def _validate(time: Any, event: Any, entry: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    en = None if entry is None else as_float_array(entry, "entry")
    w = None if weights is None else as_float_array(weights, "weights", nonnegative=True)
    check_same_length(time=t, event=e, entry=en, weights=w)
    if t.size == 0:
        raise ValueError("time: no observations")
    if en is not None:
        bad = en >= t
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"entry: value {en[i]!r} at position {i} is not before time {t[i]!r}")
    return t, e, en, w


def kaplan_meier(time: Any, event: Any, entry: Any = None, weights: Any = None,
                 conf_type: str = "log-log", conf_level: float = 0.95, variance: str | None = None) -> KaplanMeier:
    """Kaplan–Meier estimate ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` (Kaplan & Meier 1958).

    ``d_j``, ``n_j`` are the (case-weighted) events and number at risk at each
    distinct time; with ``entry`` (left truncation / delayed entry) a subject is
    at risk at ``t`` when ``entry < t <= time`` (R ``Surv(entry, time, event)``).
    Pointwise limits: ``conf_type`` in ``"log-log"`` (default, as SAS PROC
    LIFETEST), ``"log"`` (R ``survfit`` default), ``"plain"``, ``"logit"``,
    ``"arcsine"`` (SAS ASINSQRT, R ``"arcsin"``) — Klein & Moeschberger (2003)
    section 4.3; see :mod:`mmevidence.stats._km_confint`.

    ``variance``: ``"greenwood"`` (Greenwood 1926, ``var log S = sum d/(n(n-d))``
    on the weighted counts), ``"robust"`` (infinitesimal jackknife, each row its
    own cluster) or ``None`` = R's default: robust when some case weight is not
    an integer, Greenwood otherwise (R ``survfit``: ``robust`` defaults to TRUE
    for non-integer weights). See :mod:`mmevidence.stats._km_variance`. SAS
    LIFETEST with a WEIGHT statement uses Greenwood on weighted counts, i.e.
    ``variance="greenwood"``.

    Matches R ``survfit(Surv(...) ~ 1, weights=, conf.type=, robust=)``. Exactly
    equal times are ties (R's ``timefix`` merging of near-equal floats is not
    applied). Events at time 0 are allowed and counted at ``t = 0``.
    """
    t, e, en, w = _validate(time, event, entry, weights)
    if variance is None:
        variance = "robust" if w is not None and np.any(w != np.floor(w)) else "greenwood"
    if variance not in ("greenwood", "robust"):
        raise ValueError(f"variance: {variance!r} is not 'greenwood', 'robust' or None")
    rs = count_risk_sets(t, e, entry=en, weights=w)
    n_risk, n_event = rs.n_risk[0], rs.n_event[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - np.where(n_event > 0, n_event / n_risk, 0.0))
        if variance == "greenwood":
            se_log = greenwood_se_log(n_risk, n_event)
            std_err = surv * se_log
        else:
            std_err = jackknife_se_surv(rs.time, n_risk, n_event, surv, t, e,
                                        np.ones_like(t) if w is None else w, en)
            std_err = np.where(surv == 0, 0.0, std_err)  # R: influence on S is 0 once S = 0
            se_log = np.where(std_err == 0, 0.0, std_err / surv)  # R: ifelse(se == 0, 0, se / p)
    return KaplanMeier(rs.time, n_risk, n_event, rs.n_censor[0], surv, std_err, se_log, conf_type, conf_level)


def median_follow_up(time: Any, event: Any, conf_type: str = "log-log", conf_level: float = 0.95) -> Estimate:
    """Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

    The Kaplan–Meier median of the censoring distribution: censorings are the
    events and events the censorings, i.e. R
    ``survfit(Surv(time, 1 - status) ~ 1, conf.type=)`` median and CI (R's default
    ``conf.type`` is ``"log"``; here ``"log-log"`` as SAS). NaN with a reason when
    no observation is censored.
    """
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    est = kaplan_meier(t, 1.0 - e, conf_type=conf_type, conf_level=conf_level).median()
    if est.reason == "no events":
        return est._replace(reason="no censored observations")
    return est


def rmst_difference(time: Any, event: Any, group: Any, tau: float, conf_level: float = 0.95) -> Estimate:
    """Difference in restricted mean survival time to ``tau`` between two groups.

    ``RMST_1 - RMST_2`` where group 1 is the first in sorted order, each RMST as
    :meth:`KaplanMeier.rmst` (R ``print(survfit(...), rmean=tau)``),
    ``se = sqrt(se_1^2 + se_2^2)`` (independent groups) and the normal interval
    ``diff -/+ z se`` (as ``survRM2::rmst2``'s "RMST (arm=1)-(arm=0)", up to its
    ordering of arms; Royston & Parmar 2013).
    """
    t = as_float_array(time, "time", nonnegative=True)
    e = as_event_array(event, "event")
    g = np.asarray(group)
    if g.ndim != 1:
        raise ValueError(f"group: expected a 1-dimensional array, got shape {g.shape}")
    check_same_length(time=t, event=e, group=g)
    if pd.isna(g).any():
        raise ValueError("group: contains missing values")
    codes, labels = pd.factorize(g, sort=True)
    if len(labels) != 2:
        raise ValueError(f"group: expected exactly 2 groups, got {len(labels)}")
    _, z = check_conf("log", conf_level)
    fits = [kaplan_meier(t[codes == k], e[codes == k], conf_level=conf_level).rmst(tau) for k in (0, 1)]
    diff = fits[0].estimate - fits[1].estimate
    se = math.hypot(fits[0].se, fits[1].se)
    return Estimate(diff, diff - z * se, diff + z * se, se)
