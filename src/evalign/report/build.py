"""The report functions the CLI and web app call: store in, JSON-ready dicts out.

`run_report` builds exactly what `evalign report RUN --format json` prints and what
`GET /api/runs/RUN/report` answers; `report_json` is the one serialization both use.
Comparisons come from `evalign.comparisons` (the one read model).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

from evalign.comparisons import (
    DEFAULT_POLICY,
    POLICY_WORDS,
    Policy,
    RunComparisons,
    both_policies,
    compare,
    load_comparisons,
    read_run,
)
from evalign.errors import ConfigError, NotFoundError
from evalign.report.criterion import ReportCriterion, report_criterion
from evalign.report.load import dataset_ratings
from evalign.report.paired import pair_with
from evalign.scores import ScoreConfig
from evalign.stats.annotators import Ratings, annotator_agreement, majority
from evalign.stats.bias import length_preference
from evalign.stats.binary import wilson_ci
from evalign.stats.breakdown import breakdown
from evalign.stats.ceiling import basis_words, ceiling_figures
from evalign.stats.comparison import Comparison
from evalign.stats.preferences import preference_counts
from evalign.stats.raters import judge_vs_raters
from evalign.stats.report import agreement_report, finite, paired_report
from evalign.stats.stability import stability
from evalign.store import Store

Kind = Literal["fp", "fn", "discrepancy"]


def run_report(
    store: Store,
    run_id: int,
    *,
    vs: int | None = None,
    by: str | None = None,
    criterion: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """The agreement report of one run (the JSON of `evalign report RUN --format json`).

    Args:
        store: the store.
        run_id: the run to report on.
        vs: a second run on the same items: adds `paired` (difference = vs − run).
        by: a breakdown key (judge, criterion, annotator, or an item field / metadata key).
        criterion: the labels' criterion (default: `report.criterion.report_criterion`: the
            one rule of `comparisons.criterion`, else the criterion of the alignment run the
            judge version was accepted from); the run block's `criterion_source` says why.
        policy: `consensus` (one comparison per item: the alignment outcome's human side,
            so a held-out run repeats its outcome's test figures) or `per_label` (one per
            label).

    Raises:
        NotFoundError: no such run or criterion, or the dataset has no labels.
        CriterionChoiceError: labels on several criteria and nothing names one.
        ConfigError: `vs` is a run on another dataset.
        PairCriterionError: without `criterion`, `vs` is read on another criterion than
            `run_id` (`report.paired`).
    """
    chosen = report_criterion(store, run_id, criterion)
    data = read_run(store, run_id, criterion=chosen.name, with_items=True)
    loaded = compare(data, policy)
    if loaded.criterion is None:
        raise NotFoundError(f"dataset {loaded.run.dataset!r} has no human labels: import or "
                            "add labels first")
    report: dict[str, Any] = {"run": _run_block(loaded, chosen)}
    report.update(agreement_report(loaded.comparisons, excluded=loaded.excluded))
    report["policies"] = both_policies(data, loaded)
    if chosen.warning:
        report["warnings"].insert(0, chosen.warning)
    if loaded.run.status != "completed":
        report["warnings"].insert(0, f"run {run_id} is {loaded.run.status}: the figures cover "
                                  f"the {loaded.verdicts} verdicts stored so far")
    if vs is not None:
        report["paired"] = _paired_block(store, loaded, chosen, vs)
    if by is not None:
        report["breakdown"] = {"by": by, "rows": breakdown(loaded.comparisons, by)}
    report["annotators"] = _annotator_block(loaded, report["policies"])
    report["preferences"] = preference_counts(loaded.comparisons)
    report["bias"] = _bias_block(loaded)
    if report["bias"] and report["bias"]["order_inconsistent"]:
        report["warnings"].append(_position_warning(report["bias"]))
    if any(len(v) > 1 for v in loaded.samples.values()):
        report["stability"] = stability(loaded.samples)
    report["disagreements"] = disagreement_rows(loaded)
    cleaned: dict[str, Any] = json.loads(report_json(report))
    return cleaned


def report_json(report: dict[str, Any]) -> str:
    """The report as the JSON text the CLI prints and the API answers (NaN → null)."""
    return json.dumps(finite(report), indent=2, default=str, ensure_ascii=False) + "\n"


def _paired_block(store: Store, loaded: RunComparisons, chosen: ReportCriterion,
                  vs: int) -> dict[str, Any]:
    """`loaded` against run `vs` on one criterion (`report.paired`: each run's own, refused
    when they differ); `criterion` and `criterion_words` say which and why."""
    pair = pair_with(store, loaded, chosen, vs)
    other = pair.second
    if other.run.dataset_id != loaded.run.dataset_id:
        raise ConfigError(f"run {vs} is on dataset {other.run.dataset!r}, run "
                          f"{loaded.run.id} on {loaded.run.dataset!r}: --vs needs two runs on "
                          "the same items")
    paired = paired_report(loaded.comparisons, other.comparisons)
    paired["baseline_run"], paired["candidate_run"] = loaded.run.id, vs
    paired["criterion"], paired["criterion_words"] = pair.criterion, pair.words
    paired["candidate"] = _run_block(other)
    return paired


def judges_report(
    store: Store, run_ids: list[int], *, criterion: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """Several runs (judges or judge versions) on the same labels, ranked by agreement.

    Returns `{"criterion", "policy", "runs": [run blocks], "rows": [breakdown rows by
    judge]}`; each row's `group` is `NAME@vN`, and `run` is its run id.
    """
    blocks: list[dict[str, Any]] = []
    comparisons: list[Comparison] = []
    by_judge: dict[str, int] = {}
    for run_id in run_ids:
        loaded = load_comparisons(store, run_id, criterion=criterion, policy=policy)
        criterion = loaded.criterion
        blocks.append(_run_block(loaded))
        name = f"{loaded.run.judge}@v{loaded.run.version}"
        label = name if name not in by_judge else f"{name}#run{run_id}"
        by_judge[label] = run_id
        comparisons += [replace(c, judge_name=label) for c in loaded.comparisons]
    rows = breakdown(comparisons, "judge")
    for row in rows:
        row["run"] = by_judge[str(row["group"])]
    return {"criterion": criterion, "policy": policy, "runs": blocks, "rows": rows}


def _run_block(loaded: RunComparisons, chosen: ReportCriterion | None = None
               ) -> dict[str, Any]:
    """The run's summary; with `chosen`, why its criterion is the one (`criterion_source`)."""
    run = loaded.run
    return {"id": run.id, "judge": f"{run.judge}@v{run.version}", "dataset": run.dataset,
            "criterion": loaded.criterion,
            **({"criterion_source": chosen.to_dict()} if chosen else {}),
            "policy": loaded.policy,
            "policy_meaning": POLICY_WORDS[loaded.policy], "status": run.status,
            "human_scale": loaded.human_scale.spec() if loaded.human_scale else None,
            "judge_scale": loaded.judge_scale.spec(), "verdicts": loaded.verdicts,
            "errors": loaded.errors, "undecided": loaded.undecided,
            "unlabeled": loaded.unlabeled, "pending": loaded.pending,
            "scope": run.scope}


