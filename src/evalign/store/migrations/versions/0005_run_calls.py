"""a run's model calls in their own column, added to with the verdicts they produced

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

`runs.calls` (integer, 0 for a new run) replaces the `calls` key of `runs.counters`. The key was
written only by the running process's heartbeat and at the end, so a run killed with `kill -9`
kept the verdicts stored since its last heartbeat without their calls, and `--resume` counted
on from that stale figure. The column is added to in the transaction that stores the verdicts
(`store.repo_verdicts.insert_verdicts`). Each run's stored count moves into the column and the
key leaves `counters`, so the store holds one figure. The column is skipped when already there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RUNS = sa.table("runs", sa.column("id", sa.Integer()), sa.column("calls", sa.Integer()),
                sa.column("counters", sa.JSON()))


def upgrade() -> None:
    bind = op.get_bind()
    if "calls" not in {c["name"] for c in sa.inspect(bind).get_columns("runs")}:
        op.add_column("runs", sa.Column("calls", sa.Integer(), nullable=False,
                                        server_default="0"))
    for run_id, counters in bind.execute(sa.select(RUNS.c.id, RUNS.c.counters)).all():
        if isinstance(counters, dict) and "calls" in counters:
            bind.execute(sa.update(RUNS).where(RUNS.c.id == run_id)
                         .values(calls=_calls(counters["calls"]),
                                 counters={k: v for k, v in counters.items() if k != "calls"}))


def _calls(value: Any) -> int:
    """The stored count as an integer; anything else was never written by evalign."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuntimeError(f"runs.counters holds calls={value!r}, not a count: nothing was "
                           "changed; fix or remove that key, then open the store again")
    return int(value)


def downgrade() -> None:
    raise NotImplementedError("evalign's migrations only move forward: restore a backup instead")
