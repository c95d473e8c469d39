"""What an export reads besides the items: their labels and the latest run's verdicts.

Plain records only (`LabelRecord`, verdicts as dicts of plain values); all functions take an
open `Session` (`with store.session() as s:` is one transaction, so an export is consistent).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.store import models as m
from evalign.store.repo_labels import LabelRecord


def latest_run_id(session: Session, dataset_id: int) -> int | None:
    """The newest run on the dataset that has verdicts, or None."""
    query = (
        sa.select(m.Run.id)
        .where(m.Run.dataset_id == dataset_id, sa.exists().where(m.Verdict.run_id == m.Run.id))
        .order_by(m.Run.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def labels_of_items(session: Session, item_ids: list[int]) -> dict[int, list[LabelRecord]]:
    """Each item's labels, by item id; within an item by criterion name, then annotator.

    `created_at` is as stored (no `updated_at` or `source`: exports do not show them).
    """
    query = (
        sa.select(m.Label, m.Criterion.name)
        .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
        .where(m.Label.item_id.in_(item_ids))
        .order_by(m.Criterion.name, m.Label.annotator)
    )
    found: dict[int, list[LabelRecord]] = {}
    for label, criterion in session.execute(query):
        found.setdefault(label.item_id, []).append(LabelRecord(
            label.id, label.item_id, criterion, label.annotator, label.value, label.reasoning,
            label.resolved, label.created_at,
        ))
    return found


def first_verdicts(session: Session, run_id: int, item_ids: list[int]
                   ) -> dict[int, dict[str, Any]]:
    """The run's first-sample verdict of each item, by item id.

    Returns:
        item id -> {"run_id", "value", "p_pass", "reasoning", "error"} (items without a
        verdict are absent).
    """
    query = sa.select(m.Verdict).where(
        m.Verdict.run_id == run_id, m.Verdict.item_id.in_(item_ids), m.Verdict.sample == 0
    )
    return {
        v.item_id: {"run_id": run_id, "value": v.value, "p_pass": v.p_pass,
                    "reasoning": v.reasoning, "error": v.error}
        for v in session.scalars(query)
    }
