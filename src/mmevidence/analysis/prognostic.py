"""Prognostic-factor analyses as tidy records (analysis_id prefix ``"prognostic."``).

Seed 004 (Martino et al., Hematol Oncol 2025, the Italian daratumumab-refractory cohort) picks a
hemoglobin cut-off by ROC analysis and reports the hazard ratio below it; this module produces
that analysis and the figures a reader needs to judge it:

* :func:`cox_tables` -- univariable and multivariable Cox models (Efron ties, R ``coxph``) of
  chosen baseline factors on one endpoint, with the Grambsch–Therneau test of proportional
  hazards per term and GLOBAL (R ``cox.zph``). Complete cases per model (as R's ``na.omit``);
  the number left out is recorded.
* :func:`marker_analysis` -- one continuous marker: ROC against "event by H months" (patients
  censored at or before H are excluded, since their status at H is unknown: the records say how
  many), AUC with DeLong CI (``pROC``), Youden cut-point (``cutpointr``), maximally selected
  log-rank cut-point (``maxstat``) with its *unadjusted* p (standardised statistic read as if
  the cut had been fixed in advance, 2 Phi(-M)) and the Lausen–Schumacher *adjusted* p side by
  side, bootstrap optimism correction of the selected cut (HR, log-rank, Youden J/AUC) with a
  percentile CI of the cut, Kaplan–Meier and HR by the derived groups, HR per unit, restricted
  cubic spline log-HR curve (``rms::rcs``) and time-dependent AUC at horizons (IPCW, Uno 2007).
* :func:`response_by_subgroup` -- response rate per subgroup level (Clopper–Pearson), Fisher
  exact p (two levels) and logistic odds ratios vs the reference level.
* :func:`landmark_analysis` -- an endpoint by response status at a landmark: patients with an
  event or censored at or before the landmark are excluded and time restarts at the landmark
  (Anderson, Cain & Gelber 1983, J Clin Oncol 1:710), which avoids the immortal-time bias of
  comparing responders with non-responders from the index date.

Inputs are the derived datasets: ``adsl`` (one row a patient, ``patient_id`` + covariates;
filter it to the analysis set first), ``adtte`` (``patient_id, endpoint, time_months, event``),
``adrs`` (``param`` "OVR"/"BOR", ``date``, ``response``). Times are in months.

Which side of a marker carries the risk is stated, not guessed: ``risk="low"`` (hemoglobin) or
``"high"``. The index group of a cut-point is the risk side (``marker <= cut`` for "low").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from mmevidence.derive.adtte import DAYS_PER_MONTH
from mmevidence.analysis.results import as_frame, record
from mmevidence.stats import (
    clopper_pearson, cox_ph, fisher_exact, kaplan_meier, logistic_regression, logrank_test, maxstat_cutpoint,
    ph_test, roc_auc, youden_cutpoint,
)
from mmevidence.stats.cutpoint_bootstrap import cutpoint_bootstrap, index_group
from mmevidence.stats.cutpoints import p_lausen92, p_lausen94
from mmevidence.stats.splines import rcs_cox
from mmevidence.stats.time_roc import time_dependent_auc

Risk = Literal["low", "high"]
RESPONDERS: tuple[str, ...] = ("sCR", "CR", "VGPR", "PR")
COX_METHOD = "Cox PH (Efron ties), Wald CI"
ZPH_METHOD = "Grambsch-Therneau score test, KM time transform (R cox.zph)"


def tte_frame(adsl: pd.DataFrame, adtte: pd.DataFrame, endpoint: str, columns: Sequence[str] = ()) -> pd.DataFrame:
    """One row a patient of ``adsl`` with an ``endpoint`` row: patient_id, time (months), event, ``columns``."""
    missing = [c for c in columns if c not in adsl.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in adsl")
    tte = adtte.loc[adtte["endpoint"] == endpoint, ["patient_id", "time_months", "event"]]
    if tte.empty:
        raise ValueError(f"endpoint {endpoint!r}: no rows in adtte")
    frame = adsl[["patient_id", *dict.fromkeys(columns)]].merge(tte, on="patient_id", how="inner")
    frame = frame.rename(columns={"time_months": "time"})
    frame["event"] = frame["event"].astype(int)
    return frame.reset_index(drop=True)


def _complete(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, int]:
    keep = frame[list(columns)].notna().all(axis=1)
    return frame.loc[keep].reset_index(drop=True), int((~keep).sum())


def _fit_records(fit, aid: str, population: str, endpoint: str, prefix: str, n_excluded: int) -> list[dict]:
    base = dict(analysis_id=aid, population=population, endpoint=endpoint)
    out = []
    for row in fit.summary.itertuples(index=False):
        g = f"{prefix}term={row.term}" if prefix else f"term={row.term}"
        out.append(record(group=g, statistic="hr", value=row.hr, lower=row.hr_lower, upper=row.hr_upper,
                          n=fit.n, method=f"{COX_METHOD} {fit.conf_level:.0%}", **base))
        out.append(record(group=g, statistic="p_value", value=row.p, n=fit.n, method="Wald test", **base))
    g = prefix.rstrip("|")
    out += [record(group=g, statistic="n", value=fit.n, n=fit.n, method="patients in the model (complete cases)",
                   **base),
            record(group=g, statistic="events", value=fit.n_events, n=fit.n, method="events", **base),
            record(group=g, statistic="n_excluded_missing", value=n_excluded, method="patients with a missing value",
                   **base),
            record(group=g, statistic="p_lr", value=fit.tests["likelihood_ratio"].p, n=fit.n,
                   method=f"likelihood-ratio test, df={fit.tests['likelihood_ratio'].df}", **base)]
    zph = ph_test(fit)
    for row in zph.itertuples(index=False):
        zg = f"{prefix}ph={row.term}" if prefix else f"ph={row.term}"
        out.append(record(group=zg, statistic="ph_chisq", value=row.chisq, n=fit.n,
                          method=f"{ZPH_METHOD}, df={int(row.df)}", **base))
        out.append(record(group=zg, statistic="ph_p", value=row.p, n=fit.n, method=ZPH_METHOD, **base))
    return out


def cox_tables(adsl: pd.DataFrame, adtte: pd.DataFrame, endpoint: str, factors: Sequence[str],
               multivariable: bool = True, population: str = "all", ties: str = "efron",
               conf_level: float = 0.95) -> pd.DataFrame:
    """Univariable Cox model of each factor and (optionally) the multivariable model of all of them.

    Records ``prognostic.cox.univariable`` (group ``"factor=<f>|term=<term>"`` with ``hr`` + CI and
    ``p_value``; ``"factor=<f>"`` with ``n``, ``events``, ``n_excluded_missing``, ``p_lr``;
    ``"factor=<f>|ph=<term or GLOBAL>"`` with ``ph_chisq``, ``ph_p``) and
    ``prognostic.cox.multivariable`` (the same without the ``factor=`` part). Term names as R
    (``sexM``). Each model uses its complete cases (R ``coxph`` with ``na.omit``), so the
    univariable models may rest on more patients than the multivariable one; ``n`` says how many.
    """
    factors = list(factors)
    frame = tte_frame(adsl, adtte, endpoint, factors)
    out: list[dict] = []
    for f in factors:
        data, dropped = _complete(frame, [f])
        fit = cox_ph(data, "time", "event", [f], ties=ties, conf_level=conf_level)
        out += _fit_records(fit, "prognostic.cox.univariable", population, endpoint, f"factor={f}|", dropped)
    if multivariable and len(factors) > 1:
        data, dropped = _complete(frame, factors)
        fit = cox_ph(data, "time", "event", factors, ties=ties, conf_level=conf_level)
        out += _fit_records(fit, "prognostic.cox.multivariable", population, endpoint, "", dropped)
    return as_frame(out)


def binary_outcome_at(time: np.ndarray, event: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """(known, outcome): outcome = event at or before ``horizon``; known = time > horizon or an event by
    then. Patients censored at or before the horizon have an unknown status and are left out
    (the convention of the time-dependent ROC: controls T > H, cases T <= H with an event)."""
    case = (time <= horizon) & (event == 1)
    known = case | (time > horizon)
    return known, case.astype(int)


def _cox_noting(data: pd.DataFrame, covariates: list[str], conf_level: float):
    """:func:`cox_ph` with R's fit warnings (non-convergence, infinite coefficient) caught and returned
    as text for the record's ``method`` instead of being lost in the log."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cox_ph(data, "time", "event", covariates, conf_level=conf_level)
    note = "; ".join(str(w.message) for w in caught)
    return fit, (f"; WARNING: {note}" if note else "")


