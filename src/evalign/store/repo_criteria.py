"""Criteria and their scales in the store.

All functions take an open `Session`; `Criteria` resolves the criteria one import touches.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConflictError
from evalign.scores import PASS_FAIL, ScoreConfig
from evalign.store import models as m


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
