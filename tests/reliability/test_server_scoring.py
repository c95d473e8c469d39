"""Online scoring against a live server: the judge's accepted version and its own model only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from evalign import modelfiles
from evalign.errors import ConfigError
from evalign.judges.spec import JudgeSpec
from evalign.store import Store
from evalign.store import models as m
from evalign.store.repo_judges import create_judge
from evalign.web.settings import ServerSettings
from tests.web.helpers import API_HEADERS, seed
from tests.web.live import live_server

ITEM = {"question": "Is the sky green?", "says": "FAIL", "output": "Yes."}


def _cached(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(m.CacheEntry)) or 0)


def test_a_request_cannot_choose_the_model(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    with live_server(sqlite_store, worker=False) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        cached = _cached(sqlite_store)
        for field, value in (("model", "scripted/constant:PASS"), ("temperature", 1.5),
                             ("params", {"temperature": 2}), ("version", 1)):
            forced = http.post("/api/judges/gn/score", json={"item": ITEM, field: value})
            assert forced.status_code == 400, (field, forced.text)
            assert forced.json()["kind"] == "ConfigError" and repr(field) in forced.json()["error"]
        assert _cached(sqlite_store) == cached  # refused before any model was called
        unknown = http.post("/api/judges/gn/score", json={"item": ITEM, "colour": "red"})
        assert unknown.status_code == 422
        versioned = http.post("/api/judges/gn@1/score", json={"item": ITEM})
        assert versioned.status_code == 400 and "accepted version" in versioned.json()["error"]
        own = http.post("/api/judges/gn/score", json={"item": ITEM}).json()
        assert own["version"] == 1 and [r["value"] for r in own["results"]] == ["fail"]


def test_batches_past_the_limit_are_refused(sqlite_store: Store) -> None:
    seed(sqlite_store, run=False)
    settings = ServerSettings(max_score_batch=3)
    with live_server(sqlite_store, worker=False, settings=settings) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        too_many = http.post("/api/judges/gn/score", json={"items": [ITEM] * 4})
        assert too_many.status_code == 400 and "at most 3" in too_many.json()["error"]
        assert len(http.post("/api/judges/gn/score",
                             json={"items": [ITEM] * 3}).json()["results"]) == 3
        empty = http.post("/api/judges/gn/score", json={})
        assert empty.status_code == 400


def test_local_model_paths_outside_the_cache_are_refused(
        sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALIGN_MODELS_DIR", str(tmp_path / "cache"))
    seed(sqlite_store, run=False)
    planted = tmp_path / "uploaded" / "evil.gguf"
    planted.parent.mkdir()
    planted.write_bytes(b"GGUF not really")
    with sqlite_store.session() as s:
        create_judge(s, "local-path", JudgeSpec(prompt="{response}", model=f"local/{planted}"))
    with live_server(sqlite_store, worker=False) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        scored = http.post("/api/judges/local-path/score", json={"item": ITEM})
        assert scored.status_code == 400 and "--allow-model-path" in scored.json()["error"]
        answers = {}
        for path in (planted, tmp_path / "missing.gguf"):  # existing or not: the same answer
            made = http.post("/api/runs", json={"judge": "gn", "dataset": "demo",
                                                "model": f"local/{path}"})
            answers[path.exists()] = (made.status_code, made.json()["kind"])
        assert answers[True] == answers[False] == (400, "ConfigError")
        assert http.get("/api/runs").json() == []  # nothing was created
    allowed = ServerSettings(model_paths=(planted.parent,))
    with live_server(sqlite_store, worker=False, settings=allowed) as url, \
            httpx.Client(base_url=url, headers=API_HEADERS, timeout=30) as http:
        made = http.post("/api/runs", json={"judge": "gn", "dataset": "demo",
                                            "model": f"local/{planted}"})
        assert made.status_code == 201  # the operator allowed that folder


def test_model_paths_are_checked_after_resolving(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALIGN_MODELS_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    modelfiles.check_allowed("qwen2.5-coder-1.5b")  # catalogue names live in the cache
    modelfiles.check_allowed(str(tmp_path / "cache" / "m.gguf"))
    with pytest.raises(ConfigError):
        modelfiles.check_allowed(str(tmp_path / "cache" / ".." / "elsewhere.gguf"))
    link = tmp_path / "cache" / "link.gguf"
    link.symlink_to(tmp_path / "outside.gguf")
    with pytest.raises(ConfigError):
        modelfiles.check_allowed(str(link))
    modelfiles.check_allowed(str(link), [tmp_path / "outside.gguf"])
