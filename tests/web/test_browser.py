"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

With EVALIGN_SCREENSHOTS=1 they also refresh the screenshots in docs/img/ that the README
shows (otherwise screenshots go to a temporary folder, so a test run leaves the tree clean).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalign.store import Store
from tests.web.helpers import seed
from tests.web.live import CHROMIUM, CHROMIUM_ARGS, live_server

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
IMG = DOCS_IMG if os.environ.get("EVALIGN_SCREENSHOTS") else \
    Path(tempfile.gettempdir()) / "evalign-screenshots"
BAD = ('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],'
       ' "judgement": "PASS"}\n{"messages": [{"role": "user", "content": "x"}, '
       '{"role": "assistant", "content": "y"}], "judgement": "MAYBE"}\n')


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, sqlite_store: Store) -> Iterator[tuple[object, str]]:
    _seed(sqlite_store)
    with live_server(sqlite_store) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        yield tab, url
        context.close()


def _seed(store: Store) -> None:
    """Seed off the main thread: Playwright's sync API holds an event loop there."""
    worker = threading.Thread(target=seed, args=(store,))
    worker.start()
    worker.join()


def _shot(tab: object, name: str) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(IMG / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_label_three_items_with_the_keyboard(page: tuple[object, str]) -> None:
    tab, url = page
    tab.goto(f"{url}/alignment")  # type: ignore[attr-defined]
    assert "12 of 12 annotations contributed" in tab.inner_text("main")  # type: ignore[attr-defined]
    tab.goto(f"{url}/datasets/demo/queue")  # type: ignore[attr-defined]
    tab.fill("#annotator-name", "bob")  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect = playwright.expect
    expect(tab.locator("#progress-text")).to_contain_text("0 of 12 labeled")  # type: ignore[attr-defined]
    _shot(tab, "queue")
    for key in ("P", "2", "1"):  # alice's labels: pass, fail, pass
        tab.locator("body").click(position={"x": 5, "y": 200})  # type: ignore[attr-defined]
        tab.keyboard.press(key)  # type: ignore[attr-defined]
        tab.keyboard.press("Enter")  # type: ignore[attr-defined]
        tab.wait_for_load_state()  # type: ignore[attr-defined]
    expect(tab.locator("#progress-text")).to_contain_text("3 of 12 labeled")  # type: ignore[attr-defined]
    tab.keyboard.press("S")  # type: ignore[attr-defined]
    expect(tab.locator("#progress-text")).to_contain_text("1 skipped")  # type: ignore[attr-defined]
    tab.goto(f"{url}/alignment")  # type: ignore[attr-defined]
    text = tab.inner_text("main")  # type: ignore[attr-defined]
    assert "15 of 15 annotations contributed" in text
    _shot(tab, "alignment")
    tab.hover("svg.chart g.bar")  # type: ignore[attr-defined]
    tab.goto(f"{url}/datasets/demo")  # type: ignore[attr-defined]
    assert "bob" in tab.inner_text("main")  # type: ignore[attr-defined]


def test_malformed_upload_shows_the_line_error(page: tuple[object, str], tmp_path: Path) -> None:
    tab, url = page
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BAD)
    tab.goto(f"{url}/datasets/upload")  # type: ignore[attr-defined]
    tab.set_input_files("input[name=file]", str(bad))  # type: ignore[attr-defined]
    tab.fill("input[name=dataset]", "broken")  # type: ignore[attr-defined]
    tab.click("button[value=preview]")  # type: ignore[attr-defined]
    error = tab.locator("#upload-error")  # type: ignore[attr-defined]
    playwright.expect(error).to_contain_text(
        'bad.jsonl:2: "judgement" must be PASS or FAIL, got "MAYBE"')
    _shot(tab, "upload-error")
    tab.goto(f"{url}/datasets")  # type: ignore[attr-defined]
    assert "broken" not in tab.inner_text("main")  # type: ignore[attr-defined]


