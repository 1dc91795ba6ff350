"""render_docx: python-docx reopens the file and finds the same tables, cell text, merges and figure."""

from __future__ import annotations

import docx
from docx.oxml.ns import qn

from mmevidence.report.render import render_docx



def _grid(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_docx_tables_and_text(report, tmp_path):
    path = render_docx(report, tmp_path / "report.docx", base_dir=tmp_path)
    d = docx.Document(str(path))
    assert len(d.tables) == 4
    base = _grid(d.tables[0])
    assert base[0] == ["Characteristic", "Isa-Pd (n=154)", "Pd (n=153)"]
    assert base[1] == ["Age (years)", "68 (60\u201374)", "66 (59\u201371)"]
    # the group row is one merged cell across the table
    assert base[2] == ["Sex", "Sex", "Sex"]
    assert base[3] == ["Female", "65 (42%)", "83 (54%)"]
    teae = _grid(d.tables[1])
    # two header rows: spanners merged over three columns, stub merged over both rows
    assert teae[0] == ["Preferred term"] + ["Isa-Pd (n=152)"] * 3 + ["Pd (n=149)"] * 3
    assert teae[1] == ["Preferred term", "All grades", "Grade 3", "Grade 4", "All grades", "Grade 3", "Grade 4"]
    assert teae[4] == ["Upper respiratory tract infection", "43 (28%)", "5 (3%)", "0", "26 (17%)", "1 (<1%)", "0"]
    # header rows repeat on each page; body rows do not
    flags = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None
             for row in d.tables[1].rows]
    assert flags == [True, True, False, False, False]


def test_docx_captions_footnotes_figure(report, tmp_path):
    d = docx.Document(str(render_docx(report, tmp_path / "report.docx", base_dir=tmp_path)))
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert captions == ["Table 1: Baseline characteristics",
                        "Table 2: Treatment-emergent adverse events & <laboratory> abnormalities",
                        "Figure 1: Progression-free survival",
                        "Table 3: Treatment-emergent adverse events & <laboratory> abnormalities",
                        "Table 4: A very long title: with [forbidden] characters / that Excel rejects?"]
    texts = [p.text for p in d.paragraphs]
    assert "Analysis was done in the safety population." in texts
    assert "Safety population (N=301)" in texts
    assert "Data cut-off 2018-10-11" in texts
    assert len(d.inline_shapes) == 1
    # the embedded image is the PNG file
    blobs = [r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype]
    assert blobs == [(tmp_path / "km.png").read_bytes()]
