from __future__ import annotations

import math

import numpy as np
import pytest

from evalign.align import aggregate
from evalign.align.baselines import length_baseline, majority_baseline
from evalign.align.examples import Example
from evalign.align.guards import (
    Budget,
    BudgetExceeded,
    GuardError,
    check_fields_preserved,
    check_no_leak,
)
from evalign.align.split import kfold_splits, parse_ratios, split_examples
from evalign.align.traces import build_traces, template_fields
from evalign.errors import ConfigError, UserError
from evalign.items import Item
from evalign.judges import aggregate as verdict_rule
from evalign.judges.rubric import (
    expand_terms,
    parse_points,
    parse_questions,
    question_for,
    split_rubric,
)
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.scores import ScoreConfig
from tests.align.helpers import PROMPT, rows

PF = ScoreConfig(kind="pass_fail")


def _examples(questions: int = 16) -> list[Example]:
    return [Example(r.item, r.labels[0].value, PF, r.labels[0].reasoning) for r in rows(questions)]


def test_split_is_stratified_grouped_and_seeded() -> None:
    examples = _examples(16)
    split = split_examples(examples, group_by="question", seed=3)
    assert split.sizes() == {"train": 16, "val": 8, "test": 8}
    parts = [split.train, split.val, split.test]
    assert sorted(i for p in parts for i in p) == list(range(32))
    questions = [{examples[i].item.inputs["question"] for i in p} for p in parts]
    assert not (questions[0] & questions[1] or questions[0] & questions[2]
                or questions[1] & questions[2])
    assert sum(examples[i].passed for i in split.test) == 4
    assert split_examples(examples, group_by="question", seed=3) == split
    assert split_examples(examples, group_by="question", seed=4) != split


def test_kfold_tests_every_item_once() -> None:
    examples = _examples(12)
    splits = kfold_splits(examples, 4, group_by="question")
    tested = sorted(i for s in splits for i in s.test)
    assert tested == list(range(24))
    with pytest.raises(ConfigError):
        kfold_splits(examples, 2)


def test_split_refuses_too_few_groups_and_bad_ratios() -> None:
    with pytest.raises(UserError, match=r"only 4 labeled items \(2 pass, 2 fail\) in 2 "
                       r"distinct values of 'question': .* needs at least 4 distinct values"):
        split_examples(_examples(2), group_by="question")
    three = _examples(2)[:3]
    with pytest.raises(UserError, match=r"^only 3 labeled items \(2 pass, 1 fail\): a train/"
                       r"validation/test split of 50%/25%/25% needs at least 4 labeled items"):
        split_examples(three)
    with pytest.raises(UserError, match="5-fold cross-validation needs at least 5"):
        kfold_splits(three, 5)


def test_split_of_few_items_per_label_falls_back_to_plain_group_folds() -> None:
    # 3 pass and 3 fail cannot be stratified over 4 folds; the split is still made, seeded.
    six = _examples(3)
    split = split_examples(six, seed=1)
    assert sorted(split.train + split.val + split.test) == list(range(6))
    assert min(split.sizes().values()) >= 1
    assert split_examples(six, seed=1) == split
    assert parse_ratios("2,1,1") == (0.5, 0.25, 0.25)
    with pytest.raises(ConfigError, match="three positive"):
        parse_ratios("0.5,0.5")


GLOSSARY = {"post-$": "post-money", "val": "valuation", "invstmnt": "investment",
            "mkt": "market", "w/": "with", "rev": "revenue"}


def test_rubric_split_knows_no_vocabulary_but_the_users_glossary() -> None:
    notes = "*Post-$ val* critical, pre-money val! + new invstmnt; $1,000 fee (a, b)\n- mkt size"
    plain = [c.text for c in split_rubric(notes)]
    assert plain == ["Post-$ val critical", "pre-money val + new invstmnt", "$1,000 fee (a, b)",
                     "mkt size"]
    concepts = split_rubric(notes, GLOSSARY)
    assert [c.text for c in concepts] == ["post-money valuation critical",
                                          "pre-money valuation + new investment",
                                          "$1,000 fee (a, b)", "market size"]
    assert [c.critical for c in concepts][:3] == [True, True, False]
    assert expand_terms("R&D w/ rev, revenue", GLOSSARY) == "R&D with revenue, revenue"
    assert expand_terms("interval", GLOSSARY) == "interval"  # whole terms only
    assert question_for(concepts[-1]) == 'Does the response mention "market size"?'


def test_model_points_are_bullets_only() -> None:
    assert parse_points("Here you go:\n- first point\n2) second.\nthanks") == \
        ["first point", "second"]
    assert parse_points("no list at all") == []
    # A looping answer ("- - - - …") lists no point, so the rules split the rubric instead.
    assert parse_points("- - - - - - - - - -\n- 25%") == []
    assert parse_points("- R&D spend") == ["R&D spend"]
    assert parse_points("- **Burn rate**: spending too fast\n- Caution: anti-dilution") == \
        ["Burn rate", "anti-dilution"]


def test_model_checklists_read_answered_and_nested_questions() -> None:
    # Answers a small model wrote for instruction checklists (MT-Bench, local 1.5B).
    answered = "Does the response give x-y in z? Yes.\nDoes the response avoid extra steps? No."
    assert parse_questions(answered) == ["Does the response give x-y in z?",
                                         "Does the response avoid extra steps?"]
    nested = ("Does the response define `lcs`?\nDoes the response do the following:\n"
              "- Use dynamic programming.\n2. Return an integer\nDoes the response avoid:\n"
              "- Copyrighted images\nThat is all.")
    assert parse_questions(nested) == [
        "Does the response define `lcs`?", "Does the response use dynamic programming?",
        "Does the response return an integer?", "Does the response avoid copyrighted images?"]
    # A negative question is answered yes by a failing response: it is no check.
    negated = "Does the response list ratings?\nYes.\nDoes the response do not list ratings?"
    assert parse_questions(negated) == ["Does the response list ratings?"]
    assert parse_questions("Is it? Well, it depends on many things we have not seen") == []
    assert parse_questions("- - -\nDoes the response cite a source?") == \
        ["Does the response cite a source?"]


