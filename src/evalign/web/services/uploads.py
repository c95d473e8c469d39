"""Uploading a labeled file: keep it aside, map its columns, preview the parse, then import.

Nothing reaches the store before the user confirms: the preview parses the whole file with
`evalign.data.importer.parse_file`, the first half of `evalign import` (so it shows the same
file:line errors), inside a transaction that is always rolled back. The import itself is
`evalign.data.importer.import_file`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from evalign.data import importer, tabular
from evalign.errors import ConfigError, DataError, NotFoundError
from evalign.store import Store

MAX_BYTES = 100 * 1024 * 1024
PREVIEW_ROWS = 8
PREVIEW_COLUMNS = 200
PREVIEW_FIELDS = 20
PREVIEW_CHARS = 500
PREVIEW_NAME_CHARS = 120
KEEP_S = 6 * 3600.0
MAP_KEYS = ("id", "input", "output", "label", "reasoning", "annotator")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class UploadOptions(BaseModel):
    """How to read an uploaded file (the CLI's import options)."""

    dataset: str = ""
    format: str = "auto"
    criterion: str = ""
    scale: str = ""
    mapping: dict[str, str] = {}


class PreviewRow(BaseModel):
    """One parsed row as it would be stored, cut to what a page shows.

    `inputs` holds the first fields (`more_inputs` counts the rest); long texts end in
    `… (N more)`.
    """

    line: int | None
    external_id: str
    inputs: dict[str, Any]
    more_inputs: int = 0
    output: str | None
    output_2: str | None
    labels: list[dict[str, Any]]


class UploadPreview(BaseModel):
    """The parse of an uploaded file, before anything is written.

    `columns` lists the first column names; `columns_total` counts them all.
    """

    token: str
    filename: str
    format: str
    columns: list[str]
    columns_total: int = 0
    mapping: dict[str, str]
    rows: int
    labeled: int
    preview: list[PreviewRow]
    error: str | None = None
    error_line: int | None = None


class _Rollback(Exception):
    """Raised to discard the preview's transaction."""


class UploadArea:
    """The folder where uploaded files wait for their import: one private folder per upload.

    The folder is the store's own (beside the SQLite file by default; see
    `settings.upload_root`), never a shared temporary folder: folders are created 0700 and
    files 0600, a file is removed once imported, and uploads left longer than `keep_s` are
    removed on the next upload (and when the server starts).

    Args:
        root: the folder (created on first use).
        max_bytes: the largest file kept (bytes).
        keep_s: how long an upload that was never imported is kept (seconds).
    """

    def __init__(self, root: Path, max_bytes: int = MAX_BYTES, keep_s: float = KEEP_S):
        self.root, self.max_bytes, self.keep_s = root, max_bytes, keep_s

    def save(self, stream: BinaryIO, filename: str) -> str:
        """Copy an uploaded file aside (refusing it past `max_bytes`); returns its token.

        Raises:
            DataError: the file is larger than `max_bytes`.
        """
        self.forget_stale()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)  # also when it existed with a wider mode
        token = secrets.token_hex(16)
        folder = self.root / token
        folder.mkdir(mode=0o700)
        try:
            _copy_private(stream, folder / _safe_name(filename), self.max_bytes, filename)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return token

    def path(self, token: str) -> Path:
        """The file an upload token names.

        Raises:
            NotFoundError: the token is malformed or its file is gone.
        """
        folder = self.root / token
        files = sorted(folder.iterdir()) if _TOKEN.match(token) and folder.is_dir() else []
        if not files:
            raise NotFoundError("that upload is gone (imported already, or left too long): "
                                "upload the file again")
        return files[0]

    def forget(self, token: str) -> None:
        """Remove an upload (after its import)."""
        if _TOKEN.match(token):
            shutil.rmtree(self.root / token, ignore_errors=True)

    def forget_stale(self) -> None:
        """Drop uploads nobody imported within `keep_s`."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - self.keep_s
        for folder in self.root.iterdir():
            if _TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def _copy_private(stream: BinaryIO, target: Path, max_bytes: int, filename: str) -> None:
    """Copy `stream` into a new file only its owner can read, stopping past `max_bytes`."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        copied = 0
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            copied += len(chunk)
            if copied > max_bytes:
                raise DataError(f"file is larger than {max_bytes / (1 << 20):g} MiB", filename)
            out.write(chunk)


def _safe_name(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename or "upload").name).strip("._")
    return name or "upload.csv"


