"""Comparisons from the store: a run's verdicts joined with its dataset's human labels.

Which labels: those of the criterion named by the caller, else the judge's criterion, else the
dataset's only labeled criterion; with several and none named, a `ConfigError` asks for
`--criterion`. Several annotators per item give one comparison per label (`view="labels"`);
`view="consensus"` keeps one per item: the resolved label when there is one, else the
annotators' majority (the mean for continuous numeric scales; items tied are left out).
Repeat runs compare sample 0; every sample feeds the stability block.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConfigError, NotFoundError
from evalign.items import Item
from evalign.scores import ScoreConfig, Value
from evalign.stats.annotators import majority
from evalign.stats.comparison import Comparison
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, scale_of
from evalign.store.repo_items import get_dataset, to_item
from evalign.store.repo_labels import dataset_criteria
from evalign.store.repo_runs import get_run

View = Literal["labels", "consensus"]


@dataclass
class RunComparisons:
    """A run's comparisons with what a report shows around them."""

    run_id: int
    judge: str
    dataset: str
    criterion: str
    status: str
    human_scale: ScoreConfig
    judge_scale: ScoreConfig
    comparisons: list[Comparison]
    items: dict[int, Item]
    ratings: dict[Hashable, dict[str, Value]] = field(default_factory=dict)
    samples: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    swap_consistent: dict[int, bool] = field(default_factory=dict)
    verdicts: int = 0
    errors: int = 0
    unlabeled: int = 0


def load_run(
    store: Store, run_id: int, *, criterion: str | None = None, view: View = "labels"
) -> RunComparisons:
    """Load a run's comparisons.

    Raises:
        NotFoundError: no such run or criterion.
        ConfigError: the criterion is ambiguous, or its scale cannot be compared with the judge's.
    """
    with store.session() as session:
        run = get_run(session, run_id)
        version = run.judge_version
        judge = version.judge
        crit = pick_criterion(session, run.dataset_id, criterion, judge.criterion_id)
        human_scale = scale_of(crit)
        judge_scale = ScoreConfig.parse(version.scale)
        labels = _labels(session, run.dataset_id, crit.id)
        rows = session.execute(
            sa.select(m.Verdict, m.Item).join(m.Item, m.Item.id == m.Verdict.item_id)
            .where(m.Verdict.run_id == run_id).order_by(m.Item.position, m.Verdict.sample)
        ).all()
        items = {item.id: to_item(item) for _, item in rows}
        loaded = RunComparisons(
            run_id=run_id, judge=f"{judge.name}@v{version.version}", dataset=run.dataset.name,
            criterion=crit.name, status=run.status, human_scale=human_scale,
            judge_scale=judge_scale, comparisons=[], items=items,
        )
        _fill(loaded, rows, labels, version.threshold, view)
        return loaded


def pick_criterion(
    session: Session, dataset_id: int, name: str | None, judge_criterion_id: int | None
) -> m.Criterion:
    """The criterion a report compares on (see the module docstring)."""
    if name is not None:
        named = get_criterion(session, name)
        if named is None:
            raise NotFoundError(f"no criterion named {name!r}")
        return named
    if judge_criterion_id is not None:
        found = session.get(m.Criterion, judge_criterion_id)
        if found is not None:
            return found
    labeled = dataset_criteria(session, dataset_id)
    if not labeled:
        raise NotFoundError("the dataset has no human labels: import or add labels first")
    if len(labeled) > 1:
        names = ", ".join(c.name for c in labeled)
        raise ConfigError(f"the dataset has labels on several criteria ({names}): "
                          "choose one with --criterion")
    return labeled[0]


def dataset_ratings(
    store: Store, dataset: str, criterion: str | None = None
) -> tuple[str, ScoreConfig, dict[Hashable, dict[str, Value]]]:
    """A dataset's labels on one criterion as item external id → {annotator: value}."""
    with store.session() as session:
        ds = get_dataset(session, dataset)
        crit = pick_criterion(session, ds.id, criterion, None)
        scale = scale_of(crit)
        ratings: dict[int, dict[str, Value]] = {}
        for item_id, label in _labels(session, ds.id, crit.id).items():
            ratings[item_id] = {a: scale.parse_value(lab.value) for a, lab in label.items()
                                if not lab.resolved}
        ids = {item_id: ext for item_id, ext in session.execute(
            sa.select(m.Item.id, m.Item.external_id).where(m.Item.dataset_id == ds.id))}
        return crit.name, scale, {ids[k]: v for k, v in ratings.items() if v}


