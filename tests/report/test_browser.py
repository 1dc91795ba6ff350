"""Browser test: headless Chromium opens a rendered report offline and shows what we rendered.

Needs Debian's Chromium at /usr/bin/chromium (``./dev.sh test`` installs it when missing) and the
python ``playwright`` package. It FAILS (never skips) when either is missing: a report that no
browser has opened is not tested. A screenshot is saved to tests/report/artifacts/ (gitignored).
"""

from __future__ import annotations

from mmevidence.report.render import render_html


def test_report_opens_in_chromium(report, tmp_path, chromium_page, artifacts):
    # the report folder holds only the HTML: the figure must be embedded, not read from disk
    out = tmp_path / "served"
    html = render_html(report, out / "report.html", base_dir=tmp_path)
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    with chromium_page() as page:
        page.goto(html.as_uri(), wait_until="load")
        assert page.title() == "ICARIA-MM example report"
        assert page.locator("h1").inner_text() == "ICARIA-MM example report"
        headings = page.locator("main h2").all_inner_texts()
        assert headings == ["Baseline characteristics", "Safety"]
        # a known cell: the URTI row of the TEAE table, as rendered
        row = page.locator("#table-teae tbody tr", has_text="Upper respiratory tract infection")
        assert row.locator("td").all_inner_texts() == ["43 (28%)", "5 (3%)", "0", "26 (17%)", "1 (<1%)", "0"]
        assert page.locator("#table-teae caption").inner_text().startswith("Table 2: Treatment-emergent")
        # every image decoded (a broken data URI gives naturalWidth 0)
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
        assert images == [[True, 320, "Kaplan-Meier curve of progression-free survival"]]
        # the table of contents navigates
        page.locator("nav a", has_text="Figure 1").click()
        assert page.evaluate("location.hash") == "#figure-km_pfs"
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    assert (artifacts / "report.png").stat().st_size > 0
