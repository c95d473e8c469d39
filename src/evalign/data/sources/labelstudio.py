"""Label Studio: its JSON export of a classification, rating or pairwise-comparison project.

The export is an array of tasks: `{"id", "data": {...}, "annotations": [{"completed_by",
"result": [...], "was_cancelled", ...}], "predictions": [...]}`. Each task becomes one item
(`data` fields as inputs; the output from `output`/`response`/`answer`/`completion`, or
`--map output=FIELD`); each annotation gives one label per control tag, by its annotator
(`completed_by`: the e-mail when the export has it, else `user-ID`):

    choices   {"choices": ["Pass"]}          the chosen choice (one per tag)
    rating    {"rating": 4}                  the number
    number    {"number": 7}                  the number
    pairwise  {"selected": "left"|"right"}   1 or 2; the two outputs are the data fields the
                                             tag's `to_name` names (or --map output_1/output_2)
    textarea  {"text": ["why"]}              the reasoning of that annotation's labels

The tag's `from_name` is the criterion. Cancelled annotations and model predictions are left
out (counted in the notes); a result of another type (spans, boxes) is left out too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from evalign.data.reader import Record, Source
from evalign.data.records import LabelIn, Row
from evalign.data.scales import Scales
from evalign.data.sources.common import Notes, error, label, text_of
from evalign.items import Item

OUTPUT_KEYS = ("output", "response", "answer", "completion", "text")
PAIR_KEYS = (("output_1", "output_2"), ("left", "right"), ("response1", "response2"),
             ("answer1", "answer2"), ("response_a", "response_b"))
_VALUE_KEYS = {"choices": "choices", "rating": "rating", "number": "number",
               "pairwise": "selected"}


def parse(source: Source, records: Iterable[Record], scales: Scales, *,
          mapping: Mapping[str, str], only: str | None, notes: Notes) -> list[Row]:
    """One row per task (see the module docstring).

    Raises:
        DataError: a task without `data`, a value outside its criterion's scale, a choices tag
            with several choices, or a pairwise task whose outputs cannot be found.
    """
    rows = []
    for line, task in records:
        data = task.get("data")
        if not isinstance(data, dict):
            raise error(source, line, 'a Label Studio task needs a "data" object')
        notes.counts["model predictions left out"] = (
            notes.counts.get("model predictions left out", 0) + len(task.get("predictions") or []))
        labels, pair = _labels(source, line, task, scales, only, notes)
        rows.append(Row(_item(source, line, task, data, mapping, pair), tuple(labels), line))
    return rows


def _labels(source: Source, line: int, task: dict[str, Any], scales: Scales, only: str | None,
            notes: Notes) -> tuple[list[LabelIn], list[str] | None]:
    labels: list[LabelIn] = []
    pair: list[str] | None = None
    for annotation in task.get("annotations") or []:
        if annotation.get("was_cancelled"):
            notes.add("cancelled annotations left out")
            continue
        who = _annotator(annotation.get("completed_by"))
        results = annotation.get("result") or []
        why = " ".join(" ".join(map(str, r.get("value", {}).get("text") or []))
                       for r in results if r.get("type") == "textarea").strip()
        for result in results:
            kind, criterion = result.get("type"), str(result.get("from_name") or "")
            if kind == "textarea":
                continue
            if kind not in _VALUE_KEYS:
                notes.add(f"{kind} results left out (not a label)")
                continue
            if only is not None and criterion != only:
                continue
            raw = _raw(source, line, kind, result, criterion)
            if kind == "pairwise":
                pair = [str(n) for n in result.get("to_name") or []]
            labels.append(label(source, line, criterion, raw, scales.scale(criterion), who, why))
    return labels, pair


def _raw(source: Source, line: int, kind: str, result: dict[str, Any], criterion: str) -> Any:
    value = (result.get("value") or {}).get(_VALUE_KEYS[kind])
    if kind == "choices":
        if not isinstance(value, list) or len(value) != 1:
            raise error(source, line, f"{criterion!r}: expected one choice, got {value!r} "
                        "(a multi-choice tag is not one label)")
        return value[0]
    if kind == "pairwise":
        return {"left": 1, "right": 2}.get(str(value), value)
    return value


def _annotator(who: Any) -> str:
    if isinstance(who, dict):
        return str(who.get("email") or f"user-{who.get('id')}")
    return f"user-{who}" if who is not None else "labelstudio"


def _item(source: Source, line: int, task: dict[str, Any], data: dict[str, Any],
          mapping: Mapping[str, str], pair: list[str] | None) -> Item:
    ext = str(task.get("id", ""))
    meta: dict[str, Any] = {k: task[k] for k in ("created_at", "updated_at", "project")
                            if k in task}
    if pair is not None or "output_2" in mapping:
        first, second = _pair_keys(source, line, data, mapping, pair)
        inputs = {k: v for k, v in data.items() if k not in (first, second)}
        return Item(inputs, text_of(data[first]), text_of(data[second]), meta, ext)
    key = mapping.get("output") or next((k for k in OUTPUT_KEYS if k in data), None)
    if key is not None and key not in data:
        raise error(source, line, f"--map output={key}: the task's data has no {key!r}; "
                    f"fields: {', '.join(data)}")
    inputs = {k: v for k, v in data.items() if k != key}
    return Item(inputs, text_of(data[key]) if key else None, None, meta, ext)


def _pair_keys(source: Source, line: int, data: dict[str, Any], mapping: Mapping[str, str],
               pair: list[str] | None) -> tuple[str, str]:
    candidates = []
    if "output_1" in mapping and "output_2" in mapping:
        candidates.append((mapping["output_1"], mapping["output_2"]))
    if pair is not None and len(pair) == 2:
        candidates.append((pair[0], pair[1]))
    candidates += list(PAIR_KEYS)
    for first, second in candidates:
        if first in data and second in data:
            return first, second
    raise error(source, line, "a pairwise task needs its two outputs: name them with --map "
                f"output_1=FIELD --map output_2=FIELD; fields: {', '.join(data)}")
