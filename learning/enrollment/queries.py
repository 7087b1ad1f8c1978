"""Who a course is assigned to, and progress per unit for the officer's home."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from learning.auth.models import Role, User
from learning.courses.models import ContentStatus, Course, Lesson, LessonProgress
from learning.enrollment.models import Assignment
from learning.org.models import Unit, UnitClosure
from learning.quizzes.models import Attempt, Quiz


def assigned_course_ids(session: Session, user: User) -> set[int]:
    """Courses assigned to the user directly or to any unit above them (in force now)."""
    via_unit = (
        select(Assignment.course_id)
        .join(UnitClosure, UnitClosure.ancestor_id == Assignment.unit_id)
        .where(UnitClosure.descendant_id == user.unit_id, Assignment.removed_at.is_(None))
    )
    direct = select(Assignment.course_id).where(
        Assignment.user_id == user.id, Assignment.removed_at.is_(None)
    )
    return set(session.scalars(via_unit.union(direct)))


@dataclass(frozen=True)
class AssignedCourse:
    """A course assigned to a user (directly or through a unit above them): the nearest
    deadline among the assignments in force, and when it was last assigned."""

    course_id: int
    due_on: dt.date | None
    assigned_at: dt.datetime
    assignment_ids: tuple[int, ...]


def _in_force_for(user_id: Any, unit_id: Any) -> ColumnElement[bool]:
    """Assignments in force that reach a user (`user_id`, of `unit_id`; values or bound
    parameters): to them, or to a unit at or above theirs. A parameter that is NULL when
    the statement runs reaches no unit, as a user without one."""
    if unit_id is None:
        reach = Assignment.user_id == user_id
    else:
        via_unit = select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == unit_id)
        reach = or_(Assignment.user_id == user_id, Assignment.unit_id.in_(via_unit))
    return reach & Assignment.removed_at.is_(None)


def assigned_courses(session: Session, user: User) -> dict[int, AssignedCourse]:
    """Per course id, the assignments in force that reach `user` (one query)."""
    rows = session.execute(
        select(Assignment.id, Assignment.course_id, Assignment.due_on, Assignment.assigned_at)
        .where(_in_force_for(user.id, user.unit_id))
        .order_by(Assignment.id)
    ).all()
    found: dict[int, AssignedCourse] = {}
    for row in rows:
        seen = found.get(row.course_id)
        if seen is None:
            found[row.course_id] = AssignedCourse(
                row.course_id, row.due_on, row.assigned_at, (row.id,)
            )
            continue
        dues = [d for d in (seen.due_on, row.due_on) if d is not None]
        found[row.course_id] = AssignedCourse(
            row.course_id,
            min(dues) if dues else None,
            max(seen.assigned_at, row.assigned_at),
            (*seen.assignment_ids, row.id),
        )
    return found


def assigned_course_dates(
    user_id: Any, unit_id: Any
) -> Select[tuple[int, dt.date | None, dt.datetime]]:
    """A statement for what `assigned_courses` gives per course, in SQL (to join into a
    count; `user_id` and `unit_id` may be bound parameters): the course id, the nearest
    deadline and when it was last assigned."""
    return (
        select(
            Assignment.course_id,
            func.min(Assignment.due_on).label("due_on"),  # min() passes over no deadline
            func.max(Assignment.assigned_at).label("assigned_at"),
        )
        .where(_in_force_for(user_id, unit_id))
        .group_by(Assignment.course_id)
    )


def unit_assignments(session: Session, unit_id: int) -> Sequence[tuple[Assignment, Course, Unit]]:
    """The assignments in force that reach a unit: on the unit itself or above it."""
    return session.execute(
        select(Assignment, Course, Unit)
        .join(Course, Course.id == Assignment.course_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .join(UnitClosure, UnitClosure.ancestor_id == Assignment.unit_id)
        .where(UnitClosure.descendant_id == unit_id, Assignment.removed_at.is_(None))
        .order_by(Course.title)
    ).all()


def _members_of(unit_id: int) -> Select[tuple[int]]:
    return (
        select(User.id)
        .join(UnitClosure, UnitClosure.descendant_id == User.unit_id)
        .where(
            UnitClosure.ancestor_id == unit_id,
            User.is_active,
            ~User.is_pending,
            User.role == Role.WORKER,
        )
    )


def _started(course_id: int):  # type: ignore[no-untyped-def]
    opened = exists().where(
        LessonProgress.user_id == User.id,
        LessonProgress.lesson_id.in_(select(Lesson.id).where(Lesson.course_id == course_id)),
    )
    attempted = exists().where(
        Attempt.user_id == User.id,
        Attempt.quiz_id.in_(select(Quiz.id).where(Quiz.course_id == course_id)),
    )
    return or_(opened, attempted)


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    members: int
    started: int
    completed: int

    @property
    def in_progress(self) -> int:
        """Started and not completed (everyone completed has started)."""
        return max(self.started - self.completed, 0)

    @property
    def not_started(self) -> int:
        return max(self.members - self.started, 0)


def unit_progress(
    session: Session, unit_id: int, course_ids: Sequence[int]
) -> list[CourseProgress]:
    """For each course: members of the unit's subtree, how many started, how many completed
    (certificate issued), in one query per course."""
    from learning.courses.models import Certificate

    results = []
    for course in session.scalars(
        select(Course).where(Course.id.in_(course_ids)).order_by(Course.title)
    ):
        members = _members_of(unit_id).subquery()
        row = session.execute(
            select(
                func.count(),
                func.count().filter(_started(course.id)),
                func.count().filter(
                    exists().where(
                        Certificate.user_id == User.id, Certificate.course_id == course.id
                    )
                ),
            )
            .select_from(User)
            .where(User.id.in_(select(members.c.id)))
        ).one()
        results.append(CourseProgress(course, row[0], row[1], row[2]))
    return results


def not_started(session: Session, unit_id: int, course_id: int) -> Sequence[tuple[User, Unit]]:
    """Members of the unit's subtree who have not opened the course nor begun its quiz."""
    return session.execute(
        select(User, Unit)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.id.in_(_members_of(unit_id)), ~_started(course_id))
        .order_by(Unit.name, User.full_name)
    ).all()


def members_not_done(
    session: Session, course_id: int, *, unit_id: int | None = None, user_id: int | None = None
) -> Sequence[User]:
    """Who an assignment still waits for: the active members of the unit's subtree (or the
    one person) who have not completed the course (no certificate), by name."""
    from learning.courses.models import Certificate

    if unit_id is not None:
        people = User.id.in_(_members_of(unit_id))
    else:
        people = (User.id == user_id) & User.is_active & ~User.is_pending
    return session.scalars(
        select(User)
        .where(
            people,
            ~exists().where(Certificate.user_id == User.id, Certificate.course_id == course_id),
        )
        .order_by(User.full_name, User.id)
    ).all()


def published_courses(session: Session) -> Sequence[Course]:
    """The courses workers can take (banks kept for contests are not courses to them)."""
    return session.scalars(
        select(Course)
        .where(Course.status == ContentStatus.PUBLISHED, ~Course.is_contest_bank)
        .order_by(Course.title)
    ).all()
