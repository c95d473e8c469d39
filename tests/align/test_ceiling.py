"""The human ceiling beside the judge's held-out figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.align.ceiling import human_ceiling
from evalign.cli.app import app
from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig, Value
from evalign.store import open_store, repo_datasets
from evalign.store.repo_judges import create_judge

PF = ScoreConfig(kind="pass_fail")


def _ratings(*values: str) -> dict[str, Value]:
    return {f"a{n}": v for n, v in enumerate(values)}


def test_ceiling_and_where_the_judge_stands() -> None:
    ratings = {1: _ratings("pass", "pass", "pass"), 2: _ratings("fail", "fail", "pass"),
               3: _ratings("pass", "pass", "fail"), 4: _ratings("fail", "fail", "fail"),
               5: _ratings("pass")}
    found = human_ceiling(ratings, PF, judge=0.75, chance=0.5)
    assert found is not None and found["items"] == 4 and found["annotators"] == 3
    # a0 and a1 always agree with the others' majority; a2 only on items 1 and 4.
    assert found["agreement"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert found["judge_position"] == pytest.approx((0.75 - 0.5) / (found["agreement"] - 0.5))
    assert human_ceiling({1: _ratings("pass")}, PF, 0.9, 0.5) is None  # one annotator
    assert human_ceiling(ratings, PF, None, 0.5)["judge_position"] is None  # type: ignore[index]


def test_outcome_and_cli_show_the_ceiling(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "e.db")
    store = open_store(db)
    rows = []
    for k in range(24):
        label = "pass" if k % 2 else "fail"
        other = label if k % 4 else ("fail" if label == "pass" else "pass")
        item = Item({"question": f"q{k}"}, "x" * (k + 1), external_id=str(k))
        rows.append(Row(item, (LabelIn("default", label, annotator="ann"),
                               LabelIn("default", label, annotator="bob"),
                               LabelIn("default", other, annotator="cy")), k + 1))
    with store.session() as s:
        repo_datasets.write_dataset(s, "three", rows, repo_datasets.Criteria(s))
        create_judge(s, "j", JudgeSpec(prompt="Pass? {question} {output}",
                                       model="scripted/constant:PASS"))
    store.close()
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict.")
    result = CliRunner().invoke(app, ["align", "j", "--dataset", "three", "--group-by",
                                      "question", "--strategy", "threshold", "--db", db])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "human ceiling: annotators agree with the majority of the others" in text
    assert "(on all 24 labeled items with several raters in the" \
        " alignment's sources, not only its test split or sample, 3 annotators)" in text
    assert "of the way from chance" in text
