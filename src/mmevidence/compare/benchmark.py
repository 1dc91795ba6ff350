"""Hold a cohort's results against a study's published figures, side by side.

Two tables:

* :func:`compare_endpoints` — each published efficacy / response estimate (medians, hazard
  ratios, landmark rates, response percentages) next to the cohort's result record
  (:mod:`mmevidence.analysis.results` format) with both intervals, the difference, and a note
  where the definitions differ (response assessment IRC vs investigator, analysis
  population, a published analysis variant).
* :func:`baseline_differences` — standardised differences of the cohort's baseline
  characteristics (adsl) against the published baseline table.

Standardised difference (Austin 2009, Stat Med 28:3083): continuous
``d = (mean_c - mean_p) / sqrt((sd_c^2 + sd_p^2) / 2)``; binary
``d = (p_c - p_p) / sqrt((p_c (1 - p_c) + p_p (1 - p_p)) / 2)``. The cohort's mean and
SD (n - 1 denominator) come from its data; a published median with quartiles is turned into
a mean and SD by Wan et al. 2014 (BMC Med Res Methodol 14:135, scenario S3):
``mean ~ (q1 + m + q3) / 3``, ``sd ~ (q3 - q1) / (2 Phi^-1((0.75 n - 0.125) / (n + 0.25)))``;
a median with range by Wan et al. scenario S1: ``mean ~ (min + 2 m + max) / 4``,
``sd ~ (max - min) / (2 Phi^-1((n - 0.375) / (n + 0.25)))``; a published mean and SD are
used as printed. Published proportions are taken as ``n / N`` when the count is published,
else ``pct / 100``.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..analysis._subjects import MISSING_ALIASES
from ..derive.adtte import DAYS_PER_MONTH

__all__ = ["baseline_differences", "compare_endpoints", "mean_sd_from_quartiles", "mean_sd_from_range", "record_scale"]

ENDPOINT_STATISTICS = ("median", "hr", "landmark_rate", "pct", "rate", "or")
_ASSESSMENTS = ("irc", "investigator")


def mean_sd_from_quartiles(q1: float, median: float, q3: float, n: int) -> tuple[float, float]:
    """Mean and SD from the median and quartiles (Wan et al. 2014, scenario S3; normal data)."""
    return (q1 + median + q3) / 3, (q3 - q1) / (2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25)))


def mean_sd_from_range(minimum: float, median: float, maximum: float, n: int) -> tuple[float, float]:
    """Mean and SD from the median and range (Wan et al. 2014, scenario S1; normal data)."""
    return (minimum + 2 * median + maximum) / 4, (maximum - minimum) / (2 * norm.ppf((n - 0.375) / (n + 0.25)))


def _record_statistic(figure) -> str:
    if figure.statistic == "landmark_rate" and figure.level:
        m = re.match(r"(\d+(?:\.\d+)?)\s*months?", str(figure.level))
        if m:
            return f"rate_{m.group(1)}m"
    return figure.statistic


#: Published time units per record month (records hold times in months: days / 30.4375).
_TIME_UNITS = {"months": 1.0, "month": 1.0, "days": DAYS_PER_MONTH, "day": DAYS_PER_MONTH,
               "weeks": DAYS_PER_MONTH / 7.0, "week": DAYS_PER_MONTH / 7.0, "years": 1 / 12, "year": 1 / 12}


def record_scale(statistic: str, unit: str | None) -> tuple[float, str]:
    """Factor turning a cohort record's value into the published figure's ``unit``, and a note.

    Record conventions (:mod:`mmevidence.analysis`): times (``median``, ``q1``, ``q3``) in
    months (days / 30.4375), landmark rates (``rate_<t>m``) as proportions, response
    percentages (``pct``) in percent, ratios (``hr``, ``or``) and rates as they are. A
    figure without a unit is taken in the record's unit (said in the note); a unit that
    cannot be converted gives factor NaN (the cohort value is not shown) and says why.
    """
    u = (unit or "").strip().lower()
    if statistic in ("median", "q1", "q3"):
        if not u:
            return 1.0, "published unit not given: months assumed"
        if u in _TIME_UNITS:
            return _TIME_UNITS[u], ""
    elif statistic == "landmark_rate":
        if u in ("percent", "%"):
            return 100.0, ""
        if u in ("proportion", ""):
            return 1.0, "" if u else "published unit not given: proportion assumed"
    elif statistic == "pct":
        if u in ("percent", "%", ""):
            return 1.0, "" if u else "published unit not given: percent assumed"
        if u == "proportion":
            return 0.01, ""
    else:
        return 1.0, ""
    return math.nan, f"not compared: published unit {unit!r} for a {statistic}"


def _variant(analysis_id: str) -> str | None:
    """The sensitivity-analysis id of an efficacy record (``efficacy.<endpoint>.<id>``), None for the
    primary analysis (``efficacy.<endpoint>``) and other records."""
    parts = str(analysis_id).split(".")
    return parts[2] if parts[0] == "efficacy" and len(parts) > 2 else None


def _default_groups(results: pd.DataFrame, study) -> dict[str, str]:
    """Each arm's record group: ``arm=<label>`` as the analysis writes it, else the bare label."""
    present = set(results["group"])
    return {a.id: (f"arm={a.label}" if f"arm={a.label}" in present or a.label not in present else a.label)
            for a in study.arms}


