"""A dataset's labels as ratings for inter-annotator agreement (`evalign agreement DATASET`).

Runs are read through `evalign.comparisons`; this module only reads labels without a run.
`load_run` and `pick_criterion` are that read model under the names callers already use.
"""

from __future__ import annotations

from collections.abc import Hashable

from evalign.comparisons import (
    DEFAULT_POLICY,
    Policy,
    RunComparisons,
    load_comparisons,
    read_labels,
    resolve_criterion,
)
from evalign.errors import NotFoundError
from evalign.scores import ScoreConfig, Value
from evalign.store import Store
from evalign.store.repo_comparisons import CriterionRecord, dataset_id, item_keys
from evalign.store.session import Session


def load_run(store: Store, run_id: int, *, criterion: str | None = None,
             policy: Policy = DEFAULT_POLICY) -> RunComparisons:
    """A run's comparisons (`comparisons.load_comparisons`, items included)."""
    return load_comparisons(store, run_id, criterion=criterion, policy=policy, with_items=True)


def pick_criterion(session: Session, dataset: int, name: str | None,
                   judge_criterion: str | None = None) -> CriterionRecord:
    """The criterion the one rule (`comparisons.criterion`) picks on a dataset.

    Raises:
        NotFoundError: no such criterion, or the dataset has no labels.
        CriterionChoiceError: labels on several criteria and none named.
    """
    found = resolve_criterion(session, dataset, name, judge_criterion)
    if found is None:
        raise NotFoundError("the dataset has no human labels: import or add labels first")
    return found


def dataset_ratings(
    store: Store, dataset: str, criterion: str | None = None
) -> tuple[str, ScoreConfig, dict[Hashable, dict[str, Value]]]:
    """A dataset's own labels (no resolutions) on one criterion: item external id →
    {annotator: value}; the criterion chosen by the one rule (`comparisons.criterion`).

    Raises:
        NotFoundError: no such dataset or criterion, or the dataset has no labels.
        CriterionChoiceError: labels on several criteria and none named.
    """
    with store.session() as session:
        ds = dataset_id(session, dataset)
        crit = resolve_criterion(session, ds, criterion, None, judged=False)
        if crit is None:
            raise NotFoundError(f"dataset {dataset!r} has no human labels: import or add "
                                "labels first")
        external = {key.id: key.external_id for key in item_keys(session, ds)}
        ratings: dict[Hashable, dict[str, Value]] = {}
        for item_id, labels in read_labels(session, ds, crit).items():
            per: dict[str, Value] = {}
            for label in labels:
                try:
                    if not label.resolved:
                        per[label.annotator] = crit.scale.parse_value(label.value)
                except ValueError:
                    continue  # a label its scale no longer reads has no rating to agree on
            if per:
                ratings[external[item_id]] = per
        return crit.name, crit.scale, ratings
