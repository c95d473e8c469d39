"""Datasets, items, criteria and labels in the store: the functions every other part uses.

All functions take an open `Session` (`with store.session() as s:` is one transaction), so a
caller composes them atomically: a refused import raises inside the transaction and nothing is
written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.data.records import DEFAULT_ANNOTATOR, Row
from evalign.errors import ConflictError, DataError, NotFoundError
from evalign.items import Item
from evalign.scores import PASS_FAIL, ScoreConfig, Value
from evalign.store import models as m

WriteMode = Literal["create", "append", "replace"]


@dataclass(frozen=True)
class DatasetSummary:
    """A dataset in a listing: its size and how many of its items carry a label."""

    id: int
    name: str
    kind: str
    rows: int
    labeled: int
    created_at: datetime


@dataclass(frozen=True)
class LabelRecord:
    """A stored human label, detached from the session."""

    id: int
    item_id: int
    criterion: str
    annotator: str
    value: Value
    reasoning: str
    resolved: bool
    created_at: datetime


@dataclass
class WriteStats:
    """What a write added: rows, labeled rows, label balance per criterion, annotators."""

    dataset: str
    rows: int = 0
    labeled: int = 0
    by_criterion: dict[str, Counter[str]] = field(default_factory=dict)
    annotators: set[str] = field(default_factory=set)


# ---- criteria and scales ----------------------------------------------------------------------


def get_or_create_score_config(session: Session, config: ScoreConfig) -> m.ScoreConfigRow:
    """The stored row of a scale, created on first use (keyed on its spec string)."""
    spec = config.spec()
    row = session.scalar(sa.select(m.ScoreConfigRow).where(m.ScoreConfigRow.spec == spec))
    if row is None:
        row = m.ScoreConfigRow(spec=spec, config=config.to_dict())
        session.add(row)
        session.flush()
    return row


def scale_of(criterion: m.Criterion) -> ScoreConfig:
    """The scale of a stored criterion."""
    return ScoreConfig.parse(criterion.score_config.config)


def get_criterion(session: Session, name: str) -> m.Criterion | None:
    """The criterion named `name`, or None."""
    return session.scalar(sa.select(m.Criterion).where(m.Criterion.name == name))


def get_or_create_criterion(
    session: Session, name: str, scale: ScoreConfig | None = None, description: str = ""
) -> m.Criterion:
    """The criterion `name`; created with `scale` (default pass/fail) when missing.

    Raises:
        ConflictError: it exists with a different scale than the one asked for.
    """
    criterion = get_criterion(session, name)
    if criterion is None:
        config = get_or_create_score_config(session, scale or PASS_FAIL)
        criterion = m.Criterion(name=name, description=description, score_config_id=config.id)
        session.add(criterion)
        session.flush()
        return criterion
    if scale is not None and scale_of(criterion) != scale:
        raise ConflictError(
            f"criterion {name!r} already has scale {scale_of(criterion).spec()}, not "
            f"{scale.spec()}: name another criterion (--criterion NAME) or drop --scale"
        )
    return criterion


class Criteria:
    """The criteria one import touches, created on first use within its session.

    Args:
        session: the import's transaction.
        explicit: the scale the user asked for (`--scale`), or None.
        default: the format's own scale, used for new criteria when none was asked for.
    """

    def __init__(
        self,
        session: Session,
        explicit: ScoreConfig | None = None,
        default: ScoreConfig = PASS_FAIL,
    ):
        self.session = session
        self.explicit = explicit
        self.default = default
        self._rows: dict[str, m.Criterion] = {}

    def row(self, name: str) -> m.Criterion:
        """The stored criterion `name` (created with this import's scale if missing)."""
        if name not in self._rows:
            existing = get_criterion(self.session, name)
            if existing is not None and self.explicit is None:
                self._check_family(existing)
            scale = self.explicit if existing is not None else self.explicit or self.default
            self._rows[name] = get_or_create_criterion(self.session, name, scale)
        return self._rows[name]

    def scale(self, criterion: str) -> ScoreConfig:
        """The scale labels of `criterion` are checked against."""
        return scale_of(self.row(criterion))

    def _check_family(self, criterion: m.Criterion) -> None:
        existing = scale_of(criterion)
        if (existing.kind == "pairwise") != (self.default.kind == "pairwise"):
            raise ConflictError(
                f"criterion {criterion.name!r} has scale {existing.spec()}, which does not fit "
                f"{self.default.spec()} labels: name another criterion with --criterion NAME"
            )

    def get_or_create(self, name: str, scale: ScoreConfig) -> m.Criterion:
        """Register `name` with `scale` for this import (conflicts if stored differently)."""
        self._rows[name] = get_or_create_criterion(self.session, name, scale)
        return self._rows[name]


# ---- datasets ---------------------------------------------------------------------------------


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
    _delete(session, dataset.id)


def _delete(session: Session, dataset_id: int) -> None:
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
        mode: `create` refuses an existing name; `append` adds items; `replace` deletes first.
        source_name: the file name, for error messages.
        batch_size: rows per insert statement.

    Raises:
        ConflictError: the name exists and mode is `create`.
        DataError: a duplicate id (naming both lines) or two labels by one annotator.
    """
    dataset = _target(session, name, kind, source or {}, mode)
    writer = _Writer(session, dataset, criteria, source_name)
    batch: list[Row] = []
    for row in rows:
        batch.append(writer.check(row))
        if len(batch) >= batch_size:
            writer.flush(batch)
            batch = []
    writer.flush(batch)
    return writer.stats


def _target(
    session: Session, name: str, kind: str, source: dict[str, Any], mode: WriteMode
) -> m.Dataset:
    existing = session.scalar(sa.select(m.Dataset).where(m.Dataset.name == name))
    if existing is not None and mode == "append":
        return existing
    if existing is not None and mode == "create":
        raise ConflictError(
            f"dataset {name!r} already exists: pass --append to add rows to it, "
            "--replace to overwrite it, or choose another --dataset name"
        )
    if existing is not None:
        _delete(session, existing.id)
    dataset = m.Dataset(name=name, kind=kind, source=source)
    session.add(dataset)
    session.flush()
    return dataset


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
            self.session.execute(sa.insert(m.Label), labels)
        self.stats.rows += len(batch)
        self.stats.labeled += sum(1 for row in batch if row.labels)

    def _item_params(self, row: Row) -> dict[str, Any]:
        params = {
            "dataset_id": self.dataset.id, "external_id": row.item.external_id,
            "position": self.position, "inputs": row.item.inputs, "output": row.item.output,
            "output_2": row.item.output_2, "meta": row.item.metadata,
        }
        self.position += 1
        return params

    def _label_params(self, item_id: int, label: Any) -> dict[str, Any]:
        criterion = self.criteria.row(label.criterion)
        self.stats.annotators.add(label.annotator)
        bucket = self.stats.by_criterion.setdefault(label.criterion, Counter())
        bucket[balance_key(scale_of(criterion), label.value)] += 1
        return {
            "item_id": item_id, "criterion_id": criterion.id, "annotator": label.annotator,
            "value": label.value, "reasoning": label.reasoning,
        }


def balance_key(scale: ScoreConfig, value: Value) -> str:
    """How a label value counts in a label balance: continuous scales count as pass/fail."""
    if scale.kind == "numeric":
        return "pass" if scale.to_pass(value) else "fail"
    if scale.kind == "text":
        return "text"
    return str(value)


def _with_id(item: Item, ext: str) -> Item:
    if item.external_id == ext:
        return item
    return Item(item.inputs, item.output, item.output_2, item.metadata, ext, item.id)


# ---- items ------------------------------------------------------------------------------------


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


# ---- labels -----------------------------------------------------------------------------------


def dataset_criteria(session: Session, dataset_id: int) -> list[m.Criterion]:
    """The criteria that have labels on this dataset's items, by name."""
    ids = (
        sa.select(m.Label.criterion_id)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id)
        .distinct()
    )
    query = sa.select(m.Criterion).where(m.Criterion.id.in_(ids)).order_by(m.Criterion.name)
    return list(session.scalars(query))


