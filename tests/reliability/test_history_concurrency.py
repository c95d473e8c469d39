"""Writers at the same moment: a clear refusal or a clean wait, never a traceback or a 500.

- Two imports of one name at once: one succeeds, the other exits 2 "being imported by another
  process" at once (no IntegrityError traceback), on SQLite and PostgreSQL.
- A label posted while a long import holds SQLite's write lock: retried with backoff, then a 503
  with `Retry-After`; once the import ends it is saved. PostgreSQL takes it at once.
- A label posted during a long replace of its own dataset: waits or 503s, then 409, and never
  lands on the superseded version.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from evalign.data.importer import import_file
from evalign.data.records import Row
from evalign.items import Item
from evalign.store import Store
from evalign.store import models as m
from evalign.store.imports import ADVISORY_CLASS
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import write_dataset
from evalign.web import create_app
from evalign.web.services import queue
from tests.web.helpers import Client

EVALIGN = Path(sys.executable).with_name("evalign")


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(json.dumps({"id": f"r{i}", "question": f"question {i} " + "x" * 200,
                                  "response": f"answer {i}", "label": "pass"}) + "\n")
    return path


def _claimed(store: Store, name: str) -> bool:
    with store.session() as s:
        if store.dialect == "sqlite":
            return s.get(m.ImportClaim, name) is not None
        held = s.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND classid = :c"), {"c": ADVISORY_CLASS})
        return bool(held)


def test_two_imports_of_one_name_one_is_refused_cleanly(
        store: Store, db_url: str, tmp_path: Path) -> None:
    path = str(_big_file(tmp_path / "big.jsonl", 12_000))
    args = [str(EVALIGN), "import", path, "-d", "same", "--db", db_url]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _claimed(store, "same"):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first import never claimed the name"
        time.sleep(0.02)
    second = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 2
    assert "'same' is being imported by another process" in second.stderr
    assert "Traceback" not in second.stderr and "IntegrityError" not in second.stderr
    with store.session() as s:
        versions = s.scalars(sa.select(m.Dataset).where(m.Dataset.name == "same")).all()
        assert [v.version for v in versions] == [1]
        count = s.scalar(sa.select(sa.func.count(m.Item.id))
                         .where(m.Item.dataset_id == versions[0].id))
        assert count == 12_000


class _SlowImport:
    """An import (or replace) in a thread that holds its transaction open until released."""

    def __init__(self, store: Store, name: str, mode: str, rows: list[Row]):
        self.release = threading.Event()
        self.started = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(store, name, mode, rows))

    def _rows(self, rows: list[Row]) -> Iterable[Row]:
        yield rows[0]
        self.started.set()
        self.release.wait(60)
        yield from rows[1:]

    def _run(self, store: Store, name: str, mode: str, rows: list[Row]) -> None:
        try:
            with store.session() as s:
                write_dataset(s, name, self._rows(rows), Criteria(s), mode=mode,  # type: ignore[arg-type]
                              batch_size=1)
        except BaseException as exc:
            self.error = exc

    def __enter__(self) -> _SlowImport:
        self.thread.start()
        assert self.started.wait(30)
        time.sleep(0.2)  # the first row's insert holds SQLite's write lock now
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(60)
        assert self.error is None, self.error


def _rows(prefix: str, n: int) -> list[Row]:
    return [Row(Item({"question": f"{prefix} {i}"}, f"answer {i}", external_id=f"{prefix}{i}"),
                (), i + 1) for i in range(n)]


@pytest.fixture
def client(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setattr(queue, "WRITE_DEADLINE_S", 1.5)
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps({"id": f"s{i}", "question": f"small {i}",
                                        "response": "a"}) + "\n" for i in range(3)))
    import_file(store, path, "small")
    c = Client(create_app(store, worker=False))
    yield c
    c.close()


def test_a_label_during_a_long_import_is_a_503_with_retry_after_not_a_500(
        store: Store, client: Client) -> None:
    item = client.get("/api/datasets/small/queue?annotator=bob").json()["item"]["id"]
    client.get("/datasets/small/queue?annotator=bob")  # this browser annotates as bob
    label = {"item_id": item, "annotator": "bob", "value": "pass"}
    with _SlowImport(store, "big", "create", _rows("big", 5)):
        during = client.post("/api/datasets/small/labels", json=label)
        assert client.get("/api/datasets/small/queue?annotator=bob").status_code == 200
        page = client.form("/datasets/small/queue", {"item_id": item, "criterion": "default",
                                                     "value": "fail"}) \
            if store.dialect == "sqlite" else None
    if store.dialect == "sqlite":
        assert during.status_code == 503, during.text
        assert int(during.headers["Retry-After"]) >= 1
        assert during.json()["kind"] == "StoreBusy" and "try again" in during.json()["error"]
        assert page is not None and page.status_code == 503 and "Retry-After" in page.headers
        assert client.post("/api/datasets/small/labels", json=label).status_code == 200
    else:
        assert during.status_code == 200
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Label.id))) == 1
        assert s.scalar(sa.select(sa.func.count(m.Item.id))) == 3 + 5


def test_a_label_during_a_replace_of_its_dataset_never_lands_on_the_old_version(
        store: Store, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "WRITE_DEADLINE_S", 30.0)
    item = client.get("/api/datasets/small/queue?annotator=bob").json()["item"]["id"]
    replace = _SlowImport(store, "small", "replace", _rows("new", 3))
    with replace:
        threading.Timer(1.0, replace.release.set).start()
        during = client.post("/api/datasets/small/labels",
                             json={"item_id": item, "annotator": "bob", "value": "pass"})
    assert during.status_code == 409, during.text
    assert "superseded" in during.json()["error"]
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Label.id))) == 0
