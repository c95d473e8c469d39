"""Judges and their immutable versions in the store.

A judge is a name (plus description, optional criterion) owning numbered versions; editing a judge
adds a version and never changes an old one. `NAME` refers to the judge's accepted version
(`judges.current_version`), or its latest when none was accepted; `NAME@V` to version V.
Built-in judges are seeded from `evalign.judges.builtin` and are read-only: fork them.

All functions take an open `Session`; the caller's transaction makes them atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalign.errors import ConfigError, ConflictError, NotFoundError
from evalign.judges.builtin import builtin_judges
from evalign.judges.serialize import spec_from_dict, spec_to_dict
from evalign.judges.spec import JudgeSpec
from evalign.store import models as m
from evalign.store.repo_criteria import get_criterion, get_or_create_criterion


@dataclass(frozen=True)
class JudgeVersionInfo:
    """One stored judge version."""

    id: int
    judge: str
    version: int
    spec: JudgeSpec
    provenance: dict[str, Any]
    created_at: datetime
    builtin: bool = False
    criterion: str | None = None
    current: bool = False

    @property
    def ref(self) -> str:
        """`NAME@V`."""
        return f"{self.judge}@{self.version}"


@dataclass(frozen=True)
class JudgeInfo:
    """A judge in a listing."""

    id: int
    name: str
    description: str
    builtin: bool
    criterion: str | None
    current_version: int | None
    latest_version: int
    versions: int
    forked_from: str | None
    created_at: datetime


def parse_ref(ref: str) -> tuple[str, int | None]:
    """Split `NAME[@V]`.

    Raises:
        ConfigError: V is not a positive whole number.
    """
    name, sep, version = ref.strip().rpartition("@")
    if not sep:
        return ref.strip(), None
    if not version.isdigit() or int(version) < 1:
        raise ConfigError(f"bad judge reference {ref!r}: write NAME or NAME@VERSION (e.g. x@2)")
    return name, int(version)


def get_judge(session: Session, name: str) -> m.Judge:
    """The judge named `name` (built-ins are seeded on first lookup).

    Raises:
        NotFoundError: no such judge; lists the ones there are.
    """
    judge = session.scalar(sa.select(m.Judge).where(m.Judge.name == name))
    if judge is None and seed_builtins(session):
        judge = session.scalar(sa.select(m.Judge).where(m.Judge.name == name))
    if judge is None:
        names = session.scalars(sa.select(m.Judge.name).order_by(m.Judge.name)).all()
        raise NotFoundError(f"no judge named {name!r}; judges: {', '.join(names) or 'none'}. "
                            "Create one with `evalign judge create`")
    return judge


def get_version(session: Session, ref: str) -> m.JudgeVersion:
    """The version `NAME@V`, or for `NAME` the accepted (else latest) version.

    Raises:
        NotFoundError: no such judge or version.
    """
    name, number = parse_ref(ref)
    judge = get_judge(session, name)
    number = number or judge.current_version or _latest(session, judge.id)
    row = session.scalar(sa.select(m.JudgeVersion).where(
        m.JudgeVersion.judge_id == judge.id, m.JudgeVersion.version == number))
    if row is None:
        raise NotFoundError(f"judge {name!r} has no version {number} "
                            f"(latest: {_latest(session, judge.id)})")
    return row


def version_info(session: Session, row: m.JudgeVersion) -> JudgeVersionInfo:
    """A stored version as a record."""
    judge = session.get_one(m.Judge, row.judge_id)
    criterion = session.get(m.Criterion, judge.criterion_id) if judge.criterion_id else None
    return JudgeVersionInfo(
        id=row.id, judge=judge.name, version=row.version, spec=to_spec(row),
        provenance=dict(row.provenance or {}), created_at=row.created_at, builtin=judge.builtin,
        criterion=criterion.name if criterion else None,
        current=row.version == (judge.current_version or _latest(session, judge.id)),
    )


def resolve(session: Session, ref: str) -> JudgeVersionInfo:
    """`NAME[@V]` as a version record."""
    return version_info(session, get_version(session, ref))


def to_spec(row: m.JudgeVersion) -> JudgeSpec:
    """A stored version's content."""
    return spec_from_dict({
        "kind": row.kind, "prompt": row.prompt, "scale": row.scale, "model": row.model,
        "params": row.params, "few_shot": row.few_shot, "threshold": row.threshold,
        "checks": row.checks, "guidelines": row.guidelines or "",
    }, source=f"judge version {row.id}")


