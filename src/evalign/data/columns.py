"""Which columns could hold the human label, and which are a judge's output by their name.

Auto-mapping picks a label column only when exactly one column qualifies. A column qualifies
when its name, split into words (`humanLabel`, `Human Label` and `human-label` all read
`human label`), carries a label word (`label`, `target`, `judgement`, `verdict`, `annotation`,
`gold`, `expected`, `ground truth`, ...) and nothing that marks other content (`expected
output` is a reference answer, `label_id` an id, `verdict_reason` reasoning). A column named like
a judge's or a model's output (`llm_*`, `judge_*`, `eval_*`, `model_*`, `*_judge`,
`*_prediction`, `gpt4_verdict`, ...) never qualifies: taking the judge's verdict as the human
label would make every agreement figure compare the judge with itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LABEL_WORDS = frozenset({
    "label", "labels", "target", "judgement", "judgment", "verdict", "annotation", "gold",
    "expected", "humanscore", "groundtruth", "ytrue",
})
"""A column whose name has one of these words may be the human label."""

HUMAN_WORDS = frozenset({
    "human", "gold", "expert", "manual", "annotator", "annotated", "rater", "reviewer",
    "ground", "truth", "groundtruth", "crowd",
})
"""Words that say a person made the value: `human_score`, `expert_rating`, `human_eval`."""

# With a human word, these name the person's mark (`human_score`); alone they are too vague.
_VALUE_WORDS = frozenset({
    "score", "rating", "grade", "eval", "evaluation", "decision", "assessment", "result",
    "pass", "preference",
})

# Words that say the column holds something else than the label itself.
_OTHER_CONTENT = frozenset({
    "id", "ids", "output", "outputs", "answer", "response", "text", "reasoning", "reason",
    "rationale", "explanation", "comment", "comments", "note", "notes", "confidence", "time",
    "date", "at", "by", "count", "name", "type", "source", "input", "question", "prompt",
    "context", "critique", "feedback", "url", "version", "email",
})
JUDGE_WORDS = frozenset({
    "llm", "judge", "judges", "judged", "eval", "evaluator", "evaluation", "model", "models",
    "ai", "auto", "automatic", "gpt", "claude", "gemini", "llama", "mistral", "qwen", "openai",
    "anthropic", "predicted", "prediction", "predictions", "pred", "preds", "machine",
    "generated", "classifier", "system",
})
"""A column whose name has one of these words (or starts with a model family's name, as in
`gpt4`) is a judge's or model's output, never the human label."""

_MODEL_PREFIX = re.compile(r"^(gpt|claude|gemini|llama|mistral|qwen|o\d)[\d.\-_]*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9a-z]+")


def words(name: str) -> list[str]:
    """A column name's words, lower case: `humanLabel` → `["human", "label"]`."""
    return [w for w in _SPLIT.split(_CAMEL.sub("_", name).lower()) if w]


def judge_like(name: str) -> bool:
    """Whether `name` reads as a judge's or model's output (`llm_label`, `gpt4_verdict`)."""
    parts = words(name)
    if any(w in HUMAN_WORDS for w in parts):
        return False  # `human_eval`, `expert_vs_model`: a person's value
    return any(w in JUDGE_WORDS or _MODEL_PREFIX.fullmatch(w) for w in parts)


def label_candidates(columns: Iterable[str]) -> list[str]:
    """The columns that could hold the human label, in file order (judge-like ones excluded)."""
    found: list[str] = []
    for name in columns:
        parts = words(name)
        if judge_like(name) or not parts:
            continue
        if _is_label(parts):
            found.append(name)
    return found


def likeliest(candidates: list[str]) -> str:
    """Of several label candidates, the one a hint should show first: a person's by its name
    (`human_label`) before a bare `judgement` that may be a judge's."""
    return next((c for c in candidates if set(words(c)) & HUMAN_WORDS), candidates[0])


def _is_label(parts: list[str]) -> bool:
    if any(w in _OTHER_CONTENT for w in parts):
        return False
    if parts == ["human"] or "".join(parts) in LABEL_WORDS:
        return True  # `human` alone holds the person's mark; `ground_truth` reads as one word
    if any(w in LABEL_WORDS for w in parts):
        return True
    return any(w in HUMAN_WORDS for w in parts) and any(w in _VALUE_WORDS for w in parts)
