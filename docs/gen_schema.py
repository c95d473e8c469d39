"""Print the schema tables of docs/store.md from the models.

Run `.venv/bin/python docs/gen_schema.py` and paste its output under "Tables".
"""

from __future__ import annotations

from typing import Any

from evalign.store.models import Base


def _notes(column: Any) -> str:
    notes = []
    if column.primary_key:
        notes.append("primary key")
    for fk in column.foreign_keys:
        on_delete = f", on delete {fk.ondelete.lower()}" if fk.ondelete else ""
        notes.append(f"→ `{fk.target_fullname}`{on_delete}")
    if column.unique:
        notes.append("unique")
    if column.nullable and not column.primary_key:
        notes.append("nullable")
    if column.index:
        notes.append("indexed")
    return "; ".join(notes)


def _table(table: Any) -> str:
    lines = [f"### `{table.name}`", "", "| column | type | notes |", "|---|---|---|"]
    for c in table.columns:
        kind = str(c.type).split("(")[0].lower()
        lines.append(f"| `{c.name}` | {kind} | {_notes(c)} |")
    extra = [", ".join(f"`{c.name}`" for c in u.columns) for u in table.constraints
             if type(u).__name__ == "UniqueConstraint" and len(u.columns) > 1]
    index = [", ".join(f"`{c.name}`" for c in ix.columns) for ix in table.indexes
             if len(ix.columns) > 1]
    if extra or index:
        lines.append("")
        text = "; ".join([*(f"unique ({u})" for u in extra), *(f"index ({i})" for i in index)])
        lines.append(text[0].upper() + text[1:] + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print("\n".join(_table(t) for t in Base.metadata.tables.values()))
