"""Contests: contests, their units and rounds, entrants, predictions, stored rankings;
quizzes.bank_course_ids (a contest round draws from several courses' banks).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:45:24.214681
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("allows_registration", sa.Boolean(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("prize_count", sa.Integer(), nullable=False),
        sa.Column("award_min_members", sa.Integer(), nullable=False),
        sa.Column("suspicious_percent", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contests")),
    )
    op.create_table(
        "contest_units",
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_contest_units_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_contest_units_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contest_id", "unit_id", name=op.f("pk_contest_units")),
    )
    op.create_table(
        "contest_entrants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "official", "member", "non_member", name="category", native_enum=False, length=12
            ),
            nullable=False,
        ),
        sa.Column("declared_unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "declared_category",
            sa.Enum(
                "official", "member", "non_member", name="category", native_enum=False, length=12
            ),
            nullable=False,
        ),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column(
            "gender",
            sa.Enum("female", "male", "other", name="gender", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_from", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_contest_entrants_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_contest_entrants_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["declared_unit_id"],
            ["units.id"],
            name=op.f("fk_contest_entrants_declared_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_contest_entrants_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contest_entrants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_entrants")),
        sa.UniqueConstraint("contest_id", "user_id", name=op.f("uq_contest_entrants_contest_id")),
    )
    with op.batch_alter_table("contest_entrants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contest_entrants_contest_id_unit_id", ["contest_id", "unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contest_entrants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "contest_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("has_prediction", sa.Boolean(), nullable=False),
        sa.Column("true_number", sa.Integer(), nullable=True),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name=op.f("fk_contest_rounds_contest_id_contests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_contest_rounds_quiz_id_quizzes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_rounds")),
        sa.UniqueConstraint("contest_id", "number", name=op.f("uq_contest_rounds_contest_id")),
        sa.UniqueConstraint("quiz_id", name=op.f("uq_contest_rounds_quiz_id")),
    )
    op.create_table(
        "contest_predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["contest_rounds.id"],
            name=op.f("fk_contest_predictions_round_id_contest_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contest_predictions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_predictions")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_contest_predictions_round_id")),
    )
    op.create_table(
        "contest_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
        sa.Column("max_score", sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
        sa.Column("milliseconds_used", sa.Integer(), nullable=False),
        sa.Column("prediction", sa.Integer(), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_contest_results_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["contest_rounds.id"],
            name=op.f("fk_contest_results_round_id_contest_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contest_results_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_results")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_contest_results_round_id")),
    )
    with op.batch_alter_table("contest_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contest_results_round_id_rank", ["round_id", "rank"], unique=False
        )

    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_course_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_column("bank_course_ids")

    with op.batch_alter_table("contest_results", schema=None) as batch_op:
        batch_op.drop_index("ix_contest_results_round_id_rank")

    op.drop_table("contest_results")
    op.drop_table("contest_predictions")
    op.drop_table("contest_rounds")
    with op.batch_alter_table("contest_entrants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contest_entrants_user_id"))
        batch_op.drop_index("ix_contest_entrants_contest_id_unit_id")

    op.drop_table("contest_entrants")
    op.drop_table("contest_units")
    op.drop_table("contests")
