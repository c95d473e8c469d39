"""Runs restricted to some of their dataset's items, and the items' owners.

A run judges every item of its dataset unless it is *restricted*: then `runs.scope` says where
its items came from (e.g. `{"kind": "held_out", "alignment_run": 7, "part": "test",
"items": 16}`) and `run_items` lists them. The list is written in the transaction that creates
the run and never changes, so resuming or reading the run can never widen it.

Every function takes an open `Session` and returns plain values or records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConflictError
from evalign.items import Item
from evalign.store import models as m
from evalign.store.repo_items import count_items, to_item

_CHUNK = 500  # ids per IN (...) list, well under every backend's bound-parameter limit


@dataclass(frozen=True)
class ItemOwner:
    """The dataset version an item belongs to.

    Attributes:
        dataset_id: the dataset row (one version of a name).
        name, version: the dataset's name and that row's version.
        current: whether that version is the name's current one (not superseded).
    """

    dataset_id: int
    name: str
    version: int
    current: bool


def restrict_run(session: Session, run_id: int, item_ids: Sequence[int],
                 scope: dict[str, Any]) -> None:
    """Restrict a run made in this transaction to `item_ids` (of its own dataset).

    Args:
        run_id: a run with no verdict and no restriction yet.
        item_ids: the items it judges; each must belong to the run's dataset.
        scope: where they came from (JSON); `items` is set to their count.

    Raises:
        ConflictError: the run already has a restriction or verdicts, no item is given, or
            an item is not in the run's dataset.
    """
    run = session.get_one(m.Run, run_id)
    ids = sorted(set(item_ids))
    if run.scope is not None or session.scalar(
            sa.select(sa.func.count()).where(m.Verdict.run_id == run_id)):
        raise ConflictError(f"run {run_id} is already under way: its items are fixed")
    if not ids:
        raise ConflictError(f"run {run_id} would be restricted to no item")
    owners = item_owners(session, ids)
    foreign = [i for i in ids if i not in owners or owners[i].dataset_id != run.dataset_id]
    if foreign:
        raise ConflictError(f"{len(foreign)} item(s) are not in run {run_id}'s dataset "
                            f"(first: {foreign[0]})")
    run.scope = {**scope, "items": len(ids)}
    session.execute(sa.insert(m.RunItem), [{"run_id": run_id, "item_id": i} for i in ids])
    session.flush()


def run_scope(session: Session, run_id: int) -> dict[str, Any] | None:
    """The run's restriction as stored (None: it judges every item of its dataset)."""
    scope = session.scalar(sa.select(m.Run.scope).where(m.Run.id == run_id))
    return dict(scope) if scope else None


def run_item_ids(session: Session, run_id: int) -> set[int] | None:
    """The ids of the items a restricted run judges; None for an unrestricted run."""
    if run_scope(session, run_id) is None:
        return None
    return set(session.scalars(sa.select(m.RunItem.item_id).where(m.RunItem.run_id == run_id)))


def run_item_count(session: Session, run_id: int, dataset_id: int) -> int:
    """How many items the run judges: its restriction's, else its dataset's."""
    if run_scope(session, run_id) is None:
        return count_items(session, dataset_id)
    query = sa.select(sa.func.count()).where(m.RunItem.run_id == run_id)
    return session.scalar(query) or 0


def restricted(run_id: int) -> sa.ColumnElement[bool]:
    """A condition on `items.id`: the item is one run `run_id` is restricted to."""
    return m.Item.id.in_(sa.select(m.RunItem.item_id).where(m.RunItem.run_id == run_id))


def iter_run_items(session: Session, run_id: int) -> Iterator[Item]:
    """A restricted run's items in position order (nothing for an unrestricted run)."""
    rows = session.scalars(sa.select(m.Item).where(restricted(run_id))
                           .order_by(m.Item.position))
    yield from (to_item(row) for row in rows)


def items_in(session: Session, item_ids: Iterable[int]) -> Iterator[Item]:
    """The items with these ids, in dataset then position order (unknown ids skipped)."""
    ids = sorted(set(item_ids))
    rows: list[m.Item] = []
    for start in range(0, len(ids), _CHUNK):
        rows += session.scalars(sa.select(m.Item).where(m.Item.id.in_(ids[start:start + _CHUNK])))
    yield from (to_item(row) for row in sorted(rows, key=lambda r: (r.dataset_id, r.position)))


def item_owners(session: Session, item_ids: Iterable[int]) -> dict[int, ItemOwner]:
    """Item id → the dataset version holding it; ids of no stored item are left out."""
    ids = sorted(set(item_ids))
    found: dict[int, ItemOwner] = {}
    for start in range(0, len(ids), _CHUNK):
        query = (sa.select(m.Item.id, m.Dataset.id, m.Dataset.name, m.Dataset.version,
                           m.Dataset.superseded_at)
                 .join(m.Dataset, m.Dataset.id == m.Item.dataset_id)
                 .where(m.Item.id.in_(ids[start:start + _CHUNK])))
        for item, dataset, name, version, superseded in session.execute(query):
            found[item] = ItemOwner(dataset, name, version, superseded is None)
    return found
