"""Loading an alignment run's labeled examples (and source verdicts) from the store.

From `--dataset NAME`: the dataset's items with labels on the judge's criterion (or the
dataset's only one). From `--from-run RUN ...`: each completed run's items with their labels,
plus the run's verdicts, which stand in for the base judge's verdicts when the run used the
very judge version being aligned (no call is repeated).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.align.examples import Example
from evalign.errors import ConflictError, NotFoundError, UserError
from evalign.judges.spec import CheckResult, Verdict
from evalign.store import models as m
from evalign.store.repo_datasets import (
    criterion_for,
    get_dataset,
    iter_items,
    labels_for,
    scale_of,
)


@dataclass
class Loaded:
    """What an alignment run learns from.

    Attributes:
        examples: labeled items, in dataset order.
        verdicts: for some example indices, the base judge's verdict from a source run.
        criterion: the criterion compared.
        sources: the datasets and runs read, for the history.
    """

    examples: list[Example] = field(default_factory=list)
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    criterion: str = "default"
    sources: dict[str, list[object]] = field(default_factory=lambda: {"datasets": [],
                                                                      "runs": []})


def load_dataset(session: Session, name: str, criterion: str | None) -> Loaded:
    """The labeled items of dataset `name` for `criterion` (None: the dataset's only one)."""
    dataset = get_dataset(session, name)
    row = criterion_for(session, dataset.id, criterion)
    loaded = Loaded(criterion=row.name)
    loaded.sources["datasets"].append(name)
    _add_examples(session, loaded, dataset.id, row)
    if not loaded.examples:
        raise UserError(f"dataset {name!r} has no labels on criterion {row.name!r}: "
                        "label items first")
    return loaded


def load_runs(session: Session, run_ids: Sequence[int], judge_version_id: int,
              criterion: str | None, model: str | None = None) -> Loaded:
    """The labeled items of completed runs, with their verdicts when the run used the same
    judge version (and `model`, when given)."""
    loaded = Loaded()
    for run_id in run_ids:
        run = session.get(m.Run, run_id)
        if run is None:
            raise NotFoundError(f"no run {run_id}: see `evalign runs list`")
        if run.status != "completed":
            raise ConflictError(f"run {run_id} is {run.status}: align from completed runs only")
        row = criterion_for(session, run.dataset_id, criterion)
        loaded.criterion = row.name
        start = len(loaded.examples)
        positions = _add_examples(session, loaded, run.dataset_id, row)
        loaded.sources["runs"].append(run_id)
        dataset = session.get_one(m.Dataset, run.dataset_id)
        loaded.sources["datasets"].append(dataset.name)
        if run.judge_version_id == judge_version_id and model in (None, run.model):
            for verdict_row in session.scalars(sa.select(m.Verdict).where(
                    m.Verdict.run_id == run_id, m.Verdict.sample == 0)):
                index = positions.get(verdict_row.item_id)
                if index is not None:
                    loaded.verdicts[start + index] = to_verdict(verdict_row)
    if not loaded.examples:
        raise UserError("the source runs' items carry no human labels: label them first")
    return loaded


def sample_examples(loaded: Loaded, n: int, group_by: str | None, seed: int) -> Loaded:
    """At most about `n` examples, drawn by whole groups (seeded), in their original order."""
    if n >= len(loaded.examples):
        return loaded
    groups: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(loaded.examples):
        groups[example.group_key(group_by)].append(i)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    chosen: list[int] = []
    for key in keys:
        if len(chosen) >= n:
            break
        chosen.extend(groups[key])
    chosen.sort()
    remap = {old: new for new, old in enumerate(chosen)}
    return Loaded(
        examples=[loaded.examples[i] for i in chosen],
        verdicts={remap[i]: v for i, v in loaded.verdicts.items() if i in remap},
        criterion=loaded.criterion, sources=loaded.sources)


def to_verdict(row: m.Verdict) -> Verdict:
    """A stored verdict as a record."""
    checks = [CheckResult(str(c.get("question", "")), c.get("passed"), c.get("p_yes"))
              for c in row.checks or [] if isinstance(c, dict)]
    return Verdict(value=row.value, reasoning=row.reasoning, raw=row.raw, p_pass=row.p_pass,
                   error=row.error, error_kind=row.error_kind, checks=checks,
                   attempts=row.attempts, cached=row.cached, prompt_tokens=row.prompt_tokens,
                   completion_tokens=row.completion_tokens, latency_s=row.latency_s,
                   cost_usd=row.cost_usd, item_id=row.item_id, sample=row.sample)


def _add_examples(session: Session, loaded: Loaded, dataset_id: int,
                  criterion: m.Criterion) -> dict[int, int]:
    """Append the dataset's labeled items; returns item id → index within this dataset."""
    scale = scale_of(criterion)
    by_item: dict[int, list[tuple[object, str, bool]]] = defaultdict(list)
    for label in labels_for(session, dataset_id, criterion.name):
        by_item[label.item_id].append((label.value, label.reasoning, label.resolved))
    positions: dict[int, int] = {}
    for item in iter_items(session, dataset_id):
        if item.id is None or item.id not in by_item:
            continue
        value, reasoning = _one_label(by_item[item.id])
        positions[item.id] = len(positions)
        loaded.examples.append(Example(item, scale.parse_value(value), scale, reasoning))
    return positions


def _one_label(labels: list[tuple[object, str, bool]]) -> tuple[object, str]:
    """An adjudicated label wins; otherwise the most common value (first on a tie)."""
    for value, reasoning, resolved in labels:
        if resolved:
            return value, reasoning
    counts = Counter(repr(v) for v, _, _ in labels)
    top = counts.most_common(1)[0][0]
    value, reasoning, _ = next(t for t in labels if repr(t[0]) == top)
    return value, reasoning
