"""Langfuse: traces and their scores, as the SDK's API returns them (and the UI exports them).

A trace: `{"id", "name", "input", "output", "metadata", "userId", "sessionId", "tags",
"timestamp", "scores": [...]}`; a score: `{"id", "traceId", "name", "value", "stringValue",
"dataType": "NUMERIC"|"CATEGORICAL"|"BOOLEAN", "source": "ANNOTATION"|"API"|"EVAL", "comment",
"authorUserId"}`. The score's name is the criterion, `authorUserId` the annotator (else
`langfuse-api` for scores sent through the API, such as end-user feedback), its comment the
reasoning. `EVAL` scores come from an LLM-as-a-judge evaluator: they are not human labels and
are left out. A CATEGORICAL score's value is its `stringValue`; a BOOLEAN's 1/0 reads as
pass/fail.
"""

from __future__ import annotations

from typing import Any

from evalign.data.sources.common import fields_of, text_of
from evalign.data.sources.traces import Annotation, Shape
from evalign.items import Item

_META = ("name", "userId", "sessionId", "tags", "timestamp", "metadata", "release", "version")


def item(trace: dict[str, Any]) -> Item:
    """A trace as an item: its input's fields, its output as text, its context as metadata."""
    output = trace.get("output")
    return Item(fields_of(trace.get("input"), "input"),
                None if output is None else text_of(output), None,
                {k: trace[k] for k in _META if trace.get(k) is not None}, str(trace["id"]))


def human(score: Annotation) -> str | None:
    """None for a person's score; why it is left out otherwise."""
    if str(score.get("source", "ANNOTATION")).upper() == "EVAL":
        return "EVAL scores (LLM-as-a-judge) left out"
    if score.get("observationId"):
        return "scores on an observation (not the trace) left out"
    return None


def annotation(score: Annotation) -> tuple[str, Any, str, str]:
    """(criterion, raw value, annotator, reasoning) of a score."""
    kind = str(score.get("dataType") or "").upper()
    raw = score.get("stringValue") if kind == "CATEGORICAL" else score.get("value")
    if raw is None:
        raw = score.get("stringValue")
    source = str(score.get("source") or "").upper()
    who = score.get("authorUserId") or ("langfuse-api" if source == "API" else "langfuse")
    return str(score.get("name") or ""), raw, str(who), str(score.get("comment") or "")


SHAPE = Shape(calls="traces", notes_key="scores", call_of="traceId", item=item, human=human,
              annotation=annotation)
