"""Uploads wait in the store's own private folder and leave once imported; the store is 0600."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import httpx

from evalign.store import Store, open_store
from evalign.web.settings import ServerSettings
from tests.web.helpers import API_HEADERS, seed
from tests.web.live import live_server

CSV = b"question,response,label\nWhat is 2+2?,4,pass\nCapital of France?,Berlin,fail\n"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_uploads_are_private_and_removed_once_imported(sqlite_store: Store,
                                                       tmp_path: Path) -> None:
    seed(sqlite_store, run=False)
    shared = Path(tempfile.gettempdir()) / "evalign-uploads"
    before = set(shared.iterdir()) if shared.is_dir() else set()
    root = tmp_path / "evalign.db.uploads"  # beside the store's SQLite file
    with live_server(sqlite_store, worker=False) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        preview = http.post("/api/uploads/preview", files={"file": ("labels.csv", CSV)}).json()
        token = preview["token"]
        kept = root / token / "labels.csv"
        assert kept.read_bytes() == CSV
        assert _mode(kept) == 0o600 and _mode(kept.parent) == 0o700 and _mode(root) == 0o700
        made = http.post(f"/api/uploads/{token}/import", json={"dataset": "imported"})
        assert made.status_code == 201, made.text
        assert not (root / token).exists()
        again = http.post(f"/api/uploads/{token}/import", json={"dataset": "twice"})
        assert again.status_code == 404 and "upload the file again" in again.json()["error"]
    assert (set(shared.iterdir()) if shared.is_dir() else set()) == before


def test_stale_uploads_are_removed(sqlite_store: Store, tmp_path: Path) -> None:
    seed(sqlite_store, run=False)
    settings = ServerSettings(upload_dir=tmp_path / "configured")
    with live_server(sqlite_store, worker=False, settings=settings) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        old = http.post("/api/uploads/preview", files={"file": ("a.csv", CSV)}).json()["token"]
        folder = tmp_path / "configured" / old
        assert folder.is_dir()
        os.utime(folder, (0, 0))  # abandoned long ago
        http.post("/api/uploads/preview", files={"file": ("b.csv", CSV)})
        assert not folder.exists()


def test_a_new_store_file_is_private(tmp_path: Path) -> None:
    store = open_store(tmp_path / "fresh.db")
    with store.session():
        pass
    store.close()
    made = sorted(p.name for p in tmp_path.iterdir())
    assert "fresh.db" in made
    for name in made:
        assert _mode(tmp_path / name) == 0o600, f"{name} is {oct(_mode(tmp_path / name))}"
