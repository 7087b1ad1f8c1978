"""Reads for notices: a worker's notices (assignments new, due within a week or overdue,
contest rounds open to them — worked out from the data as it stands — and the reminders
they received), their count for the header, and officers' reminder history."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, literal, select, true
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.contests.models import Round
from learning.contests.queries import open_round_count, open_rounds_for
from learning.courses.models import Certificate, ContentStatus, Course
from learning.db import UTCDateTime
from learning.enrollment.deadlines import is_due_soon, is_overdue
from learning.enrollment.models import Assignment
from learning.enrollment.queries import AssignedCourse, assigned_course_dates, assigned_courses
from learning.notices.models import Notice, OutboxMessage, Reminder
from learning.org.models import Unit

# An assignment is "new" for this long after it was made.
NEW_DAYS = 7


@dataclass(frozen=True)
class NoticeItem:
    """One line of a worker's notices. `kind`: assigned, due_soon, overdue, contest or
    reminder."""

    kind: str
    at: dt.datetime | None = None
    course: Course | None = None
    due_on: dt.date | None = None
    round: Round | None = None
    sender: str | None = None
    is_unread: bool = False


def _course_notices(
    session: Session,
    user: User,
    today: dt.date,
    now: dt.datetime,
    assigned: dict[int, AssignedCourse] | None = None,
) -> list[NoticeItem]:
    if assigned is None:
        assigned = assigned_courses(session, user)
    if not assigned:
        return []
    done = set(
        session.scalars(
            select(Certificate.course_id).where(
                Certificate.user_id == user.id, Certificate.course_id.in_(assigned)
            )
        )
    )
    courses = session.scalars(
        select(Course).where(
            Course.id.in_(set(assigned) - done), Course.status == ContentStatus.PUBLISHED
        )
    ).all()
    items = []
    for course in courses:
        duty = assigned[course.id]
        kind = _course_kind(duty.due_on, duty.assigned_at, today, now)
        if kind is not None:
            items.append(NoticeItem(kind, at=duty.assigned_at, course=course, due_on=duty.due_on))
    order = {"overdue": 0, "due_soon": 1, "assigned": 2}
    return sorted(items, key=lambda i: (order[i.kind], i.due_on or dt.date.max, i.course.title))  # type: ignore[union-attr]


def _course_kind(
    due_on: dt.date | None, assigned_at: dt.datetime, today: dt.date, now: dt.datetime
) -> str | None:
    """What an assigned course (not yet certified) is a notice of, if anything."""
    if is_overdue(due_on, today):
        return "overdue"
    if is_due_soon(due_on, today):
        return "due_soon"
    if now - assigned_at <= dt.timedelta(days=NEW_DAYS):
        return "assigned"
    return None


def _reminders(session: Session, user: User, limit: int) -> list[NoticeItem]:
    """Every unread reminder (so the page and the header agree), and the latest `limit`."""
    sender = User.__table__.alias("sender")
    latest = (
        select(Notice.id)
        .where(Notice.user_id == user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )
    rows = session.execute(
        select(Notice, Course, sender.c.full_name)
        .join(Reminder, Reminder.id == Notice.reminder_id)
        .join(Assignment, Assignment.id == Reminder.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(sender, sender.c.id == Reminder.sent_by_id)
        .where(
            Notice.user_id == user.id,
            Notice.read_at.is_(None) | Notice.id.in_(latest.scalar_subquery()),
        )
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    ).all()
    return [
        NoticeItem(
            "reminder",
            at=notice.created_at,
            course=course,
            sender=name,
            due_on=None,
            is_unread=notice.read_at is None,
        )
        for notice, course, name in rows
    ]


def notices_for(
    session: Session,
    user: User,
    today: dt.date,
    now: dt.datetime,
    *,
    reminders: int = 5,
    assigned: dict[int, AssignedCourse] | None = None,
) -> list[NoticeItem]:
    """The user's notices: unread reminders first, then overdue, due soon and new
    assignments, open contest rounds, then the reminders already read. `assigned`: the
    user's assigned courses when the caller has read them already."""
    reminder_items = _reminders(session, user, reminders)
    contest_items = [
        NoticeItem("contest", at=r.quiz.opens_at, round=r)
        for r in open_rounds_for(session, user, now)
    ]
    unread = [i for i in reminder_items if i.is_unread]
    read = [i for i in reminder_items if not i.is_unread]
    courses = _course_notices(session, user, today, now, assigned)
    return unread + courses + contest_items + read


