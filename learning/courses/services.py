"""Writes for courses: loading a checked bundle of course files (its steps: loading.py and
question_loading.py; what a load remembers and reports: loaded.py), lesson progress,
certificates."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.courses import queries
from learning.courses.loaded import CourseLoad, LoadReport, loaded_items
from learning.courses.loader import CourseBundle
from learning.courses.loading import (
    load_course_fields,
    load_lessons,
    load_media,
    load_quizzes,
    load_sources,
)
from learning.courses.models import (
    Certificate,
    ContentStatus,
    Course,
    Lesson,
    LessonProgress,
)
from learning.courses.question_loading import load_questions
from learning.db import utcnow
from learning.text import fold

CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def load_course(
    session: Session, bundle: CourseBundle, *, prefer_files: bool = False
) -> LoadReport:
    """Create or update a course from a checked bundle, item by item (course title and
    summary, final quiz settings, lessons, questions), without undoing browser work:

    - an item whose file has not changed since the last load is left as it is;
    - an item whose file changed and which nobody changed in the browser since is loaded as
      before (a changed question gets a new version);
    - an item changed in both is left as the browser made it and reported as a conflict with
      both sides; with `prefer_files` the file's version becomes a draft for review (quiz
      settings and title, which the browser also changes at once, take the file's values);
    - a lesson or question gone from the files is archived only if it came from the files
      and nobody changed it since; questions and lessons written in the browser or imported
      are never archived by the loader.

    The course's status is set only when the course is created (published)."""
    spec = bundle.course
    report = LoadReport(slug=spec.slug)
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    content_hash = bundle.content_hash
    if course is not None and course.content_hash == content_hash:
        load_quizzes(session, course)
        return report
    if course is None:
        course = Course(
            slug=spec.slug,
            title=spec.title,
            summary=spec.summary,
            search_text=fold(f"{spec.title} {spec.summary}"),
            status=ContentStatus.PUBLISHED,
        )
        session.add(course)
        report.course_created = True
    session.flush()
    items = loaded_items(session, course)
    load = CourseLoad(session, course, bundle, report, items, prefer_files)
    load_course_fields(load)
    load_sources(session, course, bundle)
    load_questions(load, load_lessons(load))
    report.media = load_media(load)
    # An unresolved conflict keeps the course "changed": the next load reports it again.
    course.content_hash = "" if report.unresolved else content_hash
    course.updated_at = utcnow()
    if prefer_files and report.conflicts:
        record(
            session,
            None,
            "course.load_prefer_files",
            "course",
            course.id,
            after={"items": [f"{c.kind}:{c.key}" for c in report.conflicts]},
        )
    session.flush()
    load_quizzes(session, course)
    return report


def open_lesson(session: Session, user: User, lesson: Lesson) -> LessonProgress:
    """Record that `user` opened `lesson` (the first time only)."""
    progress = queries.lesson_progress(session, user.id, lesson.id)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, opened_at=utcnow())
        session.add(progress)
        session.flush()
    return progress


def complete_lesson(session: Session, user: User, lesson: Lesson) -> Certificate | None:
    """Mark `lesson` done for `user`; issue the course certificate when this completes it."""
    progress = open_lesson(session, user, lesson)
    if progress.completed_at is None:
        session.execute(
            update(LessonProgress)
            .where(LessonProgress.id == progress.id, LessonProgress.completed_at.is_(None))
            .values(completed_at=utcnow())
        )
        session.refresh(progress)
    return issue_certificate_if_complete(session, user, lesson.course)


def issue_certificate_if_complete(
    session: Session, user: User, course: Course
) -> Certificate | None:
    """The user's certificate for `course`, issued now if the course is complete."""
    certificate = queries.certificate_for(session, user.id, course.id)
    if certificate is not None:
        return certificate
    status = queries.course_status(session, user, course)
    if not status.is_complete:
        return None
    certificate = Certificate(
        code=_new_certificate_code(session),
        user_id=user.id,
        course_id=course.id,
        score_percent=status.score_percent,
        holder_name=user.full_name,
        unit_name=user.unit.name if user.unit else "",
        course_title=course.title,
    )
    session.add(certificate)
    session.flush()
    return certificate


def _new_certificate_code(session: Session) -> str:
    while True:
        raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        if queries.certificate_by_code(session, code) is None:
            return code
