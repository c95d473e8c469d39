"""Malformed files are refused with `file:line: problem`, and the store is left unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from evalign.data.importer import import_file
from evalign.errors import ConflictError, DataError
from evalign.store import Store
from evalign.store import models as m

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _chat(user: str, answer: str | None = "ok", **extra: Any) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": user}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return json.dumps({"messages": messages, **extra})


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _many_csv(bad_line: int, total: int = 2500) -> bytes:
    rows = ["question,response,target"]
    rows += [f"q{i},a{i},{'pass' if i % 2 else 'fail'}" for i in range(2, total + 1)]
    rows[bad_line - 1] = "qx,ax,sometimes"
    return _lines(*rows)


# name, content (bytes, or None to use tests/fixtures/NAME), import options, expected message
CASES: list[tuple[str, bytes | None, dict[str, Any], str]] = [
    ("invalid.jsonl", _lines(_chat("a"), _chat("b"), '{"messages": [', _chat("d")), {},
     r"invalid.jsonl:3: invalid JSON"),
    ("array_line.jsonl", _lines(_chat("a"), "[1, 2]"), {},
     r"array_line.jsonl:2: expected a JSON object \{...\}, got an array"),
    ("no_messages.jsonl", _lines(_chat("a"), '{"judgement": "PASS"}'), {},
     r'no_messages.jsonl:2: "messages" is missing'),
    ("no_messages_first.jsonl", _lines('{"prompt": "x", "judgement": "PASS"}'),
     {"format": "openai-jsonl"}, r'no_messages_first.jsonl:1: "messages" is missing'),
    ("judgement_only.jsonl", _lines('{"judgement": "PASS", "prompt": "x"}', _chat("b")), {},
     r'judgement_only.jsonl:1: "messages" is missing'),
    ("no_assistant.jsonl", _lines(_chat("a"), _chat("b", None)), {},
     r"no_assistant.jsonl:2: no assistant message"),
    ("bad_judgement.jsonl", None, {},
     r'bad_judgement.jsonl:17: "judgement" must be PASS or FAIL, got "MAYBE"'),
    ("dup_ids.jsonl", _lines(_chat("a", id="x"), _chat("b", id="y"), _chat("c", id="x")), {},
     r"dup_ids.jsonl:3: duplicate id 'x' \(already used on line 1\)"),
    ("dup_ids.csv", _lines("id,response", "1,a", "2,b", "1,c"), {},
     r"dup_ids.csv:4: duplicate id '1' \(already used on line 2\)"),
    ("missing_col.csv", _lines("question,response,target", "q,a,pass"),
     {"mapping": {"label": "verdict"}},
     r"missing_col.csv:1: column 'verdict' \(mapped with --map label=verdict\) is missing"),
    ("no_output.csv", _lines("question,notes", "q,n"), {},
     r"no_output.csv:1: no output column: name it with --map output=COLUMN"),
    ("ragged.csv", None, {}, r"ragged.csv:3: row has 4 fields but the header has 3"),
    ("non_utf8.csv", None, {}, r"non_utf8.csv:3: byte 0xe9 at column 7 is not UTF-8"),
    ("empty.jsonl", None, {}, r"empty.jsonl:1: no rows to import"),
    ("header_only.csv", _lines("question,response,target"), {}, r"header_only.csv:1: no rows"),
    ("big.jsonl", _lines(*[_chat(f"question {i}") for i in range(10)]), {"max_bytes": 200},
     r"big.jsonl:3: file is larger than the 200-byte limit"),
    ("stars.csv", _lines("question,response,rating", "q,a,4", "q2,b,7"),
     {"scale": "stars", "criterion": "quality", "mapping": {"label": "rating"}},
     r'stars.csv:3: "rating" must lie in \[1, 5\], got 7'),
    ("maybe.csv", _lines("question,response,target", "q,a,pass", "q2,b,maybe"), {},
     r'maybe.csv:3: "target" must be PASS or FAIL'),
    ("late_error.csv", _many_csv(2400), {}, r'late_error.csv:2400: "target" must be PASS'),
    ("bad_array.json", b'[\n {"response": "a"},\n {"response": "b",}\n]\n', {},
     r"bad_array.json:3: invalid JSON"),
    ("not_array.json", b'{"response": "a"}\n{"response": ', {},
     r"not_array.json:2: invalid JSON"),
    ("pair.jsonl", _lines(json.dumps({"input": "i", "output_1": "a", "output_2": "b",
                                      "label": 3})), {},
     r'pair.jsonl:1: "label" must be 1, 2 or 0 \(tie\), got \'3\''),
    ("ratings.jsonl", _lines(json.dumps({"id": "r", "question": "q", "response": "a",
                                         "reviews": [{"worker_id": "1", "overall": 150}]})),
     {}, r'ratings.jsonl:1: "reviews\[0\].overall" must lie in \[0, 100\], got 150'),
]


def _snapshot(store: Store) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(
            s.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in (m.Dataset, m.Item, m.Label, m.Criterion, m.ScoreConfigRow)
        )


@pytest.fixture
def seeded(store: Store) -> Store:
    import_file(store, FIXTURES / "labeled.csv", "existing")
    return store


@pytest.mark.parametrize(("name", "content", "options", "message"), CASES,
                         ids=[c[0] for c in CASES])
def test_malformed_file_refused_with_line_and_nothing_written(
    seeded: Store, tmp_path: Path, name: str, content: bytes | None, options: dict[str, Any],
    message: str,
) -> None:
    path = FIXTURES / name if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)
    before = _snapshot(seeded)
    with pytest.raises(DataError, match=f"^{message}"):
        import_file(seeded, path, "new", **options)
    assert _snapshot(seeded) == before


def test_reimport_refused_without_append_or_replace(seeded: Store) -> None:
    before = _snapshot(seeded)
    with pytest.raises(ConflictError, match=r"already exists: pass --append .* --replace"):
        import_file(seeded, FIXTURES / "labeled.csv", "existing")
    assert _snapshot(seeded) == before


def test_append_with_an_id_already_in_the_dataset_is_refused(seeded: Store) -> None:
    before = _snapshot(seeded)
    with pytest.raises(DataError, match=r"labeled.csv:2: duplicate id 'q1' \(already used on "
                                        r"dataset 'existing'\)"):
        import_file(seeded, FIXTURES / "labeled.csv", "existing", mode="append")
    assert _snapshot(seeded) == before


def test_replace_refused_midway_keeps_the_old_dataset(seeded: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_lines("question,response,target", "q,a,pass", "q2,b,maybe"))
    before = _snapshot(seeded)
    with pytest.raises(DataError):
        import_file(seeded, bad, "existing", mode="replace")
    assert _snapshot(seeded) == before
