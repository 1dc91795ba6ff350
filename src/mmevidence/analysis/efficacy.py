"""Time-to-event efficacy analyses as tidy records: Kaplan–Meier per arm, stratified Cox HR and
stratified log-rank between arms, reverse-KM follow-up, censoring-rule sensitivity analyses.

Conventions (ICARIA-MM, Attal et al., Lancet 2019, seed 002 "Statistical analysis" and the
Figure 2 legend): times in months (``adtte.time_months`` = days / 30.4375); Kaplan–Meier
medians and quartiles with Brookmeyer–Crowley CIs on the plan's transform (log-log, as SAS
LIFETEST); landmark survival as R ``summary(survfit, times=)`` (not reported beyond an arm's
last observed time, as SAS); HR from a Cox model (Efron ties, as R ``coxph``) stratified by
the study's stratification factors; log-rank test stratified by the same factors, one-sided
(experimental arm lower hazard) and two-sided, as R ``survdiff(... + strata())``.

Records: ``analysis_id`` "efficacy.<endpoint>" (a sensitivity analysis:
"efficacy.<endpoint>.<sensitivity id>"), ``group`` "arm=<label>" per arm (and "" for the whole
population of a single-arm study) with statistics ``n``, ``events``, ``censored``, ``median``,
``q1``, ``q3``, ``rate_<t>m`` (survival proportion at t months), ``n_risk_<t>m``, ``rmst``
(optional); between arms (group ""): ``hr``, ``p_logrank_one_sided``, ``p_logrank``
(two-sided), ``logrank_chisq``. Follow-up: analysis_id "efficacy.followup", endpoint "FU".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from mmevidence.analysis.plan import AnalysisPlan, EndpointPlan, SensitivityPlan, group_label, population_mask
from mmevidence.analysis.results import as_frame, record
from mmevidence.derive.pipeline import NOT_COMPUTED, derive_endpoints
from mmevidence.stats import cox_ph, kaplan_meier, logrank_test

ARM = "arm"

#: Endpoints defined on responders only: described per arm, not compared (a comparison conditional on a
#: post-randomisation event is not a randomised comparison; ICARIA-MM reports DoR and TTR descriptively).
RESPONDER_ENDPOINTS: frozenset[str] = frozenset({"DOR", "TTR"})


def analysis_frame(adsl: pd.DataFrame, adtte: pd.DataFrame, endpoint: str, plan: AnalysisPlan,
                   population: str) -> pd.DataFrame:
    """One row a patient of ``population`` with an ``endpoint`` row: patient_id, arm, time (months), event
    and the stratification columns (adsl). Patients outside the plan's arms are dropped."""
    pop = adsl.loc[population_mask(adsl, plan.populations[population])]
    cols = ["patient_id", plan.arm_variable] + [s for s in plan.stratification if s in pop.columns]
    tte = adtte.loc[adtte["endpoint"] == endpoint, ["patient_id", "time_months", "event"]]
    frame = pop[list(dict.fromkeys(cols))].merge(tte, on="patient_id", how="inner")
    frame = frame.rename(columns={plan.arm_variable: ARM, "time_months": "time"})
    frame = study_arms_only(frame, plan, f"{endpoint}: population {population!r}")
    frame["event"] = frame["event"].astype(int)
    return frame


def study_arms_only(frame: pd.DataFrame, plan: AnalysisPlan, what: str) -> pd.DataFrame:
    """Rows of ``frame`` whose ``arm`` is one of the plan's arms; warns with the count and values of the others."""
    other = ~frame[ARM].isin(plan.arm_labels)
    if other.any():
        values = sorted(map(str, frame.loc[other, ARM].unique()))
        warnings.warn(f"{what}: {int(other.sum())} patient(s) with arm {values} (not one of the study's arms "
                      f"{list(plan.arm_labels)}) are left out", stacklevel=3)
    return frame.loc[~other].reset_index(drop=True)


def _km_method(plan: AnalysisPlan) -> str:
    return f"Kaplan-Meier, {plan.conf_type} {plan.conf_level:.0%} CI (Brookmeyer-Crowley for quantiles)"