def count_of(notices: list[NoticeItem]) -> int:
    """The header's figure from a list made by `notices_for` (no second round of queries)."""
    return sum(1 for item in notices if item.kind != "reminder" or item.is_unread)


def notice_count(session: Session, user: User, today: dt.date, now: dt.datetime) -> int:
    """The figure in the header: unread reminders, assignments new, due soon or overdue, and
    open contest rounds not yet taken part in. What `count_of(notices_for(...))` gives, in
    one statement built once (it runs on most pages, and building it cost more than
    running it): the two counts beside each assigned course's dates, which `_course_kind`
    judges here as for the notices themselves."""
    rows = session.execute(
        _notice_count_statement(), {"user_id": user.id, "unit_id": user.unit_id, "now": now}
    ).all()
    courses = sum(
        1
        for row in rows
        if row.assigned_at is not None
        and _course_kind(row.due_on, row.assigned_at, today, now) is not None
    )
    return (rows[0].unread or 0) + (rows[0].rounds or 0) + courses


@functools.cache
def _notice_count_statement() -> Select[Any]:
    user_id, unit_id = bindparam("user_id", type_=Integer()), bindparam("unit_id", type_=Integer())
    now = bindparam("now", type_=UTCDateTime())
    unread = (
        select(func.count(Notice.id))
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .scalar_subquery()
    )
    dates = assigned_course_dates(user_id, unit_id).subquery()
    pending = (
        select(dates)
        .join(Course, Course.id == dates.c.course_id)
        .where(
            Course.status == ContentStatus.PUBLISHED,
            ~select(Certificate.id)
            .where(Certificate.user_id == user_id, Certificate.course_id == dates.c.course_id)
            .exists(),
        )
        .subquery()
    )
    # One row even without assigned courses: the counts, outer-joined to the courses.
    one = select(literal(1).label("one")).subquery()
    return (
        select(
            unread.label("unread"),
            open_round_count(user_id, unit_id, now).label("rounds"),
            pending.c.due_on,
            pending.c.assigned_at,
        )
        .select_from(one)
        .outerjoin(pending, true())
    )


@dataclass(frozen=True)
class ReminderRow:
    reminder: Reminder
    sender: str | None
    unit: str | None


def reminders_of(
    session: Session, assignment_ids: Sequence[int], unit_id: int, *, per_assignment: int = 3
) -> dict[int, list[ReminderRow]]:
    """The latest reminders of each assignment sent to `unit_id`'s subtree or within it
    (what the officer of that unit sees), newest first."""
    from learning.org.models import UnitClosure

    if not assignment_ids:
        return {}
    sender = User.__table__.alias("sender")
    rows = session.execute(
        select(Reminder, sender.c.full_name, Unit.name)
        .join(Unit, Unit.id == Reminder.unit_id)
        .join(UnitClosure, UnitClosure.descendant_id == Reminder.unit_id)
        .outerjoin(sender, sender.c.id == Reminder.sent_by_id)
        .where(Reminder.assignment_id.in_(assignment_ids), UnitClosure.ancestor_id == unit_id)
        .order_by(Reminder.created_at.desc(), Reminder.id.desc())
    ).all()
    found: dict[int, list[ReminderRow]] = {}
    for reminder, name, unit_name in rows:
        bucket = found.setdefault(reminder.assignment_id, [])
        if len(bucket) < per_assignment:
            bucket.append(ReminderRow(reminder, name, unit_name))
    return found


def reminded_people(session: Session, reminder_id: int) -> Sequence[tuple[User, Notice]]:
    """Who one reminder reached, by name, with when they read it."""
    return session.execute(
        select(User, Notice)
        .join(Notice, Notice.user_id == User.id)
        .where(Notice.reminder_id == reminder_id)
        .order_by(User.full_name, User.id)
    ).all()


def email_status(session: Session, reminder_id: int) -> dict[int, OutboxMessage]:
    """Per reminded user id, their e-mail of this reminder (sent, waiting or given up)."""
    rows = session.execute(
        select(Notice.user_id, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.notice_id == Notice.id)
        .where(Notice.reminder_id == reminder_id)
    ).all()
    return {user_id: message for user_id, message in rows}


def outbox_counts(session: Session) -> dict[str, int]:
    """Messages waiting, sent and given up (for the commands' messages)."""
    waiting = func.count().filter(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
    )
    sent = func.count().filter(OutboxMessage.sent_at.is_not(None))
    failed = func.count().filter(OutboxMessage.failed_at.is_not(None))
    row = session.execute(select(waiting, sent, failed).select_from(OutboxMessage)).one()
    return {"waiting": row[0], "sent": row[1], "failed": row[2]}
