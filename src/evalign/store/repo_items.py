"""Datasets and their items in the store: find, list, count, iterate, delete.

All functions take an open `Session` (`with store.session() as s:` is one transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import NotFoundError
from evalign.items import Item
from evalign.store import models as m


@dataclass(frozen=True)
class DatasetSummary:
    """A dataset in a listing: its size and how many of its items carry a label."""

    id: int
    name: str
    kind: str
    rows: int
    labeled: int
    created_at: datetime



def get_dataset(session: Session, name: str) -> m.Dataset:
    """The dataset named `name`.

    Raises:
        NotFoundError: no such dataset; the message lists the ones that exist.
    """
    dataset = session.scalar(sa.select(m.Dataset).where(m.Dataset.name == name))
    if dataset is None:
        names = session.scalars(sa.select(m.Dataset.name).order_by(m.Dataset.name)).all()
        known = ", ".join(names) if names else "none yet: import one with `evalign import`"
        raise NotFoundError(f"no dataset named {name!r}; datasets: {known}")
    return dataset


def dataset_exists(session: Session, name: str) -> bool:
    """Whether a dataset named `name` exists."""
    return session.scalar(sa.select(m.Dataset.id).where(m.Dataset.name == name)) is not None


def list_datasets(session: Session) -> list[DatasetSummary]:
    """Every dataset, by name, with its row and labeled-row counts."""
    counted = sa.select(m.Item.dataset_id, sa.func.count(m.Item.id)).group_by(m.Item.dataset_id)
    rows: dict[int, int] = {ds: n for ds, n in session.execute(counted)}
    with_labels = (
        sa.select(m.Item.dataset_id, sa.func.count(sa.distinct(m.Label.item_id)))
        .join(m.Label, m.Label.item_id == m.Item.id)
        .group_by(m.Item.dataset_id)
    )
    labeled: dict[int, int] = {ds: n for ds, n in session.execute(with_labels)}
    return [
        DatasetSummary(d.id, d.name, d.kind, rows.get(d.id, 0), labeled.get(d.id, 0), d.created_at)
        for d in session.scalars(sa.select(m.Dataset).order_by(m.Dataset.name))
    ]


def delete_dataset(session: Session, name: str) -> None:
    """Delete a dataset with its items, labels, runs and verdicts."""
    dataset = get_dataset(session, name)
    delete_dataset_rows(session, dataset.id)


def delete_dataset_rows(session: Session, dataset_id: int) -> None:
    """Delete the dataset with this id and everything that hangs off it."""
    # Bulk deletes in dependency order, so both backends do it without ORM loading.
    items = sa.select(m.Item.id).where(m.Item.dataset_id == dataset_id)
    runs = sa.select(m.Run.id).where(m.Run.dataset_id == dataset_id)
    session.execute(sa.delete(m.Verdict).where(m.Verdict.run_id.in_(runs)))
    session.execute(sa.delete(m.Verdict).where(m.Verdict.item_id.in_(items)))
    session.execute(sa.update(m.Run).where(m.Run.parent_run_id.in_(runs)).values(parent_run_id=None))
    session.execute(sa.delete(m.Run).where(m.Run.dataset_id == dataset_id))
    session.execute(sa.delete(m.Label).where(m.Label.item_id.in_(items)))
    session.execute(sa.delete(m.QueueSkip).where(m.QueueSkip.item_id.in_(items)))
    session.execute(sa.delete(m.Item).where(m.Item.dataset_id == dataset_id))
    session.execute(sa.delete(m.Dataset).where(m.Dataset.id == dataset_id))
    session.expire_all()


def to_item(row: m.Item) -> Item:
    """A stored item as the record judges and runners use."""
    return Item(
        inputs=dict(row.inputs or {}), output=row.output, output_2=row.output_2,
        metadata=dict(row.meta or {}), external_id=row.external_id, id=row.id,
    )


def iter_items(session: Session, dataset_id: int, page: int = 500) -> Iterator[Item]:
    """The dataset's items in position order, fetched `page` rows at a time."""
    last = -1
    while True:
        rows = session.scalars(
            sa.select(m.Item)
            .where(m.Item.dataset_id == dataset_id, m.Item.position > last)
            .order_by(m.Item.position)
            .limit(page)
        ).all()
        if not rows:
            return
        yield from (to_item(row) for row in rows)
        last = rows[-1].position


def count_items(session: Session, dataset_id: int) -> int:
    """How many items the dataset holds."""
    query = sa.select(sa.func.count(m.Item.id)).where(m.Item.dataset_id == dataset_id)
    return session.scalar(query) or 0
