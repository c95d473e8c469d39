"""Which delimiter a CSV file uses: `,` `;` tab or `|`, told from its first lines.

Spreadsheets write what the locale says: a European Excel saves `;`-separated "CSV" with
decimal commas inside cells, Excel's "Unicode Text" is tab-separated, some tools use `|`.
Reading such a file with `,` gives one column named `question;response;target`, silently.

The choice: Excel's own `sep=X` first line when there is one; else each candidate delimiter
parses a sample of the file with the standard `csv` module, and the one that splits the header
into two or more fields and every sampled row into as many (trailing empty cells aside) wins —
the consistency test behind CleverCSV, without its dependency. When several candidates are
equally consistent, `csv.Sniffer` (limited to the candidates) breaks the tie; when none splits
the header, the file is one column and `,` is as good as any. `--delimiter` overrides it all.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass

CANDIDATES = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n?$", re.IGNORECASE)
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def sep_hint(first_line: str) -> str | None:
    """The delimiter named by Excel's `sep=X` first line, or None when the line is no hint."""
    match = _SEP_LINE.match(first_line)
    return match.group(1) if match else None


def describe(delimiter: str) -> str:
    """A delimiter as words: `';' (semicolon)`."""
    name = _NAMES.get(delimiter)
    shown = "\\t" if delimiter == "\t" else delimiter
    return f"{shown!r} ({name})" if name else repr(shown)


def parse_option(value: str) -> str:
    """A `--delimiter` value as the one character it names (`tab`, `\\t`, `semicolon`, `;`).

    Raises:
        ValueError: not a single character nor a known name.
    """
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
             "space": " "}
    text = names.get(value.strip().lower(), value)
    if len(text) != 1 or text in "\"\r\n":
        raise ValueError(f"--delimiter must be one character (or tab, comma, semicolon, pipe), "
                         f"got {value!r}")
    return text


@dataclass(frozen=True)
class _Fit:
    delimiter: str
    width: int
    consistent: bool


def detect(lines: Iterable[str], complete: bool) -> str:
    """The delimiter of the CSV text made of `lines` (the start of a file).

    Args:
        lines: the first lines, with their line endings.
        complete: whether `lines` is the whole file (else the last record may be cut short).
    """
    sample = "".join(lines)
    fits = [_fit(sample, d, complete) for d in CANDIDATES]
    split = [f for f in fits if f.width > 1]
    best = [f for f in split if f.consistent] or split
    if not best:
        return ","
    if len(best) == 1:
        return best[0].delimiter
    sniffed = _sniff(sample, "".join(f.delimiter for f in best))
    return sniffed or best[0].delimiter


def _fit(sample: str, delimiter: str, complete: bool) -> _Fit:
    try:
        records = list(csv.reader(sample.splitlines(keepends=True), delimiter=delimiter))
    except csv.Error:
        return _Fit(delimiter, 0, False)
    if not complete and len(records) > 2:
        records = records[:-1]  # the sample may end inside the last record
    if not records:
        return _Fit(delimiter, 0, False)
    width = len(trim(records[0]))
    rows = [r for r in records[1:] if any(cell.strip() for cell in r)]
    # A row fits when its filled cells lie under the header (empty ones may follow or lack).
    return _Fit(delimiter, width, all(len(trim(r)) <= width <= len(r) for r in rows))


def trim(fields: list[str]) -> list[str]:
    """`fields` without its trailing empty cells (the columns Excel leaves behind)."""
    end = len(fields)
    while end > 0 and not fields[end - 1].strip():
        end -= 1
    return fields[:end]


def _sniff(sample: str, delimiters: str) -> str | None:
    try:
        return csv.Sniffer().sniff(sample, delimiters=delimiters).delimiter
    except csv.Error:
        return None
