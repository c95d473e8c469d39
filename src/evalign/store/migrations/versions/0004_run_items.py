"""runs restricted to some of their dataset's items (held-out items of an alignment run)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00

Additive only: a nullable `runs.scope` (NULL for every run made before, which judges every
item) and a new `run_items` table. Each step is skipped when its column or table is already
there, so a store stamped at an older revision but holding them upgrades cleanly.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "scope" not in {c["name"] for c in inspector.get_columns("runs")}:
        op.add_column("runs", sa.Column("scope", sa.JSON(none_as_null=True), nullable=True))
    if "run_items" not in inspector.get_table_names():
        op.create_table(
            "run_items",
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_run_items_run_id_runs",
                                    ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["item_id"], ["items.id"],
                                    name="fk_run_items_item_id_items"),
            sa.PrimaryKeyConstraint("run_id", "item_id", name="pk_run_items"),
        )


def downgrade() -> None:
    raise NotImplementedError("evalign's migrations only move forward: restore a backup instead")