def km_records(time: np.ndarray, event: np.ndarray, plan: AnalysisPlan, analysis_id: str, population: str,
               endpoint: str, group: str) -> list[dict]:
    """n, events, censored, median/q1/q3 with CIs, landmark rates with CIs (and RMST) of one KM curve.

    Quantiles: R ``quantile(survfit(..., conf.type=))`` (:meth:`KaplanMeier.quantile`); q1 is the
    time by which 25% have had the event. Landmarks: R ``summary(fit, times=)``; a time after
    the last observed time is not estimable (NaN), as SAS LIFETEST reports it.
    """
    n = len(time)
    base = dict(analysis_id=analysis_id, population=population, endpoint=endpoint, group=group, n=n)
    events = int(event.sum())
    out = [record(statistic="n", value=n, method="patients", **base),
           record(statistic="events", value=events, method="patients with an event", **base),
           record(statistic="censored", value=n - events, method="patients censored", **base)]
    if n == 0:
        return out
    km = kaplan_meier(time, event, conf_type=plan.conf_type, conf_level=plan.conf_level)
    method = _km_method(plan)
    for name, p in (("median", 0.5), ("q1", 0.25), ("q3", 0.75)):
        q = km.quantile(p)
        out.append(record(statistic=name, value=q.estimate, lower=q.lower, upper=q.upper,
                          method=method + (f"; {q.reason}" if q.reason else ""), **base))
    if plan.landmarks_months:
        marks = km.survival_at(list(plan.landmarks_months))
        last = float(time.max())
        for row in marks.itertuples(index=False):
            tag = f"{row.time:g}m"
            beyond = row.time > last
            nan = math.nan
            out.append(record(statistic=f"rate_{tag}", value=nan if beyond else row.survival,
                              lower=nan if beyond else row.lower, upper=nan if beyond else row.upper,
                              method=method + ("; after the last observed time" if beyond else ""), **base))
            out.append(record(statistic=f"n_risk_{tag}", value=row.n_risk, method="number at risk", **base))
    if plan.rmst_tau_months is not None:
        r = km.rmst(plan.rmst_tau_months)
        out.append(record(statistic="rmst", value=r.estimate, lower=r.lower, upper=r.upper,
                          method=f"restricted mean to {plan.rmst_tau_months:g} months (R print.survfit rmean)",
                          **base))
    return out


def _complete_strata(frame: pd.DataFrame, plan: AnalysisPlan) -> tuple[pd.DataFrame, list[str], str]:
    strata = [s for s in plan.stratification if s in frame.columns]
    missing_cols = [s for s in plan.stratification if s not in frame.columns]
    note = f"; stratification factor(s) {', '.join(missing_cols)} not in adsl" if missing_cols else ""
    if strata:
        ok = frame[strata].notna().all(axis=1)
        if not ok.all():
            note += f"; {int((~ok).sum())} patient(s) with a missing stratification factor excluded"
        frame = frame.loc[ok]
    return frame, strata, note


