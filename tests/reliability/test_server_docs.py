"""`/api/docs` renders in Chromium under the app's own CSP, from files the app serves itself."""

from __future__ import annotations

import os
import threading

import pytest

from evalign.store import Store
from tests.web.helpers import seed
from tests.web.live import CHROMIUM, CHROMIUM_ARGS, live_server

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


def test_api_docs_load_under_the_csp(sqlite_store: Store) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make system-deps installs it)")
    worker = threading.Thread(target=seed, args=(sqlite_store,), kwargs={"run": False})
    worker.start()
    worker.join()  # off the main thread: Playwright's sync API holds an event loop there
    with live_server(sqlite_store, worker=False) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_page()
        console: list[str] = []
        requested: list[str] = []
        tab.on("console", lambda m: console.append(m.text))
        tab.on("request", lambda r: requested.append(r.url))
        response = tab.goto(f"{url}/api/docs")
        assert response is not None and response.ok
        assert "script-src" not in response.headers["content-security-policy"]
        tab.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "evalign" in tab.inner_text(".swagger-ui .info .title")
        tab.wait_for_selector('[data-path="/api/judges/{name}/score"]', timeout=30_000)
        browser.close()
    blocked = [m for m in console if "Content Security Policy" in m]
    assert blocked == []
    assert requested and all(u.startswith(url) or u.startswith("data:") for u in requested), \
        [u for u in requested if not u.startswith(url)]
