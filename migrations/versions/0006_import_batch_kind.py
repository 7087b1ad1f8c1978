"""import batch kind

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 08:57:04.435181
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='members'))
    # Existing batches were member lists; the application sets the kind from now on.
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=True)




def downgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('kind')


