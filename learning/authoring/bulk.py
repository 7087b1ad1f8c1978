"""Bulk actions on the question bank: tag, move to a lesson or archive every ticked question."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.courses import refresh_quizzes
from learning.authoring.questions import QUESTIONS
from learning.authoring.workflow import ARCHIVED
from learning.courses.models import Course, Lesson, Question
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.text import nfc


def _questions(session: Session, ids: list[int]) -> list[Question]:
    questions = list(session.scalars(select(Question).where(Question.id.in_(ids[:500]))))
    if not questions:
        raise InvalidInput(_("Tick at least one question."))
    return questions


def bulk_add_tag(session: Session, actor: User, ids: list[int], tag: str) -> int:
    """Add `tag` to every checked question; return how many changed."""
    tag = nfc(tag)[:50]
    if not tag:
        raise InvalidInput(_("Type the tag to add."))
    changed = 0
    for question in _questions(session, ids):
        if tag not in (question.tags or []):
            question.tags = [*(question.tags or []), tag]
            changed += 1
    record(
        session,
        actor.id,
        "question.bulk_tag",
        "question",
        None,
        after={"ids": sorted(ids[:500]), "tag": tag},
    )
    session.flush()
    return changed


def bulk_move(session: Session, actor: User, ids: list[int], lesson_id: int) -> int:
    """Move every checked question to a lesson of its own course; refuse the lot otherwise."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise InvalidInput(_("Choose the lesson to move the questions to."))
    questions = _questions(session, ids)
    if any(q.course_id != lesson.course_id for q in questions):
        raise InvalidInput(_("That lesson is not part of this course."))
    for question in questions:
        question.lesson_id = lesson.id
    record(
        session,
        actor.id,
        "question.bulk_move",
        "question",
        None,
        after={"ids": sorted(q.id for q in questions), "lesson": lesson.id},
    )
    session.flush()
    refresh_quizzes(session, session.get_one(Course, lesson.course_id))
    return len(questions)


def bulk_retire(session: Session, actor: User, ids: list[int]) -> int:
    """Archive every checked question."""
    questions = [q for q in _questions(session, ids) if q.status is not ARCHIVED]
    for question in questions:
        QUESTIONS.retire(session, actor, question)
    return len(questions)
