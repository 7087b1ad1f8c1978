"""A round's ranking is a record of its close, not a set of references: contest_results keeps
the user and attempt ids it ranked without foreign keys to users and attempts.

Closing a national round writes a million rows in one INSERT … SELECT; PostgreSQL checked the
two keys a row at a time (a SELECT … FOR KEY SHARE on the user and on the attempt, each
dirtying the referenced row's page), which was about 80 % of the close. The rows are written
only by that statement, from the attempts themselves (checked again, as a set, before the close
commits: `contests.services.close_round`), no code deletes a user or an attempt, and the old
ON DELETE CASCADE would have removed a published result silently. The key to the round stays.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contest_results") as batch:
        batch.drop_constraint("fk_contest_results_user_id_users", type_="foreignkey")
        batch.drop_constraint("fk_contest_results_attempt_id_attempts", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("contest_results") as batch:
        batch.create_foreign_key(
            "fk_contest_results_attempt_id_attempts",
            "attempts",
            ["attempt_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            "fk_contest_results_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