def preview_upload(store: Store, area: UploadArea, token: str,
                   options: UploadOptions) -> UploadPreview:
    """Parse the whole uploaded file without writing; a data error is reported, not raised.

    The preview holds what a page shows: the first `PREVIEW_COLUMNS` column names (with the
    total), `PREVIEW_ROWS` rows of at most `PREVIEW_FIELDS` fields, texts cut at
    `PREVIEW_CHARS` characters. A wide or long file cannot make a huge page.
    """
    path = area.path(token)
    out = UploadPreview(token=token, filename=path.name, format=options.format, columns=[],
                        mapping={}, rows=0, labeled=0, preview=[])
    try:
        with store.session() as session:
            _parse_into(session, path, options, out, area.max_bytes)
            raise _Rollback
    except _Rollback:
        pass
    except DataError as exc:
        out.error, out.error_line = _clip(str(exc)), exc.line
    except ConfigError as exc:
        out.error = _clip(str(exc))
    return out


def _parse_into(session: Any, path: Path, options: UploadOptions, out: UploadPreview,
                max_bytes: int) -> None:
    mapping = {k: v for k, v in options.mapping.items() if v}
    parsed = importer.parse_file(session, path, format=options.format, mapping=mapping,
                                 criterion=options.criterion or None,
                                 scale=options.scale or None, max_bytes=max_bytes)
    out.format, out.columns_total = parsed.format, len(parsed.columns)
    out.columns = [_clip(c, PREVIEW_NAME_CHARS) for c in parsed.columns[:PREVIEW_COLUMNS]]
    if parsed.shape == "table":
        resolved = tabular.resolve_mapping(parsed.source, parsed.columns, mapping, 1)
        out.mapping = {k: _clip(v, PREVIEW_NAME_CHARS) for k, v in resolved.items()}
    for row in importer.unique_ids(parsed.source, parsed.rows):
        out.rows += 1
        out.labeled += bool(row.labels)
        if len(out.preview) < PREVIEW_ROWS:
            out.preview.append(_preview_row(row))


def _preview_row(row: Any) -> PreviewRow:
    item = row.item
    fields = list(item.inputs.items())
    return PreviewRow(line=row.line, external_id=_clip(item.external_id, PREVIEW_NAME_CHARS),
                      inputs={_clip(k, PREVIEW_NAME_CHARS): _clipped(v)
                              for k, v in fields[:PREVIEW_FIELDS]},
                      more_inputs=max(0, len(fields) - PREVIEW_FIELDS),
                      output=_clipped(item.output), output_2=_clipped(item.output_2),
                      labels=[{"criterion": lab.criterion, "value": _clipped(lab.value),
                               "annotator": lab.annotator,
                               "reasoning": _clipped(lab.reasoning)}
                              for lab in row.labels[:PREVIEW_FIELDS]])


def _clip(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more)"


def _clipped(value: Any, depth: int = 0) -> Any:
    """`value` with long texts cut and long lists or dicts shortened (for showing only)."""
    if isinstance(value, str):
        return _clip(value)
    if depth >= 4 and isinstance(value, (list, dict)):
        return _clip(str(value))
    if isinstance(value, list):
        return [_clipped(v, depth + 1) for v in value[:PREVIEW_FIELDS]]
    if isinstance(value, dict):
        return {_clip(str(k), PREVIEW_NAME_CHARS): _clipped(v, depth + 1)
                for k, v in list(value.items())[:PREVIEW_FIELDS]}
    return value


def import_upload(store: Store, area: UploadArea, token: str,
                  options: UploadOptions) -> dict[str, Any]:
    """Import the uploaded file as dataset `options.dataset`, then remove the file.

    Raises:
        ConfigError: no dataset name.
        DataError: a malformed file (file:line); nothing is written.
        ConflictError: the dataset name is taken.
        NotFoundError: the upload is gone.
    """
    if not options.dataset.strip():
        raise ConfigError("name the dataset to import into")
    path = area.path(token)
    summary = importer.import_file(
        store, path, options.dataset.strip(), format=options.format,
        mapping={k: v for k, v in options.mapping.items() if v},
        criterion=options.criterion or None, scale=options.scale or None,
        max_bytes=area.max_bytes)
    area.forget(token)
    return summary.to_dict()


def form_mapping(form: Any) -> dict[str, str]:
    """The `map_KEY` fields of the mapping form as `KEY → COLUMN`."""
    return {key: str(form.get(f"map_{key}") or "") for key in MAP_KEYS}

