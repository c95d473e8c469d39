"""Items scored online and routed to the annotation queue, with the judge's verdicts on them.

A judge's routed items live in one dataset, `online:<judge>` (its current version), so the
queue labels them like any dataset's items. Each judge version that scored some of them owns
one run on that dataset (`params["online"]` is true, status `completed`: nothing is left for a
worker to do), and its verdicts are the verdicts the caller got back. The read model
(`evalign.comparisons`) then pairs them with the labels people give in the queue. An item is
identified by its content hash: the same content routed twice is one item, judged once per
version (the first verdict stays; history is never rewritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalign.items import Item
from evalign.judges.spec import Verdict
from evalign.store import Store
from evalign.store import models as m
from evalign.store.content import content_hash
from evalign.store.repo_judges import get_version
from evalign.store.repo_runs import aware
from evalign.store.repo_versions import current_dataset, next_version

PREFIX = "online:"
"""Routed items of judge J live in the dataset named `online:J`."""


def online_dataset(judge: str) -> str:
    """The name of the dataset that holds `judge`'s routed items."""
    return f"{PREFIX}{judge}"


@dataclass(frozen=True)
class OnlineRun:
    """The online run of one judge version: its id, version and dataset."""

    run_id: int
    version: int
    dataset: str


def route(session: Session, judge_version_id: int, pairs: Sequence[tuple[Item, Verdict]]
          ) -> list[int]:
    """Add items (once each, by content) and their verdicts to the version's online run.

    Args:
        session: the transaction (the whole batch lands or nothing does).
        judge_version_id: the judge version whose verdicts these are.
        pairs: (item, verdict) of each routed item; the verdict's `item_id` is ignored.

    Returns:
        The store's item id of each pair, in order.
    """
    version = session.get_one(m.JudgeVersion, judge_version_id)
    judge = session.get_one(m.Judge, version.judge_id)
    pairwise = any(item.pairwise for item, _ in pairs)
    dataset = _dataset(session, judge.name, "pairwise" if pairwise else "single")
    run = _run(session, version, dataset.id)
    judged = {i for (i,) in session.execute(
        sa.select(m.Verdict.item_id).where(m.Verdict.run_id == run.id, m.Verdict.sample == 0))}
    ids = []
    for item, verdict in pairs:
        row = _item(session, dataset.id, item)
        if row.id not in judged:
            session.add(_verdict_row(run.id, row.id, verdict))
            judged.add(row.id)
        ids.append(row.id)
    run.counters = {**(run.counters or {}), "items": len(judged)}
    run.finished_at = m.utcnow()
    session.flush()
    return ids


def route_in(store: Store, judge_ref: str, pairs: Sequence[tuple[Item, Verdict]]) -> list[int]:
    """`route` in its own transaction, retried while the store is locked and once more when
    a concurrent request created the same dataset, run or item first (a unique key clashed).

    Raises:
        NotFoundError: no such judge version.
        StoreBusy: the store stayed locked; nothing was written.
    """
    def work(session: Session) -> list[int]:
        return route(session, get_version(session, judge_ref).id, pairs)

    try:
        return store.write(work, what="the routed items")
    except IntegrityError:
        return store.write(work, what="the routed items")


def online_runs(session: Session, judge: str) -> list[OnlineRun]:
    """The online runs of every version of `judge` on any version of its online dataset."""
    query = (sa.select(m.Run.id, m.JudgeVersion.version, m.Dataset.name)
             .join(m.JudgeVersion, m.JudgeVersion.id == m.Run.judge_version_id)
             .join(m.Judge, m.Judge.id == m.JudgeVersion.judge_id)
             .join(m.Dataset, m.Dataset.id == m.Run.dataset_id)
             .where(m.Judge.name == judge, m.Dataset.name == online_dataset(judge))
             .order_by(m.JudgeVersion.version, m.Run.id))
    return [OnlineRun(run_id, version, name) for run_id, version, name in session.execute(query)
            if run_id is not None]


def scored_at(session: Session, run_id: int) -> dict[int, datetime]:
    """Item id → when its verdict (sample 0) was stored, i.e. when it was scored (UTC)."""
    query = sa.select(m.Verdict.item_id, m.Verdict.created_at).where(
        m.Verdict.run_id == run_id, m.Verdict.sample == 0)
    return {item_id: aware(at) or at for item_id, at in session.execute(query)}


def _dataset(session: Session, judge: str, kind: str) -> m.Dataset:
    name = online_dataset(judge)
    found = current_dataset(session, name, lock=True)
    if found is not None:
        return found
    dataset = m.Dataset(name=name, kind=kind, version=next_version(session, name),
                        description=f"items scored online by judge {judge!r} and routed for "
                                    "human labels (every FAIL, a share of PASSes)",
                        source={"kind": "online", "judge": judge})
    session.add(dataset)
    session.flush()
    return dataset


def _run(session: Session, version: m.JudgeVersion, dataset_id: int) -> m.Run:
    query = (sa.select(m.Run).where(m.Run.judge_version_id == version.id,
                                    m.Run.dataset_id == dataset_id)
             .order_by(m.Run.id))
    for run in session.scalars(query):
        if (run.params or {}).get("online"):
            return run
    moment = m.utcnow()
    run = m.Run(judge_version_id=version.id, dataset_id=dataset_id, model=version.model,
                params={"online": True}, repeat=1, use_cache=True, status="completed",
                counters={}, started_at=moment, finished_at=moment)
    session.add(run)
    session.flush()
    return run


def _item(session: Session, dataset_id: int, item: Item) -> m.Item:
    digest = content_hash(item.inputs, item.output, item.output_2)
    found = session.scalar(sa.select(m.Item).where(m.Item.dataset_id == dataset_id,
                                                   m.Item.external_id == digest))
    if found is not None:
        return found
    last = session.scalar(sa.select(sa.func.max(m.Item.position))
                          .where(m.Item.dataset_id == dataset_id))
    row = m.Item(dataset_id=dataset_id, external_id=digest,
                 position=0 if last is None else last + 1, inputs=dict(item.inputs),
                 output=item.output, output_2=item.output_2,
                 meta={**item.metadata, "source": "online"})
    session.add(row)
    session.flush()
    return row


def _verdict_row(run_id: int, item_id: int, verdict: Verdict) -> m.Verdict:
    return m.Verdict(
        run_id=run_id, item_id=item_id, sample=0, value=verdict.value, p_pass=verdict.p_pass,
        reasoning=verdict.reasoning, raw=verdict.raw, error=verdict.error,
        error_kind=verdict.error_kind, checks=[asdict(c) for c in verdict.checks],
        attempts=verdict.attempts, cached=verdict.cached, prompt_tokens=verdict.prompt_tokens,
        completion_tokens=verdict.completion_tokens, latency_s=verdict.latency_s,
        cost_usd=verdict.cost_usd)
