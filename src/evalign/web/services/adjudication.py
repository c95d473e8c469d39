"""Adjudication: items where annotators disagree, and recording the resolved label."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalign.errors import ConfigError
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import scale_of
from evalign.store.repo_items import get_dataset
from evalign.store.repo_labels import resolve_label
from evalign.web.services.criteria import criterion_view, ensure_criterion
from evalign.web.services.queue import WRITE_DEADLINE_S
from evalign.web.services.records import CriterionView, ItemView, LabelView

RESOLVED_SUFFIX = " (adjudication)"


class Disagreement(BaseModel):
    """One item whose annotators gave different labels, with the resolution if any."""

    item: ItemView
    labels: list[LabelView]
    resolution: LabelView | None = None


class AdjudicationView(BaseModel):
    """Every disagreement on one criterion of a dataset."""

    dataset: str
    criterion: CriterionView
    open: int
    resolved: int
    items: list[Disagreement]


def disagreements(store: Store, dataset: str, criterion: str) -> AdjudicationView:
    """Items with at least two annotator labels that differ (open ones first)."""
    with store.session() as s:
        ds = get_dataset(s, dataset)
        crit = ensure_criterion(s, criterion)
        rows = s.execute(select(m.Label, m.Item).join(m.Item, m.Item.id == m.Label.item_id)
                         .where(m.Item.dataset_id == ds.id, m.Label.criterion_id == crit.id)
                         .order_by(m.Item.position, m.Label.id))
        grouped: dict[int, tuple[m.Item, list[m.Label]]] = {}
        for label, item in rows:
            grouped.setdefault(item.id, (item, []))[1].append(label)
        found = [_disagreement(item, labels, crit.name) for item, labels in grouped.values()]
        items = [d for d in found if d is not None]
        items.sort(key=lambda d: d.resolution is not None)
        done = sum(d.resolution is not None for d in items)
        return AdjudicationView(dataset=ds.name, criterion=criterion_view(crit),
                                open=len(items) - done, resolved=done, items=items)


def _disagreement(item: m.Item, labels: list[m.Label], criterion: str) -> Disagreement | None:
    own = [LabelView.of(r, criterion) for r in labels if not r.resolved]
    if len(own) < 2 or len({_key(v.value) for v in own}) < 2:
        return None
    resolution = next((LabelView.of(r, criterion) for r in labels if r.resolved), None)
    return Disagreement(item=ItemView.of(item), labels=own, resolution=resolution)


def _key(value: Any) -> str:
    return str(value).strip().lower()


def resolve(store: Store, dataset: str, criterion: str, adjudicator: str, item_id: int,
            value: Any, reasoning: str = "") -> LabelView:
    """Record the resolved label of an item; it wins over the annotators' own labels.

    The resolution is stored under "NAME (adjudication)" so the adjudicator's own label, if any,
    stays; an earlier resolution of the same item is replaced (the label history keeps it).

    Args:
        adjudicator: the session's annotator name (who resolves).

    Raises:
        ConfigError: no adjudicator name, or the value is outside the criterion's scale.
        ConflictError: the item belongs to a superseded dataset version.
        StoreBusy: the store stayed locked past the queue's write deadline.
    """
    who = adjudicator.strip()
    if not who:
        raise ConfigError("an adjudicator name is required to resolve a disagreement")

    def write(s: Session) -> LabelView:
        get_dataset(s, dataset)
        crit = ensure_criterion(s, criterion)
        try:
            scale_of(crit).parse_value(value)
        except ValueError as exc:
            raise ConfigError(f"resolved label for item {item_id}: {exc}") from None
        saved = resolve_label(s, item_id, crit.name, value, adjudicator=who,
                              as_annotator=who + RESOLVED_SUFFIX, reasoning=reasoning.strip(),
                              dataset=dataset)
        return LabelView.of(s.get_one(m.Label, saved.id), crit.name)

    return store.write(write, what="the resolution", deadline_s=WRITE_DEADLINE_S)
