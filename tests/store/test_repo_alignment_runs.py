"""The alignment-run repository: one claimer wins, cancelled runs stay cancelled, the typed
outcome reads back whole (unknown keys kept), orphans are found by heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from evalign.errors import ConflictError, NotFoundError
from evalign.judges.spec import JudgeSpec
from evalign.store import Store
from evalign.store import repo_alignment_runs as repo
from evalign.store.alignment_outcome import AlignmentOutcome
from evalign.store.repo_judges import create_judge
from evalign.store.repo_runs import now

PHASES = ["loading annotations", "verifying"]


def _new(store: Store, judge: str = "j") -> int:
    with store.session() as s:
        info = create_judge(s, judge, JudgeSpec(prompt="Is {output} fine?", model="scripted/x"))
        return repo.create_alignment_run(s, judge_version_id=info.id, config={"seed": 1},
                                         sources={"datasets": ["d"], "runs": []}, phases=PHASES)


def test_a_pending_run_is_claimed_once(store: Store) -> None:
    run_id = _new(store)
    with store.session() as s:
        run = repo.get_alignment_run(s, run_id)
        assert (run.status, run.judge, run.judge_version, run.outcome) == ("pending", "j", 1, None)
        assert list(run.phases) == PHASES and run.phases["verifying"].status == "waiting"
        assert run.sources.datasets == ["d"]
        assert repo.next_pending_alignment(s) == run_id
    with store.session() as s:
        assert repo.claim_alignment(s, run_id)
    with store.session() as s:
        assert not repo.claim_alignment(s, run_id)  # already running, heartbeat fresh
        assert repo.next_pending_alignment(s) is None
        assert repo.get_alignment_run(s, run_id).status == "running"


def test_an_orphan_is_found_by_its_heartbeat_and_taken_over(store: Store) -> None:
    run_id = _new(store)
    with store.session() as s:
        repo.claim_alignment(s, run_id)
    with store.session() as s:
        assert repo.orphaned_alignments(s, now() - timedelta(minutes=5)) == []
        assert repo.orphaned_alignments(s, now() + timedelta(seconds=1)) == [run_id]
        assert repo.claim_alignment(s, run_id, stale_before=now() + timedelta(seconds=1))
    with store.session() as s:
        repo.requeue_alignment(s, run_id)
        assert repo.next_pending_alignment(s) == run_id


def test_a_cancelled_run_keeps_its_status(store: Store) -> None:
    run_id = _new(store)
    with store.session() as s:
        repo.claim_alignment(s, run_id)
        repo.write_progress(s, run_id, {"loading annotations": {"status": "running"},
                                        "verifying": {"status": "waiting"}})
    with store.session() as s:
        cancelled = repo.cancel_alignment_run(s, run_id)
        assert cancelled.status == "cancelled"
        # its process may never close the running phase (killed, interrupted): cancel does
        assert cancelled.phases["loading annotations"].status == "cancelled"
        assert cancelled.phases["verifying"].status == "waiting"
    with store.session() as s:
        phases = repo.stored_phases(s, run_id)
        phases["verifying"] = {"status": "running"}
        assert repo.write_progress(s, run_id, phases, "verifying", set_phase=True) == "cancelled"
        assert repo.heartbeat(s, run_id) == "cancelled"
        assert not repo.finish_alignment(s, run_id, phases, AlignmentOutcome())
    with store.session() as s:
        run = repo.get_alignment_run(s, run_id)
        assert run.status == "cancelled" and run.phase is None and run.outcome is None
        assert run.phases["verifying"].status == "waiting"
        with pytest.raises(ConflictError, match="is cancelled"):
            repo.record_decision(s, run_id, "accepted")


def test_the_outcome_reads_back_typed_and_whole(store: Store) -> None:
    run_id = _new(store)
    stored = {"strategy": "guidelines", "split": {"train": 8, "val": 4, "test": 4},
              "baseline": {"agreement": 0.5, "agreement_ci": [0.2, 0.8], "comparisons": 4,
                           "kappa": None, "brier": 0.25},
              "candidate": {"agreement": 0.75, "comparisons": 4},
              "trivial_baselines": {"length": {"description": "longer passes",
                                               "agreement": 0.5}},
              "validation": {"curve": [{"strategy": "base", "round": 0, "val_agreement": 0.5}]},
              "recommended": True, "recommendation": "recommended: …",
              "a_newer_key": {"kept": True}}
    with store.session() as s:
        repo.claim_alignment(s, run_id)
        assert repo.finish_alignment(s, run_id, repo.stored_phases(s, run_id),
                                     AlignmentOutcome.model_validate(stored))
    with store.session() as s:
        run = repo.get_alignment_run(s, run_id)
    out = run.outcome
    assert run.status == "aligned" and out is not None
    assert out.baseline.agreement == 0.5 and out.baseline.kappa is None
    assert out.candidate.agreement_ci is None  # missing is None, never a made-up figure
    assert out.trivial_baselines["length"].description == "longer passes"
    assert out.validation.curve[0].strategy == "base" and out.split["test"] == 4
    dumped = run.to_dict()
    assert dumped["a_newer_key"] == {"kept": True} and dumped["baseline"]["brier"] == 0.25
    assert dumped["status"] == "aligned" and dumped["run"] == run_id


def test_decisions_history_and_names(store: Store) -> None:
    first, second = _new(store), _new(store, "other")
    with store.session() as s:
        assert repo.alignment_run_ids(s) == [second, first]
        assert repo.alignment_run_ids(s, judge="j") == [first]
        assert repo.alignment_run_ids(s, limit=1) == [second]
        repo.claim_alignment(s, first)
        repo.finish_alignment(s, first, {}, AlignmentOutcome())
        assert repo.record_decision(s, first, "rejected").decision == "rejected"
        with pytest.raises(ConflictError, match="already rejected"):
            repo.record_decision(s, first, "accepted")
        assert repo.free_judge_name(s, "j") == "j-2"
        assert repo.free_judge_name(s, "fresh") == "fresh"
        with pytest.raises(NotFoundError, match="no alignment run 999"):
            repo.get_alignment_run(s, 999)


def test_a_held_run_is_running_from_creation_and_no_worker_claims_it(store: Store) -> None:
    with store.session() as s:
        info = create_judge(s, "h", JudgeSpec(prompt="Is {output} fine?", model="scripted/x"))
        run_id = repo.create_alignment_run(s, judge_version_id=info.id, config={"seed": 1},
                                           sources={"datasets": ["d"], "runs": []},
                                           phases=PHASES, held=True)
    with store.session() as s:
        assert repo.get_alignment_run(s, run_id).status == "running"
        assert repo.next_pending_alignment(s) is None
        assert not repo.claim_alignment(s, run_id)
        assert not repo.claim_alignment(s, run_id, stale_before=now() - timedelta(minutes=5))
