"""Writes for notices: an officer's reminder (notices for those not done, e-mails queued in
the outbox, idempotent for a short while), marking notices read, and the outbox's claim and
outcome steps the background job uses. Every function here only flushes."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.enrollment.models import Assignment
from learning.enrollment.queries import members_not_done
from learning.errors import NotFound
from learning.notices.models import Notice, OutboxMessage, Reminder
from learning.notices.poster import ReadyMessage

# A second press of "Remind" within this window (a double click, a reload that re-posts, two
# officers at once) returns the first reminder instead of reminding everyone again.
REMIND_WINDOW = dt.timedelta(minutes=10)
# The background job: how long a claim lasts before another worker may take the row over,
# how often a message is tried, and when a message that could not go is no longer worth it.
CLAIM_LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
GIVE_UP_AFTER = dt.timedelta(days=3)


@dataclass(frozen=True)
class ReminderOutcome:
    reminder: Reminder
    repeated: bool


def remind(
    session: Session,
    actor: User,
    assignment: Assignment,
    *,
    unit_id: int | None,
    message: ReadyMessage,
    now: dt.datetime,
) -> ReminderOutcome:
    """Remind the members of `unit_id`'s subtree (or the person the course is assigned to)
    who have not completed the course: a notice each in the app, and an e-mail queued for
    those with an address. The caller checked the actor's scope. Within REMIND_WINDOW of a
    reminder for the same assignment and unit, nothing new is sent: that one is returned."""
    if assignment.removed_at is not None:
        raise NotFound()
    # Serialise reminders of one assignment: PostgreSQL locks its row; SQLite's write
    # transactions are already one at a time (BEGIN IMMEDIATE).
    session.execute(
        select(Assignment.id).where(Assignment.id == assignment.id).with_for_update()
    ).one()
    recent = _recent_reminder(session, assignment, unit_id, now)
    if recent is not None:
        return ReminderOutcome(recent, repeated=True)
    if unit_id is not None:
        people = members_not_done(session, assignment.course_id, unit_id=unit_id)
    else:
        people = members_not_done(session, assignment.course_id, user_id=assignment.user_id)
    reminder = Reminder(
        assignment_id=assignment.id,
        unit_id=unit_id,
        sent_by_id=actor.id,
        created_at=now,
        recipients=len(people),
    )
    session.add(reminder)
    session.flush()
    notice_ids = _add_notices(session, reminder, people, now)
    reminder.emails = _queue_mails(session, people, notice_ids, message, now)
    record(
        session,
        actor.id,
        "reminder.send",
        "assignment",
        assignment.id,
        after={
            "reminder_id": reminder.id,
            "unit_id": unit_id,
            "recipients": len(people),
            "emails": reminder.emails,
        },
    )
    session.flush()
    return ReminderOutcome(reminder, repeated=False)


def _recent_reminder(
    session: Session, assignment: Assignment, unit_id: int | None, now: dt.datetime
) -> Reminder | None:
    """The last reminder for the assignment and unit within REMIND_WINDOW, if any."""
    return session.scalar(
        select(Reminder)
        .where(
            Reminder.assignment_id == assignment.id,
            Reminder.unit_id == unit_id if unit_id is not None else Reminder.unit_id.is_(None),
            Reminder.created_at > now - REMIND_WINDOW,
        )
        .order_by(Reminder.created_at.desc())
        .limit(1)
    )


def _add_notices(
    session: Session, reminder: Reminder, people: Sequence[User], now: dt.datetime
) -> dict[int, int]:
    """A notice of the reminder for each person (one INSERT); their ids by user id."""
    if not people:
        return {}
    rows = session.execute(
        insert(Notice).returning(Notice.id, Notice.user_id, sort_by_parameter_order=True),
        [{"user_id": p.id, "reminder_id": reminder.id, "created_at": now} for p in people],
    ).all()
    return {row.user_id: row.id for row in rows}


def _queue_mails(
    session: Session,
    people: Sequence[User],
    notice_ids: dict[int, int],
    message: ReadyMessage,
    now: dt.datetime,
) -> int:
    """An e-mail in the outbox for each person with an address; returns how many."""
    mails = [
        {
            "notice_id": notice_ids[p.id],
            "to_address": p.email,
            "subject": message.subject,
            "body": message.email_body(p.full_name),
            "created_at": now,
            "next_try_at": now,
            "attempts": 0,
        }
        for p in people
        if p.email
    ]
    if mails:
        session.execute(insert(OutboxMessage), mails)
    return len(mails)


def mark_notices_read(session: Session, user: User, now: dt.datetime) -> int:
    """Mark the user's unread notices read; returns how many."""
    result = session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .values(read_at=now)
    )
    session.flush()
    return result.rowcount or 0


def claim_messages(
    session: Session, worker: str, now: dt.datetime, *, limit: int = 50
) -> list[OutboxMessage]:
    """Take up to `limit` messages due now for `worker` (the caller commits at once).

    The claim is one UPDATE whose WHERE only matches unclaimed (or lease-expired) rows, so
    two workers never hold the same row: on PostgreSQL the candidate rows are locked with
    SKIP LOCKED (a second worker passes over them instead of waiting); on SQLite the UPDATE
    runs alone inside a write transaction."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_try_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # Each claim has a token of its own, so that this batch is told from the worker's
    # earlier ones (which may wait for a retry).
    token = f"{worker[:50]}/{secrets.token_hex(6)}"
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(claimed_by=token, claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claimed_by == token)
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def mark_sent(session: Session, message: OutboxMessage, now: dt.datetime) -> None:
    """Record that the message went (the record of a sent notice). Only the claim that
    holds the row writes: a worker whose lease ran out changes nothing."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == message.claimed_by)
        .values(
            sent_at=now, attempts=OutboxMessage.attempts + 1, claimed_until=None, last_error=None
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()


def mark_failed(
    session: Session,
    message: OutboxMessage,
    now: dt.datetime,
    error: str,
    *,
    permanent: bool = False,
) -> bool:
    """Count a failed try: retry later (1, 2, 4 … minutes, at most 6 hours), or give up
    when the server refused for good, after MAX_ATTEMPTS, or when the message is stale.
    Returns True when the message was given up."""
    attempts = message.attempts + 1
    give_up = permanent or attempts >= MAX_ATTEMPTS or now - message.created_at > GIVE_UP_AFTER
    delay = min(dt.timedelta(minutes=2 ** (attempts - 1)), dt.timedelta(hours=6))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == message.claimed_by)
        .values(
            attempts=attempts,
            last_error=error[:2000],
            claimed_until=None,
            next_try_at=now + delay,
            failed_at=now if give_up else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return give_up