def _km_group_records(t: np.ndarray, e: np.ndarray, g: np.ndarray, aid: str, population: str, endpoint: str,
                      labels: tuple[str, str], conf_type: str, conf_level: float) -> list[dict]:
    """n, events, median (CI) per group; HR (index group vs the other; Cox Efron) and log-rank p."""
    base = dict(analysis_id=aid, population=population, endpoint=endpoint)
    out = []
    for flag, label in ((True, labels[0]), (False, labels[1])):
        tt, ee = t[g == flag], e[g == flag]
        grp = f"group={label}"
        out += [record(group=grp, statistic="n", value=len(tt), n=len(tt), method="patients", **base),
                record(group=grp, statistic="events", value=ee.sum(), n=len(tt), method="events", **base)]
        if len(tt):
            q = kaplan_meier(tt, ee, conf_type=conf_type, conf_level=conf_level).quantile(0.5)
            out.append(record(group=grp, statistic="median", value=q.estimate, lower=q.lower, upper=q.upper,
                              n=len(tt), method=f"Kaplan-Meier median, {conf_type} {conf_level:.0%} CI "
                              f"(Brookmeyer-Crowley){'; ' + q.reason if q.reason else ''}", **base))
    if 0 < g.sum() < len(g):
        data = pd.DataFrame({"time": t, "event": e, "index_group": g.astype(float)})
        fit, note = _cox_noting(data, ["index_group"], conf_level)
        hr = fit.hazard_ratio("index_group")
        out.append(record(group="", statistic="hr", value=hr.estimate, lower=hr.lower, upper=hr.upper, n=len(t),
                          method=f"{COX_METHOD} {conf_level:.0%}, {labels[0]} vs {labels[1]}{note}", **base))
        lr = logrank_test(t, e, g.astype(int))
        out.append(record(group="", statistic="p_logrank", value=lr.p_value, n=len(t),
                          method="log-rank test (R survdiff), not adjusted for data-driven grouping", **base))
        out.append(record(group="", statistic="logrank_chisq", value=lr.statistic, n=len(t),
                          method="log-rank chi-square, df=1", **base))
    return out


