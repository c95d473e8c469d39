"""Writing a dataset: create, append to or replace it with its items and labels, in batches.

The caller's session is the transaction, so a refused import raises inside it and nothing is
written. Replacing never overwrites: the current version is marked superseded and the rows
become a new version with new item ids; hand-made labels of the old version are carried over to
unchanged items (`store.carry`). Every imported label gets a `create` row in the label history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalign.data.records import Row
from evalign.errors import ConflictError, DataError
from evalign.items import Item
from evalign.store import models as m
from evalign.store.carry import CarryOver, carry_over
from evalign.store.content import content_hash
from evalign.store.repo_criteria import Criteria, scale_of
from evalign.store.repo_labels import balance_key
from evalign.store.repo_versions import current_dataset, next_version

WriteMode = Literal["create", "append", "replace"]


@dataclass
class WriteStats:
    """What a write added: rows, labeled rows, label balance per criterion, annotators.

    Attributes:
        version: the dataset version written to.
        replaced_version: the version a replace superseded (None otherwise).
        carry: hand-made labels carried over from the replaced version, and those that were not.
    """

    dataset: str
    rows: int = 0
    labeled: int = 0
    by_criterion: dict[str, Counter[str]] = field(default_factory=dict)
    annotators: set[str] = field(default_factory=set)
    version: int = 1
    replaced_version: int | None = None
    carry: CarryOver = field(default_factory=CarryOver)



def write_dataset(
    session: Session,
    name: str,
    rows: Iterable[Row],
    criteria: Criteria,
    *,
    kind: str = "single",
    source: dict[str, Any] | None = None,
    mode: WriteMode = "create",
    source_name: str | None = None,
    batch_size: int = 1000,
    who: str = "",
) -> WriteStats:
    """Create (or append to, or replace) a dataset with its items and labels.

    Rows are consumed as they come and inserted in batches; the caller's transaction makes the
    whole write atomic, so any error (here or in the parser feeding `rows`) writes nothing.

    Args:
        session: the transaction.
        name: the dataset's name.
        rows: items with their labels, in order.
        criteria: resolves the criteria the labels name.
        kind: `single` or `pairwise`.
        source: where the data came from (stored on the dataset).
        mode: `create` refuses an existing name; `append` adds items; `replace` makes a new
            version and keeps the old one, superseded.
        source_name: the file name, for error messages.
        batch_size: rows per insert statement.
        who: who writes (recorded in the history of carried-over labels).

    Raises:
        ConflictError: the name exists and mode is `create`; another process wrote the same
            name meanwhile ("being imported by another process").
        DataError: a duplicate id (naming both lines) or two labels by one annotator.
    """
    try:
        dataset, replaced = _target(session, name, kind, source or {}, mode)
        writer = _Writer(session, dataset, criteria, source_name)
        batch: list[Row] = []
        for row in rows:
            batch.append(writer.check(row))
            if len(batch) >= batch_size:
                writer.flush(batch)
                batch = []
        writer.flush(batch)
        stats = writer.stats
        stats.version = dataset.version
        if replaced is not None:
            stats.replaced_version = replaced.version
            stats.carry = carry_over(session, replaced.id, dataset.id, who or "import --replace")
        return stats
    except IntegrityError as exc:
        # Rows are checked before they are inserted, so a unique key can only clash with rows
        # another transaction wrote under this name since this one looked.
        raise being_imported(name) from exc


def being_imported(name: str, holder: str = "") -> ConflictError:
    """The error for a dataset name another process is writing right now.

    Args:
        holder: who holds it, when known, e.g. " (pid 12 on host, since ...)".
    """
    return ConflictError(
        f"dataset {name!r} is being imported by another process{holder}: wait for that import "
        "to finish, then check `evalign datasets show`, or choose another --dataset name"
    )


def _target(
    session: Session, name: str, kind: str, source: dict[str, Any], mode: WriteMode
) -> tuple[m.Dataset, m.Dataset | None]:
    existing = current_dataset(session, name, lock=True)
    if existing is not None and mode == "append":
        return existing, None
    if existing is not None and mode == "create":
        raise ConflictError(
            f"dataset {name!r} already exists: pass --append to add rows to it, "
            "--replace to make a new version of it, or choose another --dataset name"
        )
    if existing is not None:
        existing.superseded_at = m.utcnow()
        session.flush()  # before the new row: one current version per name
    dataset = m.Dataset(name=name, kind=kind, source=source, version=next_version(session, name))
    session.add(dataset)
    session.flush()
    return dataset, existing


class _Writer:
    """Assigns ids and positions, checks duplicates, inserts batches, keeps the counts."""

    def __init__(
        self, session: Session, dataset: m.Dataset, criteria: Criteria, source_name: str | None
    ):
        self.session = session
        self.dataset = dataset
        self.criteria = criteria
        self.source_name = source_name
        self.stats = WriteStats(dataset.name)
        existing = session.execute(
            sa.select(m.Item.external_id, m.Item.position).where(m.Item.dataset_id == dataset.id)
        ).all()
        self.seen: dict[str, int | None] = {ext: None for ext, _ in existing}
        self.position = max((pos for _, pos in existing), default=-1) + 1
        self.checked = self.position  # rows checked so far; numbers the auto ids
        self.now = m.utcnow()

    def check(self, row: Row) -> Row:
        ext = row.item.external_id
        if ext:
            if ext in self.seen:
                raise DataError(self._duplicate(ext), self.source_name, row.line)
        else:
            ext = str(self.checked + 1)
            while ext in self.seen:
                ext += "+"
        self.seen[ext] = row.line
        self.checked += 1
        keys = [(label.criterion, label.annotator) for label in row.labels]
        if len(keys) != len(set(keys)):
            raise DataError(
                "two labels from the same annotator for the same criterion in one row",
                self.source_name, row.line,
            )
        return Row(_with_id(row.item, ext), row.labels, row.line)

    def _duplicate(self, ext: str) -> str:
        first = self.seen[ext]
        where = f"line {first}" if first is not None else f"dataset {self.dataset.name!r}"
        return f"duplicate id {ext!r} (already used on {where}): ids must be unique"

    def flush(self, batch: list[Row]) -> None:
        if not batch:
            return
        params = [self._item_params(row) for row in batch]
        ids = self.session.scalars(
            sa.insert(m.Item).returning(m.Item.id, sort_by_parameter_order=True), params
        ).all()
        labels = [
            self._label_params(item_id, label)
            for item_id, row in zip(ids, batch, strict=True)
            for label in row.labels
        ]
        if labels:
            label_ids = self.session.scalars(
                sa.insert(m.Label).returning(m.Label.id, sort_by_parameter_order=True), labels
            ).all()
            self.session.execute(sa.insert(m.LabelHistory), [
                _history(label_id, params) for label_id, params in zip(label_ids, labels,
                                                                        strict=True)])
        self.stats.rows += len(batch)
        self.stats.labeled += sum(1 for row in batch if row.labels)

    def _item_params(self, row: Row) -> dict[str, Any]:
        params = {
            "dataset_id": self.dataset.id, "external_id": row.item.external_id,
            "position": self.position, "inputs": row.item.inputs, "output": row.item.output,
            "output_2": row.item.output_2, "meta": row.item.metadata,
            "content_hash": content_hash(row.item.inputs, row.item.output, row.item.output_2),
        }
        self.position += 1
        return params

    def _label_params(self, item_id: int, label: Any) -> dict[str, Any]:
        criterion = self.criteria.row(label.criterion)
        resolved = bool(getattr(label, "resolved", False))
        if not resolved:  # an adjudication is a decision, not an annotator's label
            self.stats.annotators.add(label.annotator)
            bucket = self.stats.by_criterion.setdefault(label.criterion, Counter())
            bucket[balance_key(scale_of(criterion), label.value)] += 1
        return {
            "item_id": item_id, "criterion_id": criterion.id, "annotator": label.annotator,
            "value": label.value, "reasoning": label.reasoning, "resolved": resolved,
            "source": "import", "created_at": self.now, "updated_at": self.now,
        }


def _history(label_id: int, label: dict[str, Any]) -> dict[str, Any]:
    """The `create` history row of an imported label: the file names who labeled it."""
    return {"label_id": label_id, "item_id": label["item_id"],
            "criterion_id": label["criterion_id"], "annotator": label["annotator"],
            "action": "create", "old_value": None, "new_value": label["value"],
            "old_reasoning": None, "new_reasoning": label["reasoning"], "resolved": False,
            "changed_by": label["annotator"], "source": "import", "changed_at": label["created_at"]}


def _with_id(item: Item, ext: str) -> Item:
    if item.external_id == ext:
        return item
    return Item(item.inputs, item.output, item.output_2, item.metadata, ext, item.id)
