"""Two runs compared item by item (`evalign report A --vs B`, `/runs/compare`): an undecided
verdict counts as its run's miss, a pair with an errored verdict is left out, and both are
counted and said on every surface."""

from __future__ import annotations

import io
from html import unescape

import pytest
from rich.console import Console

from evalign.data.records import LabelIn, Row
from evalign.errors import ProviderError
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.report.build import run_report
from evalign.report.html import report_html
from evalign.report.text import report_table
from evalign.runner.run import run_judge
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web import create_app
from tests.web.helpers import Client, text_of

PAIRWISE = ScoreConfig(kind="pairwise")
PROMPT = ("Which output follows the instruction better? Answer 1, 2 or tie.\n\n"
          "Instruction: {input}\n\nOutput 1:\n{output_1}\n\nOutput 2:\n{output_2}")
TIE = JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x")
UNSURE = TIE.model_copy(update={"checks": {"order_disagreement": "uncertain"}})
# Per item: how run A (order policy tie) and run B (uncertain) behave. "biased" answers 1 in
# both orders: a tie under A, undecided under B.
MODES = {"right": ("right", "right"), "flip": ("wrong", "right"),
         "biased": ("biased", "biased"), "fixed": ("biased", "right"),
         "broken_a": ("broken", "right"), "broken_b": ("right", "broken")}
ITEMS = ("right",) * 4 + ("flip", "biased", "biased", "fixed", "broken_a", "broken_b")


def _rows() -> list[Row]:
    out = []
    for k, mode in enumerate(ITEMS):
        good, bad = f"correct answer {k}", f"a poor answer {k}"
        first_better = k % 2 == 0
        item = Item({"input": f"task {k} mode={mode};"}, good if first_better else bad,
                    output_2=bad if first_better else good, external_id=f"p{k}")
        label = PAIRWISE.parse_value("1" if first_better else "2")
        out.append(Row(item, (LabelIn("preference", label),), k + 1))
    return out


def _script(side: int) -> ScriptedModel:
    def judge(request: GenerateRequest) -> str:
        text = " ".join(str(m["content"]) for m in request.messages)
        mode = MODES[text.split("mode=", 1)[1].split(";", 1)[0]][side]
        if mode == "broken":
            raise ProviderError("server error 500: the endpoint refused the request")
        if mode == "biased":
            return "1"
        first = text.split("Output 1:", 1)[1].split("Output 2:", 1)[0]
        right = "1" if "correct answer" in first else "2"
        return right if mode == "right" else {"1": "2", "2": "1"}[right]
    return ScriptedModel(judge)


@pytest.fixture
def runs(sqlite_store: Store) -> tuple[int, int]:
    """Run A (tie) and run B (uncertain) of the same pairs."""
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(), repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "tie", TIE)
        create_judge(s, "unsure", UNSURE)
    a = run_judge(sqlite_store, "tie", "pairs", provider=_script(0), use_cache=False).run
    b = run_judge(sqlite_store, "unsure", "pairs", provider=_script(1), use_cache=False).run
    return a, b


def test_report_vs_counts_undecided_as_misses(sqlite_store: Store, runs: tuple[int, int]
                                              ) -> None:
    a, b = runs
    report = run_report(sqlite_store, a, vs=b)
    assert report["agreement"] == pytest.approx(5 / 9)  # A's headline: 9 decided, 5 right
    paired = report["paired"]
    # items 0-7 pair up (8 and 9 errored on one side); B's two undecided items are misses
    assert paired["pairs"] == 8
    assert paired["baseline_agreement"] == pytest.approx(4 / 8)
    assert paired["candidate_agreement"] == pytest.approx(6 / 8)
    assert paired["difference"] == pytest.approx(0.25)
    assert len(paired["flipped_to_aligned"]) == 2 and paired["flipped_to_misaligned"] == []
    assert paired["undecided_as_misses"] == {"baseline": 0, "candidate": 2}
    assert paired["errored_left_out"] == {"pairs": 2, "baseline": 1, "candidate": 1}
    # B alone: 7 of 7 decided right; counting its undecided as misses 7 of 9
    alone = run_report(sqlite_store, b)
    assert alone["agreement"] == 1.0 and alone["agreement_all"] == pytest.approx(7 / 9)
    # the other way round the undecided verdicts are the baseline's
    back = run_report(sqlite_store, b, vs=a)["paired"]
    assert back["undecided_as_misses"] == {"baseline": 2, "candidate": 0}
    assert back["difference"] == pytest.approx(-0.25)


def test_text_and_html_reports_state_the_counts(sqlite_store: Store,
                                                runs: tuple[int, int]) -> None:
    a, b = runs
    report = run_report(sqlite_store, a, vs=b)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(report_table(report))
    text = " ".join(console.export_text().split())
    assert f"run {a} agreement on them │ 50.0%" in text, text
    assert f"run {b} agreement on them │ 75.0%" in text, text
    assert "2 undecided verdicts of the candidate (its answer changed with the order) " \
           "counted as misses" in text, text
    assert "2 pairs left out: a verdict errored (baseline 1, candidate 1)" in text
    html = " ".join(unescape(report_html(report)).split())
    assert f"on 8 pairs (run {a} 50.0%, run {b} 75.0%)" in html, html
    assert "2 undecided verdicts of the candidate" in html


def test_compare_page_uses_the_paired_figures(sqlite_store: Store,
                                              runs: tuple[int, int]) -> None:
    a, b = runs
    client = Client(create_app(sqlite_store, worker=False))
    try:
        data = client.get(f"/api/runs/compare?a={a}&b={b}").json()
        labels = client.get(f"/api/runs/compare?a={a}&b={b}&policy=per_label").json()
        page = text_of(client.get(f"/runs/compare?a={a}&b={b}").text)
        bad = client.get(f"/api/runs/compare?a={a}&b={b}&policy=majority")
    finally:
        client.close()
    assert data["policy"] == "consensus" and labels["policy"] == "per_label"
    expected = run_report(sqlite_store, a, vs=b)["paired"]
    for key in ("pairs", "baseline_agreement", "candidate_agreement", "difference",
                "undecided_as_misses", "errored_left_out"):
        assert data["paired"][key] == expected[key] == labels["paired"][key], key
    assert data["a_aligned"] == pytest.approx(5 / 9) and data["b_aligned"] == 1.0
    assert (data["a_comparisons"], data["b_comparisons"]) == (9, 7)
    flipped = {r["item_id"] for r in data["rows"] if r["a_aligned"] is False and r["b_aligned"]}
    assert flipped == set(data["paired"]["flipped_to_aligned"]) and len(flipped) == 2
    undecided = [r for r in data["rows"] if r["b_undecided"]]
    assert len(undecided) == 2 and all(r["a_aligned"] is False for r in undecided)
    assert "8 pairs: A 50.0%, B 75.0%" in page, page
    assert "B: 2 undecided verdicts (the judge's answer changed with the order) counted as " \
           "misses" in page
    assert "2 pairs left out of the paired figures: a verdict errored (A 1, B 1)" in page
    assert bad.status_code == 422