def marker_analysis(adsl: pd.DataFrame, adtte: pd.DataFrame, endpoint: str, marker: str, risk: Risk,
                    horizon: float | None = None, time_auc_horizons: Sequence[float] = (),
                    n_boot: int = 200, seed: int = 20240101, bootstrap_indices: dict | None = None,
                    minprop: float = 0.1, maxprop: float = 0.9, spline_knots: int = 4,
                    spline_grid: Sequence[float] | None = None, population: str = "all",
                    conf_type: str = "log-log", conf_level: float = 0.95) -> pd.DataFrame:
    """Everything a prognostic claim about one continuous ``marker`` needs, as records.

    ``risk``: which values carry the risk ("low" for hemoglobin). ``horizon`` (months): ROC and
    Youden analysis of "event by ``horizon``" (skipped when None). Records (analysis_id, group):

    * ``prognostic.marker.<m>`` "": ``n``, ``events``, ``n_excluded_missing``; ``hr_per_unit``
      (Cox, per one unit of the marker) and its ``p_value``;
    * ``prognostic.roc.<m>`` "horizon=<H>": ``auc`` (DeLong CI; pROC direction chosen from
      ``risk``), ``n_cases``, ``n_controls``, ``n_excluded_censored``;
    * ``prognostic.cutpoint.<method>.<m>`` "" for method ``maxstat`` and ``youden``: ``cutpoint``
      (lower/upper: bootstrap percentile CI), for maxstat ``statistic`` (max standardised
      log-rank), ``p_unadjusted`` (2 Phi(-M)), ``p_adjusted`` (Lausen & Schumacher 1992),
      ``p_adjusted_lau94``; for Youden ``youden_j``, ``sensitivity``, ``specificity``; then the
      bootstrap: ``<stat>_apparent``, ``<stat>_optimism``, ``<stat>_corrected`` for log_hr,
      logrank_chisq (and youden_j, auc for Youden), ``hr_corrected`` = exp(corrected log HR),
      ``n_boot``;
    * ``prognostic.km.<method>.<m>`` "group=<risk>"/"group=<other>": KM n, events, median; "":
      ``hr`` (risk group vs other), ``p_logrank`` (unadjusted for the selection), ``logrank_chisq``;
    * ``prognostic.time_auc.<m>`` "horizon=<t>": ``auc``, ``n_cases``, ``n_controls``, ``n_censored``;
    * ``prognostic.spline.<m>`` "x=<value>": ``hr`` (vs the median, pointwise CI); "":
      ``reference``, ``knot_<i>``, ``p_nonlinear``, ``p_overall``.

    ``bootstrap_indices`` (``{"maxstat": array, "youden": array}``) replays given resamples.
    """
    if risk not in ("low", "high"):
        raise ValueError(f"risk: expected 'low' or 'high', got {risk!r}")
    frame = tte_frame(adsl, adtte, endpoint, [marker])
    data, dropped = _complete(frame, [marker])
    t, e = data["time"].to_numpy(float), data["event"].to_numpy(float)
    x = data[marker].to_numpy(float)
    side = "<=" if risk == "low" else ">="
    labels = ("low", "high") if risk == "low" else ("high", "low")
    boots = bootstrap_indices or {}
    out: list[dict] = []
    aid = f"prognostic.marker.{marker}"
    base = dict(population=population, endpoint=endpoint)
    out += [record(aid, group="", statistic="n", value=len(t), n=len(t), method="patients with the marker", **base),
            record(aid, group="", statistic="events", value=e.sum(), n=len(t), method="events", **base),
            record(aid, group="", statistic="n_excluded_missing", value=dropped, method="marker missing", **base)]
    fit, note = _cox_noting(data, [marker], conf_level)
    hr = fit.hazard_ratio(marker)
    out += [record(aid, group="", statistic="hr_per_unit", value=hr.estimate, lower=hr.lower, upper=hr.upper,
                   n=len(t), method=f"{COX_METHOD} {conf_level:.0%}, per 1 unit of {marker} (linear){note}", **base),
            record(aid, group="", statistic="p_value", value=float(fit.summary["p"].iloc[0]), n=len(t),
                   method="Wald test of the linear term", **base)]

    # maximally selected log-rank cut-point: unadjusted and adjusted p side by side
    ms = maxstat_cutpoint(t, e, x, minprop=minprop, maxprop=maxprop)
    m_sizes = ms.curve["n_low"].to_numpy()
    mb = cutpoint_bootstrap(x, t, e, method="maxstat", side=side, n_boot=n_boot, seed=seed,
                            indices=boots.get("maxstat"), conf_level=conf_level, minprop=minprop, maxprop=maxprop)
    cid = f"prognostic.cutpoint.maxstat.{marker}"
    sel = f"maximally selected log-rank statistic (R maxstat, minprop={minprop}, maxprop={maxprop})"
    out += [record(cid, group="", statistic="cutpoint", value=ms.cutpoint, lower=mb.cut_lower, upper=mb.cut_upper,
                   n=len(t), method=f"{sel}; groups <= cut / > cut; {conf_level:.0%} bootstrap percentile CI "
                   f"({mb.n_boot} resamples)", **base),
            record(cid, group="", statistic="statistic", value=ms.statistic, n=len(t),
                   method="max |standardised log-rank statistic|", **base),
            record(cid, group="", statistic="p_unadjusted", value=2 * norm.sf(ms.statistic), n=len(t),
                   method="2 Phi(-M): as if the cut-point were pre-specified (not valid after selection)", **base),
            record(cid, group="", statistic="p_adjusted", value=p_lausen92(ms.statistic, minprop, maxprop), n=len(t),
                   method="Lausen-Schumacher 1992 adjusted for cut-point selection (maxstat pmethod='Lau92')",
                   **base),
            record(cid, group="", statistic="p_adjusted_lau94", value=p_lausen94(ms.statistic, len(t), m_sizes),
                   n=len(t), method="Lausen-Sauerbrei-Schumacher 1994 improved Bonferroni (maxstat 'Lau94')",
                   **base)]
    out += _bootstrap_records(mb, cid, base, len(t))
    g = index_group(x, ms.cutpoint, "maxstat", side)
    out += _km_group_records(t, e, g, f"prognostic.km.maxstat.{marker}", population, endpoint, labels,
                             conf_type, conf_level)

    if horizon is not None:
        out += _roc_records(t, e, x, marker, risk, side, labels, horizon, boots.get("youden"), n_boot, seed,
                            population, endpoint, conf_type, conf_level)
    if len(time_auc_horizons):
        tid = f"prognostic.time_auc.{marker}"
        ta = time_dependent_auc(t, e, x, list(time_auc_horizons), direction="<" if risk == "low" else ">")
        m = "cumulative/dynamic AUC(t), marginal IPCW (Uno 2007; timeROC 'cumulative')"
        for row in ta.itertuples(index=False):
            hg = f"horizon={row.horizon:g}"
            out += [record(tid, group=hg, statistic="auc", value=row.auc, n=len(t), method=m, **base),
                    record(tid, group=hg, statistic="n_cases", value=row.n_cases, n=len(t), method=m, **base),
                    record(tid, group=hg, statistic="n_controls", value=row.n_controls, n=len(t), method=m, **base),
                    record(tid, group=hg, statistic="n_censored", value=row.n_censored, n=len(t), method=m, **base)]

    if spline_knots:
        sp = rcs_cox(data, "time", "event", marker, nk=spline_knots, grid=spline_grid, conf_level=conf_level)
        sid = f"prognostic.spline.{marker}"
        m = f"Cox with restricted cubic spline, {len(sp.knots)} knots (rms::rcs), HR vs {marker} = {sp.reference:g}"
        for row in sp.curve.itertuples(index=False):
            out.append(record(sid, group=f"x={row.x:.10g}", statistic="hr", value=row.hr, lower=row.hr_lower,
                              upper=row.hr_upper, n=len(t), method=m, **base))
        out.append(record(sid, group="", statistic="reference", value=sp.reference, n=len(t), method=m, **base))
        out += [record(sid, group="", statistic=f"knot_{i + 1}", value=k, method="Harrell's default knots", **base)
                for i, k in enumerate(sp.knots)]
        out += [record(sid, group="", statistic="p_nonlinear", value=sp.nonlinear.p, n=len(t),
                       method=f"Wald test of the nonlinear terms, df={sp.nonlinear.df} (anova.rms)", **base),
                record(sid, group="", statistic="p_overall", value=sp.overall.p, n=len(t),
                       method=f"Wald test of all spline terms, df={sp.overall.df} (anova.rms)", **base)]
    return as_frame(out)