def _annotator_block(loaded: RunComparisons, policies: dict[str, Any]) -> dict[str, Any] | None:
    """The annotators' agreement among themselves on the run's items: the very function of
    `evalign agreement DATASET` and of an alignment outcome's ceiling
    (`stats.ceiling.ceiling_figures`: every item with ≥ 2 annotators, tied ones included,
    coded as the headline agreement is), on this run's items and labeled so (`basis`,
    `basis_words`: a held-out run's items are its alignment's test items, not every labeled
    item as the outcome's ceiling).

    Under `consensus` the headline already is the judge against the annotators' consensus, so
    no second judge figure is given. Under `per_label`, `judge_vs_consensus` is the consensus
    policy's headline agreement (`policies["consensus"]`, `comparisons.headline`) over
    `judge_vs_consensus_items` comparisons, never a majority of its own.
    """
    ratings = loaded.ratings()
    multi = {k: v for k, v in ratings.items() if len(v) >= 2}
    scale = loaded.human_scale
    if not multi or scale is None:
        return None
    held_out = (loaded.run.scope or {}).get("kind") == "held_out"
    block = ceiling_figures(ratings, scale, "held_out_run" if held_out else "run")
    if block is None:
        return None
    if loaded.policy == "per_label":
        block["judge_vs_consensus"] = policies["consensus"]["agreement"]
        block["judge_vs_consensus_items"] = policies["consensus"]["comparisons"]
    block["raters"] = _raters_block(loaded, multi, scale)
    return block


def _raters_block(loaded: RunComparisons, multi: Ratings, scale: ScoreConfig
                  ) -> dict[str, Any] | None:
    """A numeric judge vs the raters' mean and each rater (`stats.raters.judge_vs_raters`)."""
    if loaded.judge_scale.group != "numeric":
        return None
    judge = {item.key.id: loaded.judge_scale.to_100(item.verdict.value) for item in loaded.items
             if item.verdict is not None and item.verdict.value is not None}
    return judge_vs_raters(multi, scale, {k: v for k, v in judge.items() if v is not None})


