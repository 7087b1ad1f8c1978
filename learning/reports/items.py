"""Item analysis of a quiz for admins: per question version, how many graded attempts saw it,
how easy it was, how well it told strong workers from weak ones, and how often each choice
was picked (Moodle's quiz statistics report).

Three statements, whatever the number of questions or attempts: the per-version counts and
sums of marks (with the question text), the per-slot rows that the correlation and the pick
counts need, and the choices.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Subquery, func, select
from sqlalchemy.orm import Session, aliased

from learning.courses.models import Choice, QuestionVersion
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus

# Below this, an item hardly separates the workers who know the matter from those who do
# not (or separates them the wrong way round): Moodle's statistics report colours such
# discrimination indices as worth reviewing.
REVIEW_BELOW = 0.1

# Marks and scores are stored rounded to 6 places (grading.as_stored); rounding the rest of
# the test to the same places keeps float noise from making a constant column look varied.
_PLACES = 6


@dataclass(frozen=True)
class ChoiceStat:
    """One choice of a question version and how many graded attempts picked it."""

    choice_id: int
    text: str
    is_correct: bool
    picked: int


@dataclass(frozen=True)
class ItemStat:
    """The statistics of one question version over the graded attempts that saw it."""

    question_id: int
    version_id: int
    version_number: int
    text: str
    answered: int  # graded attempts in which this version appeared
    facility: float | None  # mean mark over max mark (1), 0..1
    discrimination: float | None  # item mark vs rest-of-quiz mark, Pearson's r
    choices: list[ChoiceStat]

    @property
    def flagged(self) -> bool:
        """True when the item discriminates too little, or the wrong way: review it."""
        return self.discrimination is not None and self.discrimination < REVIEW_BELOW


def _graded_attempts(quiz_id: int, first_attempts_only: bool) -> Subquery:
    """The quiz's graded attempts (id, score), or each user's first graded attempt."""
    statement = select(Attempt.id, Attempt.score).where(
        Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.SUBMITTED
    )
    if first_attempts_only:
        # As Moodle's statistics offer: later attempts are taken by people who have seen the
        # questions (and often their answers), so they say less about the questions.
        earlier = aliased(Attempt)
        first_number = (
            select(func.min(earlier.number))
            .where(
                earlier.quiz_id == Attempt.quiz_id,
                earlier.user_id == Attempt.user_id,
                earlier.status == AttemptStatus.SUBMITTED,
            )
            .scalar_subquery()
        )
        statement = statement.where(Attempt.number == first_number)
    return statement.subquery("graded")


def _discrimination(marks: Sequence[float], rests: Sequence[float]) -> float | None:
    """Moodle's discrimination index: the correlation between the item's mark and the mark
    on the rest of the quiz. The item is left out of the total so that it does not correlate
    with itself, which would flatter every item on a short quiz."""
    if len(marks) < 2:
        return None
    try:
        return statistics.correlation(marks, rests)
    except statistics.StatisticsError:
        return None  # everyone got the same mark on the item, or on the rest: nothing to tell


def item_analysis(
    session: Session, quiz_id: int, *, first_attempts_only: bool = False
) -> list[ItemStat]:
    """Item statistics for every question version that appeared in a graded attempt at the
    quiz, in the order the questions first appear (by slot position), then by version.

    Attempts keep the version they saw, so a question corrected between attempts gives one
    row per version. With `first_attempts_only`, only each user's first graded attempt
    counts."""
    graded = _graded_attempts(quiz_id, first_attempts_only)
    versions = _version_totals(session, graded)
    if not versions:
        return []
    marks, rests, picks = _slot_marks(session, graded)
    choices = _choice_stats(session, [row.id for row in versions], picks)
    return [
        ItemStat(
            question_id=row.question_id,
            version_id=row.id,
            version_number=row.number,
            text=row.text,
            answered=row.answered,
            # Every question is worth one mark, so the mean mark is the facility.
            facility=float(row.mark_sum or 0) / row.answered,
            discrimination=_discrimination(marks.get(row.id, []), rests.get(row.id, [])),
            choices=choices.get(row.id, []),
        )
        for row in _in_quiz_order(versions)
    ]


def _version_totals(session: Session, graded: Subquery) -> Sequence[Row[Any]]:
    """Each question version seen in a graded attempt, with its text, how many attempts saw
    it, their marks' sum and the first slot position it held."""
    totals = (
        select(
            AttemptSlot.question_version_id.label("version_id"),
            func.count().label("answered"),
            func.sum(AttemptSlot.mark).label("mark_sum"),
            func.min(AttemptSlot.position).label("first_position"),
        )
        .join(graded, graded.c.id == AttemptSlot.attempt_id)
        .group_by(AttemptSlot.question_version_id)
        .subquery()
    )
    return session.execute(
        select(
            QuestionVersion.id,
            QuestionVersion.question_id,
            QuestionVersion.number,
            QuestionVersion.text,
            totals.c.answered,
            totals.c.mark_sum,
            totals.c.first_position,
        ).join(totals, totals.c.version_id == QuestionVersion.id)
    ).all()


def _slot_marks(
    session: Session, graded: Subquery
) -> tuple[dict[int, list[float]], dict[int, list[float]], Counter[int]]:
    """Per version, the item's marks and the same attempts' marks on the rest of the quiz
    (the pairs the correlation needs); and how often each choice was picked."""
    # One row per slot, with its attempt's score: the pick counts come from `selected`, a
    # JSON list expanded here rather than with JSON SQL functions, which SQLite and
    # PostgreSQL spell differently.
    slots = session.execute(
        select(
            AttemptSlot.question_version_id, AttemptSlot.mark, AttemptSlot.selected, graded.c.score
        ).join(graded, graded.c.id == AttemptSlot.attempt_id)
    ).all()
    marks: dict[int, list[float]] = {}
    rests: dict[int, list[float]] = {}
    picks: Counter[int] = Counter()
    for version_id, stored_mark, selected, score in slots:
        mark = stored_mark or 0.0
        marks.setdefault(version_id, []).append(mark)
        rests.setdefault(version_id, []).append(round((score or 0.0) - mark, _PLACES))
        picks.update(selected or [])
    return marks, rests, picks


def _choice_stats(
    session: Session, version_ids: list[int], picks: Counter[int]
) -> dict[int, list[ChoiceStat]]:
    """The versions' choices in their order, with how often each was picked."""
    choices: dict[int, list[ChoiceStat]] = {}
    for choice in session.scalars(
        select(Choice)
        .where(Choice.version_id.in_(version_ids))
        .order_by(Choice.version_id, Choice.position)
    ):
        choices.setdefault(choice.version_id, []).append(
            ChoiceStat(choice.id, choice.text, choice.is_correct, picks[choice.id])
        )
    return choices


def _in_quiz_order(versions: Sequence[Row[Any]]) -> list[Row[Any]]:
    """The versions by the first position their question held, then question and number."""
    first_seen: dict[int, int] = {}
    for row in versions:
        first_seen[row.question_id] = min(
            first_seen.get(row.question_id, row.first_position), row.first_position
        )
    return sorted(
        versions, key=lambda row: (first_seen[row.question_id], row.question_id, row.number)
    )
