"""Reading the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry


def entries_for(session: Session, object_type: str, object_id: int) -> Sequence[AuditEntry]:
    """The history of one object, newest first."""
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()


def entries_by_action(session: Session, action: str) -> Sequence[AuditEntry]:
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()
