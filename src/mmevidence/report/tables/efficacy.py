"""Efficacy summary table from the records of :func:`mmevidence.analysis.efficacy.analyse_efficacy`.

One block a time-to-event endpoint (the study's endpoints in order, those with records), one
column an arm ("<label> (n=<N>)"): patients, events n (%), median with its 95% CI, the
quartiles (Q1–Q3), the landmark event-free rates in percent with 95% CIs, and for a randomised
study the stratified hazard ratio (95% CI) and the stratified log-rank p-value (one- or
two-sided, ``sides``) in the experimental column ("NA" in the others, as ICARIA-MM Table 3).
Then the median follow-up (reverse Kaplan–Meier) with its IQR, and a block of the censoring
sensitivity analyses (HR and median per arm) when there are any. Months throughout; "NE" =
not estimable (e.g. a median not reached).
"""

from __future__ import annotations

import math

from ...analysis.plan import build_plan
from ..format import DASH, MISSING, fmt_ci, fmt_median_range, fmt_num, fmt_p
from ..model import ReportTable, Row
from ._cells import DEFAULT, PctStyle, Records
from .response import NA, population_text, strata_text


def _landmarks(recs: Records, aid: str) -> list[str]:
    frame = recs.frame[(recs.frame["analysis_id"] == aid) & recs.frame["statistic"].str.match(r"rate_[\d.]+m$")]
    return sorted(set(frame["statistic"]), key=lambda s: float(s[5:-1]))


def _endpoint_rows(recs: Records, aid: str, endpoint: str, groups: list[str], randomised: bool, sides: str,
                   style: PctStyle, digits: int, hr_digits: int) -> list[Row]:
    def stat(group: str, name: str):
        return recs.get(aid, endpoint, group, name)

    def cells(fn) -> tuple[str, ...]:
        return tuple(fn(g) for g in groups)

    def ci(group: str, name: str, scale: float = 1.0) -> str:
        return _ci_text(stat(group, name), digits, scale)

    def quartiles(group: str) -> str:
        q1, q3 = stat(group, "q1"), stat(group, "q3")
        return "" if q1 is None else f"{fmt_num(q1.value, digits)}{DASH}{fmt_num(q3.value, digits)}"

    def events(group: str) -> str:
        e, n = stat(group, "events"), stat(group, "n")
        return "" if e is None else (style.zero if e.value == 0 else
                                     f"{int(e.value)} ({fmt_num(100 * e.value / n.value, style.digits)}%)")

    rows = [Row("Patients, n", cells(lambda g: "" if stat(g, "n") is None else f"{int(stat(g, 'n').value)}"), indent=1),
            Row("Events, n (%)", cells(events), indent=1),
            Row("Median, months (95% CI)", cells(lambda g: ci(g, "median")), indent=1),
            Row("Q1\u2013Q3, months", cells(quartiles), indent=1)]
    for name in _landmarks(recs, aid):
        rows.append(Row(f"{name[5:-1]}-month rate, % (95% CI)", cells(lambda g, n=name: ci(g, n, 100.0)), indent=1))
    if randomised:
        rest = (NA,) * (len(groups) - 1)
        hr = recs.get(aid, endpoint, "", "hr")
        p_name = "p_logrank_one_sided" if sides == "one-sided" else "p_logrank"
        p = recs.get(aid, endpoint, "", p_name)
        if hr is not None:
            strat = "stratified " if "stratified by" in hr.method else ""
            rows.append(Row(f"Hazard ratio ({strat}Cox), 95% CI",
                            (fmt_ci(hr.value, hr.lower, hr.upper, hr_digits),) + rest, indent=1))
        if p is not None:
            strat = "stratified " if "stratified by" in p.method else ""
            rows.append(Row(f"Log-rank p ({strat}{sides})", (fmt_p(p.value),) + rest, indent=1))
    return rows


