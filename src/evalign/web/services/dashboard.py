"""The Eval Alignment dashboard: every judge ("metric") against the humans, per criterion.

For one dataset and criterion it takes each judge's newest run on the dataset (a completed one
when there is one) whose criterion, by the one rule of `comparisons.criterion`, is that
criterion, and reports agreement per metric and overall under the page's policy — the figures
`evalign report RUN` prints for the same policy. Pass/fail scales show pass/fail counts with
the human values behind each confusion cell (under `consensus` the item's consensus, the value
compared; under `per_label` each label); pairwise scales count preferences (output 1,
output 2, tie) of humans and judge. Annotation counts are the annotators' own labels; an
adjudication is a decision, counted apart as `resolved` (`store.repo_label_counts`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel

from evalign.comparisons import (
    DEFAULT_POLICY,
    Policy,
    RunComparisons,
    both_policies,
    choose_criterion,
    compare,
    read_labels,
    read_run_data,
)
from evalign.comparisons.aligned import run_judge_criterion
from evalign.errors import CriterionChoiceError
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_comparisons import (
    CriterionRecord,
    RunRecord,
    dataset_id,
    dataset_names,
    dataset_runs,
    item_keys,
    labeled_criteria,
    newest_run_dataset,
)
from evalign.store.repo_label_counts import label_counts
from evalign.store.session import Session
from evalign.web.services.agreement import Agreement, agreement
from evalign.web.services.runs import cell_of


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
    """Per confusion cell (tp/fn/tn/fp, or `hXjY` on a pairwise scale): how many compared human
    values of each kind are behind it (one per comparison: the item's consensus under
    `consensus`, the label under `per_label`)."""


class Dashboard(BaseModel):
    """Everything on the Eval Alignment page."""

    datasets: list[str]
    dataset: str | None
    criteria: list[str]
    criterion: str | None
    policy: Policy
    pairwise: bool
    comparisons: int
    annotations: int
    """The annotators' own labels on the criterion (resolutions are in `resolved`)."""
    contributing: int
    """Own labels behind at least one compared pair (none of an item a resolution decided)."""
    overall: Agreement | None
    all_metrics: list[str]
    metrics: list[MetricAlignment]
    unplaced: list[str] = []
    """Judges with runs here whose criterion is ambiguous (several labeled, none set)."""
    resolved: int = 0
    """Items of the criterion an adjudicator resolved (their resolution is the consensus)."""


def dashboard(store: Store, dataset: str | None = None, criterion: str | None = None,
              metrics: list[str] | None = None, policy: Policy = DEFAULT_POLICY) -> Dashboard:
    """The dashboard of `dataset` (default: the one with the newest run) and `criterion`."""
    with store.session() as s:
        names = dataset_names(s)
        dataset = dataset or newest_run_dataset(s) or (names[0] if names else None)
        if dataset is None:
            return Dashboard(datasets=[], dataset=None, criteria=[], criterion=None,
                             policy=policy, pairwise=False, comparisons=0, annotations=0,
                             contributing=0, overall=None, all_metrics=[], metrics=[])
        ds = dataset_id(s, dataset)
        crits = {c.name: c for c in labeled_criteria(s, ds)}
        crit = crits.get(criterion or "") or _default_tab(crits)
        runs, unplaced = _newest_runs(s, dataset_runs(s, ds), crit,
                                      {n: c.scale for n, c in crits.items()})
        labels, keys = read_labels(s, ds, crit), item_keys(s, ds)
        counts = label_counts(s, ds, crit.name) if crit else None
        per_metric: list[tuple[RunRecord, RunComparisons, dict[str, Any]]] = []
        for run in runs:
            data = read_run_data(s, run, crit, labels=labels, keys=keys)
            loaded = compare(data, policy)
            per_metric.append((run, loaded, both_policies(data, loaded)))
    chosen = [r for r in per_metric if not metrics or r[0].judge in metrics]
    rows = [_metric(run, loaded, both) for run, loaded, both in chosen]
    rows.sort(key=lambda r: (r.agreement.rate is None, -(r.agreement.rate or 0.0), r.metric))
    every = [p for _, loaded, _ in chosen for p in loaded.comparisons]
    excluded: Counter[str] = Counter()
    for _, loaded, _ in chosen:
        excluded.update(loaded.excluded)
    overall = agreement(every, dict(excluded), policy) if chosen else None
    return Dashboard(
        datasets=names, dataset=dataset, criteria=sorted(crits),
        criterion=crit.name if crit else None, policy=policy,
        pairwise=bool(crit and crit.scale.kind == "pairwise"),
        comparisons=overall.n if overall else 0,
        annotations=counts.own() if counts else 0,
        contributing=_contributing([loaded for _, loaded, _ in chosen]),
        overall=overall, all_metrics=[run.judge for run, _, _ in per_metric], metrics=rows,
        unplaced=unplaced, resolved=counts.resolutions() if counts else 0)


