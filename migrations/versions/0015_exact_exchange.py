"""Exact exchange: a question version keeps its text format (plain, markdown, html, moodle)
and its name (GIFT ::Name::, Moodle XML <name>); a choice keeps its exact weight as a
fraction (Moodle's answer fraction), so that a bank exported and imported again is the same.
Existing rows: format plain, no name, no weight (graded from is_correct as before).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question_versions") as batch:
        batch.add_column(
            sa.Column("text_format", sa.String(length=10), nullable=False, server_default="plain")
        )
        batch.add_column(sa.Column("name", sa.String(length=255), nullable=True))
    with op.batch_alter_table("choices") as batch:
        batch.add_column(sa.Column("weight_numerator", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("weight_denominator", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("choices") as batch:
        batch.drop_column("weight_denominator")
        batch.drop_column("weight_numerator")
    with op.batch_alter_table("question_versions") as batch:
        batch.drop_column("name")
        batch.drop_column("text_format")
