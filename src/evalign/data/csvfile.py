"""CSV and TSV files as records, the way spreadsheets write them.

Handled without a flag: Excel's UTF-8 BOM and UTF-16 "Unicode Text" (see `Source`), CRLF row
ends, quoted cells with line breaks, doubled quotes and delimiters inside, Excel's `sep=;` first
line, the delimiter itself (see `evalign.data.dialect`), trailing columns with no name and no
value, and rows of empty cells. A record is numbered by the physical line it starts on.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from itertools import chain
from typing import Any

from evalign.data import dialect
from evalign.data.reader import Record, Source

SAMPLE_CHARS = 64 * 1024
"""How much of the file the delimiter is told from."""


def csv_records(source: Source, delimiter: str | None = None) -> Iterator[Record]:
    """One dict per CSV row, keyed by the header.

    Args:
        source: the file.
        delimiter: the delimiter to use; None to honour a `sep=` line or detect it.

    Raises:
        DataError: a row with more or fewer fields than the header, a value under a column
            with no name, or a bad header.
    """
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long answers exceed the 128 KiB default
    lines = source.lines()
    first = next(lines, None)
    if first is None:
        return
    offset = 0
    hint = dialect.sep_hint(first[1])
    rest: Iterator[tuple[int, str]] = lines if hint else chain([first], lines)
    if hint:
        offset = 1  # Excel's `sep=;` line comes before the header
        delimiter = delimiter or hint
    if delimiter is None:
        sample, rest, complete = _sample(rest)
        delimiter = dialect.detect(sample, complete)
    yield from _Table(source, delimiter, offset).records(text for _, text in rest)


def _sample(lines: Iterator[tuple[int, str]]
            ) -> tuple[list[str], Iterator[tuple[int, str]], bool]:
    taken: list[tuple[int, str]] = []
    size = 0
    for entry in lines:
        taken.append(entry)
        size += len(entry[1])
        if size >= SAMPLE_CHARS:
            return [t for _, t in taken], chain(taken, lines), False
    return [t for _, t in taken], iter(taken), True


class _Table:
    """Reads the header, then checks and keys each row."""

    def __init__(self, source: Source, delimiter: str, offset: int):
        self.source = source
        self.delimiter = delimiter
        self.offset = offset
        self.header: list[str] = []
        self.width = 0  # fields in the header, unnamed trailing columns included

    def records(self, lines: Iterator[str]) -> Iterator[Record]:
        reader = csv.reader(lines, delimiter=self.delimiter)
        header_line = self.offset + 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise self.source.error(f"bad CSV header: {exc}", header_line) from None
        self.source.header_line = header_line
        self._set_header(raw, header_line)
        yield from self._rows(reader)

    def _set_header(self, raw: list[str], line: int) -> None:
        names = dialect.trim([name.strip() for name in raw])
        self.width = len(raw)
        seen: set[str] = set()
        for index, name in enumerate(names, start=1):
            if not name:
                raise self.source.error(
                    f"column {index} of the header has no name: name it, or delete the column",
                    line)
            if name in seen:
                raise self.source.error(f"the header names column {name!r} twice", line)
            seen.add(name)
        self.header = names

    def _rows(self, reader: Any) -> Iterator[Record]:
        start = self.offset + reader.line_num + 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self.source.error(f"bad CSV: {exc}", start) from None
            if any(f.strip() for f in fields):
                yield start, self._keyed(fields, start)
            start = self.offset + reader.line_num + 1

    def _keyed(self, fields: list[str], line: int) -> dict[str, str]:
        named = len(self.header)
        extra = fields[named:]
        if len(fields) < named or any(f.strip() for f in extra):
            if any(f.strip() for f in extra[: self.width - named]) and len(fields) <= self.width:
                raise self.source.error(
                    f"a value under column {named + 1 + _first_filled(extra)}, which has no name "
                    "in the header: name the column, or delete the value", line)
            raise self.source.error(self._ragged(len(fields)), line)
        return dict(zip(self.header, fields[:named], strict=True))

    def _ragged(self, count: int) -> str:
        named = len(self.header)
        message = (f"row has {count} fields but the header has {named} (delimiter "
                   f"{dialect.describe(self.delimiter)})")
        likely = self._likely_delimiter()
        if likely is not None:
            return (f"{message}: the header splits into more columns on "
                    f"{dialect.describe(likely)}; import with --delimiter '{likely}'")
        return f"{message}: quote fields that contain the delimiter"

    def _likely_delimiter(self) -> str | None:
        joined = self.delimiter.join(self.header)
        counts = {d: joined.count(d) for d in dialect.CANDIDATES if d != self.delimiter}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] > 0 else None


def _first_filled(fields: list[str]) -> int:
    return next(i for i, f in enumerate(fields) if f.strip())
