"""A pairwise run (output 1 / output 2 / tie) shows no 0–100 or pass/fail figure anywhere.

A pairwise choice has no 0–100 reading, so "gap ≥ 20 on 0–100", the judge-higher /
human-higher counts and the 0–100 score filters mean nothing there; nor do FAIL F1, FAIL
recall or MCC, which need pass/fail. The run page, its JSON twin, the HTML report and the
alignment run page leave them out (the text report already did).
"""

from __future__ import annotations

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.report.build import run_report
from evalign.report.html import report_html
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_judges import create_judge
from evalign.store.repo_writes import write_dataset
from evalign.web.worker import Worker
from tests.web.helpers import Client, text_of

PAIRWISE = ScoreConfig(kind="pairwise")
PASS_FAIL_WORDS = ("FAIL F1", "FAIL recall", "FAIL precision", "PASS recall",
                   "balanced accuracy", "MCC n/a", "MCC —")


def _pairs(store: Store) -> None:
    """Dataset `pairs` (16 items, humans alternate 1 / 2) and judge `pref` (always "1")."""
    rows = [Row(Item({"question": f"q{k}"}, f"one {k}", output_2=f"two {k}",
                     external_id=f"p{k}"),
                (LabelIn("preference", PAIRWISE.parse_value(str(1 + k % 2)), "ann"),), k + 1)
            for k in range(16)]
    with store.session() as s:
        write_dataset(s, "pairs", rows, Criteria(s, PAIRWISE), kind="pairwise")
        create_judge(s, "pref", JudgeSpec(prompt="{question}\n{output_1}\n{output_2}",
                                          scale=PAIRWISE, model="scripted/constant:1"))


def test_pairwise_run_page_and_report_show_no_0_100_or_pass_fail_figures(
        client: Client, seeded: Store) -> None:
    _pairs(seeded)
    run = run_judge(seeded, "pref", "pairs").run
    stats = client.get(f"/api/runs/{run}").json()["stats"]
    assert stats["pairwise"] and stats["agreement"]["n"] == 16
    assert stats["discrepancies"] is None
    assert (stats["eval_higher"], stats["human_higher"], stats["equal"]) == (None, None, None)
    versions = client.get(f"/api/runs/{run}").json()["versions"]
    assert [v["discrepancies"] for v in versions] == [None]
    page = text_of(client.get(f"/runs/{run}").text)
    assert "Aligned" in page and "Choices, judge against humans" in page
    for gone in ("points apart", "0–100", "Discrepancies", "Eval scored higher",
                 "Human scored higher", "Discrepancy"):
        assert gone not in page, gone
    assert "Disagreements only" in page

    html = text_of(report_html(run_report(seeded, run)))
    assert "Cohen's κ" in html
    for gone in PASS_FAIL_WORDS:
        assert gone not in html, gone

    # the pass/fail run of the same app keeps its figures
    numeric_page = text_of(client.get("/runs/1").text)
    assert "20+ points apart on 0–100" in numeric_page and "Eval scored higher" in numeric_page
    assert "FAIL recall" in text_of(report_html(run_report(seeded, 1)))


def test_pairwise_alignment_run_page_shows_no_fail_f1(client: Client, seeded: Store) -> None:
    _pairs(seeded)
    made = client.post("/api/alignment/runs", json={
        "judge": "pref", "dataset": "pairs", "reflection_model": "scripted/constant:- x",
        "strategies": ["threshold"], "split": "0.5,0.25,0.25", "budget_calls": 500})
    run_id = made.json()["run"]
    assert Worker(seeded).run_once()
    outcome = client.get(f"/api/alignment/runs/{run_id}").json()["outcome"]
    assert outcome["candidate"]["fail_f1"] is None
    page = text_of(client.get(f"/alignment/runs/{run_id}").text)
    assert "Candidate on test" in page and "κ" in page
    for gone in PASS_FAIL_WORDS:
        assert gone not in page, gone
