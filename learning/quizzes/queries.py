"""Reads for quizzes: quizzes of a course, attempts to show, grades, answer statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from learning.auth.models import User
from learning.auth.scope import unit_filter
from learning.courses.models import Choice, QuestionVersion
from learning.quizzes import grading
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz, QuizKind


def get_quiz(session: Session, quiz_id: int) -> Quiz | None:
    return session.get(Quiz, quiz_id)


def course_final_quiz(session: Session, course_id: int) -> Quiz | None:
    return session.scalar(
        select(Quiz).where(Quiz.kind == QuizKind.COURSE_FINAL, Quiz.course_id == course_id)
    )


def lesson_check(session: Session, lesson_id: int) -> Quiz | None:
    return session.scalar(
        select(Quiz).where(
            Quiz.kind == QuizKind.LESSON_CHECK, Quiz.lesson_id == lesson_id, Quiz.is_active
        )
    )


def attempt_with_questions(session: Session, attempt_id: int) -> Attempt | None:
    """An attempt with its slots, their question versions and choices (for pages)."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            selectinload(Attempt.slots)
            .selectinload(AttemptSlot.question_version)
            .selectinload(QuestionVersion.choices)
        )
    )


def attempt_with_slots(session: Session, attempt_id: int) -> Attempt | None:
    """An attempt with its quiz and slots (what is answered), without their questions: the
    quiz in the attempt's own query (every page that shows an attempt reads its quiz)."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(joinedload(Attempt.quiz), selectinload(Attempt.slots))
    )


def load_questions(session: Session, slots: Sequence[AttemptSlot]) -> None:
    """Load the question versions (with their choices) of the slots a page shows, so that
    `slot.question_version` reads them without a query each."""
    ids = [slot.question_version_id for slot in slots]
    if not ids:
        return
    # The choices joined in (one round trip): a page shows one question, or a few.
    versions = {
        version.id: version
        for version in session.scalars(
            select(QuestionVersion)
            .where(QuestionVersion.id.in_(ids))
            .options(joinedload(QuestionVersion.choices))
        ).unique()
    }
    # Set on the slots, which hold them: the session alone keeps objects only while
    # something else refers to them.
    for slot in slots:
        set_committed_value(slot, "question_version", versions[slot.question_version_id])


def user_attempts(session: Session, user_id: int, quiz_id: int) -> Sequence[Attempt]:
    """The user's attempts at a quiz, oldest first."""
    return session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
        .order_by(Attempt.number)
    ).all()


def quiz_grade(attempts: Sequence[Attempt], method: str) -> float | None:
    """The grade of a quiz for one user from their attempts, by the grading method."""
    percents = [
        a.percent for a in attempts if a.status is AttemptStatus.SUBMITTED and a.percent is not None
    ]
    return grading.quiz_grade(percents, method)


@dataclass(frozen=True)
class FinalResult:
    grade: float | None
    passed: bool


def final_results(
    session: Session, user_id: int, course_ids: Sequence[int]
) -> dict[int, FinalResult]:
    """For each course with a final quiz: the user's grade and whether it passes."""
    if not course_ids:
        return {}
    quizzes = session.scalars(
        select(Quiz).where(Quiz.kind == QuizKind.COURSE_FINAL, Quiz.course_id.in_(course_ids))
    ).all()
    attempts = session.scalars(
        select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.quiz_id.in_([q.id for q in quizzes]),
            Attempt.status == AttemptStatus.SUBMITTED,
        )
        .order_by(Attempt.number)
    ).all()
    results = {}
    for quiz in quizzes:
        grade = quiz_grade([a for a in attempts if a.quiz_id == quiz.id], quiz.grading_method.value)
        results[quiz.course_id] = FinalResult(
            grade, grade is not None and grade >= quiz.pass_percent
        )
    return results


def attempts_in_scope(
    session: Session, actor: User, quiz_id: int
) -> Sequence[tuple[Attempt, User]]:
    """Attempts at a quiz by the users `actor` may see (officer: their subtree; admin: all)."""
    return session.execute(
        select(Attempt, User)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz_id, unit_filter(actor, User.unit_id))
        .order_by(User.full_name, Attempt.number)
    ).all()


@dataclass(frozen=True)
class ChoiceCount:
    choice: Choice
    picked: int


@dataclass(frozen=True)
class QuestionCount:
    version: QuestionVersion
    answered: int
    choices: list[ChoiceCount]


def answer_counts(session: Session, quiz_id: int) -> list[QuestionCount]:
    """For each question version used in submitted attempts: how many answered it and how
    often each choice was picked (selected ids are expanded in Python: JSON is portable)."""
    rows = session.execute(
        select(AttemptSlot.question_version_id, AttemptSlot.selected)
        .join(Attempt, Attempt.id == AttemptSlot.attempt_id)
        .where(Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.SUBMITTED)
    ).all()
    answered: dict[int, int] = {}
    picked: dict[int, int] = {}
    for version_id, selected in rows:
        if selected:
            answered[version_id] = answered.get(version_id, 0) + 1
        for choice_id in selected or []:
            picked[choice_id] = picked.get(choice_id, 0) + 1
    versions = session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.id.in_({version_id for version_id, _ in rows}))
        .options(selectinload(QuestionVersion.choices))
        .order_by(QuestionVersion.id)
    ).all()
    return [
        QuestionCount(
            version=version,
            answered=answered.get(version.id, 0),
            choices=[ChoiceCount(choice, picked.get(choice.id, 0)) for choice in version.choices],
        )
        for version in versions
    ]


def attempts_count(session: Session, quiz_id: int) -> int:
    return session.scalar(select(func.count()).where(Attempt.quiz_id == quiz_id)) or 0
