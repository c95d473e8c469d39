"""The runner's table work, in the store: batch inserts that keep only the new rows on a
collision, pages of work left, error tallies, cache rows, and the run's status moves."""

from __future__ import annotations

from evalign.data.records import Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.runner.error_counts import count_errors
from evalign.runner.run import cancel_run, create_run
from evalign.store import Store, repo_runs
from evalign.store.repo_cache import get_answer, put_answer
from evalign.store.repo_comparisons import dataset_id
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_items import iter_items
from evalign.store.repo_judges import create_judge
from evalign.store.repo_verdicts import count_verdicts, error_tallies, insert_verdicts
from evalign.store.repo_work import work_page
from evalign.store.repo_writes import write_dataset


def _seed(store: Store, n: int = 5) -> tuple[int, list[int]]:
    rows = [Row(Item({"q": f"q{i}"}, f"a{i}", external_id=f"e{i}"), (), i + 1)
            for i in range(n)]
    with store.session() as s:
        write_dataset(s, "d", rows, Criteria(s))
        create_judge(s, "j", JudgeSpec(prompt="Is {output} fine?", model="scripted/x"))
    run_id = create_run(store, "j", "d")
    with store.session() as s:
        ids = [item.id for item in iter_items(s, dataset_id(s, "d"))]
    return run_id, [i for i in ids if i is not None]


def test_a_colliding_batch_keeps_exactly_the_new_verdicts(store: Store) -> None:
    run_id, ids = _seed(store)
    assert insert_verdicts(store, run_id, [Verdict("pass", item_id=ids[0]),
                                           Verdict("fail", item_id=ids[1])]) == [True, True]
    again = [Verdict("fail", item_id=ids[0]), Verdict("pass", item_id=ids[2]),
             Verdict("pass", item_id=ids[1], sample=1)]
    assert insert_verdicts(store, run_id, again) == [False, True, True]
    with store.session() as s:
        assert count_verdicts(s, run_id) == 4
        stored = {(v.item_id, v.sample): v.value for v, _ in repo_runs.verdict_rows(s, run_id)}
    assert stored[(ids[0], 0)] == "pass"  # the first verdict stays


def test_a_work_page_carries_its_items_and_their_stored_samples(store: Store) -> None:
    run_id, ids = _seed(store)
    insert_verdicts(store, run_id, [Verdict("pass", item_id=ids[1]),
                                    Verdict("pass", item_id=ids[3])])
    with store.session() as s:
        first = work_page(s, run_id, dataset_id(s, "d"), after=-1, limit=2)
        assert first is not None
        second = work_page(s, run_id, dataset_id(s, "d"), after=first.last, limit=2)
        assert second is not None
        third = work_page(s, run_id, dataset_id(s, "d"), after=second.last, limit=2)
        assert third is not None and [i.id for i in third.items] == ids[4:]
        assert work_page(s, run_id, dataset_id(s, "d"), after=third.last, limit=2) is None
    assert [i.id for i in first.items + second.items] == ids[:4]
    assert first.done == {(ids[1], 0)} and second.done == {(ids[3], 0)}


def test_errors_without_a_kind_add_to_the_provider_errors(store: Store) -> None:
    run_id, ids = _seed(store)
    insert_verdicts(store, run_id, [
        Verdict(None, raw="??", error="x", error_kind="unreadable", item_id=ids[0]),
        Verdict(None, raw="??", error="x", error_kind="unreadable", item_id=ids[1]),
        Verdict(None, error="x", error_kind=None, item_id=ids[2]),
        Verdict(None, error="x", error_kind="provider_error", item_id=ids[3]),
        Verdict("pass", item_id=ids[4])])
    with store.session() as s:
        tallies = error_tallies(s, run_id, raw_kinds={"unreadable"}, common=3)
        counts = count_errors(s, run_id)
    assert tallies.total == 5 and tallies.common_raw == [("??", 2)]
    assert counts.by_kind == {"unreadable": 2, "provider_error": 2} and counts.errors == 4


def test_the_first_cached_answer_stays(store: Store) -> None:
    assert get_answer(store, "k") is None
    put_answer(store, "k", "scripted/x", {"text": "PASS"})
    put_answer(store, "k", "scripted/x", {"text": "FAIL"})
    entry = get_answer(store, "k")
    assert entry is not None and entry.answer == {"text": "PASS"}
    assert entry.created_at is not None


def test_a_cancel_wins_over_beat_and_finish(store: Store) -> None:
    run_id, _ = _seed(store)
    with store.session() as s:
        repo_runs.mark_running(s, run_id, {"owner": {"pid": 1}})
    with store.session() as s:
        assert repo_runs.beat(s, run_id, {"calls": 1})
    cancel_run(store, run_id)
    with store.session() as s:
        assert not repo_runs.beat(s, run_id, {"calls": 2})
        repo_runs.finish(s, run_id, "completed", error=None, counters={"calls": 3})
    with store.session() as s:
        run = repo_runs.get_run(s, run_id)
        assert (run.status, run.counters) == ("cancelled", {"calls": 3})
        assert repo_runs.judge_ref(s, run) == "j@1"
