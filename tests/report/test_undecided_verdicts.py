"""A pairwise judge's undecided verdicts (its answer changed with the order, order policy
`uncertain`) are counted apart from errored verdicts, and `agreement_all` counts them as misses,
on every surface: the report JSON, the text and HTML reports and the run page."""

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
from evalign.stats import agreement_report
from evalign.stats.binary import wilson_ci
from evalign.stats.comparison import comparisons_from_lists
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web import create_app
from tests.web.helpers import Client, text_of

PAIRWISE = ScoreConfig(kind="pairwise")
PROMPT = ("Which output follows the instruction better? Answer 1, 2 or tie.\n\n"
          "Instruction: {input}\n\nOutput 1:\n{output_1}\n\nOutput 2:\n{output_2}")
UNSURE = JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x",
                   checks={"order_disagreement": "uncertain"})
# Item k's mode: the judge is right (5), wrong (1), position-biased (2: its answer changes
# with the order, so it stays undecided) or its call fails (2: a provider error).
MODES = ("right",) * 5 + ("wrong",) + ("biased",) * 2 + ("broken",) * 2


def _rows() -> list[Row]:
    out = []
    for k, mode in enumerate(MODES):
        good, bad = f"correct answer {k}", f"a poor answer {k}"
        first_better = k % 2 == 0
        item = Item({"input": f"task {k} mode={mode}"}, good if first_better else bad,
                    output_2=bad if first_better else good, external_id=f"p{k}")
        label = PAIRWISE.parse_value("1" if first_better else "2")
        out.append(Row(item, (LabelIn("preference", label),), k + 1))
    return out


def _judge(request: GenerateRequest) -> str:
    text = " ".join(str(m["content"]) for m in request.messages)
    if "mode=broken" in text:
        raise ProviderError("server error 500: the endpoint refused the request")
    if "mode=biased" in text:
        return "1"  # whatever comes first: "1" in one order is "2" in the other
    first = text.split("Output 1:", 1)[1].split("Output 2:", 1)[0]
    right = "1" if "correct answer" in first else "2"
    return right if "mode=right" in text else {"1": "2", "2": "1"}[right]


@pytest.fixture
def run_id(sqlite_store: Store) -> int:
    """A completed run of the `uncertain` judge over the ten pairs."""
    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(), repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "unsure", UNSURE)
    summary = run_judge(sqlite_store, "unsure", "pairs", provider=ScriptedModel(_judge),
                        use_cache=False)
    return summary.run


def test_report_counts_undecided_apart_from_errors(sqlite_store: Store, run_id: int) -> None:
    report = run_report(sqlite_store, run_id)
    causes = report["cannot_compare_causes"]
    assert causes["undecided_verdicts"] == 2 and causes["errored_verdicts"] == 2, causes
    assert report["cannot_compare"] == 4
    # agreement: the 6 decided verdicts, 5 right
    assert report["comparisons"] == 6 and report["agreement"] == pytest.approx(5 / 6)
    # agreement_all: the 2 undecided count as misses; the 2 errors stay out
    assert report["agreement_all"] == pytest.approx(5 / 8)
    assert report["agreement_all_ci"] == pytest.approx(wilson_ci(5, 8))
    assert report["agreement_ci"] == pytest.approx(wilson_ci(5, 6))
    keys = list(report)
    assert keys.index("agreement_all") == keys.index("agreement_ci") + 1
    assert report["bias"]["order_uncertain"] == 2  # the same verdicts, the same figure
    left_out = next(w for w in report["warnings"] if "could not be compared" in w)
    assert "2 errored verdicts" in left_out, left_out
    assert "2 undecided (answer changed with the order)" in left_out, left_out


def test_text_and_html_reports_show_both_causes_and_agreement_all(
        sqlite_store: Store, run_id: int) -> None:
    report = run_report(sqlite_store, run_id)
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(report_table(report))
    text = " ".join(console.export_text().split())
    assert "4 (2 errored verdicts, 2 undecided (answer changed with the order))" in text, text
    assert "counting 2 undecided as misses: 62.5%" in text, text
    html = " ".join(unescape(report_html(report)).split())
    assert "counting 2 undecided as misses: 62.5%" in html
    assert "2 undecided (answer changed with the order)" in html


def test_run_page_and_dashboard_show_undecided_and_agreement_all(
        sqlite_store: Store, run_id: int) -> None:
    client = Client(create_app(sqlite_store, worker=False))
    try:
        page = text_of(client.get(f"/runs/{run_id}").text)
        board = text_of(client.get("/alignment").text)
    finally:
        client.close()
    for shown in (page, board):
        assert "undecided verdicts 2" in shown and "errored verdicts 2" in shown, shown
        assert "counting 2 undecided as misses: 62.5%" in shown, shown


def test_no_undecided_verdict_no_agreement_all() -> None:
    comps = comparisons_from_lists([1, 2, 1], [1, None, 2], human_scale="pairwise",
                                   judge_scale="pairwise")
    report = agreement_report(comps)
    assert report["cannot_compare_causes"]["errored_verdicts"] == 1
    assert report["cannot_compare_causes"]["undecided_verdicts"] == 0
    assert "agreement_all" not in report and "agreement_all_ci" not in report
