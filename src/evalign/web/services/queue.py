"""The annotation queue: each annotator's next item, labels, skips, progress.

The store (`store.repo_queue`) finds the items and writes labels; this maps its records to
pages. An annotator's queue is the current version's items in order, minus the items they labeled;
items they skipped come back after the unseen ones. Every label records its annotator's name
(the caller passes the name of the session, never one a form chose), each change lands in the
label history, and a label for an item of a superseded version (a page opened before
`import --replace`) is refused with a 409 that says what to do. A write that finds the store
locked (an import holds SQLite's lock) retries until `WRITE_DEADLINE_S`, then becomes a 503.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evalign.errors import ConfigError
from evalign.store import Store
from evalign.store.repo_queue import label_in_queue, queue_snapshot, skip_in_queue
from evalign.store.session import Session
from evalign.web.services.criteria import criterion_view
from evalign.web.services.records import CriterionView, ItemView, LabelView

WRITE_DEADLINE_S = 10.0
"""How long a label or skip keeps retrying a locked store before the request gets a 503."""


class AnnotatorProgress(BaseModel):
    """How many items one annotator labeled."""

    annotator: str
    labeled: int


class QueueView(BaseModel):
    """What an annotator sees: progress and the item to label next (None when done)."""

    dataset: str
    criterion: CriterionView
    criteria: list[str]
    annotator: str
    total: int
    labeled: int
    skipped: int
    item: ItemView | None
    item_skipped: bool = False
    previous_id: int | None = None
    """The item this annotator labeled last (to revisit it)."""
    annotators: list[AnnotatorProgress]


def queue_state(store: Store, dataset: str, criterion: str | None, annotator: str,
                item_id: int | None = None, scale: str | None = None) -> QueueView:
    """The queue of `annotator` on `dataset` and `criterion` (default: its first, or "default").

    Args:
        item_id: show this item instead of the next one (to revisit a label).
        scale: the scale of a criterion that does not exist yet (default pass_fail).

    Raises:
        NotFoundError: no such dataset, or `item_id` is not one of its items.
        ConflictError: `item_id` belongs to a superseded version of the dataset (409).
    """
    with store.session() as s:
        snap = queue_snapshot(s, dataset, criterion, annotator, item_id, scale)
    crit = snap.criterion.name
    item = (ItemView.of(snap.item, [LabelView.of(r, crit) for r in snap.item_labels])
            if snap.item is not None else None)
    return QueueView(
        dataset=snap.dataset, criterion=criterion_view(snap.criterion), criteria=snap.criteria,
        annotator=annotator, total=snap.total, labeled=snap.labeled, skipped=snap.skipped,
        item=item, item_skipped=snap.item_skipped, previous_id=snap.previous_id,
        annotators=[AnnotatorProgress(annotator=a, labeled=n) for a, n in snap.progress])


def save_label(store: Store, dataset: str, criterion: str | None, annotator: str, item_id: int,
               value: Any, reasoning: str = "", *, resolved: bool = False) -> LabelView:
    """Record (or change) `annotator`'s label on one item; the item leaves their skipped list.

    Args:
        criterion: one of the dataset's criteria (never a new one); None: its only one.
        annotator: the session's annotator (who labels, and who made the change).

    Raises:
        ConfigError: no annotator name, or the value is outside the criterion's scale.
        CriterionChoiceError: no criterion named and the dataset has several (400).
        NotFoundError: the dataset, item, or such a criterion of the dataset does not exist.
        ConflictError: the item belongs to a superseded dataset version (409: reload).
        StoreBusy: the store stayed locked past `WRITE_DEADLINE_S` (503: try again).
    """
    annotator = annotator.strip()
    if not annotator:
        raise ConfigError("an annotator name is required: every label records who gave it")

    def write(s: Session) -> LabelView:
        saved = label_in_queue(s, dataset, criterion, annotator, item_id, value,
                               reasoning.strip(), resolved=resolved)
        return LabelView.of(saved, saved.criterion)

    return store.write(write, what="the label", deadline_s=WRITE_DEADLINE_S)


def skip_item(store: Store, dataset: str, criterion: str | None, annotator: str,
              item_id: int) -> None:
    """Put an item at the back of `annotator`'s queue.

    Raises:
        ConflictError: the item belongs to a superseded dataset version.
        StoreBusy: the store stayed locked past `WRITE_DEADLINE_S`.
    """
    if not annotator.strip():
        raise ConfigError("an annotator name is required to skip items")

    def write(s: Session) -> None:
        skip_in_queue(s, dataset, criterion, annotator, item_id)

    store.write(write, what="the skip", deadline_s=WRITE_DEADLINE_S)
