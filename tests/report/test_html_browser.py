"""The HTML report renders in a real browser (Debian Chromium through Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign.report.build import run_report
from evalign.report.html import report_html
from evalign.store import Store
from tests.report.helpers import add_dataset, add_run

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_html_report_renders_in_chromium(sqlite_store: Store, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    labels = [{"human": "pass" if i % 3 else "fail"} for i in range(36)]
    add_dataset(sqlite_store, "html", labels)
    verdicts = ["pass" if i % 4 else "fail" for i in range(36)]
    run = add_run(sqlite_store, "html", verdicts, p_pass=[(i % 10) / 10 + 0.05
                                                          for i in range(36)])
    page_file = tmp_path / "report.html"
    page_file.write_text(report_html(run_report(sqlite_store, run, by="topic")), "utf-8")
    shot = tmp_path / "report.png"  # kept under tmp for inspection
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            assert page.locator("h1").inner_text().startswith("Judge j@v1")
            assert page.locator("svg").count() == 3  # confusion, bars, calibration
            box = page.locator("svg").first.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100
            rows = page.locator("table").last.locator("tr").count()
            assert rows - 1 == run_report(sqlite_store, run)["misaligned"]
            assert page.locator("td.text", has_text="<script>x</script>").count() > 0
            page.screenshot(path=str(shot), full_page=True)
            blank = browser.new_page(viewport={"width": 1200, "height": 900})
            blank.set_content("<html><body></body></html>")
            blank_png = blank.screenshot(full_page=True)
        finally:
            browser.close()
    assert requests == [page_file.as_uri()]  # self-contained: nothing else fetched
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1200 and height > 900  # full page: taller than the viewport
    assert len(png) > 10 * len(blank_png)  # far more detail than an empty page


def _text_report(report: dict[str, object]) -> str:
    from rich.console import Console

    from evalign.report.text import report_table

    console = Console(record=True, width=400)
    console.print(report_table(report))
    return console.export_text()


@pytest.mark.browser
def test_html_report_shows_the_raters_figures_the_text_report_shows(
        sqlite_store: Store, tmp_path: Path) -> None:
    """A numeric run with three raters: the rater-to-rater gap, Fleiss κ, Krippendorff α and
    the judge vs each rater are on the page, in the text report's words and figures."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    labels = [{"w1": 10 * (i % 10), "w2": min(100, 10 * (i % 10) + 20),
               "w3": max(0, 10 * (i % 10) - 10 * (i % 3))} for i in range(30)]
    add_dataset(sqlite_store, "rated", labels, scale="numeric:0:100:50")
    run = add_run(sqlite_store, "rated", [min(100, 10 * (i % 10) + 5 * (i % 4))
                                          for i in range(30)], scale="numeric:0:100:50")
    report = run_report(sqlite_store, run)
    ann = report["annotators"]
    raters = ann["raters"]
    page_file = tmp_path / "report.html"
    page_file.write_text(report_html(report), "utf-8")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_file.as_uri())
            humans = page.locator("#humans").inner_text()
            gap = page.locator("#rater-gap").inner_text()
            assert page.locator("#rater-gap").is_visible()
            cells = [[td.inner_text() for td in row.locator("td").all()]
                     for row in page.locator("#raters tr").all()[1:]]
        finally:
            browser.close()
    assert f"Fleiss κ {ann['fleiss_kappa']:.3f}" in humans
    assert f"Krippendorff α {ann['krippendorff_alpha']:.3f}" in humans
    assert f"rater-to-rater gap {ann['mean_abs_diff_100']:.1f} on 0–100" in humans
    assert gap == (f"the judge's mean gap to one rater {raters['judge_gap_100']:.1f}; raters "
                   f"differ from each other by {raters['rater_gap_100']:.1f} on the 30 items "
                   "of this run with several raters and a judge score (the ceiling of that "
                   "gap)")
    assert [row[0] for row in cells] == ["the raters' mean", "w1", "w2", "w3"]
    for row in cells[1:]:
        each = raters["each"][row[0]]
        assert row[1:] == [str(each["n"]), f"{each['mae']:.1f}", f"{each['spearman']:.3f}",
                           f"{each['kendall']:.3f}"]
    text = " ".join(_text_report(report).split())
    assert humans in text and gap in text  # the same words and figures as the text report
    for row in cells:
        assert " ".join(f"│ {cell}" for cell in row) in text
