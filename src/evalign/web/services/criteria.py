"""Finding and creating criteria for pages, and the criteria a dataset uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evalign.scores import ScoreConfig
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, get_or_create_criterion, scale_of
from evalign.web.services.records import CriterionView


def ensure_criterion(s: Session, name: str, scale: str | None = None) -> m.Criterion:
    """The criterion `name` as stored, or created with `scale` (default pass_fail).

    Unlike the importer, a page never refuses an existing criterion over its scale: the
    stored scale is the one labels are checked against.
    """
    existing = get_criterion(s, name)
    if existing is not None:
        return existing
    return get_or_create_criterion(s, name, ScoreConfig.parse(scale) if scale else None)


def dataset_criteria(s: Session, dataset: m.Dataset) -> list[m.Criterion]:
    """Criteria with labels on the dataset's items or judged by runs on it, by name."""
    labeled = (select(m.Label.criterion_id).join(m.Item, m.Item.id == m.Label.item_id)
               .where(m.Item.dataset_id == dataset.id).distinct())
    judged = (select(m.Judge.criterion_id)
              .join(m.JudgeVersion, m.JudgeVersion.judge_id == m.Judge.id)
              .join(m.Run, m.Run.judge_version_id == m.JudgeVersion.id)
              .where(m.Run.dataset_id == dataset.id, m.Judge.criterion_id.is_not(None)))
    named = [str(n) for n in (dataset.source or {}).get("criteria", []) if isinstance(n, str)]
    ids = set(s.scalars(labeled)) | set(s.scalars(judged))
    query = select(m.Criterion).where(m.Criterion.id.in_(ids) | m.Criterion.name.in_(named))
    return list(s.scalars(query.order_by(m.Criterion.name)))


def criterion_view(row: m.Criterion) -> CriterionView:
    """A criterion as pages show it."""
    return CriterionView(name=row.name, description=row.description,
                         scale=scale_of(row).to_dict())
