"""The policies and the criterion rule, on plain records (no store)."""

from __future__ import annotations

import pytest

from evalign.comparisons import Rating, choose_criterion, human_sides, parse_policy
from evalign.errors import ConfigError, CriterionChoiceError
from evalign.scores import ScoreConfig

PF = ScoreConfig.parse("pass_fail")
NUM = ScoreConfig.parse("numeric:0:10:5")


def test_per_label_gives_one_side_per_own_label_and_ignores_resolutions() -> None:
    ratings = [Rating("a", "pass"), Rating("b", "fail"), Rating("judy", "fail", resolved=True)]
    sides = human_sides(ratings, PF, "per_label")
    assert [(s.annotator, s.value) for s in sides] == [("a", "pass"), ("b", "fail")]
    only_resolved = human_sides([Rating("judy", "pass", resolved=True)], PF, "per_label")
    assert [s.value for s in only_resolved] == ["pass"]


def test_consensus_prefers_the_resolution_then_the_majority() -> None:
    ratings = [Rating("a", "pass"), Rating("b", "fail"), Rating("judy", "fail", resolved=True)]
    (side,) = human_sides(ratings, PF, "consensus")
    assert side.value == "fail" and side.annotator == "judy"
    (major,) = human_sides([Rating("a", "pass", "ok"), Rating("b", "pass", "fine"),
                            Rating("c", "fail")], PF, "consensus")
    assert (major.value, major.voters, major.reasoning) == ("pass", 2, "ok | fine")


def test_a_tie_has_no_consensus() -> None:
    assert human_sides([Rating("a", "pass"), Rating("b", "fail")], PF, "consensus") == []
    pairwise = ScoreConfig.parse("pairwise")
    assert human_sides([Rating("a", 1), Rating("b", 2)], pairwise, "consensus") == []
    assert human_sides([Rating("a", 1), Rating("b", 0), Rating("c", 1)], pairwise,
                       "consensus")[0].value == 1


def test_numeric_consensus_is_the_mean_of_every_rater() -> None:
    scale = ScoreConfig.parse("numeric:0:100:50")
    (side,) = human_sides([Rating("a", 80.0, "good"), Rating("b", 70.0), Rating("c", 10.0, "bad")],
                          scale, "consensus")
    assert side.value == pytest.approx(160 / 3)  # 53.33, not the pass side's mean 75
    assert (side.annotator, side.voters, side.reasoning) == ("consensus", 3, "good | bad")
    assert scale.to_pass(side.value)
    # two raters on either side of the threshold: their mean, never a tie
    (split,) = human_sides([Rating("a", 9.0), Rating("b", 1.0)], NUM, "consensus")
    assert split.value == 5.0
    stars = ScoreConfig.parse("stars")
    assert human_sides([Rating("a", 4), Rating("b", 4)], stars, "consensus")[0].value == 4
    assert human_sides([Rating("a", 5), Rating("b", 2)], stars, "consensus")[0].value == 3.5


def test_a_resolved_label_wins_on_a_numeric_scale() -> None:
    scale = ScoreConfig.parse("numeric:0:100:50")
    ratings = [Rating("a", 80.0), Rating("b", 70.0), Rating("c", 10.0),
               Rating("judy", 20.0, "decided", resolved=True)]
    (side,) = human_sides(ratings, scale, "consensus")
    assert (side.annotator, side.value, side.reasoning) == ("judy", 20.0, "decided")
    (two,) = human_sides([*ratings, Rating("kim", 40.0, resolved=True)], scale, "consensus")
    assert two.value == 30.0  # several resolutions: their mean
    per_label = human_sides(ratings, scale, "per_label")
    assert [s.value for s in per_label] == [80.0, 70.0, 10.0]


def test_policy_names() -> None:
    assert parse_policy("consensus") == "consensus"
    with pytest.raises(ConfigError, match="per_label or consensus"):
        parse_policy("majority")


def test_the_criterion_rule() -> None:
    assert choose_criterion("tone", "facts", ["facts", "tone"]) == "tone"
    assert choose_criterion(None, "facts", ["tone"]) == "facts"
    assert choose_criterion(None, None, ["tone"]) == "tone"
    assert choose_criterion(None, None, []) is None
    assert choose_criterion(None, None, ["default", "tone"]) == "default"
    with pytest.raises(CriterionChoiceError, match="--criterion") as raised:
        choose_criterion(None, None, ["tone", "facts"])
    assert raised.value.choices == ["facts", "tone"]
    assert isinstance(raised.value, ConfigError) and raised.value.exit_code == 2


def test_the_rule_passes_over_criteria_the_judge_cannot_compare_with() -> None:
    pairwise = ScoreConfig.parse("pairwise")
    scales = {"default": PF, "preference": pairwise}
    assert choose_criterion(None, None, scales, pairwise) == "preference"
    assert choose_criterion(None, None, scales, PF) == "default"
    # none comparable: every criterion stays a candidate (its comparisons say why)
    assert choose_criterion(None, None, {"default": PF}, pairwise) == "default"
    with pytest.raises(CriterionChoiceError):
        choose_criterion(None, None, {"tone": PF, "facts": NUM}, pairwise)
    # without a judge (a dataset's own agreement) `default` is no tie-breaker
    with pytest.raises(CriterionChoiceError, match="default, tone"):
        choose_criterion(None, None, ["default", "tone"], judged=False)
