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