def _default_tab(crits: dict[str, CriterionRecord]) -> CriterionRecord | None:
    """The tab shown first: the criterion the rule picks without a judge, else the first."""
    try:
        name = choose_criterion(None, None, list(crits))
    except CriterionChoiceError:
        name = sorted(crits)[0]
    return crits.get(name or "")


def _newest_runs(session: Session, runs: list[RunRecord], crit: CriterionRecord | None,
                 labeled: dict[str, ScoreConfig]) -> tuple[list[RunRecord], list[str]]:
    """Each judge's newest run (completed preferred) judging `crit`; and the judges whose
    criterion the rule cannot choose."""
    newest: dict[int, RunRecord] = {}
    for run in sorted(runs, key=lambda r: (r.status == "completed", r.id)):
        newest[run.judge_id] = run
    placed, unplaced = [], []
    for run in newest.values():
        try:
            name = choose_criterion(None, run_judge_criterion(session, run), labeled,
                                    run.judge_scale)
        except CriterionChoiceError:
            unplaced.append(run.judge)
            continue
        if crit is not None and name == crit.name:
            placed.append(run)
    return placed, sorted(unplaced)


def _metric(run: RunRecord, loaded: RunComparisons, both: dict[str, Any]) -> MetricAlignment:
    other = next((both[p] for p in both if p not in (loaded.policy, "differ")), None)
    figures = agreement(loaded.comparisons, loaded.excluded, loaded.policy,
                        other if both["differ"] else None)
    breakdown: dict[str, Counter[str]] = {}
    hp = hf = jp = jf = 0
    for item in loaded.items:
        for pair in item.compared:
            breakdown.setdefault(cell_of(pair), Counter())[annotation_name(pair.human)] += 1
            if pair.human_scale.kind != "pairwise":
                hp, hf = hp + bool(pair.human_pass()), hf + (not pair.human_pass())
                jp, jf = jp + bool(pair.judge_pass()), jf + (not pair.judge_pass())
    if not loaded.human_scale or loaded.human_scale.kind != "pairwise":
        for cell in ("tp", "fn", "tn", "fp"):
            breakdown.setdefault(cell, Counter())
    return MetricAlignment(
        metric=run.judge, run_id=run.id, version=run.version, agreement=figures,
        human_pass=hp, human_fail=hf, judge_pass=jp, judge_fail=jf,
        breakdown={k: dict(v.most_common()) for k, v in breakdown.items()})


def annotation_name(value: Any) -> str:
    """How an annotation value reads in a breakdown ("thumbs up", "4", "pass")."""
    if value in ("up", "down"):
        return f"thumbs {value}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _contributing(runs: list[RunComparisons]) -> int:
    """Own labels behind at least one compared pair of the chosen metrics: per label, the
    label compared; under consensus, every own label of a compared item that no resolution
    decided (a resolution is not an annotator's label)."""
    used: set[tuple[int, str]] = set()
    for loaded in runs:
        for item in loaded.items:
            if not item.compared:
                continue
            own = {r.annotator for r in item.ratings if not r.resolved}
            if loaded.policy == "per_label":
                used.update((item.key.id, p.annotator) for p in item.compared
                            if p.annotator in own)
            elif len(own) == len(item.ratings):  # no resolution decided the item
                used.update((item.key.id, name) for name in own)
    return len(used)
