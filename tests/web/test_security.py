"""CSRF on forms, the access token, login, and `evalign serve`'s refusal off loopback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evalign.cli.app import app as cli
from evalign.cli.serve_cmd import access_token, is_loopback
from evalign.errors import ConfigError
from evalign.store import Store
from evalign.web import create_app
from tests.web.helpers import Client


def test_form_post_without_csrf_token_is_refused(client: Client) -> None:
    client.get("/")
    data = {"item_id": "1", "criterion": "default", "value": "pass"}
    client.http.cookies.set("evalign_annotator", "bob")
    refused = client.post("/datasets/demo/queue", data=data)
    assert refused.status_code == 403
    assert client.get("/api/datasets/demo/queue?annotator=bob").json()["labeled"] == 0
    wrong = client.post("/datasets/demo/queue", data={**data, "csrf_token": "forged"})
    assert wrong.status_code == 403
    ok = client.form("/datasets/demo/queue", data)
    assert ok.status_code == 303
    assert client.get("/api/datasets/demo/queue?annotator=bob").json()["labeled"] == 1


def test_json_api_needs_its_header_not_a_csrf_token(seeded: Store) -> None:
    label = {"item_id": 1, "annotator": "carol", "value": "fail"}
    bare = Client(create_app(seeded, worker=False), api_header=False)
    refused = bare.post("/api/datasets/demo/labels", json=label)
    assert refused.status_code == 403 and "X-Evalign-Request" in refused.json()["detail"]
    assert bare.get("/api/datasets/demo/queue?annotator=carol").json()["labeled"] == 0
    ok = bare.post("/api/datasets/demo/labels", json=label, headers={"X-Evalign-Request": "1"})
    assert ok.status_code == 200
    bare.close()


TOKEN = "s3cret-token-0123456789"


@pytest.fixture
def guarded(seeded: Store) -> Client:
    return Client(create_app(seeded, token=TOKEN, worker=False), api_header=False)


def test_token_is_required_everywhere(guarded: Client) -> None:
    assert guarded.get("/api/datasets").status_code == 401
    assert guarded.get("/api/datasets", headers={"Authorization": "Bearer nope"}).status_code \
        == 401
    assert guarded.get("/api/datasets",
                       headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    page = guarded.get("/datasets/demo")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert guarded.get("/healthz").status_code == 200


def test_bearer_token_exempts_json_posts_from_csrf(guarded: Client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    label = {"item_id": 1, "annotator": "dave", "value": "pass"}
    assert guarded.post("/api/datasets/demo/labels", json=label, headers=auth).status_code == 200
    assert guarded.post("/api/datasets/demo/labels", json=label).status_code == 401


def test_login_sets_a_session_cookie(guarded: Client) -> None:
    bad = guarded.form("/login", {"token": "wrong", "next": "/datasets"})
    assert bad.status_code == 401
    good = guarded.form("/login", {"token": TOKEN, "next": "/datasets"})
    assert good.status_code == 303 and good.headers["location"] == "/datasets"
    assert TOKEN not in good.headers["set-cookie"]
    assert guarded.get("/datasets").status_code == 200
    assert guarded.form("/login", {"token": TOKEN, "next": "//evil.example"}).headers[
        "location"] == "/"


def test_serve_refuses_non_loopback_without_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALIGN_TOKEN", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    with pytest.raises(ConfigError, match="EVALIGN_TOKEN"):
        access_token("0.0.0.0")
    assert access_token("127.0.0.1") is None
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--db", ":memory:"])
    assert result.exit_code != 0 and isinstance(result.exception, ConfigError)
    monkeypatch.setenv("EVALIGN_TOKEN", TOKEN)
    assert access_token("0.0.0.0") == TOKEN


def test_a_refused_form_explains_itself(client: Client) -> None:
    page = client.post("/runs/1/rerun", data={})
    assert page.status_code == 403 and "CSRF token missing or wrong" in page.text
    assert page.headers["content-type"].startswith("text/html")
    client.api_header = False
    api = client.post("/api/runs/1/rerun", data={})
    assert api.status_code == 403 and "CSRF" in api.json()["detail"]


def test_unknown_pages_get_a_page_and_unknown_api_paths_json(client: Client) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert client.get("/api/no/such").json() == {"detail": "Not Found"}
