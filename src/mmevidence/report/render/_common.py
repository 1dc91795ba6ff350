"""What every renderer shares: numbering of tables and figures, header layout, figure paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..model import Report, ReportFigure, ReportTable


@dataclass(frozen=True)
class Numbered:
    """A table or figure with its caption label ("Table 2") and an HTML/bookmark-safe anchor."""

    label: str
    anchor: str
    item: ReportTable | ReportFigure


def anchor(prefix: str, ident: str) -> str:
    """``prefix-ident`` reduced to [A-Za-z0-9_-] (valid HTML id and Word bookmark)."""
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", ident).strip("-")


def numbered(report: Report) -> dict[int, Numbered]:
    """``id(item) -> Numbered`` for every table and figure, numbered in report order."""
    out: dict[int, Numbered] = {}
    n_table = n_figure = 0
    seen: set[str] = set()
    for section in report.sections:
        for item in section.items:
            if isinstance(item, ReportTable):
                n_table += 1
                label, base = f"Table {n_table}", anchor("table", item.id)
            else:
                n_figure += 1
                label, base = f"Figure {n_figure}", anchor("figure", item.id)
            a, k = base, 1
            while a in seen:  # ids repeated across sections still get unique anchors
                k += 1
                a = f"{base}-{k}"
            seen.add(a)
            out[id(item)] = Numbered(label, a, item)
    return out


def header_rows(table: ReportTable) -> list[list[tuple[str, int, int, int]]]:
    """Header cells as rows of ``(text, first_column, colspan, rowspan)``; column 0 is the stub.

    Without spanners: one row. With spanners: the stub and every column outside a spanner
    span two rows; the spanner labels sit over their columns in the first row.
    """
    if not table.spanners:
        return [[(table.stub, 0, 1, 1)] + [(c, i + 1, 1, 1) for i, c in enumerate(table.columns)]]
    start = {first: (label, width) for label, first, width in table.spanners}
    covered = {first + k for _, first, width in table.spanners for k in range(width)}
    top: list[tuple[str, int, int, int]] = [(table.stub, 0, 1, 2)]
    bottom: list[tuple[str, int, int, int]] = []
    for i, column in enumerate(table.columns):
        if i in start:
            label, width = start[i]
            top.append((label, i + 1, width, 1))
        if i in covered:
            bottom.append((column, i + 1, 1, 1))
        else:
            top.append((column, i + 1, 1, 2))
    return [top, bottom]


def figure_path(figure: ReportFigure, base_dir: Path | None) -> Path:
    """The figure's PNG as an existing path: as written, else (relative paths) against ``base_dir``."""
    path = Path(figure.png)
    if not path.is_file() and not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        raise FileNotFoundError(f"figure {figure.id!r}: PNG file not found: {path}")
    return path
