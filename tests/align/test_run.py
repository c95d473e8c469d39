from __future__ import annotations

import pytest

from evalign.align import (
    AlignConfig,
    accept_alignment,
    alignment_history,
    cancel_alignment,
    execute_alignment,
    get_alignment,
    reject_alignment,
    start_alignment,
)
from evalign.align.strategies.registry import phases_for
from evalign.errors import ConflictError, NotFoundError
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.store import Store
from evalign.store.repo_judges import get_judge, list_versions, resolve
from tests.align.helpers import Recorder, check_answer, seed_store

STRATEGIES = ("guidelines", "fewshot", "threshold", "decompose")


def _run(store: Store, judge: str = "gn", **settings: object) -> tuple[int, Recorder, Recorder]:
    config = AlignConfig.model_validate({"dataset": "bench", "group_by": "question",
                                         "strategies": STRATEGIES, "rounds": 2, **settings})
    run_id = start_alignment(store, judge, config)
    judge_model, reflection = Recorder(), Recorder()
    execute_alignment(store, run_id, models={"judge": judge_model, "reflection": reflection})
    return run_id, judge_model, reflection


def test_full_run_statuses_phases_and_outcome(store: Store) -> None:
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=STRATEGIES, rounds=2)
    run_id = start_alignment(store, "gn", config)
    assert get_alignment(store, run_id).status == "pending"
    seen: list[tuple[str, str | None]] = []

    def judge(request: GenerateRequest) -> str:
        row = get_alignment(store, run_id)
        seen.append((row.status, row.phase))
        return check_answer(request)

    done = execute_alignment(store, run_id, models={"judge": ScriptedModel(judge),
                                                    "reflection": Recorder()})
    assert done.status == "aligned" and done.phase is None and done.error is None
    assert {status for status, _ in seen} == {"running"}
    phases_seen = list(dict.fromkeys(phase for _, phase in seen))
    # Threshold reuses verdicts already scored, so no judge call happens in its phase.
    assert phases_seen == ["building disagreement traces", "distilling guidelines",
                           "choosing few-shot examples", "decomposing into checks", "verifying"]
    assert list(done.phases) == phases_for(STRATEGIES)
    assert all(p.status == "done" and (p.seconds or 0) >= 0 and p.seconds is not None
               for p in done.phases.values())
    out = done.to_dict()
    for key in ("run", "status", "split", "disagreements", "agreeing_skipped", "guidelines",
                "baseline", "candidate", "paired", "calls", "prompt_tokens",
                "completion_tokens", "cost_usd", "wall_s"):
        assert key in out, key
    assert out["split"] == {"train": 16, "val": 8, "test": 8}
    assert out["disagreements"] == 8 and out["agreeing_skipped"] == 8
    assert out["strategy"] == "decompose"
    assert out["baseline"]["agreement"] == 0.5 and out["candidate"]["agreement"] == 1.0
    assert out["paired"]["difference"] == 0.5 and out["paired"]["mcnemar_p"] is not None
    assert set(out["trivial_baselines"]) == {"majority", "length"}
    assert out["calls"] > 0 and out["per_phase"]["verifying"]["calls"] > 0
    assert out["validation"]["curve"][0]["strategy"] == "base"
    assert "kind: decomposed" in out["prompt_diff"]


def test_reflection_never_sees_validation_or_test_items(store: Store) -> None:
    seed_store(store)
    run_id, _, reflection = _run(store, strategies=("guidelines", "decompose"))
    run = get_alignment(store, run_id)
    assert reflection.requests, "the guidelines strategy asked the reflection model"
    with store.session() as s:
        from evalign.store import models as m

        assert run.outcome is not None
        parts = run.outcome.split_items
        assert parts["test"] == run.outcome.test_items
        held = [s.get_one(m.Item, i).output for i in parts["val"] + parts["test"]]
        train = [s.get_one(m.Item, i).output for i in parts["train"]]
    seen = "\n".join(str(msg["content"]) for r in reflection.requests for msg in r.messages)
    assert held and not any(text in seen for text in held)
    assert any(text in seen for text in train)  # the traces do reach it
    assert "secret" not in seen  # only template fields reach the reflection model
    assert run.outcome.guidelines == "" or "grading notes" in run.outcome.guidelines


