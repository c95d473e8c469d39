"""The answer corpus: real-shaped judge answers, each with the reading it must get.

The property that matters is *zero wrong readings*: an answer may be refused (an error that
keeps the raw text), but never read as another value than the one it states. Each entry must
also read exactly as recorded (the value, or the error kind), so a change that makes decisive
answers unreadable shows up too.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from evalign.errors import ParseError
from evalign.judges.parse import asked_vocabulary, parse_answer
from evalign.scores import ScoreConfig

CORPUS = Path(__file__).with_name("answer_corpus.yaml")
ENTRIES: list[dict[str, Any]] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
FIELD_CASES = ("C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C21")


def _read(entry: dict[str, Any]) -> tuple[str, Any]:
    """("value", v) or ("error", kind) for one corpus entry."""
    vocabulary = asked_vocabulary(entry["prompt"]) if "prompt" in entry else None
    try:
        parsed = parse_answer(entry["text"], ScoreConfig.parse(entry["scale"]),
                              vocabulary=vocabulary)
    except ParseError as exc:
        assert exc.raw == entry["text"], "an error must keep the raw answer"
        assert str(exc).startswith(exc.kind + ":"), "the message must start with its kind"
        return "error", exc.kind
    return "value", parsed.value


def _wanted(entry: dict[str, Any]) -> tuple[str, Any]:
    if "error" in entry:
        return "error", entry["error"]
    return "value", ScoreConfig.parse(entry["scale"]).parse_value(entry["expect"])


def test_corpus_is_well_formed() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert len(ENTRIES) >= 100
    assert all(("expect" in e) != ("error" in e) for e in ENTRIES)
    assert {e["error"] for e in ENTRIES if "error" in e} <= set(ParseError.KINDS)
    assert {i[:3] for i in ids if i.startswith("C")} >= set(FIELD_CASES)
    kinds = {e["scale"].split(":")[0] for e in ENTRIES}
    assert kinds >= {"pass_fail", "thumbs", "numeric", "stars", "pairwise", "categorical"}


def test_zero_wrong_readings(capsys: pytest.CaptureFixture[str]) -> None:
    wrong, readable, decisive = [], 0, 0
    for entry in ENTRIES:
        got, want = _read(entry), _wanted(entry)
        if got[0] == "value" and got != want:
            wrong.append(f"{entry['id']}: read {got[1]!r}, it states {want}")
        if want[0] == "value":
            decisive += 1
            readable += got == want
    with capsys.disabled():
        print(f"\nanswer corpus: {len(ENTRIES)} answers, {len(wrong)} wrong readings, "
              f"{readable}/{decisive} decisive answers read ({readable / decisive:.0%})")
    assert wrong == []


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_reads_as_recorded(entry: dict[str, Any]) -> None:
    assert _read(entry) == _wanted(entry), entry["text"]


def test_error_kinds_are_all_exercised() -> None:
    kinds = Counter(e["error"] for e in ENTRIES if "error" in e)
    assert set(kinds) == set(ParseError.KINDS)


_OPPOSITE = {"pass": "FAIL", "fail": "PASS", "up": "FAIL", "down": "PASS", 1: "[[B]]", 2: "[[A]]",
             0: "[[A]]"}


def _variants(text: str, opposite: str) -> list[str]:
    """The same answer with things around it that must not change its reading."""
    return [
        f"<think>\nVerdict: {opposite}\n</think>\n{text}",
        f"Sure! Here is my evaluation.\n\n{text}",
        f"A lenient grader might say {opposite}.\n\n{text}",
        f"{text}\n\nWith the missing detail it would be {opposite}.",
        f"{text}\n\n(Note: a stricter grader could say {opposite}.)",
        f'The rubric says "{opposite}" when the fee is missing.\n{text}',
        f"Answer PASS or FAIL.\n{text}",
        f"\u200b{text}\u200e ",
        text.replace("\n", "\r\n"),
        text.replace("\n", "\n\n"),
        "> " + text.replace("\n", "\n> "),
        f"```\n{text}\n```",
        text.lower(),
        text.upper(),
    ]


def test_what_surrounds_an_answer_never_flips_it() -> None:
    wrong = []
    for entry in ENTRIES:
        kind, want = _wanted(entry)
        if kind != "value":
            continue
        opposite = _OPPOSITE.get(want, "PASS")
        for text in _variants(entry["text"], opposite):
            got = _read({**entry, "text": text})
            if got[0] == "value" and got[1] != want:
                wrong.append(f"{entry['id']}: {text!r} read {got[1]!r}, it states {want!r}")
    assert wrong == []