def _roc_records(t: np.ndarray, e: np.ndarray, x: np.ndarray, marker: str, risk: str, side: str,
                 labels: tuple[str, str], horizon: float, indices, n_boot: int, seed: int, population: str,
                 endpoint: str, conf_type: str, conf_level: float) -> list[dict]:
    """ROC (AUC, DeLong CI) and Youden cut-point for "event by ``horizon``" among the patients whose
    status at the horizon is known, its bootstrap, and KM by the Youden groups (all patients)."""
    known, y = binary_outcome_at(t, e, horizon)
    tk, ek, xk, yk = t[known], e[known], x[known], y[known]
    rid = f"prognostic.roc.{marker}"
    hg = f"horizon={horizon:g}"
    base = dict(population=population, endpoint=endpoint)
    excl = f"event by {horizon:g} months vs event-free beyond; {int((~known).sum())} patients censored at " \
           f"or before {horizon:g} months excluded (status unknown)"
    out = [record(rid, group=hg, statistic="n_cases", value=yk.sum(), n=int(known.sum()), method=excl, **base),
           record(rid, group=hg, statistic="n_controls", value=len(yk) - yk.sum(), n=int(known.sum()),
                  method=excl, **base),
           record(rid, group=hg, statistic="n_excluded_censored", value=int((~known).sum()), n=len(t),
                  method=excl, **base)]
    if not 0 < yk.sum() < len(yk):
        out.append(record(rid, group=hg, statistic="auc", value=math.nan, n=int(known.sum()),
                          method=f"not estimable: no cases or no controls; {excl}", **base))
        return out
    auc = roc_auc(xk, yk, direction=">" if risk == "low" else "<", conf_level=conf_level)
    out += [record(rid, group=hg, statistic="auc", value=auc.estimate, lower=auc.lower, upper=auc.upper,
                   n=int(known.sum()), method=f"empirical ROC AUC, DeLong {conf_level:.0%} CI (pROC); {excl}",
                   **base)]
    yc = youden_cutpoint(xk, yk, direction=side)
    yb = cutpoint_bootstrap(xk, tk, ek, outcome=yk, method="youden", side=side, n_boot=n_boot, seed=seed,
                            indices=indices, conf_level=conf_level)
    yid = f"prognostic.cutpoint.youden.{marker}"
    ysel = f"Youden index on the ROC for event by {horizon:g} months (cutpointr, positive: marker {side} cut)"
    out += [record(yid, group="", statistic="cutpoint", value=yc.cutpoint, lower=yb.cut_lower,
                   upper=yb.cut_upper, n=len(yk), method=f"{ysel}; {conf_level:.0%} bootstrap percentile CI "
                   f"({yb.n_boot} resamples); {excl}", **base),
            record(yid, group="", statistic="youden_j", value=yc.youden, n=len(yk), method=ysel, **base),
            record(yid, group="", statistic="sensitivity", value=yc.sensitivity, n=len(yk), method=ysel, **base),
            record(yid, group="", statistic="specificity", value=yc.specificity, n=len(yk), method=ysel, **base)]
    out += _bootstrap_records(yb, yid, base, len(yk))
    # KM by the Youden groups on all patients with the marker (not only those with known status)
    gy = index_group(x, yc.cutpoint, "youden", side)
    out += _km_group_records(t, e, gy, f"prognostic.km.youden.{marker}", population, endpoint, labels,
                             conf_type, conf_level)
    return out


