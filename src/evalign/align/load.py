"""Loading an alignment run's labeled examples (and source verdicts) through the read model.

From `--dataset NAME`: the dataset's items with labels on the criterion (named, else the
judge's, else by the one rule of `comparisons.criterion`). From `--from-run RUN ...`: each
completed run's items with their labels, plus the run's verdicts, which stand in for the base
judge's verdicts when the run used the very judge version being aligned (no call is repeated).

An example carries one human label per item: the `consensus` policy's human side
(`comparisons.policy.consensus`: the adjudicated label, else the annotators' majority, or on a
numeric or star scale the mean of all raters), the very side a report compares under its
default policy, so a held-out run's report repeats the outcome's test figures. Items whose
annotators tie are left out, never guessed, and `Loaded.notes` says how many. Each example also
keeps every rater's own value (`Example.ratings`), and `Loaded.ratings` keeps them for every
labeled item, tied ones included: the human ceiling (`align.ceiling`) reads those, the items
`evalign agreement DATASET` reads.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from evalign.align.examples import Example
from evalign.comparisons import label_sides, read_labels, resolve_criterion
from evalign.errors import ConflictError, NotFoundError, UserError
from evalign.judges.spec import Verdict
from evalign.scores import Value
from evalign.store.repo_comparisons import (
    CriterionRecord,
    dataset_id,
    run_record,
    run_verdicts,
)
from evalign.store.repo_items import iter_items
from evalign.store.session import Session


@dataclass
class Loaded:
    """What an alignment run learns from.

    Attributes:
        examples: labeled items, in dataset order.
        verdicts: for some example indices, the base judge's verdict from a source run.
        criterion: the criterion compared.
        sources: the datasets and runs read, for the history.
        notes: what was left out and why (tied annotators, unreadable labels).
        ratings: item id → {annotator: value} of the annotators' own readable labels (no
            adjudications) on every labeled item of the sources, tied items included, not
            sampled: the human ceiling's items.
    """

    examples: list[Example] = field(default_factory=list)
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    criterion: str = "default"
    sources: dict[str, list[object]] = field(default_factory=lambda: {"datasets": [],
                                                                      "runs": []})
    notes: list[str] = field(default_factory=list)
    ratings: dict[Hashable, dict[str, Value]] = field(default_factory=dict)


def load_dataset(session: Session, name: str, criterion: str | None) -> Loaded:
    """The labeled items of dataset `name` for `criterion` (None: by the one rule).

    Raises:
        NotFoundError: no such dataset or criterion.
        CriterionChoiceError: labels on several criteria and none named.
        UserError: no item carries a usable label.
    """
    ds = dataset_id(session, name)
    row = _criterion(session, ds, criterion, f"dataset {name!r}")
    loaded = Loaded(criterion=row.name)
    loaded.sources["datasets"].append(name)
    _add_examples(session, loaded, ds, row)
    if not loaded.examples:
        raise UserError(f"dataset {name!r} has no usable labels on criterion {row.name!r}: "
                        "label items first" + _why(loaded))
    return loaded


def load_runs(session: Session, run_ids: Sequence[int], judge_version_id: int,
              criterion: str | None, model: str | None = None) -> Loaded:
    """The labeled items of completed runs, with their verdicts when the run used the same
    judge version (and `model`, when given).

    Raises:
        NotFoundError: no such run.
        ConflictError: a run is not completed.
        UserError: no item carries a usable label.
    """
    loaded = Loaded()
    for run_id in run_ids:
        run = run_record(session, run_id)
        if run.status != "completed":
            raise ConflictError(f"run {run_id} is {run.status}: align from completed runs only")
        row = _criterion(session, run.dataset_id, criterion or run.judge_criterion,
                         f"run {run_id}'s dataset")
        loaded.criterion = row.name
        start = len(loaded.examples)
        positions = _add_examples(session, loaded, run.dataset_id, row)
        loaded.sources["runs"].append(run_id)
        loaded.sources["datasets"].append(run.dataset)
        if run.judge_version_id == judge_version_id and model in (None, run.model):
            for item_id, verdict in run_verdicts(session, run_id).items():
                index = positions.get(item_id)
                if index is not None:
                    loaded.verdicts[start + index] = verdict
    if not loaded.examples:
        raise UserError("the source runs' items carry no usable human labels: label them "
                        "first" + _why(loaded))
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
        criterion=loaded.criterion, sources=loaded.sources, notes=loaded.notes,
        ratings=loaded.ratings)


def _criterion(session: Session, ds: int, name: str | None, where: str) -> CriterionRecord:
    found = resolve_criterion(session, ds, name, None)
    if found is None:
        raise NotFoundError(f"{where} has no labels: import or add labels first")
    return found


def _add_examples(session: Session, loaded: Loaded, ds: int,
                  criterion: CriterionRecord) -> dict[int, int]:
    """Append the dataset's labeled items; returns item id → index within this dataset."""
    labels = read_labels(session, ds, criterion)
    positions: dict[int, int] = {}
    tied = unreadable = 0
    for item in iter_items(session, ds):
        if item.id is None or item.id not in labels:
            continue
        ratings, sides, bad = label_sides(labels[item.id], criterion.scale, "consensus")
        raters = {r.annotator: r.value for r in ratings if not r.resolved}
        if raters:
            loaded.ratings[item.id] = raters
        side = sides[0] if sides else None
        if side is None:
            tied += not bad
            unreadable += bad
            continue
        positions[item.id] = len(positions)
        loaded.examples.append(Example(item, side.value, criterion.scale, side.reasoning,
                                       ratings=raters))
    if tied:
        loaded.notes.append(f"{tied} items left out: their annotators tie and no adjudicated "
                            "label decides (resolve them in the queue to use them)")
    if unreadable:
        loaded.notes.append(f"{unreadable} items left out: their labels do not read on the "
                            f"scale of {criterion.name!r}")
    return positions


def _why(loaded: Loaded) -> str:
    return f" ({'; '.join(loaded.notes)})" if loaded.notes else ""
