"""Upload with mapping and preview (same file:line errors as the CLI); judges; online scoring."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from evalign.cli.app import app as cli
from evalign.store import Store
from tests.web.helpers import Client, text_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", ' \
      b'"content": "yo"}], "judgement": "PASS"}\n{"messages": [{"role": "user", "content": ' \
      b'"x"}, {"role": "assistant", "content": "y"}], "judgement": "MAYBE"}\n'


def _upload(client: Client, name: str, body: bytes, **fields: str) -> object:
    return client.post("/datasets/upload", files={"file": (name, body)},
                       data={"csrf_token": client.csrf(), "dataset": "up", **fields})


def test_malformed_file_shows_the_same_line_error_as_the_cli(client: Client, tmp_path: Path,
                                                             seeded: Store) -> None:
    page = _upload(client, "bad.jsonl", BAD)
    assert page.status_code == 422  # type: ignore[attr-defined]
    shown = text_of(page.text)  # type: ignore[attr-defined]
    assert 'bad.jsonl:2: "judgement" must be PASS or FAIL, got "MAYBE"' in shown, shown
    (tmp_path / "bad.jsonl").write_bytes(BAD)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "bad.jsonl"), "--dataset", "x",
                                      "--db", seeded.url.removeprefix("sqlite:///")])
    assert 'bad.jsonl:2: "judgement" must be PASS or FAIL, got "MAYBE"' in str(result.exception)
    assert client.get("/api/datasets").json()[0]["name"] == "demo"  # nothing written


def test_mapping_preview_then_import(client: Client) -> None:
    body = (FIXTURES / "labeled.csv").read_bytes()
    page = _upload(client, "labeled.csv", body)
    assert page.status_code == 200  # type: ignore[attr-defined]
    html = page.text  # type: ignore[attr-defined]
    assert "Column mapping" in html and "(auto: response)" in html and "parse cleanly" in html
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert client.get("/api/datasets/up").status_code == 404  # preview wrote nothing
    remapped = client.form("/datasets/upload", {"token": token, "dataset": "up",
                                                "map_output": "question"})
    assert "What is 2+2?" in remapped.text
    done = client.form("/datasets/upload", {"token": token, "dataset": "up",
                                            "action": "import"})
    assert done.status_code == 303 and done.headers["location"].startswith("/datasets/up?imported=")
    shown = text_of(client.get(done.headers["location"]).text)
    assert ("Imported" in shown and "fewer than 30" in shown.lower()) or "labeled rows" in shown
    data = client.get("/api/datasets/up").json()
    assert data["dataset"]["rows"] > 0 and data["dataset"]["labeled"] > 0


def test_upload_api_preview_and_import(client: Client) -> None:
    body = (FIXTURES / "labeled.csv").read_bytes()
    preview = client.post("/api/uploads/preview", files={"file": ("labeled.csv", body)},
                          headers={"X-CSRF-Token": client.csrf()}).json()
    assert preview["error"] is None and preview["mapping"]["output"] == "response"
    made = client.post(f"/api/uploads/{preview['token']}/import", json={"dataset": "viaapi"})
    assert made.status_code == 201 and made.json()["rows"] == preview["rows"]
    assert client.post("/api/uploads/../../etc/import", json={"dataset": "z"}).status_code \
        in (404, 405)


def test_judges_list_fork_export(client: Client) -> None:
    judges = client.get("/api/judges").json()
    assert any(j["builtin"] for j in judges) and judges[0]["name"] == "gn"
    builtin = next(j["name"] for j in judges if j["builtin"])
    page = client.get(f"/judges/{builtin}")
    assert page.status_code == 200 and "Prompt" in page.text
    forked = client.form(f"/judges/{builtin}/fork", {"new_name": "mine"})
    assert forked.status_code == 303 and forked.headers["location"] == "/judges/mine"
    detail = client.get("/api/judges/mine").json()
    assert not detail["judge"]["builtin"] and detail["forked_from"].startswith(builtin)
    exported = client.get("/api/judges/gn/export")
    assert exported.json()["prompt"].startswith("Does the response")
    assert "attachment" in exported.headers["content-disposition"]


def test_online_scoring_uses_the_current_version(client: Client) -> None:
    one = client.post("/api/judges/gn/score",
                      json={"item": {"question": "q?", "says": "FAIL", "output": "a"}}).json()
    assert one["judge"] == "gn" and one["version"] == 1
    assert [r["value"] for r in one["results"]] == ["fail"] and one["results"][0]["passed"] is False
    batch = client.post("/api/judges/gn/score", json={"items": [
        {"question": "a", "says": "PASS", "response": "x"},
        {"question": "b", "says": "FAIL", "response": "y"}]}).json()
    assert [r["passed"] for r in batch["results"]] == [True, False]


def test_abandoned_uploads_are_forgotten(tmp_path: Path) -> None:
    import io
    import os

    from evalign.web.services.uploads import UploadArea

    area = UploadArea(tmp_path / "uploads")
    old = area.save(io.BytesIO(b"a,b\n1,2\n"), "old.csv")
    folder = area.path(old).parent
    os.utime(folder, (0, 0))
    fresh = area.save(io.BytesIO(b"a,b\n1,2\n"), "../../etc/passwd")
    assert not folder.exists()
    assert area.path(fresh).name == "passwd"  # no path escapes the upload folder
    assert area.path(fresh).parent.parent == area.root
