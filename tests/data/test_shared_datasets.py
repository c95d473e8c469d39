"""Every shared human-labeled file imports with the counts its README gives (both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign.data.importer import import_file
from evalign.store import Store
from evalign.store.repo_criteria import get_criterion, scale_of
from evalign.store.repo_items import get_dataset, iter_items, list_datasets
from evalign.store.repo_labels import labels_for

CASES = [
    # path, rows, labeled, labels, annotators, kind
    ("evalsbench/public.csv", 96, 96, {"pass": 48, "fail": 48}, ["human"], "single"),
    ("llmbar/public.jsonl", 251, 251, None, ["human"], "pairwise"),
    ("mtbench_human_llmbar/public.jsonl", 122, 122, None, ["human"], "pairwise"),
    ("pandalm/public.jsonl", 607, 607, None, ["annotator1", "annotator2", "annotator3"],
     "pairwise"),
]


@pytest.mark.parametrize(("path", "rows", "labeled", "labels", "annotators", "kind"), CASES)
def test_shared_file_imports_with_readme_counts(
    store: Store, shared_datasets: Path, path: str, rows: int, labeled: int,
    labels: dict[str, int] | None, annotators: list[str], kind: str,
) -> None:
    summary = import_file(store, shared_datasets / path, "d")
    assert (summary.rows, summary.labeled, summary.kind) == (rows, labeled, kind)
    assert summary.annotators == annotators
    if labels is not None:
        assert summary.labels == labels
    with store.session() as s:
        [listed] = list_datasets(s)
        assert (listed.rows, listed.labeled) == (rows, labeled)


def test_evalsbench_fields_are_template_inputs(sqlite_store: Store, shared_datasets: Path) -> None:
    import_file(sqlite_store, shared_datasets / "evalsbench/public.csv", "eb")
    with sqlite_store.session() as s:
        first = next(iter_items(s, get_dataset(s, "eb").id))
    assert set(first.inputs) == {"topic", "question", "grading_notes"}
    assert first.output and first.output.startswith("When calculating")
    assert {"question", "grading_notes", "output"} <= set(first.fields())


def test_annotated_examples_keep_reasons(sqlite_store: Store, shared_datasets: Path) -> None:
    summary = import_file(sqlite_store, shared_datasets / "evalsbench/annotated_examples.csv", "a")
    assert (summary.rows, summary.labeled) == (24, 24)
    assert any("at least 30" in w for w in summary.warnings)
    with sqlite_store.session() as s:
        labels = labels_for(s, get_dataset(s, "a").id)
    assert len(labels) == 24 and all(label.reasoning for label in labels)


def test_pandalm_one_label_per_annotator_majority_is_metadata(
    sqlite_store: Store, shared_datasets: Path
) -> None:
    import_file(sqlite_store, shared_datasets / "pandalm/public.jsonl", "p")
    with sqlite_store.session() as s:
        ds = get_dataset(s, "p")
        labels = labels_for(s, ds.id, "preference")
        first = next(iter_items(s, ds.id))
    assert len(labels) == 3 * 607
    assert {label.value for label in labels} == {0, 1, 2}
    assert first.external_id == "0" and first.output_2 is not None
    assert first.inputs["input"].startswith("The sentence you are given might be too wordy")
    assert first.inputs["input"].endswith("please let me know.")  # the instruction's input
    assert first.metadata["majority_label"] == 2 and "annotator1" not in first.metadata
    # Kept so that a split can group the pairs of one instruction (`--group-by instruction`).
    assert first.metadata["instruction"].startswith("The sentence you are given")


def test_llmbar_keeps_subset_as_metadata(sqlite_store: Store, shared_datasets: Path) -> None:
    import_file(sqlite_store, shared_datasets / "llmbar/public.jsonl", "l")
    with sqlite_store.session() as s:
        first = next(iter_items(s, get_dataset(s, "l").id))
    assert first.external_id == "Natural-0" and first.metadata == {"subset": "Natural"}


def test_squality_one_label_per_reviewer_and_criterion(
    store: Store, shared_datasets: Path
) -> None:
    summary = import_file(store, shared_datasets / "squality_human_eval/public.jsonl", "sq")
    assert (summary.rows, summary.labeled) == (180, 180)
    assert set(summary.criteria) == {"correctness", "selection", "overall"}
    assert all(a.startswith("worker_") for a in summary.annotators)
    with store.session() as s:
        ds = get_dataset(s, "sq")
        overall = labels_for(s, ds.id, "overall")
        criterion = get_criterion(s, "overall")
        assert criterion is not None and scale_of(criterion).spec() == "numeric:0:100:50"
    assert len(overall) == 3 * 180
    assert all(0 <= float(label.value) <= 100 for label in overall)
