"""What a run still has to do, read one page of its dataset's items at a time.

Work left is exactly the (item, sample) pairs without a verdict: a page carries the items and
the pairs of those items the run already stored, both read in the caller's one transaction, so
a reader streaming a large dataset holds one page in memory and no more. A run restricted to
some items (`repo_run_items`) pages through those only, so resuming it never widens it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.items import Item
from evalign.store import models as m
from evalign.store.repo_items import to_item
from evalign.store.repo_run_items import restricted, run_scope


@dataclass(frozen=True)
class WorkPage:
    """One page of a run's dataset.

    Attributes:
        items: up to `limit` items in position order.
        done: (item id, sample) of the verdicts the run already has for these items.
        last: the position of the page's last item (where the next page starts after).
    """

    items: list[Item]
    done: set[tuple[int, int]]
    last: int


def work_page(session: Session, run_id: int, dataset_id: int, *, after: int,
              limit: int) -> WorkPage | None:
    """The next `limit` items of dataset `dataset_id` after position `after`, with the verdicts
    run `run_id` stored for them; None when no item is left (start with `after=-1`). A
    restricted run's pages hold only its own items."""
    query = sa.select(m.Item).where(m.Item.dataset_id == dataset_id, m.Item.position > after)
    if run_scope(session, run_id) is not None:
        query = query.where(restricted(run_id))
    rows = session.scalars(query.order_by(m.Item.position).limit(limit)).all()
    if not rows:
        return None
    done = {(item, sample) for item, sample in session.execute(
        sa.select(m.Verdict.item_id, m.Verdict.sample).where(
            m.Verdict.run_id == run_id, m.Verdict.item_id.in_([row.id for row in rows])))}
    return WorkPage(items=[to_item(row) for row in rows], done=done, last=rows[-1].position)
