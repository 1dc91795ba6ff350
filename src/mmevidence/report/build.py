"""The study report: analysis datasets + result records -> tables and figures -> HTML, DOCX, XLSX.

``run_report(store, study, out_dir)`` is what ``mmevidence report`` runs:

1. read the analysis datasets of a derived study store (:func:`mmevidence.analysis.run.read_store`);
2. run the study's analysis plan (:func:`mmevidence.analysis.run.run_analysis`) and write every
   statistic as tidy records (``results.csv``, ``results.json``);
3. optionally suppress small counts on the records (:mod:`mmevidence.report.suppression`);
4. lay the records out as tables (:mod:`mmevidence.report.tables`) and draw the figures
   (:mod:`mmevidence.report.figures`) — tables read only records, figures read records and the
   analysis datasets;
5. assemble the sections in the order of a myeloma paper (patients, exposure, response,
   efficacy, safety) and render them (:mod:`mmevidence.report.render`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..analysis.plan import build_plan
from ..analysis.run import export_results, read_store, run_analysis
from .model import Report, ReportFigure, ReportTable, Section
from .prognostic import prognostic_records, prognostic_report

FORMATS: tuple[str, ...] = ("html", "docx", "xlsx")


@dataclass(frozen=True)
class ReportOutputs:
    """Paths written by :func:`run_report` and the result records behind them."""

    html: Path | None
    docx: Path | None
    xlsx: Path | None
    results_csv: Path
    results_json: Path
    results: pd.DataFrame
    report: Report


def _has(records: pd.DataFrame, prefix: str) -> bool:
    return bool(records["analysis_id"].str.startswith(prefix).any())


def journal_style(study: Any) -> tuple[Any, Any]:
    """(n (%) cell style, adverse-event table layout) of the study's own paper, from the study
    definition's ``report:`` section (``docs/studies.md``), so that a report on a cohort like
    ICARIA-MM or the CUP prints its tables the way that paper did (ICARIA-MM, The Lancet: whole
    percentages with "%" and Table 4's all grades / grade 3 / grade 4; the CUP, Frontiers: one
    decimal and Table 2's any grade / grade >=3 / serious / related); without one, the package
    defaults. A field of ``report.adverse_events`` that the layout does not have, or a value it
    refuses, raises ``ValueError`` naming the study."""
    from .tables._cells import DEFAULT, FRONTIERS, LANCET
    from .tables.safety import AeLayout

    layout = getattr(study, "report", None)
    if layout is None:
        return DEFAULT, AeLayout()
    style = {"default": DEFAULT, "lancet": LANCET, "frontiers": FRONTIERS}[layout.style]
    try:
        return style, AeLayout(style=style, **dict(layout.adverse_events))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"study {study.id!r} report.adverse_events: {exc}") from None


def build_tables(records: pd.DataFrame, study: Any) -> dict[str, ReportTable]:
    """Every publication table the records support, by table id (a table whose records are absent is left out)."""
    from .tables.baseline import baseline_table
    from .tables.efficacy import efficacy_table
    from .tables.exposure import exposure_table
    from .tables.response import response_table
    from .tables.safety import ae_table, safety_overview_table
    from .tables.subgroups import subgroup_table

    plan = build_plan(study)
    style, ae_layout = journal_style(study)
    safety_population = plan.safety_population or plan.efficacy_population
    tables: dict[str, ReportTable] = {}
    if _has(records, "baseline."):
        tables["baseline"] = baseline_table(records, study, plan.efficacy_population, style=style,
                                            title="Baseline demographic and disease characteristics")
    if _has(records, "exposure."):
        tables["exposure"] = exposure_table(records, study, safety_population, style=style)
    if _has(records, "response."):
        tables["response"] = response_table(records, study)
    if _has(records, "efficacy."):
        tables["efficacy"] = efficacy_table(records, study)
    if _has(records, "subgroup."):
        tables["subgroups"] = subgroup_table(records, study)
    if _has(records, "safety."):
        tables["safety_overview"] = safety_overview_table(records, study, safety_population, style=style)
        tables["teae"] = ae_table(records, study, ae_layout, safety_population)
    return tables


def build_figures(datasets: Mapping[str, pd.DataFrame], records: pd.DataFrame, study: Any,
                  out_dir: Path) -> dict[str, ReportFigure]:
    """Kaplan–Meier curves of PFS and OS, the subgroup forest plot, the swimmer and waterfall plots
    and the patient-flow diagram, as far as the datasets carry what each needs."""
    from .figures import flow_counts, flow_figure, forest_figure, km_figure, swimmer_figure, waterfall_figure
    from .tables.subgroups import subgroup_forest_frame, subgroup_labels

    plan = build_plan(study)
    adsl, adtte = datasets["adsl"], datasets.get("adtte")
    population = study.populations[plan.efficacy_population]
    figures: dict[str, ReportFigure] = {}
    figures["flow"] = flow_figure(flow_counts(adsl), out_dir=out_dir).report
    if adtte is not None:
        order = list(plan.arm_labels)
        reference = plan.control if plan.randomised else None
        for endpoint in ("PFS", "OS"):
            if not (adtte["endpoint"] == endpoint).any():
                continue
            out = km_figure(adtte, adsl, endpoint, "arm", out_dir=out_dir, order=order, reference=reference,
                            strata=plan.stratification if plan.randomised else (),
                            alternative="two-sided", conf_type=plan.conf_type,
                            population_flag=population.filter, population=population.label)
            figures[f"km_{endpoint.lower()}"] = out.report
    if plan.randomised and _has(records, "subgroup."):
        frame = subgroup_forest_frame(records, subgroup_labels(study))
        figures["forest"] = forest_figure(frame, out_dir=out_dir, experimental=plan.experimental,
                                          control=plan.control, endpoint=plan.subgroup_endpoint,
                                          population=population.label).report
    if "trt_start" in adsl.columns and adsl["trt_start"].notna().any():
        safety = study.populations.get(plan.safety_population) if plan.safety_population else None
        figures["swimmer"] = swimmer_figure(adsl, out_dir=out_dir,
                                            population=safety.label if safety else population.label).report
    labs, adrs = datasets.get("labs"), datasets.get("adrs")
    if labs is not None and adrs is not None and len(labs) and len(adrs):
        figures["waterfall"] = waterfall_figure(labs, adsl, adrs, out_dir=out_dir).report
    return figures


SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("patients", "Patients", ("flow", "baseline")),
    ("exposure", "Treatment exposure", ("exposure", "swimmer")),
    ("response", "Response", ("response", "waterfall")),
    ("efficacy", "Efficacy", ("efficacy", "km_pfs", "km_os", "subgroups", "forest")),
    ("safety", "Safety", ("safety_overview", "teae")),
)


def assemble(study: Any, tables: Mapping[str, ReportTable], figures: Mapping[str, ReportFigure],
             extra: tuple[Section, ...] = (), cutoff: Any = None, notes: tuple[str, ...] = ()) -> Report:
    """The report: the sections of :data:`SECTIONS` that have content, then ``extra`` sections;
    ``notes`` (e.g. analyses the data could not support) are printed at the end."""
    items = {**tables, **figures}
    sections = []
    for section_id, title, keys in SECTIONS:
        present = tuple(items[k] for k in keys if k in items)
        if present:
            sections.append(Section(id=section_id, title=title, items=present))
    subtitle = [study.title]
    if cutoff is not None:
        subtitle.append(f"Data cut-off: {cutoff}")
    subtitle.append(f"mmevidence {__version__}, generated {dt.date.today().isoformat()}")
    return Report(title=f"Study report: {study.id}", sections=tuple(sections) + tuple(extra),
                  subtitle=tuple(subtitle), notes=notes)


def write_documents(report: Report, out_dir: Path, formats: tuple[str, ...] = FORMATS,
                    stem: str = "report") -> dict[str, Path]:
    """Render ``report`` into ``out_dir`` as ``<stem>.html`` / ``.docx`` / ``.xlsx``."""
    from .render.docx import render_docx
    from .render.html import render_html
    from .render.xlsx import render_xlsx

    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"formats: {', '.join(sorted(unknown))} not among {', '.join(FORMATS)}")
    written: dict[str, Path] = {}
    if "html" in formats:
        written["html"] = render_html(report, out_dir / f"{stem}.html", base_dir=out_dir)
    if "docx" in formats:
        written["docx"] = render_docx(report, out_dir / f"{stem}.docx", base_dir=out_dir)
    if "xlsx" in formats:
        written["xlsx"] = render_xlsx(report, out_dir / f"{stem}.xlsx")
    return written


def run_report(store: str | Path | Mapping[str, pd.DataFrame], study: Any, out_dir: str | Path,
               suppress_below: int | None = None, formats: tuple[str, ...] = FORMATS,
               extra_sections: Callable[[Mapping[str, pd.DataFrame], pd.DataFrame, Path], tuple[Section, ...]] | None = None,
               progress: Callable[[str], None] = lambda _msg: None) -> ReportOutputs:
    """Analyse a derived study store (or its datasets) with ``study``'s plan and write the report.

    ``suppress_below``: show counts 1..k-1 as "<k" (None = no suppression; the records written
    to ``results.csv`` are never suppressed, only what the documents print).
    ``extra_sections``: called with (datasets, records, figure folder) for sections appended
    after the standard ones (e.g. the comparison with a published trial).
    """
    from ..studies import load_study

    if isinstance(study, (str, Path)):
        study = load_study(study)
    out_dir = Path(out_dir).resolve()  # figure paths are then absolute, whatever the working directory
    out_dir.mkdir(parents=True, exist_ok=True)
    derivation: dict[str, Any] = {}
    if isinstance(store, (str, Path)):
        progress("reading the study store")
        datasets, derivation = read_store(store)
    else:
        datasets = dict(store)
    cutoff = derivation.get("cutoff")
    progress("analysing")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = run_analysis(datasets, study, derivation=derivation)
    # what the analysis could not do as the study defines it is printed in the report, not only on stderr
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    prognostic = prognostic_records(datasets, study)  # empty unless the study has a prognostic block
    if len(prognostic):
        records = pd.concat([records, prognostic], ignore_index=True)
    csv, json_ = export_results(records, out_dir)
    shown = records
    if suppress_below is not None:
        from .suppression import suppress_small_counts
        shown = suppress_small_counts(records, suppress_below)
    progress("laying out tables")
    tables = build_tables(shown, study)
    progress("drawing figures")
    fig_dir = out_dir / "figures"
    figures = build_figures(datasets, shown, study, fig_dir)
    # the prognostic tables print counts (n, events, responders) that suppression does not cover yet:
    # with suppression on, the section is left out rather than printing small cells
    extra = prognostic_report(records, datasets, fig_dir, study) if suppress_below is None else ()
    if extra_sections is not None:
        extra += tuple(extra_sections(datasets, shown, fig_dir))
    report = assemble(study, tables, figures, extra, cutoff, notes)
    progress("writing documents")
    written = write_documents(report, out_dir, formats)
    return ReportOutputs(html=written.get("html"), docx=written.get("docx"), xlsx=written.get("xlsx"),
                         results_csv=csv, results_json=json_, results=records, report=report)
