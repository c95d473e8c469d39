"""The store's tables (SQLAlchemy 2 declarative models).

Schema, in words:

- `datasets` hold `items`; an item has `inputs` (JSON dict of named fields), `output`
  (for pairwise items: the first output) and `output_2`, `metadata`, a stable `external_id`
  and `content_hash` (sha256 of inputs and outputs, see `store.content`).
- A dataset row is one *version* of a name: `import --replace` marks the current row superseded
  (`superseded_at`) and adds a row with the next `version`; the old row keeps its items, labels,
  runs and verdicts, readable, and only one row per name is current.
- `score_configs` are the scales; a `criterion` names what is judged and has one scale.
- `labels` are human annotations: one per (item, criterion, annotator); `resolved=True` marks
  an adjudicated label that wins over the annotators' own; `source` says where it was made
  (`import`, `web`, `api`; `unknown` before history was kept). Every change to a label appends
  a `label_history` row (who, old value, new value, when).
- `judges` own immutable `judge_versions` (prompt, scale, model, parameters, few-shot examples,
  threshold, checks); `judges.current_version` points at the accepted version.
- `runs` apply one judge version to one dataset version; `verdicts` hold one result per
  (run, item, sample); `cache_entries` map (model, parameters, rendered prompt) to an answer.
  A run's `calls` count the model calls behind its stored verdicts, added to in the
  transaction that stores them; its `counters` hold the rest of what its process reports
  (wall time, sessions, endpoint, owner).
  A run restricted to some of its dataset's items (an alignment run's held-out items) says
  where they came from in `scope` and lists them in `run_items`; `scope` NULL: every item.
- `alignment_runs` record an optimization job, its phases, its outcome and its candidate version.
- `dataset_deletions` record every deleted dataset (tombstones); `import_claims` mark a name
  being imported on SQLite, so a second import of it is refused at once.

Rows that represent history (judge versions, runs, verdicts, superseded datasets) are never
updated in place once final; a change makes a new row. Ids are never reused: SQLite tables use
AUTOINCREMENT (`sqlite_autoincrement`), PostgreSQL sequences never hand out a number twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from evalign.store.content import content_hash


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of all evalign tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


NEVER_REUSE: dict[str, Any] = {"sqlite_autoincrement": True}
"""Table options: on SQLite an id, once used, is never handed out again (even after a delete)."""

CURRENT = text("superseded_at IS NULL")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_datasets_name_version"),
        # One current (not superseded) version per name.
        Index("uq_datasets_current_name", "name", unique=True, sqlite_where=CURRENT,
              postgresql_where=CURRENT),
        NEVER_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="single")  # single | pairwise
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[Item]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )


def _item_hash(context: Any) -> str:
    """Column default: the content hash of the row being inserted (`store.content`)."""
    params = context.get_current_parameters()
    return content_hash(params.get("inputs"), params.get("output"), params.get("output_2"))


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("dataset_id", "external_id"),
        Index("ix_items_dataset_position", "dataset_id", "position"),
        NEVER_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_2: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default=_item_hash)

    dataset: Mapped[Dataset] = relationship(back_populates="items")


class ScoreConfigRow(Base):
    __tablename__ = "score_configs"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    spec: Mapped[str] = mapped_column(String(500), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)


class Criterion(Base):
    __tablename__ = "criteria"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    score_config_id: Mapped[int] = mapped_column(ForeignKey("score_configs.id"))

    score_config: Mapped[ScoreConfigRow] = relationship()


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("item_id", "criterion_id", "annotator"),
        Index("ix_labels_criterion_item", "criterion_id", "item_id"),
        NEVER_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    annotator: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="import")  # import | web | api
    carried_from_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The label of a superseded dataset version this one was carried over from."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    """When the value, reasoning or resolved flag last changed (equal to created_at until then)."""


class LabelHistory(Base):
    """One change to one label: who made it, the value before and after, when.

    `label_id` is a plain number, not a foreign key: the history of a deleted label (an
    adjudication replaced by another) stays.
    """

    __tablename__ = "label_history"
    __table_args__ = (Index("ix_label_history_item", "item_id", "criterion_id"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    label_id: Mapped[int] = mapped_column(Integer, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    annotator: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete | carry
    old_value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    old_reasoning: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_reasoning: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # import | web | api
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueueSkip(Base):
    """An annotator skipped an item in a queue; it comes back after the unseen ones."""

    __tablename__ = "queue_skips"
    __table_args__ = (UniqueConstraint("item_id", "criterion_id", "annotator"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    annotator: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Judge(Base):
    __tablename__ = "judges"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("criteria.id"), nullable=True)
    current_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    forked_from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("judge_versions.id", use_alter=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[JudgeVersion]] = relationship(
        back_populates="judge",
        foreign_keys="JudgeVersion.judge_id",
        order_by="JudgeVersion.version",
    )


class JudgeVersion(Base):
    __tablename__ = "judge_versions"
    __table_args__ = (UniqueConstraint("judge_id", "version"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="prompt")  # prompt | code | decomposed
    prompt: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[dict[str, Any]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    few_shot: Mapped[list[Any]] = mapped_column(JSON, default=list)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    guidelines: Mapped[str] = mapped_column(Text, default="")
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    judge: Mapped[Judge] = relationship(back_populates="versions", foreign_keys=[judge_id])


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_version_id: Mapped[int] = mapped_column(ForeignKey("judge_versions.id"))
    # No ON DELETE CASCADE: deleting a dataset never silently takes its runs along.
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    model: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    repeat: Mapped[int] = mapped_column(Integer, default=1)
    use_cache: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    scope: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True,
                                                         default=None)
    """Where a restricted run's items came from (`run_items` lists them); NULL: every item."""
    counters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Model calls made for the run's stored verdicts, over every session: added to in the
    transaction that stores them (`repo_verdicts.insert_verdicts`), so `kill -9` never
    separates the two."""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    judge_version: Mapped[JudgeVersion] = relationship()
    dataset: Mapped[Dataset] = relationship()


class RunItem(Base):
    """One item a restricted run judges (a run with a `scope`); fixed when the run is made."""

    __tablename__ = "run_items"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)


class Verdict(Base):
    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("run_id", "item_id", "sample"), NEVER_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))  # no cascade: see Run
    sample: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    p_pass: Mapped[float | None] = mapped_column(Float, nullable=True)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_kind: Mapped[str | None] = mapped_column(String(50), nullable=True)
    checks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_s: Mapped[float] = mapped_column(Float, default=0.0)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CacheEntry(Base):
    """A model answer keyed on sha256(model, parameters, rendered prompt)."""

    __tablename__ = "cache_entries"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(300))
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlignmentRun(Base):
    __tablename__ = "alignment_runs"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_version_id: Mapped[int] = mapped_column(ForeignKey("judge_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    phase: Mapped[str | None] = mapped_column(String(50), nullable=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phases: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidate_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("judge_versions.id"), nullable=True
    )
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)  # accepted | rejected
    accepted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("judge_versions.id"), nullable=True
    )
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DatasetDeletion(Base):
    """A tombstone: a dataset name was deleted, with every version, and what went with it.

    `details` holds the deleted ids: `{"datasets": [...], "runs": [...]}` and counts of items,
    labels and verdicts, so an id seen before the delete can still be explained.
    """

    __tablename__ = "dataset_deletions"
    __table_args__ = (NEVER_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    last_version: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deleted_by: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportClaim(Base):
    """A dataset name being imported right now (SQLite; PostgreSQL uses an advisory lock)."""

    __tablename__ = "import_claims"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The release gate's table lives in its own module; importing it here registers it on `Base`
# (so `Base.metadata` always holds every table) once every table it refers to is defined.
from evalign.store.models_calibration import Calibration as Calibration  # noqa: E402
