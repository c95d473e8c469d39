"""Dataset housekeeping over a store: list, describe, delete, and copy a sample into a new set.

These are the library calls behind `evalign datasets ...`; each runs in one transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from evalign.data.importer import ImportSummary, summarize
from evalign.data.records import LabelIn, Row
from evalign.data.sampling import reservoir
from evalign.items import as_text
from evalign.store import Store, repo_criteria, repo_items, repo_labels, repo_writes
from evalign.store.repo_label_counts import label_counts


def list_datasets(store: Store, *, all_versions: bool = False) -> list[dict[str, Any]]:
    """Every dataset as `{"name", "version", "rows", "labeled", "kind", "created_at",
    "superseded_at"}` (times ISO 8601, `superseded_at` None for a current version), by name.

    Args:
        all_versions: list the versions `import --replace` superseded too; each name's
            versions come oldest first.
    """
    with store.session() as session:
        return [_listed(d) for d in repo_items.list_datasets(session, all_versions=all_versions)]


def _listed(d: repo_items.DatasetSummary) -> dict[str, Any]:
    return {"name": d.name, "version": d.version, "rows": d.rows, "labeled": d.labeled,
            "kind": d.kind, "created_at": d.created_at.isoformat(),
            "superseded_at": d.superseded_at.isoformat() if d.superseded_at else None}


@dataclass
class DatasetInfo:
    """What `evalign datasets show` prints about one dataset."""

    name: str
    kind: str
    rows: int
    labeled: int
    criteria: dict[str, str]
    labels: dict[str, dict[str, int]]
    """Per criterion, the annotators' own labels per value (resolutions are in `resolved`)."""
    annotators: list[str]
    """Who gave own labels (an adjudication is a decision, not one more annotator)."""
    source: dict[str, Any]
    preview: list[dict[str, Any]]
    version: int = 1
    resolved: dict[str, int] = field(default_factory=dict)
    """Per criterion with resolutions, how many items an adjudicator resolved."""
    versions: list[dict[str, Any]] = field(default_factory=list)
    """Every stored version of the name, oldest first, as `list_datasets` gives them."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)


def describe_dataset(store: Store, name: str, preview: int = 5, width: int = 120) -> DatasetInfo:
    """A dataset's size, criteria (with scales), label balance, annotators, resolutions and
    first items (`repo_label_counts`: resolutions are counted apart from the annotators).

    Raises:
        NotFoundError: no such dataset.
    """
    with store.session() as session:
        stored = repo_items.get_dataset(session, name)
        versions = [d for d in repo_items.list_datasets(session, all_versions=True)
                    if d.name == stored.name]
        summary = next(d for d in versions if d.id == stored.id)
        items: list[dict[str, Any]] = []
        for item in repo_items.iter_items(session, stored.id, page=max(preview, 1)):
            if len(items) >= preview:
                break
            fields = {k: _clip(as_text(v), width) for k, v in item.fields().items()}
            items.append({"id": item.external_id, **fields})
        counts = label_counts(session, stored.id)
        return DatasetInfo(
            name=stored.name, kind=stored.kind, rows=summary.rows, labeled=summary.labeled,
            criteria={c.name: repo_criteria.scale_of(c).spec()
                      for c in repo_labels.dataset_criteria(session, stored.id)},
            labels=counts.balance, annotators=counts.annotators, resolved=counts.resolved,
            source=dict(stored.source or {}), preview=items, version=stored.version,
            versions=[_listed(d) for d in versions],
        )


def _clip(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def delete_dataset(store: Store, name: str, *, with_runs: bool = False,
                   who: str = "") -> repo_items.Deletion:
    """Delete every version of a dataset with its items and labels; leave a tombstone.

    Args:
        with_runs: also delete its runs and their verdicts (refused otherwise when it has runs).
        who: who deletes it (recorded).

    Raises:
        NotFoundError: no such dataset.
        ConflictError: it has runs and `with_runs` is False.
    """
    with store.session() as session:
        return repo_items.delete_dataset(session, name, with_runs=with_runs, who=who)


def sample_dataset(store: Store, source: str, into: str, n: int, seed: int = 0) -> ImportSummary:
    """Copy a random sample of `n` items of `source` (with their labels) into a new dataset.

    Items keep their ids, inputs, outputs and metadata; the new dataset records where it came
    from. The same `n` and `seed` always pick the same items.

    Raises:
        NotFoundError: no dataset `source`.
        ConflictError: a dataset `into` exists already.
        ConfigError: `n` is not positive.
    """
    with store.session() as session:
        origin = repo_items.get_dataset(session, source)
        picked = reservoir(repo_items.iter_items(session, origin.id), n, seed)
        by_item: dict[int, list[LabelIn]] = {}
        for label in repo_labels.labels_for(session, origin.id):
            by_item.setdefault(label.item_id, []).append(
                LabelIn(label.criterion, label.value, label.annotator, label.reasoning,
                        resolved=label.resolved)
            )
        rows = [Row(item, tuple(by_item.get(item.id or -1, ()))) for item in picked]
        info = {"sampled_from": source, "n": n, "seed": seed}
        criteria = repo_criteria.Criteria(session)
        for criterion in repo_labels.dataset_criteria(session, origin.id):
            criteria.get_or_create(criterion.name, repo_criteria.scale_of(criterion))
        stats = repo_writes.write_dataset(session, into, rows, criteria,
                                          kind=origin.kind, source=info)
    return summarize(stats, "sample", origin.kind)
