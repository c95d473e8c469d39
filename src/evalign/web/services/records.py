"""Records shared by several views: items, labels, criteria, pages of results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel


class LabelLike(Protocol):
    """What `LabelView.of` reads: a stored label (a repository record or a row)."""

    @property
    def item_id(self) -> int: ...
    @property
    def annotator(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def reasoning(self) -> str: ...
    @property
    def resolved(self) -> bool: ...
    @property
    def created_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def source(self) -> str: ...


class ItemLike(Protocol):
    """What `ItemView.of` reads: a stored item (a repository record or a row)."""

    @property
    def id(self) -> int: ...
    @property
    def external_id(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def inputs(self) -> dict[str, Any] | None: ...
    @property
    def output(self) -> str | None: ...
    @property
    def output_2(self) -> str | None: ...
    @property
    def meta(self) -> dict[str, Any] | None: ...


class LabelView(BaseModel):
    """One human label as pages show it."""

    item_id: int
    criterion: str
    annotator: str
    value: Any
    reasoning: str = ""
    resolved: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    """When the value, reasoning or resolved flag last changed (created_at until then)."""
    source: str = "import"
    """Where it was made: `import`, `web`, `api` (`unknown` before history was kept)."""

    @classmethod
    def of(cls, row: LabelLike, criterion: str) -> LabelView:
        """From a stored label."""
        return cls(item_id=row.item_id, criterion=criterion, annotator=row.annotator,
                   value=row.value, reasoning=row.reasoning, resolved=row.resolved,
                   created_at=row.created_at, updated_at=row.updated_at, source=row.source)


class ItemView(BaseModel):
    """One item with its labels."""

    id: int
    external_id: str
    position: int
    inputs: dict[str, Any]
    output: str | None = None
    output_2: str | None = None
    metadata: dict[str, Any] = {}
    labels: list[LabelView] = []

    @classmethod
    def of(cls, row: ItemLike, labels: list[LabelView] | None = None) -> ItemView:
        """From a stored item."""
        return cls(id=row.id, external_id=row.external_id, position=row.position,
                   inputs=row.inputs or {}, output=row.output, output_2=row.output_2,
                   metadata=row.meta or {}, labels=labels or [])


class CriterionView(BaseModel):
    """A criterion and its scale."""

    name: str
    description: str = ""
    scale: dict[str, Any]


class Page(BaseModel):
    """Where a paginated list stands."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.per_page))