def efficacy_table(records, study, population: str | None = None, sides: str = "one-sided",
                   style: PctStyle = DEFAULT, digits: int = 1, hr_digits: int = 3, table_id: str = "efficacy",
                   title: str = "Time-to-event endpoints") -> ReportTable:
    """ReportTable of the ``efficacy.*`` records (module docstring). ``digits``: decimals of months and
    rates; ``hr_digits``: decimals of hazard ratios (ICARIA-MM prints 0.596); ``sides``: which log-rank p."""
    plan = build_plan(study)
    population = population or plan.efficacy_population
    frame = records[(records["analysis_id"].str.startswith("efficacy.")) & (records["population"] == population)]
    recs = Records(frame)
    groups = [f"arm={a}" for a in plan.arm_labels]
    if not plan.randomised:
        groups = groups + [""] if len(groups) > 1 else groups
    present = set(frame["analysis_id"])
    endpoints = [e for e in plan.endpoints if f"efficacy.{e.id.lower()}" in present]
    first = f"efficacy.{endpoints[0].id.lower()}" if endpoints else None
    n_arm = [0 if first is None or recs.get(first, endpoints[0].id, g, "n") is None
             else int(recs.get(first, endpoints[0].id, g, "n").value) for g in groups]
    columns = tuple(f"{a} (n={n})" for a, n in zip(plan.arm_labels + ("All patients",), n_arm))
    rows: list[Row] = []
    for ep in endpoints:
        rows.append(Row(ep.label, kind="group"))
        rows += _endpoint_rows(recs, f"efficacy.{ep.id.lower()}", ep.id, groups, plan.randomised, sides, style,
                               digits, hr_digits)
    fu_groups = [g for g in groups if recs.get("efficacy.followup", "FU", g, "median") is not None]
    if fu_groups:
        def fu(g: str) -> str:
            m, q1, q3 = (recs.get("efficacy.followup", "FU", g, s) for s in ("median", "q1", "q3"))
            return "" if m is None else fmt_median_range(m.value, q1.value, q3.value, digits)
        rows.append(Row("Follow-up", kind="group"))
        rows.append(Row("Median follow-up (reverse Kaplan-Meier), months (IQR)", tuple(fu(g) for g in groups),
                        indent=1))
    for ep in endpoints:
        sens = [s for s in ep.sensitivity if f"efficacy.{ep.id.lower()}.{s.id}" in present]
        if not sens:
            continue
        rows.append(Row(f"{ep.label}: sensitivity analyses", kind="group"))
        for s in sens:
            aid = f"efficacy.{ep.id.lower()}.{s.id}"
            med = tuple(_median(recs, aid, ep.id, g, digits) for g in groups)
            rows.append(Row(s.label, kind="data", indent=1, cells=med))
            hr = recs.get(aid, ep.id, "", "hr")
            if plan.randomised and hr is not None:
                rows.append(Row("Hazard ratio, 95% CI", (fmt_ci(hr.value, hr.lower, hr.upper, hr_digits),)
                                + (NA,) * (len(groups) - 1), indent=2))
    strata = strata_text(study)
    notes = ["Months = days / 30.4375. Medians, quartiles and rates by the Kaplan-Meier method with "
             f"{plan.conf_type} confidence intervals (Brookmeyer-Crowley for the median); NE = not estimable."]
    if plan.randomised:
        notes.append(f"Hazard ratio {plan.experimental} vs {plan.control} from a Cox model (Efron ties)"
                     + (f" stratified by {strata}" if strata else "") + "; log-rank test"
                     + (f" stratified by {strata}" if strata else "") + f", {sides} p value.")
    if any(r.label.endswith("sensitivity analyses") for r in rows):
        notes.append("Sensitivity analyses: medians per arm (95% CI) under the alternative censoring rule.")
    return ReportTable(id=table_id, title=title, population=population_text(study, population, sum(n_arm[:len(
        plan.arm_labels)])), stub="", columns=columns, rows=tuple(rows), footnotes=tuple(notes))


def _ci_text(r, digits: int, scale: float = 1.0) -> str:
    """"value (lower–upper)" of a record scaled (100 for percent); "NE" when nothing is estimable, "" without a record."""
    if r is None:
        return ""
    if all(math.isnan(x) for x in (r.value, r.lower, r.upper)):
        return MISSING
    return fmt_ci(scale * r.value, scale * r.lower, scale * r.upper, digits)


def _median(recs: Records, aid: str, endpoint: str, group: str, digits: int) -> str:
    return _ci_text(recs.get(aid, endpoint, group, "median"), digits)
