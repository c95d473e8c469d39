"""Import a file into the store: pick the format, stream and check every row, write atomically.

`import_file` is what `evalign import` calls. The file is parsed while rows are written, inside
one transaction: the first bad line raises a `DataError` naming file:line and nothing is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from evalign.data import (
    column_map,
    dialect,
    native,
    openai_jsonl,
    pairwise,
    ratings,
    sniff,
    tabular,
)
from evalign.data.csvfile import csv_records
from evalign.data.passages import (
    attach_passage_references,
    check_passage_keys,
    find_passage_files,
    is_passages_file,
    load_passages,
    unjoined_note,
)
from evalign.data.reader import (
    DEFAULT_MAX_BYTES,
    Origin,
    Record,
    Source,
    json_array_records,
    jsonl_records,
)
from evalign.data.records import Row
from evalign.data.references import JoinCount, attach_references, load_references, parse_keys
from evalign.data.sampling import reservoir
from evalign.data.scales import Scales
from evalign.errors import ConfigError
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.imports import claim_import
from evalign.store.repo_criteria import Criteria
from evalign.store.repo_writes import WriteMode, WriteStats, write_dataset
from evalign.store.session import Session

MIN_LABELED = 30
"""Below this many labeled rows, alignment statistics are too noisy to trust (OpenPipe's advice)."""


@dataclass
class ImportSummary:
    """What an import wrote, and what the user should know about it.

    Attributes:
        dataset: the dataset's name.
        rows: items written by this import.
        labeled: items with at least one label.
        labels: label balance over every criterion (`{value: count}`; numeric scales count as
            pass/fail at their threshold).
        annotators: who labeled, by name.
        warnings: advice, e.g. too few labeled rows or a single label value.
        criteria: per criterion, its label balance.
        format: the container and shape read, e.g. `jsonl/openai`.
        kind: `single` or `pairwise`.
        version: the dataset version written.
        replaced_version: the version a replace superseded (kept, readable), else None.
        carried_over: labels made in evalign that moved to unchanged items of the new version.
        not_carried: the hand-made labels that could not move, counted by reason.
        references: with `--references`, or a ratings file whose folder holds its passages
            file: the reference file(s) and how many items got references (`items`) or did
            not (`missing`); None when no references were joined.
    """

    dataset: str
    rows: int
    labeled: int
    labels: dict[str, int]
    annotators: list[str]
    warnings: list[str]
    criteria: dict[str, dict[str, int]] = field(default_factory=dict)
    format: str = ""
    kind: str = "single"
    version: int = 1
    replaced_version: int | None = None
    carried_over: int = 0
    not_carried: dict[str, int] = field(default_factory=dict)
    references: JoinCount | None = None

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (the `--json` output of `evalign import`)."""
        return asdict(self)


def summarize(stats: WriteStats, fmt: str = "", kind: str = "single") -> ImportSummary:
    """An import summary, with warnings, from the writer's counts."""
    merged: Counter[str] = Counter()
    for counts in stats.by_criterion.values():
        merged.update(counts)
    criteria = {name: dict(sorted(c.items())) for name, c in stats.by_criterion.items()}
    return ImportSummary(
        dataset=stats.dataset, rows=stats.rows, labeled=stats.labeled,
        labels=dict(sorted(merged.items())), annotators=sorted(stats.annotators),
        warnings=_warnings(stats.labeled, criteria), criteria=criteria, format=fmt, kind=kind,
        version=stats.version, replaced_version=stats.replaced_version,
        carried_over=stats.carry.carried, not_carried=dict(stats.carry.not_carried),
    )


def _warnings(labeled: int, criteria: Mapping[str, Mapping[str, int]]) -> list[str]:
    warnings: list[str] = []
    if labeled == 0:
        warnings.append("no labeled rows: label items (evalign serve) before measuring agreement")
    elif labeled < MIN_LABELED:
        warnings.append(
            f"only {labeled} labeled rows: label at least {MIN_LABELED} for meaningful "
            "alignment statistics"
        )
    for name, counts in criteria.items():
        if len(counts) == 1:
            value = next(iter(counts))
            warnings.append(
                f"every {name!r} label is {value!r}: agreement needs both kinds of examples"
            )
    return warnings


def import_file(
    store: Store,
    path: str | Path,
    dataset: str,
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    criterion: str | None = None,
    scale: str | ScoreConfig | None = None,
    annotator: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    mode: WriteMode = "create",
    append: bool = False,
    replace: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    delimiter: str | None = None,
    references: str | Path | None = None,
    references_key: str | None = None,
) -> ImportSummary:
    """Import a file of items and human labels as a dataset.

    Args:
        store: where to write.
        path: the file (CSV, TSV, JSON array, JSONL).
        dataset: the dataset's name.
        format: `auto`, `openai-jsonl`, `csv`, `tsv`, `json`, `jsonl`, `pairwise` or `ratings`.
        mapping: `KEY → COLUMN` overrides (keys: id, input, output, label, reasoning,
            annotator, or any input field name; pairwise: output_1, output_2). Never ignored:
            a column the file lacks or a key its format does not read is refused
            (`evalign.data.column_map`).
        criterion: the criterion labels belong to (default `default`; pairwise `preference`).
        scale: the labels' scale spec (default: the format's own, or the criterion's).
        annotator: who labeled, when the file does not say.
        sample: import only a random sample of this many rows.
        seed: the sample's seed.
        mode: `create` (refuse an existing name), `append` or `replace`.
        append: same as mode `append`.
        replace: same as mode `replace`.
        max_bytes: refuse files larger than this.
        delimiter: a CSV file's delimiter (`,` `;` `\t` `|`, or `tab`, `semicolon` ...);
            None to honour a `sep=` line or detect it.
        references: a side file whose records add reference fields to items
            (`evalign.data.references`), joined on `references_key` (`FIELD[,FIELD]`).
            Without it, a ratings file whose folder holds a passages file gets each question's
            reference answers as the `references` field (`evalign.data.passages`).

    Raises:
        DataError: a malformed file, naming file:line, or a mapped column it lacks; nothing
            is written.
        ConflictError: the dataset exists and mode is `create`; a criterion's scale differs.
        ConfigError: a bad format, scale or sample size; a `--map` key the format does not
            read.
    """
    if append and replace:
        raise ConfigError("choose one of append and replace")
    mode = "append" if append else "replace" if replace else mode
    if format in ("labelstudio", "langfuse", "langsmith", "phoenix"):  # other tools' exports
        from evalign.data.sources import import_source

        return import_source(store, path, dataset, format=format, criterion=criterion,
                             scale=scale, mapping=mapping, mode=mode, max_bytes=max_bytes)
    with claim_import(store, dataset), store.session() as session:
        parsed = parse_file(session, path, format=format, mapping=mapping, criterion=criterion,
                            scale=scale, annotator=annotator, max_bytes=max_bytes,
                            delimiter=delimiter)
        notes = RowNotes()
        parsed_rows, joined = _with_references(parsed, path, references, references_key,
                                               max_bytes)
        rows = unique_ids(parsed.source, notes.collect(parsed_rows))
        if sample is not None:
            rows = iter(reservoir(rows, sample, seed))
        if joined is not None:
            rows = joined.count(rows)
        info = {"file": str(path), "format": parsed.format, "sample": sample, "seed": seed,
                "imported_at": datetime.now(UTC).isoformat()}
        stats = write_dataset(session, dataset, rows, parsed.criteria, kind=parsed.kind,
                              source=info, mode=mode, source_name=parsed.source.name)
    summary = summarize(stats, parsed.format, parsed.kind)
    summary.warnings[:0] = _file_notes(parsed, mapping or {}) + notes.warnings()
    unjoined = (unjoined_note(parsed.columns, mapping or {}, parsed.source.name)
                if joined is None and parsed.shape == "ratings" else None)
    summary.warnings[:0] = [unjoined] if unjoined else []  # first: a judge needs them
    summary.references = joined
    return summary


def _with_references(parsed: ParsedFile, path: str | Path, references: str | Path | None,
                     references_key: str | None, max_bytes: int
                     ) -> tuple[Iterator[Row], JoinCount | None]:
    """The parsed rows with reference fields joined, and the count to fill while writing.

    An explicit side file wins (a passages file named so is joined as one, on `passage_id` and
    the question); otherwise a ratings file gets the references of the passages file beside
    it, when its folder holds one (`evalign.data.passages`).
    """
    if references is not None and is_passages_file(references):
        check_passage_keys(references, references_key)
        found = [Path(references)]
    elif references is not None:
        keys = parse_keys(references_key or "id")
        name = Path(references).name
        return (attach_references(parsed.rows, load_references(references, keys), keys, name),
                JoinCount(name))
    else:
        found = find_passage_files(path) if parsed.shape == "ratings" else []
    if not found:
        return parsed.rows, None
    name = ", ".join(f.name for f in found)
    table = load_passages(found, max_bytes=max_bytes)
    return attach_passage_references(parsed.rows, table, name), JoinCount(name)


def _file_notes(parsed: ParsedFile, mapping: Mapping[str, str]) -> list[str]:
    if parsed.shape == "ratings":
        return ratings.metadata_note(parsed.columns, mapping)
    note = (tabular.judge_columns_note(parsed.columns, mapping) if parsed.shape == "table"
            else None)
    return [note] if note else []


class RowNotes:
    """Gathers the notes rows carry (an image shown as `[image]`, a skipped column) as warnings."""

    def __init__(self) -> None:
        self.lines: dict[str, list[int | None]] = {}

    def collect(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Pass rows through, remembering each note and the lines it came from."""
        for row in rows:
            for note in row.notes:
                self.lines.setdefault(note, []).append(row.line)
            yield row

    def warnings(self) -> list[str]:
        """One warning per distinct note: how many rows, and the first line."""
        out: list[str] = []
        for note, lines in self.lines.items():
            where = f"line {lines[0]}" if len(lines) == 1 else (
                f"{len(lines)} rows, first on line {lines[0]}")
            out.append(f"{note} ({where})")
        return out


@dataclass
class ParsedFile:
    """A file opened for import: what it was recognized as, and its rows (read lazily).

    Attributes:
        source: the file, for error messages.
        format: the container and shape, e.g. `csv/table`.
        shape: `openai`, `table`, `pairwise` or `ratings`.
        kind: `single` or `pairwise`.
        columns: the first record's columns.
        criteria: the scales labels are checked against (store-backed when given a session).
        rows: the rows; iterating raises `DataError` at the first bad line.
    """

    source: Source
    format: str
    shape: sniff.Shape
    kind: str
    columns: list[str]
    criteria: Criteria
    rows: Iterator[Row]


def parse_file(
    session: Session,
    path: str | Path,
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    criterion: str | None = None,
    scale: str | ScoreConfig | None = None,
    annotator: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    delimiter: str | None = None,
) -> ParsedFile:
    """Recognize a file's format and return its rows, without writing anything.

    This is the first half of `import_file`, for callers that preview an upload. Criteria the
    labels name are looked up (and created, if new) in `session`: roll it back to keep nothing.

    Raises:
        DataError: an empty file or a malformed first record.
        ConfigError: a bad format, scale or delimiter.
    """
    source = Source(path, max_bytes)
    explicit = ScoreConfig.parse(scale) if scale is not None else None
    container = sniff.container_of(source, format)
    records = _peeked(source, _records(source, container, _delimiter(delimiter, container)))
    shape = sniff.shape_of(format, records.columns)
    kind = sniff.kind_of(shape, records.columns)
    criteria = Criteria(session, explicit, default_scale(shape, kind))
    rows = parser_for(shape)(source, records, criteria, mapping or {}, criterion, annotator)
    return ParsedFile(source, f"{container}/{shape}", shape, kind, records.columns, criteria,
                      rows)


class _peeked:
    """Records with the first one read ahead, so its columns can choose the shape."""

    def __init__(self, source: Source, records: Iterator[Record]):
        try:
            first = next(records)
        except StopIteration:
            raise source.error("no rows to import: the file is empty", 1) from None
        self.columns = list(first[1])
        self._records = chain([first], records)

    def __iter__(self) -> Iterator[Record]:
        return self._records


def _delimiter(option: str | None, container: sniff.Container) -> str | None:
    if option is None or not option.strip():
        return "\t" if container == "tsv" else None
    if container in ("json", "jsonl"):
        raise ConfigError(f"--delimiter applies to CSV files, and this file reads as {container}")
    try:
        return dialect.parse_option(option)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _records(source: Source, container: sniff.Container, delimiter: str | None
             ) -> Iterator[Record]:
    if container == "jsonl":
        return jsonl_records(source)
    if container == "json":
        return json_array_records(source)
    return csv_records(source, delimiter)


Parser = Callable[
    [Origin, Iterable[Record], Scales, Mapping[str, str], str | None, str | None], Iterator[Row]
]

DEFAULT_SCALES: dict[str, ScoreConfig] = {
    "openai": openai_jsonl.DEFAULT_SCALE, "table": tabular.DEFAULT_SCALE,
    "pairwise": pairwise.DEFAULT_SCALE, "ratings": ratings.DEFAULT_SCALE,
    "native": native.DEFAULT_SCALE,
}


def default_scale(shape: sniff.Shape, kind: str) -> ScoreConfig:
    """The scale new criteria get when the user names none."""
    return pairwise.DEFAULT_SCALE if kind == "pairwise" else DEFAULT_SCALES[shape]


def parser_for(shape: sniff.Shape) -> Parser:
    """The function that turns records of `shape` into rows, its `--map` checked
    (`evalign.data.column_map`: a key the format does not read, a column no record has)."""
    parse = _parsers()[shape]

    def parse_checked(o: Origin, r: Iterable[Record], s: Scales, m: Mapping[str, str],
                      c: str | None, a: str | None) -> Iterator[Row]:
        return column_map.checked(shape, o, r, m, lambda records: parse(o, records, s, m, c, a))

    return parse_checked


def _parsers() -> dict[str, Parser]:
    parsers: dict[str, Parser] = {
        "openai": lambda o, r, s, m, c, a: openai_jsonl.parse(o, r, s, mapping=m, criterion=c,
                                                              annotator=a),
        "table": lambda o, r, s, m, c, a: tabular.parse(o, r, s, mapping=m, criterion=c,
                                                        annotator=a),
        "pairwise": lambda o, r, s, m, c, a: pairwise.parse(o, r, s, mapping=m, criterion=c,
                                                            annotator=a),
        "ratings": lambda o, r, s, m, c, a: ratings.parse(o, r, s, criterion=c, mapping=m),
        "native": lambda o, r, s, m, c, a: native.parse(o, r, s),
    }
    return parsers


_DEFAULT_SCALES = DEFAULT_SCALES  # older names, still used by the web upload preview
_parser = parser_for


def unique_ids(origin: Origin, rows: Iterable[Row]) -> Iterator[Row]:
    """Pass rows through, refusing an id that a previous row of the file already used.

    Raises:
        DataError: a duplicate id, naming both lines.
    """
    seen: dict[str, int | None] = {}
    for row in rows:
        ext = row.item.external_id
        if ext:
            if ext in seen:
                raise origin.error(
                    f"duplicate id {ext!r} (already used on line {seen[ext]}): ids must be unique",
                    row.line,
                )
            seen[ext] = row.line
        yield row
