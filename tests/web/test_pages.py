"""Every page and its JSON twin, rendered in process over a seeded store."""

from __future__ import annotations

import pytest

from tests.web.helpers import XSS_IMG, XSS_SCRIPT, Client, text_of

PAGES = {
    "/": "/api/overview",
    "/datasets": "/api/datasets",
    "/datasets/demo": "/api/datasets/demo",
    "/datasets/demo/queue?annotator=bob": "/api/datasets/demo/queue?annotator=bob",
    "/datasets/demo/adjudicate": "/api/datasets/demo/disagreements",
    "/alignment": "/api/alignment",
    "/runs": "/api/runs",
    "/runs/1": "/api/runs/1",
    "/runs/compare?a=1&b=1": "/api/runs/compare?a=1&b=1",
    "/judges": "/api/judges",
    "/judges/gn": "/api/judges/gn",
    "/alignment/runs": "/api/alignment/runs",
}


@pytest.mark.parametrize(("page", "api"), PAGES.items())
def test_page_and_json_twin(client: Client, page: str, api: str) -> None:
    html = client.get(page)
    assert html.status_code == 200, html.text[:500]
    assert html.headers["content-type"].startswith("text/html")
    assert "<nav" in html.text and "evalign" in html.text
    data = client.get(api)
    assert data.status_code == 200, data.text[:500]
    assert data.headers["content-type"] == "application/json"


def test_openapi_lists_every_twin(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for api in PAGES.values():
        assert api.split("?")[0].replace("/1", "/{run_id}").replace("/gn", "/{name}").replace(
            "/demo", "/{name}") in paths
    assert "/api/judges/{name}/score" in paths
    assert "/api/datasets/{name}/labels" in paths


def test_upload_page_renders(client: Client) -> None:
    page = client.get("/datasets/upload")
    assert page.status_code == 200 and 'type="file"' in page.text


@pytest.mark.parametrize("page", ["/datasets/demo", "/datasets/demo/queue?annotator=bob&item=3",
                                  "/runs/1"])
def test_untrusted_content_is_escaped(client: Client, seeded: object, page: str) -> None:
    html = client.get(page).text
    assert XSS_SCRIPT not in html and XSS_IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_security_headers_forbid_inline_script(client: Client) -> None:
    headers = client.get("/").headers
    assert "script-src" not in headers["content-security-policy"]  # default-src 'self' applies
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_missing_objects_are_404_with_a_message(client: Client) -> None:
    page = client.get("/datasets/nope")
    assert page.status_code == 404 and "no dataset named" in text_of(page.text)
    api = client.get("/api/runs/999")
    assert api.status_code == 404 and api.json()["kind"] == "NotFoundError"


def test_dataset_filters_and_pagination(client: Client) -> None:
    data = client.get("/api/datasets/demo?per_page=5&page=2").json()
    assert data["page"] == {"page": 2, "per_page": 5, "total": 12}
    assert [i["external_id"] for i in data["items"]] == ["q5", "q6", "q7", "q8", "q9"]
    assert client.get("/api/datasets/demo?q=number 1").json()["page"]["total"] == 3
    assert client.get("/api/datasets/demo?label=fail").json()["page"]["total"] == 6
    assert client.get("/api/datasets/demo?labeled=no").json()["page"]["total"] == 0
    assert "q5" in client.get("/datasets/demo?page=2&per_page=5").text
