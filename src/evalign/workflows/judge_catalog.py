"""Judge management over a store, one function per user action (what the CLI and web call).

It lives above the store, not in `evalign.judges`: judges know specs and answers, never tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evalign.errors import ConfigError
from evalign.judges.serialize import dump, load_file, spec_to_dict
from evalign.judges.spec import JudgeKind, JudgeSpec
from evalign.judges.template import check_items
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store import repo_judges as repo
from evalign.store.repo_items import get_dataset, iter_items


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """`["temperature=0", "max_tokens=64"]` → `{"temperature": 0, "max_tokens": 64}`.

    Raises:
        ConfigError: a pair has no `=`.
    """
    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"bad --param {pair!r}: write KEY=VALUE, e.g. temperature=0")
        params[key.strip()] = yaml.safe_load(value) if value.strip() else ""
    return params


def read_prompt(path: str | Path) -> str:
    """The text of a prompt file.

    Raises:
        ConfigError: the file is missing or empty.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"prompt file {file} not found")
    text = file.read_text(encoding="utf-8")
    if not text.strip():
        raise ConfigError(f"prompt file {file} is empty")
    return text


def create(store: Store, name: str, *, prompt: str, scale: str, model: str,
           params: dict[str, Any] | None = None, criterion: str | None = None,
           dataset: str | None = None, description: str = "",
           kind: JudgeKind = "prompt") -> repo.JudgeVersionInfo:
    """Create a custom judge; with `dataset`, refuse a template naming fields its items lack."""
    spec = JudgeSpec(kind=kind, prompt=prompt, scale=ScoreConfig.parse(scale), model=model,
                     params=params or {})
    with store.session() as session:
        if dataset is not None and kind == "prompt":
            target = get_dataset(session, dataset)
            check_items(prompt, iter_items(session, target.id), where=f"dataset {dataset!r}")
        return repo.create_judge(session, name, spec, criterion=criterion,
                                 description=description, provenance={"source": "cli"})


def edit(store: Store, name: str, *, prompt: str | None = None, scale: str | None = None,
         model: str | None = None, params: dict[str, Any] | None = None,
         note: str = "") -> repo.JudgeVersionInfo:
    """A new version of `name`: its latest content with the given parts replaced."""
    with store.session() as session:
        base = repo.get_version(session, name)
        spec = repo.to_spec(base)
        changes: dict[str, Any] = {}
        if prompt is not None:
            changes["prompt"] = prompt
        if scale is not None:
            changes["scale"] = ScoreConfig.parse(scale)
        if model is not None:
            changes["model"] = model
        if params:
            changes["params"] = spec.params | params
        provenance = {"source": "edit", "edited_from": base.version} | (
            {"note": note} if note else {})
        return repo.add_version(session, name, spec.model_copy(update=changes),
                                provenance=provenance)


def show(store: Store, ref: str) -> repo.JudgeVersionInfo:
    """The version `NAME[@V]`."""
    with store.session() as session:
        return repo.resolve(session, ref)


def versions(store: Store, name: str) -> list[repo.JudgeVersionInfo]:
    """Every version of `name`, oldest first."""
    with store.session() as session:
        return repo.list_versions(session, name)


def listing(store: Store) -> list[repo.JudgeInfo]:
    """Every judge, built-in and custom."""
    with store.session() as session:
        return repo.list_judges(session)


def fork(store: Store, source: str, name: str) -> repo.JudgeVersionInfo:
    """A new custom judge copied from `source` (`NAME[@V]`)."""
    with store.session() as session:
        return repo.fork(session, source, name)


def export(store: Store, ref: str, fmt: str = "yaml", out: str | Path | None = None) -> str:
    """The version `NAME[@V]` as YAML or JSON text (also written to `out` when given)."""
    with store.session() as session:
        text = dump(repo.export_dict(session, ref), fmt)
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return text


def import_file(store: Store, path: str | Path, name: str | None = None,
                ) -> repo.JudgeVersionInfo:
    """Create a custom judge from an exported file."""
    data = load_file(path)
    with store.session() as session:
        return repo.import_dict(session, data, name=name, source=str(path))


def version_dict(info: repo.JudgeVersionInfo) -> dict[str, Any]:
    """A version as JSON-ready data (for `--json` and the web API)."""
    return {"id": info.id, "judge": info.judge, "version": info.version, "ref": info.ref,
            "builtin": info.builtin, "criterion": info.criterion, "current": info.current,
            "created_at": info.created_at.isoformat(), "provenance": info.provenance,
            **spec_to_dict(info.spec)}


def judge_dict(info: repo.JudgeInfo) -> dict[str, Any]:
    """A judge listing row as JSON-ready data; `current_version` is the version `NAME` runs
    (the accepted one, else the latest), as the CLI table and the web API show it."""
    return {"name": info.name, "description": info.description, "builtin": info.builtin,
            "criterion": info.criterion,
            "current_version": info.current_version or info.latest_version,
            "latest_version": info.latest_version, "forked_from": info.forked_from,
            "created_at": info.created_at.isoformat()}
