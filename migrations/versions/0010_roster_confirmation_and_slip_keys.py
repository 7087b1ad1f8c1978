"""roster confirmation and slip keys

Accounts say when an officer's roster confirmed them (self-registrations stay unconfirmed
until then), and an import batch keeps the key its login slips' passwords are derived from,
so that the PDF and the XLSX carry the same passwords.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slip_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("slips_issued_at", sa.DateTime(timezone=True), nullable=True))
    # Every existing account counts as confirmed except the self-registrations: contest
    # registrants (a worker without a unit) and join-link registrations no officer approved.
    op.execute(
        """
        UPDATE users SET confirmed_at = created_at
        WHERE NOT (role = 'worker' AND unit_id IS NULL)
          AND NOT (
            EXISTS (SELECT 1 FROM audit_entries r WHERE r.action = 'member.register'
                    AND r.object_type = 'user' AND r.object_id = users.id)
            AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.action = 'member.approve'
                            AND a.object_type = 'user' AND a.object_id = users.id)
          )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("slips_issued_at")
        batch_op.drop_column("slip_key")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
