"""End to end: ``mmevidence demo`` (simulate -> ingest -> derive -> analyse -> report, ICARIA-MM and
IMAGE) writes every document, and headless Chromium opens the ICARIA-MM HTML report offline and
shows its sections, a known cell and every figure."""

from __future__ import annotations

import os
import re

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from mmevidence.cli import main


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    # a relative --out, as `./dev.sh demo` uses (out/demo): figure paths must not be joined twice
    work = tmp_path_factory.mktemp("demo")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        res = CliRunner().invoke(main, ["demo", "--out", "out", "--quiet", "--bootstrap", "50"])
    finally:
        os.chdir(cwd)
    out = work / "out"
    assert res.exit_code == 0, res.output
    assert f"Open the HTML report: {(out / 'icaria-mm' / 'report' / 'report.html').resolve()}" in res.output
    return out


def test_demo_writes_every_output(demo_out):
    for study in ("icaria-mm", "image"):
        folder = demo_out / study / "report"
        for name in ("report.html", "report.docx", "report.xlsx", "results.csv", "results.json"):
            assert (folder / name).stat().st_size > 0, (study, name)
        assert len(list((folder / "figures").glob("*.png"))) == len(list((folder / "figures").glob("*.svg"))) >= 4
    # the records the tables print: ICARIA-MM arms at the published size
    records = pd.read_csv(demo_out / "icaria-mm" / "report" / "results.csv", keep_default_na=False, na_values=[""])
    n = records[(records.analysis_id == "efficacy.pfs") & (records.statistic == "n")].set_index("group")["value"]
    assert n.to_dict() == {"arm=Isa-Pd": 154.0, "arm=Pd": 153.0}


def test_docx_and_xlsx_hold_the_html_tables(demo_out):
    folder = demo_out / "icaria-mm" / "report"
    html = (folder / "report.html").read_text(encoding="utf-8")
    n_tables = len(re.findall(r"<table", html))
    assert len(docx.Document(str(folder / "report.docx")).tables) == n_tables
    sheets = openpyxl.load_workbook(folder / "report.xlsx").sheetnames
    assert len([s for s in sheets if s != "Contents"]) == n_tables


def test_icaria_report_in_chromium(demo_out, chromium_page, artifacts):
    html = demo_out / "icaria-mm" / "report" / "report.html"
    records = pd.read_csv(demo_out / "icaria-mm" / "report" / "results.csv", keep_default_na=False, na_values=[""])
    orr = records[(records.analysis_id == "response.orr") & (records.statistic == "n")
                  & (records.group == "arm=Isa-Pd")]["value"].iloc[0]
    with chromium_page() as page:
        page.goto(html.as_uri(), wait_until="load")
        assert page.locator("h1").inner_text() == "Study report: icaria-mm"
        assert page.locator("main h2").all_inner_texts() == ["Patients", "Treatment exposure", "Response", "Efficacy",
                                                            "Safety"]
        # a known cell: the responders row of Table 3 starts with the record's count
        row = page.locator("tbody tr", has_text="Responders").first
        assert row.locator("td").first.inner_text().startswith(f"{int(orr)} (")
        assert "Isa-Pd (n=154)" in page.locator("thead").first.inner_text()
        # every figure decoded with a non-zero size
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
        assert len(images) >= 6 and all(done and w > 0 and h > 0 for done, w, h in images), images
        page.screenshot(path=str(artifacts / "demo_icaria_report.png"), full_page=True)
    assert (artifacts / "demo_icaria_report.png").stat().st_size > 0

