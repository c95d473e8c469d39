"""Counting a dataset's labels: the annotators' own labels apart from the resolutions.

An adjudication (a label with `resolved` set, stored under a name such as "judy
(adjudication)") is a decision about the annotators' labels, not one more annotator: every
surface that counts labels or lists annotators (`evalign datasets show`, the dataset page, the
alignment dashboard) counts it apart, through this module.

All functions take an open `Session`; the caller decides the transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.scores import ScoreConfig
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, scale_of
from evalign.store.repo_labels import balance_key, labels_for


@dataclass(frozen=True)
class LabelCounts:
    """A dataset's labels as every surface counts them (`datasets show`, the web pages).

    An adjudication (a label with `resolved` set) is a decision about the annotators' labels,
    not one more annotator: it is counted apart, never in the balance or among the annotators.

    Attributes:
        balance: per criterion, how many of the annotators' own labels have each value
            (continuous scales as pass/fail), values in order.
        resolved: per criterion with resolutions, how many items were resolved.
        annotators: who gave the own labels, by name.
    """

    balance: dict[str, dict[str, int]]
    resolved: dict[str, int]
    annotators: list[str]

    def own(self, criterion: str | None = None) -> int:
        """How many own labels there are (on `criterion`, or on all)."""
        return sum(n for name, counts in self.balance.items()
                   if criterion in (None, name) for n in counts.values())

    def resolutions(self, criterion: str | None = None) -> int:
        """How many items were resolved (on `criterion`, or on all)."""
        return sum(n for name, n in self.resolved.items() if criterion in (None, name))


def label_counts(session: Session, dataset_id: int, criterion: str | None = None
                 ) -> LabelCounts:
    """The annotators' own labels per value and annotator, and the resolutions apart.

    Args:
        criterion: count this criterion's labels only (None: every criterion's).
    """
    scales: dict[str, ScoreConfig] = {}
    balance: dict[str, Counter[str]] = {}
    resolved: dict[str, set[int]] = {}
    annotators: set[str] = set()
    for label in labels_for(session, dataset_id, criterion):
        if label.resolved:
            resolved.setdefault(label.criterion, set()).add(label.item_id)
            continue
        if label.criterion not in scales:
            found = get_criterion(session, label.criterion)
            assert found is not None
            scales[label.criterion] = scale_of(found)
        key = balance_key(scales[label.criterion], label.value)
        balance.setdefault(label.criterion, Counter())[key] += 1
        annotators.add(label.annotator)
    return LabelCounts(
        balance={name: dict(sorted(counts.items())) for name, counts in sorted(balance.items())},
        resolved={name: len(items) for name, items in sorted(resolved.items())},
        annotators=sorted(annotators))


def label_balance(
    session: Session, dataset_id: int, criterion: str | None = None
) -> dict[str, dict[str, int]]:
    """Per criterion, how many own labels have each value (resolutions apart: `label_counts`)."""
    return label_counts(session, dataset_id, criterion).balance


def dataset_annotators(session: Session, dataset_id: int) -> list[str]:
    """The annotators who labeled this dataset, by name (adjudications are not annotators)."""
    query = (
        sa.select(m.Label.annotator)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .where(m.Item.dataset_id == dataset_id, m.Label.resolved.is_(False))
        .distinct()
        .order_by(m.Label.annotator)
    )
    return list(session.scalars(query))


def resolved_counts(session: Session, dataset_id: int) -> dict[str, int]:
    """Per criterion with resolutions, how many of the dataset's items were resolved."""
    query = (
        sa.select(m.Criterion.name, sa.func.count(sa.func.distinct(m.Label.item_id)))
        .select_from(m.Label)
        .join(m.Item, m.Item.id == m.Label.item_id)
        .join(m.Criterion, m.Criterion.id == m.Label.criterion_id)
        .where(m.Item.dataset_id == dataset_id, m.Label.resolved.is_(True))
        .group_by(m.Criterion.name)
        .order_by(m.Criterion.name)
    )
    return {name: int(n) for name, n in session.execute(query)}
