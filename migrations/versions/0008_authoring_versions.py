"""Authoring: lesson versions, and the status and author of question versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 10:44:34.633449
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lesson_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "in_review",
                "published",
                "archived",
                name="contentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_lesson_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_versions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_versions")),
        sa.UniqueConstraint("lesson_id", "number", name=op.f("uq_lesson_versions_lesson_id")),
    )
    with op.batch_alter_table("lesson_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lesson_versions_lesson_id"), ["lesson_id"], unique=False
        )

    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "draft",
                    "in_review",
                    "published",
                    "archived",
                    name="contentstatus",
                    native_enum=False,
                    length=20,
                ),
                server_default="published",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_question_versions_author_id_users"),
            "users",
            ["author_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_question_versions_author_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("author_id")
        batch_op.drop_column("status")

    with op.batch_alter_table("lesson_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_versions_lesson_id"))

    op.drop_table("lesson_versions")
