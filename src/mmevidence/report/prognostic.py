"""The "Prognostic factors" report section of a study with a ``prognostic:`` block (docs/prognostic.md).

Three steps, so that the caller can put the records into ``results.csv`` before the documents are
written (and suppress small counts on what is printed):

* :func:`prognostic_records` -- run :mod:`mmevidence.analysis.prognostic` on the analysis
  datasets as the study's ``prognostic`` block says: Cox tables per endpoint, each marker's
  analysis per endpoint (ROC/Youden and maxstat cut-offs with bootstrap optimism correction,
  time-dependent AUC, spline), response rate by subgroup, landmark analysis. The result records
  (analysis_id ``prognostic.*``) are returned; nothing is printed or drawn.
* :func:`prognostic_report` -- lay those records out as the section: per endpoint the Cox table
  (with the PH test), per marker the cut-off table (method that picked each cut-off, unadjusted
  and adjusted p side by side, optimism-corrected HR), the Kaplan–Meier figure by the derived
  groups (Italian cohort Figure 2), the marker summary (AUC, time-dependent AUC, HR per unit) and
  the spline HR curve; then the response-by-subgroup and landmark tables.
* :func:`prognostic_sections` -- both, with the ``extra_sections`` signature of
  :func:`mmevidence.report.build.run_report` plus the study: returns ``(sections, records)``.

The caller's data frames are never altered: the derived group column of the Kaplan–Meier figure
is added to a copy of the population's adsl.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import prognostic as progn
from ..analysis.plan import build_plan, population_mask
from ..analysis.results import COLUMNS
from ..stats.cutpoint_bootstrap import index_group
from .figures.km import ENDPOINT_LABELS, km_figure
from .figures.spline import spline_figure
from .figures.style import FigureOutput
from .model import ReportFigure, ReportTable, Section
from .tables._cells import Records
from .tables.prognostic import (METHOD_LABELS, cox_factor_table, cutpoint_table, landmark_table,
                                marker_summary_table, response_subgroup_table)

SECTION_ID = "prognostic"
SECTION_TITLE = "Prognostic factors"
#: the derived group column the Kaplan-Meier figure reads (added to a copy of adsl only)
GROUP_COLUMN = "_prognostic_group"
#: cut-off names on the spline figure
CUT_SHORT = {"maxstat": "maxstat", "youden": "Youden"}
DOC = "docs/prognostic.md"


def _population(datasets: Mapping[str, pd.DataFrame], study: Any) -> tuple[str, pd.DataFrame, str]:
    """(population key, adsl rows of the population, printed population label with N)."""
    key = study.prognostic.population or build_plan(study).efficacy_population
    pop = study.populations[key]
    adsl = datasets["adsl"]
    sub = adsl.loc[population_mask(adsl, pop.filter)] if pop.filter else adsl
    return key, sub, f"{pop.label} (N={len(sub)})"


def _ordered(adsl: pd.DataFrame, variables: Any) -> pd.DataFrame:
    """``adsl`` (a copy if anything changes) with each variable that has ``levels`` as a pandas
    Categorical in that order (first level = reference); a value not among the levels is an error,
    never silently dropped."""
    out = adsl
    for v in variables:
        if not v.levels:
            continue
        values = set(adsl[v.variable].dropna().map(str))
        unknown = sorted(values - {str(lv) for lv in v.levels})
        if unknown:
            raise ValueError(f"prognostic: adsl column {v.variable!r} has value(s) {', '.join(unknown)} "
                             f"not among the levels {list(v.levels)}")
        if out is adsl:
            out = adsl.copy()
        out[v.variable] = pd.Categorical(adsl[v.variable].map(lambda x: x if pd.isna(x) else str(x)),
                                         categories=[str(lv) for lv in v.levels])
    return out


def prognostic_records(datasets: Mapping[str, pd.DataFrame], study: Any) -> pd.DataFrame:
    """Result records of every analysis the study's ``prognostic`` block asks for (empty frame with
    the record columns when the study has none). ``datasets``: ``adsl``, ``adtte`` and, for the
    response subgroups and the landmark, ``adrs``; patients are those of the block's population."""
    spec = getattr(study, "prognostic", None)
    if spec is None:
        return pd.DataFrame(columns=list(COLUMNS))
    key, adsl, _ = _population(datasets, study)
    adsl = _ordered(adsl, (*spec.factors, *spec.response_subgroups))
    adtte, adrs = datasets["adtte"], datasets.get("adrs")
    parts: list[pd.DataFrame] = []
    factors = [f.variable for f in spec.factors]
    for endpoint in spec.endpoints:
        if factors:
            parts.append(progn.cox_tables(adsl, adtte, endpoint, factors, population=key))
        for m in spec.markers:
            parts.append(progn.marker_analysis(
                adsl, adtte, endpoint, m.variable, m.risk, horizon=m.outcome_horizon_months,
                time_auc_horizons=m.time_auc_horizons, n_boot=m.bootstrap, spline_knots=m.spline_knots,
                population=key))
    if adrs is not None and spec.response_subgroups:
        parts.append(progn.response_by_subgroup(adsl, adrs, [s.variable for s in spec.response_subgroups],
                                                population=key))
    if adrs is not None and spec.landmark is not None:
        months = progn.first_response_months(adsl, adrs)
        parts.append(progn.landmark_analysis(adsl, adtte, months, spec.landmark.months, spec.landmark.endpoint,
                                             population=key))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))


