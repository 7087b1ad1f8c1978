"""Regrading: after a question is corrected, the attempts that used it are graded again with
its current right answers, and every change of score is recorded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.models import Question, QuestionVersion
from learning.quizzes import grading
from learning.quizzes.marking import answer_keys
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz, Regrade


def regrade_question(session: Session, question: Question, actor: User) -> list[Regrade]:
    """Regrade every submitted attempt that used an older version of `question` with the
    current version's right answers (choices matched by position), recording each change."""
    versions = session.scalars(
        select(QuestionVersion).where(QuestionVersion.question_id == question.id)
    ).all()
    current = next(v for v in versions if v.number == question.current_version)
    current_key = answer_keys(session, [current.id])[current.id]
    attempts = session.scalars(
        select(Attempt)
        .join(AttemptSlot, AttemptSlot.attempt_id == Attempt.id)
        .where(
            AttemptSlot.question_version_id.in_([v.id for v in versions]),
            Attempt.status == AttemptStatus.SUBMITTED,
        )
        .distinct()
    ).all()
    records = []
    for attempt in attempts:
        quiz = session.get_one(Quiz, attempt.quiz_id)
        slots = session.scalars(
            select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
        ).all()
        keys = _keys_as_current(session, slots, versions, current, current_key)
        marks, result = grading.grade([(keys[s.question_version_id], s.selected) for s in slots])
        new_score = grading.as_stored(result.score)
        if new_score == attempt.score:
            continue
        records.append(
            Regrade(
                attempt_id=attempt.id,
                question_id=question.id,
                regraded_by_id=actor.id,
                old_score=attempt.score or 0,
                new_score=new_score,
                old_percent=attempt.percent or 0,
                new_percent=grading.as_stored(result.percent, 4),
            )
        )
        for slot, new_mark in zip(slots, marks, strict=True):
            slot.mark = grading.as_stored(new_mark)
        attempt.score = new_score
        attempt.percent = grading.as_stored(result.percent, 4)
        attempt.is_passed = result.passed(quiz.pass_percent)
    session.add_all(records)
    session.flush()
    return records


def _keys_as_current(
    session: Session,
    slots: Sequence[AttemptSlot],
    versions: Sequence[QuestionVersion],
    current: QuestionVersion,
    current_key: grading.Key,
) -> dict[int, grading.Key]:
    """The answer key of each of an attempt's slots, an older version of the question
    graded with the current version's right answers."""
    keys = answer_keys(session, [slot.question_version_id for slot in slots])
    for version in versions:
        if version.id in keys and version.id != current.id:
            if len(version.choices) != len(current.choices):
                continue  # the choices changed shape: nothing to map the answers onto
            keys[version.id] = _as_current(version, current, current_key, keys[version.id])
    return keys


def _as_current(
    version: QuestionVersion, current: QuestionVersion, current_key: grading.Key, old: grading.Key
) -> grading.Key:
    """An older version's key with the current version's right answers and weights, its
    choices matched to the current ones by position."""
    by_position = {c.position: c.is_correct for c in current.choices}
    weight_by_position = {c.position: c.weight for c in current.choices}
    correct = frozenset(c.id for c in version.choices if by_position.get(c.position))
    weights = None
    if current_key.weights is not None:
        weights = tuple(
            (c.id, weight_by_position[c.position])
            for c in version.choices
            if weight_by_position.get(c.position) is not None
        )
    return grading.Key(current_key.type, correct, old.choices, current_key.scoring, weights)
