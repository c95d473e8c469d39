"""Pairwise judges asked in both orders: tie or uncertain when the orders disagree, chosen on
validation, recorded in the outcome and carried by the accepted judge."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import ValidationError

from evalign.align import AlignConfig, accept_alignment, execute_alignment, start_alignment
from evalign.align.examples import Example
from evalign.align.order_policy import choose_policy, order_note, order_outcome, policy_figures
from evalign.data.records import LabelIn, Row
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.pairwise import combine_orders, is_uncertain, order_policy, reread
from evalign.judges.scorer import score_item
from evalign.judges.serialize import spec_from_dict
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge, resolve
from tests.align.helpers import as_dict

PAIRWISE = ScoreConfig(kind="pairwise")
PROMPT = ("Which output follows the instruction better? Answer 1, 2 or tie.\n\n"
          "Instruction: {input}\n\nOutput 1:\n{output_1}\n\nOutput 2:\n{output_2}")
SPEC = JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x")
UNCERTAIN = SPEC.model_copy(update={"checks": {"order_disagreement": "uncertain"}})
PAIR = Item({"input": "say hi"}, "hello there", output_2="hi", id=1)


def test_both_orders_map_the_swapped_answer_back_and_settle_by_policy() -> None:
    biased = ScriptedModel("constant:1")  # "1" in both orders: the preference flips
    tie = asyncio.run(score_item(SPEC, PAIR, biased))
    assert (tie.value, tie.error) == (0, None) and [c.passed for c in tie.checks] == [False]
    none = asyncio.run(score_item(UNCERTAIN, PAIR, biased))
    assert none.value is None and none.error_kind == "uncertain" and is_uncertain(none)
    assert "(first order: 1, swapped: 2)" in (none.error or "")
    assert "[outputs in order 2, 1]" in none.raw and none.attempts == 2
    # "1" for the first order and "2" once swapped is the same preference: output 1.
    steady = asyncio.run(score_item(UNCERTAIN, PAIR, ScriptedModel(_longer)))
    assert (steady.value, steady.error) == (1, None)
    assert [c.passed for c in steady.checks] == [True]


def test_reread_turns_a_tie_into_uncertain_and_back_without_a_call() -> None:
    tie = combine_orders(Verdict(value=2, reasoning="r"), Verdict(value=2), "tie")
    assert tie.value == 0 and tie.reasoning.startswith("inconsistent under position swap")
    none = reread(tie, "uncertain")
    assert none.value is None and none.error_kind == "uncertain"
    back = reread(none, "tie")
    assert (back.value, back.error, back.reasoning) == (0, None, tie.reasoning)
    failed = Verdict(value=None, error="timeout", error_kind="transient")
    assert reread(failed, "tie") is failed  # a failed call stays a failure
    consistent = combine_orders(Verdict(value=1), Verdict(value=2), "uncertain")
    assert reread(consistent, "uncertain") is consistent and consistent.value == 1
    error = combine_orders(Verdict(value=1), failed, "uncertain")
    assert (error.value, error.error_kind) == (None, "transient")


def test_an_unknown_order_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="order_disagreement"):
        JudgeSpec(scale=PAIRWISE, checks={"order_disagreement": "coin"})
    with pytest.raises(ConfigError, match="order_disagreement"):
        spec_from_dict({"prompt": "p", "scale": "pairwise",
                        "checks": {"order_disagreement": "maybe"}})
    sneaked = SPEC.model_copy(update={"checks": {"order_disagreement": "coin"}})
    with pytest.raises(ConfigError, match="'tie' or 'uncertain'"):
        order_policy(sneaked)


def _example(label: str) -> Example:
    return Example(Item({"input": "x"}, "a", output_2="b"), PAIRWISE.parse_value(label),
                   PAIRWISE)


def _flipped() -> Verdict:
    return combine_orders(Verdict(value=1), Verdict(value=1), "tie")


def test_the_uncertain_note_counts_misses_on_the_basis_every_report_uses() -> None:
    test = [_example(v) for v in ("1", "2", "1", "2")]
    unsure = reread(_flipped(), "uncertain")
    failed = Verdict(value=None, error="HTTP 400", error_kind="provider_error")
    verdicts = [Verdict(value=1), Verdict(value=1), unsure, failed]
    block = order_outcome({"chosen": "uncertain"}, test, [UNCERTAIN] * 4, verdicts)
    assert block is not None
    # the failed call is left out (as a held-out run's report leaves it out); the
    # non-decision counts as a miss: 1 hit of 3
    assert block["test"] == {"items": 4, "uncertain": 1, "counted": 3, "hits": 1,
                             "agreement_all": pytest.approx(1 / 3)}
    note = order_note(block)
    assert note is not None and "counted as misses it would be 33.3% (1 of 3 test items; " \
        "1 errored verdict left out, as in every report)" in note


def test_choice_on_validation_figures() -> None:
    val = [_example(v) for v in ("1", "2", "1", "2")]
    verdicts = [Verdict(value=1), Verdict(value=2), _flipped(), _flipped()]
    tie = policy_figures(SPEC, val, verdicts, "tie")
    assert (tie["agreement"], tie["decided"], tie["uncertain"]) == (0.5, 4, 0)
    unsure = policy_figures(SPEC, val, verdicts, "uncertain")
    assert (unsure["agreement"], unsure["agreement_all"], unsure["decided"]) == (1.0, 0.5, 2)
    chosen, block = choose_policy(SPEC, val, verdicts, val)
    assert chosen == "uncertain" and "higher validation agreement" in block["why"]
    # Where the humans call the flipped items ties, a tie is right there and wins.
    tied = [_example(v) for v in ("1", "2", "tie", "tie")]
    mixed = [Verdict(value=1), Verdict(value=1), _flipped(), _flipped()]
    assert choose_policy(SPEC, tied, mixed, tied)[0] == "tie"
    # No validation answer flipped: the labels decide (no human tie: a tie is never right).
    steady = [Verdict(value=1), Verdict(value=2)]
    assert choose_policy(SPEC, val[:2], steady, val[:2])[0] == "uncertain"
    assert choose_policy(SPEC, val[:2], steady, [*val[:2], tied[2]])[0] == "tie"


def _longer(request: GenerateRequest) -> str:
    first, second = request.context["output_1"], request.context["output_2"]
    return "1" if len(str(first)) > len(str(second)) else "2"


def _rows(modes: tuple[str, ...], human_tie_when_biased: bool, n: int = 30) -> list[Row]:
    """Item k: the judge is right, wrong or position-biased (its `mode`); the better output
    says 'correct answer' and is the shorter. With `human_tie_when_biased`, humans call the
    biased items ties."""
    out = []
    for k in range(n):
        mode = modes[k % len(modes)]
        good, bad = f"correct answer {k}", f"a poor and much longer answer {k}"
        first_better = k % 2 == 0
        item = Item({"input": f"task {k} mode={mode}"}, good if first_better else bad,
                    output_2=bad if first_better else good, external_id=str(k))
        label = "tie" if human_tie_when_biased and mode == "biased" else \
            "1" if first_better else "2"
        out.append(Row(item, (LabelIn("preference", PAIRWISE.parse_value(label)),), k + 1))
    return out


def _judge(request: GenerateRequest) -> str:
    text = " ".join(str(m["content"]) for m in request.messages)
    if "mode=biased" in text:
        return "1"
    first = text.split("Output 1:", 1)[1].split("Output 2:", 1)[0]
    right = "1" if "correct answer" in first else "2"
    return right if "mode=right" in text else {"1": "2", "2": "1"}[right]


def _align(store: Store, rows: list[Row]) -> dict[str, object]:
    with store.session() as s:
        repo_datasets.write_dataset(s, "pairs", rows, repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "pw", SPEC)
    run_id = start_alignment(store, "pw", AlignConfig(
        dataset="pairs", group_by="input", strategies=("threshold",), seed=3))
    done = execute_alignment(store, run_id, models={"judge": ScriptedModel(_judge),
                                                    "reflection": ScriptedModel(_judge)})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    out["_run"] = run_id
    return out


def test_no_human_ties_uncertain_wins_and_the_accepted_judge_carries_it(
        sqlite_store: Store) -> None:
    out = _align(sqlite_store, _rows(("right", "biased", "right"), human_tie_when_biased=False))
    order = out["order_policy"]
    assert isinstance(order, dict) and order["chosen"] == "uncertain", order
    val = order["validation"]
    assert val["uncertain"]["agreement"] > val["tie"]["agreement"]
    assert val["uncertain"]["uncertain"] > 0 and val["tie"]["uncertain"] == 0
    spec = out["candidate_spec"]
    assert isinstance(spec, dict) and spec["checks"]["order_disagreement"] == "uncertain"
    assert "when they disagree: uncertain" in str(out["prompt_diff"])
    test = order["test"]
    assert test["uncertain"] > 0
    # Undecided test items are left out of the candidate's agreement, said in a note, and
    # the recommendation also counts them as misses: then it only matches the baseline.
    candidate, baseline = out["candidate"], out["baseline"]
    assert isinstance(candidate, dict) and isinstance(baseline, dict)
    assert candidate["comparisons"] == test["items"] - test["uncertain"]
    assert candidate["agreement"] > baseline["agreement"]
    assert test["agreement_all"] == pytest.approx(baseline["agreement"])
    # The outcome's own report says the same, under its own cause, not as errors.
    assert candidate["cannot_compare_causes"]["undecided_verdicts"] == test["uncertain"]
    assert candidate["cannot_compare_causes"]["errored_verdicts"] == 0
    assert candidate["agreement_all"] == pytest.approx(test["agreement_all"])
    assert not out["recommended"] and "gave no verdict as misses" in str(out["recommendation"])
    assert any("got no verdict" in n for n in out["notes"])  # type: ignore[attr-defined]
    accept_alignment(sqlite_store, int(out["_run"]), force=True)  # type: ignore[call-overload]
    with sqlite_store.session() as s:
        accepted = resolve(s, "pw").spec
    assert order_policy(accepted) == "uncertain"
    biased = Item({"input": "task 99 mode=biased"}, "a", output_2="b")
    verdict = asyncio.run(score_item(accepted, biased, ScriptedModel(_judge)))
    assert verdict.value is None and verdict.error_kind == "uncertain"


def test_human_ties_on_the_flipped_items_keep_tie(sqlite_store: Store) -> None:
    modes = ("right", "biased", "right", "wrong", "biased", "right")
    out = _align(sqlite_store, _rows(modes, human_tie_when_biased=True))
    order = out["order_policy"]
    assert isinstance(order, dict) and order["chosen"] == "tie", order
    val = order["validation"]
    assert val["tie"]["agreement"] > val["uncertain"]["agreement"]
    assert order["test"]["uncertain"] == 0
    spec = out["candidate_spec"]
    assert isinstance(spec, dict) and spec["checks"]["order_disagreement"] == "tie"


def test_pandalm_import_chooses_a_policy_on_validation(sqlite_store: Store,
                                                       shared_datasets: Path) -> None:
    from evalign.data.importer import import_file

    import_file(sqlite_store, shared_datasets / "pandalm/public.jsonl", "pd", sample=40, seed=1)

    def judge(request: GenerateRequest) -> str:
        """The longer output when the lengths differ by a fifth, else always output 1."""
        one, two = (len(str(request.context[k])) for k in ("output_1", "output_2"))
        if max(one, two) > 1.2 * min(one, two):
            return "1" if one > two else "2"
        return "1"

    with sqlite_store.session() as s:
        create_judge(s, "pd-judge", JudgeSpec(prompt=PROMPT, scale=PAIRWISE, model="scripted/x"))
    run_id = start_alignment(sqlite_store, "pd-judge", AlignConfig(
        dataset="pd", group_by="input", strategies=("threshold",)))
    done = execute_alignment(sqlite_store, run_id, models={"judge": ScriptedModel(judge),
                                                           "reflection": ScriptedModel(judge)})
    assert done.status == "aligned", done.error
    out = as_dict(done.outcome)
    order = out["order_policy"]
    val = order["validation"]
    assert set(val) == {"tie", "uncertain"} and order["chosen"] in val
    assert val["tie"]["items"] == out["split"]["val"] and val["tie"]["uncertain"] == 0
    flipped = val["uncertain"]["uncertain"]
    assert val["uncertain"]["decided"] == val["uncertain"]["items"] - flipped
    other = "tie" if order["chosen"] == "uncertain" else "uncertain"
    assert (val[order["chosen"]]["agreement"] or 0) >= (val[other]["agreement"] or 0)
    assert out["candidate_spec"]["checks"]["order_disagreement"] == order["chosen"]
    assert out["human_ceiling"]["annotators"] == 3  # PandaLM's three annotators
    assert set(out["trivial_baselines"]) == {"majority", "first", "longer"}


def test_report_counts_uncertain_verdicts_apart_from_ties(sqlite_store: Store) -> None:
    from evalign.report.build import run_report
    from evalign.runner.run import run_judge

    with sqlite_store.session() as s:
        repo_datasets.write_dataset(s, "pairs", _rows(("right", "biased"), False, n=8),
                                    repo_datasets.Criteria(s, PAIRWISE))
        create_judge(s, "unsure", UNCERTAIN.model_copy(update={"model": "scripted/constant:1"}))
    report = run_report(sqlite_store, run_judge(sqlite_store, "unsure", "pairs").run)
    assert report["bias"]["order_inconsistent"] == report["bias"]["order_uncertain"] == 8
    causes = report["cannot_compare_causes"]
    assert report["comparisons"] == 0 and causes["undecided_verdicts"] == 8
    assert causes["errored_verdicts"] == 0  # a non-decision, not a failed call
    assert report["agreement"] is None and report["agreement_all"] == 0.0
    warning = next(w for w in report["warnings"] if w.startswith("position bias"))
    assert "8 of them have no verdict (order policy 'uncertain')" in warning
    assert "count as ties" not in warning
