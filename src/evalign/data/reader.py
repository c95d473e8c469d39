"""Streaming readers: a file's lines (UTF-8, or UTF-16/32 with a BOM; size-limited) and records.

Nothing here reads a whole file: lines are decoded one at a time, so a bad byte is reported with
its line number, and a file over the size limit is refused at the line that crosses it.
Records are `(line, dict)` pairs from JSONL, CSV (see `evalign.data.csvfile`) or a JSON array.
JSON nested deeper than `MAX_DEPTH` is refused with its line before Python's parser would
overflow its stack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from evalign.data import encodings
from evalign.errors import DataError
from evalign.jsondepth import MAX_DEPTH, too_deep

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Files larger than this are refused unless the caller raises the limit."""

Record = tuple[int, dict[str, Any]]
"""A record and the 1-based line it starts on."""

_CHUNK = 1 << 16


class Origin:
    """Where records come from (a file, a DataFrame): names it in error messages.

    Args:
        name: the name errors show, e.g. `alignment.jsonl`.
    """

    def __init__(self, name: str):
        self.name = name
        self.header_line: int | None = None  # where the column names are, for a CSV file

    def error(self, message: str, line: int | None = None) -> DataError:
        """A data error that names this origin and the line."""
        return DataError(message, self.name, line)


class Source(Origin):
    """A file to import, opened lazily; yields decoded lines with their numbers.

    Args:
        path: the file.
        max_bytes: refuse the file once more than this many bytes have been read.
    """

    def __init__(self, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.path = Path(path)
        super().__init__(self.path.name)
        self.max_bytes = max_bytes

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except FileNotFoundError:
            raise DataError("no such file", str(self.path)) from None
        except IsADirectoryError:
            raise DataError("is a directory, not a file", str(self.path)) from None

    def lines(self) -> Iterator[tuple[int, str]]:
        """Every line (with its line ending), decoded; a leading BOM is dropped.

        UTF-8 is the rule; a UTF-16 or UTF-32 byte-order mark switches to that encoding.

        Raises:
            DataError: bytes that are not UTF-8 (naming the byte and the remedy), a NUL byte,
                or the file grew past `max_bytes`.
        """
        with self._open() as handle:
            encoding = encodings.encoding_of(handle.read(4))
            handle.seek(0)
            if encoding == "utf-8":
                yield from self._utf8_lines(handle)
                return
            if os.fstat(handle.fileno()).st_size > self.max_bytes:
                raise self._too_big(1)
            yield from encodings.wide_lines(handle, encoding, self.name)

    def _too_big(self, number: int) -> DataError:
        return self.error(
            f"file is larger than the {self.max_bytes}-byte limit; raise it with "
            "--max-bytes (Python: max_bytes=) if this file is meant to be imported",
            number,
        )

    def _utf8_lines(self, handle: BinaryIO) -> Iterator[tuple[int, str]]:
        total = 0
        number = 0
        # Never ask for more than the limit allows, even of a file that is one long line.
        while raw := handle.readline(self.max_bytes - total + 1):
            number += 1
            total += len(raw)
            if total > self.max_bytes:
                raise self._too_big(number)
            yield number, self._decode(raw, number)

    def _decode(self, raw: bytes, number: int) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(encodings.not_utf8(raw, exc.start), number) from None
        if "\x00" in text:
            raise self.error(encodings.nul_message(), number)
        return text.removeprefix("\ufeff") if number == 1 else text

    def head(self, limit: int = 4096) -> str:
        """About the first `limit` bytes as text (for sniffing the format; bad bytes replaced)."""
        with self._open() as handle:
            raw = handle.read(limit)
        encoding = encodings.encoding_of(raw)
        return raw.decode(encoding, errors="replace").removeprefix("\ufeff")


def jsonl_records(source: Source) -> Iterator[Record]:
    """One JSON object per non-blank line.

    Raises:
        DataError: a line that is not JSON or not an object.
    """
    for number, text in source.lines():
        if not text.strip():
            continue
        _check_depth(source, text, number)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise source.error(f"invalid JSON: {exc.msg} (column {exc.colno})", number) from None
        yield number, _object(source, value, number)


def _check_depth(source: Origin, text: str, line: int) -> None:
    """Refuse JSON nested deeper than `MAX_DEPTH`, naming the line where it goes too deep."""
    where = too_deep(text)
    if where is not None:
        raise source.error(
            f"JSON nested more than {MAX_DEPTH} levels deep: evalign refuses it rather than "
            "risk its parser; flatten the structure (or store it as a string)",
            line + text.count("\n", 0, where),
        )


def _object(source: Source, value: Any, number: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise source.error(f"expected a JSON object {{...}}, got {_kind(value)}", number)
    return value


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def json_array_records(source: Source) -> Iterator[Record]:
    """The objects of a top-level JSON array, decoded one element at a time.

    Raises:
        DataError: the file is not an array, or an element is invalid or not an object.
    """
    parser = _ArrayParser(source)
    yield from parser.records()


class _ArrayParser:
    """Splits `[ {...}, {...} ]` into elements without holding the whole file."""

    def __init__(self, source: Source):
        self.source = source
        self.lines = source.lines()
        self.buffer = ""
        self.line = 1  # line of buffer[0]
        self.done = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        # Read at least as much again as is buffered, so re-trying a long element stays linear.
        want = max(_CHUNK, len(self.buffer))
        chunk: list[str] = []
        size = 0
        for _, text in self.lines:
            chunk.append(text)
            size += len(text)
            if size >= want:
                break
        self.buffer += "".join(chunk)
        self.done = not chunk
        return bool(chunk)

    def _peek(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            stripped = self.buffer.lstrip()
            self._consume(len(self.buffer) - len(stripped))
            if self.buffer:
                return self.buffer[0]
            if not self._more():
                return ""

    def _consume(self, count: int) -> None:
        self.line += self.buffer.count("\n", 0, count)
        self.buffer = self.buffer[count:]

    def records(self) -> Iterator[Record]:
        first = self._peek()
        if first == "":
            return
        if first != "[":
            raise self.source.error("expected a JSON array [...] of objects", self.line)
        self._consume(1)
        if self._peek() == "]":
            return
        while True:
            if self._peek() == "":
                raise self.source.error("the JSON array is not closed with ]", self.line)
            start = self.line
            yield start, _object(self.source, self._element(), start)
            char = self._peek()
            if char not in (",", "]"):
                raise self.source.error("expected , or ] after an array element", self.line)
            self._consume(1)
            if char == "]":
                return

    def _element(self) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer)
            except RecursionError:
                _check_depth(self.source, self.buffer, self.line)
                raise  # too deep for Python yet not past MAX_DEPTH: a bug, not bad data
            except json.JSONDecodeError as exc:
                if not self.done and self._more():
                    continue
                line = self.line + exc.lineno - 1
                raise self.source.error(f"invalid JSON: {exc.msg}", line) from None
            if end == len(self.buffer) and not self.done and self._more():
                continue  # a number may go on in the next chunk
            _check_depth(self.source, self.buffer[:end], self.line)
            self._consume(end)
            return value