def _candidates(cand: pd.DataFrame, figure, sensitivity_ids: frozenset[str]) -> tuple[pd.DataFrame, str]:
    """The records a figure is compared with: the cohort's analysis of the same published sensitivity
    analysis (the figure id starts with its id, e.g. ``pfs_investigator.median.isa_pd``) when the cohort
    has it, else the cohort's primary analysis (no variant)."""
    variants = cand["analysis_id"].map(_variant)
    prefix = figure.id.split(".")[0]
    if prefix in sensitivity_ids and (variants == prefix).any():
        return cand[variants == prefix], ""
    note = "cohort: primary analysis" if prefix in sensitivity_ids else ""
    return cand[variants.isna()], note


def compare_endpoints(results: pd.DataFrame, study, arm_groups: Mapping[str, str] | None = None,
                      diff_group: str | None = None, assessment: str | None = None,
                      population: str | None = None) -> pd.DataFrame:
    """Published efficacy and response estimates of ``study`` beside the cohort's result records.

    Parameters
    ----------
    results : result records (:data:`mmevidence.analysis.results.COLUMNS`), e.g. the
        ``results.csv`` of ``mmevidence analyse``.
    study : a :class:`mmevidence.studies.Study`.
    arm_groups : ``{study arm id: record group}``; default each arm's group as the
        analysis writes it (``arm=<label>``, the ``patients.arm`` value). A single-arm
        cohort held against one arm of a trial maps that arm to its group, e.g.
        ``{"isa_pd": "arm=Isa-Pd"}`` or ``{"isa_pd": ""}``.
    diff_group : record group of between-arm statistics (HR, OR); default: any
        group, when exactly one record matches.
    assessment : how the cohort's responses were assessed (``"irc"`` /
        ``"investigator"``), for the notes.
    population : the cohort's analysis set, for the notes; default the
        record's ``population``.

    Matching: a figure of a published sensitivity analysis (its id starts with the id
    of a sensitivity analysis of the study's endpoint, e.g. ``pfs_investigator``) is
    compared with the cohort's record of the same analysis (``analysis_id``
    ``efficacy.<endpoint>.<id>``) when there is one, otherwise -- like every other
    figure -- with the cohort's primary analysis (records of other sensitivity
    analyses are never used). The cohort's value is converted to the figure's unit
    (:func:`record_scale`: a time to first response published in days is compared in
    days, a landmark rate published in percent in percent).

    Returns one row per published figure (exact duplicates printed in several
    places kept once): ``figure_id, endpoint, statistic, arm, level, unit, published,
    published_lower, published_upper, cohort, cohort_lower, cohort_upper,
    difference`` (cohort - published, in ``unit``), ``note``. A published figure
    without a matching record keeps NaN cohort values and says so; a figure printed
    as not reached has NaN ``published``.
    """
    groups = _default_groups(results, study)
    groups.update(arm_groups or {})
    endpoint_assessment = {e.id: e.assessment for e in study.endpoints}
    sensitivity = {e.id.upper(): frozenset(s.id for s in e.sensitivity) for e in study.endpoints}
    figures = [f for f in study.published if f.topic in ("efficacy", "response")
               and f.statistic in ENDPOINT_STATISTICS and (f.arm in groups or f.arm == "diff")
               and (f.arm == "diff" or arm_groups is None or f.arm in arm_groups)]
    best: dict = {}  # the same number printed in several places (abstract, results): keep the plainest id
    for f in figures:
        key = (f.item, f.statistic, f.arm, f.level, f.value, f.lower, f.upper)
        if key not in best or len(f.id.split(".")) < len(best[key].id.split(".")):
            best[key] = f
    keep = {id(f) for f in best.values()}
    rows = []
    for f in (f for f in figures if id(f) in keep):
        notes = []
        stat = _record_statistic(f)
        cand = results[(results["endpoint"].str.upper() == str(f.item).upper()) & (results["statistic"] == stat)]
        if f.arm == "diff":
            if diff_group is not None:
                cand = cand[cand["group"] == diff_group]
        else:
            cand = cand[cand["group"] == groups[f.arm]]
        cand, which = _candidates(cand, f, sensitivity.get(str(f.item).upper(), frozenset()))
        rec = None
        if len(cand) == 1:
            rec = cand.iloc[0]
            if which:
                notes.append(which)
        elif len(cand) > 1:
            notes.append(f"{len(cand)} cohort records match ({', '.join(cand['analysis_id'])}); none chosen "
                         "(give arm_groups / diff_group)")
        else:
            notes.append("no cohort record")
        scale, unit_note = record_scale(f.statistic, f.unit)
        if unit_note and rec is not None:
            notes.append(unit_note)
        published_assessment = f.level if f.level in _ASSESSMENTS else endpoint_assessment.get(f.item)
        if f.level and f.level not in _ASSESSMENTS and f.statistic != "landmark_rate":
            notes.append(f"published analysis variant: {f.level}")
        if assessment and published_assessment and assessment != published_assessment:
            notes.append(f"assessment differs: published {published_assessment}, cohort {assessment}")
        cohort_population = population or (rec["population"] if rec is not None else None)
        if cohort_population and f.population and cohort_population != f.population:
            notes.append(f"population differs: published {f.population}, cohort {cohort_population}")
        if f.value is None:
            notes.append("published: not reached / not estimable")
        if f.note:
            notes.append(f"published note: {f.note}")
        published = math.nan if f.value is None else float(f.value)
        cohort = [float(rec[c]) * scale if rec is not None else math.nan for c in ("value", "lower", "upper")]
        rows.append({
            "figure_id": f.id, "endpoint": f.item, "statistic": f.statistic, "arm": f.arm, "level": f.level,
            "unit": f.unit, "published": published,
            "published_lower": math.nan if f.lower is None else float(f.lower),
            "published_upper": math.nan if f.upper is None else float(f.upper),
            "cohort": cohort[0], "cohort_lower": cohort[1], "cohort_upper": cohort[2],
            "difference": cohort[0] - published, "note": "; ".join(notes),
        })
    return pd.DataFrame(rows, columns=["figure_id", "endpoint", "statistic", "arm", "level", "unit", "published",
                                       "published_lower", "published_upper", "cohort", "cohort_lower",
                                       "cohort_upper", "difference", "note"])


