"""render_xlsx: openpyxl reopens the workbook; one sheet a table, printed strings kept as text."""

from __future__ import annotations

import openpyxl

from mmevidence.report.render import render_xlsx
from mmevidence.report.render.xlsx import sheet_name


def test_sheet_names():
    taken: set[str] = set()
    a = sheet_name("Table 1", "Treatment-emergent adverse events", taken)
    b = sheet_name("Table 1", "Treatment-emergent adverse events", taken)
    assert a == "T1 Treatment-emergent adverse e" and len(a) == 31
    assert b == "T1 Treatment-emergent adver (2)" and len(b) == 31
    assert sheet_name("Table 9", "a/b [c]: d?", taken) == "T9 a b c d"


def test_workbook(report, tmp_path):
    wb = openpyxl.load_workbook(render_xlsx(report, tmp_path / "report.xlsx"))
    names = wb.sheetnames
    assert names[0] == "Contents" and len(names) == 5            # contents + 4 tables (figures are not written)
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5
    ws = wb[names[2]]
    assert ws["A1"].value == "Table 2: Treatment-emergent adverse events & <laboratory> abnormalities"
    assert ws["A2"].value == "Safety population (N=301)"
    # header rows 4-5: spanner merged over B4:D4 and E4:G4; stub merged A4:A5
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B4:D4", "E4:G4", "A4:A5"} <= merged
    assert [ws.cell(5, c).value for c in range(2, 8)] == ["All grades", "Grade 3", "Grade 4"] * 2
    assert [ws.cell(8, c).value for c in range(1, 8)] == ["Upper respiratory tract infection", "43 (28%)", "5 (3%)",
                                                          "0", "26 (17%)", "1 (<1%)", "0"]
    # footnotes after one blank row
    assert ws["A10"].value == "Data are n (%)." and ws["A11"].value == "Analysis was done in the safety population."
    # numbers stay the printed strings
    long = wb[names[4]]
    assert long["B5"].value == "<0.0001" and long["B6"].value == "1.0" and long["B6"].data_type == "s"
    assert wb["Contents"]["B5"].value == names[1]   # title, 2 subtitle lines, blank row
    assert wb["Contents"]["B5"].hyperlink.location == f"'{names[1]}'!A1"
