"""The `calibrations` table: evidence that one judge version agrees with its humans.

A calibration row is written once and never updated: the judge version it measured (and the
sha256 of that version's content, so an edited prompt, model or parameter no longer matches), the
labeled dataset and a fingerprint of its items and labels at that moment, where the figures came
from (an accepted alignment run's test split, or a fresh benchmark run), and the figures with
their 95% intervals. `evalign gate` reads the newest row for a judge and dataset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from evalign.store.models import Base, utcnow


class Calibration(Base):
    __tablename__ = "calibrations"
    __table_args__ = (
        Index("ix_calibrations_judge_dataset", "judge_name", "dataset_name"),
        {"sqlite_autoincrement": True},  # ids, once used, are never handed out again
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_version_id: Mapped[int] = mapped_column(ForeignKey("judge_versions.id"))
    judge_name: Mapped[str] = mapped_column(String(200))
    judge_version: Mapped[int] = mapped_column(Integer)
    spec_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    dataset_name: Mapped[str] = mapped_column(String(200))
    dataset_fingerprint: Mapped[str] = mapped_column(String(64))
    criterion: Mapped[str] = mapped_column(String(200))
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
