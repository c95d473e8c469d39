"""Uploading a labeled file: keep it aside, map its columns, preview the parse, then import.

Nothing reaches the store before the user confirms: the preview parses the whole file with
`evalign.data.importer.parse_file`, the first half of `evalign import` (so it shows the same
file:line errors), inside a transaction that is always rolled back. The import itself is
`evalign.data.importer.import_file`.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from evalign.data import importer, tabular
from evalign.errors import ConfigError, DataError, NotFoundError
from evalign.store import Store

MAX_BYTES = 100 * 1024 * 1024
PREVIEW_ROWS = 8
KEEP_S = 24 * 3600.0
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
    """One parsed row as it would be stored."""

    line: int | None
    external_id: str
    inputs: dict[str, Any]
    output: str | None
    output_2: str | None
    labels: list[dict[str, Any]]


class UploadPreview(BaseModel):
    """The parse of an uploaded file, before anything is written."""

    token: str
    filename: str
    format: str
    columns: list[str]
    mapping: dict[str, str]
    rows: int
    labeled: int
    preview: list[PreviewRow]
    error: str | None = None
    error_line: int | None = None


class _Rollback(Exception):
    """Raised to discard the preview's transaction."""


def upload_dir() -> Path:
    """Where uploaded files wait for their import (one folder per upload)."""
    return Path(tempfile.gettempdir()) / "evalign-uploads"


def save_upload(stream: BinaryIO, filename: str, max_bytes: int = MAX_BYTES) -> str:
    """Copy an uploaded file aside (refusing it past `max_bytes`); returns its token."""
    _forget_stale(upload_dir())
    token = secrets.token_hex(16)
    folder = upload_dir() / token
    folder.mkdir(parents=True)
    target = folder / _safe_name(filename)
    with target.open("wb") as out:
        copied = 0
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            copied += len(chunk)
            if copied > max_bytes:
                shutil.rmtree(folder, ignore_errors=True)
                raise DataError(f"file is larger than {max_bytes // (1 << 20)} MB", filename)
            out.write(chunk)
    return token


def _forget_stale(root: Path, max_age_s: float = KEEP_S) -> None:
    """Drop uploads nobody imported within `max_age_s` (abandoned previews)."""
    if not root.is_dir():
        return
    cutoff = time.time() - max_age_s
    for folder in root.iterdir():
        if _TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _safe_name(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename or "upload").name).strip("._")
    return name or "upload.csv"


def uploaded_file(token: str) -> Path:
    """The file an upload token names.

    Raises:
        NotFoundError: the token is malformed or its file is gone.
    """
    folder = upload_dir() / token
    files = sorted(folder.iterdir()) if _TOKEN.match(token) and folder.is_dir() else []
    if not files:
        raise NotFoundError("that upload is gone (the server restarted?): upload the file again")
    return files[0]


def preview_upload(store: Store, token: str, options: UploadOptions) -> UploadPreview:
    """Parse the whole uploaded file without writing; a data error is reported, not raised."""
    path = uploaded_file(token)
    out = UploadPreview(token=token, filename=path.name, format=options.format, columns=[],
                        mapping={}, rows=0, labeled=0, preview=[])
    try:
        with store.session() as session:
            _parse_into(session, path, options, out)
            raise _Rollback
    except _Rollback:
        pass
    except DataError as exc:
        out.error, out.error_line = str(exc), exc.line
    except ConfigError as exc:
        out.error = str(exc)
    return out


def _parse_into(session: Any, path: Path, options: UploadOptions, out: UploadPreview) -> None:
    mapping = {k: v for k, v in options.mapping.items() if v}
    parsed = importer.parse_file(session, path, format=options.format, mapping=mapping,
                                 criterion=options.criterion or None,
                                 scale=options.scale or None, max_bytes=MAX_BYTES)
    out.columns, out.format = parsed.columns, parsed.format
    if parsed.shape == "table":
        out.mapping = tabular.resolve_mapping(parsed.source, parsed.columns, mapping, 1)
    for row in importer.unique_ids(parsed.source, parsed.rows):
        out.rows += 1
        out.labeled += bool(row.labels)
        if len(out.preview) < PREVIEW_ROWS:
            out.preview.append(_preview_row(row))


def _preview_row(row: Any) -> PreviewRow:
    item = row.item
    return PreviewRow(line=row.line, external_id=item.external_id, inputs=item.inputs,
                      output=item.output, output_2=item.output_2,
                      labels=[{"criterion": lab.criterion, "value": lab.value,
                               "annotator": lab.annotator, "reasoning": lab.reasoning}
                              for lab in row.labels])


def import_upload(store: Store, token: str, options: UploadOptions) -> dict[str, Any]:
    """Import the uploaded file as dataset `options.dataset`, then forget the file.

    Raises:
        ConfigError: no dataset name.
        DataError: a malformed file (file:line); nothing is written.
        ConflictError: the dataset name is taken.
    """
    if not options.dataset.strip():
        raise ConfigError("name the dataset to import into")
    path = uploaded_file(token)
    summary = importer.import_file(
        store, path, options.dataset.strip(), format=options.format,
        mapping={k: v for k, v in options.mapping.items() if v},
        criterion=options.criterion or None, scale=options.scale or None, max_bytes=MAX_BYTES)
    shutil.rmtree(path.parent, ignore_errors=True)
    return summary.to_dict()


def form_mapping(form: Any) -> dict[str, str]:
    """The `map_KEY` fields of the mapping form as `KEY → COLUMN`."""
    return {key: str(form.get(f"map_{key}") or "") for key in MAP_KEYS}

