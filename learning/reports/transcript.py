"""A worker's transcript: their courses, attempts and certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.models import Certificate
from learning.courses.queries import CourseStatus, courses_for_user
from learning.db import utcnow
from learning.quizzes.models import Attempt, AttemptStatus, Quiz


@dataclass(frozen=True)
class TranscriptAttempt:
    """A submitted attempt as the transcript shows it; `visible` is False while its quiz
    hides results (a contest round before it closes): no score is shown then."""

    attempt: Attempt
    quiz: Quiz
    visible: bool


@dataclass(frozen=True)
class Transcript:
    user: User
    courses: list[CourseStatus]
    attempts: Sequence[TranscriptAttempt]
    certificates: Sequence[Certificate]


def transcript(session: Session, user: User, now: dt.datetime | None = None) -> Transcript:
    """Everything the user has done, in three queries (plus those of the course list).
    Scores follow each quiz's review timing, for the worker and for their officer alike."""
    now = now or utcnow()
    attempts = session.execute(
        select(Attempt, Quiz)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.user_id == user.id, Attempt.status == AttemptStatus.SUBMITTED)
        .order_by(Attempt.submitted_at.desc())
    ).all()
    certificates = session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
    ).all()
    courses = [s for s in courses_for_user(session, user) if s.started or s.done]
    shown = [
        TranscriptAttempt(row.Attempt, row.Quiz, row.Quiz.results_visible(now)) for row in attempts
    ]
    return Transcript(user, courses, shown, certificates)
