"""Drawing an attempt's questions: quotas per lesson and tag, then the rest of the bank;
the order of questions and of choices fixed once, at the start."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import or_, select
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


def draw_questions(session: Session, quiz: Quiz, rng: random.Random) -> list[tuple[int, list[int]]]:
    """Pick the quiz's questions by its quotas: (version id, choice ids in display order)."""
    pool_query = (
        select(
            Question.id,
            Question.tags,
            Lesson.slug,
            QuestionVersion.id.label("version_id"),
            QuestionVersion.type,
        )
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == Question.current_version),
        )
        .outerjoin(Lesson, Lesson.id == Question.lesson_id)
        .where(
            Question.status == ContentStatus.PUBLISHED,
            # A question of a lesson still in draft (or retired) waits with its lesson.
            or_(Question.lesson_id.is_(None), Lesson.status == ContentStatus.PUBLISHED),
        )
        .order_by(Question.id)
    )
    if quiz.course_id is None and quiz.bank_course_ids:
        pool_query = pool_query.where(Question.course_id.in_(quiz.bank_course_ids))
    else:
        pool_query = pool_query.where(Question.course_id == quiz.course_id)
    if quiz.lesson_id is not None:
        pool_query = pool_query.where(Question.lesson_id == quiz.lesson_id)
    pool = session.execute(pool_query).all()
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
    rest = [row for row in pool if row.id not in taken]
    missing = quiz.question_count - len(chosen)
    if missing > len(rest) or quiz.question_count == 0:
        raise BankTooSmall()
    if missing > 0:
        chosen += rng.sample(rest, missing)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort(key=lambda row: row.id)
    choice_rows = session.execute(
        select(Choice.version_id, Choice.id)
        .where(Choice.version_id.in_([row.version_id for row in chosen]))
        .order_by(Choice.version_id, Choice.position)
    ).all()
    choices: dict[int, list[int]] = {}
    for version_id, choice_id in choice_rows:
        choices.setdefault(version_id, []).append(choice_id)
    drawn = []
    for row in chosen:
        order = list(choices[row.version_id])
        # True/false keeps "Đúng, Sai": shuffling two fixed words only confuses.
        if quiz.shuffle_choices and row.type is not QuestionType.TRUE_FALSE:
            rng.shuffle(order)
        drawn.append((row.version_id, order))
    return drawn
