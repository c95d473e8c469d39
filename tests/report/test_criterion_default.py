"""A run's report on a dataset labeled on several criteria: the criterion the run's judge
version was aligned for is the default, and every surface says which criterion and why; where
nothing records one, the refusal names the run and lists the criteria."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import CriterionChoiceError
from evalign.report.build import disagreements, run_report
from evalign.report.html import report_html
from evalign.report.text import report_table
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store
from evalign.store import models as m
from tests.report.helpers import add_dataset

RATING = ScoreConfig.parse("numeric:0:100:50")
OVERALL = [{"a": 10 * i, "b": 10 * i + 20} for i in range(8)]


def _labels_on(store: Store, dataset: str, criterion: str, values: list[int]) -> None:
    """Labels of annotator `a` on another criterion of the same items."""
    with store.session() as s:
        scale = s.query(m.ScoreConfigRow).filter_by(spec=RATING.spec()).one()
        crit = m.Criterion(name=criterion, score_config_id=scale.id)
        s.add(crit)
        s.flush()
        ds = s.query(m.Dataset).filter_by(name=dataset).one()
        items = s.query(m.Item).filter_by(dataset_id=ds.id).order_by(m.Item.position).all()
        for item, value in zip(items, values, strict=True):
            s.add(m.Label(item_id=item.id, criterion_id=crit.id, annotator="a", value=value))


def _version(s: Any, judge: m.Judge, number: int, provenance: dict[str, Any]) -> m.JudgeVersion:
    row = m.JudgeVersion(judge_id=judge.id, version=number, prompt="{question}",
                         scale=RATING.to_dict(), model="scripted/test", provenance=provenance)
    s.add(row)
    s.flush()
    return row


def _aligned(s: Any, judge: m.Judge, criterion: str
             ) -> tuple[m.JudgeVersion, m.JudgeVersion, m.AlignmentRun]:
    """`judge` v1, an alignment run of it on `criterion` (dataset sq), and the v2 it
    accepted."""
    v1 = _version(s, judge, 1, {"source": "cli"})
    aligned = m.AlignmentRun(judge_version_id=v1.id, status="aligned",
                             config={"criterion": criterion, "dataset": "sq"},
                             decision="accepted")
    s.add(aligned)
    s.flush()
    v2 = _version(s, judge, 2, {"alignment_run": aligned.id, "from": f"{judge.name}@1"})
    aligned.accepted_version_id = v2.id
    return v1, v2, aligned


def _run(s: Any, version: m.JudgeVersion, dataset: str) -> int:
    ds = s.query(m.Dataset).filter_by(name=dataset).one()
    run = m.Run(judge_version_id=version.id, dataset_id=ds.id, status="completed",
                model="scripted/test")
    s.add(run)
    s.flush()
    items = s.query(m.Item).filter_by(dataset_id=ds.id).order_by(m.Item.position).all()
    for i, item in enumerate(items):
        s.add(m.Verdict(run_id=run.id, item_id=item.id, sample=0, value=10 * i + 10,
                        reasoning="r"))
    return int(run.id)


def _store(store: Store) -> dict[str, int]:
    """Dataset `sq` labeled on overall and correctness; judge `mine` (no criterion of its
    own): v1 aligned on overall by an alignment run that accepted v2, v3 edited from v2; judge
    `copied` whose provenance names that alignment run without being its accepted version (a
    judge imported from another store). Returns run ids by judge version."""
    add_dataset(store, "sq", OVERALL, scale=RATING.spec(), criterion="overall")
    _labels_on(store, "sq", "correctness", [5 * i for i in range(8)])
    with store.session() as s:
        mine = m.Judge(name="mine")
        copied = m.Judge(name="copied")
        s.add_all([mine, copied])
        s.flush()
        v1, v2, aligned = _aligned(s, mine, "overall")
        v3 = _version(s, mine, 3, {"source": "edit", "edited_from": 2})
        c1 = _version(s, copied, 1, {"alignment_run": aligned.id, "from": "mine@1"})
        return {"mine@1": _run(s, v1, "sq"), "mine@2": _run(s, v2, "sq"),
                "mine@3": _run(s, v3, "sq"), "copied@1": _run(s, c1, "sq"),
                "alignment": int(aligned.id)}


def _text(report: dict[str, Any]) -> str:
    console = Console(record=True, width=200)
    console.print(report_table(report))
    return console.export_text()


def test_the_version_an_alignment_accepted_reports_on_its_criterion(store: Store) -> None:
    runs = _store(store)
    for ref, how in (("mine@2", "(accepted as mine@2)"),
                     ("mine@3", "(accepted as mine@2, which mine@3 descends from)")):
        report = run_report(store, runs[ref])
        assert report["run"]["criterion"] == "overall"
        source = report["run"]["criterion_source"]
        assert source["source"] == "alignment", source
        assert source["words"] == (f"the criterion alignment run {runs['alignment']} aligned "
                                   f"mine@1 on {how}; the judge has no criterion of its own")
        assert report["comparisons"] == len(OVERALL)  # the consensus of a and b on overall
        assert f"criterion overall: {source['words']}" in " ".join(_text(report).split())
        assert f"criterion overall: {source['words']}" in report_html(report)
        listed = disagreements(store, runs[ref])
        assert listed["run"]["criterion"] == "overall"
    # a criterion named still wins, and says so
    named = run_report(store, runs["mine@3"], criterion="correctness")
    assert named["run"]["criterion"] == "correctness"
    assert named["run"]["criterion_source"]["source"] == "named"


@pytest.mark.parametrize("ref", ["mine@1", "copied@1"])
def test_without_a_record_the_refusal_names_the_run_and_the_criteria(
        store: Store, ref: str) -> None:
    runs = _store(store)
    with pytest.raises(CriterionChoiceError) as refused:
        run_report(store, runs[ref])
    assert refused.value.choices == ["correctness", "overall"]
    message = str(refused.value)
    assert message.startswith(f"run {runs[ref]} ({ref} on sq): the judge has no criterion")
    assert "(correctness, overall): name one with --criterion NAME" in message


def test_the_cli_reports_on_the_aligned_criterion(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    opened = open_store(db)
    runs = _store(opened)
    opened.close()
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(runs["mine@2"]), "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)["run"]
    assert run["criterion"] == "overall" and run["criterion_source"]["source"] == "alignment"
    table = runner.invoke(app, ["report", str(runs["mine@2"]), "--db", db])
    assert table.exit_code == 0 and "the criterion alignment run" in table.stdout
    refused = runner.invoke(app, ["report", str(runs["mine@1"]), "--db", db])
    assert isinstance(refused.exception, CriterionChoiceError)


def test_a_judge_bound_to_a_criterion_without_labels_here_is_warned_of(store: Store) -> None:
    runs = _store(store)
    with store.session() as s:
        scale = s.query(m.ScoreConfigRow).filter_by(spec=RATING.spec()).one()
        quality = m.Criterion(name="quality", score_config_id=scale.id)
        s.add(quality)
        s.flush()
        bound = m.Judge(name="bound", criterion_id=quality.id)
        s.add(bound)
        s.flush()
        run = _run(s, _version(s, bound, 1, {}), "sq")
    report = run_report(store, run)
    assert report["run"]["criterion"] == "quality" and report["comparisons"] == 0
    assert report["run"]["criterion_source"] == {
        "source": "judge", "words": "the criterion judge bound is bound to"}
    assert report["warnings"][0] == (
        "judge bound is bound to criterion 'quality', on which dataset 'sq' has no labels; "
        "its labels are on correctness, overall: name one with --criterion NAME to compare "
        "with them")
    assert not any("bound to criterion" in w for w in run_report(store, runs["mine@2"])[
        "warnings"])


def test_the_alignment_record_beats_the_default_tie_breaker(store: Store) -> None:
    runs = _store(store)
    _labels_on(store, "sq", "default", [50] * 8)
    aligned = run_report(store, runs["mine@2"])["run"]
    assert (aligned["criterion"], aligned["criterion_source"]["source"]) == (
        "overall", "alignment")
    unaligned = run_report(store, runs["mine@1"])["run"]
    assert unaligned["criterion"] == "default"
    assert unaligned["criterion_source"] == {
        "source": "dataset", "words": "the labels imported without a criterion name; the "
        "judge has no criterion of its own"}


def test_the_web_run_page_and_dashboard_read_the_same_criterion(store: Store) -> None:
    # One run, one criterion on every surface: the web page used to pick without the alignment
    # record (a choice note, no figures) while the report compared on `overall`.
    from evalign.web.services.dashboard import dashboard
    from evalign.web.services.runs import run_page

    runs = _store(store)
    report = run_report(store, runs["mine@3"])
    page = run_page(store, runs["mine@3"])
    assert page.criterion_note is None
    assert page.run.criterion == report["run"]["criterion"] == "overall"
    assert page.stats.aligned == report["agreement"]
    board = dashboard(store, "sq", "overall")
    assert "mine" in board.all_metrics and "mine" not in board.unplaced


def test_a_report_of_several_runs_reads_the_aligned_criterion(store: Store) -> None:
    from evalign.report.build import judges_report

    runs = _store(store)
    both = judges_report(store, [runs["mine@2"], runs["mine@3"]])
    assert both["criterion"] == "overall"