def _published_baseline(study, arm: str) -> dict:
    out: dict = {}
    for f in study.figures(topic="baseline", arm=arm):
        if f.value is None or f.qualifier:
            continue
        out.setdefault((f.item, f.level), {})[f.statistic] = (float(f.value), f.n)
    return out


def _smd_binary(pc: float, pp: float) -> float:
    denom = math.sqrt((pc * (1 - pc) + pp * (1 - pp)) / 2)
    return (pc - pp) / denom if denom > 0 else (0.0 if pc == pp else math.inf * np.sign(pc - pp))


def _configured_levels(study, item: str) -> dict[str, tuple[str, ...] | None]:
    """The study's baseline levels of ``item``: label -> pooled member values (None for a plain level)."""
    out: dict[str, tuple[str, ...] | None] = {}
    for row in study.baseline:
        if row.variable == item:
            for lv in row.levels or ():
                out[str(lv)] = getattr(lv, "values", None)
    return out


def baseline_differences(adsl: pd.DataFrame, study, arm: str = "all") -> pd.DataFrame:
    """Standardised differences of the cohort (``adsl``) against the published baseline of ``arm``.

    ``arm``: the published column compared (a study arm id, or ``"all"``). One row
    per published characteristic whose ``item`` is an adsl column: ``variable,
    level, kind`` (continuous/binary), ``published`` (mean or proportion),
    ``published_sd``, ``cohort``, ``cohort_sd``, ``n_cohort`` (patients with a
    value), ``smd``, ``method`` (how the published mean/SD or proportion was
    obtained). Formulas in the module docstring.
    """
    pub = _published_baseline(study, arm)
    rows = []
    for (item, level), stats in pub.items():
        if item not in adsl.columns:
            continue
        col = adsl[item]
        if "mean" in stats or "median" in stats:
            x = pd.to_numeric(col, errors="coerce").dropna().to_numpy(dtype=float)
            if "mean" in stats and "sd" in stats:
                mean_p, sd_p, method = stats["mean"][0], stats["sd"][0], "published mean and SD"
            elif {"median", "q1", "q3"} <= set(stats):
                n = stats["median"][1] or 0
                mean_p, sd_p = mean_sd_from_quartiles(stats["q1"][0], stats["median"][0], stats["q3"][0], n)
                method = "mean/SD from published median and IQR (Wan 2014 S3)"
            elif {"median", "min", "max"} <= set(stats):
                n = stats["median"][1] or 0
                mean_p, sd_p = mean_sd_from_range(stats["min"][0], stats["median"][0], stats["max"][0], n)
                method = "mean/SD from published median and range (Wan 2014 S1)"
            else:
                continue
            mean_c, sd_c = (float(x.mean()), float(x.std(ddof=1))) if x.size > 1 else (math.nan, math.nan)
            smd = (mean_c - mean_p) / math.sqrt((sd_c ** 2 + sd_p ** 2) / 2)
            rows.append({"variable": item, "level": level, "kind": "continuous", "published": mean_p,
                         "published_sd": sd_p, "cohort": mean_c, "cohort_sd": sd_c, "n_cohort": int(x.size),
                         "smd": smd, "method": method})
            continue
        if "n" in stats and stats["n"][1]:
            p_p, method = stats["n"][0] / stats["n"][1], "published n / N"
        elif "pct" in stats:
            p_p, method = stats["pct"][0] / 100, "published percentage / 100"
        else:
            continue
        known = col.dropna()
        configured = _configured_levels(study, item)
        if level is None:
            hit = known.astype(bool)
        elif str(level) in configured and configured[str(level)] is not None:
            hit = known.astype(str).isin(configured[str(level)])   # a pooled level, e.g. eGFR "<60"
        elif str(level).lower() in MISSING_ALIASES and not (known.astype(str) == str(level)).any():
            # the paper's row for patients without a value ("ISS unknown", "cytogenetics missing")
            known, hit = col, col.isna()
            method += "; cohort: patients with no value"
        else:
            hit = known.astype(str) == str(level)
            if not hit.any() and str(level) not in configured:
                rows.append({"variable": item, "level": level, "kind": "binary", "published": p_p,
                             "published_sd": math.nan, "cohort": math.nan, "cohort_sd": math.nan,
                             "n_cohort": int(len(known)), "smd": math.nan,
                             "method": method + f"; not compared: {level!r} is not a value of the cohort's {item}"})
                continue
        p_c = float(hit.mean()) if len(known) else math.nan
        rows.append({"variable": item, "level": level, "kind": "binary", "published": p_p, "published_sd": math.nan,
                     "cohort": p_c, "cohort_sd": math.nan, "n_cohort": int(len(known)),
                     "smd": _smd_binary(p_c, p_p), "method": method})
    return pd.DataFrame(rows, columns=["variable", "level", "kind", "published", "published_sd", "cohort",
                                       "cohort_sd", "n_cohort", "smd", "method"])
