"""The tolerant answer parser: what it reads, and what it refuses to guess."""

from __future__ import annotations

import pytest

from evalign.errors import ParseError
from evalign.judges.parse import parse_answer
from evalign.scores import ScoreConfig

PF = ScoreConfig.parse("pass_fail")
STARS = ScoreConfig.parse("stars")
NUM = ScoreConfig.parse("numeric:0:10:7")
CAT = ScoreConfig.parse("categorical:bad,okay,good")
PAIR = ScoreConfig.parse("pairwise")


@pytest.mark.parametrize(("text", "scale", "value", "reason"), [
    ('{"verdict": "PASS", "reasoning": "covers all"}', PF, "pass", "covers all"),
    ('```json\n{"score": 4, "explanation": "solid"}\n```', STARS, 4, "solid"),
    ('Sure! {"verdict": "fail", "reason": "misses X"} Hope this helps.', PF, "fail", "misses X"),
    ("Verdict: FAIL\nIt omits the option pool.", PF, "fail", "It omits the option pool."),
    ("**Verdict:** PASS", PF, "pass", ""),
    ("PASS\nEvery critical point is covered.", PF, "pass", "Every critical point is covered."),
    ("fail", PF, "fail", ""),
    ("Score: 8/10 because it is thorough", NUM, 8.0, "because it is thorough"),
    ("4/5 clear and complete", STARS, 4, "clear and complete"),
    ("good - clear answer", CAT, "good", "clear answer"),
    ('{"verdict": "2", "reasoning": "follows the instruction"}', PAIR, 2,
     "follows the instruction"),
    ("tie", PAIR, 0, ""),
    ("Output (a)", PAIR, 1, ""),
])
def test_reads_common_answer_shapes(text: str, scale: ScoreConfig, value: object,
                                    reason: str) -> None:
    parsed = parse_answer(text, scale)
    assert parsed.value == value
    assert parsed.reasoning == reason


@pytest.mark.parametrize(("text", "scale"), [
    ("", PF),
    ("I think the response is mostly good.", PF),
    ("The answer passes in spirit.", PF),
    ("seven", STARS),
    ("9", STARS),
    ('{"verdict": "maybe"}', PF),
    ("excellent", CAT),
])
def test_refuses_to_guess(text: str, scale: ScoreConfig) -> None:
    with pytest.raises(ParseError) as caught:
        parse_answer(text, scale)
    assert caught.value.raw == text
