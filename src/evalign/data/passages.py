"""Reference answers from a passages file shipped beside a ratings file.

Some ratings sets ship their reference answers in a second JSONL file in the same folder, one
record per source passage:

    {"metadata": {"passage_id": "51152", ...},
     "questions": [{"question_text": "What is the plot?",
                    "responses": [{"response_text": "...", ...}, ...]}, ...], ...}

`find_passage_files` recognizes such a file by that structure (never by its name);
`load_passages` reads each question's reference answers; `attach_passage_references` gives every
rated item the references of its passage (`passage_id`, an item metadata or input field) and
question (its question text, spaces normalized) as one input field, `references`.

A reference that is itself one of the rated outputs for that question (a person's reference
answer rated beside the systems' outputs) is left out for every item of the question: a judge
never sees the text it rates as a reference, and the number of references does not tell which
item is the person's. An item whose passage or question has no reference left keeps no
`references` field (never an empty one); its row carries a note, which the import summary counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evalign.data.ratings import INPUTS
from evalign.data.reader import DEFAULT_MAX_BYTES
from evalign.data.records import Row
from evalign.data.references import NO_REFERENCE, field_text
from evalign.errors import ConfigError, DataError

FIELD = "references"
"""The input field the references are joined as."""

PASSAGE_KEY = "passage_id"
QUESTION_FIELDS = INPUTS
"""Item input fields holding the question, in order of preference (the ratings importer's)."""

_FIRST_LINE_LIMIT = 16 << 20  # a first record larger than this is not a passages file

Key = tuple[str, str]
"""(passage id, question text with spaces normalized)."""


def find_passage_files(ratings: str | Path) -> list[Path]:
    """The JSONL files beside `ratings` whose first record is a passage with reference answers.

    Only the first line of each sibling `*.jsonl` is read; the ratings file itself is skipped.
    """
    path = Path(ratings).resolve()
    found = []
    for sibling in sorted(path.parent.glob("*.jsonl")):
        if sibling.resolve() != path and sibling.is_file() and is_passages_file(sibling):
            found.append(sibling)
    return found


def is_passage(record: Any) -> bool:
    """Whether a record has the passages structure (see the module docstring)."""
    if not isinstance(record, dict):
        return False
    meta, questions = record.get("metadata"), record.get("questions")
    if not isinstance(meta, dict) or PASSAGE_KEY not in meta or not isinstance(questions, list):
        return False
    return any(isinstance(q, dict) and isinstance(q.get("responses"), list)
               and any(isinstance(r, dict) and "response_text" in r for r in q["responses"])
               for q in questions)


def load_passages(files: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES
                  ) -> dict[Key, list[str]]:
    """Each (passage, question)'s reference answers, from every file in `files`.

    Raises:
        DataError: an unreadable or oversized file, a line that is not a passage record, or a
            question given twice with other references (file:line in the message, and what to
            do: fix or move the file, or name references with `--references`).
    """
    table: dict[Key, list[str]] = {}
    where: dict[Key, str] = {}
    for file in files:
        for line, record in _records(file, max_bytes):
            passage = field_text(record["metadata"][PASSAGE_KEY])
            for n, question in enumerate(record["questions"]):
                refs = _answers(file, line, n, question)
                key = (passage, _normal(_question_text(file, line, n, question)))
                if key in table and table[key] != refs:
                    raise DataError(f"{file}:{line}: passage {passage!r} question {n + 1} has "
                                    f"other references than at {where[key]}: keep one of the "
                                    "two files in the folder, or pass --references")
                table[key], where[key] = refs, f"{file.name}:{line}"
    return table


def attach_passage_references(rows: Iterable[Row], table: dict[Key, list[str]],
                              source: str) -> Iterator[Row]:
    """Rows whose items carry their question's references as the `references` input field.

    Reads every row first: which references are rated outputs is known only once the whole
    file is read (see the module docstring).

    Raises:
        ConfigError: an item already has a `references` input field.
    """
    buffered = list(rows)
    rated: dict[Key, set[str]] = {}
    for row in buffered:
        key = _key(row)
        if key is not None and row.item.output:
            rated.setdefault(key, set()).add(_normal(row.item.output))
    for row in buffered:
        if FIELD in row.item.inputs:
            raise ConfigError(f"{source}: items already have a {FIELD!r} field (line "
                              f"{row.line}): pass --references to choose the reference file")
        key = _key(row)
        own = rated.get(key, set()) if key is not None else set()
        refs = [r for r in table.get(key, []) if _normal(r) not in own] if key else []
        if not refs:
            yield replace(row, notes=(*row.notes, _missing_note(source, row, key)))
            continue
        yield replace(row, item=replace(row.item, inputs={**row.item.inputs,
                                                          FIELD: field_text(refs)}))


def check_passage_keys(source: str | Path, keys: str | None) -> None:
    """Refuse a `--references-key` other than `passage_id` for a passages file.

    `id`, the option's default, is accepted too: a passages record has no top-level id, so it
    cannot be meant as the key.

    Raises:
        ConfigError: the key names another field (a passages file is joined on
            `passage_id` and each item's question text, whatever the key).
    """
    if keys is None or keys.strip() in ("id", PASSAGE_KEY, f"metadata.{PASSAGE_KEY}"):
        return
    raise ConfigError(f"{Path(source).name} is a passages file: its reference answers are "
                      f"joined on {PASSAGE_KEY} and each item's question text; pass "
                      f"--references-key {PASSAGE_KEY}, or leave the option out")


def unjoined_note(columns: Sequence[str], mapping: Mapping[str, str], source: str) -> str | None:
    """A warning for rated items that could take a passages file's references but got none.

    Args:
        columns: the first record's columns.
        mapping: the `--map` pairs.
        source: the imported file's name.

    Returns:
        None unless the items carry a `passage_id` and a question and no `references` field.
    """
    has_question = "input" in mapping or any(f in columns for f in QUESTION_FIELDS)
    if PASSAGE_KEY not in columns or not has_question or FIELD in columns or FIELD in mapping:
        return None
    return (f"no reference answers joined: the items of {source} have a {PASSAGE_KEY} and a "
            "question but no passages file sits beside it, and a judge that rates against "
            f"references (reference-rating) is refused on items without {FIELD!r}: attach them "
            f"with --references FILE --references-key {PASSAGE_KEY}")


def _key(row: Row) -> Key | None:
    item = row.item
    passage = item.metadata.get(PASSAGE_KEY, item.inputs.get(PASSAGE_KEY))
    question = next((item.inputs[f] for f in QUESTION_FIELDS if f in item.inputs), None)
    if passage in (None, "") or not isinstance(question, str):
        return None
    return field_text(passage), _normal(question)


def _missing_note(source: str, row: Row, key: Key | None) -> str:
    if key is None:
        return (f"{NO_REFERENCE} {source}: the item has no {PASSAGE_KEY} or no question "
                f"({', '.join(QUESTION_FIELDS)})")
    shown = key[1] if len(key[1]) <= 60 else key[1][:59] + "…"
    return f"{NO_REFERENCE} {source} for {PASSAGE_KEY} = {key[0]}, question {shown!r}"


def is_passages_file(file: str | Path) -> bool:
    """Whether the file's first line is a passage record (see the module docstring)."""
    try:
        with Path(file).open(encoding="utf-8-sig") as stream:
            first = stream.readline(_FIRST_LINE_LIMIT)
        return is_passage(json.loads(first))
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def _records(file: Path, max_bytes: int) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise DataError(f"{file}: {size} bytes, more than the {max_bytes} allowed "
                            "(--max-bytes)")
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{file}: cannot read the passages file ({exc})") from exc
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{file}:{n}: not valid JSON ({exc.msg})") from exc
        if not is_passage(record):
            raise DataError(f"{file}:{n}: not a passage record ({{\"metadata\": {{\""
                            f"{PASSAGE_KEY}\"}}, \"questions\": [{{\"responses\": "
                            "[{\"response_text\"}]}]}) like line 1: fix the line, move the "
                            "file out of the folder, or pass --references")
        yield n, record


def _question_text(file: Path, line: int, index: int, question: dict[str, Any]) -> str:
    text = question.get("question_text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{file}:{line}: questions[{index}] has no question_text")
    return text


def _answers(file: Path, line: int, index: int, question: Any) -> list[str]:
    if not isinstance(question, dict) or not isinstance(question.get("responses"), list):
        raise DataError(f"{file}:{line}: questions[{index}] has no responses list")
    answers = []
    for k, response in enumerate(question["responses"]):
        text = response.get("response_text") if isinstance(response, dict) else None
        if not isinstance(text, str):
            raise DataError(f"{file}:{line}: questions[{index}].responses[{k}] has no "
                            "response_text")
        if text.strip():
            answers.append(text.strip())
    return answers


def _normal(text: str) -> str:
    return " ".join(text.split())