def _bootstrap_records(b, aid: str, base: dict, n: int) -> list[dict]:
    m = f"Harrell bootstrap optimism correction of the whole cut-point selection, {b.n_boot} resamples" + \
        (f", seed {b.seed}" if b.seed is not None else ", given resamples")
    out = []
    for row in b.statistics.itertuples(index=False):
        for what, v in (("apparent", row.apparent), ("optimism", row.optimism), ("corrected", row.corrected)):
            out.append(record(aid, group="", statistic=f"{row.statistic}_{what}", value=v, n=n,
                              method=f"{m}; {row.n_valid} valid", **base))
        if row.statistic == "log_hr":
            out.append(record(aid, group="", statistic="hr_corrected", value=math.exp(row.corrected), n=n,
                              method=f"{m}; exp(optimism-corrected log HR)", **base))
    out.append(record(aid, group="", statistic="n_boot", value=b.n_boot, n=n, method=m, **base))
    return out


def best_response(adrs: pd.DataFrame) -> pd.Series:
    """BOR per patient (``param == "BOR"``) as a Series indexed by patient_id."""
    bor = adrs.loc[adrs["param"] == "BOR"].drop_duplicates("patient_id")
    return bor.set_index("patient_id")["response"]


def response_by_subgroup(adsl: pd.DataFrame, adrs: pd.DataFrame, subgroups: Sequence[str],
                         responders: Sequence[str] = RESPONDERS, population: str = "all",
                         conf_level: float = 0.95) -> pd.DataFrame:
    """Response rate by subgroup: per level ``n``, ``responders``, ``rate`` (Clopper–Pearson CI) and
    ``odds_ratio`` vs the first level (logistic regression, Wald CI, R ``glm``) with ``p_value``;
    per variable (group ``"variable=<v>"``) ``p_fisher`` (two levels only: R ``fisher.test``) and
    ``p_lr`` (likelihood-ratio test of the logistic model). Responders: best overall response in
    ``responders`` (ORR: PR or better). A patient without a BOR row counts as a non-responder
    (NE), as in an intention-to-treat response rate; a missing subgroup value is left out.
    analysis_id ``prognostic.response``, endpoint "ORR"."""
    bor = best_response(adrs)
    aid = "prognostic.response"
    base = dict(analysis_id=aid, population=population, endpoint="ORR")
    out: list[dict] = []
    for var in subgroups:
        d = adsl[["patient_id", var]].dropna().copy()
        if d[var].map(lambda v: isinstance(v, (bool, np.bool_))).all():
            d[var] = d[var].map(str)   # "False" < "True": R's logical -> FALSE reference, term names as levels
        d["resp"] = d["patient_id"].map(bor).isin(list(responders)).astype(int)
        levels = sorted(d[var].unique()) if not isinstance(d[var].dtype, pd.CategoricalDtype) else \
            [c for c in d[var].cat.categories if c in set(d[var])]
        for lev in levels:
            sub = d.loc[d[var] == lev, "resp"]
            k, n = int(sub.sum()), len(sub)
            ci = clopper_pearson(k, n, conf_level)
            g = f"{var}={lev}"
            out += [record(group=g, statistic="n", value=n, n=n, method="patients", **base),
                    record(group=g, statistic="responders", value=k, n=n, method=f"BOR in {'/'.join(responders)}",
                           **base),
                    record(group=g, statistic="rate", value=ci.estimate, lower=ci.lower, upper=ci.upper, n=n,
                           method=f"proportion, Clopper-Pearson {conf_level:.0%} CI", **base)]
        gv = f"variable={var}"
        if len(levels) == 2:
            a = int(d.loc[d[var] == levels[1], "resp"].sum())
            b = int((d[var] == levels[1]).sum()) - a
            c = int(d.loc[d[var] == levels[0], "resp"].sum())
            dd = int((d[var] == levels[0]).sum()) - c
            out.append(record(group=gv, statistic="p_fisher", value=fisher_exact(a, b, c, dd).p, n=len(d),
                              method="Fisher exact test, two-sided (R fisher.test)", **base))
        if len(levels) >= 2 and 0 < d["resp"].sum() < len(d):
            x = d[[var, "resp"]].copy()
            x[var] = pd.Categorical(x[var], categories=levels)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = logistic_regression(x, "resp", [var], conf_level=conf_level)
            note = "; ".join(str(w.message) for w in caught)
            for row in fit.summary.itertuples(index=False):
                if row.term == "(Intercept)":
                    continue
                lev = row.term[len(var):]
                g = f"{var}={lev}"
                m = f"logistic regression (R glm), Wald {conf_level:.0%} CI, vs {var}={levels[0]}" + \
                    (f"; {note}" if note else "")
                out += [record(group=g, statistic="odds_ratio", value=row.odds_ratio, lower=row.or_lower,
                               upper=row.or_upper, n=len(d), method=m, **base),
                        record(group=g, statistic="p_value", value=row.p, n=len(d), method="Wald test", **base)]
            out.append(record(group=gv, statistic="p_lr", value=fit.lr_test.p, n=len(d),
                              method=f"likelihood-ratio test, df={fit.lr_test.df}", **base))
    return as_frame(out)


