"""Export a dataset with its labels and, when it has been judged, its latest run's verdicts.

JSONL keeps everything: one object per item with `id`, `inputs`, `output` (`output_2`),
`metadata`, `labels` and `verdict`. CSV is flat (see `evalign.data.table`), with `verdict*`
columns; a text cell starting with `=`, `+`, `-`, `@` (or a tab / carriage return) gets a leading
`'`, so a spreadsheet shows it instead of running it as a formula.
Items are read page by page. `-` is standard output. A path that is (or links to) anything but a
regular file (a character device such as `/dev/stdout`, a FIFO) is written through, never
replaced; a symbolic link is followed and its target written. A regular file, or a new one, is
written to a temporary file beside the link's resolved target that replaces it at the end, so a
failed export leaves the old file whole.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from evalign.data.table import LabelKey, flat_row, label_columns
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.store import Store
from evalign.store.repo_export import first_verdicts, labels_of_items, latest_run_id
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import LabelRecord, labels_for
from evalign.store.session import Session

ExportFormat = Literal["jsonl", "csv"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PAGE = 500


def export_dataset(store: Store, name: str, path: str | Path, format: str | None = None) -> int:
    """Write dataset `name` to `path`, or to standard output when `path` is `-`.

    The format defaults to the file's extension (else JSONL).

    Returns:
        How many items were written.

    Raises:
        NotFoundError: no such dataset.
        ConfigError: an unknown format, or `path` is a directory.
    """
    stdout = str(path) == "-"
    target = Path(path)
    fmt = format or ("csv" if not stdout and target.suffix.lower() == ".csv" else "jsonl")
    if fmt not in ("jsonl", "csv"):
        raise ConfigError(f"unknown export format {fmt!r}: use jsonl or csv")
    with store.session() as session:
        dataset = get_dataset(session, name)
        writer = _write_csv if fmt == "csv" else _write_jsonl
        if stdout:
            count = writer(session, dataset.id, sys.stdout)
            sys.stdout.flush()
            return count
        with _output(target) as handle:
            count = writer(session, dataset.id, handle)
    return count


@contextmanager
def _output(path: Path) -> Iterator[TextIO]:
    """A text handle on `path`'s resolved target: written through when that is not a regular
    file (a device, a FIFO), else a temporary file beside it that replaces it on success."""
    target = path.resolve()
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise ConfigError(f"{path} is a directory: give a file name to export to")
    if mode is not None and not stat.S_ISREG(mode):
        # Replacing a device or a FIFO would swap it for a plain file (as root: /dev/stdout).
        with open(target, "w", encoding="utf-8", newline="") as handle:
            yield handle
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".export-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))  # the replaced file keeps its permissions
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def neutralize(value: Any) -> Any:
    """A CSV cell that no spreadsheet will run as a formula (text only; numbers stay)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


Page = list[tuple[Item, list[LabelRecord], dict[str, Any] | None]]


def _pages(session: Session, dataset_id: int) -> Iterator[Page]:
    run_id = latest_run_id(session, dataset_id)
    items = iter_items(session, dataset_id, page=_PAGE)
    while True:
        page = [item for _, item in zip(range(_PAGE), items, strict=False)]
        if not page:
            return
        ids = [item.id for item in page if item.id is not None]
        labels = labels_of_items(session, ids)
        verdicts = first_verdicts(session, run_id, ids) if run_id is not None else {}
        yield [(it, labels.get(it.id or -1, []), verdicts.get(it.id or -1)) for it in page]


def _write_jsonl(session: Session, dataset_id: int, handle: TextIO) -> int:
    count = 0
    for page in _pages(session, dataset_id):
        for item, labels, verdict in page:
            record: dict[str, Any] = {"id": item.external_id, "inputs": item.inputs,
                                      "output": item.output}
            if item.output_2 is not None:
                record["output_2"] = item.output_2
            record["metadata"] = item.metadata
            record["labels"] = [
                {"criterion": lb.criterion, "annotator": lb.annotator, "value": lb.value,
                 "reasoning": lb.reasoning} for lb in labels
            ]
            if verdict is not None:
                record["verdict"] = verdict
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_csv(session: Session, dataset_id: int, handle: TextIO) -> int:
    header, columns = _csv_header(session, dataset_id)
    writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for page in _pages(session, dataset_id):
        for item, labels, verdict in page:
            row = flat_row(item, [((lb.criterion, lb.annotator), lb.value, lb.reasoning)
                                  for lb in labels], columns)
            if verdict is not None:
                row.update({"verdict": verdict["value"], "verdict_p_pass": verdict["p_pass"],
                            "verdict_reasoning": verdict["reasoning"],
                            "verdict_error": verdict["error"]})
            writer.writerow({k: neutralize(_cell(v)) for k, v in row.items()})
            count += 1
    return count


def _csv_header(session: Session, dataset_id: int) -> tuple[list[str], dict[LabelKey, str]]:
    """A first pass over the items: every input field, label column and reasoning column."""
    keys: dict[LabelKey, bool] = {}
    for label in labels_for(session, dataset_id):
        key = (label.criterion, label.annotator)
        keys[key] = keys.get(key, False) or bool(label.reasoning)
    columns = label_columns(keys)
    header: dict[str, None] = {"id": None}
    pairwise = False
    for item in iter_items(session, dataset_id, page=_PAGE):
        header.update(dict.fromkeys(item.inputs))
        pairwise = pairwise or item.output_2 is not None
    header.update(dict.fromkeys(["output_1", "output_2"] if pairwise else ["output"]))
    for key, column in columns.items():
        header[column] = None
        if keys[key]:
            header["reasoning" if column == "label" else f"{column}_reasoning"] = None
    if latest_run_id(session, dataset_id) is not None:
        header.update(dict.fromkeys(
            ["verdict", "verdict_p_pass", "verdict_reasoning", "verdict_error"]))
    return list(header), columns


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
