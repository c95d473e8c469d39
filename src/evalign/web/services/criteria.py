"""Finding and creating criteria, and the criteria a dataset uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evalign.errors import NotFoundError
from evalign.scores import ScoreConfig
from evalign.store import models as m
from evalign.web.services.records import CriterionView

DEFAULT_CRITERION = "default"


def get_dataset(s: Session, name: str) -> m.Dataset:
    """The dataset called `name`.

    Raises:
        NotFoundError: no such dataset.
    """
    row = s.scalar(select(m.Dataset).where(m.Dataset.name == name))
    if row is None:
        raise NotFoundError(f"no dataset named {name!r}: see /datasets for the list")
    return row


def scale_of(criterion: m.Criterion) -> ScoreConfig:
    """A criterion's score config."""
    return ScoreConfig.parse(criterion.score_config.config)


def ensure_criterion(s: Session, name: str, scale: str | None = None) -> m.Criterion:
    """The criterion `name`, created with `scale` (default pass_fail) when it does not exist."""
    row = s.scalar(select(m.Criterion).where(m.Criterion.name == name))
    if row is not None:
        return row
    config = ScoreConfig.parse(scale or "pass_fail")
    spec = config.spec()
    scale_row = s.scalar(select(m.ScoreConfigRow).where(m.ScoreConfigRow.spec == spec))
    if scale_row is None:
        scale_row = m.ScoreConfigRow(spec=spec, config=config.to_dict())
        s.add(scale_row)
    row = m.Criterion(name=name, score_config=scale_row)
    s.add(row)
    s.flush()
    return row


def get_criterion(s: Session, name: str) -> m.Criterion:
    """The criterion `name`.

    Raises:
        NotFoundError: no such criterion.
    """
    row = s.scalar(select(m.Criterion).where(m.Criterion.name == name))
    if row is None:
        raise NotFoundError(f"no criterion named {name!r}")
    return row


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
