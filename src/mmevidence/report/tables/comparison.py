"""Comparison tables: a cohort held against a published study (layout of :mod:`mmevidence.compare` outputs).

Every builder takes the frames the compare package returns and formats them with
:mod:`mmevidence.report.format`; none computes a statistic (the one exception, stated where it
happens: a published landmark rate printed in percent is set beside the cohort's proportion x 100).

* :func:`side_by_side_table` -- :func:`mmevidence.compare.compare_endpoints`: cohort estimate (95% CI),
  published estimate (95% CI), difference cohort - published, definition notes;
* :func:`baseline_smd_table` -- :func:`mmevidence.compare.baseline_differences`: standardised
  differences (Austin 2009) against the published baseline table;
* :func:`attrition_table` and :func:`eligibility_outcomes_table` -- :func:`mmevidence.compare.apply_eligibility`
  and :func:`mmevidence.compare.outcomes_by_status`;
* :func:`maic_balance_table` and :func:`maic_estimates_table` -- :func:`mmevidence.compare.maic_weights`
  balance and ESS; weighted vs unweighted estimates with bootstrap intervals
  (:func:`mmevidence.compare.bootstrap_maic`).

Numbers print as the paper prints them: a published figure with its own number of decimals
(``11.53`` stays ``11.53``), the cohort's estimate and the difference with the same number of
decimals (at least one), so the two columns are read against each other digit for digit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..format import DASH, MISSING, fmt_ci, fmt_mean_sd, fmt_num
from ..model import ReportTable, Row

__all__ = ["attrition_table", "baseline_smd_table", "eligibility_outcomes_table", "maic_balance_table",
           "maic_estimates_table", "side_by_side_table"]

#: Row wording of the published statistics compare_endpoints returns.
STATISTIC_LABELS: dict[str, str] = {"median": "median", "hr": "hazard ratio", "landmark_rate": "rate",
                                    "pct": "%", "rate": "rate", "or": "odds ratio"}
SMD_THRESHOLD = 0.1


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def decimals(value: float | None) -> int:
    """Decimals of ``value`` as printed by its shortest representation (11.53 -> 2, 3.0 -> 0, 68 -> 0)."""
    if _nan(value):
        return 0
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    frac = text.split(".")[1].rstrip("0")
    return len(frac)


def _signed(value: float, digits: int) -> str:
    """A difference: ``fmt_num``, with a difference that rounds to zero printed without a minus sign."""
    text = fmt_num(value, digits)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def _ci_text(value: float, lower: float, upper: float, digits: int) -> str:
    """"value (lower–upper)"; the value alone without limits; "NE" alone when nothing is estimable,
    "NE (13.2–NE)" for a median not reached whose lower limit is (as the efficacy table prints it)."""
    if _nan(lower) and _nan(upper):
        return fmt_num(value, digits)
    return fmt_ci(value, lower, upper, digits)


def side_by_side_table(endpoints: pd.DataFrame, study, cohort_label: str, population: str,
                       table_id: str = "comparison_endpoints", title: str | None = None) -> ReportTable:
    """Cohort vs published endpoints, one row per published figure (``compare_endpoints`` output).

    Columns: cohort estimate (95% CI), published estimate (95% CI), difference cohort -
    published, notes (definition differences: assessment IRC vs investigator, population,
    analysis variant, units). Digits: the published figure's own decimals (at least 1 for the
    cohort and the difference). The cohort's values are already in the published figure's unit
    (``compare_endpoints``: a time to response in days, a landmark rate in percent). With several
    arms (a randomised cohort) each label ends with the arm ("between arms" for HR / OR).
    """
    arm_labels = {a.id: a.label for a in getattr(study, "arms", ())}
    arm_labels["diff"] = "between arms"
    several_arms = endpoints.loc[endpoints["arm"] != "diff", "arm"].nunique() > 1
    rows = []
    for r in endpoints.itertuples(index=False):
        unit = r.unit
        cohort, lo, hi, diff = r.cohort, r.cohort_lower, r.cohort_upper, r.difference
        notes = [r.note] if r.note else []
        digits = decimals(r.published)
        for x in (r.published_lower, r.published_upper):
            digits = max(digits, decimals(x))
        c_digits = max(digits, 1)
        level = f" ({r.level})" if r.level and r.statistic != "landmark_rate" else \
            (f" at {r.level}" if r.level else "")
        stat = STATISTIC_LABELS.get(r.statistic, r.statistic)
        label = f"{r.endpoint} {stat}{level}" + (f", {unit}" if unit and unit not in ("ratio", "percent") else "")
        if several_arms:
            label = f"{label}: {arm_labels.get(r.arm, r.arm)}"
        no_record = _nan(cohort) and _nan(lo) and _nan(hi) and "no cohort record" in (r.note or "")
        rows.append(Row(label, ("" if no_record else _ci_text(cohort, lo, hi, c_digits),
                                _ci_text(r.published, r.published_lower, r.published_upper, digits),
                                _signed(diff, c_digits) if not _nan(diff) else "",
                                "; ".join(n for n in notes if n))))
    return ReportTable(
        id=table_id, title=title or f"{cohort_label} beside the published results of {study.id}",
        population=population, stub="Endpoint", columns=(f"{cohort_label} (95% CI)", "Published (95% CI)",
                                                         "Difference", "Notes"),
        rows=tuple(rows),
        footnotes=("Difference = cohort - published, on the published figure's scale. Cohort medians are "
                   "Kaplan–Meier estimates with Brookmeyer–Crowley 95% CIs; published figures as printed "
                   f"({', '.join(s.citation for s in study.sources) if study.sources else study.id}).",
                   "NE = not estimable / not reached."))


def baseline_smd_table(smd: pd.DataFrame, study, cohort_label: str, benchmark_label: str, population: str,
                       table_id: str = "comparison_baseline") -> ReportTable:
    """Baseline standardised differences (``baseline_differences`` output) against the published table.

    Continuous rows print mean (SD) (the published one as ``method`` says how it was obtained,
    e.g. from median and IQR by Wan 2014); binary rows the proportion in percent with one
    decimal; the standardised difference with two decimals, ``*`` when ``|d| > 0.1``.
    """
    labels = {b.variable: b.label for b in study.baseline if b.variable}
    rows = []
    last = None
    for r in smd.itertuples(index=False):
        label = labels.get(r.variable, r.variable)
        d = "" if _nan(r.smd) else fmt_num(r.smd, 2) + ("*" if abs(r.smd) > SMD_THRESHOLD else "")
        if r.kind == "continuous":
            cells = (fmt_mean_sd(r.cohort, r.cohort_sd), fmt_mean_sd(r.published, r.published_sd), d, r.method)
            rows.append(Row(label, cells))
            last = None
            continue
        cells = (fmt_num(100 * r.cohort, 1) + "%" if not _nan(r.cohort) else MISSING,
                 fmt_num(100 * r.published, 1) + "%", d, r.method)
        if _nan(r.level):
            rows.append(Row(label, cells))
            last = None
            continue
        if last != r.variable:
            rows.append(Row(label, (), kind="group"))
            last = r.variable
        rows.append(Row(str(r.level), cells, indent=1))
    return ReportTable(
        id=table_id, title=f"Baseline characteristics: {cohort_label} vs {benchmark_label}",
        population=population, stub="Characteristic",
        columns=(cohort_label, f"{benchmark_label} (published)", "Standardised difference", "Published figure"),
        rows=tuple(rows),
        footnotes=("Continuous: mean (SD); binary: % of patients with a value. Standardised difference "
                   "(Austin 2009): (cohort - published) / sqrt((s_c^2 + s_p^2) / 2); * |d| > 0.1.",))


def _count(x: object) -> str:
    return "" if _nan(x) else f"{int(x)}"


def attrition_table(attrition: pd.DataFrame, study, population: str, table_id: str = "comparison_attrition"
                    ) -> ReportTable:
    """The eligibility cascade (``apply_eligibility(...).attrition``): one row per criterion in order.

    Columns: patients entering the step, excluded (criterion not met), missing data (criterion
    not evaluable: set aside, never counted eligible), remaining; then failing and missing among
    all patients whatever the order. A criterion that cannot be checked on the data model prints
    "not checkable" and its reason, and changes no count.
    """
    rows = []
    for r in attrition.itertuples(index=False):
        if r.step == 0:
            rows.append(Row("All patients", ("", "", "", _count(r.remaining), "", "", ""), kind="total"))
            continue
        kind = "Inclusion" if r.kind == "inclusion" else "Exclusion"
        label = f"{r.step}. {kind}: {r.text}"
        if not r.checkable:
            rows.append(Row(label, (_count(r.entering), DASH, DASH, _count(r.remaining), DASH, DASH,
                                    f"not checkable: {r.reason}")))
            continue
        rows.append(Row(label, (_count(r.entering), _count(r.excluded), _count(r.missing), _count(r.remaining),
                                _count(r.failing_any), _count(r.missing_any), f"rule: {r.rule}")))
    final = int(attrition["remaining"].iloc[-1])
    return ReportTable(
        id=table_id, title=f"Eligibility for {study.id}: patients remaining after each criterion",
        population=population, stub="Criterion",
        columns=("Entering", "Excluded", "Missing data", "Remaining", "Failing (any order)",
                 "Missing (any order)", "Rule / reason"),
        rows=tuple(rows),
        footnotes=(f"{final} patients meet every checkable criterion.",
                   "Criteria are applied in the published order; a patient whose data cannot decide a criterion "
                   "is counted under 'Missing data' and leaves the flow (never counted eligible). "
                   "'Failing/Missing (any order)': among all patients, whatever the order.",
                   "Not-checkable criteria (no rule on the data model) are listed and change no count."))


def eligibility_outcomes_table(outcomes: Mapping[str, pd.DataFrame], population: str,
                               table_id: str = "comparison_eligibility_outcomes") -> ReportTable:
    """Outcomes of eligible, ineligible and unknown-status patients (``outcomes_by_status`` per endpoint).

    One row per status, per endpoint the columns n, events and median (95% CI) in months.
    """
    endpoints = list(outcomes)
    statuses = list(dict.fromkeys(s for frame in outcomes.values() for s in frame["status"]))
    columns, spanners = [], []
    for i, ep in enumerate(endpoints):
        columns += ["n", "Events", "Median, months (95% CI)"]
        spanners.append((ep, 3 * i, 3))
    rows = []
    for s in statuses:
        cells: list[str] = []
        for ep in endpoints:
            r = outcomes[ep].set_index("status").loc[s]
            cells += [f"{int(r['n'])}", f"{int(r['events'])}",
                      _ci_text(r["median"], r["lower"], r["upper"], 1) if r["n"] else ""]
        rows.append(Row(s.capitalize(), tuple(cells)))
    return ReportTable(
        id=table_id, title="Outcomes of patients eligible and ineligible for the trial", population=population,
        stub="Eligibility", columns=tuple(columns), rows=tuple(rows), spanners=tuple(spanners),
        footnotes=("Kaplan–Meier medians with Brookmeyer–Crowley 95% CIs (log-log); NE = not reached.",
                   "Ineligible: fails at least one checkable criterion; unknown: fails none but data are "
                   "missing for at least one."))


def _moment(value: float, binary: bool) -> str:
    return fmt_num(100 * value, 1) + "%" if binary else fmt_num(value, 2)


def maic_balance_table(balance: pd.DataFrame, labels: Mapping[str, str], binary: Sequence[str], ess: float,
                       n: int, benchmark_label: str, population: str, table_id: str = "comparison_maic_balance"
                       ) -> ReportTable:
    """MAIC balance (``MaicFit.balance``): target, unweighted and weighted value of each matched moment.

    ``labels``: row label per covariate column; ``binary``: covariates printed as percentages
    (one decimal), the others with two decimals. The effective sample size
    ``(sum w)^2 / sum w^2`` closes the table.
    """
    rows = []
    for r in balance.itertuples(index=False):
        is_bin = r.covariate in binary
        rows.append(Row(labels.get(r.covariate, r.covariate),
                        (_moment(r.target, is_bin), _moment(r.before, is_bin), _moment(r.after, is_bin))))
    rows.append(Row("Patients / effective sample size", (DASH, f"{n}", fmt_num(ess, 1)), kind="total"))
    return ReportTable(
        id=table_id, title=f"MAIC: covariate balance before and after weighting to {benchmark_label}",
        population=population, stub="Covariate",
        columns=(f"Target ({benchmark_label})", "Before weighting", "After weighting"), rows=tuple(rows),
        footnotes=("Method-of-moments weights w = exp(X b) (Signorovitch 2010; NICE DSU TSD 18); effective sample "
                   "size (sum w)^2 / sum w^2.",))


def maic_estimates_table(estimates: pd.DataFrame, benchmark_label: str, population: str, n_boot: int,
                         table_id: str = "comparison_maic_estimates") -> ReportTable:
    """Unweighted and MAIC-weighted estimates with their intervals beside the published figure.

    ``estimates``: one row per statistic with columns ``label``, ``digits``, ``unweighted``,
    ``unweighted_lower``, ``unweighted_upper`` (model-based CI), ``weighted``,
    ``weighted_lower``, ``weighted_upper`` (robust CI), ``boot_lower``, ``boot_upper``
    (percentile bootstrap CI of the weighted estimate), ``boot_failed``, ``published``,
    ``published_lower``, ``published_upper``, ``note``.
    """
    rows = []
    for r in estimates.itertuples(index=False):
        d = int(r.digits)
        boot = MISSING if _nan(r.boot_lower) and _nan(r.boot_upper) else \
            f"{fmt_num(r.boot_lower, d)}{DASH}{fmt_num(r.boot_upper, d)}"
        pd_ = max(decimals(r.published), decimals(r.published_lower), decimals(r.published_upper))
        rows.append(Row(r.label, (_ci_text(r.unweighted, r.unweighted_lower, r.unweighted_upper, d),
                                  _ci_text(r.weighted, r.weighted_lower, r.weighted_upper, d), boot,
                                  _ci_text(r.published, r.published_lower, r.published_upper, pd_)
                                  if not _nan(r.published) else "", r.note or "")))
    return ReportTable(
        id=table_id, title=f"MAIC: unweighted and weighted estimates beside {benchmark_label}",
        population=population, stub="Statistic",
        columns=("Unweighted (95% CI)", "MAIC-weighted (95% CI)", "Bootstrap 95% CI (weighted)",
                 f"Published {benchmark_label} (95% CI)", "Notes"),
        rows=tuple(rows),
        footnotes=("Unweighted: Kaplan–Meier with Greenwood variance; weighted: Kaplan–Meier with case weights and "
                   "the robust (infinitesimal-jackknife) variance, as R survfit(weights=); log-log CIs, "
                   "Brookmeyer–Crowley for medians.",
                   f"Bootstrap: {n_boot} resamples of the cohort with the weights re-estimated in each, percentile "
                   "interval (TSD 18 section 3.4).",
                   "Unanchored comparison of the same regimen: the weighted cohort estimates what the cohort would "
                   "show in the trial's population, for the covariates matched only."))
