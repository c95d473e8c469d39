"""Criteria as pages show them (the store finds and creates them: `store.page_records`)."""

from __future__ import annotations

from evalign.store.page_records import CriterionRecord
from evalign.web.services.records import CriterionView


def criterion_view(record: CriterionRecord) -> CriterionView:
    """A criterion as pages show it."""
    return CriterionView(name=record.name, description=record.description,
                         scale=record.scale.to_dict())
