"""LangSmith: runs and their feedback, as the SDK's `list_runs` / `list_feedback` return them.

A run: `{"id", "name", "run_type", "inputs": {...}, "outputs": {...}, "parent_run_id",
"trace_id", "tags", "extra", "start_time", "feedback": [...]}`; feedback: `{"id", "run_id",
"key", "score", "value", "comment", "correction", "feedback_source": {"type": "app"|"api"|
"model", "user_id", "user_name", "metadata"}}`. The key is the criterion, the source's user the
annotator (else `langsmith-app` / `langsmith-api`), the comment the reasoning; the score is the
value, else `value` (categorical feedback). Feedback from a `model` source (an online evaluator)
is not a human label and is left out. Root runs become items; a child run only when it carries
human feedback.
"""

from __future__ import annotations

from typing import Any

from evalign.data.sources.common import text_of
from evalign.data.sources.traces import Annotation, Shape
from evalign.items import Item

_META = ("name", "run_type", "trace_id", "parent_run_id", "tags", "start_time", "session_id")


def item(run: dict[str, Any]) -> Item:
    """A run as an item: its inputs, its outputs as text, its context as metadata."""
    outputs = run.get("outputs")
    inputs = run.get("inputs")
    return Item(dict(inputs) if isinstance(inputs, dict) else {"input": inputs},
                None if outputs is None else text_of(outputs), None,
                {k: run[k] for k in _META if run.get(k) is not None}, str(run["id"]))


def human(feedback: Annotation) -> str | None:
    """None for a person's feedback; why it is left out otherwise."""
    source = feedback.get("feedback_source") or {}
    if str(source.get("type") or "").lower() == "model":
        return "model feedback (online evaluators) left out"
    return None


def annotation(feedback: Annotation) -> tuple[str, Any, str, str]:
    """(criterion, raw value, annotator, reasoning) of one feedback."""
    source = feedback.get("feedback_source") or {}
    meta = source.get("metadata") or {}
    who = (source.get("user_name") or source.get("user_id") or meta.get("user_name")
           or meta.get("user_id") or f"langsmith-{source.get('type') or 'api'}")
    raw = feedback.get("score")
    if raw is None:
        raw = feedback.get("value")
    return str(feedback.get("key") or ""), raw, str(who), str(feedback.get("comment") or "")


def keep_run(run: dict[str, Any]) -> bool:
    """Root runs are items even without feedback; child runs only with it."""
    return not run.get("parent_run_id")


SHAPE = Shape(calls="runs", notes_key="feedback", call_of="run_id", item=item, human=human,
              annotation=annotation, keep_call=keep_run)
