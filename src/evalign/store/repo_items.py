"""Datasets and their items in the store: find, list, count, iterate, delete.

A name means its current version (see `repo_versions`); superseded versions stay readable by id.
All functions take an open `Session` (`with store.session() as s:` is one transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConflictError, NotFoundError
from evalign.items import Item
from evalign.store import models as m
from evalign.store.repo_versions import current_dataset, dataset_versions


@dataclass(frozen=True)
class DatasetSummary:
    """A dataset in a listing: its size and how many of its items carry a label."""

    id: int
    name: str
    kind: str
    rows: int
    labeled: int
    created_at: datetime
    version: int = 1
    superseded_at: datetime | None = None
    """When `import --replace` superseded this version (None: the current one)."""



def get_dataset(session: Session, name: str) -> m.Dataset:
    """The current version of the dataset named `name`.

    Raises:
        NotFoundError: no such dataset; the message lists the ones that exist.
    """
    dataset = current_dataset(session, name)
    if dataset is None:
        names = session.scalars(sa.select(m.Dataset.name).where(m.Dataset.superseded_at.is_(None))
                                .order_by(m.Dataset.name)).all()
        known = ", ".join(names) if names else "none yet: import one with `evalign import`"
        raise NotFoundError(f"no dataset named {name!r}; datasets: {known}")
    return dataset


def dataset_exists(session: Session, name: str) -> bool:
    """Whether a dataset named `name` exists (a current version of it)."""
    return current_dataset(session, name) is not None


def list_datasets(session: Session, *, all_versions: bool = False) -> list[DatasetSummary]:
    """Every dataset (its current version), by name, with its row and labeled-row counts.

    Args:
        all_versions: list superseded versions too (by name, then version).
    """
    counted = sa.select(m.Item.dataset_id, sa.func.count(m.Item.id)).group_by(m.Item.dataset_id)
    rows: dict[int, int] = {ds: n for ds, n in session.execute(counted)}
    with_labels = (
        sa.select(m.Item.dataset_id, sa.func.count(sa.distinct(m.Label.item_id)))
        .join(m.Label, m.Label.item_id == m.Item.id)
        .group_by(m.Item.dataset_id)
    )
    labeled: dict[int, int] = {ds: n for ds, n in session.execute(with_labels)}
    listed = sa.select(m.Dataset)
    if not all_versions:
        listed = listed.where(m.Dataset.superseded_at.is_(None))
    return [
        DatasetSummary(d.id, d.name, d.kind, rows.get(d.id, 0), labeled.get(d.id, 0), d.created_at,
                       d.version, d.superseded_at)
        for d in session.scalars(listed.order_by(m.Dataset.name, m.Dataset.version))
    ]


@dataclass(frozen=True)
class Deletion:
    """What deleting a dataset removed (also stored as its tombstone, `dataset_deletions`)."""

    name: str
    versions: list[int]
    dataset_ids: list[int]
    run_ids: list[int]
    items: int
    labels: int
    verdicts: int


def delete_dataset(session: Session, name: str, *, with_runs: bool = False,
                   who: str = "") -> Deletion:
    """Delete every version of a dataset with its items and labels, and leave a tombstone.

    Runs are never deleted silently: with runs on any version, this refuses unless `with_runs`
    says to delete them (and their verdicts) too. Ids are not reused afterwards, and the
    tombstone lists the deleted dataset and run ids.

    Args:
        who: who deleted it (recorded in the tombstone).

    Raises:
        NotFoundError: no such dataset.
        ConflictError: it has runs and `with_runs` is False.
    """
    versions = dataset_versions(session, name)
    if current_dataset(session, name, lock=True) is None or not versions:
        get_dataset(session, name)  # raises, listing the names there are
    ids = [d.id for d in versions]
    run_ids = list(session.scalars(sa.select(m.Run.id).where(m.Run.dataset_id.in_(ids))
                                   .order_by(m.Run.id)))
    if run_ids and not with_runs:
        shown = ", ".join(map(str, run_ids[:10])) + (" ..." if len(run_ids) > 10 else "")
        raise ConflictError(
            f"dataset {name!r} has {len(run_ids)} run(s) ({shown}): deleting it would delete "
            "them and their verdicts. Pass --with-runs to delete them too, or keep the dataset"
        )
    deletion = _count(session, name, versions, run_ids)
    for dataset_id in ids:
        delete_dataset_rows(session, dataset_id)
    session.add(m.DatasetDeletion(
        name=name, last_version=max(d for d in deletion.versions), deleted_by=who or "unknown",
        details={"datasets": deletion.dataset_ids, "versions": deletion.versions,
                 "runs": deletion.run_ids, "items": deletion.items, "labels": deletion.labels,
                 "verdicts": deletion.verdicts}))
    session.flush()
    return deletion


def _count(session: Session, name: str, versions: list[m.Dataset], run_ids: list[int]
           ) -> Deletion:
    ids = [d.id for d in versions]
    items = sa.select(m.Item.id).where(m.Item.dataset_id.in_(ids))
    count = sa.func.count()
    return Deletion(
        name=name, versions=[d.version for d in versions], dataset_ids=ids, run_ids=run_ids,
        items=session.scalar(sa.select(count).select_from(items.subquery())) or 0,
        labels=session.scalar(sa.select(count).where(m.Label.item_id.in_(items))) or 0,
        verdicts=session.scalar(sa.select(count).where(m.Verdict.run_id.in_(run_ids))) or 0,
    )


def delete_dataset_rows(session: Session, dataset_id: int) -> None:
    """Delete the dataset row with this id and everything that hangs off it, runs included.

    Callers decide whether runs may go (`delete_dataset` asks first).
    """
    # Bulk deletes in dependency order, so both backends do it without ORM loading.
    items = sa.select(m.Item.id).where(m.Item.dataset_id == dataset_id)
    runs = sa.select(m.Run.id).where(m.Run.dataset_id == dataset_id)
    session.execute(sa.delete(m.Verdict).where(m.Verdict.run_id.in_(runs)))
    session.execute(sa.delete(m.Verdict).where(m.Verdict.item_id.in_(items)))
    session.execute(sa.update(m.Run).where(m.Run.parent_run_id.in_(runs)).values(parent_run_id=None))
    session.execute(sa.delete(m.Run).where(m.Run.dataset_id == dataset_id))
    session.execute(sa.delete(m.LabelHistory).where(m.LabelHistory.item_id.in_(items)))
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
