"""Dataset versions: replace keeps the old version readable, carries hand-made labels, new ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evalign.data.records import LabelIn, Row
from evalign.errors import ConflictError, NotFoundError
from evalign.items import Item
from evalign.store import Store
from evalign.store import models as m
from evalign.store.carry import CHANGED, FILE_LABELED
from evalign.store.repo_criteria import Criteria, get_or_create_criterion
from evalign.store.repo_history import history
from evalign.store.repo_items import delete_dataset, get_dataset, list_datasets
from evalign.store.repo_labels import labels_for, record_label
from evalign.store.repo_versions import dataset_versions
from evalign.store.repo_writes import WriteStats, write_dataset


def _rows(questions: list[str], labeled: tuple[int, ...] = ()) -> list[Row]:
    return [Row(Item({"question": q}, f"answer to {q}", external_id=f"q{i}"),
                (LabelIn("default", "pass", "file", ""),) if i in labeled else (), i + 1)
            for i, q in enumerate(questions)]


def _write(store: Store, rows: list[Row], mode: str = "create") -> WriteStats:
    with store.session() as s:
        get_or_create_criterion(s, "default")
        return write_dataset(s, "d", rows, Criteria(s), mode=mode)  # type: ignore[arg-type]


def _ids(store: Store, version: int) -> list[int]:
    with store.session() as s:
        dataset = next(d for d in dataset_versions(s, "d") if d.version == version)
        return list(s.scalars(sa.select(m.Item.id).where(m.Item.dataset_id == dataset.id)
                              .order_by(m.Item.position)))


def test_replace_makes_a_new_version_and_keeps_the_old_one(store: Store) -> None:
    _write(store, _rows(["apple?", "bank transfer?"], labeled=(0,)))
    old = _ids(store, 1)
    stats = _write(store, _rows(["bank transfer?", "apple?"]), mode="replace")
    assert (stats.version, stats.replaced_version) == (2, 1)
    new = _ids(store, 2)
    assert min(new) > max(old)
    with store.session() as s:
        current = get_dataset(s, "d")
        assert current.version == 2 and current.superseded_at is None
        versions = dataset_versions(s, "d")
        assert [v.version for v in versions] == [1, 2] and versions[0].superseded_at is not None
        assert [d.name for d in list_datasets(s)] == ["d"]
        # the old version's items and labels are still there, by id
        assert s.get_one(m.Item, old[0]).inputs == {"question": "apple?"}
        assert [lb.item_id for lb in labels_for(s, versions[0].id)] == [old[0]]
        assert labels_for(s, current.id) == []  # file labels are the file's: not carried


def test_hand_made_labels_carry_over_to_unchanged_items_only(store: Store) -> None:
    _write(store, _rows(["apple?", "bank transfer?", "weather?"]))
    apple, bank, weather = _ids(store, 1)
    with store.session() as s:
        made = {item: record_label(s, item, "default", "fail", annotator="ann", source="web").id
                for item in (apple, bank, weather)}
    # bank's content changes; apple and weather move to new positions, unchanged
    stats = _write(store, _rows(["weather?", "apple?", "bank transfer!"],
                                labeled=()), mode="replace")
    assert stats.carry.carried == 2 and stats.carry.not_carried == {CHANGED: 1}
    rows = [Row(Item({"question": "apple?"}, "answer to apple?", external_id="q1"),
                (LabelIn("default", "pass", "ann", "from file"),), 1)]
    again = _write(store, rows, mode="replace")
    # apple: the file labels it for the same annotator (the file wins); weather: gone
    assert again.carry.carried == 0
    assert again.carry.not_carried == {FILE_LABELED: 1, CHANGED: 1}
    with store.session() as s:
        v2 = next(d for d in dataset_versions(s, "d") if d.version == 2)
        carried = labels_for(s, v2.id)
        assert sorted(lb.value for lb in carried) == ["fail", "fail"]
        copies = s.scalars(sa.select(m.Label).where(m.Label.id.in_([c.id for c in carried])))
        assert {c.carried_from_id for c in copies} == {made[apple], made[weather]}
        assert [h.action for h in history(s, dataset_id=v2.id)] == ["carry", "carry"]


def test_a_superseded_item_refuses_labels_and_names_its_twin(store: Store) -> None:
    _write(store, _rows(["apple?", "bank transfer?"]))
    apple, _ = _ids(store, 1)
    _write(store, _rows(["bank transfer?", "apple?"]), mode="replace")
    twin = _ids(store, 2)[1]
    with store.session() as s, pytest.raises(ConflictError) as refused:
        record_label(s, apple, "default", "pass", annotator="ann", source="web")
    assert f"the same content is item {twin}" in str(refused.value)
    assert "reload" in str(refused.value)
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count(m.Label.id))) == 0


def test_labels_keep_who_and_when_and_every_change(store: Store) -> None:
    _write(store, _rows(["apple?"], labeled=(0,)))
    item = _ids(store, 1)[0]
    with store.session() as s:
        first = record_label(s, item, "default", "pass", annotator="bob", source="web")
    with store.session() as s:
        same = record_label(s, item, "default", "pass", annotator="bob", source="web")
    assert same.updated_at == first.updated_at == first.created_at
    with store.session() as s:
        changed = record_label(s, item, "default", "fail", annotator="bob", source="web",
                               reasoning="wrong")
    assert changed.updated_at is not None and first.updated_at is not None
    assert changed.created_at == first.created_at and changed.updated_at > first.updated_at
    with store.session() as s:
        log = history(s, item_id=item)
    assert [(h.annotator, h.action, h.old_value, h.new_value, h.changed_by, h.source)
            for h in log] == [("file", "create", None, "pass", "file", "import"),
                              ("bob", "create", None, "pass", "bob", "web"),
                              ("bob", "update", "pass", "fail", "bob", "web")]
    assert log[-1].new_reasoning == "wrong" and log[-1].changed_at == changed.updated_at


def test_delete_refuses_runs_unless_told_and_leaves_a_tombstone(store: Store) -> None:
    _write(store, _rows(["apple?"]))
    _write(store, _rows(["apple!"]), mode="replace")
    with store.session() as s:
        judge = m.Judge(name="j")
        version = m.JudgeVersion(judge=judge, version=1, scale={}, model="m")
        s.add(m.Run(judge_version=version, dataset=get_dataset(s, "d"), model="m"))
    with store.session() as s, pytest.raises(ConflictError, match="--with-runs"):
        delete_dataset(s, "d")
    with store.session() as s:
        gone = delete_dataset(s, "d", with_runs=True, who="me")
    assert gone.versions == [1, 2] and len(gone.run_ids) == 1
    with store.session() as s:
        with pytest.raises(NotFoundError):
            get_dataset(s, "d")
        tomb = s.scalars(sa.select(m.DatasetDeletion)).one()
        assert (tomb.name, tomb.last_version, tomb.deleted_by) == ("d", 2, "me")
        assert tomb.details["runs"] == gone.run_ids
    assert _write(store, _rows(["apple?"])).version == 3  # numbers continue past the deleted
