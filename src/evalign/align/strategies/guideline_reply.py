"""Reading the reflection model's reply into guidelines, or saying why it holds none.

A line of the reply is a bare verdict when nothing is left of it once verdict words (`PASS`,
`FAIL`, `yes`, the judge scale's own labels, …) and the words that only frame a verdict
(`verdict`, `final`, `answer`, `the`, `is`, …) are taken out: `FAIL`, `Verdict: FAIL`,
`**PASS**`, `The final answer is FAIL`. Such lines are left out. The reply is usable when at
least one remaining line has `MIN_WORDS` words or more, i.e. reads as a rule. An empty reply, or
one of bare verdicts and fragments, holds no guideline: the round is dropped with a note quoting
the raw reply, rather than the reply becoming the judge's guidelines. Usable lines are kept as
written (nothing is guessed or reworded).
"""

from __future__ import annotations

import re

from evalign.scores import ScoreConfig

MAX_GUIDELINES = 6
MIN_WORDS = 3
"""Words a line that is not a bare verdict needs to count as a guideline."""
RAW_CHARS = 300
"""How much of an unusable reply its note quotes."""
VERDICT_WORDS = frozenset({
    "pass", "passed", "passes", "fail", "failed", "fails", "yes", "no", "true", "false",
    "up", "down", "thumbs", "tie", "correct", "incorrect", "good", "bad", "ok", "okay",
})
"""Answers a judge gives, on every built-in scale (a categorical scale adds its labels)."""
VERDICT_FRAME = frozenset({
    "verdict", "answer", "final", "label", "score", "result", "rating", "decision", "judgment",
    "judgement", "output", "response", "my", "the", "is", "a", "an",
})
"""Words that only frame a verdict ("The final answer is FAIL")."""
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def parse_guidelines(text: str) -> str:
    """Keep the bullet lines of a reflection answer (every non-empty line when none is a
    bullet), at most `MAX_GUIDELINES`, each as `- text`."""
    lines = [_BULLET.sub("", line).strip() for line in text.splitlines() if _BULLET.match(line)]
    if not lines:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(f"- {line}" for line in lines[:MAX_GUIDELINES] if line)


def usable_guidelines(text: str, scale: ScoreConfig) -> str:
    """The guidelines a reply holds, bare verdict lines left out; "" when it holds none.

    Args:
        text: the reflection model's raw reply.
        scale: the judge's output scale (its labels count as verdict words).

    Returns:
        `- line` rows (at most `MAX_GUIDELINES`), or "" when no line that is not a bare
        verdict has `MIN_WORDS` words.
    """
    verdicts = VERDICT_WORDS | {w.lower() for label in scale.labels for w in _WORD.findall(label)}
    rows = [row for row in parse_guidelines(text).splitlines() if not _bare(row, verdicts)]
    if not any(len(_WORD.findall(row)) >= MIN_WORDS for row in rows):
        return ""
    return "\n".join(rows)


def unusable_note(text: str) -> str:
    """Why a reply was not used, quoting it (clipped to `RAW_CHARS`)."""
    if not text.strip():
        return "the reflection model's reply was empty: no guidelines to add"
    raw = text.strip()
    shown = raw if len(raw) <= RAW_CHARS else raw[:RAW_CHARS] + " […]"
    return (f"the reflection model's reply holds no guideline (no line of at least {MIN_WORDS} "
            "words that is more than a verdict such as PASS/FAIL or one of the scale's "
            f"labels); raw reply: {shown!r}")


def _bare(row: str, verdicts: frozenset[str] | set[str]) -> bool:
    """Whether `row` says nothing but a verdict (or nothing at all)."""
    return all(w.lower() in verdicts or w.lower() in VERDICT_FRAME for w in _WORD.findall(row))
