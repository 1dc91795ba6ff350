"""A Word document (.docx, python-docx) from a :class:`~mmevidence.report.model.Report`.

Real Word tables (not pictures): the header rows repeat on every page (``w:tblHeader``),
spanners are merged cells, row labels are indented by their ``indent`` and group rows
are bold. Each table and figure has a numbered caption ("Table 1: ...", Word style
"Caption") followed by its population, and its footnotes in a smaller font underneath.
Figures are embedded PNGs. A list of contents (section headings with their tables and
figures) opens the document; Word's own TOC field is not used because it needs a manual
update before it shows anything.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from ..model import Report, ReportFigure, ReportTable
from ._common import figure_path, header_rows, numbered

FONT_SIZE = Pt(9)
NOTE_SIZE = Pt(8)


def _repeat_header(row) -> None:
    """Mark a table row as a header row repeated at the top of each page (``w:tblHeader``)."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _write(cell, text: str, bold: bool = False, indent: int = 0, center: bool = False) -> None:
    p = cell.paragraphs[0]
    p.text = ""
    run = p.add_run(text)
    run.font.size = FONT_SIZE
    run.bold = bold
    if indent:
        p.paragraph_format.left_indent = Cm(0.4 * indent)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, t: ReportTable, label: str) -> None:
    doc.add_paragraph(f"{label}: {t.title}", style="Caption")
    doc.add_paragraph(t.population)
    heads = header_rows(t)
    width = 1 + len(t.columns)
    table = doc.add_table(rows=len(heads) + len(t.rows), cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, head in enumerate(heads):
        _repeat_header(table.rows[r])
        for text, col, colspan, rowspan in head:
            cell = table.cell(r, col)
            if colspan > 1 or rowspan > 1:
                cell = cell.merge(table.cell(r + rowspan - 1, col + colspan - 1))
            _write(cell, text, bold=True, center=col > 0)
    # body cells straight from each row's <w:tc> elements: table.cell(r, c) rebuilds the whole cell
    # grid on every call, which made a 500-cell table take seconds
    body = list(table.rows)[len(heads):]
    for row, docx_row in zip(t.rows, body):
        cells = [_Cell(tc, table) for tc in docx_row._tr.tc_lst]
        bold = row.kind in ("group", "total")
        if row.kind == "group" and not row.cells:
            _write(cells[0].merge(cells[-1]), row.label, bold=True, indent=row.indent)
            continue
        _write(cells[0], row.label, bold=bold, indent=row.indent)
        for cell, text in zip(cells[1:], row.cells):
            _write(cell, text, bold=row.kind == "total", center=True)
    for note in t.footnotes:
        run = doc.add_paragraph().add_run(note)
        run.font.size = NOTE_SIZE


def _figure(doc, f: ReportFigure, label: str, base_dir: Path | None) -> None:
    doc.add_paragraph(f"{label}: {f.title}", style="Caption")
    doc.add_paragraph(f.population)
    doc.add_picture(str(figure_path(f, base_dir)), width=Cm(16))
    for note in f.footnotes:
        run = doc.add_paragraph().add_run(note)
        run.font.size = NOTE_SIZE


def render_docx(report: Report, path: Path, base_dir: Path | None = None) -> Path:
    """Write the report to ``path`` (.docx); figure paths resolve against ``base_dir``
    (default: the folder of ``path``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = base_dir if base_dir is not None else path.parent
    nums = numbered(report)
    doc = Document()
    doc.add_heading(report.title, level=0)
    for line in report.subtitle:
        doc.add_paragraph(line)
    doc.add_heading("Contents", level=1)
    for s in report.sections:
        doc.add_paragraph(s.title, style="List Number")
        for item in s.items:
            doc.add_paragraph(f"{nums[id(item)].label}: {item.title}", style="List Bullet 2")
    for s in report.sections:
        doc.add_heading(s.title, level=1)
        if s.text:
            doc.add_paragraph(s.text)
        for item in s.items:
            if isinstance(item, ReportTable):
                _table(doc, item, nums[id(item)].label)
            else:
                _figure(doc, item, nums[id(item)].label, base)
    for note in report.notes:
        doc.add_paragraph(note)
    doc.save(str(path))
    return path
