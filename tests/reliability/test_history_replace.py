"""`import --replace` never rewrites history: every id a user has seen still means what it meant.

A queue page opened before a replace cannot post its label onto another item (409), the old
version's items, labels, runs and verdicts stay readable, labels made in the web app carry over
to unchanged items (and the import says how many), and ids are never handed out twice.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from evalign.data.importer import import_file
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_judges import create_judge
from evalign.store.repo_runs import get_run
from evalign.web import create_app
from tests.web.helpers import Client, text_of

EVALIGN = Path(sys.executable).with_name("evalign")
APPLE = {"id": "q1", "question": "Is an apple a fruit?", "response": "Yes, it is a fruit."}
BANK = {"id": "q2", "question": "How do I send a bank transfer?",
        "response": "Open the app and choose Transfer."}
TIP = {"id": "q3", "question": "How much should I tip?", "response": "About 15%."}


def _jsonl(path: Path, *rows: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def client(store: Store) -> Iterator[Client]:
    c = Client(create_app(store, worker=False))
    yield c
    c.close()


def _shown_item(client: Client, dataset: str) -> int:
    page = client.get(f"/datasets/{dataset}/queue?annotator=bob").text
    found = re.search(r'name="item_id" value="(\d+)"', page)
    assert found, "the queue page shows an item form"
    return int(found.group(1))


def test_a_page_opened_before_a_replace_cannot_label_another_item(
        store: Store, client: Client, tmp_path: Path) -> None:
    import_file(store, _jsonl(tmp_path / "a.jsonl", APPLE, BANK), "d")
    apple = _shown_item(client, "d")  # the page shows the apple question
    import_file(store, _jsonl(tmp_path / "b.jsonl", BANK, APPLE), "d", mode="replace")

    posted = client.form("/datasets/d/queue", {"item_id": apple, "criterion": "default",
                                               "value": "pass"})
    assert posted.status_code == 409
    said = text_of(posted.text)
    assert "superseded" in said and "reload the queue" in said and "Nothing was saved" in said
    api = client.post("/api/datasets/d/labels", json={"item_id": apple, "annotator": "bob",
                                                      "value": "pass"})
    assert api.status_code == 409 and api.json()["kind"] == "ConflictError"
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Label.id))) == 0  # nothing landed anywhere
        old = s.get_one(m.Item, apple)
        assert old.inputs["question"] == APPLE["question"]  # the id still means the apple

    fresh = _shown_item(client, "d")  # reloading shows the current version's first item
    assert fresh > apple
    ok = client.form("/datasets/d/queue", {"item_id": fresh, "criterion": "default",
                                           "value": "fail"})
    assert ok.status_code == 303
    with store.session() as s:
        label = s.scalars(sa.select(m.Label)).one()
        assert s.get_one(m.Item, label.item_id).inputs["question"] == BANK["question"]


def test_replace_keeps_runs_and_carries_web_labels(
        store: Store, client: Client, tmp_path: Path) -> None:
    import_file(store, _jsonl(tmp_path / "a.jsonl", APPLE, BANK, TIP), "d")
    with store.session() as s:
        create_judge(s, "gn", JudgeSpec(prompt="{question} {response}",
                                        model="scripted/constant:PASS"))
    first = run_judge(store, "gn", "d").run
    for _ in range(3):
        item = client.get("/api/datasets/d/queue?annotator=bob").json()["item"]
        assert client.post("/api/datasets/d/labels", json={
            "item_id": item["id"], "annotator": "bob", "value": "pass"}).status_code == 200

    changed = {**TIP, "response": "Nothing."}
    summary = import_file(store, _jsonl(tmp_path / "b.jsonl", BANK, APPLE, changed), "d",
                          mode="replace")
    assert (summary.version, summary.replaced_version) == (2, 1)
    assert summary.carried_over == 2 and sum(summary.not_carried.values()) == 1
    with store.session() as s:
        run = get_run(s, first)
        assert run.status == "completed" and run.dataset.version == 1
        verdicts = s.scalar(sa.select(sa.func.count(m.Verdict.id))
                            .where(m.Verdict.run_id == first))
        assert verdicts == 3
    queue = client.get("/api/datasets/d/queue?annotator=bob").json()
    assert (queue["total"], queue["labeled"]) == (3, 2)  # the changed tip answer is to label
    assert queue["item"]["inputs"]["question"] == TIP["question"]
    second = run_judge(store, "gn", "d").run
    assert second > first


def _evalign(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EVALIGN), *args], capture_output=True, text=True, timeout=120,
                          input=stdin, check=False)


def test_delete_is_explicit_recorded_and_ids_are_never_reused(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    path = str(_jsonl(tmp_path / "a.jsonl", APPLE, BANK))
    assert _evalign("import", path, "-d", "d", "--db", db).returncode == 0
    store = Store(f"sqlite:///{db}")
    try:
        with store.session() as s:
            create_judge(s, "gn", JudgeSpec(prompt="{question}", model="scripted/constant:PASS"))
        run = run_judge(store, "gn", "d").run
        with store.session() as s:
            old_items = max(s.scalars(sa.select(m.Item.id)))

        asked = _evalign("datasets", "delete", "d", "--db", db, stdin="n\n")
        assert asked.returncode == 1 and "Delete dataset 'd'" in asked.stdout
        refused = _evalign("datasets", "delete", "d", "--yes", "--db", db)
        assert refused.returncode == 2 and "--with-runs" in refused.stderr
        done = _evalign("datasets", "delete", "d", "--yes", "--with-runs", "--db", db)
        assert done.returncode == 0 and "will not be reused" in done.stdout

        assert _evalign("import", path, "-d", "d", "--db", db).returncode == 0
        again = run_judge(store, "gn", "d").run
        with store.session() as s:
            assert min(s.scalars(sa.select(m.Item.id))) > old_items
            assert again > run
            assert s.scalars(sa.select(m.Dataset.version)).one() == 2
        shown = _evalign("runs", "show", str(run), "--db", db)
        assert shown.returncode == 2 and "deleted with dataset 'd'" in shown.stderr
    finally:
        store.close()


def test_opening_a_superseded_item_in_the_queue_is_409_with_what_to_do(
        store: Store, client: Client, tmp_path: Path) -> None:
    import_file(store, _jsonl(tmp_path / "a.jsonl", APPLE, BANK), "d")
    apple = _shown_item(client, "d")
    import_file(store, _jsonl(tmp_path / "b.jsonl", BANK, APPLE), "d", mode="replace")
    with store.session() as s:
        twin = s.scalars(sa.select(m.Item.id).where(m.Item.id != apple, m.Item.external_id
                                                    == APPLE["id"])).one()

    page = client.get(f"/datasets/d/queue?annotator=bob&item={apple}")
    assert page.status_code == 409
    said = text_of(page.text)
    assert f"item {apple} belongs to version 1" in said and "superseded" in said
    assert f"the same content is item {twin} there" in said and "without `item=`" in said
    api = client.get(f"/api/datasets/d/queue?annotator=bob&item={apple}")
    assert api.status_code == 409 and api.json()["kind"] == "ConflictError"
    assert client.get(f"/datasets/d/queue?annotator=bob&item={twin}").status_code == 200
    assert client.get("/datasets/d/queue?annotator=bob&item=99999").status_code == 404
