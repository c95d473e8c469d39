"""Adjudication: items where annotators disagree, and recording the resolved label."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.errors import ConfigError
from evalign.store import Store
from evalign.store.page_records import ItemRecord
from evalign.store.repo_adjudication import labeled_items, resolve_item
from evalign.store.repo_labels import LabelRecord
from evalign.store.session import Session
from evalign.web.services.criteria import criterion_view
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


def disagreements(store: Store, dataset: str, criterion: str | None) -> AdjudicationView:
    """Items with at least two annotator labels that differ (open ones first).

    Args:
        criterion: one of the dataset's criteria; None: its only one.

    Raises:
        NotFoundError: no such dataset, or it has no such criterion.
        CriterionChoiceError: no criterion named and the dataset has several (400).
    """
    with store.session() as s:
        found = labeled_items(s, dataset, criterion)
    name = found.criterion.name
    items = [d for item, labels in found.items
             if (d := _disagreement(item, labels, name)) is not None]
    items.sort(key=lambda d: d.resolution is not None)
    done = sum(d.resolution is not None for d in items)
    return AdjudicationView(dataset=found.dataset, criterion=criterion_view(found.criterion),
                            open=len(items) - done, resolved=done, items=items)


def _disagreement(item: ItemRecord, labels: list[LabelRecord], criterion: str
                  ) -> Disagreement | None:
    own = [LabelView.of(r, criterion) for r in labels if not r.resolved]
    if len(own) < 2 or len({_key(v.value) for v in own}) < 2:
        return None
    resolution = next((LabelView.of(r, criterion) for r in labels if r.resolved), None)
    return Disagreement(item=ItemView.of(item), labels=own, resolution=resolution)


def _key(value: Any) -> str:
    return str(value).strip().lower()


def resolve(store: Store, dataset: str, criterion: str | None, adjudicator: str, item_id: int,
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
        saved = resolve_item(s, dataset, criterion, item_id, value, adjudicator=who,
                             as_annotator=who + RESOLVED_SUFFIX, reasoning=reasoning.strip())
        return LabelView.of(saved, saved.criterion)

    return store.write(write, what="the resolution", deadline_s=WRITE_DEADLINE_S)
