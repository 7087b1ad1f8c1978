"""report_snapshots and report_snapshot_units: each unit's participation figures (sums over
its subtree) and parent for a course or a contest round at one moment, refreshed on a
schedule (`flask report refresh`), so that the national report reads one row per unit.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=True),
        sa.Column("grading_method", sa.String(length=10), nullable=False),
        sa.Column("pass_percent", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshots")),
        sa.UniqueConstraint(
            "subject_kind", "subject_id", name=op.f("uq_report_snapshots_subject_kind")
        ),
    )
    op.create_table(
        "report_snapshot_units",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("grade_sum", sa.Numeric(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["report_snapshots.id"],
            name=op.f("fk_report_snapshot_units_snapshot_id_report_snapshots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"],
            name=op.f("fk_report_snapshot_units_unit_id_units"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "unit_id", name=op.f("pk_report_snapshot_units")
        ),
    )  # fmt: skip


    op.create_index(
        "ix_report_snapshot_units_snapshot_id_parent_id",
        "report_snapshot_units",
        ["snapshot_id", "parent_id"],
    )


def downgrade() -> None:
    op.drop_table("report_snapshot_units")
    op.drop_table("report_snapshots")
