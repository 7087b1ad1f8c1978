"""What `courses load` last wrote per item (loaded_items), so that a load never overwrites
browser work: an item changed in both is a conflict; courses.is_contest_bank (a bank kept
for contests: in no course quiz, never shown to workers); media_versions (every upload of a
course's file, reviewed by a second admin when the course is published).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(
            sa.Column("is_contest_bank", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "loaded_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_loaded_items_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loaded_items")),
        sa.UniqueConstraint("course_id", "kind", "key", name=op.f("uq_loaded_items_course_id")),
    )


    op.create_table(
        "media_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "in_review", "published", "archived", name="contentstatus",
                    native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"],
            name=op.f("fk_media_versions_course_id_courses"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"],
            name=op.f("fk_media_versions_author_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"],
            name=op.f("fk_media_versions_approved_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_versions")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_media_versions_course_id"), "media_versions", ["course_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_media_versions_course_id"), table_name="media_versions")
    op.drop_table("media_versions")
    op.drop_table("loaded_items")
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("is_contest_bank")
