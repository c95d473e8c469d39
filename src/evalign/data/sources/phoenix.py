"""Phoenix (Arize): spans and their human annotations, from Phoenix's documented export shapes.

Read from files, not a live server: the spans as Phoenix's client and REST API return them
(`{"name", "context": {"span_id", "trace_id"}, "parent_id", "attributes": {"input.value",
"output.value", ...}}`, or the dataframe's flat `context.span_id` / `attributes.input.value`
columns written as JSON records) and span annotations (`{"span_id", "name", "annotator_kind":
"HUMAN"|"LLM"|"CODE", "result": {"label", "score", "explanation"}, "user_id", "identifier",
"source": "APP"|"API"}`), nested under a span's `annotations` or beside the spans in one object
`{"spans": [...], "annotations": [...]}`. The annotation's name is the criterion; its user
(else its identifier, else `phoenix-app` / `phoenix-api`) the annotator; its label (else its
score) the value; its explanation the reasoning. `LLM` and `CODE` annotations are evaluations,
not human labels: they are left out. Root spans become items; a child span only when a person
annotated it.
"""

from __future__ import annotations

import json
from typing import Any

from evalign.data.sources.common import fields_of, text_of
from evalign.data.sources.traces import Annotation, Shape
from evalign.items import Item


def _get(span: dict[str, Any], dotted: str) -> Any:
    # Nested (`context: {span_id}`) or flat (`context.span_id`) as the dataframe writes it.
    if dotted in span:
        return span[dotted]
    head, _, rest = dotted.partition(".")
    inner = span.get(head)
    if isinstance(inner, dict) and rest:
        return _get(inner, rest)
    return None


def span_id(span: dict[str, Any]) -> Any:
    """The OpenTelemetry span id annotations name."""
    return _get(span, "context.span_id") or span.get("span_id")


def _value(raw: Any) -> Any:
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def item(span: dict[str, Any]) -> Item:
    """A span as an item: `input.value` fields as inputs, `output.value` as the output."""
    output = _value(_get(span, "attributes.output.value"))
    meta = {k: v for k, v in (("name", span.get("name")),
                              ("trace_id", _get(span, "context.trace_id")),
                              ("span_kind", _get(span, "attributes.openinference.span.kind")),
                              ("start_time", span.get("start_time"))) if v is not None}
    return Item(fields_of(_value(_get(span, "attributes.input.value")), "input"),
                None if output is None else text_of(output), None, meta, str(span_id(span)))


def human(annotation: Annotation) -> str | None:
    """None for a person's annotation; why it is left out otherwise."""
    kind = str(annotation.get("annotator_kind") or "HUMAN").upper()
    return None if kind == "HUMAN" else f"{kind} annotations (evaluations) left out"


def annotation(note: Annotation) -> tuple[str, Any, str, str]:
    """(criterion, raw value, annotator, reasoning) of a span annotation."""
    result = note.get("result") or {}
    raw = result.get("label")
    if raw is None:
        raw = result.get("score")
    who = (note.get("user_id") or note.get("identifier")
           or f"phoenix-{str(note.get('source') or 'app').lower()}")
    return str(note.get("name") or ""), raw, str(who), str(result.get("explanation") or "")


def keep_span(span: dict[str, Any]) -> bool:
    """Root spans are items even without annotations."""
    return not span.get("parent_id")


SHAPE = Shape(calls="spans", notes_key="annotations", call_of="span_id", item=item,
              human=human, annotation=annotation, keep_call=keep_span, call_id=span_id)
