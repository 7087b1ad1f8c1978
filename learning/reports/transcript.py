"""A worker's transcript: their courses, attempts and certificates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.models import Certificate
from learning.courses.queries import CourseStatus, courses_for_user
from learning.quizzes.models import Attempt, AttemptStatus, Quiz


@dataclass(frozen=True)
class Transcript:
    user: User
    courses: list[CourseStatus]
    attempts: Sequence[tuple[Attempt, Quiz]]
    certificates: Sequence[Certificate]


def transcript(session: Session, user: User) -> Transcript:
    """Everything the user has done, in three queries (plus those of the course list)."""
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
    return Transcript(user, courses, [(row.Attempt, row.Quiz) for row in attempts], certificates)
