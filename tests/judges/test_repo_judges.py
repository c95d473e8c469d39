"""Judges in the store (SQLite and PostgreSQL): versions, built-ins, fork, export/import."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalign.errors import ConflictError, NotFoundError
from evalign.judges.spec import JudgeSpec
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store import repo_judges as repo
from evalign.workflows import judge_catalog as catalog


def test_versions_are_immutable_and_refs_resolve(store: Store) -> None:
    with store.session() as session:
        repo.create_judge(session, "notes", JudgeSpec(prompt="v1 {response}"), criterion="cov")
        repo.add_version(session, "notes", JudgeSpec(prompt="v2 {response}"))
    with store.session() as session:
        assert repo.resolve(session, "notes").spec.prompt == "v2 {response}"  # latest
        assert repo.resolve(session, "notes@1").spec.prompt == "v1 {response}"
        repo.set_current_version(session, "notes@1")
    with store.session() as session:
        assert repo.resolve(session, "notes").version == 1  # the accepted version wins
        assert [v.version for v in repo.list_versions(session, "notes")] == [1, 2]
        assert repo.resolve(session, "notes@2").criterion == "cov"
        with pytest.raises(NotFoundError, match="no version 3"):
            repo.resolve(session, "notes@3")
    with pytest.raises(ConflictError, match="exists"), store.session() as session:
        repo.create_judge(session, "notes", JudgeSpec(prompt="x"))


def test_builtins_are_read_only_and_forkable(store: Store) -> None:
    names = {j.name for j in catalog.listing(store) if j.builtin}
    assert {"grading-notes", "faithfulness", "pairwise-preference", "helpfulness",
            "ragas-baseline"} <= names
    with pytest.raises(ConflictError, match="fork it: evalign judge fork ragas-baseline"):
        catalog.edit(store, "ragas-baseline", prompt="changed {response}")
    forked = catalog.fork(store, "ragas-baseline", "my-ragas")
    assert forked.provenance == {"forked_from": "ragas-baseline@1"}
    edited = catalog.edit(store, "my-ragas", prompt="Stricter: {response} {grading_notes}")
    assert edited.version == 2
    original = catalog.show(store, "ragas-baseline")
    assert original.spec.prompt.startswith("Check if the response contains points mentioned")
    assert catalog.show(store, "pairwise-preference").spec.scale.kind == "pairwise"
    assert catalog.show(store, "helpfulness").spec.scale == ScoreConfig.parse("stars")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_round_trip(store: Store, tmp_path: Path, fmt: str) -> None:
    spec = JudgeSpec(prompt="Q {question}\nA {response}", scale=ScoreConfig.parse("stars"),
                     model="openai/gpt-4o-mini", params={"temperature": 0},
                     few_shot=[{"fields": {"question": "q"}, "label": 4, "reasoning": "ok"}],
                     threshold=0.4, checks={"questions": ["a?"]}, guidelines="Be fair.")
    with store.session() as session:
        repo.create_judge(session, "src", spec, criterion="helpful",
                          provenance={"source": "alignment", "run": 3})
    out = tmp_path / f"judge.{fmt}"
    first = catalog.export(store, "src@1", fmt, out)
    imported = catalog.import_file(store, out, name="copy")
    assert imported.spec == spec
    second = catalog.export(store, "copy@1", fmt)
    assert second.replace("copy", "src", 1) == first