def test_cancel_is_idempotent_and_stops_a_pending_run(store: Store) -> None:
    seed_store(store)
    run_id = start_alignment(store, "gn", AlignConfig(dataset="bench", group_by="question"))
    assert cancel_alignment(store, run_id).status == "cancelled"
    first = get_alignment(store, run_id)
    assert cancel_alignment(store, run_id).status == "cancelled"
    assert get_alignment(store, run_id).finished_at == first.finished_at
    assert execute_alignment(store, run_id).status == "cancelled"  # nothing runs


def test_cancel_while_running_and_after_finish(store: Store) -> None:
    seed_store(store)
    run_id = start_alignment(store, "gn", AlignConfig(dataset="bench", group_by="question",
                                                      strategies=("decompose",)))

    def cancelling(request: GenerateRequest) -> str:
        cancel_alignment(store, run_id)
        return check_answer(request)

    done = execute_alignment(store, run_id, models={"judge": ScriptedModel(cancelling),
                                                    "reflection": Recorder()})
    assert done.status == "cancelled" and done.outcome is None
    assert done.phases["building disagreement traces"].status in ("done", "cancelled")
    finished, _, _ = _run(store, strategies=("threshold",))
    assert cancel_alignment(store, finished).status == "aligned"


def test_history_newest_first_and_unknown_judge(store: Store) -> None:
    seed_store(store)
    first = start_alignment(store, "gn", AlignConfig(dataset="bench"))
    second = start_alignment(store, "gn", AlignConfig(dataset="bench"))
    assert [r.id for r in alignment_history(store, "gn")] == [second, first]
    with pytest.raises(NotFoundError):
        alignment_history(store, "nope")
    with pytest.raises(NotFoundError):
        start_alignment(store, "gn", AlignConfig(dataset="missing"))


def test_accept_makes_a_new_current_version(store: Store) -> None:
    seed_store(store)
    run_id, _, _ = _run(store, strategies=("decompose",))
    pending = start_alignment(store, "gn", AlignConfig(dataset="bench"))
    with pytest.raises(ConflictError, match="pending"):
        accept_alignment(store, pending)
    # 100% on test ties the trivial length baseline: not recommended, so refused unforced
    with pytest.raises(ConflictError, match=r"not recommended: .*100\.0%.*--force") as refused:
        accept_alignment(store, run_id)
    assert "length baseline" in str(refused.value)
    assert get_alignment(store, run_id).decision is None
    with store.session() as s:
        assert resolve(s, "gn").version == 1  # nothing was accepted
    accepted = accept_alignment(store, run_id, force=True)
    assert accepted.decision == "accepted" and accepted.accepted_version == "gn@2"
    with store.session() as s:
        info = resolve(s, "gn")
        assert info.version == 2 and info.spec.kind == "decomposed"
        assert info.provenance["alignment_run"] == run_id
        assert info.provenance["recommended"] is False  # accepted with force
    with pytest.raises(ConflictError, match="already accepted"):
        reject_alignment(store, run_id)


def test_accept_forks_a_builtin_judge(store: Store) -> None:
    seed_store(store)
    run_id, _, _ = _run(store, judge="ragas-baseline", strategies=("decompose",),
                        judge_model="scripted/constant:PASS")
    accepted = accept_alignment(store, run_id, force=True)  # ties a trivial baseline
    assert accepted.accepted_version == "ragas-baseline-aligned@2"
    with store.session() as s:
        assert get_judge(s, "ragas-baseline").builtin
        assert [v.version for v in list_versions(s, "ragas-baseline")] == [1]
        assert resolve(s, "ragas-baseline-aligned").spec.kind == "decomposed"


def test_reject_and_budget(store: Store) -> None:
    seed_store(store)
    run_id, _, _ = _run(store, strategies=("threshold", "decompose"), budget_calls=20)
    run = get_alignment(store, run_id)
    assert run.status == "aligned"
    assert run.outcome is not None
    assert any("budget" in n for n in run.outcome.notes)
    assert run.outcome.strategy in ("base", "threshold")
    # the strategies the budget stopped before never ran: skipped, not waiting forever
    assert {p.status for p in run.phases.values()} <= {"done", "skipped"}, run.phases
    assert run.phases["decomposing into checks"].status == "skipped", run.phases
    assert reject_alignment(store, run_id).decision == "rejected"
    with pytest.raises(ConflictError):
        accept_alignment(store, run_id)
