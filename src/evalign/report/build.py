"""The report functions the CLI and web app call: store in, JSON-ready dicts out."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from typing import Any, Literal

from evalign.errors import ConfigError
from evalign.report.load import RunComparisons, View, dataset_ratings, load_run
from evalign.stats.annotators import annotator_agreement, judge_vs_majority, majority
from evalign.stats.bias import length_preference
from evalign.stats.binary import wilson_ci
from evalign.stats.breakdown import breakdown
from evalign.stats.comparison import Comparison, normalize
from evalign.stats.numeric import DISCREPANCY_DELTA
from evalign.stats.report import agreement_report, paired_report
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
    view: View = "labels",
) -> dict[str, Any]:
    """The agreement report of one run (the JSON of `evalign report RUN --format json`).

    Args:
        store: the store.
        run_id: the run to report on.
        vs: a second run on the same items: adds `paired` (difference = vs − run).
        by: a breakdown key (judge, criterion, annotator, or an item field / metadata key).
        criterion: the labels' criterion (default: the judge's, else the dataset's only one).
        view: `labels` (one comparison per label) or `consensus` (one per item).
    """
    loaded = load_run(store, run_id, criterion=criterion, view=view)
    report: dict[str, Any] = {"run": _run_block(loaded)}
    report.update(agreement_report(loaded.comparisons))
    if loaded.status != "completed":
        report["warnings"].insert(0, f"run {run_id} is {loaded.status}: the figures cover the "
                                  f"{loaded.verdicts} verdicts stored so far")
    if vs is not None:
        other = load_run(store, vs, criterion=loaded.criterion, view=view)
        if other.dataset != loaded.dataset:
            raise ConfigError(f"run {vs} is on dataset {other.dataset!r}, run {run_id} on "
                              f"{loaded.dataset!r}: --vs needs two runs on the same items")
        paired = paired_report(loaded.comparisons, other.comparisons)
        paired["baseline_run"], paired["candidate_run"] = run_id, vs
        paired["candidate"] = _run_block(other)
        report["paired"] = paired
    if by is not None:
        report["breakdown"] = {"by": by, "rows": breakdown(loaded.comparisons, by)}
    report["annotators"] = _annotator_block(loaded)
    report["bias"] = _bias_block(loaded)
    if any(len(v) > 1 for v in loaded.samples.values()):
        report["stability"] = stability(loaded.samples)
    report["disagreements"] = disagreement_rows(loaded)
    return report


def judges_report(
    store: Store, run_ids: list[int], *, criterion: str | None = None
) -> dict[str, Any]:
    """Several runs (judges or judge versions) on the same labels, ranked by agreement.

    Returns `{"criterion", "runs": [run blocks], "rows": [breakdown rows by judge]}`; each row's
    `group` is `NAME@vN`, and `run` is its run id.
    """
    blocks, comparisons, by_judge = [], [], {}
    for run_id in run_ids:
        loaded = load_run(store, run_id, criterion=criterion)
        criterion = loaded.criterion
        blocks.append(_run_block(loaded))
        label = loaded.judge if loaded.judge not in by_judge else f"{loaded.judge}#run{run_id}"
        by_judge[label] = run_id
        comparisons += [replace(c, judge_name=label) for c in loaded.comparisons]
    rows = breakdown(comparisons, "judge")
    for row in rows:
        row["run"] = by_judge[str(row["group"])]
    return {"criterion": criterion, "runs": blocks, "rows": rows}


def _run_block(loaded: RunComparisons) -> dict[str, Any]:
    return {"id": loaded.run_id, "judge": loaded.judge, "dataset": loaded.dataset,
            "criterion": loaded.criterion, "status": loaded.status,
            "human_scale": loaded.human_scale.spec(), "judge_scale": loaded.judge_scale.spec(),
            "verdicts": loaded.verdicts, "errors": loaded.errors,
            "unlabeled": loaded.unlabeled}


def _annotator_block(loaded: RunComparisons) -> dict[str, Any] | None:
    multi = {k: v for k, v in loaded.ratings.items() if len(v) >= 2}
    if not multi:
        return None
    scale = loaded.human_scale
    by_pass = scale.kind != "pairwise"
    judge: dict[Hashable, Hashable] = {c.item_id: c.judge_pass() if by_pass else c.judge
             for c in loaded.comparisons if c.comparable}
    coded = {k: {a: scale.to_pass(v) if by_pass else v for a, v in per.items()}
             for k, per in multi.items()}
    vs_majority = judge_vs_majority(coded, judge)
    agreement = annotator_agreement(multi, scale)
    return {"items": agreement["items"], "annotators": agreement["annotators"],
            "fleiss_kappa": agreement["fleiss_kappa"],
            "krippendorff_alpha": agreement["krippendorff_alpha"],
            "ceiling": agreement["ceiling"], **vs_majority}


def _bias_block(loaded: RunComparisons) -> dict[str, Any] | None:
    """Pairwise probes: position-swap consistency and preference for the longer output."""
    if loaded.human_scale.kind != "pairwise":
        return None
    swaps = list(loaded.swap_consistent.values())
    judge = {c.item_id: int(c.judge) for c in loaded.comparisons if c.comparable
             and c.judge is not None}
    keys = [k for k in judge if int(k) in loaded.items]
    human = [majority(list(loaded.ratings.get(k, {}).values())) for k in keys]
    items = [loaded.items[int(k)] for k in keys]
    length = length_preference(
        [judge[k] for k in keys], [int(h) if isinstance(h, (int, float)) else 0 for h in human],
        [len(i.output or "") for i in items], [len(i.output_2 or "") for i in items])
    return {
        "position_swap_items": len(swaps),
        "position_consistency": sum(swaps) / len(swaps) if swaps else None,
        "position_consistency_ci": wilson_ci(sum(swaps), len(swaps)),
        "length": length,
    }


def disagreement_rows(loaded: RunComparisons, kind: Kind | None = None) -> list[dict[str, Any]]:
    """The misaligned pairs (and numeric discrepancies), human reasoning next to the judge's.

    `kind` fp / fn keeps the judge's too-lenient / too-strict pass/fail disagreements;
    `discrepancy` keeps every pair whose 0–100 values differ by ≥ 20 points, aligned or not.
    """
    rows = []
    norm = normalize(loaded.comparisons)
    for index, aligned, h100, j100 in zip(norm.kept, norm.aligned, norm.human_100,
                                          norm.judge_100, strict=True):
        comp = loaded.comparisons[index]
        delta = float(j100 - h100) if h100 == h100 and j100 == j100 else None
        found = _kind(comp, bool(aligned), delta, loaded.human_scale.group == "numeric")
        far = delta is not None and abs(delta) >= DISCREPANCY_DELTA
        if found is None or (kind == "discrepancy" and not far) or (
                kind in ("fp", "fn") and found != kind):
            continue
        rows.append(_row(loaded, comp, found, delta) | {"discrepancy": far})
    return rows


def _kind(comp: Comparison, aligned: bool, delta: float | None, numeric: bool) -> str | None:
    if not aligned:
        if comp.human_scale.kind == "pairwise":
            return "mismatch"
        return "fp" if comp.judge_pass() else "fn"
    if numeric and delta is not None and abs(delta) >= DISCREPANCY_DELTA:
        return "discrepancy"
    return None


def _row(loaded: RunComparisons, comp: Comparison, kind: str, delta: float | None
         ) -> dict[str, Any]:
    item = loaded.items.get(int(comp.item_id))
    return {
        "item_id": comp.item_id, "external_id": item.external_id if item else None,
        "kind": kind, "annotator": comp.annotator, "human": comp.human, "judge": comp.judge,
        "human_pass": comp.human_pass(), "judge_pass": comp.judge_pass(),
        "p_pass": comp.p_pass, "delta_100": delta,
        "human_reasoning": comp.human_reasoning, "judge_reasoning": comp.judge_reasoning,
        "inputs": item.inputs if item else {}, "output": item.output if item else None,
        "output_2": item.output_2 if item else None,
    }


def disagreements(
    store: Store, run_id: int, *, kind: Kind | None = None, criterion: str | None = None
) -> dict[str, Any]:
    """`evalign disagreements RUN`: the run summary and its misaligned items."""
    loaded = load_run(store, run_id, criterion=criterion)
    rows = disagreement_rows(loaded, kind)
    return {"run": _run_block(loaded), "kind": kind, "count": len(rows), "items": rows}


def dataset_agreement(
    store: Store, dataset: str, *, criterion: str | None = None
) -> dict[str, Any]:
    """`evalign agreement DATASET`: inter-annotator agreement on one criterion."""
    name, scale, ratings = dataset_ratings(store, dataset, criterion)
    result = annotator_agreement(ratings, scale)
    return {"dataset": dataset, "criterion": name, "scale": scale.spec(), **result}
