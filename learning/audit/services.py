"""Recording audit entries; every domain that changes or exports data calls `record`."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from sqlalchemy.orm import Session

from learning import db
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
    """Add an audit entry in the caller's transaction (it commits or rolls back with it).

    In a GET request (a member list viewed, a file exported) this declares the write
    (`db.begin_write`): the view need not, and cannot forget to."""
    if has_request_context() and session in (db.session, db.session()):
        db.begin_write()
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