def first_response_months(adsl: pd.DataFrame, adrs: pd.DataFrame, responders: Sequence[str] = RESPONDERS,
                          days_per_month: float = DAYS_PER_MONTH) -> pd.Series:
    """Months from ``adsl.index_date`` to the first per-visit (``OVR``) response in ``responders``
    (``confirmed_response`` where present, else ``response``); patients never responding are absent."""
    ovr = adrs.loc[adrs["param"] == "OVR"].copy()
    resp = ovr["confirmed_response"].where(ovr["confirmed_response"].notna(), ovr["response"]) \
        if "confirmed_response" in ovr.columns else ovr["response"]
    ovr = ovr.loc[resp.isin(list(responders))]
    first = ovr.groupby("patient_id")["date"].min()
    index = adsl.set_index("patient_id")["index_date"]
    days = (pd.to_datetime(first) - pd.to_datetime(index.reindex(first.index))).dt.days
    return (days / days_per_month).rename("response_months")


def landmark_analysis(adsl: pd.DataFrame, adtte: pd.DataFrame, response_months: pd.Series, landmark: float,
                      endpoint: str = "OS", population: str = "all", conf_type: str = "log-log",
                      conf_level: float = 0.95) -> pd.DataFrame:
    """``endpoint`` by response status at ``landmark`` months (Anderson et al. 1983).

    ``response_months``: months to first response per patient_id (absent/NaN = never), e.g. from
    :func:`first_response_months`. Patients with an event or censored at or before the landmark
    (time <= landmark) are excluded; a patient is a responder if the response came at or before
    the landmark; time restarts at the landmark (time - landmark). Classifying responders by a
    response that happens later would credit them with the event-free time before it
    (immortal-time bias); the landmark removes that. Records ``prognostic.landmark`` (group
    ``"landmark=<L>|status=responder"``/``"...|status=non-responder"``: n, events, median from the
    landmark; ``"landmark=<L>"``: ``n_excluded`` (event or censored by the landmark), ``hr``
    (responders vs non-responders), ``p_logrank``)."""
    frame = tte_frame(adsl, adtte, endpoint)
    keep = frame["time"] > landmark
    d = frame.loc[keep].reset_index(drop=True)
    r = d["patient_id"].map(response_months)
    g = (r.notna() & (r <= landmark)).to_numpy()
    t = d["time"].to_numpy(float) - landmark
    e = d["event"].to_numpy(float)
    lg = f"landmark={landmark:g}"
    recs = _km_group_records(t, e, g, "prognostic.landmark", population, endpoint, ("responder", "non-responder"),
                             conf_type, conf_level)
    for rec in recs:
        rec["group"] = f"{lg}|{rec['group']}" if rec["group"] else lg
        rec["method"] += f"; time from the {landmark:g}-month landmark"
    recs.append(record("prognostic.landmark", population, endpoint, lg, "n_excluded", int((~keep).sum()),
                       n=len(frame), method=f"event or censored at or before {landmark:g} months (excluded)"))
    return as_frame(recs)
