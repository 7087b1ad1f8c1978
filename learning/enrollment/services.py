"""Assigning courses to units and people, removing assignments, carrying them over a merge."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.db import utcnow
from learning.enrollment.models import Assignment
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _


def _active(
    session: Session, course_id: int, *, unit_id: int | None = None, user_id: int | None = None
) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(
            Assignment.course_id == course_id,
            Assignment.unit_id == unit_id if unit_id is not None else Assignment.unit_id.is_(None),
            Assignment.user_id == user_id if user_id is not None else Assignment.user_id.is_(None),
            Assignment.removed_at.is_(None),
        )
    )


def assign_course(
    session: Session,
    actor: User,
    course_id: int,
    *,
    unit_id: int | None = None,
    user_id: int | None = None,
    due_on: dt.date | None = None,
) -> Assignment:
    """Assign a course to a unit (every present and future member of its subtree) or to one
    person. Assigning again updates the deadline."""
    if (unit_id is None) == (user_id is None):
        raise InvalidInput(_("Assign a course to a unit or to a person."))
    if due_on is not None and due_on < utcnow().date():
        raise InvalidInput(_("The deadline cannot be in the past."))
    existing = _active(session, course_id, unit_id=unit_id, user_id=user_id)
    if existing is not None:
        before = {"due_on": existing.due_on.isoformat() if existing.due_on else None}
        existing.due_on = due_on
        record(
            session,
            actor.id,
            "assignment.update",
            "assignment",
            existing.id,
            before=before,
            after={"due_on": due_on.isoformat() if due_on else None},
        )
        session.flush()
        return existing
    assignment = Assignment(
        course_id=course_id,
        unit_id=unit_id,
        user_id=user_id,
        due_on=due_on,
        assigned_by_id=actor.id,
        assigned_at=utcnow(),
    )
    session.add(assignment)
    session.flush()
    record(
        session,
        actor.id,
        "assignment.create",
        "assignment",
        assignment.id,
        after={
            "course_id": course_id,
            "unit_id": unit_id,
            "user_id": user_id,
            "due_on": due_on.isoformat() if due_on else None,
        },
    )
    return assignment


def remove_assignment(session: Session, actor: User, assignment: Assignment) -> None:
    """End an assignment. Nothing learners did under it is deleted."""
    if assignment.removed_at is not None:
        raise NotFound()
    assignment.removed_at = utcnow()
    assignment.removed_by_id = actor.id
    record(
        session,
        actor.id,
        "assignment.remove",
        "assignment",
        assignment.id,
        before={
            "course_id": assignment.course_id,
            "unit_id": assignment.unit_id,
            "user_id": assignment.user_id,
        },
    )
    session.flush()


def transfer_assignments(
    session: Session, actor: User, source_unit_id: int, target_unit_id: int
) -> int:
    """After a merge: the source unit's assignments now apply to the target unit (those the
    target already has are just ended). Returns how many moved."""
    moved = 0
    for assignment in session.scalars(
        select(Assignment).where(
            Assignment.unit_id == source_unit_id, Assignment.removed_at.is_(None)
        )
    ).all():
        if _active(session, assignment.course_id, unit_id=target_unit_id) is None:
            due = assignment.due_on
            still_due = due if due is not None and due >= utcnow().date() else None
            assign_course(
                session, actor, assignment.course_id, unit_id=target_unit_id, due_on=still_due
            )
            moved += 1
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id)
            .values(removed_at=utcnow(), removed_by_id=actor.id)
        )
    session.flush()
    return moved