def comparison_records(frame: pd.DataFrame, plan: AnalysisPlan, analysis_id: str, population: str,
                       endpoint: str) -> list[dict]:
    """Stratified Cox HR (experimental vs control) and stratified log-rank p-values (one- and two-sided).

    Cox: R ``coxph(Surv(time, event) ~ treat + strata(<factors>), ties = "efron")`` with treat = 1 for
    the experimental arm (:func:`mmevidence.stats.cox_ph`). Log-rank: R ``survdiff(Surv(time, event) ~
    treat + strata(<factors>))`` chi-square and its p; one-sided p = Phi(z), z = (O - E) / sqrt(V) of
    the experimental arm (small when the experimental arm has fewer events than expected; SAS LIFETEST
    one-sided convention; :func:`mmevidence.stats.logrank_test` ``alternative="less"``).
    """
    frame = frame.loc[frame[ARM].isin([plan.experimental, plan.control])]
    frame, strata, note = _complete_strata(frame, plan)
    vs = f"{plan.experimental} vs {plan.control}"
    strat_txt = f"stratified by {', '.join(strata)}" if strata else "unstratified"
    base = dict(analysis_id=analysis_id, population=population, endpoint=endpoint, group="", n=len(frame))
    nan = math.nan
    data = pd.DataFrame({"time": frame["time"].to_numpy(float), "event": frame["event"].to_numpy(int),
                         "treat": (frame[ARM] == plan.experimental).to_numpy(float)})
    for s in strata:
        data[s] = frame[s].astype(str).to_numpy()
    out = []
    arms_present = data["treat"].nunique() == 2
    try:
        if not arms_present:
            raise ValueError("both arms are needed")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = cox_ph(data, "time", "event", ["treat"], strata=strata or None, ties=plan.ties,
                         conf_level=plan.conf_level)
        hr = fit.hazard_ratio("treat")
        why = "; ".join([hr.reason] * bool(hr.reason) + [str(w.message) for w in caught])
        out.append(record(statistic="hr", value=hr.estimate, lower=hr.lower, upper=hr.upper,
                          method=f"Cox PH ({plan.ties}) {strat_txt}, {vs}, Wald {plan.conf_level:.0%} CI{note}"
                                 + (f"; {why}" if why else ""), **base))
    except ValueError as exc:
        out.append(record(statistic="hr", value=nan, method=f"not estimable: {exc}", **base))
    strat_codes = data[strata].agg("|".join, axis=1).to_numpy() if strata else None
    group = np.where(data["treat"] == 1, 0, 1)  # 0 = experimental sorts first: "less" = lower hazard
    if arms_present and data["event"].sum() > 0:
        two = logrank_test(data["time"], data["event"], group, strata=strat_codes)
        one = logrank_test(data["time"], data["event"], group, strata=strat_codes, alternative="less")
        lr_method = f"log-rank {strat_txt}, {vs}{note}"
        out += [record(statistic="logrank_chisq", value=two.statistic, method=lr_method, **base),
                record(statistic="p_logrank", value=two.p_value, method=lr_method + ", two-sided", **base),
                record(statistic="p_logrank_one_sided", value=one.p_value,
                       method=lr_method + f", one-sided (H1: {plan.experimental} lower hazard)", **base)]
    else:
        out += [record(statistic=s, value=nan, method="not estimable: no events or one arm only", **base)
                for s in ("logrank_chisq", "p_logrank", "p_logrank_one_sided")]
    return out


def analyse_endpoint(adsl: pd.DataFrame, adtte: pd.DataFrame, endpoint: EndpointPlan | str, plan: AnalysisPlan,
                     analysis_id: str | None = None) -> pd.DataFrame:
    """Records of one endpoint: KM statistics per arm (and overall for a single-arm study) and, for a
    randomised study, the between-arm HR and log-rank p-values (see the module docstring; none for the
    responder-only endpoints :data:`RESPONDER_ENDPOINTS`)."""
    ep = endpoint if isinstance(endpoint, EndpointPlan) else EndpointPlan(endpoint, endpoint,
                                                                         plan.efficacy_population)
    aid = analysis_id or f"efficacy.{ep.id.lower()}"
    frame = analysis_frame(adsl, adtte, ep.id, plan, ep.population)
    recs: list[dict] = []
    for arm in plan.arm_labels:
        sub = frame.loc[frame[ARM] == arm]
        recs += km_records(sub["time"].to_numpy(float), sub["event"].to_numpy(int), plan, aid, ep.population, ep.id,
                           group_label(arm=arm))
    if not plan.randomised:
        recs += km_records(frame["time"].to_numpy(float), frame["event"].to_numpy(int), plan, aid, ep.population,
                           ep.id, "")
    elif len(frame) and ep.id not in RESPONDER_ENDPOINTS:
        recs += comparison_records(frame, plan, aid, ep.population, ep.id)
    return as_frame(recs)


