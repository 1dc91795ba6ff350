"""An Excel workbook (.xlsx, openpyxl) from a :class:`~mmevidence.report.model.Report`.

One sheet a table (named "T<k> <title>", at most 31 characters, characters Excel forbids
removed, unique), preceded by a "Contents" sheet listing the sheets. Each table sheet holds:
the numbered title, the population, the header rows (spanners as merged cells), the body,
then the footnotes. Cells are the printed strings (text cells, never re-typed as numbers), so
"54 (35.3%)", "0.596" and "<0.0001" are exactly what the other formats print. Figures are not
written (a workbook is for the numbers; the figures are in the HTML and DOCX outputs).
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from ..model import Report, ReportTable
from ._common import header_rows, numbered

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(label: str, title: str, taken: set[str]) -> str:
    """"T<k> <title>" cut to 31 characters, without []:*?/\\, unique (case-insensitive) in ``taken``."""
    base = _FORBIDDEN.sub(" ", f"{label.replace('Table ', 'T')} {title}")
    base = re.sub(r"\s+", " ", base).strip()[:31].strip().strip("'")
    name, k = base, 1
    while name.lower() in taken:
        k += 1
        suffix = f" ({k})"
        name = base[:31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def _text(ws, row: int, col: int, value: str, bold: bool = False, indent: int = 0):
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"  # keep the printed string; never let Excel re-type "1.0" or "<0.0001"
    if bold:
        cell.font = Font(bold=True)
    if indent:
        cell.alignment = Alignment(indent=indent)
    return cell


def _table_sheet(wb: Workbook, t: ReportTable, label: str, name: str) -> None:
    ws = wb.create_sheet(name)
    _text(ws, 1, 1, f"{label}: {t.title}", bold=True)
    _text(ws, 2, 1, t.population)
    r0 = 4
    heads = header_rows(t)
    for i, head in enumerate(heads):
        for text, col, colspan, rowspan in head:
            _text(ws, r0 + i, col + 1, text, bold=True).alignment = Alignment(horizontal="center", wrap_text=True)
            if colspan > 1 or rowspan > 1:
                ws.merge_cells(start_row=r0 + i, start_column=col + 1, end_row=r0 + i + rowspan - 1,
                               end_column=col + colspan)
    r = r0 + len(heads)
    for row in t.rows:
        _text(ws, r, 1, row.label, bold=row.kind in ("group", "total"), indent=2 * row.indent)
        for j, value in enumerate(row.cells):
            _text(ws, r, j + 2, value, bold=row.kind == "total").alignment = Alignment(horizontal="center")
        r += 1
    r += 1
    for note in t.footnotes:
        _text(ws, r, 1, note).font = Font(size=9, italic=True)
        r += 1
    ws.column_dimensions["A"].width = max(20, min(60, max((len(x.label) + 2 * x.indent for x in t.rows), default=20)))
    for j in range(len(t.columns)):
        ws.column_dimensions[get_column_letter(j + 2)].width = 18
    ws.freeze_panes = ws.cell(row=r0 + len(heads), column=2)


def render_xlsx(report: Report, path: Path) -> Path:
    """Write the report's tables to ``path`` (.xlsx), one sheet a table (module docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nums = numbered(report)
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    taken = {"contents"}
    _text(contents, 1, 1, report.title, bold=True)
    for i, line in enumerate(report.subtitle):
        _text(contents, 2 + i, 1, line)
    r = 3 + len(report.subtitle)
    for s in report.sections:
        for item in s.items:
            if not isinstance(item, ReportTable):
                continue
            label = nums[id(item)].label
            name = sheet_name(label, item.title, taken)
            _table_sheet(wb, item, label, name)
            _text(contents, r, 1, f"{label}: {item.title}")
            link = _text(contents, r, 2, name)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")  # internal link
            r += 1
    contents.column_dimensions["A"].width = 70
    contents.column_dimensions["B"].width = 34
    wb.save(str(path))
    return path