_DIALOG_BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const d = document.querySelector('#start-alignment');
  return {dialog: box(d),
          checks: [...d.querySelectorAll('input[type=checkbox]')].map(box),
          texts: [...d.querySelectorAll('label.inline')].map(box),
          buttons: [...d.querySelectorAll('.dialog-actions button')].map(box),
          scrolls_sideways: d.scrollWidth > d.clientWidth};
}"""


@pytest.mark.parametrize("width", [1280, 420])
def test_start_alignment_dialog_lays_out_inside_itself(page: tuple[object, str],
                                                       width: int) -> None:
    tab, url = page
    tab.set_viewport_size({"width": width, "height": 860})  # type: ignore[attr-defined]
    tab.goto(f"{url}/alignment/runs")  # type: ignore[attr-defined]
    tab.click("#open-start")  # type: ignore[attr-defined]
    boxes = tab.evaluate(_DIALOG_BOXES)  # type: ignore[attr-defined]
    dialog = boxes["dialog"]
    assert not boxes["scrolls_sideways"]
    assert len(boxes["checks"]) >= 2
    for check, text in zip(boxes["checks"], boxes["texts"], strict=True):
        # the box sits on its name's line, at its left, not stretched above it
        assert check["right"] - check["left"] < 30
        assert text["top"] <= check["top"] and check["bottom"] <= text["bottom"]
        assert dialog["left"] <= text["left"] and text["right"] <= dialog["right"]
    assert len({round(c["top"]) for c in boxes["checks"]}) < len(boxes["checks"])  # in rows
    for button in boxes["buttons"]:  # visible without scrolling the dialog
        assert dialog["left"] <= button["left"] and button["right"] <= dialog["right"]
        assert dialog["top"] <= button["top"] and button["bottom"] <= dialog["bottom"]
    _shot(tab, f"start-alignment-{width}")


def test_alignment_run_reaches_aligned_and_is_accepted(page: tuple[object, str]) -> None:
    tab, url = page
    tab.goto(f"{url}/alignment/runs")  # type: ignore[attr-defined]
    tab.click("#open-start")  # type: ignore[attr-defined]
    tab.select_option("select[name=judge]", "gn")  # type: ignore[attr-defined]
    tab.select_option("select[name=dataset]", "demo")  # type: ignore[attr-defined]
    tab.fill("input[name=reflection_model]", "scripted/constant:- Be strict.")  # type: ignore[attr-defined]
    for name in ("fewshot", "threshold", "decompose"):
        tab.uncheck(f"input[name=strategies][value={name}]")  # type: ignore[attr-defined]
    tab.click("#start-form button[type=submit]")  # type: ignore[attr-defined]
    playwright.expect(tab.locator("#run-status")).to_have_text("aligned", timeout=60_000)  # type: ignore[attr-defined]
    _shot(tab, "alignment-run")
    tab.click("#accept")  # type: ignore[attr-defined]
    playwright.expect(tab.locator("main")).to_contain_text("gn@2")  # type: ignore[attr-defined]
    tab.goto(f"{url}/judges/gn")  # type: ignore[attr-defined]
    assert re.search(r"v2\s+current", tab.inner_text("main"))  # type: ignore[attr-defined]
    _shot(tab, "judge")


def test_cancel_a_running_alignment(browser: object, sqlite_store: Store,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.mock_provider import MockConfig, MockProvider

    _seed(sqlite_store)
    with MockProvider(MockConfig(latency_ms=1500, max_in_flight=256)) as mock, \
            live_server(sqlite_store) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", mock.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        context = browser.new_context()  # type: ignore[attr-defined]
        tab = context.new_page()
        tab.goto(f"{url}/alignment/runs")
        tab.click("#open-start")
        tab.select_option("select[name=dataset]", "demo")
        tab.fill("input[name=judge_model]", "openai/mock")
        tab.fill("input[name=reflection_model]", "openai/mock")
        tab.click("#start-form button[type=submit]")
        playwright.expect(tab.locator("#run-status")).to_have_text("running", timeout=20_000)
        tab.click("#cancel")
        playwright.expect(tab.locator("#run-status")).to_have_text("cancelled")
        tab.wait_for_timeout(3000)
        tab.reload()
        playwright.expect(tab.locator("#run-status")).to_have_text("cancelled")
        context.close()


def _more_judges(store: Store) -> None:
    """Two more metrics on the demo dataset, so the dashboard has something to rank."""
    from evalign.judges.spec import JudgeSpec
    from evalign.runner.run import run_judge
    from evalign.store.repo_judges import create_judge
    from tests.web.helpers import PROMPT

    for name, answer in (("always-pass", "PASS"), ("always-fail", "FAIL")):
        with store.session() as s:
            create_judge(s, name, JudgeSpec(prompt=PROMPT, model=f"scripted/constant:{answer}"))
        run_judge(store, name, "demo")


def test_screenshots_of_the_main_pages(page: tuple[object, str], sqlite_store: Store) -> None:
    tab, url = page
    worker = threading.Thread(target=_more_judges, args=(sqlite_store,))
    worker.start()
    worker.join()
    for name, path in (("home", "/"), ("dataset", "/datasets/demo"), ("run", "/runs/1"),
                       ("alignment-per-metric", "/alignment?view=metric"),
                       ("judges", "/judges"), ("benchmarks", "/runs")):
        response = tab.goto(f"{url}{path}")  # type: ignore[attr-defined]
        assert response.status == 200
        _shot(tab, name)
    tab.goto(f"{url}/datasets/upload")  # type: ignore[attr-defined]
    labeled = Path(__file__).resolve().parent.parent / "fixtures" / "labeled.csv"
    tab.set_input_files("input[name=file]", str(labeled))  # type: ignore[attr-defined]
    tab.fill("input[name=dataset]", "support")  # type: ignore[attr-defined]
    tab.click("button[value=preview]")  # type: ignore[attr-defined]
    playwright.expect(tab.locator("main")).to_contain_text("parse cleanly")  # type: ignore[attr-defined]
    _shot(tab, "upload-preview")
    tab.click("button[value=import]")  # type: ignore[attr-defined]
    playwright.expect(tab.locator("main")).to_contain_text("Imported 3 rows.")  # type: ignore[attr-defined]
    tab.goto(f"{url}/runs")  # type: ignore[attr-defined]
    tab.click("text=New benchmark")  # type: ignore[attr-defined]
    playwright.expect(tab.locator("#new-benchmark")).to_be_visible()  # type: ignore[attr-defined]
    _shot(tab, "new-benchmark")
