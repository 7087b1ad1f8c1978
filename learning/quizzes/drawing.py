"""Drawing an attempt's questions: quotas per lesson and tag, then the rest of the bank;
the order of questions and of choices fixed once, at the start."""

from __future__ import annotations

import functools
import random
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from learning.courses.models import (
    Choice,
    ContentStatus,
    Lesson,
    Question,
    QuestionType,
    QuestionVersion,
)
from learning.quizzes.errors import BankTooSmall
from learning.quizzes.models import Quiz

_QUESTIONS = Question.__table__
_VERSIONS = QuestionVersion.__table__
_LESSONS = Lesson.__table__
_CHOICES = Choice.__table__


def draw_questions(session: Session, quiz: Quiz, rng: random.Random) -> list[tuple[int, list[int]]]:
    """Pick the quiz's questions by its quotas: (version id, choice ids in display order).

    Every question of the pool is equally likely (`rng.sample`), within each rule's quota and
    then for the rest; the pool is read in the order of question ids, so one seed draws the
    same questions."""
    chosen = _choose(quiz, _pool(session, quiz), rng)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort(key=lambda row: row.id)
    return _with_choice_orders(session, quiz, chosen, rng)


def _pool(session: Session, quiz: Quiz) -> list[Any]:
    """The published questions the quiz draws from, in the order of their ids."""
    rules = quiz.draw_rules or []
    by_banks = quiz.course_id is None and bool(quiz.bank_course_ids)
    query = _pool_query(
        by_banks,
        quiz.lesson_id is not None,
        any(rule.get("lessons") for rule in rules),
        any(rule.get("tags") for rule in rules),
    )
    scope = {"course_ids": list(quiz.bank_course_ids or [])} if by_banks else {}
    if not by_banks:
        scope["course_id"] = quiz.course_id
    if quiz.lesson_id is not None:
        scope["lesson_id"] = quiz.lesson_id
    # Plain rows on the connection: a start reads the whole bank (hundreds of questions) to
    # draw twenty, and ORM rows cost several milliseconds of it.
    return session.connection().execute(query, scope).all()


def _choose(quiz: Quiz, pool: list[Any], rng: random.Random) -> list[Any]:
    """Each rule's quota of its lessons and tags, then the rest from what is left; a bank
    too small for any of them is refused."""
    chosen: list[Any] = []
    taken: set[int] = set()
    for rule in quiz.draw_rules or []:
        lessons, tags = set(rule.get("lessons") or []), set(rule.get("tags") or [])
        candidates = [
            row
            for row in pool
            if row.id not in taken
            and (not lessons or row.slug in lessons)
            and (not tags or tags & set(row.tags or []))
        ]
        if len(candidates) < rule["count"]:
            raise BankTooSmall()
        picked = rng.sample(candidates, rule["count"])
        chosen += picked
        taken |= {row.id for row in picked}
    rest = [row for row in pool if row.id not in taken] if taken else pool
    missing = quiz.question_count - len(chosen)
    if missing > len(rest) or quiz.question_count == 0:
        raise BankTooSmall()
    if missing > 0:
        chosen += rng.sample(rest, missing)
    return chosen


def _with_choice_orders(
    session: Session, quiz: Quiz, chosen: list[Any], rng: random.Random
) -> list[tuple[int, list[int]]]:
    """Each chosen version with its choice ids in display order (shuffled if the quiz
    says so)."""
    choices: dict[int, list[int]] = {}
    for version_id, choice_id in session.connection().execute(
        _CHOICES_OF, {"version_ids": [row.version_id for row in chosen]}
    ):
        choices.setdefault(version_id, []).append(choice_id)
    drawn = []
    for row in chosen:
        order = list(choices[row.version_id])
        # True/false keeps "Đúng, Sai": shuffling two fixed words only confuses.
        if quiz.shuffle_choices and row.type is not QuestionType.TRUE_FALSE:
            rng.shuffle(order)
        drawn.append((row.version_id, order))
    return drawn


@functools.cache
def _pool_query(by_banks: bool, one_lesson: bool, with_slug: bool, with_tags: bool) -> Select[Any]:
    """The published questions a quiz draws from (current versions), built once per shape:
    the lesson's slug and the tags only when a rule asks for them (the tags are JSON, decoded
    row by row)."""
    columns = [_QUESTIONS.c.id, _VERSIONS.c.id.label("version_id"), _VERSIONS.c.type]
    if with_slug:
        columns.append(_LESSONS.c.slug)
    if with_tags:
        columns.append(_QUESTIONS.c.tags)
    query = (
        select(*columns)
        .select_from(_QUESTIONS)
        .join(
            _VERSIONS,
            (_VERSIONS.c.question_id == _QUESTIONS.c.id)
            & (_VERSIONS.c.number == _QUESTIONS.c.current_version),
        )
        .outerjoin(_LESSONS, _LESSONS.c.id == _QUESTIONS.c.lesson_id)
        .where(
            _QUESTIONS.c.status == ContentStatus.PUBLISHED,
            # A question of a lesson still in draft (or retired) waits with its lesson.
            or_(_QUESTIONS.c.lesson_id.is_(None), _LESSONS.c.status == ContentStatus.PUBLISHED),
        )
        .order_by(_QUESTIONS.c.id)
    )
    if by_banks:
        query = query.where(_QUESTIONS.c.course_id.in_(bindparam("course_ids", expanding=True)))
    else:
        query = query.where(_QUESTIONS.c.course_id == bindparam("course_id"))
    if one_lesson:
        query = query.where(_QUESTIONS.c.lesson_id == bindparam("lesson_id"))
    return query


# The drawn versions' choices in their authored order.
_CHOICES_OF = (
    select(_CHOICES.c.version_id, _CHOICES.c.id)
    .where(_CHOICES.c.version_id.in_(bindparam("version_ids", expanding=True)))
    .order_by(_CHOICES.c.version_id, _CHOICES.c.position)
)
