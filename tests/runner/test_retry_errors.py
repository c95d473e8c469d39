"""`evalign run --resume N --retry-errors`: a run whose endpoint was down is asked again.

The first session's endpoint fails every call for some items (after the runner's retries) and
answers others with text no reader can use. `--resume` alone finishes only items without a
verdict, so it asks nothing. `--retry-errors` asks again exactly the failed calls, in a new run
that reuses the other verdicts (unreadable ones included: the model did answer) and names the
old run, which stays row for row as it was. Calls, tokens, cost and errors of both runs are
exact on every surface: run summary, `runs list`, `runs show`, the web run page's JSON twin.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from evalign.cli.app import app
from evalign.errors import ConflictError, TransientError
from evalign.providers import ScriptedModel
from evalign.providers.base import GenerateRequest, GenerateResult
from evalign.runner import resume_run, retry_errors, run_judge
from evalign.runner.details import list_run_summaries, run_detail
from evalign.runner.retry import RetryPolicy
from evalign.runner.run import create_run, launch
from evalign.store import Store, open_store
from evalign.store import models as m
from evalign.store.repo_run_items import restrict_run
from evalign.web import create_app
from tests.runner.helpers import add_evalsbench, add_judge
from tests.web.helpers import Client

FAST = RetryPolicy(base_delay=0.001, max_delay=0.01)
TOTAL = 24


def _key(request: GenerateRequest) -> str:
    return _item_key(request.context)


def _item_key(fields: Any) -> str:
    return str(fields["question"]) + "\n" + str(fields["response"])


class _Endpoint(ScriptedModel):
    """Answers the item's human label, except: items in `down` fail every call (a dead
    endpoint), items in `garbled` get an answer without a verdict. Logs calls and tokens."""

    def __init__(self, down: set[str], garbled: set[str]):
        super().__init__("field:truth")
        self.down, self.garbled = down, garbled
        self.asked: Counter[str] = Counter()
        self.tokens = [0, 0]

    async def generate(self, request: GenerateRequest) -> GenerateResult:
        key = _key(request)
        self.asked[key] += 1
        if key in self.down:
            raise TransientError("connection refused")
        result = await super().generate(request)
        if key in self.garbled:
            result = GenerateResult(text="I would rather not say.", prompt_tokens=7,
                                    completion_tokens=5)
        self.tokens[0] += result.prompt_tokens or 0
        self.tokens[1] += result.completion_tokens or 0
        return result


def _questions(store: Store) -> list[str]:
    with store.session() as session:
        rows = session.execute(sa.select(m.Item.inputs, m.Item.output)
                               .order_by(m.Item.position))
        return [_item_key({**inputs, "response": output}) for inputs, output in rows]


def _rows(store: Store, run_id: int) -> list[tuple[Any, ...]]:
    v = m.Verdict
    with store.session() as session:
        return [tuple(row) for row in session.execute(
            sa.select(v.id, v.item_id, v.sample, v.value, v.error, v.error_kind, v.raw,
                      v.prompt_tokens, v.completion_tokens, v.cost_usd, v.cached)
            .where(v.run_id == run_id).order_by(v.id))]


def _web(store: Store, run_id: int) -> dict[str, Any]:
    client = Client(create_app(store, worker=False))
    try:
        page: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    finally:
        client.close()
    return page


@pytest.fixture
def failed_run(db_url: str, shared_datasets: Path) -> tuple[Store, set[str], set[str]]:
    """Run 1, judged while the endpoint was down for every third item."""
    store = open_store(db_url)
    add_evalsbench(store, shared_datasets, limit=TOTAL)
    add_judge(store, "truth", "scripted/field:truth")
    keys = _questions(store)
    assert len(set(keys)) == TOTAL
    down = set(keys[::3])
    garbled = {k for i, k in enumerate(keys) if i % 3 == 1 and i % 2 == 1}
    first = run_judge(store, "truth", "eb", provider=_Endpoint(down, garbled), policy=FAST)
    assert first.error_counts.provider == len(down) == 8
    assert first.error_counts.unreadable == len(garbled) == 4
    return store, down, garbled


def test_resume_alone_asks_nothing_and_retry_asks_only_the_failed_calls(
        failed_run: tuple[Store, set[str], set[str]]) -> None:
    store, down, garbled = failed_run
    before = _rows(store, 1)
    summary_before = list_run_summaries(store)[0]

    again = resume_run(store, 1, provider=(idle := _Endpoint(set(), garbled)), policy=FAST)
    assert not idle.asked and again.verdicts == TOTAL and again.errors == 12

    back = _Endpoint(set(), garbled)  # the endpoint answers again
    retried = retry_errors(store, 1, provider=back, policy=FAST)

    # exactly the failed calls were asked, once each; unreadable answers were not asked again
    assert set(back.asked) == down and set(back.asked.values()) == {1}
    assert retried.run == 2 and retried.status == "completed"
    assert retried.retry_of == {"run": 1, "failed": 8, "reused": TOTAL - 8, "not_asked": 0}
    assert (retried.verdicts, retried.errors) == (TOTAL, len(garbled))
    assert retried.error_counts.provider == 0 and retried.error_counts.unreadable == 4
    # the new run counts what it spent, nothing of what it reused
    assert retried.calls == 8
    assert (retried.prompt_tokens, retried.completion_tokens) == tuple(back.tokens)
    assert retried.cost_usd == 0.0 and retried.cached == TOTAL - 8

    # the old run is row for row what it was, and its figures are unchanged
    assert _rows(store, 1) == before
    old = run_detail(store, 1)["run"]
    figures = ("calls", "errors", "prompt_tokens", "completion_tokens", "verdicts", "status")
    assert {k: old[k] for k in figures} == {k: getattr(summary_before, k) for k in figures}
    # the same figures on every surface
    listed = {s.run: s for s in list_run_summaries(store)}
    assert (listed[2].calls, listed[2].errors, listed[2].prompt_tokens) == (
        8, 4, retried.prompt_tokens)
    assert (listed[1].calls, listed[1].errors) == (summary_before.calls, 12)
    shown = run_detail(store, 2)
    assert shown["run"]["calls"] == 8 and shown["run"]["retry_of"]["run"] == 1
    assert sum(1 for row in shown["items"] if row["error"]) == 4
    page = _web(store, 2)
    assert page["run"]["parent_run_id"] == 1 and page["run"]["counters"]["calls"] == 8
    assert page["stats"]["errors"] == 4
    assert _web(store, 1)["stats"]["errors"] == 12
    store.close()


def test_a_retry_while_the_endpoint_is_still_down_can_be_retried_in_turn(
        failed_run: tuple[Store, set[str], set[str]]) -> None:
    store, down, garbled = failed_run
    still = retry_errors(store, 1, provider=_Endpoint(down, garbled), policy=FAST)
    assert still.error_counts.provider == 8 and still.status == "completed"
    last = retry_errors(store, still.run, provider=_Endpoint(set(), garbled), policy=FAST)
    assert last.retry_of == {"run": still.run, "failed": 8, "reused": TOTAL - 8,
                             "not_asked": 0}
    assert last.errors == 4 and last.calls == 8
    # with no failed call and nothing left to ask there is nothing to retry: refused, no run
    with pytest.raises(ConflictError, match="nothing to retry"):
        retry_errors(store, last.run, provider=(idle := _Endpoint(set(), set())))
    assert not idle.asked and len(list_run_summaries(store)) == 3
    with pytest.raises(ConflictError, match=f"already asked again in run {still.run}"):
        retry_errors(store, 1, provider=_Endpoint(set(), set()))
    assert run_detail(store, 1)["run"]["retried_by"] == [still.run]
    for status, refusal in (("cancelled", "was cancelled"), ("running", "finishes it first")):
        with store.session() as session:
            session.execute(sa.update(m.Run).where(m.Run.id == 1).values(status=status))
        with pytest.raises(ConflictError, match=refusal):
            retry_errors(store, 1, provider=_Endpoint(set(), set()))
    store.close()


def test_cli_says_the_next_step_and_retries(tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "cli.db")
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=TOTAL)
    add_judge(store, "truth", "scripted/field:truth")
    down = set(_questions(store)[::3])
    run_judge(store, "truth", "eb", provider=_Endpoint(down, set()), policy=FAST)
    store.close()
    cli = CliRunner()

    resumed = cli.invoke(app, ["run", "--resume", "1", "--db", db])
    assert resumed.exit_code == 3, resumed.output
    flat = " ".join(resumed.output.split())
    assert "`evalign run --resume 1 --retry-errors` asks again the 8 items whose model call" \
        " failed" in flat

    alone = cli.invoke(app, ["run", "--retry-errors", "--db", db])
    assert alone.exit_code == 2 and "give --resume" in alone.output

    retried = cli.invoke(app, ["run", "--resume", "1", "--retry-errors", "--db", db, "--json"])
    assert retried.exit_code == 0, retried.output
    summary = json.loads(retried.stdout)
    assert (summary["run"], summary["errors"], summary["calls"]) == (2, 0, 8)
    assert summary["retry_of"] == {"run": 1, "failed": 8, "reused": TOTAL - 8, "not_asked": 0}
    text = cli.invoke(app, ["runs", "show", "2", "--db", db])
    assert "retries run 1: 8 items whose call failed asked again, 16 reused from run 1" in \
        " ".join(text.output.split())


def test_a_retry_keeps_the_runs_items_and_samples(db_url: str, shared_datasets: Path) -> None:
    store = open_store(db_url)
    add_evalsbench(store, shared_datasets, limit=TOTAL)
    add_judge(store, "truth", "scripted/field:truth")
    keys = _questions(store)
    run_id = create_run(store, "truth", "eb", repeat=2)
    with store.session() as session:
        ids = list(session.scalars(sa.select(m.Item.id).order_by(m.Item.position)))[:10]
        restrict_run(session, run_id, ids, {"kind": "held_out", "alignment_run": 7})
    down = set(keys[:10:2])  # 5 of the run's 10 items, both samples
    first = launch(store, run_id, provider=_Endpoint(down, set()), policy=FAST)
    assert (first.verdicts, first.error_counts.provider) == (20, 10)

    back = _Endpoint(set(), set())
    retried = retry_errors(store, run_id, provider=back, policy=FAST)
    assert set(back.asked) == down and sum(back.asked.values()) == 10  # each sample once
    assert retried.scope == first.scope and retried.items == 10 and retried.repeat == 2
    assert (retried.verdicts, retried.errors, retried.calls) == (20, 0, 10)
    assert retried.retry_of == {"run": run_id, "failed": 10, "reused": 10, "not_asked": 0}
    store.close()


def _interrupt(store: Store, run_id: int, drop: int) -> set[int]:
    """Make run `run_id` look stopped by Ctrl-C before its last `drop` items (stored as
    failed with what finished, as the runner does); returns the items left without a verdict."""
    v = m.Verdict
    with store.session() as session:
        items = list(session.scalars(sa.select(m.Item.id).order_by(m.Item.position)))
        gone = set(items[-drop:])
        session.execute(sa.delete(v).where(v.run_id == run_id, v.item_id.in_(gone)))
        session.execute(sa.update(m.Run).where(m.Run.id == run_id)
                        .values(status="failed", error="interrupted"))
    return gone


def _keys_of(store: Store, item_ids: set[int]) -> set[str]:
    with store.session() as session:
        rows = session.execute(sa.select(m.Item.inputs, m.Item.output)
                               .where(m.Item.id.in_(item_ids)))
        return {_item_key({**inputs, "response": output}) for inputs, output in rows}


def test_retrying_an_interrupted_run_counts_and_asks_the_items_it_never_asked(
        tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "int.db")
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=20)
    add_judge(store, "truth", "scripted/field:truth")
    keys = _questions(store)
    # no answer cache: the items deleted below must be asked, as if never reached
    run_judge(store, "truth", "eb", provider=_Endpoint({keys[0]}, set()), policy=FAST,
              use_cache=False)
    never = _interrupt(store, 1, drop=4)  # 16 of 20 verdicts, one a failed call
    assert keys[0] not in _keys_of(store, never)
    before = _rows(store, 1)

    back = _Endpoint(set(), set())
    retried = retry_errors(store, 1, provider=back, policy=FAST)
    assert set(back.asked) == {keys[0]} | _keys_of(store, never)
    assert retried.retry_of == {"run": 1, "failed": 1, "reused": 15, "not_asked": 4}
    assert (retried.verdicts, retried.errors, retried.calls) == (20, 0, 5)
    assert _rows(store, 1) == before
    assert run_detail(store, 2)["run"]["retry_of"]["not_asked"] == 4
    assert _web(store, 2)["run"]["counters"]["retry_of"]["not_asked"] == 4
    store.close()
    shown = CliRunner().invoke(app, ["runs", "show", "2", "--db", db])
    assert "1 items whose call failed asked again, 4 never asked (run 1 was interrupted) " \
        "asked now, 15 reused from run 1" in " ".join(shown.output.split())


def test_retrying_a_run_without_failed_calls_is_a_new_run_never_a_resume_in_place(
        db_url: str, shared_datasets: Path) -> None:
    store = open_store(db_url)
    add_evalsbench(store, shared_datasets, limit=20)
    add_judge(store, "truth", "scripted/field:truth")
    run_judge(store, "truth", "eb", provider=_Endpoint(set(), set()), policy=FAST,
              use_cache=False)
    never = _interrupt(store, 1, drop=4)  # interrupted, no failed call
    before = _rows(store, 1)

    back = _Endpoint(set(), set())
    retried = retry_errors(store, 1, provider=back, policy=FAST)
    assert retried.run == 2 and set(back.asked) == _keys_of(store, never)
    assert retried.retry_of == {"run": 1, "failed": 0, "reused": 16, "not_asked": 4}
    assert _rows(store, 1) == before  # run 1 is kept as it was, still interrupted
    assert run_detail(store, 1)["run"]["status"] == "failed"
    with pytest.raises(ConflictError, match=r"run 2 has no failed call .* nothing to retry"):
        retry_errors(store, 2, provider=_Endpoint(set(), set()))
    store.close()


def test_resume_refuses_the_options_it_would_ignore(tmp_path: Path,
                                                     shared_datasets: Path) -> None:
    db = str(tmp_path / "opts.db")
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=6)
    add_judge(store, "truth", "scripted/field:truth")
    add_judge(store, "other", "scripted/field:truth")
    down = set(_questions(store)[:2])
    run_judge(store, "truth", "eb", provider=_Endpoint(down, set()), policy=FAST)
    store.close()
    cli = CliRunner()
    for extra, named in ((["--model", "openai/p2"], "--model"),
                         (["--dataset", "fl"], "--dataset"), (["--repeat", "1"], "--repeat"),
                         (["--no-cache"], "--no-cache"), (["other"], "JUDGE other"),
                         (["--held-out", "3"], "--held-out")):
        for retry in ([], ["--retry-errors"]):
            out = cli.invoke(app, ["run", "--resume", "1", *retry, *extra, "--db", db])
            flat = " ".join(out.output.replace("│", " ").split())
            assert out.exit_code == 2, (extra, retry, out.output)
            assert f"drop {named}" in flat and "start a fresh `evalign run" in flat, flat
            assert "own judge, dataset, model" in flat
    both = cli.invoke(app, ["run", "--resume", "1", "--model", "m", "--dataset", "d",
                            "--db", db])
    assert "drop --dataset, --model" in " ".join(both.output.replace("│", " ").split())
    store = open_store(db)
    assert [s.run for s in list_run_summaries(store)] == [1]  # nothing was run
    store.close()
    # the run's own judge, by name or NAME@V, is no option to refuse
    for own in ("truth", "truth@1"):
        ok = cli.invoke(app, ["run", own, "--resume", "1", "--db", db])
        assert ok.exit_code == 3 and "drop" not in ok.output, ok.output


def test_a_retried_runs_stored_error_says_which_run_retried_it(
        tmp_path: Path, shared_datasets: Path) -> None:
    db = str(tmp_path / "dead.db")
    store = open_store(db)
    add_evalsbench(store, shared_datasets, limit=5)
    add_judge(store, "truth", "scripted/field:truth")
    first = run_judge(store, "truth", "eb", provider=_Endpoint(set(_questions(store)), set()),
                      policy=FAST)
    assert first.status == "failed" and "--resume 1 --retry-errors" in (first.error or "")
    retry_errors(store, 1, provider=_Endpoint(set(), set()), policy=FAST)
    page = _web(store, 1)
    assert page["run"]["error"] == first.error and page["run"]["retried_by"] == [2]
    assert _web(store, 2)["run"]["retried_by"] == []
    client = Client(create_app(store, worker=False))
    try:
        html = " ".join(client.get("/runs/1").text.split())
    finally:
        client.close()
    assert 'retried by <a href="/runs/2">#2</a>' in html
    store.close()
    shown = CliRunner().invoke(app, ["runs", "show", "1", "--db", db])
    flat = " ".join(shown.output.split())
    assert "asks the failed calls again once the endpoint answers (retried by run 2: " \
        "`evalign runs show 2`)" in flat
