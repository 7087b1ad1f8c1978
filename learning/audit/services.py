"""Recording audit entries; every domain that changes or exports data calls `record`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.db import utcnow


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry in the caller's transaction (it commits or rolls back with it)."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry
