"""Activity over time in a unit's subtree: attempts begun and courses completed (for a
contest round: attempts submitted) per day or per week (local dates, Vietnam time), one GROUP
BY per series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Date, Select, cast, func, literal_column, select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.models import Certificate
from learning.org.models import UnitClosure
from learning.quizzes.models import Attempt, AttemptStatus, Quiz
from learning.reports.participation import Subject


def _bucket(session: Session, column: ColumnElement[dt.datetime], by: str) -> ColumnElement[str]:
    """The local (UTC+7) day, or the Monday of its week, as an ISO date string."""
    if session.get_bind().dialect.name == "sqlite":
        # The Monday of the week: back six days, then forward to the next Monday (or stay).
        modifiers = ["'+7 hours'"] + (["'-6 days'", "'weekday 1'"] if by == "week" else [])
        return func.date(column, *[literal_column(m) for m in modifiers])
    local = func.timezone("Asia/Ho_Chi_Minh", column)
    day = func.date_trunc("week", local) if by == "week" else local
    return func.to_char(cast(day, Date), "YYYY-MM-DD")


@dataclass(frozen=True)
class Point:
    day: dt.date
    attempts: int
    completions: int


def activity(
    session: Session,
    unit_id: int,
    subject: Subject,
    *,
    since: dt.datetime,
    until: dt.datetime,
    by: str = "day",
) -> list[Point]:
    """Attempts begun at the course's quizzes and certificates issued (or, for a round,
    attempts begun and submitted), per period, by the members now in the unit's subtree;
    periods without activity are left out."""
    members = (
        select(User.id)
        .join(UnitClosure, UnitClosure.descendant_id == User.unit_id)
        .where(UnitClosure.ancestor_id == unit_id)
    )
    attempt_day = _bucket(session, Attempt.started_at, by)
    quiz_id = subject.quiz.id if subject.quiz else -1
    of_subject = (
        Attempt.quiz_id == quiz_id
        if subject.is_round
        else Attempt.quiz_id.in_(select(Quiz.id).where(Quiz.course_id == subject.id))
    )
    attempts = dict(
        session.execute(
            select(attempt_day, func.count())
            .where(
                of_subject,
                Attempt.user_id.in_(members),
                Attempt.started_at >= since,
                Attempt.started_at < until,
            )
            .group_by(attempt_day)
        ).all()
    )
    completions = (
        _submissions(session, quiz_id, members, since, until, by)
        if subject.is_round
        else _certificates(session, subject.id, members, since, until, by)
    )
    days: Sequence[str] = sorted(set(attempts) | set(completions))
    return [
        Point(dt.date.fromisoformat(d), attempts.get(d, 0), completions.get(d, 0)) for d in days
    ]


def _certificates(
    session: Session,
    course_id: int,
    members: Select[tuple[int]],
    since: dt.datetime,
    until: dt.datetime,
    by: str,
) -> dict[str, int]:
    done_day = _bucket(session, Certificate.issued_at, by)
    return dict(
        session.execute(
            select(done_day, func.count())
            .where(
                Certificate.course_id == course_id,
                Certificate.user_id.in_(members),
                Certificate.issued_at >= since,
                Certificate.issued_at < until,
            )
            .group_by(done_day)
        ).all()
    )


def _submissions(
    session: Session,
    quiz_id: int,
    members: Select[tuple[int]],
    since: dt.datetime,
    until: dt.datetime,
    by: str,
) -> dict[str, int]:
    done_day = _bucket(session, Attempt.submitted_at, by)
    return dict(
        session.execute(
            select(done_day, func.count())
            .where(
                Attempt.quiz_id == quiz_id,
                Attempt.status == AttemptStatus.SUBMITTED,
                Attempt.user_id.in_(members),
                Attempt.submitted_at >= since,
                Attempt.submitted_at < until,
            )
            .group_by(done_day)
        ).all()
    )
