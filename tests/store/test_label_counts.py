"""Label counts: the annotators' own labels, with adjudications counted apart (both stores).

`evalign datasets show`, the dataset page and the dashboard count through
`repo_label_counts`; an adjudication is a decision, not one more annotator's label.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.data.catalog import describe_dataset
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.store import Store, open_store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_label_counts import (
    dataset_annotators,
    label_balance,
    label_counts,
    resolved_counts,
)
from evalign.store.repo_labels import resolve_label
from evalign.store.repo_writes import write_dataset

ADJUDICATOR = "judy (adjudication)"


def _pf2(store: Store, n: int = 10) -> None:
    """`pf2`: n pass/fail items labeled by alice and bob (they disagree on odd items); judy
    labels item 0 herself and resolves items 1, 3 and 5 (item 1 twice: the later one stays)."""
    rows = [Row(Item({"q": f"q{i}"}, f"a{i}"),
                (LabelIn("default", "pass", "alice"),
                 LabelIn("default", "fail" if i % 2 else "pass", "bob"))
                + ((LabelIn("default", "fail", "judy"),) if i == 0 else ()), i + 1)
            for i in range(n)]
    with store.session() as s:
        write_dataset(s, "pf2", rows, Criteria(s))
        ids = [item.id for item in iter_items(s, get_dataset(s, "pf2").id)]
        for position, value in ((1, "pass"), (1, "fail"), (3, "fail"), (5, "pass")):
            item_id = ids[position]
            assert item_id is not None
            resolve_label(s, item_id, "default", value, adjudicator="judy",
                          as_annotator=ADJUDICATOR)


def test_resolutions_are_counted_apart_from_annotators(store: Store) -> None:
    _pf2(store)
    with store.session() as s:
        ds = get_dataset(s, "pf2").id
        counts = label_counts(s, ds)
        assert counts.balance == {"default": {"fail": 6, "pass": 15}}  # 21 own labels
        assert counts.resolved == {"default": 3}
        assert counts.annotators == ["alice", "bob", "judy"]
        assert (counts.own(), counts.own("default"), counts.own("other")) == (21, 21, 0)
        assert (counts.resolutions(), counts.resolutions("other")) == (3, 0)
        assert label_balance(s, ds) == counts.balance
        assert dataset_annotators(s, ds) == counts.annotators
        assert resolved_counts(s, ds) == counts.resolved
        assert label_counts(s, ds, "other").own() == 0


def test_datasets_show_counts_own_labels_and_says_how_many_resolved(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    try:
        _pf2(store)
        info = describe_dataset(store, "pf2")
    finally:
        store.close()
    assert info.labels == {"default": {"fail": 6, "pass": 15}} and info.resolved == {"default": 3}
    assert ADJUDICATOR not in info.annotators
    runner = CliRunner()
    text = runner.invoke(app, ["datasets", "show", "pf2", "--db", db]).stdout
    assert "criterion default [pass_fail]: fail: 6, pass: 15; 3 resolved" in text
    assert "annotators: alice, bob, judy\n" in text and "adjudication" not in text
    shown = json.loads(runner.invoke(app, ["datasets", "show", "pf2", "--db", db,
                                           "--json"]).stdout)
    assert shown["resolved"] == {"default": 3} and shown["annotators"] == ["alice", "bob", "judy"]


def test_a_sampled_copy_keeps_resolutions_as_resolutions(store: Store) -> None:
    from evalign.data.catalog import sample_dataset

    _pf2(store)
    sample_dataset(store, "pf2", "pf2s", 10, seed=0)  # every item, copied
    with store.session() as s:
        counts = label_counts(s, get_dataset(s, "pf2s").id)
    assert counts.resolved == {"default": 3} and ADJUDICATOR not in counts.annotators
    assert counts.balance == {"default": {"fail": 6, "pass": 15}}
