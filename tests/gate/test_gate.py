"""`evalign gate`: exit 0 only for a calibrated, unchanged judge above the floor's lower bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from evalign.calibration import gate, spec_hash
from evalign.store import Store, open_store
from evalign.store.repo_labels import upsert_label
from evalign.workflows.judge_catalog import edit
from tests.gate.helpers import invoke, seed


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "e.db")
    store = open_store(path)
    seed(store, tmp_path)
    store.close()
    return path


def test_constant_judge_fails_its_floor(db: str) -> None:
    code, out = invoke("gate", "constant", "--dataset", "gold", "--min-agreement", "0.8",
                       "--calibrate", "--db", db)
    assert code == 1, out
    assert "FAIL" in out and "min_agreement" in out and "below the floor 0.8" in out
    code, out = invoke("gate", "constant", "--dataset", "gold", "--min-kappa", "0.2",
                       "--db", db, "--json")
    data = json.loads(out)
    assert code == 1 and data["passed"] is False
    kappa = next(c for c in data["conditions"] if c["name"] == "min_kappa")
    assert kappa["passed"] is False
    assert data["calibration"]["figures"]["agreement"] == pytest.approx(0.5)


def test_calibrated_judge_passes_then_fails_after_prompt_edit(db: str) -> None:
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-agreement", "0.8",
                       "--min-kappa", "0.6", "--calibrate", "--db", db, "--json")
    assert code == 0, out
    data = json.loads(out)
    figures = data["calibration"]["figures"]
    assert figures["agreement"] == 1.0 and figures["comparisons"] == 40
    # Wilson's lower bound for 40/40 is 0.912: the floor is checked against it, not 1.0.
    assert figures["agreement_ci"][0] == pytest.approx(0.9124, abs=1e-3)
    assert data["calibration"]["spec_hash"] == data["spec_hash"]
    # Without --calibrate the stored record is read: no new run, same answer.
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 0 and "PASS" in out, out
    # A floor above the lower bound fails even though agreement is 100%.
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-agreement", "0.95",
                       "--db", db)
    assert code == 1 and "lower bound 0.912 is below the floor 0.95" in out, out

    store = open_store(db)
    edit(store, "good", prompt="Be lenient. " + "Question: {question}\nAnswer: {output}\n")
    store.close()
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 1, out
    assert "good@2 changed since it was calibrated as good@1" in out and "prompt" in out
    # The old version still passes: its content is what was calibrated.
    code, out = invoke("gate", "good@1", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 0, out


def test_never_calibrated_and_usage_errors(db: str) -> None:
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 1 and "never been calibrated" in out and "--calibrate" in out
    code, out = invoke("gate", "good", "--dataset", "gold", "--db", db)
    assert code == 2 and "give a floor" in out
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-agreement", "80", "--db", db)
    assert code == 2 and "between 0 and 1" in out
    code, out = invoke("gate", "nobody", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 2 and "no judge named 'nobody'" in out


def test_changed_labels_invalidate_the_calibration(db: str) -> None:
    assert invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--calibrate",
                  "--db", db)[0] == 0
    store = open_store(db)
    with store.session() as session:
        item_id = session.execute(sa.text("SELECT id FROM items LIMIT 1")).scalar_one()
        upsert_label(session, item_id, "default", "fail", annotator="late")
    store.close()
    code, out = invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--db", db)
    assert code == 1 and "dataset_unchanged" in out and "changed since calibration" in out


def test_calibration_record_is_exported_as_json(db: str) -> None:
    assert invoke("gate", "good", "--dataset", "gold", "--min-kappa", "0.6", "--calibrate",
                  "--db", db)[0] == 0
    code, out = invoke("judge", "calibration", "good", "--db", db)
    assert code == 0, out
    records = json.loads(out)
    assert len(records) == 1
    record = records[0]
    assert record["judge"] == "good@1" and record["dataset"] == "gold"
    assert record["source"]["kind"] == "run" and record["matches_versions"] == [1]
    assert len(record["dataset_version"]) == 64 and record["created_at"]
    assert record["figures"]["kappa_ci"][0] == pytest.approx(1.0)


def test_gate_library_on_each_backend(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path, n=30)
    result = gate(store, "good", "gold", min_agreement=0.85, calibrate=True)
    assert result.passed, result.to_dict()
    assert result.calibration is not None
    assert result.calibration.spec_hash == result.spec_hash
    again = gate(store, "good", "gold", min_agreement=0.85)
    assert again.passed and again.calibration is not None
    assert again.calibration.id == result.calibration.id
    bad = gate(store, "constant", "gold", min_agreement=0.85, calibrate=True)
    assert not bad.passed and [c.name for c in bad.failed] == ["min_agreement"]


def test_spec_hash_ignores_nothing_that_decides_a_verdict() -> None:
    from evalign.judges.spec import JudgeSpec

    base = JudgeSpec(prompt="p {output}", model="m", params={"temperature": 0})
    assert spec_hash(base) == spec_hash(JudgeSpec(prompt="p {output}", model="m",
                                                  params={"temperature": 0}))
    for changed in (base.model_copy(update={"prompt": "q {output}"}),
                    base.model_copy(update={"model": "n"}),
                    base.model_copy(update={"params": {"temperature": 0.5}}),
                    base.model_copy(update={"threshold": 0.4})):
        assert spec_hash(changed) != spec_hash(base)


def test_accepted_alignment_calibrates_by_its_test_split(
        sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from evalign.align import accept_alignment, align
    from tests.align.helpers import seed_store

    monkeypatch.setenv("EVALIGN_MODEL", "scripted/constant:- Be strict about every point.")
    seed_store(sqlite_store)
    run = align("gn", "bench", store=sqlite_store, group_by="question",
                strategies=("guidelines",), rounds=1)
    accept_alignment(sqlite_store, run.id, force=True)  # the gate, not the recommendation
    result = gate(sqlite_store, "gn", "bench", min_agreement=0.0)
    assert result.calibration is not None, result.to_dict()
    source = result.calibration.source
    assert source["kind"] == "alignment_test" and source["id"] == run.id
    assert run.outcome is not None
    assert result.calibration.figures["comparisons"] == run.outcome.split["test"]
    assert result.calibration.figures["agreement"] == run.outcome.candidate.agreement
    assert result.passed and result.judge == "gn@2"
    # A later edit is not covered by the alignment run's figures.
    edit(sqlite_store, "gn", prompt="Be strict.\n{response}\n{grading_notes}")
    edited = gate(sqlite_store, "gn@3", "bench", min_agreement=0.0)
    assert not edited.passed and edited.failed[0].name == "calibrated"
