"""The store's tables (SQLAlchemy 2 declarative models).

Schema, in words:

- `datasets` hold `items`; an item has `inputs` (JSON dict of named fields), `output`
  (for pairwise items: the first output) and `output_2`, `metadata`, and a stable `external_id`.
- `score_configs` are the scales; a `criterion` names what is judged and has one scale.
- `labels` are human annotations: one per (item, criterion, annotator); `resolved=True` marks
  an adjudicated label that wins over the annotators' own.
- `judges` own immutable `judge_versions` (prompt, scale, model, parameters, few-shot examples,
  threshold, checks); `judges.current_version` points at the accepted version.
- `runs` apply one judge version to one dataset; `verdicts` hold one result per
  (run, item, sample); `cache_entries` map (model, parameters, rendered prompt) to an answer.
- `alignment_runs` record an optimization job, its phases, its outcome and its candidate version.

Rows that represent history (judge versions, runs, verdicts) are never updated in place once
final; a change makes a new row.
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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of all evalign tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="single")  # single | pairwise
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[Item]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("dataset_id", "external_id"),
        Index("ix_items_dataset_position", "dataset_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_2: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)

    dataset: Mapped[Dataset] = relationship(back_populates="items")


class ScoreConfigRow(Base):
    __tablename__ = "score_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spec: Mapped[str] = mapped_column(String(500), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)


class Criterion(Base):
    __tablename__ = "criteria"

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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    annotator: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueueSkip(Base):
    """An annotator skipped an item in a queue; it comes back after the unseen ones."""

    __tablename__ = "queue_skips"
    __table_args__ = (UniqueConstraint("item_id", "criterion_id", "annotator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    annotator: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Judge(Base):
    __tablename__ = "judges"

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
    __table_args__ = (UniqueConstraint("judge_id", "version"),)

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

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_version_id: Mapped[int] = mapped_column(ForeignKey("judge_versions.id"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    model: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    repeat: Mapped[int] = mapped_column(Integer, default=1)
    use_cache: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    counters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    judge_version: Mapped[JudgeVersion] = relationship()
    dataset: Mapped[Dataset] = relationship()


class Verdict(Base):
    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("run_id", "item_id", "sample"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
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
