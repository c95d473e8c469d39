"""`calibrate` on a pass/fail judge changes nothing, and the outcome's notes say so."""

from __future__ import annotations

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.store import Store
from tests.align.helpers import Recorder, as_dict, seed_store


def test_calibrate_alone_on_a_pass_fail_judge_says_it_did_nothing(store: Store) -> None:
    seed_store(store)
    config = AlignConfig(dataset="bench", group_by="question", strategies=("calibrate",))
    run_id = start_alignment(store, "gn", config)
    done = execute_alignment(store, run_id, models={"judge": Recorder(),
                                                    "reflection": Recorder()})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    assert out["strategy"] == "base"
    said = [n for n in out["notes"] if n.startswith("calibrate: skipped")]
    assert len(said) == 1, out["notes"]
    assert "only to a numeric (or star) judge" in said[0]
    assert "this judge answers pass_fail and the human labels are pass_fail" in said[0]
    assert "the candidate is the base judge" in said[0]
