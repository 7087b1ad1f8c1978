"""Writes for courses edited in the browser: create, title and summary, the course's review
steps (who took them is stored on the course), and the final quiz's settings; and
`CourseContent`, the workflow of a course's questions and lessons, whose publishing or
archiving steps end with `refresh_quizzes`."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.workflow import (
    ARCHIVED,
    DRAFT,
    IN_REVIEW,
    PUBLISHED,
    ItemT,
    VersionT,
    Workflow,
    WrongState,
    mark_approved,
    mark_submitted,
    require_four_eyes,
)
from learning.courses.models import Course, Lesson
from learning.db import utcnow
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.quizzes.services import upsert_course_quizzes
from learning.text import fold, nfc

DEFAULT_FINAL_QUIZ = {
    "question_count": 10,
    "time_limit_minutes": 20,
    "pass_percent": 70,
    "attempts_allowed": 0,
    "grading_method": "highest",
}


def slugify(text: str) -> str:
    """A URL slug from a Vietnamese title: "Bài 1: Hợp đồng" -> "bai-1-hop-dong"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80] or "bai"


def create_course(session: Session, actor: User, slug: str, title: str, summary: str) -> Course:
    """A new draft course with the default final-quiz settings."""
    slug = slugify(slug or title)
    if session.scalar(select(Course.id).where(Course.slug == slug)):
        raise InvalidInput(_("A course with this address already exists."))
    course = Course(
        slug=slug,
        title=nfc(title)[:300],
        summary=summary.strip(),
        status=DRAFT,
        final_quiz=dict(DEFAULT_FINAL_QUIZ),
        search_text=fold(f"{title} {summary}"),
        edited_by_id=actor.id,
    )
    session.add(course)
    session.flush()
    record(session, actor.id, "course.edit", "course", course.id, after={"title": course.title})
    return course


def update_course(session: Session, actor: User, course: Course, title: str, summary: str) -> None:
    """Change a course's title and summary (they apply at once: they are not lesson text)."""
    before = {"title": course.title, "summary": course.summary}
    course.title, course.summary = nfc(title)[:300], summary.strip()
    course.search_text = fold(f"{course.title} {course.summary}")
    course.updated_at = utcnow()
    course.edited_by_id = actor.id
    if course.status is IN_REVIEW:
        course.status = DRAFT
    record(
        session,
        actor.id,
        "course.edit",
        "course",
        course.id,
        before=before,
        after={"title": course.title, "summary": course.summary},
    )
    session.flush()


def course_step(
    session: Session, actor: User, course: Course, step: str, *, four_eyes: bool
) -> None:
    """Submit, approve, return or retire a course as a whole."""
    before = {"status": str(course.status)}
    if step == "submit" and course.status is DRAFT:
        course.status = IN_REVIEW
        mark_submitted(course, actor)
    elif step == "approve" and course.status is IN_REVIEW:
        require_four_eyes(actor, course.edited_by_id, course, four_eyes=four_eyes)
        course.status = PUBLISHED
        mark_approved(course, actor)
    elif step == "return" and course.status is IN_REVIEW:
        course.status = DRAFT
        course.submitted_by_id = course.submitted_at = None
    elif step == "retire" and course.status is not ARCHIVED:
        course.status = ARCHIVED
    else:
        raise WrongState()
    record(
        session,
        actor.id,
        f"course.{step}",
        "course",
        course.id,
        before=before,
        after={"status": str(course.status)},
    )
    session.flush()
    refresh_quizzes(session, course)


def refresh_quizzes(session: Session, course: Course) -> None:
    """Bring the course's final quiz and lesson checks in line with what is published."""
    settings = {**DEFAULT_FINAL_QUIZ, **(course.final_quiz or {})}
    lessons = session.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.status == PUBLISHED)
    ).all()
    upsert_course_quizzes(session, course, settings, lessons)


class CourseContent(Workflow[ItemT, VersionT]):
    """A kind of a course's content (questions, lessons): publishing or archiving one brings
    the course's quizzes in line with what is published."""

    def after_change(self, session: Session, item: Any) -> None:
        refresh_quizzes(session, session.get_one(Course, item.course_id))


def update_quiz_settings(
    session: Session, actor: User, course: Course, settings: dict[str, Any]
) -> None:
    """Change the final quiz's settings (question count, time limit, pass mark, attempts,
    grading method); they apply to attempts started from now on."""
    before = dict(course.final_quiz or {})
    course.final_quiz = {**DEFAULT_FINAL_QUIZ, **before, **settings}
    record(
        session,
        actor.id,
        "course.quiz_settings",
        "course",
        course.id,
        before=before,
        after=course.final_quiz,
    )
    session.flush()
    refresh_quizzes(session, course)
