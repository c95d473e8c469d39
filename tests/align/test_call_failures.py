"""Judge calls that fail (after retries) are never left silently out of an alignment's figures:
past the max error rate the run ends as an error saying so; below it, the outcome says how
many test verdicts are errors and on how many items each figure rests."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from evalign.align import (
    AlignConfig,
    alignment_history,
    execute_alignment,
    get_alignment,
    start_alignment,
)
from evalign.align.outcome import check_measured
from evalign.align.scoring import CallFailures
from evalign.errors import ConfigError, ParseError, ProviderError
from evalign.judges.spec import Verdict
from evalign.providers.registry import get_model
from evalign.store import Store
from tests.align.helpers import seed_store
from tests.providers.fake_openai_server import FakeOpenAI, Reply, completion


def _refusing(server: FakeOpenAI, *questions: str) -> None:
    """Answer HTTP 400 (a failed call, never retried) for the items of `questions`, else PASS."""
    def reply(request: dict[str, Any]) -> Reply:
        text = str(request["messages"][-1]["content"])
        if any(f"Answer {q}:" in text for q in questions) or not questions:
            return 400, {}, {"error": {"message": "model m is not served here"}}, 0.0
        return 200, {}, completion("PASS"), 0.0
    server.next_reply = reply  # type: ignore[method-assign]


def test_an_endpoint_that_fails_every_call_ends_the_run_as_an_error(sqlite_store: Store) -> None:
    with FakeOpenAI() as server:
        _refusing(server)
        seed_store(sqlite_store)
        run_id = start_alignment(sqlite_store, "gn", AlignConfig(
            dataset="bench", group_by="question", strategies=("threshold",)))
        judge = get_model("openai/m", base_url=server.base_url, api_key="k")
        with pytest.raises(ProviderError, match="judge calls failed after retries"):
            execute_alignment(sqlite_store, run_id, models={"judge": judge})
        asyncio.run(judge.aclose())
    run = get_alignment(sqlite_store, run_id)
    assert run.status == "error" and run.outcome is None
    assert run.error is not None and "more than the max error rate 0.05" in run.error
    assert "model m is not served here" in run.error


def test_a_few_failed_calls_are_counted_and_said_on_test(sqlite_store: Store) -> None:
    with FakeOpenAI() as server:
        _refusing(server, "1", "3", "5", "7", "9", "11")
        seed_store(sqlite_store)
        run_id = start_alignment(sqlite_store, "gn", AlignConfig(
            dataset="bench", group_by="question", strategies=("threshold",),
            max_error_rate=0.5))
        judge = get_model("openai/m", base_url=server.base_url, api_key="k")
        execute_alignment(sqlite_store, run_id, models={"judge": judge})
        asyncio.run(judge.aclose())
    run = get_alignment(sqlite_store, run_id)
    assert run.status == "aligned" and run.outcome is not None
    out = run.outcome
    test_items = out.split["test"]
    errored = test_items - (out.baseline.comparisons or 0)
    assert errored > 0 and out.errors_skipped > 0
    assert out.disagreements is not None and out.agreeing_skipped is not None
    assert out.disagreements + out.agreeing_skipped + out.errors_skipped == out.split["train"]
    said = [n for n in out.notes if n.startswith("baseline: ")]
    assert said[0].startswith(f"baseline: {errored} of {test_items} test verdicts are errors")
    assert "provider_error" in said[0] and "model m is not served here" in said[0]
    assert f"rest on the other {test_items - errored}" in said[0]
    assert f"on {out.paired.pairs} items both judged" in out.conclusion
    # trivial baselines are scored on the items the candidate judged, like the candidate
    assert {row.comparisons for row in out.trivial_baselines.values()} == \
        {out.candidate.comparisons}


def test_no_readable_candidate_verdict_on_test_ends_the_run_as_an_error() -> None:
    unread = Verdict(value=None, error="unreadable: no verdict found", error_kind="unreadable",
                     raw="Here is a checklist.")
    with pytest.raises(ParseError, match="none of the candidate's 2 test verdicts could be "
                                         "compared"):
        check_measured([unread, unread])
    check_measured([unread, Verdict(value="PASS")])
    check_measured([])
    failed = Verdict(value=None, error="HTTP 400", error_kind="provider_error")
    with pytest.raises(ProviderError, match="every call failed") as raised:
        check_measured([failed, failed])
    assert not isinstance(raised.value, ParseError)  # a failed call is not an unreadable answer


def test_too_few_folds_are_refused_before_a_run_is_stored(sqlite_store: Store) -> None:
    seed_store(sqlite_store)
    with pytest.raises(ConfigError, match="folds: must be greater than or equal to 3, not 2"):
        start_alignment(sqlite_store, "gn", AlignConfig(dataset="bench", folds=2))
    assert alignment_history(sqlite_store, "gn") == []


def test_call_failures_raise_only_past_the_rate_and_after_enough_verdicts() -> None:
    failed = Verdict(value=None, error="HTTP 400", error_kind="provider_error")
    unread = Verdict(value=None, error="no verdict", error_kind="unreadable")
    ok = Verdict(value="PASS")
    count = CallFailures()
    count.add([failed] * 3, 0.05)  # too few verdicts to judge a rate
    with pytest.raises(ProviderError, match="3 of 23 judge calls failed"):
        count.add([unread] * 20, 0.05)  # unreadable answers are the judge's, not failed calls
    assert count.failed == 3
    lenient = CallFailures()
    lenient.add([failed] * 3 + [ok] * 9, 0.25)
    assert (lenient.seen, lenient.failed, lenient.first) == (12, 3, "HTTP 400")
