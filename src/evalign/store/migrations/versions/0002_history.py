"""history: ids never reused, dataset versions, label history, tombstones, import claims

Revision ID: 0002
Revises: 0001

- SQLite: every table whose ids users see is rebuilt with AUTOINCREMENT, so an id, once used, is
  never handed out again (PostgreSQL's sequences already never do). Ids deleted *before* this
  migration cannot be known any more: the counter starts above the largest id still stored.
- `datasets` get `version` and `superseded_at`; the name is unique per version, and only one
  version of a name is current (a partial unique index).
- `items.content_hash` (filled in here for existing items), `labels.source`, `updated_at`,
  `carried_from_id`. Existing labels get source `unknown` (where they came from was not kept)
  and `updated_at = created_at`.
- PostgreSQL: each id sequence is moved past the largest stored id (never back), in case rows
  were written with explicit ids.
- `runs.dataset_id` and `verdicts.item_id` lose ON DELETE CASCADE: deleting a dataset never
  silently takes runs along (the store deletes them explicitly, when told to).
- New tables: `label_history`, `dataset_deletions`, `import_claims`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID_TABLES = ("datasets", "items", "score_configs", "criteria", "labels", "queue_skips", "judges",
             "judge_versions", "runs", "verdicts", "alignment_runs")
NEVER_REUSE = {"sqlite_autoincrement": True}
# Names for SQLite's unnamed constraints, so the batch rebuild can drop them.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
CURRENT = sa.text("superseded_at IS NULL")
UTC_DATETIME = sa.DateTime(timezone=True)


def content_hash(inputs: Any, output: str | None, output_2: str | None) -> str:
    """Frozen copy of `evalign.store.content.content_hash` as of this revision."""
    payload = {"inputs": inputs or {}, "output": output, "output_2": output_2}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    bind = op.get_bind()
    _add_columns()
    _fill_in(bind)
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite()
    else:
        _alter_postgresql(bind)
    op.create_index("uq_datasets_current_name", "datasets", ["name"], unique=True,
                    sqlite_where=CURRENT, postgresql_where=CURRENT)
    _create_tables()


def downgrade() -> None:
    raise NotImplementedError("evalign's migrations only move forward: restore a backup instead")


def _add_columns() -> None:
    op.add_column("datasets", sa.Column("version", sa.Integer(), nullable=True))
    op.add_column("datasets", sa.Column("superseded_at", UTC_DATETIME, nullable=True))
    op.add_column("items", sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.add_column("labels", sa.Column("source", sa.String(length=20), nullable=True))
    op.add_column("labels", sa.Column("carried_from_id", sa.Integer(), nullable=True))
    op.add_column("labels", sa.Column("updated_at", UTC_DATETIME, nullable=True))


def _fill_in(bind: sa.Connection) -> None:
    op.execute("UPDATE datasets SET version = 1")
    op.execute("UPDATE labels SET source = 'unknown', updated_at = created_at")
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("inputs", sa.JSON),
                     sa.column("output", sa.Text), sa.column("output_2", sa.Text),
                     sa.column("content_hash", sa.String))
    update = (sa.update(items).where(items.c.id == sa.bindparam("item_id"))
              .values(content_hash=sa.bindparam("hash")))
    last = 0
    while True:
        page = bind.execute(sa.select(items.c.id, items.c.inputs, items.c.output,
                                      items.c.output_2)
                            .where(items.c.id > last).order_by(items.c.id).limit(1000)).all()
        if not page:
            return
        bind.execute(update, [{"item_id": row.id,
                               "hash": content_hash(row.inputs, row.output, row.output_2)}
                              for row in page])
        last = page[-1].id


def _rebuild_sqlite() -> None:
    # The upgrade runs with foreign keys off (store/migrate.py): dropping the old tables must not
    # cascade. Each rebuild copies every row with its id; AUTOINCREMENT continues above them.
    for name in ID_TABLES:
        with op.batch_alter_table(name, recreate="always", naming_convention=NAMING,
                                  table_kwargs=NEVER_REUSE) as batch:
            _changes(name, batch)


def _changes(name: str, batch: Any) -> None:
    if name == "datasets":
        batch.alter_column("version", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_datasets_name", type_="unique")
        batch.create_unique_constraint("uq_datasets_name_version", ["name", "version"])
    elif name == "items":
        batch.alter_column("content_hash", existing_type=sa.String(length=64), nullable=False)
    elif name == "labels":
        batch.alter_column("source", existing_type=sa.String(length=20), nullable=False)
        batch.alter_column("updated_at", existing_type=UTC_DATETIME, nullable=False)
    elif name == "runs":
        batch.drop_constraint("fk_runs_dataset_id_datasets", type_="foreignkey")
        batch.create_foreign_key("fk_runs_dataset_id_datasets", "datasets", ["dataset_id"],
                                 ["id"])
    elif name == "verdicts":
        batch.drop_constraint("fk_verdicts_item_id_items", type_="foreignkey")
        batch.create_foreign_key("fk_verdicts_item_id_items", "items", ["item_id"], ["id"])


def _alter_postgresql(bind: sa.Connection) -> None:
    inspector = sa.inspect(bind)
    op.alter_column("datasets", "version", existing_type=sa.Integer(), nullable=False)
    for unique in inspector.get_unique_constraints("datasets"):
        if unique["column_names"] == ["name"] and unique["name"]:
            op.drop_constraint(unique["name"], "datasets", type_="unique")
    op.create_unique_constraint("uq_datasets_name_version", "datasets", ["name", "version"])
    op.alter_column("items", "content_hash", existing_type=sa.String(length=64), nullable=False)
    op.alter_column("labels", "source", existing_type=sa.String(length=20), nullable=False)
    op.alter_column("labels", "updated_at", existing_type=UTC_DATETIME, nullable=False)
    for table, column, parent in (("runs", "dataset_id", "datasets"),
                                  ("verdicts", "item_id", "items")):
        for fk in inspector.get_foreign_keys(table):
            if fk["constrained_columns"] == [column] and fk["name"]:
                op.drop_constraint(fk["name"], table, type_="foreignkey")
        op.create_foreign_key(f"fk_{table}_{column}_{parent}", table, parent, [column], ["id"])
    for table in ID_TABLES:
        _sequence_above_ids(bind, table)


def _sequence_above_ids(bind: sa.Connection, table: str) -> None:
    """Move a sequence past the largest stored id (rows written with explicit ids); never back."""
    sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
    if sequence is None:
        return
    largest = bind.scalar(sa.text(f'SELECT max(id) FROM "{table}"'))
    last, called = bind.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
    if largest is not None and (largest > last or (largest == last and not called)):
        bind.execute(sa.text("SELECT setval(:s, :v, true)"), {"s": sequence, "v": largest})


def _create_tables() -> None:
    op.create_table(
        "label_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("new_value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("old_reasoning", sa.Text(), nullable=True),
        sa.Column("new_reasoning", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["criterion_id"], ["criteria.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        **NEVER_REUSE,
    )
    op.create_index("ix_label_history_item", "label_history", ["item_id", "criterion_id"])
    op.create_index("ix_label_history_label_id", "label_history", ["label_id"])
    op.create_table(
        "dataset_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("deleted_by", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        **NEVER_REUSE,
    )
    op.create_index("ix_dataset_deletions_name", "dataset_deletions", ["name"])
    op.create_table(
        "import_claims",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