def _bias_block(loaded: RunComparisons) -> dict[str, Any] | None:
    """Pairwise probes: position-swap consistency and preference for the longer output."""
    if loaded.human_scale is None or loaded.human_scale.kind != "pairwise":
        return None
    swaps = list(loaded.swap_consistent.values())
    judge = {item.key.id: int(item.verdict.value) for item in loaded.items
             if item.verdict is not None and item.verdict.value is not None and item.compared}
    keys = [k for k in judge if k in loaded.records]
    ratings = loaded.ratings()
    human = [majority(list(ratings.get(k, {}).values())) for k in keys]
    items = [loaded.records[k] for k in keys]
    length = length_preference(
        [judge[k] for k in keys], [int(h) if isinstance(h, (int, float)) else 0 for h in human],
        [len(i.output or "") for i in items], [len(i.output_2 or "") for i in items])
    # a verdict the judge's order policy left uncertain (judges.pairwise) is stored with that
    # error kind: the same verdicts `cannot_compare_causes.undecided_verdicts` counts
    uncertain = sum(1 for item in loaded.items
                    if item.verdict is not None and item.verdict.undecided)
    return {
        "position_swap_items": len(swaps),
        "order_inconsistent": len(swaps) - sum(swaps),
        "order_uncertain": uncertain,
        "position_consistency": sum(swaps) / len(swaps) if swaps else None,
        "position_consistency_ci": wilson_ci(sum(swaps), len(swaps)),
        "length": length,
    }


def _position_warning(bias: dict[str, Any]) -> str:
    k, n, u = bias["order_inconsistent"], bias["position_swap_items"], bias["order_uncertain"]
    counted = ("those verdicts count as ties, and a tie against a human's 1 or 2 is a "
               "disagreement") if not u else (
        f"{u} of them have no verdict (order policy 'uncertain') and are left out of the "
        "agreement" + (f"; the other {k - u} count as ties" if k > u else ""))
    return (f"position bias: the judge was order-inconsistent on {k} of {n} items (its "
            f"preference changed when the two outputs were swapped); {counted}")


def disagreement_rows(loaded: RunComparisons, kind: Kind | None = None) -> list[dict[str, Any]]:
    """The misaligned pairs (and numeric discrepancies), human reasoning next to the judge's.

    `kind` fp / fn keeps the judge's too-lenient / too-strict pass/fail disagreements;
    `discrepancy` keeps every pair whose 0–100 values differ by ≥ 20 points, aligned or not.
    """
    rows = []
    numeric = loaded.human_scale is not None and loaded.human_scale.group == "numeric"
    for item in loaded.items:
        for comp in item.compared:
            found = _kind(comp, numeric)
            far = comp.discrepancy()
            if found is None or (kind == "discrepancy" and not far) or (
                    kind in ("fp", "fn") and found != kind):
                continue
            rows.append(_row(loaded, comp, found) | {"discrepancy": far})
    return rows


def _kind(comp: Comparison, numeric: bool) -> str | None:
    if not comp.aligned():
        if comp.human_scale.kind == "pairwise":
            return "mismatch"
        return "fp" if comp.judge_pass() else "fn"
    if numeric and comp.discrepancy():
        return "discrepancy"
    return None


def _row(loaded: RunComparisons, comp: Comparison, kind: str) -> dict[str, Any]:
    item = loaded.records.get(int(comp.item_id))
    return {
        "item_id": comp.item_id, "external_id": item.external_id if item else None,
        "kind": kind, "annotator": comp.annotator, "human": comp.human, "judge": comp.judge,
        "human_pass": comp.human_pass(), "judge_pass": comp.judge_pass(),
        "p_pass": comp.p_pass, "delta_100": comp.delta_100(),
        "human_reasoning": comp.human_reasoning, "judge_reasoning": comp.judge_reasoning,
        "inputs": item.inputs if item else {}, "output": item.output if item else None,
        "output_2": item.output_2 if item else None,
    }


def disagreements(
    store: Store, run_id: int, *, kind: Kind | None = None, criterion: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """`evalign disagreements RUN`: the run summary and its misaligned items, on the
    criterion `run_report` would choose."""
    chosen = report_criterion(store, run_id, criterion)
    loaded = load_comparisons(store, run_id, criterion=chosen.name, policy=policy,
                              with_items=True)
    rows = disagreement_rows(loaded, kind)
    return {"run": _run_block(loaded, chosen), "kind": kind, "count": len(rows),
            "items": rows}


def dataset_agreement(
    store: Store, dataset: str, *, criterion: str | None = None
) -> dict[str, Any]:
    """`evalign agreement DATASET`: inter-annotator agreement on one criterion."""
    name, scale, ratings = dataset_ratings(store, dataset, criterion)
    result = annotator_agreement(ratings, scale)
    return {"dataset": dataset, "criterion": name, "scale": scale.spec(), **result,
            "basis": "dataset", "basis_words": basis_words("dataset", int(result["items"]))}
