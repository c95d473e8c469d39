"""`--from-run` takes runs of the very judge version aligned: their verdicts are reused."""

from __future__ import annotations

import pytest

from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.errors import ConflictError
from evalign.judges.spec import JudgeSpec
from evalign.runner.run import run_judge
from evalign.store import Store
from evalign.store.repo_alignment_runs import alignment_run_ids
from evalign.store.repo_judges import add_version, create_judge
from tests.align.helpers import PROMPT, Recorder, seed_store

CONFIG = {"group_by": "question", "strategies": ("threshold",)}


def _ids(store: Store) -> list[int]:
    with store.session() as s:
        return list(alignment_run_ids(s))


def test_a_run_of_another_judge_is_refused_naming_the_dataset(store: Store) -> None:
    seed_store(store)
    with store.session() as s:
        create_judge(s, "pfj", JudgeSpec(prompt=PROMPT, model="scripted/constant:FAIL"))
    other = run_judge(store, "pfj", "bench").run
    with pytest.raises(ConflictError) as refused:
        start_alignment(store, "gn", AlignConfig(from_runs=(other,), **CONFIG))
    said = str(refused.value)
    assert f"run {other} is a run of pfj@1, not of gn" in said
    assert "--dataset bench" in said
    assert _ids(store) == []  # nothing was created


def test_a_run_of_another_version_is_refused_naming_both(store: Store) -> None:
    seed_store(store)
    old = run_judge(store, "gn@1", "bench").run
    with store.session() as s:
        add_version(s, "gn", JudgeSpec(prompt=PROMPT + "\nBe strict.",
                                       model="scripted/constant:PASS"), make_current=True)
    with pytest.raises(ConflictError) as refused:
        start_alignment(store, "gn", AlignConfig(from_runs=(old,), **CONFIG))
    said = str(refused.value)
    assert f"run {old} is a run of gn@1, but gn@2 is being aligned" in said
    assert f"align gn@1 --from-run {old}" in said and "--dataset bench" in said


def test_a_run_of_the_version_aligned_is_reused_without_judging_again(store: Store) -> None:
    seed_store(store)
    source = run_judge(store, "gn", "bench").run
    run_id = start_alignment(store, "gn", AlignConfig(from_runs=(source,), **CONFIG))
    judge = Recorder()
    done = execute_alignment(store, run_id, models={"judge": judge, "reflection": Recorder()})
    assert done.status == "aligned", done.error
    assert judge.requests == []  # every verdict came from the source run
