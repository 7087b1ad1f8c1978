"""Who took each review step is stored on what was reviewed: submitted_by_id/submitted_at and
approved_by_id/approved_at on question, lesson and media versions and on courses, and a
course's last browser editor (edited_by_id). The four-eyes rule read these from the audit
log; the existing rows are filled from it here, so that a draft in review keeps its rule.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STEP_COLUMNS = ("submitted_by_id", "submitted_at", "approved_by_id", "approved_at")
# (table, the column naming the reviewed object, the audit log's object type)
VERSIONS = (
    ("question_versions", "question_id", "question"),
    ("lesson_versions", "lesson_id", "lesson"),
)
AUDIT = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("after", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _add_columns(table: str, names: Sequence[str]) -> None:
    with op.batch_alter_table(table) as batch:
        for name in names:
            if name.endswith("_id"):
                batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
                batch.create_foreign_key(
                    batch.f(f"fk_{table}_{name}_users"),
                    "users",
                    [name],
                    ["id"],
                    ondelete="SET NULL",
                )
            else:
                batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def _drop_columns(table: str, names: Sequence[str]) -> None:
    with op.batch_alter_table(table) as batch:
        for name in names:
            if name.endswith("_id"):
                batch.drop_constraint(batch.f(f"fk_{table}_{name}_users"), type_="foreignkey")
            batch.drop_column(name)


def upgrade() -> None:
    for table, _key, _kind in VERSIONS:
        _add_columns(table, STEP_COLUMNS)
    _add_columns("media_versions", STEP_COLUMNS[:2])
    _add_columns("courses", ("edited_by_id", *STEP_COLUMNS))
    _backfill()


def downgrade() -> None:
    _drop_columns("courses", ("edited_by_id", *STEP_COLUMNS))
    _drop_columns("media_versions", STEP_COLUMNS[:2])
    for table, _key, _kind in reversed(VERSIONS):
        _drop_columns(table, STEP_COLUMNS)


def _last_steps(kind: str, steps: Sequence[str]) -> dict[tuple[str, int, Any], Any]:
    """(step, object id, version number or None) -> the last audit row of that step."""
    rows = op.get_bind().execute(
        sa.select(
            AUDIT.c.action, AUDIT.c.object_id, AUDIT.c.after, AUDIT.c.actor_id, AUDIT.c.created_at
        )
        .where(AUDIT.c.object_type == kind, AUDIT.c.action.in_([f"{kind}.{s}" for s in steps]))
        .order_by(AUDIT.c.id)
    )
    last = {}
    for action, object_id, after, actor_id, created_at in rows:
        version = (after or {}).get("version") if kind != "course" else None
        last[(action.split(".", 1)[1], object_id, version)] = (actor_id, created_at)
    return last


def _backfill() -> None:
    bind = op.get_bind()
    for table, key, kind in VERSIONS:
        versions = sa.table(
            table,
            sa.column("id"),
            sa.column(key),
            sa.column("number"),
            *(sa.column(c) for c in STEP_COLUMNS),
        )
        last = _last_steps(kind, ("submit", "approve"))
        for version_id, object_id, number in bind.execute(
            sa.select(versions.c.id, versions.c[key], versions.c.number)
        ).all():
            values = _step_values(last, object_id, number)
            if values:
                bind.execute(versions.update().where(versions.c.id == version_id).values(values))
    media = sa.table(
        "media_versions",
        sa.column("author_id"),
        sa.column("created_at"),
        sa.column("submitted_by_id"),
        sa.column("submitted_at"),
    )
    # An upload is its own submission.
    bind.execute(
        media.update().values(submitted_by_id=media.c.author_id, submitted_at=media.c.created_at)
    )
    courses = sa.table(
        "courses", sa.column("id"), sa.column("edited_by_id"), *(sa.column(c) for c in STEP_COLUMNS)
    )
    last = _last_steps("course", ("edit", "submit", "approve"))
    for (course_id,) in bind.execute(sa.select(courses.c.id)).all():
        values = _step_values(last, course_id, None)
        if ("edit", course_id, None) in last:
            values["edited_by_id"] = last[("edit", course_id, None)][0]
        if values:
            bind.execute(courses.update().where(courses.c.id == course_id).values(values))


def _step_values(last: dict[tuple[str, int, Any], Any], object_id: int, number: Any) -> dict:
    values = {}
    for step, prefix in (("submit", "submitted"), ("approve", "approved")):
        found = last.get((step, object_id, number))
        if found is not None:
            values[f"{prefix}_by_id"], values[f"{prefix}_at"] = found
    return values