def criterion_for(session: Session, dataset_id: int, name: str | None = None) -> m.Criterion:
    """The criterion `name`, or when None the dataset's only labeled criterion.

    Raises:
        NotFoundError: no such criterion, or the dataset has no labels.
        ConflictError: no name given and the dataset has labels on several criteria.
    """
    if name is not None:
        criterion = get_criterion(session, name)
        if criterion is None:
            raise NotFoundError(f"no criterion named {name!r}")
        return criterion
    found = dataset_criteria(session, dataset_id)
    if not found:
        raise NotFoundError("the dataset has no labels: import or add labels first")
    if len(found) > 1:
        names = ", ".join(c.name for c in found)
        raise ConflictError(f"the dataset has labels on several criteria ({names}): name one")
    return found[0]


def labels_for(
    session: Session, dataset_id: int, criterion: str | None = None
) -> list[LabelRecord]:
    """The dataset's labels (of one criterion, or all), ordered by item position then annotator."""
    query = (
        sa.select(m.Label, m.Criterion.name)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
        .where(m.Item.dataset_id == dataset_id)
        .order_by(m.Item.position, m.Criterion.name, m.Label.annotator)
    )
    if criterion is not None:
        query = query.where(m.Criterion.name == criterion)
    return [_record(label, name) for label, name in session.execute(query)]


