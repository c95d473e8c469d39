"""The Eval Alignment dashboard: every judge ("metric") against the humans, per criterion.

For one dataset and criterion it takes each judge's latest run on the dataset, pairs verdicts
with human labels and reports agreement per metric and overall, with the thumbs/stars breakdown
of the annotations behind each confusion cell.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import scale_of
from evalign.store.repo_items import get_dataset
from evalign.web.services.agreement import Agreement, agreement
from evalign.web.services.comparisons import (
    Comparison,
    human_sides,
    judge_criterion,
    run_comparisons,
)
from evalign.web.services.criteria import dataset_criteria


class MetricAlignment(BaseModel):
    """One judge's agreement with the humans."""

    metric: str
    run_id: int
    version: int
    agreement: Agreement
    human_pass: int
    human_fail: int
    judge_pass: int
    judge_fail: int
    breakdown: dict[str, dict[str, int]]
    """Per confusion cell (tp/fn/tn/fp): the count of each raw annotation value behind it."""


class Dashboard(BaseModel):
    """Everything on the Eval Alignment page."""

    datasets: list[str]
    dataset: str | None
    criteria: list[str]
    criterion: str | None
    comparisons: int
    annotations: int
    contributing: int
    overall: Agreement | None
    all_metrics: list[str]
    metrics: list[MetricAlignment]


def dashboard(store: Store, dataset: str | None = None, criterion: str | None = None,
              metrics: list[str] | None = None) -> Dashboard:
    """The dashboard of `dataset` (default: the one with the newest run) and `criterion`."""
    with store.session() as s:
        names = list(s.scalars(select(m.Dataset.name).order_by(m.Dataset.name)))
        dataset = dataset or _newest_run_dataset(s) or (names[0] if names else None)
        if dataset is None:
            return Dashboard(datasets=[], dataset=None, criteria=[], criterion=None, comparisons=0,
                             annotations=0, contributing=0, overall=None, all_metrics=[],
                             metrics=[])
        ds = get_dataset(s, dataset)
        crits = dataset_criteria(s, ds)
        crit = next((c for c in crits if c.name == criterion), crits[0] if crits else None)
        per_metric = _metric_comparisons(s, ds, crit, crits)
        chosen = [r for r in per_metric if not metrics or r[0] in metrics]
        rows = [_metric(name, run, comps) for name, run, comps in chosen]
        rows.sort(key=lambda r: (r.agreement.rate is None, -(r.agreement.rate or 0.0), r.metric))
        compared = {c.item_id for _, _, comps in chosen for c in comps if c.compared}
        return Dashboard(
            datasets=names, dataset=ds.name, criteria=[c.name for c in crits],
            criterion=crit.name if crit else None, comparisons=len(compared),
            annotations=_annotations(s, ds, crit, None),
            contributing=_annotations(s, ds, crit, compared),
            overall=agreement([c for _, _, comps in chosen for c in comps]) if chosen else None,
            all_metrics=[name for name, _, _ in per_metric], metrics=rows)


def _newest_run_dataset(s: Session) -> str | None:
    return s.scalar(select(m.Dataset.name).join(m.Run, m.Run.dataset_id == m.Dataset.id)
                    .order_by(m.Run.created_at.desc()).limit(1))


def _metric_comparisons(s: Session, ds: m.Dataset, crit: m.Criterion | None,
                        crits: list[m.Criterion]) -> list[tuple[str, m.Run, list[Comparison]]]:
    """Each judge's newest run on the dataset (completed ones preferred) and its comparisons."""
    runs = s.scalars(select(m.Run).where(m.Run.dataset_id == ds.id)
                     .order_by((m.Run.status == "completed").desc(), m.Run.created_at.desc(),
                               m.Run.id.desc()))
    out: list[tuple[str, m.Run, list[Comparison]]] = []
    seen: set[int] = set()
    humans = human_sides(s, ds.id, crit.id, scale_of(crit)) if crit is not None else None
    for run in runs:
        judge = run.judge_version.judge
        if judge.id in seen or crit is None:
            continue
        seen.add(judge.id)
        target = judge_criterion(s, judge, crits)
        if target is not None and target.id == crit.id:
            out.append((judge.name, run, run_comparisons(s, run, crit, humans)))
    return out


def _metric(name: str, run: m.Run, comps: list[Comparison]) -> MetricAlignment:
    compared = [c for c in comps if c.compared and c.human is not None and not c.pairwise]
    breakdown: dict[str, Counter[str]] = {k: Counter() for k in ("tp", "fn", "tn", "fp")}
    for c in compared:
        assert c.human is not None
        cell = ("t" if c.aligned else "f") + ("p" if c.judge_pass else "n")
        breakdown[cell].update(_annotation_name(v) for v in c.human.annotations or [c.human.value])
    return MetricAlignment(
        metric=name, run_id=run.id, version=run.judge_version.version,
        agreement=agreement(comps),
        human_pass=sum(bool(c.human and c.human.passed) for c in compared),
        human_fail=sum(not (c.human and c.human.passed) for c in compared),
        judge_pass=sum(bool(c.judge_pass) for c in compared),
        judge_fail=sum(not c.judge_pass for c in compared),
        breakdown={k: dict(v.most_common()) for k, v in breakdown.items()})


def _annotation_name(value: Any) -> str:
    if value in ("up", "down"):
        return f"thumbs {value}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _annotations(s: Session, ds: m.Dataset, crit: m.Criterion | None,
                 items: set[int] | None) -> int:
    if crit is None:
        return 0
    query = (select(func.count()).select_from(m.Label).join(m.Item, m.Item.id == m.Label.item_id)
             .where(m.Item.dataset_id == ds.id, m.Label.criterion_id == crit.id))
    if items is not None:
        if not items:
            return 0
        query = query.where(m.Label.item_id.in_(items))
    return s.scalar(query) or 0
