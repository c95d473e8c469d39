"""Runs on both stores: agreement with scripted judges, cache, repeat, errors, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from evalign.errors import ConfigError
from evalign.judges.spec import JudgeSpec
from evalign.providers import ScriptedModel
from evalign.runner import cancel_run, run_judge
from evalign.runner import run as run_module
from evalign.runner.run import create_run
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_judges import add_version
from tests.runner.helpers import add_evalsbench, add_judge, verdicts_with_labels


def test_truth_judge_agrees_with_every_human_label(store: Store, shared_datasets: Path) -> None:
    n = add_evalsbench(store, shared_datasets)
    add_judge(store, "truth", "scripted/field:truth")
    summary = run_judge(store, "truth", "eb")
    assert (summary.status, summary.items, summary.verdicts, summary.errors) == ("completed", n,
                                                                                n, 0)
    pairs = verdicts_with_labels(store, summary.run)
    assert len(pairs) == n
    assert all(v == label for v, label in pairs)
    assert {label for _, label in pairs} == {"pass", "fail"}


def test_constant_pass_judge_passes_everything(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=12)
    add_judge(store, "yes", "scripted/constant:pass")
    summary = run_judge(store, "yes", "eb")
    values = [v for v, _ in verdicts_with_labels(store, summary.run)]
    assert values == ["pass"] * 12


def test_second_run_makes_zero_calls(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=10)
    add_judge(store, "hash", "scripted/hash")
    first = run_judge(store, "hash", "eb")
    second = run_judge(store, "hash", "eb")
    assert (first.calls, first.cached) == (10, 0)
    assert (second.calls, second.cached, second.verdicts) == (0, 10, 10)
    assert (second.prompt_tokens, second.completion_tokens) == (0, 0)
    bypass = run_judge(store, "hash", "eb", use_cache=False)
    assert (bypass.calls, bypass.cached) == (10, 0)


def test_cache_never_crosses_prompts_or_params(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=6)
    add_judge(store, "j", "scripted/hash")
    assert run_judge(store, "j", "eb").calls == 6
    with store.session() as session:
        add_version(session, "j", JudgeSpec(prompt="Other: {response}", model="scripted/hash"))
    assert run_judge(store, "j@2", "eb").calls == 6
    with store.session() as session:
        add_version(session, "j", JudgeSpec(prompt="Other: {response}", model="scripted/hash",
                                            params={"temperature": 0.7}))
    assert run_judge(store, "j@3", "eb").calls == 6
    assert run_judge(store, "j@2", "eb").calls == 0
    assert run_judge(store, "j@2", "eb", model="scripted/constant:pass").calls == 6


def test_repeat_asks_every_sample_and_caches_each_apart(store: Store,
                                                       shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=5)
    add_judge(store, "hash", "scripted/hash")
    summary = run_judge(store, "hash", "eb", repeat=3)
    assert (summary.verdicts, summary.calls, summary.mean_flip_rate) == (15, 15, 0.0)
    again = run_judge(store, "hash", "eb", repeat=3)
    assert (again.calls, again.cached) == (0, 15)  # each sample has its own cache entry
    assert run_judge(store, "hash", "eb").calls == 0  # sample 0 is a plain run's answer

    answers = iter(["PASS", "FAIL", "PASS"] * 5)
    flaky = ScriptedModel(lambda _request: next(answers))
    flips = run_judge(store, "hash", "eb", repeat=3, provider=flaky, use_cache=False)
    assert flips.mean_flip_rate == pytest.approx(1 / 3)
    with store.session() as session:
        stored = session.get_one(m.Run, flips.run).counters["flip_rates"]
    assert sorted(stored.values()) == pytest.approx([1 / 3] * 5)


def test_unparseable_answers_are_errors_with_raw_text(store: Store,
                                                      shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=4)
    add_judge(store, "vague", "scripted/constant:it depends")
    summary = run_judge(store, "vague", "eb")
    # A run whose judge never answered readably is not a completed measurement.
    assert (summary.status, summary.errors, summary.verdicts) == ("failed", 4, 4)
    assert summary.error is not None and summary.error.startswith("all 4 verdicts are errors")
    assert summary.error_counts.common_raw == [("it depends", 4)]
    with store.session() as session:
        rows = session.scalars(sa.select(m.Verdict).where(m.Verdict.run_id == summary.run)).all()
    assert {r.error_kind for r in rows} <= {"unparseable", "unreadable"}
    assert all(r.value is None and r.raw == "it depends" and r.attempts == 2 for r in rows)


def test_missing_fields_refused_before_any_run(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=3)
    add_judge(store, "ctx", "scripted/hash", prompt="Context: {context}\n{response}")
    with pytest.raises(ConfigError, match=r"\{context\} \(3 items\).*grading_notes"):
        run_judge(store, "ctx", "eb")
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count(m.Run.id))) == 0


def test_cancel_is_idempotent(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=3)
    add_judge(store, "hash", "scripted/hash")
    pending = create_run(store, "hash", "eb")
    assert cancel_run(store, pending) == ("cancelled", True)
    assert cancel_run(store, pending) == ("cancelled", False)
    done = run_judge(store, "hash", "eb")
    assert cancel_run(store, done.run) == ("completed", False)


def test_running_run_stops_when_cancelled(store: Store, shared_datasets: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "HEARTBEAT_S", 0.0)
    add_evalsbench(store, shared_datasets, limit=20)
    add_judge(store, "hash", "scripted/hash")
    run_id = create_run(store, "hash", "eb")
    calls = []

    def answer(_request: object) -> str:
        calls.append(1)
        if len(calls) == 5:
            cancel_run(store, run_id)
        return "PASS"

    import asyncio

    summary = asyncio.run(run_module.execute(store, run_id, concurrency=1,
                                             provider=ScriptedModel(answer)))
    assert summary.status == "cancelled"
    assert 5 <= summary.verdicts < 20
    assert cancel_run(store, run_id) == ("cancelled", False)


def test_code_judge_run(store: Store, shared_datasets: Path) -> None:
    add_evalsbench(store, shared_datasets, limit=4)
    with store.session() as session:
        from evalign.store.repo_judges import create_judge

        create_judge(session, "long", JudgeSpec(kind="code",
                                                prompt="tests.judges.code_fixtures:long_enough"))
    summary = run_judge(store, "long", "eb")
    assert (summary.verdicts, summary.errors, summary.calls, summary.cost_usd) == (4, 0, 0, 0.0)
    assert {v for v, _ in verdicts_with_labels(store, summary.run)} == {"pass"}