def _record(label: m.Label, criterion: str) -> LabelRecord:
    return LabelRecord(
        label.id, label.item_id, criterion, label.annotator, label.value, label.reasoning,
        label.resolved, label.created_at,
    )


def upsert_label(
    session: Session,
    item_id: int,
    criterion: str,
    value: Any,
    *,
    annotator: str = DEFAULT_ANNOTATOR,
    reasoning: str = "",
    resolved: bool = False,
) -> LabelRecord:
    """Add or change the label of (item, criterion, annotator); the value is checked.

    Raises:
        NotFoundError: the criterion does not exist.
        DataError: the value lies outside the criterion's scale.
    """
    row = get_criterion(session, criterion)
    if row is None:
        raise NotFoundError(f"no criterion named {criterion!r}")
    try:
        parsed = scale_of(row).parse_value(value)
    except ValueError as exc:
        raise DataError(f"label for criterion {criterion!r} {exc}", f"item {item_id}") from exc
    label = session.scalar(
        sa.select(m.Label).where(
            m.Label.item_id == item_id, m.Label.criterion_id == row.id,
            m.Label.annotator == annotator,
        )
    )
    if label is None:
        label = m.Label(item_id=item_id, criterion_id=row.id, annotator=annotator)
        session.add(label)
    label.value, label.reasoning, label.resolved = parsed, reasoning, resolved
    session.flush()
    return _record(label, criterion)


def label_balance(
    session: Session, dataset_id: int, criterion: str | None = None
) -> dict[str, dict[str, int]]:
    """Per criterion, how many labels have each value (continuous scales as pass/fail)."""
    scales: dict[str, ScoreConfig] = {}
    balance: dict[str, Counter[str]] = {}
    for label in labels_for(session, dataset_id, criterion):
        if label.criterion not in scales:
            found = get_criterion(session, label.criterion)
            assert found is not None
            scales[label.criterion] = scale_of(found)
        key = balance_key(scales[label.criterion], label.value)
        balance.setdefault(label.criterion, Counter())[key] += 1
    return {name: dict(sorted(counts.items())) for name, counts in balance.items()}


def dataset_annotators(session: Session, dataset_id: int) -> list[str]:
    """The annotators who labeled this dataset, by name."""
    query = (
        sa.select(m.Label.annotator)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id)
        .distinct()
        .order_by(m.Label.annotator)
    )
    return list(session.scalars(query))