def create_judge(session: Session, name: str, spec: JudgeSpec, *, criterion: str | None = None,
                 description: str = "", provenance: dict[str, Any] | None = None,
                 builtin: bool = False, forked_from: int | None = None) -> JudgeVersionInfo:
    """Create a judge with its first version.

    Raises:
        ConflictError: the name is taken.
        ConfigError: the name is empty or contains `@`.
    """
    _check_name(name)
    if session.scalar(sa.select(m.Judge.id).where(m.Judge.name == name)) is not None:
        raise ConflictError(f"a judge named {name!r} exists: pick another name, or make a new "
                            f"version with `evalign judge edit {name}`")
    criterion_id = None
    if criterion:
        row = get_criterion(session, criterion) or get_or_create_criterion(
            session, criterion, spec.scale)
        criterion_id = row.id
    judge = m.Judge(name=name, description=description, builtin=builtin,
                    criterion_id=criterion_id, forked_from_version_id=forked_from)
    session.add(judge)
    session.flush()
    return version_info(session, _add_version(session, judge, spec, provenance or {}))


def add_version(session: Session, name: str, spec: JudgeSpec, *,
                provenance: dict[str, Any] | None = None, make_current: bool = False,
                ) -> JudgeVersionInfo:
    """Add a new version to a custom judge (old versions never change).

    Raises:
        ConflictError: the judge is built-in (fork it instead).
    """
    judge = get_judge(session, name)
    _refuse_builtin(judge)
    row = _add_version(session, judge, spec, provenance or {})
    if make_current:
        judge.current_version = row.version
    return version_info(session, row)


def set_current_version(session: Session, ref: str) -> JudgeVersionInfo:
    """Make `NAME@V` the judge's accepted version (what `NAME` then refers to)."""
    row = get_version(session, ref)
    judge = session.get_one(m.Judge, row.judge_id)
    _refuse_builtin(judge)
    judge.current_version = row.version
    session.flush()
    return version_info(session, row)


def fork(session: Session, source: str, new_name: str, *,
         description: str | None = None, criterion: str | None = None) -> JudgeVersionInfo:
    """A new custom judge whose first version copies `source` (`NAME[@V]`), bound to
    `criterion` when given, else to the source judge's criterion."""
    row = get_version(session, source)
    origin = session.get_one(m.Judge, row.judge_id)
    bound = session.get(m.Criterion, origin.criterion_id) if origin.criterion_id else None
    provenance = {"forked_from": f"{origin.name}@{row.version}"}
    return create_judge(
        session, new_name, to_spec(row), criterion=criterion or (bound.name if bound else None),
        description=origin.description if description is None else description,
        provenance=provenance, forked_from=row.id)


def list_judges(session: Session) -> list[JudgeInfo]:
    """Every judge (built-in and custom), by name."""
    seed_builtins(session)
    counts = dict(session.execute(sa.select(m.JudgeVersion.judge_id, sa.func.max(
        m.JudgeVersion.version)).group_by(m.JudgeVersion.judge_id)).all())
    criteria = dict(session.execute(sa.select(m.Criterion.id, m.Criterion.name)).all())
    result = []
    for judge in session.scalars(sa.select(m.Judge).order_by(m.Judge.name)):
        forked = session.get(m.JudgeVersion, judge.forked_from_version_id) \
            if judge.forked_from_version_id else None
        result.append(JudgeInfo(
            id=judge.id, name=judge.name, description=judge.description, builtin=judge.builtin,
            criterion=criteria.get(judge.criterion_id) if judge.criterion_id else None,
            current_version=judge.current_version, latest_version=counts.get(judge.id, 0),
            versions=counts.get(judge.id, 0), created_at=judge.created_at,
            forked_from=f"{forked.judge.name}@{forked.version}" if forked else None))
    return result