def _group_labels(cut: float, method: str, risk: str) -> tuple[str, str]:
    """(risk group, other group) labels of a cut-off as :func:`index_group` splits the marker."""
    if risk == "low":
        return f"\u2264 {cut:g}", f"> {cut:g}"
    return (f"> {cut:g}", f"\u2264 {cut:g}") if method == "maxstat" else (f"\u2265 {cut:g}", f"< {cut:g}")


def marker_km_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, records: Records, endpoint: str, marker: Any,
                     population: str, out_dir: Path) -> FigureOutput | None:
    """Kaplan–Meier curves of ``endpoint`` by the groups of the marker's figure cut-off (HR of the
    risk group vs the other, log-rank p; :func:`km_figure`); None when the records hold no such
    cut-off. The group column is added to a copy of ``adsl``."""
    method = marker.figure_cutpoint
    cut = records.get(f"prognostic.cutpoint.{method}.{marker.variable}", endpoint, "", "cutpoint")
    if cut is None:
        return None
    side = "<=" if marker.risk == "low" else ">="
    risk_label, other_label = _group_labels(cut.value, method, marker.risk)
    frame = adsl.copy()
    x = frame[marker.variable].to_numpy(dtype=float)
    group = np.where(index_group(x, cut.value, method, side), risk_label, other_label).astype(object)
    group[np.isnan(x)] = None
    frame[GROUP_COLUMN] = group
    name = METHOD_LABELS[method]
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    out = km_figure(adtte, frame, endpoint, GROUP_COLUMN, out_dir=out_dir, order=[risk_label, other_label],
                    reference=other_label, population_flag=None, population=population,
                    figure_id=f"prognostic_km_{marker.variable}_{endpoint}".lower(),
                    title=f"{label} by {marker.label} ({name} cut-off {cut.value:g})")
    note = (f"Groups: {marker.label} {risk_label} vs {other_label}; the cut-off was chosen on these data "
            f"({name}; see the cut-off table), and the HR and log-rank p shown are not adjusted for that choice.")
    return dataclasses.replace(out, report=dataclasses.replace(out.report, footnotes=out.report.footnotes + (note,)))


def marker_spline_figure(adsl: pd.DataFrame, adtte: pd.DataFrame, records: Records, endpoint: str, marker: Any,
                         population: str, out_dir: Path) -> FigureOutput | None:
    """The spline HR curve of the marker drawn from its ``prognostic.spline`` records, with the
    cut-offs and the observed values; None without spline records."""
    sid = f"prognostic.spline.{marker.variable}"
    f = records.frame
    rows = f[(f.analysis_id == sid) & (f.endpoint == endpoint) & (f.statistic == "hr") & f.group.str.startswith("x=")]
    if rows.empty:
        return None
    curve = pd.DataFrame({"x": rows.group.str[2:].astype(float).to_numpy(), "hr": rows.value.to_numpy(),
                          "hr_lower": rows.lower.to_numpy(), "hr_upper": rows.upper.to_numpy()})
    knots = f[(f.analysis_id == sid) & (f.endpoint == endpoint) & f.statistic.str.startswith("knot_")]
    knots = knots.assign(i=knots.statistic.str[5:].astype(int)).sort_values("i").value.to_numpy()
    cuts = {short: r.value for m, short in CUT_SHORT.items()
            if (r := records.get(f"prognostic.cutpoint.{m}.{marker.variable}", endpoint, "", "cutpoint"))}
    values = progn.tte_frame(adsl, adtte, endpoint, [marker.variable])[marker.variable].dropna().to_numpy(float)
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    out = spline_figure(curve, records.value(sid, endpoint, "", "reference"), knots, out_dir=out_dir,
                        marker_label=marker.label, endpoint_label=label, population=population,
                        p_nonlinear=records.value(sid, endpoint, "", "p_nonlinear"),
                        p_overall=records.value(sid, endpoint, "", "p_overall"), cutpoints=cuts, values=values,
                        figure_id=f"prognostic_spline_{marker.variable}_{endpoint}".lower())
    return out


