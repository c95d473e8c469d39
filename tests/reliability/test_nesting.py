"""JSON and YAML nested ~1,000 deep are refused with a clear message: never a traceback, a 500
or a half-written store."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from evalign.jsondepth import MAX_DEPTH, yaml_too_deep
from evalign.store import Store, open_store
from evalign.store import models as m
from tests.web.helpers import API_HEADERS, seed
from tests.web.live import live_server

DEEP = 1000
EVALIGN = [str(Path(sys.executable).with_name("evalign"))]


def _evalign(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EVALIGN, *args, "--db", str(cwd / "e.db")], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def _refused(done: subprocess.CompletedProcess[str], where: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert f"error: {where}: " in done.stderr
    assert f"more than {MAX_DEPTH} levels deep" in done.stderr


def test_cli_import_refuses_deep_json_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "deep.jsonl").write_text(
        '{"response": "a"}\n{"response": "b", "x": ' + "[" * DEEP + "]" * DEEP + "}\n")
    _refused(_evalign("import", "deep.jsonl", "-d", "deep", cwd=tmp_path), "deep.jsonl:2")
    store = open_store(tmp_path / "e.db")
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Item.id))) == 0  # nothing half written
    store.close()


@pytest.mark.parametrize(("text", "line"), [
    ("name: j\nprompt: 'Is {response} right?'\nparams:\n  x: " + "[" * DEEP + "]" * DEEP + "\n",
     4),
    ('{"name": "j",\n "params": ' + '{"k": ' * DEEP + "1" + "}" * DEEP + "}\n", 2),
    ("name: j\nparams:\n" + "".join("  " * (i + 1) + "k:\n" for i in range(DEEP))
     + "  " * (DEEP + 1) + "1\n", MAX_DEPTH + 2),
], ids=["yaml-flow", "json", "yaml-block"])
def test_judge_import_refuses_deep_files_with_their_line(tmp_path: Path, text: str,
                                                         line: int) -> None:
    (tmp_path / "judge.yaml").write_text(text)
    _refused(_evalign("judge", "import", "judge.yaml", cwd=tmp_path), f"judge.yaml:{line}")
    listed = json.loads(_evalign("judge", "list", "--json", cwd=tmp_path).stdout)
    assert listed and "j" not in {judge["name"] for judge in listed}


def test_yaml_depth_counts_nesting_not_brackets_in_text() -> None:
    prompt = "prompt: |\n" + "".join(f"  line {i} [" + "\n" for i in range(300))
    assert yaml_too_deep(prompt) is None  # brackets inside a block scalar are text
    assert yaml_too_deep("x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH) is None
    assert yaml_too_deep("x: " + "[" * MAX_DEPTH + "[]" + "]" * MAX_DEPTH) == 1


@pytest.mark.parametrize("path", ["/api/datasets/demo/labels", "/api/judges/gn/score",
                                  "/api/runs", "/api/alignment/runs"])
def test_web_refuses_deep_json_bodies_with_400(sqlite_store: Store, path: str) -> None:
    seed(sqlite_store, run=False)
    body = '{"item_id": 1,\n "value": ' + "[" * DEEP + "]" * DEEP + "}"
    with live_server(sqlite_store, worker=False) as url:
        answer = httpx.post(url + path, content=body, timeout=30,
                            headers={**API_HEADERS, "Content-Type": "application/json"})
        # a body within the limit still reaches the route unchanged
        fine = httpx.post(url + "/api/datasets/demo/labels", timeout=30, headers=API_HEADERS,
                          json={"item_id": 1, "annotator": "bob", "value": "pass"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["kind"] == "TooDeep"
    assert answer.json()["error"].startswith(
        f"JSON body nested more than {MAX_DEPTH} levels deep (line 2)")
    assert "content-security-policy" in answer.headers
    assert fine.status_code == 200 and fine.json()["value"] == "pass"


def test_web_refuses_a_deep_json_body_sent_in_chunks(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    body = ('{"item_id": 1, "value": ' + "[" * DEEP + "]" * DEEP + "}").encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start:start + 100]

    with live_server(sqlite_store, worker=False) as url:
        answer = httpx.post(url + "/api/datasets/demo/labels", content=chunks(), timeout=30,
                            headers={**API_HEADERS, "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["kind"] == "TooDeep"
