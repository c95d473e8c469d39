"""Labels carry who and when: the session's annotator, every change in the history, honest times."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_history import history
from evalign.web import create_app
from tests.web.helpers import Client, seed


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store, run=False)
    return store


@pytest.fixture
def client(seeded: Store) -> Iterator[Client]:
    c = Client(create_app(seeded, worker=False))
    yield c
    c.close()


def _label(store: Store, item: int, annotator: str) -> m.Label:
    with store.session() as s:
        return s.scalars(sa.select(m.Label).where(m.Label.item_id == item,
                                                  m.Label.annotator == annotator)).one()


def test_the_form_labels_as_the_session_annotator_whatever_it_posts(
        seeded: Store, client: Client) -> None:
    client.get("/datasets/demo/queue?annotator=erin")
    item = client.get("/api/datasets/demo/queue?annotator=erin").json()["item"]["id"]
    posted = client.form("/datasets/demo/queue", {"item_id": item, "criterion": "default",
                                                  "value": "pass", "annotator": "mallory"})
    assert posted.status_code == 303
    with seeded.session() as s:
        names = set(s.scalars(sa.select(m.Label.annotator).where(m.Label.item_id == item)))
    assert names == {"alice", "erin"}  # alice from the file; never "mallory"
    other = client.post("/api/datasets/demo/labels", json={
        "item_id": item, "annotator": "mallory", "value": "fail"})
    assert other.status_code == 409 and "annotates as 'erin'" in other.json()["error"]
    assert _label(seeded, item, "erin").value == "pass"


def test_every_change_is_in_the_history_and_times_are_honest(
        seeded: Store, client: Client) -> None:
    client.get("/datasets/demo/queue?annotator=bob")
    item = client.get("/api/datasets/demo/queue?annotator=bob").json()["item"]["id"]

    def post(value: str, reasoning: str = "") -> None:
        assert client.form("/datasets/demo/queue", {"item_id": item, "criterion": "default",
                                                    "value": value, "reasoning": reasoning}
                           ).status_code == 303

    post("pass")
    first = _label(seeded, item, "bob")
    post("pass")  # the same value again changes nothing
    again = _label(seeded, item, "bob")
    assert again.updated_at == first.updated_at == first.created_at
    post("fail", "misread it")
    changed = _label(seeded, item, "bob")
    assert changed.created_at == first.created_at and changed.updated_at > first.updated_at
    assert changed.source == "web"
    with seeded.session() as s:
        mine = [h for h in history(s, item_id=item) if h.annotator == "bob"]
    assert [(h.action, h.old_value, h.new_value, h.changed_by, h.source) for h in mine] == [
        ("create", None, "pass", "bob", "web"), ("update", "pass", "fail", "bob", "web")]
    assert mine[1].new_reasoning == "misread it" and mine[1].old_reasoning == ""
    shown = client.get(f"/api/datasets/demo/queue?annotator=bob&item={item}").json()
    bob = next(lb for lb in shown["item"]["labels"] if lb["annotator"] == "bob")
    assert bob["source"] == "web" and bob["updated_at"] > bob["created_at"]


def test_a_replaced_resolution_stays_in_the_history(seeded: Store, client: Client) -> None:
    client.post("/api/datasets/demo/labels",
                json={"item_id": 1, "annotator": "bob", "value": "fail"})  # disagrees
    for adjudicator, value in (("judy", "pass"), ("ken", "fail")):
        client.form("/annotator", {"name": adjudicator})
        assert client.form("/datasets/demo/adjudicate", {
            "item_id": 1, "criterion": "default", "value": value}).status_code == 303
    with seeded.session() as s:
        resolved = s.scalars(sa.select(m.Label).where(m.Label.resolved.is_(True))).all()
        assert [(r.annotator, r.value) for r in resolved] == [("ken (adjudication)", "fail")]
        steps = [(h.annotator, h.action, h.changed_by) for h in history(s, item_id=1)
                 if h.annotator.endswith("(adjudication)")]
    assert steps == [("judy (adjudication)", "create", "judy"),
                     ("judy (adjudication)", "delete", "ken"),
                     ("ken (adjudication)", "create", "ken")]