def prognostic_report(records: pd.DataFrame, datasets: Mapping[str, pd.DataFrame], fig_dir: str | Path,
                      study: Any) -> tuple[Section, ...]:
    """The "Prognostic factors" section from the records of :func:`prognostic_records` (``()`` when
    the study has no ``prognostic`` block or the records hold no prognostic analysis)."""
    spec = getattr(study, "prognostic", None)
    if spec is None:
        return ()
    recs = Records(records[records["analysis_id"].str.startswith("prognostic.")].reset_index(drop=True))
    if recs.frame.empty:
        return ()
    _, adsl, population = _population(datasets, study)
    adtte = datasets["adtte"]
    fig_dir = Path(fig_dir)
    f = recs.frame
    items: list[ReportTable | ReportFigure] = []
    factor_labels = {v.variable: v.label for v in spec.factors}
    for endpoint in spec.endpoints:
        ep = endpoint.lower()
        if ((f.analysis_id == "prognostic.cox.univariable") & (f.endpoint == endpoint)).any():
            items.append(cox_factor_table(recs, endpoint, list(factor_labels), population, labels=factor_labels,
                                          table_id=f"prognostic_cox_{ep}"))
        for m in spec.markers:
            mid = f"{m.variable}_{ep}".lower()
            if not ((f.analysis_id == f"prognostic.marker.{m.variable}") & (f.endpoint == endpoint)).any():
                continue
            items.append(cutpoint_table(recs, endpoint, m.variable, population, marker_label=m.label,
                                        table_id=f"prognostic_cutpoint_{mid}"))
            km = marker_km_figure(adsl, adtte, recs, endpoint, m, population, fig_dir)
            if km is not None:
                items.append(km.report)
            items.append(marker_summary_table(recs, endpoint, m.variable, population, marker_label=m.label,
                                              table_id=f"prognostic_marker_{mid}"))
            sp = marker_spline_figure(adsl, adtte, recs, endpoint, m, population, fig_dir)
            if sp is not None:
                items.append(sp.report)
    if (f.analysis_id == "prognostic.response").any():
        labels = {v.variable: v.label for v in spec.response_subgroups}
        items.append(response_subgroup_table(recs, list(labels), population, labels=labels))
    if spec.landmark is not None and (f.analysis_id == "prognostic.landmark").any():
        items.append(landmark_table(recs, spec.landmark.endpoint, spec.landmark.months, population))
    text = ("Data-driven cut-offs overstate a marker's effect: each cut-off is shown with the method that chose it, "
            "the p value as if it had been fixed in advance next to the p value adjusted for the search, and the "
            f"hazard ratio corrected for optimism by the bootstrap. Conventions: {DOC}.")
    notes = [n for n in [spec.note, *(m.note for m in spec.markers)] if n]
    if notes:
        text += " " + " ".join(notes)
    return (Section(id=SECTION_ID, title=SECTION_TITLE, items=tuple(items), text=text),) if items else ()


def prognostic_sections(datasets: Mapping[str, pd.DataFrame], records_unused: pd.DataFrame | None,
                        fig_dir: str | Path, study: Any) -> tuple[tuple[Section, ...], pd.DataFrame]:
    """``(sections, records)``: :func:`prognostic_records` then :func:`prognostic_report`.

    ``records_unused`` is accepted for the ``extra_sections`` signature of
    :func:`mmevidence.report.build.run_report` (the prognostic analyses are not part of the
    analysis plan's records); the returned records belong in the study's results.
    """
    records = prognostic_records(datasets, study)
    return prognostic_report(records, datasets, fig_dir, study), records
