"""Concurrent label writes from many threads: every label kept once, the last value wins."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from evalign.data.importer import import_file
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store, repo_datasets
from evalign.store import models as m


def _busy_store(db_url: str, tmp_path: Path) -> tuple[Store, list[int]]:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(f'{{"id": "r{i}", "question": "q{i}", "response": "a{i}"}}\n'
                            for i in range(30)))
    store: Store = open_store(db_url)
    import_file(store, path, "busy")
    with store.session() as session:
        repo_datasets.get_or_create_criterion(session, "default", ScoreConfig.parse("pass_fail"))
        ids = list(session.scalars(sa.select(m.Item.id).order_by(m.Item.id)))
    return store, ids


def _held(store: Store) -> list[tuple[str, int, object]]:
    with store.session() as session:
        return [(a, i, v) for a, i, v in session.execute(
            sa.select(m.Label.annotator, m.Label.item_id, m.Label.value))]


def test_concurrent_annotators_lose_and_duplicate_nothing(db_url: str, tmp_path: Path) -> None:
    store, ids = _busy_store(db_url, tmp_path)
    try:
        errors: list[BaseException] = []
        last: dict[tuple[str, int], str] = {}

        def annotate(name: str) -> None:
            try:
                for round_ in range(2):  # the second round replaces the first
                    for item in ids:
                        value = "pass" if (item + round_) % 2 else "fail"
                        with store.session() as session:
                            repo_datasets.upsert_label(session, item, "default", value,
                                                       annotator=name)
                        last[(name, item)] = value
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=annotate, args=(f"ann{i}",)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        held = _held(store)
    finally:
        store.close()
    assert len(held) == len({(a, i) for a, i, _ in held}) == 8 * 30
    assert {(a, i): v for a, i, v in held} == last


def _double_submit(db_url: str, tmp_path: Path) -> tuple[list[tuple[str, int, object]],
                                                         list[int], list[BaseException]]:
    """Four threads as one annotator label the same items at the same moment."""
    store, ids = _busy_store(db_url, tmp_path)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def annotate() -> None:
        barrier.wait()
        for item in ids:
            try:
                with store.session() as session:
                    repo_datasets.upsert_label(session, item, "default", "pass",
                                               annotator="same")
            except BaseException as exc:
                errors.append(exc)

    try:
        threads = [threading.Thread(target=annotate) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        held = _held(store)
    finally:
        store.close()
    return held, ids, errors


def test_one_annotator_double_submitting_keeps_one_label(db_url: str, tmp_path: Path) -> None:
    """Two tabs of the same annotator posting the same items at once: one label per item."""
    held, ids, _ = _double_submit(db_url, tmp_path)
    keys = [(a, i) for a, i, _ in held]
    assert len(keys) == len(set(keys)) == len(ids), f"{len(keys) - len(set(keys))} duplicates"
    assert all(v == "pass" for _, _, v in held)


def test_double_submits_are_idempotent(db_url: str, tmp_path: Path) -> None:
    """No writer of a racing double submit fails."""
    _, _, errors = _double_submit(db_url, tmp_path)
    assert errors == [], f"{len(errors)} writes failed, e.g. {errors[:1]}"