def _labels(session: Session, dataset_id: int, criterion_id: int) -> dict[int, dict[str, m.Label]]:
    query = (sa.select(m.Label).join(m.Item, m.Item.id == m.Label.item_id)
             .where(m.Item.dataset_id == dataset_id, m.Label.criterion_id == criterion_id)
             .order_by(m.Label.item_id, m.Label.annotator))
    found: dict[int, dict[str, m.Label]] = {}
    for label in session.scalars(query):
        found.setdefault(label.item_id, {})[label.annotator] = label
    return found


def _fill(
    loaded: RunComparisons,
    rows: Any,
    labels: dict[int, dict[str, m.Label]],
    threshold: float | None,
    view: View,
) -> None:
    hs, js = loaded.human_scale, loaded.judge_scale
    for verdict, item in rows:
        loaded.verdicts += 1
        value = _parse(js, verdict.value) if verdict.error is None else None
        loaded.errors += verdict.error is not None
        if value is not None:
            probe = Comparison(item.id, value, value, js, js, verdict.p_pass, threshold)
            loaded.samples.setdefault(item.id, []).append(probe.judge_pass()
                                                          if hs.kind != "pairwise" else value)
        if verdict.sample != 0:
            continue
        for check in verdict.checks or []:
            # pairwise judges record whether their preference survived swapping the outputs
            if isinstance(check, dict) and "swap" in str(check.get("question", "")) \
                    and check.get("passed") is not None:
                loaded.swap_consistent[item.id] = bool(check["passed"])
        per = labels.get(item.id, {})
        if not per:
            loaded.unlabeled += 1
            continue
        plain = {a: _parse(hs, lab.value) for a, lab in per.items() if not lab.resolved}
        loaded.ratings[item.id] = {a: v for a, v in plain.items() if v is not None}
        for annotator, human, reasoning in _human_side(hs, per, view):
            loaded.comparisons.append(Comparison(
                item_id=item.id, human=human, judge=value, human_scale=hs, judge_scale=js,
                p_pass=verdict.p_pass, judge_threshold=threshold, criterion=loaded.criterion,
                judge_name=loaded.judge, annotator=annotator, slices=_slices(item),
                human_reasoning=reasoning, judge_reasoning=verdict.reasoning or verdict.error
                or "", sample=verdict.sample,
            ))


def _human_side(
    scale: ScoreConfig, per: dict[str, m.Label], view: View
) -> list[tuple[str, Value, str]]:
    parsed = [(a, _parse(scale, lab.value), lab.reasoning or "", lab.resolved)
              for a, lab in per.items()]
    valid = [(a, v, r, res) for a, v, r, res in parsed if v is not None]
    if view == "labels":
        return [(a, v, r) for a, v, r, _ in valid]
    resolved = [(a, v, r) for a, v, r, res in valid if res]
    if resolved:
        return resolved[:1]
    if not valid:
        return []
    if scale.kind == "numeric":
        mean = float(np.mean([float(v) for _, v, _, _ in valid]))
        return [("consensus", mean, " | ".join(r for _, _, r, _ in valid if r))]
    top = majority([v for _, v, _, _ in valid])
    if top is None:
        return []
    reasons = " | ".join(r for _, v, r, _ in valid if v == top and r)
    return [("majority", cast(Value, top), reasons)]


def _parse(scale: ScoreConfig, raw: Any) -> Value | None:
    try:
        return scale.parse_value(raw)
    except ValueError:
        return None


def _slices(row: m.Item) -> dict[str, Any]:
    fields: dict[str, Any] = {"external_id": row.external_id}
    for key, value in (row.inputs or {}).items():
        if isinstance(value, (str, int, float, bool)) and len(str(value)) <= 200:
            fields[key] = value
    fields.update({k: v for k, v in (row.meta or {}).items()
                   if isinstance(v, (str, int, float, bool)) or v is None})
    return fields
