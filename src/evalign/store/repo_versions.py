"""Dataset versions: which row of a name is current, and refusing writes to superseded items.

`import --replace` never overwrites: it marks the current dataset row superseded and adds the
next version under the same name. Items, labels, runs and verdicts of the old version stay
readable by id; only the current version takes new labels.

All functions take an open `Session`; the caller's transaction makes them atomic.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConflictError, NotFoundError
from evalign.store import models as m


def current_dataset(session: Session, name: str, *, lock: bool = False) -> m.Dataset | None:
    """The current (not superseded) version of `name`, or None.

    Args:
        lock: lock the row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
            single writer needs no lock), so a concurrent replace or delete waits.
    """
    query = sa.select(m.Dataset).where(m.Dataset.name == name, m.Dataset.superseded_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def dataset_versions(session: Session, name: str) -> list[m.Dataset]:
    """Every stored version of `name`, oldest first."""
    query = sa.select(m.Dataset).where(m.Dataset.name == name).order_by(m.Dataset.version)
    return list(session.scalars(query))


def next_version(session: Session, name: str) -> int:
    """The version number a new dataset row of `name` gets.

    Numbers continue past deleted versions too, so "version 2 of d" never means two things.
    """
    stored = session.scalar(sa.select(sa.func.max(m.Dataset.version))
                            .where(m.Dataset.name == name)) or 0
    deleted = session.scalar(sa.select(sa.func.max(m.DatasetDeletion.last_version))
                             .where(m.DatasetDeletion.name == name)) or 0
    return max(stored, deleted) + 1


def writable_item(session: Session, item_id: int, dataset: str | None = None) -> m.Item:
    """The item `item_id`, checked to belong to the current version of its dataset.

    On PostgreSQL the dataset row is share-locked until the transaction ends, so a replace
    running at the same moment either finishes first (and this refuses) or waits for it.

    Args:
        dataset: when given, the item must belong to a dataset of this name.

    Raises:
        NotFoundError: no such item (in that dataset).
        ConflictError: the item's dataset version was superseded; the message says what to do.
    """
    item = session.get(m.Item, item_id)
    owner = None if item is None else session.scalars(
        sa.select(m.Dataset).where(m.Dataset.id == item.dataset_id)
        .with_for_update(read=True).execution_options(populate_existing=True)).one()
    if item is None or owner is None or (dataset is not None and owner.name != dataset):
        where = f" in dataset {dataset!r}" if dataset is not None else ""
        raise NotFoundError(f"no item {item_id}{where}: reload the page to see the current items")
    if owner.superseded_at is not None:
        raise superseded_error(session, item, owner)
    return item


def ensure_current(session: Session, item: m.Item) -> None:
    """Check again, inside a write transaction, that the item's dataset is still current.

    On SQLite the first write of a transaction waits for the lock a replace may hold; once it
    has it, this re-reads the dataset row, so a label never lands on a just-superseded item.

    Raises:
        ConflictError: the dataset version was superseded meanwhile.
    """
    owner = session.scalars(sa.select(m.Dataset).where(m.Dataset.id == item.dataset_id)
                            .execution_options(populate_existing=True)).one()
    if owner.superseded_at is not None:
        raise superseded_error(session, item, owner)


def superseded_error(session: Session, item: m.Item, owner: m.Dataset, *,
                     then: str = "Nothing was saved: reload the queue and label the current "
                                 "item.") -> ConflictError:
    """Why a write to (or opening of) an item of a superseded version is refused.

    Args:
        then: the message's last sentence: what happened and what to do instead.
    """
    current = current_dataset(session, owner.name)
    when = owner.superseded_at.date().isoformat() if owner.superseded_at else "earlier"
    if current is None:
        now = "the dataset has no current version any more"
    else:
        twin = session.scalar(
            sa.select(m.Item.id).where(m.Item.dataset_id == current.id,
                                       m.Item.content_hash == item.content_hash)
            .order_by(sa.case((m.Item.external_id == item.external_id, 0), else_=1),
                      m.Item.position).limit(1))
        same = (f"the same content is item {twin} there" if twin is not None
                else "this item's content is not in it")
        now = f"the current version is {current.version} ({same})"
    return ConflictError(
        f"item {item.id} belongs to version {owner.version} of dataset {owner.name!r}, which "
        f"`import --replace` superseded ({when}); {now}. {then}"
    )
