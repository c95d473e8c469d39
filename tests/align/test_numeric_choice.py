"""Numeric judges: the default strategies calibrate, candidates are compared by validation MAE
(shown for every row of the curve), and `calibrate` also maps the base judge, whose finer
scale a rewritten prompt may have lost."""

from __future__ import annotations

import json
from pathlib import Path

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.strategies.registry import STRATEGIES
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, open_store, repo_datasets
from evalign.store.repo_judges import create_judge
from tests.align.helpers import Recorder, as_dict, lenient_rows, seed_store
from tests.cli_invoke import invoke

SCALE = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
GUIDELINE = "Rate in two steps only."


def _human(request: GenerateRequest) -> float:
    # lenient_rows: the `truth` field is the human score + 40, capped at 100
    return min(100.0, float(str(request.context.get("truth", "50")))) - 40.0


def _steps_judge(request: GenerateRequest) -> str:
    """Lenient (0.5·human + 40) on the base prompt; with the guideline it answers 25 or 75,
    closer to the humans (so the guideline is kept) but on a two-step scale."""
    text = " ".join(str(m["content"]) for m in request.messages)
    if "Write" in text and "guideline" in text.lower():
        return f"- {GUIDELINE}"
    human = _human(request)
    if GUIDELINE in text:
        return "75" if human >= 50 else "25"
    return f"{0.5 * human + 40:g}"


def _seed(store: Store) -> None:
    with store.session() as s:
        repo_datasets.write_dataset(s, "rated", lenient_rows(40),
                                    repo_datasets.Criteria(s, SCALE))
        create_judge(s, "rater", JudgeSpec(prompt="Rate 0-100: {question} {output} {truth}",
                                           scale=SCALE, model="scripted/x"))


def test_calibrating_the_base_judge_beats_calibrating_a_coarser_prompt(
        sqlite_store: Store) -> None:
    _seed(sqlite_store)
    run_id = start_alignment(sqlite_store, "rater", AlignConfig(
        dataset="rated", group_by="question", strategies=("guidelines", "calibrate"), rounds=1))
    model = ScriptedModel(_steps_judge)
    done = execute_alignment(sqlite_store, run_id, models={"judge": model, "reflection": model})
    out = as_dict(done.outcome)
    assert done.status == "aligned", done.error
    # before: "guidelines+calibrate", a map of two steps (test MAE ~10)
    assert out["strategy"] == "calibrate", (out["strategy"], out["notes"])
    assert any("the base judge calibrated" in n for n in out["notes"]), out["notes"]
    assert out["candidate"]["numeric"]["mae"] < 6.0
    assert GUIDELINE not in out["candidate_spec"]["prompt"]
    # every row a strategy kept or not shows its validation MAE, the base's too
    curve = out["validation"]["curve"]
    # nothing of guidelines is kept: none of its rows says so
    assert not any(p["kept"] for p in curve if p["strategy"] == "guidelines"), curve
    rows = [p for p in curve if p["round"] in (0, "best")]
    assert rows and all(p["val_mae"] is not None for p in rows), rows


def test_the_cli_default_calibrates_a_numeric_judge(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    store = open_store(db)
    _seed(store)
    store.close()
    # the judge answers human + 40 (capped): only a map brings it back
    code, out = invoke("align", "rater", "--dataset", "rated", "--group-by", "question",
                       "--judge-model", "scripted/field:truth", "--reflection-model",
                       "scripted/constant:- Be fair.", "--db", str(db), "--json")
    assert code == 0, out
    found = json.loads(out)
    outcome = found.get("outcome", found)
    assert "calibrate" in outcome["strategy"], (outcome["strategy"], outcome["notes"])
    assert outcome["candidate"]["numeric"]["mae"] < outcome["baseline"]["numeric"]["mae"] / 2


def test_the_default_skips_calibrate_unsaid_on_a_pass_fail_judge(store: Store) -> None:
    seed_store(store)
    run_id = start_alignment(store, "gn", AlignConfig(dataset="bench", group_by="question",
                                                      strategies=STRATEGIES, rounds=1))
    done = execute_alignment(store, run_id, models={"judge": Recorder(),
                                                    "reflection": Recorder()})
    assert done.status == "aligned", done.error
    assert not any(n.startswith("calibrate:") for n in as_dict(done.outcome)["notes"])
