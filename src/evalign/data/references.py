"""Reference fields from a side file, joined to imported items by key.

A judge that checks correctness needs the reference answer, which often lives apart from the
labeled outputs (a story's reference summaries, a gold answer sheet). `evalign import FILE
--references SIDE --references-key FIELD[,FIELD]` reads SIDE (JSONL, a JSON array or CSV), finds
for each item the side record whose key fields equal the item's (input or metadata fields, as
text; `id` is the item's own id), and adds every other field of that record as an input
field. A list of texts becomes one field, numbered (`Reference 1: …`). An item without a record
keeps its fields and the import warns with its lines; a side field that would overwrite an
item's field is refused.

A key nested in an object of the side record is named by its dotted path
(`metadata.passage_id`), and matched against the item field named by its last part
(`passage_id`); a plain key missing from a record's top level is also looked up under its
`metadata` object, where many exports keep their ids. The top-level field holding a key (for a
nested key, its whole object) is not added to the items.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evalign.data.records import Row
from evalign.errors import ConfigError, DataError

Key = tuple[str, ...]

NO_REFERENCE = "no reference in"
"""How the note of a row left without references begins (the import summary counts them)."""


@dataclass
class JoinCount:
    """How many imported items got reference fields, and how many did not.

    Attributes:
        source: the reference file(s), by name.
        items: items that got at least one reference field.
        missing: items left without (imported without the fields, never with empty ones).
    """

    source: str
    items: int = 0
    missing: int = 0

    def count(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass rows through, counting those whose notes say no reference was found."""
        for row in rows:
            if any(note.startswith(NO_REFERENCE) for note in row.notes):
                self.missing += 1
            else:
                self.items += 1
            yield row


def parse_keys(text: str) -> tuple[str, ...]:
    """`passage_id,question_index` → the key fields (at least one).

    Raises:
        ConfigError: no field named.
    """
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    if not keys:
        raise ConfigError("--references-key names the field(s) shared by items and references, "
                          "e.g. --references-key id")
    return keys


def load_references(path: str | Path, keys: Sequence[str]) -> dict[Key, dict[str, str]]:
    """Side records by key; every non-key field as text.

    Raises:
        DataError: unreadable file, a record without a key field, or a key given twice
            (file:line in the message).
    """
    file = Path(path)
    table: dict[Key, dict[str, str]] = {}
    for line, record in _records(file):
        found = {k: side_value(record, k) for k in keys}
        missing = [k for k, v in found.items() if v in (None, "")]
        if missing:
            raise DataError(f"{file}:{line}: reference record has no {', '.join(missing)} "
                            f"({_fields_note(record, missing[0])})")
        key = tuple(field_text(found[k]) for k in keys)
        if key in table:
            raise DataError(f"{file}:{line}: a second reference record for "
                            f"{dict(zip(keys, key, strict=True))}")
        holders = {_holder(record, k) for k in keys}
        table[key] = {name: field_text(value) for name, value in record.items()
                      if name not in holders}
    return table


def side_value(record: dict[str, Any], key: str) -> Any:
    """The value of `key` in a side record: a top-level field, a dotted path into nested
    objects, or a field of the record's `metadata` object; None when absent."""
    if key in record:
        return record[key]
    value: Any = record
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            value = None
            break
        value = value[part]
    if value is None and "." not in key and isinstance(record.get("metadata"), dict):
        return record["metadata"].get(key)
    return value


def item_field(key: str) -> str:
    """The item field a key is matched against: a dotted path's last part."""
    return key.rsplit(".", 1)[-1]


def _holder(record: dict[str, Any], key: str) -> str:
    """The top-level field of `record` that holds `key`."""
    if key in record:
        return key
    return key.split(".", 1)[0] if "." in key else "metadata"  # found under `metadata`


def _fields_note(record: dict[str, Any], key: str) -> str:
    paths = [*record]
    paths += [f"{name}.{sub}" for name, value in record.items() if isinstance(value, dict)
              for sub in value]
    shown = ", ".join(paths[:15]) + (", ..." if len(paths) > 15 else "")
    nested = [p for p in paths if p.endswith(f".{key}")]
    hint = f"; name a nested field by its path: --references-key {nested[0]}" if nested else (
        "; name the shared field with --references-key")
    return f"its fields: {shown}{hint}"


def attach_references(rows: Iterable[Row], table: dict[Key, dict[str, str]],
                      keys: Sequence[str], source: str) -> Iterator[Row]:
    """Rows whose items carry the matching side record's fields (see the module docstring).

    Raises:
        ConfigError: a side field has the name of one of the item's own fields.
    """
    for row in rows:
        item = row.item
        values = {"id": item.external_id,
                  **{k: field_text(v) for k, v in item.metadata.items()},
                  **{k: field_text(v) for k, v in item.inputs.items()}}
        key = tuple(values.get(k, values.get(item_field(k), "")) for k in keys)
        found = table.get(key)
        if found is None:
            note = f"{NO_REFERENCE} {source} for {', '.join(keys)} = {', '.join(key)}"
            yield replace(row, notes=(*row.notes, note))
            continue
        clash = sorted(set(found) & set(item.inputs))
        if clash:
            raise ConfigError(f"{source}: field {clash[0]!r} is already an item field (line "
                              f"{row.line}); rename it in the reference file")
        yield replace(row, item=replace(item, inputs={**item.inputs, **found}))


def _records(file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{file}: cannot read the references ({exc})") from exc
    if file.suffix.lower() in (".csv", ".tsv"):
        dialect = "excel-tab" if file.suffix.lower() == ".tsv" else "excel"
        for n, record in enumerate(csv.DictReader(text.splitlines(), dialect=dialect), 2):
            yield n, dict(record)
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
        for n, record in enumerate(data, 1):
            yield n, _mapping(record, file, n)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield n, _mapping(json.loads(line), file, n)
            except json.JSONDecodeError as exc:
                raise DataError(f"{file}:{n}: not valid JSON ({exc.msg})") from exc


def _mapping(record: Any, file: Path, line: int) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise DataError(f"{file}:{line}: a reference record is an object of fields")
    return record


def field_text(value: Any) -> str:
    """A reference value as field text: a list of texts numbered (`Reference 1:` ...), one
    text as it is, another list or an object as JSON, anything else as `str` gives it."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if len(value) == 1:
            return str(value[0])
        return "\n\n".join(f"Reference {n}:\n{v}" for n, v in enumerate(value, 1))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