def test_cross_validated_choice_is_scored_on_folds_it_never_saw() -> None:
    # Check answers unrelated to the labels: the best of five methods' cross-validated
    # agreements is luck; the nested figure of the choice itself does not share it.
    rng = np.random.default_rng(7)
    probs = [list(rng.uniform(size=3)) for _ in range(48)]
    labels = [bool(b) for b in rng.integers(0, 2, size=48)]
    groups = [str(i // 2) for i in range(48)]
    _, scores = aggregate.learn_cv(probs, labels, groups)
    assert scores["selected"] < max(v for k, v in scores.items() if k != "selected")
    # Checks that decide the label: the nested figure finds it too.
    clean = [[0.9, 0.8] if i % 2 else [0.9, 0.2] for i in range(24)]
    _, scores = aggregate.learn_cv(clean, [bool(i % 2) for i in range(24)],
                                   [str(i // 2) for i in range(24)])
    assert scores["selected"] == 1.0


def test_aggregation_methods_and_learning() -> None:
    probs = [[0.9, 0.8], [0.9, 0.2], [0.95, 0.7], [0.3, 0.9]]
    labels = [True, False, True, False]
    fitted = aggregate.fit("min_threshold", probs, labels)
    assert 0.3 < fitted["threshold"] <= 0.7
    assert aggregate.accuracy(fitted, probs, labels) == 1.0
    assert verdict_rule.decide({"method": "all_pass"}, [0.6, 0.5])
    assert not verdict_rule.decide({"method": "count_failed", "max_failed": 0}, [0.6, 0.4])
    chosen, scores = aggregate.learn(probs, labels, probs, labels)
    assert chosen["method"] == "all_pass" and scores["all_pass"] == 1.0
    assert math.isnan(aggregate.accuracy({"method": "all_pass"}, [], []))
    logistic = aggregate.fit("logistic", probs * 3, labels * 3)
    assert logistic["method"] == "logistic" and len(logistic["coef"]) == 5
    geo = aggregate.fit("geomean_threshold", probs, labels)
    assert aggregate.accuracy(geo, probs, labels) == 1.0
    assert verdict_rule.score(geo, [0.25, 1.0]) == pytest.approx(0.5)


def test_traces_show_template_fields_only_and_count() -> None:
    examples = _examples(8)
    spec = JudgeSpec(prompt=PROMPT)
    assert template_fields(PROMPT) == ["response", "grading_notes"]
    verdicts = [Verdict(value="pass") for _ in examples]
    traces = build_traces(spec, examples, verdicts, list(range(16)))
    assert traces.disagreements == 8 and traces.agreeing_skipped == 8
    assert traces.warning is not None and "8 disagreements" in traces.warning
    # only strategies that distill the disagreements are warned about
    assert traces.warning_for(("threshold",)) is None
    assert traces.warning_for(("threshold", "calibrate", "decompose")) is None
    both = traces.warning_for(("guidelines", "fewshot"))
    assert both is not None and "guidelines and few-shot examples will be generic" in both
    first = traces.traces[0]
    assert set(first.fields) == {"grading_notes"}  # never "secret" or "question"
    assert "secret" not in first.to_text() and first.human == "fail"


def test_traces_numeric_delta() -> None:
    scale = ScoreConfig.parse("numeric:0:100:50")
    examples = [Example(Item({}, "x"), 60.0, scale), Example(Item({}, "y"), 90.0, scale)]
    spec = JudgeSpec(prompt="{output}", scale=scale)
    verdicts = [Verdict(value=45.0), Verdict(value=70.0)]
    assert build_traces(spec, examples, verdicts, [0, 1], delta=0).disagreements == 1
    assert build_traces(spec, examples, verdicts, [0, 1], delta=18).disagreements == 1
    assert build_traces(spec, examples, verdicts, [0, 1], delta=30).disagreements == 0


def test_guards() -> None:
    base = JudgeSpec(prompt=PROMPT)
    with pytest.raises(GuardError, match="grading_notes"):
        check_fields_preserved(base, base.model_copy(update={"prompt": "Judge {response}"}))
    held = ["the quick brown fox jumps over the lazy dog near the river bank"]
    leaky = base.model_copy(update={"guidelines": "- quick brown fox jumps over the lazy dog near"})
    with pytest.raises(GuardError, match="8-word"):
        check_no_leak(base, leaky, held)
    check_no_leak(base, base.model_copy(update={"guidelines": "- be strict"}), held)
    budget = Budget(max_calls=3)
    budget.charge("distilling guidelines", 3)
    with pytest.raises(BudgetExceeded):
        budget.charge("distilling guidelines", 1)
    assert budget.by_phase["distilling guidelines"]["calls"] == 4
    budget.charge("verifying", 5)  # the final test scoring is counted, never stopped


def test_trivial_baselines() -> None:
    examples = _examples(8)
    train, test = examples[:8], examples[8:]
    assert majority_baseline(train, test).predictions == [True] * 8
    length = length_baseline(train, test)
    assert "≥" in length.description
    assert length.predictions == [e.passed for e in test]  # fail answers are shorter here
