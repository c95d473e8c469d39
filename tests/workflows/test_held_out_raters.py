"""Several raters per item: a held-out run's report repeats its alignment outcome's figures.

The alignment outcome compares each test item with one human side: the raters' mean on a
numeric scale, the annotators' majority on a pairwise one (`align.load`). The report's default
policy, `consensus`, compares the very same side, so `evalign report HELD_OUT_RUN` shows the
outcome's candidate test agreement, MAE and Spearman exactly; `--policy per_label` (one
comparison per rater) gives other figures on these data.

End to end through the CLI: import (SQuALITY, 3 raters per item on 0–100) or a PandaLM-shaped
pairwise set written to the store (3 annotators per item, 2–1 splits and three-way ties), align,
accept, run the accepted judge on the held-out items, report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig
from evalign.store import open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from evalign.web.services.runs import RunFilters, run_page
from tests.cli_invoke import invoke, invoke_json

PAIRWISE = ScoreConfig(kind="pairwise")
PAIR_PROMPT = ("Which output follows the instruction better? Answer 1, 2 or tie.\n\n"
               "Instruction: {input}\n\nOutput 1:\n{output_1}\n\nOutput 2:\n{output_2}")
SPLITS = ((1, 1, 1), (2, 2, 1), (1, 2, 1), (0, 2, 2), (2, 1, 1), (1, 2, 0))
"""Each item's three annotators: unanimous, 2–1 splits, and a three-way tie (no majority)."""
HINTS = ("1", "2", "1", "tie", "2", "1", "2")
"""The scripted judge's answers, in a cycle coprime with `SPLITS`: right on some items only."""


def _held_out(db: str, judge: str, outcome: dict[str, Any]) -> int:
    """Accept the outcome's candidate and run it on the outcome's test items."""
    invoke_json("align", "accept", str(outcome["run"]), "--force", "--db", db, "--json")
    summary = invoke_json("run", judge, "--held-out", str(outcome["run"]), "--db", db, "--json")
    assert summary["status"] == "completed" and summary["errors"] == 0, summary
    assert summary["items"] == len(outcome["test_items"])
    return int(summary["run"])


def _report(db: str, run: int, *flags: str) -> dict[str, Any]:
    report: dict[str, Any] = invoke_json("report", str(run), "--format", "json", *flags, "--db", db)
    return report


def test_numeric_raters_mean_gives_the_outcome_figures(tmp_path: Path,
                                                       shared_datasets: Path) -> None:
    db = str(tmp_path / "e.db")
    invoke_json("import", str(shared_datasets / "squality_human_eval/public.jsonl"), "--dataset",
          "sq", "--map", "mean_correctness=mean_correctness", "--db", db, "--json")
    outcome = invoke_json("align", "reference-rating", "--dataset", "sq", "--criterion", "overall",
                    "--group-by", "passage_id", "--strategy", "calibrate", "--sample", "60",
                    "--judge-model", "scripted/field:mean_correctness",
                    "--reflection-model", "scripted/field:mean_correctness", "--db", db, "--json")
    assert outcome["status"] == "aligned", outcome
    run = _held_out(db, "reference-rating-aligned", outcome)
    candidate = outcome["candidate"]

    report = _report(db, run)
    assert report["run"]["policy"] == "consensus"
    assert report["comparisons"] == len(outcome["test_items"])  # one per item
    assert report["agreement"] == candidate["agreement"]
    assert report["numeric"]["mae"] == candidate["numeric"]["mae"]
    assert report["numeric"]["spearman"] == candidate["numeric"]["spearman"]
    assert report["numeric"]["mae"] > 0 and report["numeric"]["spearman"] < 1

    per_label = _report(db, run, "--policy", "per_label")
    assert per_label["comparisons"] == 3 * report["comparisons"]  # one per rater and item
    assert per_label["numeric"]["mae"] != candidate["numeric"]["mae"]
    assert per_label["numeric"]["spearman"] != candidate["numeric"]["spearman"]
    assert report["policies"]["differ"]
    assert _report(db, run, "--consensus")["numeric"] == report["numeric"]  # the old flag

    store = open_store(db)  # the run page, under its default policy, shows the same figure
    page = run_page(store, run, RunFilters())
    store.close()
    assert page.stats.agreement.rate == candidate["agreement"]


def _pair_rows(n: int = 48) -> list[Row]:
    rows = []
    for k in range(n):
        item = Item({"input": f"task {k}", "hint": HINTS[k % len(HINTS)]},
                    f"first answer {k}", output_2=f"second answer to task {k}",
                    external_id=str(k))
        labels = tuple(LabelIn("preference", choice, f"annotator{a + 1}")
                       for a, choice in enumerate(SPLITS[k % len(SPLITS)]))
        rows.append(Row(item, labels, k + 1))
    return rows


def test_pairwise_majority_gives_the_outcome_agreement(db_url: str) -> None:
    store = open_store(db_url)
    with store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _pair_rows(),
                                    repo_datasets.Criteria(s, PAIRWISE))
        # asked in one order: the scripted answer reads a field, not the outputs' positions
        create_judge(s, "pw", JudgeSpec(prompt=PAIR_PROMPT, scale=PAIRWISE,
                                        model="scripted/field:hint",
                                        checks={"position_swap": False}))
    store.close()
    outcome = invoke_json("align", "pw", "--dataset", "pairs", "--group-by", "input", "--strategy",
                    "guidelines", "--rounds", "1", "--reflection-model",
                    "scripted/constant:- Prefer the output that follows the instruction.",
                    "--db", db_url, "--json")
    assert outcome["status"] == "aligned", outcome
    run = _held_out(db_url, "pw", outcome)
    candidate = outcome["candidate"]
    assert 0 < candidate["agreement"] < 1

    report = _report(db_url, run)
    assert report["run"]["policy"] == "consensus"
    assert report["agreement"] == candidate["agreement"]
    assert report["comparisons"] == candidate["comparisons"] == len(outcome["test_items"])
    per_label = _report(db_url, run, "--policy", "per_label")
    assert per_label["comparisons"] == 3 * report["comparisons"]
    assert per_label["agreement"] != candidate["agreement"]


def test_the_old_flag_cannot_contradict_the_policy(tmp_path: Path) -> None:
    open_store(tmp_path / "e.db").close()  # read commands refuse a store that does not exist
    code, out = invoke("report", "1", "--consensus", "--policy", "per_label", "--db",
                        str(tmp_path / "e.db"))
    assert code == 2 and "--consensus contradicts --policy per_label" in out
