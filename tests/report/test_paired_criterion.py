"""A paired comparison (`evalign report A --vs B`, the web compare page) reads each run on its
own criterion: two runs aligned on different criteria are refused with both named, never
silently scored on the first run's; runs that agree say which criterion they share."""

from __future__ import annotations

import pytest
from rich.console import Console

from evalign.report.build import run_report
from evalign.report.html import report_html
from evalign.report.paired import PairCriterionError
from evalign.report.text import report_table
from evalign.store import Store
from evalign.store import models as m
from evalign.web import create_app
from evalign.web.services.benchmarks import compare_runs
from tests.report.test_criterion_default import _aligned, _run, _store
from tests.web.helpers import Client, text_of


def _runs(store: Store) -> dict[str, int]:
    """`_store`'s runs, plus judge `other` whose v2 was accepted from an alignment run on
    `correctness` (run `other@2`)."""
    runs = _store(store)
    with store.session() as s:
        other = m.Judge(name="other")
        s.add(other)
        s.flush()
        _, v2, _ = _aligned(s, other, "correctness")
        runs["other@2"] = _run(s, v2, "sq")
    return runs


def _text(report: dict[str, object]) -> str:
    console = Console(record=True, width=300)
    console.print(report_table(report))
    return " ".join(console.export_text().split())


@pytest.mark.parametrize("order", [("mine@2", "other@2"), ("other@2", "mine@2")])
def test_runs_on_different_criteria_are_refused_with_both_named(
        store: Store, order: tuple[str, str]) -> None:
    runs = _runs(store)
    a, b = runs[order[0]], runs[order[1]]
    own = {ref: run_report(store, runs[ref])["run"]["criterion"] for ref in order}
    assert own == {"mine@2": "overall", "other@2": "correctness"}
    with pytest.raises(PairCriterionError) as refused:
        run_report(store, a, vs=b)
    message = str(refused.value)
    assert f"run {a} on {own[order[0]]!r} (the criterion alignment run" in message
    assert f"run {b} on {own[order[1]]!r} (the criterion alignment run" in message
    assert "pass --criterion NAME (on the web: ?criterion=NAME)" in message
    with pytest.raises(PairCriterionError):
        compare_runs(store, a, b)


def test_a_named_criterion_pairs_both_runs_on_it_in_either_order(store: Store) -> None:
    runs = _runs(store)
    a, b = runs["mine@2"], runs["other@2"]
    forward = run_report(store, a, vs=b, criterion="correctness")["paired"]
    backward = run_report(store, b, vs=a, criterion="correctness")["paired"]
    assert forward["criterion"] == backward["criterion"] == "correctness"
    assert forward["baseline_agreement"] == backward["candidate_agreement"]
    assert forward["candidate_agreement"] == backward["baseline_agreement"]
    own = run_report(store, b)["agreement"]  # other@2's own report is on correctness
    assert forward["candidate_agreement"] == own
    view = compare_runs(store, b, a, criterion="correctness")
    assert view.criterion == "correctness"
    assert view.paired["baseline_agreement"] == forward["candidate_agreement"]


def test_runs_on_one_criterion_say_which_on_every_surface(store: Store) -> None:
    runs = _runs(store)
    a, b = runs["mine@2"], runs["mine@3"]
    report = run_report(store, a, vs=b)
    paired = report["paired"]
    assert paired["criterion"] == "overall"
    assert paired["criterion_words"].startswith("the criterion alignment run")
    assert f"criterion overall: {paired['criterion_words']}" in _text(report)
    assert f"Both runs on criterion overall: {paired['criterion_words']}" in " ".join(
        report_html(report).split())


def test_the_web_compare_page_refuses_or_names_the_criterion(store: Store) -> None:
    runs = _runs(store)
    client = Client(create_app(store, worker=False))
    try:
        a, b = runs["mine@2"], runs["other@2"]
        refused = client.get(f"/runs/compare?a={a}&b={b}")
        assert refused.status_code == 400
        assert "?criterion=NAME" in text_of(refused.text)
        page = client.get(f"/runs/compare?a={a}&b={b}&criterion=correctness")
        assert page.status_code == 200, page.text
        assert "Both runs on criterion correctness: named by the caller" in text_of(page.text)
        agreed = client.get(f"/runs/compare?a={a}&b={runs['mine@3']}")
        assert "Both runs on criterion overall: the criterion alignment run" in text_of(
            agreed.text)
        api = client.get(f"/api/runs/compare?a={b}&b={a}")
        assert api.status_code == 400
        assert "different criteria" in api.text
    finally:
        client.close()
