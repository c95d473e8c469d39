"""Benchmark bookkeeping: runs waiting for labels are not claimable until labeled; orphans
are claimable once their heartbeat is stale; a rerun records its parent."""

from __future__ import annotations

from datetime import timedelta

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import create_run
from evalign.store import Store
from evalign.store.repo_benchmarks import (
    awaiting_labels,
    claimable_runs,
    mark_awaiting_labels,
    set_parent_run,
)
from evalign.store.repo_comparisons import dataset_id, labeled_criteria, run_record
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import iter_items
from evalign.store.repo_judges import create_judge
from evalign.store.repo_labels import record_label
from evalign.store.repo_runs import now
from evalign.store.repo_writes import write_dataset
from evalign.workflows.benchmarks import copy_run_items, rerun


def _seed(store: Store, labeled: bool) -> int:
    rows = [Row(Item({"q": f"q{i}"}, f"a{i}", external_id=f"e{i}"),
                (LabelIn("default", "pass", "ann", ""),) if labeled else (), i + 1)
            for i in range(3)]
    with store.session() as s:
        write_dataset(s, "d", rows, Criteria(s))
        create_judge(s, "j", JudgeSpec(prompt="Is {output} fine?", model="scripted/x"),
                     criterion="default")
    return create_run(store, "j", "d")


def test_a_run_awaiting_labels_is_claimable_once_every_item_is_labeled(store: Store) -> None:
    run_id = _seed(store, labeled=False)
    soon = now() + timedelta(seconds=1)
    with store.session() as s:
        assert claimable_runs(s, soon) == [run_id] and not awaiting_labels(s, run_id)
        mark_awaiting_labels(s, run_id)
    with store.session() as s:
        assert awaiting_labels(s, run_id) and claimable_runs(s, soon) == []
        for item in iter_items(s, dataset_id(s, "d")):
            assert item.id is not None
            record_label(s, item.id, "default", "pass", annotator="ann")
    with store.session() as s:
        assert not awaiting_labels(s, run_id) and claimable_runs(s, soon) == [run_id]


def test_rerun_records_its_parent_and_copy_keeps_items_without_labels(store: Store) -> None:
    run_id = _seed(store, labeled=True)
    again = rerun(store, run_id)
    with store.session() as s:
        assert run_record(s, again).parent_run_id == run_id
        set_parent_run(s, again, again)  # plain bookkeeping: the caller decides
        assert run_record(s, again).parent_run_id == again
    copy_run_items(store, run_id, "review")
    with store.session() as s:
        copied = list(iter_items(s, dataset_id(s, "review")))
        assert [i.output for i in copied] == ["a0", "a1", "a2"]
        assert all(i.metadata["from_run"] == run_id for i in copied)
        assert labeled_criteria(s, dataset_id(s, "review")) == []
