"""Hostile text in items, labels and model answers is escaped on every page that shows it."""

from __future__ import annotations

import json
from pathlib import Path

from bench.evalign_job import DATASET, JUDGE, prepare

from evalign import run_judge
from evalign.store import Store
from evalign.web import create_app
from tests.reliability.conftest import MockFactory
from tests.web.helpers import Client

PAYLOADS = ['<script>alert("rel-1")</script>', '<img src=x onerror="alert(\'rel-2\')">',
            '"><svg onload=alert(3)>']


def test_pages_escape_hostile_text(sqlite_store: Store, tmp_path: Path,
                                   mock_provider: MockFactory) -> None:
    path = tmp_path / "hostile.jsonl"
    with path.open("w") as out:
        for i, payload in enumerate(PAYLOADS):
            out.write(json.dumps({
                "id": f"x{i}", "question": f"Q {payload}",
                "grading_notes": f"notes {payload} [item:x{i}]",
                "response": f"answer {payload}", "target": "pass"}) + "\n")
    prepare(sqlite_store, path)
    mock_provider()
    run = run_judge(sqlite_store, JUDGE, DATASET, use_cache=False)
    assert run.verdicts == len(PAYLOADS)
    client = Client(create_app(sqlite_store, worker=False))
    try:
        pages = [f"/datasets/{DATASET}", f"/datasets/{DATASET}/queue?annotator=eve",
                 f"/runs/{run.run}", "/runs", "/datasets", "/judges"]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            for payload in PAYLOADS:
                assert payload not in response.text, (url, payload)
        shown = client.get(f"/datasets/{DATASET}").text + client.get(f"/runs/{run.run}").text
        assert "&lt;script&gt;" in shown or "&lt;img" in shown  # shown, but as text
    finally:
        client.close()
