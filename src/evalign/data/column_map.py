"""`--map KEY=COLUMN` checked against the recognised format and the file, for every format.

Each format's parser reads the keys it knows; these checks, shared by all of them (through
`importer.parser_for`), make sure no mapping is dropped without a word:

- A key the recognised format does not read is refused (`ConfigError`, naming the keys it
  reads), unless it maps a column to its own name: that changes nothing and is accepted when
  the column exists. Tables, pairwise and ratings files read any other key as an input field.
- A mapped column that no record of the file has is refused (`DataError` naming the file, the
  header line of a CSV file, and the columns the file has). The columns are gathered as the
  records stream by and checked at the end of the file, before anything is written: an import
  is one transaction. A format whose first record fixes the mapping (a table, pairwise data)
  refuses it sooner, at that record's line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from evalign.data import pairwise, tabular
from evalign.data.reader import Origin, Record
from evalign.data.records import Row
from evalign.errors import ConfigError

MAP_KEYS: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "table": (tabular.KEYS, True, "a table"),
    "pairwise": (tuple(pairwise.ALIASES), True, "pairwise data"),
    "ratings": (("id", "input", "output"), True, "a ratings file"),
    "openai": (("label", "annotator"), False, "OpenAI chat JSONL"),
    "native": ((), False, "evalign's own JSONL (re-imported as exported)"),
}
"""Per format: the keys it reads, whether any other key names an input field, its name."""
SHOWN_COLUMNS = 40


def check_keys(shape: str, mapping: Mapping[str, str]) -> None:
    """Refuse a key `shape` does not read (a column mapped to its own name passes).

    Raises:
        ConfigError: names the key, the format and the keys it reads.
    """
    keys, fields, name = MAP_KEYS[shape]
    if fields:
        return
    for key, column in mapping.items():
        if key not in keys and key != column:
            reads = f"reads only {', '.join(keys)} from --map" if keys else "takes no --map"
            raise ConfigError(
                f"--map {key}={column} does not apply to {name}: it {reads}; drop the option "
                "(the file's other keys are kept as item metadata)")


class ColumnWatch:
    """The columns a file's records have, gathered as they stream by, checked at the end.

    Args:
        origin: the file, for the error.
        mapping: the `--map` pairs.
    """

    def __init__(self, origin: Origin, mapping: Mapping[str, str]):
        self.origin = origin
        self.mapping = dict(mapping)
        self.seen: dict[str, None] = {}

    def records(self, records: Iterable[Record]) -> Iterator[Record]:
        """Pass records through, remembering their columns (in first-seen order)."""
        for record in records:
            self.seen.update(dict.fromkeys(record[1]))
            yield record

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass rows through; once they end, refuse a mapped column no record had.

        Raises:
            DataError: names the file (and a CSV file's header line) and its columns.
        """
        yield from rows
        missing = [(k, c) for k, c in self.mapping.items() if c not in self.seen]
        if missing and self.seen:
            key, column = missing[0]
            raise self.origin.error(
                f"column {column!r} (mapped with --map {key}={column}) is in no record of the "
                f"file: nothing was imported; columns: {self._columns()}",
                self.origin.header_line)

    def _columns(self) -> str:
        names = list(self.seen)
        shown = ", ".join(names[:SHOWN_COLUMNS])
        return shown + (f", … ({len(names) - SHOWN_COLUMNS} more)"
                        if len(names) > SHOWN_COLUMNS else "")


def checked(shape: str, origin: Origin, records: Iterable[Record], mapping: Mapping[str, str],
            parse: Callable[[Iterable[Record]], Iterator[Row]]) -> Iterator[Row]:
    """`parse(records)` with the mapping checked: its keys now, its columns at the end.

    Raises:
        ConfigError: a key the format does not read (now).
        DataError: a mapped column no record has (when the rows are read to the end).
    """
    check_keys(shape, mapping)
    if not mapping:
        return parse(records)
    watch = ColumnWatch(origin, mapping)
    return watch.rows(parse(watch.records(records)))