def analyse_follow_up(adsl: pd.DataFrame, adtte: pd.DataFrame, plan: AnalysisPlan) -> pd.DataFrame:
    """Median follow-up with its IQR by the reverse Kaplan–Meier method (Schemper & Smith 1996), per arm
    and overall: the KM of the adtte ``FU`` rows (OS with the event indicator reversed), i.e. R
    ``survfit(Surv(time, 1 - os_status) ~ 1, conf.type=)`` median, quartiles and their CIs."""
    source = "FU"
    tte = adtte
    if not (adtte["endpoint"] == "FU").any():
        tte = adtte.loc[adtte["endpoint"] == "OS"].assign(endpoint="FU", event=lambda d: 1 - d["event"].astype(int))
    frame = analysis_frame(adsl, tte, source, plan, plan.efficacy_population)
    recs = []
    groups = [(group_label(arm=a), frame[ARM] == a) for a in plan.arm_labels] + [("", frame[ARM].notna())]
    for group, mask in groups:
        sub = frame.loc[mask]
        n = len(sub)
        base = dict(analysis_id="efficacy.followup", population=plan.efficacy_population, endpoint="FU",
                    group=group, n=n)
        recs.append(record(statistic="n", value=n, method="patients", **base))
        if n == 0 or sub["event"].sum() == 0:
            continue
        km = kaplan_meier(sub["time"].to_numpy(float), sub["event"].to_numpy(int), conf_type=plan.conf_type,
                          conf_level=plan.conf_level)
        for name, p in (("median", 0.5), ("q1", 0.25), ("q3", 0.75)):
            q = km.quantile(p)
            recs.append(record(statistic=name, value=q.estimate, lower=q.lower, upper=q.upper,
                               method="reverse Kaplan-Meier (Schemper & Smith 1996), " + _km_method(plan), **base))
    return as_frame(recs)


def _config_with(base: Any, overrides: Mapping[str, Any]) -> Any:
    from mmevidence.derive.config import DeriveConfig
    base = base or DeriveConfig()
    known = {f.name for f in fields(DeriveConfig)}
    return replace(base, **{k: v for k, v in overrides.items() if k in known})


def analyse_sensitivity(tables: Mapping[str, pd.DataFrame | None], adsl: pd.DataFrame, sensitivity: SensitivityPlan,
                        plan: AnalysisPlan, base_config: Any = None, cutoff: Any = None,
                        imwg: Any = NOT_COMPUTED) -> pd.DataFrame:
    """A censoring-rule sensitivity analysis: adtte re-derived from the store's source ``tables`` by
    :func:`mmevidence.derive.pipeline.derive_endpoints` with ``base_config`` (the configuration of the
    primary derivation) changed by ``sensitivity.config``, then :func:`analyse_endpoint` on it
    (analysis_id "efficacy.<endpoint>.<sensitivity id>"). Population flags and stratification come
    from ``adsl`` (the primary derivation), so only the endpoint's censoring differs. ``imwg``: the
    IMWG result (:func:`~mmevidence.derive.pipeline.imwg_responses`) when the caller has it."""
    config = _config_with(base_config, sensitivity.config)
    adtte = derive_endpoints(dict(tables), adsl, config, cutoff, imwg)
    ep = next((e for e in plan.endpoints if e.id == sensitivity.endpoint),
              EndpointPlan(sensitivity.endpoint, sensitivity.endpoint, plan.efficacy_population))
    out = analyse_endpoint(adsl, adtte, ep, plan,
                           analysis_id=f"efficacy.{ep.id.lower()}.{sensitivity.id}")
    changed = ", ".join(f"{k}={v}" for k, v in sensitivity.config.items())
    out["method"] = out["method"] + f" [sensitivity: {sensitivity.label}; derive {changed}]"
    return out


def analyse_efficacy(adsl: pd.DataFrame, adtte: pd.DataFrame, plan: AnalysisPlan) -> pd.DataFrame:
    """Records of every planned endpoint present in ``adtte``, then the follow-up (no sensitivity analyses:
    they need the source tables, see :func:`analyse_sensitivity`)."""
    present = set(adtte["endpoint"].unique())
    parts = [analyse_endpoint(adsl, adtte, ep, plan) for ep in plan.endpoints if ep.id in present]
    if present & {"FU", "OS"}:
        parts.append(analyse_follow_up(adsl, adtte, plan))
    return pd.concat(parts, ignore_index=True) if parts else as_frame([])
