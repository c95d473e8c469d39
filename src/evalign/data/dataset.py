"""`Dataset`: items with their human labels, in memory — from pandas, to pandas, to/from a store.

    >>> ds = Dataset.from_pandas(df, "support-answers", scale="pass_fail")
    >>> ds.save(store)                     # one transaction
    >>> Dataset.load(store, "support-answers").to_pandas()
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalign.data import sniff
from evalign.data.reader import Origin, Record
from evalign.data.records import LabelIn, Row
from evalign.data.sampling import reservoir
from evalign.data.scales import FixedScales
from evalign.data.table import flat_row, label_columns
from evalign.items import Item
from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store.repo_criteria import Criteria, scale_of
from evalign.store.repo_items import get_dataset, iter_items
from evalign.store.repo_labels import dataset_criteria, labels_for
from evalign.store.repo_writes import WriteMode, write_dataset

if TYPE_CHECKING:
    import pandas as pd

    from evalign.data.importer import ImportSummary

@dataclass
class Dataset:
    """A named set of items and their human labels.

    Attributes:
        name: the dataset's name in a store.
        rows: the items with their labels, in order.
        criteria: the scale of every criterion the labels use.
        kind: `single` or `pairwise`.
    """

    name: str
    rows: list[Row] = field(default_factory=list)
    criteria: dict[str, ScoreConfig] = field(default_factory=dict)
    kind: str = "single"

    @property
    def items(self) -> list[Item]:
        """The items, in order."""
        return [row.item for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    @classmethod
    def from_pandas(
        cls,
        df: pd.DataFrame,
        name: str = "dataframe",
        *,
        mapping: Mapping[str, str] | None = None,
        criterion: str | None = None,
        scale: str | ScoreConfig | None = None,
        annotator: str | None = None,
    ) -> Dataset:
        """A dataset from a DataFrame, read like a CSV file with the same column mapping.

        Pairwise (`output_1`/`output_2`), ratings (`reviews`) and chat (`messages`) frames are
        recognized by their columns. Missing cells (NaN) count as empty.

        Raises:
            DataError: a bad row, named as `DataFrame:ROW` (1-based).
        """
        records: list[Record] = [
            (index, {str(k): _cell(v) for k, v in record.items()})
            for index, record in enumerate(df.to_dict("records"), start=1)
        ]
        from evalign.data.importer import default_scale, parser_for

        columns = [str(c) for c in df.columns]
        shape = sniff.shape_of("auto", columns)
        kind = sniff.kind_of(shape, columns)
        explicit = ScoreConfig.parse(scale) if scale is not None else None
        scales = FixedScales(explicit, default_scale(shape, kind))
        parse = parser_for(shape)
        rows = list(parse(Origin("DataFrame"), records, scales, mapping or {}, criterion,
                          annotator))
        used = {label.criterion for row in rows for label in row.labels}
        return cls(name, rows, {c: scales.scale(c) for c in sorted(used)}, kind)

    def to_pandas(self) -> pd.DataFrame:
        """One row per item: id, input fields, output(s), then label columns (see `table`)."""
        import pandas as pd

        columns = label_columns(
            (label.criterion, label.annotator) for row in self.rows for label in row.labels
        )
        flat = [
            flat_row(row.item, [((lb.criterion, lb.annotator), lb.value, lb.reasoning)
                                 for lb in row.labels], columns)
            for row in self.rows
        ]
        return pd.DataFrame(flat)

    @classmethod
    def load(cls, store: Store, name: str) -> Dataset:
        """The stored dataset `name`, with its items (store ids set) and labels.

        Raises:
            NotFoundError: no such dataset.
        """
        with store.session() as session:
            stored = get_dataset(session, name)
            by_item: dict[int, list[LabelIn]] = {}
            for label in labels_for(session, stored.id):
                by_item.setdefault(label.item_id, []).append(
                    LabelIn(label.criterion, label.value, label.annotator, label.reasoning)
                )
            criteria = {c.name: scale_of(c) for c in dataset_criteria(session, stored.id)}
            rows = [
                Row(item, tuple(by_item.get(item.id or -1, ())), index)
                for index, item in enumerate(iter_items(session, stored.id), start=1)
            ]
            return cls(name, rows, criteria, stored.kind)

    def save(self, store: Store, *, mode: WriteMode = "create") -> ImportSummary:
        """Write the dataset to `store` in one transaction.

        Raises:
            ConflictError: the name exists (use mode `append` or `replace`), or a criterion
                exists with another scale.
        """
        from evalign.data.importer import summarize, unique_ids

        with store.session() as session:
            criteria = Criteria(session)
            for name, scale in self.criteria.items():
                criteria.get_or_create(name, scale)
            rows = unique_ids(Origin(self.name), self.rows)
            stats = write_dataset(session, self.name, rows, criteria, kind=self.kind,
                                  source={"format": "python"}, mode=mode,
                                  source_name=self.name)
        return summarize(stats, "python", self.kind)

    def sample(self, n: int, seed: int = 0, name: str | None = None) -> Dataset:
        """A random sample of `n` rows (in their original order), reproducible with `seed`."""
        rows = reservoir(self.rows, n, seed)
        return Dataset(name or f"{self.name}-sample", rows, dict(self.criteria), self.kind)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
