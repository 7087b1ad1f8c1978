"""Writes for courses: loading content bundles, lesson progress, certificates."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses import queries
from learning.courses.loader import CourseBundle
from learning.courses.markdown import plain_text, render_markdown
from learning.courses.models import (
    Certificate,
    Choice,
    ContentStatus,
    Course,
    Lesson,
    LessonProgress,
    MediaFile,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
    Source,
)
from learning.courses.schema import QuestionSpec
from learning.db import utcnow
from learning.quizzes.services import upsert_course_quizzes
from learning.text import fold

# True/false questions are stored as two choices, "Đúng" first; the loader writes the
# Vietnamese words because they are content, not interface.
TRUE_FALSE_LABELS = ("Đúng", "Sai")
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class LoadReport:
    """What loading one course did."""

    slug: str
    course_created: bool = False
    lessons: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "retired": 0}
    )
    questions: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "new_version": 0, "updated": 0, "retired": 0}
    )
    media: int = 0

    @property
    def changed(self) -> bool:
        return (
            self.course_created
            or any(self.lessons.values())
            or any(self.questions.values())
            or self.media > 0
        )


def _hash(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _version_payload(spec: QuestionSpec) -> dict[str, object]:
    """What makes a new version: anything a worker sees or is graded on."""
    return {
        "type": spec.type,
        "text": spec.text,
        "choices": [c.model_dump() for c in spec.choices] if spec.choices else None,
        "answer": spec.answer,
        "scoring": spec.scoring,
        "explanation": spec.explanation,
        "source": spec.source.model_dump(),
    }


def load_course(session: Session, bundle: CourseBundle) -> LoadReport:
    """Create or update a course from a checked bundle. Unchanged content is left alone; a
    changed question gets a new version; lessons and questions gone from the files are
    retired (archived), never deleted."""
    spec = bundle.course
    report = LoadReport(slug=spec.slug)
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    content_hash = bundle.content_hash
    if course is not None and course.content_hash == content_hash:
        _load_quizzes(session, course)
        return report
    if course is None:
        course = Course(slug=spec.slug)
        session.add(course)
        report.course_created = True
    course.title = spec.title
    course.summary = spec.summary
    course.search_text = fold(f"{spec.title} {spec.summary}")
    course.status = ContentStatus.PUBLISHED
    course.final_quiz = spec.final_quiz.model_dump()
    course.content_hash = content_hash
    course.updated_at = utcnow()
    session.flush()

    _load_sources(session, course, bundle)
    lessons = _load_lessons(session, course, bundle, report)
    _load_questions(session, course, bundle, lessons, report)
    report.media = _load_media(session, course, bundle)
    session.flush()
    _load_quizzes(session, course)
    return report


def _load_quizzes(session: Session, course: Course) -> None:
    lessons = session.scalars(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.status == ContentStatus.PUBLISHED
        )
    ).all()
    upsert_course_quizzes(session, course, course.final_quiz, lessons)


def _load_sources(session: Session, course: Course, bundle: CourseBundle) -> None:
    existing = {source.key: source for source in course.sources}
    for spec in bundle.sources:
        source = existing.pop(spec.key, None) or Source(course=course, key=spec.key)
        source.title, source.number, source.issuer = spec.title, spec.number, spec.issuer
        source.issued_on, source.in_force_on, source.note = (
            spec.issued_on,
            spec.in_force_on,
            spec.note,
        )
        session.add(source)
    for source in existing.values():
        # A source no longer listed is no longer cited by any valid file: drop it.
        course.sources.remove(source)


def _load_lessons(
    session: Session, course: Course, bundle: CourseBundle, report: LoadReport
) -> dict[str, Lesson]:
    existing = {
        lesson.slug: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    lessons: dict[str, Lesson] = {}
    for position, spec in enumerate(bundle.course.lessons, start=1):
        body = bundle.lesson_bodies[spec.slug]
        sources = [ref.model_dump() for ref in spec.sources]
        content_hash = _hash([spec.title, body, sources, spec.required])
        lesson = existing.pop(spec.slug, None)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=spec.slug, version=1)
            session.add(lesson)
            report.lessons["created"] += 1
        elif lesson.content_hash != content_hash or lesson.status is not ContentStatus.PUBLISHED:
            lesson.version += 1
            report.lessons["updated"] += 1
        lesson.position = position
        if lesson.content_hash != content_hash:
            lesson.title = spec.title
            lesson.body_markdown = body
            lesson.body_html = render_markdown(body)
            lesson.search_text = fold(f"{spec.title} {plain_text(lesson.body_html)}")
            lesson.sources = sources
            lesson.is_required = spec.required
            lesson.content_hash = content_hash
            lesson.updated_at = utcnow()
        lesson.status = ContentStatus.PUBLISHED
        lessons[spec.slug] = lesson
    for lesson in existing.values():
        if lesson.status is not ContentStatus.ARCHIVED:
            lesson.status = ContentStatus.ARCHIVED
            report.lessons["retired"] += 1
    session.flush()
    return lessons


def _load_questions(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    lessons: dict[str, Lesson],
    report: LoadReport,
) -> None:
    existing = {
        question.key: question
        for question in session.scalars(select(Question).where(Question.course_id == course.id))
    }
    current_hashes = dict(
        session.execute(
            select(Question.id, QuestionVersion.content_hash)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(
                Question.course_id == course.id,
                QuestionVersion.number == Question.current_version,
            )
        ).all()
    )
    # Versions written in the browser (authoring) may be newer than the current one.
    latest = dict(
        session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.number))
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == course.id)
            .group_by(QuestionVersion.question_id)
        ).all()
    )
    for spec in bundle.questions.questions:
        content_hash = _hash(_version_payload(spec))
        question = existing.pop(spec.key, None)
        if question is None:
            question = Question(course_id=course.id, key=spec.key, current_version=1)
            session.add(question)
            _set_metadata(question, spec, lessons)
            session.flush()
            _add_version(session, question, spec, 1, content_hash)
            report.questions["created"] += 1
            continue
        if current_hashes.get(question.id) != content_hash:
            question.current_version = latest.get(question.id, question.current_version) + 1
            _add_version(session, question, spec, question.current_version, content_hash)
            report.questions["new_version"] += 1
        elif _metadata_differs(question, spec, lessons):
            report.questions["updated"] += 1
        _set_metadata(question, spec, lessons)
    for question in existing.values():
        if question.status is not ContentStatus.ARCHIVED:
            question.status = ContentStatus.ARCHIVED
            report.questions["retired"] += 1


def _metadata_differs(question: Question, spec: QuestionSpec, lessons: dict[str, Lesson]) -> bool:
    return (
        question.lesson_id != lessons[spec.lesson].id
        or question.difficulty.value != spec.difficulty
        or list(question.tags) != list(spec.tags)
        or question.status is not ContentStatus.PUBLISHED
    )


def _set_metadata(question: Question, spec: QuestionSpec, lessons: dict[str, Lesson]) -> None:
    question.lesson_id = lessons[spec.lesson].id
    question.difficulty = spec.difficulty  # type: ignore[assignment]
    question.tags = list(spec.tags)
    question.status = ContentStatus.PUBLISHED


def _add_version(
    session: Session, question: Question, spec: QuestionSpec, number: int, content_hash: str
) -> None:
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        type=QuestionType(spec.type),
        text=spec.text,
        explanation=spec.explanation,
        source_document=spec.source.document,
        source_article=spec.source.article,
        scoring=Scoring(spec.scoring or "partial"),
        content_hash=content_hash,
    )
    if spec.type == "true_false":
        version.choices = [
            Choice(position=1, text=TRUE_FALSE_LABELS[0], is_correct=spec.answer is True),
            Choice(position=2, text=TRUE_FALSE_LABELS[1], is_correct=spec.answer is False),
        ]
    else:
        version.choices = [
            Choice(position=n, text=c.text, is_correct=c.correct, feedback=c.feedback)
            for n, c in enumerate(spec.choices or [], start=1)
        ]
    session.add(version)


def _load_media(session: Session, course: Course, bundle: CourseBundle) -> int:
    existing = {
        media.name: media
        for media in session.scalars(select(MediaFile).where(MediaFile.course_id == course.id))
    }
    changed = 0
    for item in bundle.media:
        stored = existing.get(item.name)
        if stored is not None and stored.sha256 == item.sha256:
            continue
        if stored is None:
            stored = MediaFile(course_id=course.id, name=item.name)
            session.add(stored)
        stored.content_type, stored.sha256, stored.data = item.content_type, item.sha256, item.data
        changed += 1
    return changed


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


def describe_report(report: LoadReport) -> str:
    """One line for the CLI saying what loading a course did."""
    if not report.changed:
        return f"{report.slug}: unchanged"
    lessons, questions = report.lessons, report.questions
    return (
        f"{report.slug}: {'created' if report.course_created else 'updated'}; "
        f"lessons {lessons['created']} created, {lessons['updated']} updated, "
        f"{lessons['retired']} retired; questions {questions['created']} created, "
        f"{questions['new_version']} new versions, {questions['updated']} updated, "
        f"{questions['retired']} retired; {report.media} media files"
    )
