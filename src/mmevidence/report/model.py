"""The layout model every report output reads: tables, figures and sections as plain data.

Statistics are computed once, as tidy result records (:mod:`mmevidence.analysis.results`);
table builders turn records into :class:`ReportTable` (layout only, every cell already a
formatted string), and the renderers (HTML, DOCX, XLSX) print these objects without
computing anything. This is the gtsummary/cards split: numbers and layout never mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One table row: ``label`` in the first column, one formatted string per data column.

    ``kind`` is "data" (an ordinary row), "group" (a heading row that spans the table, e.g. a
    system organ class or "Age, years"; ``cells`` may be empty or carry group totals) or
    "total". ``indent`` is the nesting level of the label (0 = flush left).
    """

    label: str
    cells: tuple[str, ...] = ()
    kind: str = "data"
    indent: int = 0


@dataclass(frozen=True)
class ReportTable:
    """A publication table.

    ``columns`` are the data-column headers (the label column's header is ``stub``);
    ``spanners`` optionally groups adjacent columns under a header of their own, as
    ``(label, first_column_index, n_columns)`` (e.g. "Isa-Pd (n=154)" over "All grades",
    "Grade 3", "Grade 4"). ``population`` names the analysis set and its size, e.g.
    "Intention-to-treat population (N=307)"; ``footnotes`` are printed under the table.
    """

    id: str
    title: str
    population: str
    stub: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    spanners: tuple[tuple[str, int, int], ...] = ()
    footnotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportFigure:
    """A figure written to disk as PNG and SVG (paths relative to the report folder or absolute)."""

    id: str
    title: str
    population: str
    png: Path
    svg: Path
    footnotes: tuple[str, ...] = ()
    alt: str = ""


@dataclass(frozen=True)
class Section:
    """A report section: a heading, optional introductory text and its tables and figures in order."""

    id: str
    title: str
    items: tuple[ReportTable | ReportFigure, ...]
    text: str = ""


@dataclass(frozen=True)
class Report:
    """A whole report: title, subtitle lines (study, data cut-off, software version) and sections."""

    title: str
    sections: tuple[Section, ...]
    subtitle: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
