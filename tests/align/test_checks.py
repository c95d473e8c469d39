"""Checks of decomposed candidates: glossary, model split, checklists from disagreements, edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign.align import (
    AlignConfig,
    accept_alignment,
    execute_alignment,
    get_alignment,
    start_alignment,
)
from evalign.align.checks import check_edit, edit_checks, load_checks
from evalign.cli.app import app
from evalign.errors import ConfigError
from evalign.judges.glossary import load_glossary
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.store import Store, open_store
from evalign.store.repo_judges import create_judge, resolve
from tests.align.helpers import Recorder, as_dict, check_answer, seed_store


def _align(store: Store, judge: str, model: ScriptedModel | None = None,
           **settings: object) -> tuple[int, Recorder]:
    """`decompose` on `bench`; the judge's model is `model` (default: `check_answer`)."""
    config = AlignConfig.model_validate({"dataset": "bench", "group_by": "question",
                                         "strategies": ("decompose",), **settings})
    run_id = start_alignment(store, judge, config)
    reflection = Recorder()
    execute_alignment(store, run_id, models={"judge": model or Recorder(),
                                             "reflection": reflection})
    return run_id, reflection


def _seeded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database file holding `bench` and judge `gn`, with a scripted reflection model."""
    db = str(tmp_path / "e.db")
    store = open_store(db)
    seed_store(store)
    store.close()
    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict.")
    return db


def test_rubric_checks_listed_with_glossary_and_edited_before_accept(
        sqlite_store: Store, tmp_path: Path) -> None:
    seed_store(sqlite_store)
    run_id, _ = _align(sqlite_store, "gn", glossary={"mkt": "market"})
    outcome = as_dict(get_alignment(sqlite_store, run_id).outcome)
    checks = outcome["checks"]
    # both splits give every point here: on the tie the rules, which need no model call
    assert checks["rubric_field"] == "grading_notes" and checks["split"] == "rules"
    assert outcome["details"]["split_choice"] == {"model": 1.0, "rules": 1.0}
    assert checks["glossary"] == {"mkt": "market"}
    assert checks["examples"] and all(q.startswith("Does the response mention")
                                      for q in checks["examples"][0])
    assert outcome["candidate"]["agreement"] == 1.0
    edit = tmp_path / "checks.yaml"
    edit.write_text("questions:\n  - Does the response name alpha?\n  - Is it polite?\n")
    accept_alignment(sqlite_store, run_id, checks=load_checks(edit), force=True)
    with sqlite_store.session() as s:
        saved = resolve(s, "gn").spec
    assert saved.checks["questions"] == ["Does the response name alpha?", "Is it polite?"]
    assert "rubric_field" not in saved.checks and "aggregation" in saved.checks


def test_checklist_written_from_the_criterion_and_train_disagreements(
        sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    with sqlite_store.session() as s:
        create_judge(s, "complete", JudgeSpec(
            prompt="Is the response complete? Answer pass or fail.\n\n{response}",
            model="scripted/constant:PASS"))
    seen: list[str] = []

    def reflect(request: GenerateRequest) -> str:
        text = str(request.messages[-1]["content"])
        if text.startswith("Write a checklist"):
            seen.append(text)
            return "1. Does the response mention alpha?\n2) Does the response mention beta?\nok"
        return check_answer(request)

    config = AlignConfig(dataset="bench", group_by="question", strategies=("decompose",))
    run_id = start_alignment(sqlite_store, "complete", config)
    done = execute_alignment(sqlite_store, run_id,
                             models={"judge": Recorder(), "reflection": ScriptedModel(reflect)})
    assert len(seen) == 1
    assert "Is the response complete?" in seen[0] and "human label: fail — misses" in seen[0]
    out = as_dict(done.outcome)
    held_out = set(out["split_items"]["val"]) | set(out["split_items"]["test"])
    with sqlite_store.session() as s:
        from evalign.store import models as m

        texts = {i.id: str(i.output) for i in s.query(m.Item).all() if i.id in held_out}
    assert not any(t in seen[0] for t in texts.values())  # only train items are shown
    assert out["checks"]["questions"] == ["Does the response mention alpha?",
                                                   "Does the response mention beta?"]


def test_edits_and_glossaries_are_checked(tmp_path: Path) -> None:
    assert check_edit(["Is it short?"]) == {"questions": ["Is it short?"]}
    with pytest.raises(ConfigError, match="unknown keys"):
        check_edit({"questions": ["a?"], "prompt": "x"})
    with pytest.raises(ConfigError, match="non-empty list"):
        check_edit({"questions": []})
    with pytest.raises(ConfigError, match="split"):
        check_edit({"split": "llm"})
    with pytest.raises(ConfigError, match="decomposed candidate"):
        edit_checks(JudgeSpec(), {"questions": ["a?"]})
    bad = tmp_path / "g.yaml"
    bad.write_text("val: valuation\nmkt: [market\n")
    with pytest.raises(ConfigError, match=r"g\.yaml:\d+"):
        load_glossary(bad)
    bad.write_text("- val\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_glossary(bad)
    good = tmp_path / "g.json"
    good.write_text(json.dumps({"post-$": "post-money", "n": 2}))
    assert load_glossary(good) == {"post-$": "post-money", "n": "2"}


def test_cli_glossary_and_checks_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _seeded_db(tmp_path, monkeypatch)
    runner = CliRunner()
    missing = runner.invoke(app, ["align", "gn", "--dataset", "bench", "--glossary",
                                  str(tmp_path / "none.yaml"), "--db", db])
    assert isinstance(missing.exception, ConfigError) and "none.yaml" in str(missing.exception)
    glossary = tmp_path / "g.yaml"
    glossary.write_text("mkt: market\n")
    done = runner.invoke(app, ["align", "gn", "--dataset", "bench", "--group-by", "question",
                               "--strategy", "threshold", "--glossary", str(glossary),
                               "--db", db, "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["config"]["glossary"] == {"mkt": "market"} and data["checks"] is None
    edit = tmp_path / "c.yaml"
    edit.write_text("- Is it right?\n")
    refused = runner.invoke(app, ["align", "accept", str(data["run"]), "--checks", str(edit),
                                  "--db", db])
    assert isinstance(refused.exception, ConfigError)


def test_aggregation_edits_are_validated_and_a_changed_checklist_drops_the_calibration(
        tmp_path: Path) -> None:
    from evalign.align.checks import dropped_by_edit
    from evalign.scores import ScoreConfig

    with pytest.raises(ConfigError, match="aggregation must be a mapping"):
        check_edit({"aggregation": "mean"})
    with pytest.raises(ConfigError, match="method one of"):
        check_edit({"aggregation": {"method": "bogus"}})
    with pytest.raises(ConfigError, match="threshold must be a number"):
        check_edit({"aggregation": {"method": "min_threshold", "threshold": "high"}})
    with pytest.raises(ConfigError, match="logistic aggregation needs coef"):
        check_edit({"aggregation": {"method": "logistic", "coef": [1.0]}})
    numeric = JudgeSpec(kind="decomposed", scale=ScoreConfig.parse("numeric:0:100:50"),
                        checks={"rubric_field": "references", "aggregation": {"method": "mean"},
                                "calibration": {"method": "linear", "x": [0.0, 100.0],
                                                "y": [10.0, 90.0]}})
    with pytest.raises(ConfigError, match="numeric judge's aggregation"):
        edit_checks(numeric, {"aggregation": {"method": "all_pass"}})
    edited = edit_checks(numeric, {"questions": ["Does the response name the ship?"]})
    assert "calibration" not in edited.checks and edited.checks["aggregation"]["method"] == "mean"
    assert dropped_by_edit(numeric, {"questions": ["a?"]}) == ["calibration"]
    # The map was fitted to the mean's scores: a geometric mean through it would be misplaced.
    other = edit_checks(numeric, {"aggregation": {"method": "geomean_threshold"}})
    assert "calibration" not in other.checks
    assert dropped_by_edit(numeric, {"aggregation": {"method": "geomean_threshold"}}) == [
        "calibration"]
    kept = edit_checks(numeric, {"aggregation": {"method": "mean"}, "glossary": {}})
    assert "calibration" not in kept.checks  # a glossary edit changes what is asked
    same = edit_checks(numeric, {"aggregation": {"method": "mean"}})
    assert same.checks["calibration"] == numeric.checks["calibration"]  # nothing changed
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n  - [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+: cannot read the checks"):
        load_checks(bad)


def test_a_run_starts_from_a_checks_file_and_accepting_edits_says_how_to_test_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _seeded_db(tmp_path, monkeypatch)
    edit = tmp_path / "checks.yaml"
    edit.write_text("questions:\n  - Does the response name every point?\n"
                    "glossary: {mkt: market}\n")
    runner = CliRunner()
    done = runner.invoke(app, ["align", "gn", "--dataset", "bench", "--group-by", "question",
                               "--strategy", "decompose", "--checks", str(edit), "--db", db,
                               "--json"])
    assert done.exit_code == 0, done.output
    config = json.loads(done.output)["config"]
    assert config["checks"] == {"questions": ["Does the response name every point?"]}
    assert config["glossary"] == {"mkt": "market"} and config["rubric_split"] == "auto"
    # a decomposed candidate (the API run: its judge model reads the checks), then accepted
    # from the CLI with the edited checks
    store = open_store(db)
    try:
        run_id, _ = _align(store, "gn", rubric_split="rules")
    finally:
        store.close()
    accepted = runner.invoke(app, ["align", "accept", str(run_id), "--checks", str(edit),
                                   "--force", "--db", db])
    assert accepted.exit_code == 0, accepted.output
    said = " ".join(accepted.output.split())
    assert "the edited checks were never scored on test" in said
    assert f"align gn --dataset bench --group-by question --strategy decompose --checks {edit}" \
        in said


@pytest.mark.parametrize(("text", "extra", "said"), [
    ("questions:\n  - Is it short?\nsplit: rules\n", (),
     "fixed questions split nothing; remove split"),
    ("split: model\n", ("--rubric-split", "rules"),
     "split model conflicts with --rubric-split rules"),
    ("questions:\n  - Is it short?\nglossary: {mkt: marketing}\n", ("--glossary", "G"),
     "the glossary expands 'mkt' unlike --glossary"),
    ("questions:\n  - Is it short?\n", ("--strategy", "threshold"),
     "--checks: asked only by the decompose strategy; add decompose to --strategy"),
    ("questions:\n  - Does {response} cite a source?\n", (),
     "question 1 has the placeholder {response}, which is never filled"),
    ("- Is it short?\n- Is it short?\n", (), "question 2 repeats question 1"),
])
def test_a_checks_file_that_cannot_start_a_run_starts_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, extra: tuple[str, ...],
        said: str) -> None:
    db = _seeded_db(tmp_path, monkeypatch)
    (tmp_path / "G").write_text("mkt: market\n")
    edit = tmp_path / "checks.yaml"
    edit.write_text(text)
    args = [str(tmp_path / "G") if a == "G" else a for a in extra]
    result = CliRunner().invoke(app, ["align", "gn", "--dataset", "bench", "--checks", str(edit),
                                      *args, "--db", db])
    assert isinstance(result.exception, ConfigError), result.output
    assert said in str(result.exception)
    assert "strategy" in said or str(edit) in str(result.exception)
    history = CliRunner().invoke(app, ["align", "history", "gn", "--db", db, "--json"])
    assert json.loads(history.output) == []


def test_a_base_judge_whose_answers_cannot_be_read_is_said_so(sqlite_store: Store) -> None:
    """Its validation agreement counts the unread answers as misses; the outcome says so."""
    def unreadable_prompt(request: GenerateRequest) -> str:
        return check_answer(request) if request.choices == ("Yes", "No") else "maybe"

    seed_store(sqlite_store)
    run_id, _ = _align(sqlite_store, "gn", ScriptedModel(unreadable_prompt), rubric_split="rules")
    out = as_dict(get_alignment(sqlite_store, run_id).outcome)
    val = out["split"]["val"]
    note = next(n for n in out["notes"] if n.startswith("base judge:"))
    assert f"{val} of {val} validation verdicts are errors (unreadable {val}; first: " \
        in note, note
    assert note.endswith("they count as misses in its validation agreement (0.0%)")
    assert out["validation"]["baseline"] == 0.0 and out["strategy"] == "decompose"
