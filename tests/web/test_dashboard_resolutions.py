"""Resolutions on the web: counted apart from the annotators; the consensus breakdown.

Two annotators per item; two of their ties are resolved through the API. An adjudication is a
decision about the annotators' labels, not one more annotator: the dashboard's `annotations`
and the dataset page's annotators are the annotators' own, the resolutions are `resolved`.
Under `consensus` a cell's breakdown counts each item's consensus (the value compared).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web import create_app
from tests.web.helpers import PROMPT, Client, text_of

# (alice, bob, judge): tp, tn, tie resolved fail (tn), tie resolved pass (tp), fp, fn
ITEMS = [("pass", "pass", "PASS"), ("fail", "fail", "FAIL"), ("pass", "fail", "FAIL"),
         ("fail", "pass", "PASS"), ("fail", "fail", "PASS"), ("pass", "pass", "FAIL")]


@pytest.fixture
def client(sqlite_store: Store) -> Iterator[Client]:
    """Dataset `pf2` (two annotators per item), judge `gn` and its completed run."""
    rows = [Row(Item({"question": f"Q{i}?", "says": says}, f"A{i}.", external_id=f"q{i}"),
                (LabelIn("default", a, "alice"), LabelIn("default", b, "bob")), i + 1)
            for i, (a, b, says) in enumerate(ITEMS)]
    with sqlite_store.session() as s:
        write_dataset(s, "pf2", rows, Criteria(s))
        create_judge(s, "gn", JudgeSpec(prompt=PROMPT, model="scripted/field:says"))
    run_judge(sqlite_store, "gn", "pf2")
    c = Client(create_app(sqlite_store, worker=False))
    for item_id, value in ((3, "fail"), (4, "pass")):
        answer = c.post("/api/datasets/pf2/resolutions",
                        json={"item_id": item_id, "annotator": "judy", "value": value})
        assert answer.status_code == 200, answer.text
    yield c
    c.close()


def test_dashboard_counts_own_labels_and_resolutions_apart(client: Client) -> None:
    data = client.get("/api/alignment?dataset=pf2").json()
    assert (data["annotations"], data["resolved"]) == (12, 2)  # not 14 "annotations"
    assert data["comparisons"] == 6
    # the resolved items' own labels did not make their human side; the others' did
    assert data["contributing"] == 8
    page = text_of(client.get("/alignment?dataset=pf2").text)
    assert "8 of 12 annotations contributed · 2 resolved" in page


def test_consensus_breakdown_counts_the_value_compared_per_item(client: Client) -> None:
    (metric,) = client.get("/api/alignment?dataset=pf2").json()["metrics"]
    assert metric["agreement"]["confusion"] == {"tp": 2, "fn": 1, "tn": 2, "fp": 1}
    # item 3: alice said pass, bob fail, judy resolved fail: one TN, whose human side is fail
    assert metric["breakdown"] == {"tp": {"pass": 2}, "tn": {"fail": 2}, "fp": {"fail": 1},
                                   "fn": {"pass": 1}}
    assert (metric["human_pass"], metric["human_fail"]) == (3, 3)


def test_per_label_breakdown_counts_each_label(client: Client) -> None:
    data = client.get("/api/alignment?dataset=pf2&policy=per_label").json()
    (metric,) = data["metrics"]
    assert metric["breakdown"] == {"tp": {"pass": 3}, "tn": {"fail": 3}, "fp": {"fail": 3},
                                   "fn": {"pass": 3}}
    assert (data["annotations"], data["contributing"], data["resolved"]) == (12, 12, 2)


def test_dataset_page_lists_annotators_not_adjudications(client: Client) -> None:
    data = client.get("/api/datasets/pf2").json()
    assert data["annotators"] == ["alice", "bob"] and data["resolved"] == {"default": 2}
    page = text_of(client.get("/datasets/pf2").text)
    assert "alice, bob · 2 resolved" in page and "judy (adjudication) ·" not in page