def list_versions(session: Session, name: str) -> list[JudgeVersionInfo]:
    """Every version of the judge, oldest first."""
    judge = get_judge(session, name)
    rows = session.scalars(sa.select(m.JudgeVersion).where(m.JudgeVersion.judge_id == judge.id)
                           .order_by(m.JudgeVersion.version))
    return [version_info(session, row) for row in rows]


def seed_builtins(session: Session) -> int:
    """Store the built-in judges that are missing, or a new version where one changed.

    Returns:
        How many versions were added.
    """
    added = 0
    existing = {j.name: j for j in session.scalars(sa.select(m.Judge).where(m.Judge.builtin))}
    for builtin in builtin_judges():
        judge = existing.get(builtin.name)
        if judge is None:
            if session.scalar(sa.select(m.Judge.id).where(m.Judge.name == builtin.name)):
                continue  # a custom judge took the name first: leave it alone
            create_judge(session, builtin.name, builtin.spec, description=builtin.description,
                         provenance={"source": "builtin"}, builtin=True)
            added += 1
        elif to_spec(get_version(session, builtin.name)) != builtin.spec:
            _add_version(session, judge, builtin.spec, {"source": "builtin"})
            added += 1
    return added


def export_dict(session: Session, ref: str) -> dict[str, Any]:
    """Everything about `NAME[@V]` as a dict that `import_dict` reads back identically."""
    info = resolve(session, ref)
    judge = get_judge(session, info.judge)
    return {"name": info.judge, "version": info.version, "description": judge.description,
            "criterion": info.criterion, **spec_to_dict(info.spec),
            "provenance": info.provenance}


def import_dict(session: Session, data: dict[str, Any], *, name: str | None = None,
                source: str = "judge file") -> JudgeVersionInfo:
    """Create a custom judge from an exported dict (its content and provenance kept as is).

    Raises:
        ConfigError: no name in the file and none given, or invalid content.
        ConflictError: the name is taken.
    """
    target = name or data.get("name")
    if not target:
        raise ConfigError(f"{source}: has no name: pass --name NAME")
    spec = spec_from_dict(data, source=source)
    provenance = dict(data.get("provenance") or {})
    return create_judge(session, str(target), spec, criterion=data.get("criterion"),
                        description=str(data.get("description") or ""), provenance=provenance)


def _add_version(session: Session, judge: m.Judge, spec: JudgeSpec,
                 provenance: dict[str, Any]) -> m.JudgeVersion:
    row = m.JudgeVersion(
        judge_id=judge.id, version=_latest(session, judge.id) + 1, kind=spec.kind,
        prompt=spec.prompt, scale=spec.scale.to_dict(), model=spec.model, params=spec.params,
        few_shot=spec.few_shot, threshold=spec.threshold, checks=spec.checks,
        guidelines=spec.guidelines, provenance=provenance,
    )
    session.add(row)
    session.flush()
    return row


def _latest(session: Session, judge_id: int) -> int:
    query = sa.select(sa.func.max(m.JudgeVersion.version)).where(
        m.JudgeVersion.judge_id == judge_id)
    return session.scalar(query) or 0


def _refuse_builtin(judge: m.Judge) -> None:
    if judge.builtin:
        raise ConflictError(f"{judge.name!r} is a built-in judge and cannot be edited: "
                            f"fork it: evalign judge fork {judge.name} --name my-{judge.name}")


def _check_name(name: str) -> None:
    if not name.strip() or "@" in name or "/" in name:
        raise ConfigError(f"bad judge name {name!r}: use letters, digits, -, _ (no @ or /)")
