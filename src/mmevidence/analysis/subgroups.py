"""Subgroup analyses of a time-to-event endpoint as tidy records (ICARIA-MM Figure 3).

Within each level of each subgroup factor: the treatment hazard ratio (experimental vs
control) from an *unstratified* Cox model on the patients of that level (R
``coxph(Surv(time, event) ~ treat, subset = level)``, Efron ties), with the number of
patients and events per arm. Across levels: the treatment-by-factor interaction test from
the Cox model "with terms for the factor, treatment, and their interaction" (seed 002,
"Statistical analysis"; the paper tests it at the 10% level) on the patients with a
non-missing factor -- every observed level enters the model, also levels the paper does not
show (ICARIA-MM shows "refractory to lenalidomide: yes"; the model compares yes with no) --
with treatment contrasts against the first listed level:

* ``interaction_test="wald"`` (default): ``b' V^-1 b`` over the K - 1 interaction
  coefficients of the full model, chi-square(K - 1). This is SAS PROC PHREG's Type 3 test of
  the interaction effect (its default is Wald), which is how the SAS 9.4 analysis of
  ICARIA-MM would have tested it; the statistic does not depend on the reference level.
* ``"lr"``: ``2 (l_full - l_reduced)`` against the model without the interaction, R
  ``anova(coxph(~ treat + factor), coxph(~ treat * factor))``; better behaved in small
  subgroups, offered for users who follow R.

Records: analysis_id "subgroup.<endpoint>.<variable>", group "<variable>=<level>" for
``hr``, "arm=<label>|<variable>=<level>" for ``n``/``events``, "" for ``p_interaction``
(with ``value``, and ``n`` = patients in the model) and ``interaction_chisq``; the whole
population (unstratified HR, same method) as analysis_id "subgroup.<endpoint>.all".
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from mmevidence.analysis.efficacy import ARM, analysis_frame
from mmevidence.analysis.plan import AnalysisPlan, SubgroupPlan, group_label, level_mask
from mmevidence.analysis.results import as_frame, record
from mmevidence.stats import cox_ph


def _hr_record(data: pd.DataFrame, plan: AnalysisPlan, base: dict) -> dict:
    """Unstratified Cox HR of ``treat`` in ``data`` (NaN with the reason when not estimable)."""
    method = f"Cox PH ({plan.ties}) unstratified, {plan.experimental} vs {plan.control}, Wald {plan.conf_level:.0%} CI"
    if data["treat"].nunique() < 2 or data["event"].sum() == 0:
        return record(statistic="hr", value=math.nan, method="not estimable: needs both arms and an event", **base)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = cox_ph(data, "time", "event", ["treat"], ties=plan.ties, conf_level=plan.conf_level)
    except ValueError as exc:
        return record(statistic="hr", value=math.nan, method=f"not estimable: {exc}", **base)
    hr = fit.hazard_ratio("treat")
    why = "; ".join([hr.reason] * bool(hr.reason) + [str(w.message) for w in caught])
    return record(statistic="hr", value=hr.estimate, lower=hr.lower, upper=hr.upper,
                  method=method + (f"; {why}" if why else ""), **base)


def _arm_counts(data: pd.DataFrame, plan: AnalysisPlan, base: dict, prefix: str) -> list[dict]:
    out = []
    for arm in (plan.experimental, plan.control):
        sub = data.loc[data[ARM] == arm]
        g = "|".join(x for x in (group_label(arm=arm), prefix) if x)
        b = {**base, "group": g, "n": len(sub)}
        out += [record(statistic="n", value=len(sub), method="patients", **b),
                record(statistic="events", value=int(sub["event"].sum()), method="patients with an event", **b)]
    return out


def interaction_test(data: pd.DataFrame, factor: pd.Series, plan: AnalysisPlan) -> tuple[float, int, float]:
    """(chi-square, df, p) of the treatment-by-factor interaction (module docstring); ``factor`` holds level
    indices 0..K-1 (0 = reference). Raises ``ValueError`` when the model is not estimable."""
    k = int(factor.max()) + 1
    design = data[["time", "event", "treat"]].copy()
    main = [f"f{j}" for j in range(1, k)]
    inter = [f"treat_f{j}" for j in range(1, k)]
    for j in range(1, k):
        design[f"f{j}"] = (factor == j).to_numpy(float)
        design[f"treat_f{j}"] = design["treat"] * design[f"f{j}"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = cox_ph(design, "time", "event", ["treat"] + main + inter, ties=plan.ties)
        if plan.interaction_test == "lr":
            reduced = cox_ph(design, "time", "event", ["treat"] + main, ties=plan.ties)
            stat = 2.0 * (full.loglik[1] - reduced.loglik[1])
        else:
            b = full.summary.set_index("term").loc[inter, "coef"].to_numpy(float)
            v = full.var.loc[inter, inter].to_numpy(float)
            stat = float(b @ np.linalg.solve(v, b))
    return stat, k - 1, float(chdtrc(k - 1, stat))


def analyse_subgroup(frame: pd.DataFrame, subgroup: SubgroupPlan, plan: AnalysisPlan, population: str,
                     endpoint: str) -> list[dict]:
    """Records of one subgroup factor (module docstring); ``frame`` from :func:`analysis_frame` plus the
    subgroup column."""
    aid = f"subgroup.{endpoint.lower()}.{subgroup.variable}"
    out: list[dict] = []
    level_idx = pd.Series(-1, index=frame.index)
    levels = subgroup.levels or tuple(sorted(frame[subgroup.variable].dropna().unique(), key=str))
    for j, level in enumerate(levels):
        m = level_mask(frame[subgroup.variable], level)
        level_idx[m & (level_idx < 0)] = j
        data = frame.loc[m]
        prefix = group_label(**{subgroup.variable: level})
        base = dict(analysis_id=aid, population=population, endpoint=endpoint, group=prefix, n=len(data))
        out.append(_hr_record(data, plan, base))
        out += _arm_counts(data, plan, base, prefix)
    # the interaction model has every observed level of the factor, also those the paper does not show
    # (e.g. "Refractory to lenalidomide: yes" is shown, the model compares yes with no)
    unlisted = (level_idx < 0) & frame[subgroup.variable].notna()
    for j, value in enumerate(sorted(frame.loc[unlisted, subgroup.variable].unique(), key=str), start=len(levels)):
        level_idx[unlisted & (frame[subgroup.variable] == value)] = j
    used = level_idx >= 0
    present = sorted(level_idx[used].unique())
    base = dict(analysis_id=aid, population=population, endpoint=endpoint, group="", n=int(used.sum()))
    test = "Wald (SAS PHREG Type 3)" if plan.interaction_test == "wald" else "likelihood ratio (R anova)"
    method = f"Cox PH ({plan.ties}) treat * {subgroup.variable} interaction, {test}"
    if len(present) < 2 or frame.loc[used, "treat"].nunique() < 2:
        return out + [record(statistic="p_interaction", value=math.nan,
                             method="not estimable: needs two levels with patients and both arms", **base)]
    remap = {old: new for new, old in enumerate(present)}
    try:
        stat, df, p = interaction_test(frame.loc[used], level_idx[used].map(remap), plan)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return out + [record(statistic="p_interaction", value=math.nan, method=f"not estimable: {exc}", **base)]
    return out + [record(statistic="interaction_chisq", value=stat, method=f"{method}, df={df}", **base),
                  record(statistic="p_interaction", value=p, method=f"{method}, df={df}", **base)]


def analyse_subgroups(adsl: pd.DataFrame, adtte: pd.DataFrame, plan: AnalysisPlan,
                      endpoint: str | None = None) -> pd.DataFrame:
    """Records of every planned subgroup factor present in adsl, for ``endpoint`` (default: the plan's
    subgroup endpoint), in the efficacy population; empty for a single-arm study."""
    endpoint = endpoint or plan.subgroup_endpoint
    if not plan.randomised or not (adtte["endpoint"] == endpoint).any():
        return as_frame([])
    population = plan.efficacy_population
    variables = [s.variable for s in plan.subgroups if s.variable in adsl.columns]
    frame = analysis_frame(adsl, adtte, endpoint, plan, population)
    frame = frame.loc[frame[ARM].isin([plan.experimental, plan.control])].reset_index(drop=True)
    extra = adsl[["patient_id"] + [v for v in variables if v not in frame.columns]]
    frame = frame.merge(extra, on="patient_id", how="left")
    frame["treat"] = (frame[ARM] == plan.experimental).astype(float)
    base = dict(analysis_id=f"subgroup.{endpoint.lower()}.all", population=population, endpoint=endpoint,
                group="", n=len(frame))
    recs: list[dict[str, Any]] = [_hr_record(frame, plan, base)] + _arm_counts(frame, plan, base, "")
    for sg in plan.subgroups:
        if sg.variable in frame.columns:
            recs += analyse_subgroup(frame, sg, plan, population, endpoint)
    return as_frame(recs)
