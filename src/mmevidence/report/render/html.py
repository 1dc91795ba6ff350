"""One self-contained HTML file from a :class:`~mmevidence.report.model.Report`.

Opens offline in any browser: CSS inline in ``<style>``, figures embedded as base64 PNG data
URIs, no script and no external resource. A table of contents links every section, table
and figure. Tables use accessible markup (WCAG 2.1 technique H43/H63): a ``<caption>`` with
the numbered title and the population, ``<thead>`` with ``<th scope="col">`` and, for
spanners, ``<th scope="colgroup" colspan=..>``, row labels as ``<th scope="row">``; footnotes
follow the table inside the same ``<figure>``.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from ..model import Report, ReportFigure, ReportTable
from ._common import Numbered, anchor, figure_path, header_rows, numbered

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1a1a1a;line-height:1.45}
header,main,nav{max-width:1100px;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem}h1{font-size:1.6rem;margin-bottom:.3rem}.subtitle{margin:.1rem 0;color:#444}
nav{border:1px solid #ddd;border-radius:4px;padding:.5rem 1.5rem;margin-top:1rem;background:#fafafa}
nav ol{margin:.2rem 0;padding-left:1.3rem}nav a{color:#0b4f8a;text-decoration:none}
nav a:hover{text-decoration:underline}
h2{font-size:1.3rem;border-bottom:2px solid #0b4f8a;padding-bottom:.2rem;margin-top:2rem}
figure{margin:1.5rem 0}
table{border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding-bottom:.4rem;caption-side:top}
.population{display:block;font-weight:400;color:#444}table{min-width:28rem}
thead th{border-top:2px solid #222;border-bottom:1px solid #222;padding:.25rem .6rem;vertical-align:bottom}
thead th:first-child{text-align:left}thead th[scope=colgroup]{border-bottom:1px solid #888;text-align:center}
tbody th{text-align:left;font-weight:400;padding:.15rem .6rem}
tbody td{text-align:center;padding:.15rem .6rem;white-space:nowrap}
tbody td.text{white-space:normal;text-align:left;min-width:14rem;max-width:32rem;font-size:.85rem}
tbody tr:last-child th,tbody tr:last-child td{border-bottom:2px solid #222}
tr.group th{font-weight:600;padding-top:.45rem}tr.total th,tr.total td{font-weight:600}
.indent-1{padding-left:1.6rem!important}.indent-2{padding-left:2.6rem!important}.indent-3{padding-left:3.6rem!important}
.footnotes{font-size:.8rem;color:#333;margin-top:.4rem}.footnotes p{margin:.1rem 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-weight:600;margin-bottom:.4rem}
.notes{font-size:.85rem;color:#444;margin:2rem auto}
@media print{nav{display:none}figure{break-inside:avoid}}
"""


#: cells longer than this are prose (notes, definitions): they wrap, left-aligned; shorter cells
#: (numbers, "n (%)", "estimate (CI)") never break
TEXT_CELL = 40


def _table(t: ReportTable, num: Numbered) -> str:
    width = 1 + len(t.columns)
    head = []
    for row in header_rows(t):
        cells = []
        for text, col, colspan, rowspan in row:
            scope = "colgroup" if colspan > 1 else "col"
            span = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            cells.append(f'<th scope="{scope}"{span}>{escape(text)}</th>')
        head.append("<tr>" + "".join(cells) + "</tr>")
    body = []
    for r in t.rows:
        cls = f' class="indent-{r.indent}"' if r.indent else ""
        label = f'<th scope="row"{cls}>{escape(r.label)}</th>'
        if r.kind == "group" and not r.cells:
            body.append(f'<tr class="group"><th scope="rowgroup" colspan="{width}"{cls}>{escape(r.label)}</th></tr>')
            continue
        cells = list(r.cells) + [""] * (len(t.columns) - len(r.cells))
        tds = "".join(f'<td class="text">{escape(c)}</td>' if len(c) > TEXT_CELL else f"<td>{escape(c)}</td>"
                      for c in cells)
        kind = f' class="{r.kind}"' if r.kind != "data" else ""
        body.append(f"<tr{kind}>{label}{tds}</tr>")
    notes = "".join(f"<p>{escape(n)}</p>" for n in t.footnotes)
    return (f'<figure class="table" id="{num.anchor}"><table>'
            f'<caption>{escape(num.label)}: {escape(t.title)}'
            f'<span class="population">{escape(t.population)}</span></caption>'
            f'<thead>{"".join(head)}</thead><tbody>{"".join(body)}</tbody></table>'
            + (f'<div class="footnotes">{notes}</div>' if notes else "") + "</figure>")


def _figure(f: ReportFigure, num: Numbered, base_dir: Path | None) -> str:
    data = base64.b64encode(figure_path(f, base_dir).read_bytes()).decode("ascii")
    notes = "".join(f"<p>{escape(n)}</p>" for n in f.footnotes)
    alt = f.alt or f.title
    return (f'<figure class="figure" id="{num.anchor}"><figcaption>{escape(num.label)}: {escape(f.title)}'
            f'<span class="population">{escape(f.population)}</span></figcaption>'
            f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
            + (f'<div class="footnotes">{notes}</div>' if notes else "") + "</figure>")


def html_document(report: Report, base_dir: Path | None = None) -> str:
    """The report as one HTML string (module docstring); figure PNGs resolve against ``base_dir``."""
    nums = numbered(report)
    toc, sections = [], []
    for s in report.sections:
        sid = anchor("section", s.id)
        entries = "".join(f'<li><a href="#{nums[id(i)].anchor}">{escape(nums[id(i)].label)}: {escape(i.title)}</a></li>'
                          for i in s.items)
        toc.append(f'<li><a href="#{sid}">{escape(s.title)}</a>' + (f"<ol>{entries}</ol>" if entries else "") + "</li>")
        parts = [f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{escape(s.title)}</h2>']
        if s.text:
            parts.append(f"<p>{escape(s.text)}</p>")
        for item in s.items:
            parts.append(_table(item, nums[id(item)]) if isinstance(item, ReportTable)
                         else _figure(item, nums[id(item)], base_dir))
        sections.append("".join(parts) + "</section>")
    subtitle = "".join(f'<p class="subtitle">{escape(x)}</p>' for x in report.subtitle)
    notes = "".join(f"<p>{escape(n)}</p>" for n in report.notes)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(report.title)}</h1>{subtitle}</header>"
            f'<nav aria-label="Table of contents"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>'
            f"<main>{''.join(sections)}" + (f'<div class="notes">{notes}</div>' if notes else "")
            + "</main></body></html>\n")


def render_html(report: Report, path: Path, base_dir: Path | None = None) -> Path:
    """Write the report to ``path`` as one self-contained HTML file (UTF-8); figure paths
    resolve against ``base_dir`` (default: the folder of ``path``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_document(report, base_dir if base_dir is not None else path.parent), encoding="utf-8")
    return path
