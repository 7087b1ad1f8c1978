"""Loading a course's files, item by item: its title and final quiz settings, sources,
lessons and media (questions: question_loading.py); `services.load_course` runs the steps.
Browser work is never overwritten: an item changed on both sides is a conflict (loaded.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.audit.services import record
from learning.authoring.models import LessonVersion, MediaVersion
from learning.courses.loaded import (
    CHANGED,
    Conflict,
    CourseLoad,
    conflict_of,
    digest,
)
from learning.courses.loader import CourseBundle
from learning.courses.markdown import plain_text, render_markdown
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    MediaFile,
    Source,
)
from learning.db import utcnow
from learning.quizzes.services import upsert_course_quizzes
from learning.text import fold

_QUIZ_KEYS = (
    "question_count",
    "time_limit_minutes",
    "pass_percent",
    "attempts_allowed",
    "grading_method",
)


_QUIZ_DEFAULTS = {"attempts_allowed": 0, "grading_method": "highest"}


def _quiz_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The final quiz's settings that files carry, whoever wrote them last."""
    merged = {**_QUIZ_DEFAULTS, **(settings or {})}
    return {key: merged.get(key) for key in _QUIZ_KEYS}


def _course_state(course: Course) -> str:
    return digest([course.title, course.summary, course.is_contest_bank])


def _lesson_state(lesson: Lesson, browser_version: int) -> str:
    return digest(
        [
            lesson.status.value,
            lesson.title,
            lesson.body_markdown,
            lesson.sources,
            lesson.is_required,
            lesson.version,
            lesson.position,
            browser_version,
        ]
    )


def _lesson_file_hash(spec: Any, body: str, position: int) -> str:
    sources = [ref.model_dump() for ref in spec.sources]
    return digest([spec.title, body, sources, spec.required, position])


def load_course_fields(load: CourseLoad) -> None:
    """The course's title and summary, and its final quiz's settings: two items."""
    _load_title(load)
    _load_quiz_settings(load)
    load.session.flush()


def _load_title(load: CourseLoad) -> None:
    """The course's title, summary and contest-bank flag: one item."""
    course, spec, snapshots = load.course, load.bundle.course, load.items
    file_hash = digest([spec.title, spec.summary, spec.contest_bank])
    created = load.report.course_created
    # A course with no record of a load, whose title the browser never changed, is clean.
    clean = created or not _audited(load.session, "course.edit", course.id)
    decision = snapshots.decide("course", "", file_hash, _course_state(course), clean)
    if decision == "conflict":
        browser = {
            "title": course.title,
            "summary": course.summary,
            "contest_bank": course.is_contest_bank,
        }
        file = {"title": spec.title, "summary": spec.summary, "contest_bank": spec.contest_bank}
        conflict = conflict_of("course", spec.slug, CHANGED, browser, file)
        decision = load.settle(conflict, "the file's title and summary applied")
    if decision == "apply" or created:
        course.title = spec.title
        course.summary = spec.summary
        course.search_text = fold(f"{spec.title} {spec.summary}")
        course.is_contest_bank = spec.contest_bank
    if decision == "apply":
        snapshots.record("course", "", file_hash, _course_state(course))


def _load_quiz_settings(load: CourseLoad) -> None:
    """The final quiz's settings: one item."""
    course, bundle, report, snapshots = load.course, load.bundle, load.report, load.items
    settings = _quiz_settings(bundle.course.final_quiz.model_dump())
    file_hash = digest(settings)
    current = _quiz_settings(course.final_quiz) if course.final_quiz else {}
    created = report.course_created
    clean = created or not _audited(load.session, "course.quiz_settings", course.id)
    decision = snapshots.decide("quiz", "", file_hash, digest(current), clean)
    if decision == "conflict":
        conflict = conflict_of("quiz", bundle.course.slug, CHANGED, current, settings)
        decision = load.settle(conflict, "the file's settings applied")
    if decision == "apply":
        report.settings_updated = not created and current != settings
        course.final_quiz = {**(course.final_quiz or {}), **settings}
        snapshots.record("quiz", "", file_hash, digest(_quiz_settings(course.final_quiz)))


def _audited(session: Session, action: str, object_id: int) -> bool:
    """Whether the audit log holds `action` on the object (items loaded before the loader
    kept its records: a browser change shows there)."""
    return (
        session.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.action == action, AuditEntry.object_id == object_id)
            .limit(1)
        )
        is not None
    )


def load_quizzes(session: Session, course: Course) -> None:
    lessons = session.scalars(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.status == ContentStatus.PUBLISHED
        )
    ).all()
    upsert_course_quizzes(session, course, course.final_quiz, lessons)


def load_sources(session: Session, course: Course, bundle: CourseBundle) -> None:
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


def _lesson_versions(session: Session, course: Course) -> dict[int, int]:
    """The newest browser version number of each lesson of the course that has one."""
    return dict(
        session.execute(
            select(LessonVersion.lesson_id, func.max(LessonVersion.number))
            .join(Lesson, Lesson.id == LessonVersion.lesson_id)
            .where(Lesson.course_id == course.id)
            .group_by(LessonVersion.lesson_id)
        ).all()
    )


def _lesson_side(lesson: Lesson) -> dict[str, object]:
    return {
        "status": lesson.status.value,
        "title": lesson.title,
        "text": lesson.body_markdown,
        "sources": lesson.sources,
        "required": lesson.is_required,
        "position": lesson.position,
    }


@dataclass(frozen=True)
class _LessonFile:
    """A lesson as its file has it, at its place in the course."""

    spec: Any
    body: str
    position: int

    @property
    def sources(self) -> list[dict[str, str]]:
        return [ref.model_dump() for ref in self.spec.sources]

    @property
    def file_hash(self) -> str:
        return _lesson_file_hash(self.spec, self.body, self.position)

    @property
    def content_hash(self) -> str:
        return digest([self.spec.title, self.body, self.sources, self.spec.required])

    def side(self) -> dict[str, object]:
        """The file's side of a conflict, as `_lesson_side` gives the browser's."""
        return {
            "status": "published",
            "title": self.spec.title,
            "text": self.body,
            "sources": self.sources,
            "required": self.spec.required,
            "position": self.position,
        }


def load_lessons(load: CourseLoad) -> dict[str, Lesson]:
    """The course's lessons from its files, in their order (those gone from the files
    retired); returns them by slug."""
    session, course, report, snapshots = load.session, load.course, load.report, load.items
    existing = {
        lesson.slug: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    browser = _lesson_versions(session, course)
    lessons: dict[str, Lesson] = {}
    for position, spec in enumerate(load.bundle.course.lessons, start=1):
        item = _LessonFile(spec, load.bundle.lesson_bodies[spec.slug], position)
        lesson = existing.pop(spec.slug, None)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=spec.slug, version=1)
            session.add(lesson)
            report.lessons["created"] += 1
            decision = "apply"
        else:
            version = browser.get(lesson.id, 0)
            clean = version == 0 and lesson.status is ContentStatus.PUBLISHED
            state = _lesson_state(lesson, version)
            decision = snapshots.decide("lesson", spec.slug, item.file_hash, state, clean)
        lessons[spec.slug] = lesson
        if decision == "conflict":
            _lesson_conflict(load, lesson, item, browser)
        elif decision == "apply":
            _apply_lesson(load, lesson, item, browser)
    for lesson in existing.values():
        version = browser.get(lesson.id, 0)
        state = functools.partial(_lesson_state, lesson, version)
        load.retire_gone("lesson", lesson, lesson.slug, state, bool(version), report.lessons)
    session.flush()
    return lessons


def _lesson_conflict(
    load: CourseLoad, lesson: Lesson, item: _LessonFile, browser: dict[int, int]
) -> None:
    """A lesson changed in the browser and in its file: reported (with `prefer_files`, the
    file's text made a draft for review), or recorded if both already say the same."""
    session, snapshots, slug = load.session, load.items, item.spec.slug
    conflict = conflict_of("lesson", slug, CHANGED, _lesson_side(lesson), item.side())
    if conflict is None:
        # The files say what the browser made (`courses export`): they caught up.
        lesson.content_hash = item.content_hash
        state = _lesson_state(lesson, browser.get(lesson.id, 0))
        snapshots.record("lesson", slug, item.file_hash, state)
        return
    if load.prefer_files:
        number = _lesson_draft_from_file(session, lesson, item.spec, item.body, item.sources)
        conflict = replace(conflict, resolved=f"draft version {number} for review")
        session.flush()
        snapshots.record("lesson", slug, item.file_hash, _lesson_state(lesson, number))
    load.report.conflicts.append(conflict)


def _apply_lesson(
    load: CourseLoad, lesson: Lesson, item: _LessonFile, browser: dict[int, int]
) -> None:
    """The file's lesson, published (a changed one as a new version)."""
    spec, body, content_hash = item.spec, item.body, item.content_hash
    if lesson.id is not None and (
        lesson.content_hash != content_hash or lesson.status is not ContentStatus.PUBLISHED
    ):
        lesson.version = max(lesson.version, browser.get(lesson.id, 0)) + 1
        load.report.lessons["updated"] += 1
    lesson.position = item.position
    if lesson.content_hash != content_hash:
        lesson.title = spec.title
        lesson.body_markdown = body
        lesson.body_html = render_markdown(body)
        lesson.search_text = fold(f"{spec.title} {plain_text(lesson.body_html)}")
        lesson.sources = item.sources
        lesson.is_required = spec.required
        lesson.content_hash = content_hash
        lesson.updated_at = utcnow()
    lesson.status = ContentStatus.PUBLISHED
    load.session.flush()
    state = _lesson_state(lesson, browser.get(lesson.id, 0))
    load.items.record("lesson", spec.slug, item.file_hash, state)


def _lesson_draft_from_file(
    session: Session, lesson: Lesson, spec: Any, body: str, sources: list[dict[str, str]]
) -> int:
    """The file's text as a new DRAFT browser version of the lesson (written by nobody: a
    first admin sends it to review, a second approves it). Returns its number."""
    number = _lesson_versions_of(session, lesson)
    if number == 0:
        # The published text becomes the first version, so the history starts from it.
        session.add(LessonVersion.of_published(lesson))
        number = lesson.version
    number += 1
    session.add(
        LessonVersion(
            lesson_id=lesson.id,
            number=number,
            title=spec.title,
            body_markdown=body,
            sources=sources,
            is_required=spec.required,
            status=ContentStatus.DRAFT,
            author_id=None,
            created_at=utcnow(),
        )
    )
    if lesson.status is ContentStatus.ARCHIVED:
        # It comes back only through review: as an unpublished lesson, its row is the draft.
        lesson.status = ContentStatus.DRAFT
        lesson.title, lesson.body_markdown, lesson.sources = spec.title, body, sources
        lesson.body_html = render_markdown(body)
        lesson.is_required = spec.required
    record(
        session,
        None,
        "lesson.edit",
        "lesson",
        lesson.id,
        after={"version": number, "from_files": True},
    )
    return number


def _lesson_versions_of(session: Session, lesson: Lesson) -> int:
    return (
        session.scalar(
            select(func.max(LessonVersion.number)).where(LessonVersion.lesson_id == lesson.id)
        )
        or 0
    )


def load_media(load: CourseLoad) -> int:
    """The course's files from its folder, with the same rule as the other items: a file
    replaced in the browser since the last load is not overwritten (a conflict)."""
    session, course, snapshots = load.session, load.course, load.items
    existing = {
        media.name: media
        for media in session.scalars(select(MediaFile).where(MediaFile.course_id == course.id))
    }
    uploaded = set(
        session.scalars(select(MediaVersion.name).where(MediaVersion.course_id == course.id))
    )
    changed = 0
    for item in load.bundle.media:
        stored = existing.get(item.name)
        if stored is not None and stored.sha256 == item.sha256:
            snapshots.record("media", item.name, item.sha256, item.sha256)
            continue
        if stored is not None:
            clean = item.name not in uploaded
            decision = snapshots.decide("media", item.name, item.sha256, stored.sha256, clean)
            if decision == "same":
                continue
            if decision == "conflict":
                browser, files = {"sha256": stored.sha256[:12]}, {"sha256": item.sha256[:12]}
                conflict = Conflict("media", item.name, CHANGED, browser, files)
                if load.prefer_files:
                    # The file's version waits for a second admin, as a browser upload does.
                    session.add(
                        MediaVersion(
                            course_id=course.id,
                            name=item.name,
                            content_type=item.content_type,
                            sha256=item.sha256,
                            data=item.data,
                            status=ContentStatus.IN_REVIEW,
                            author_id=None,
                            created_at=utcnow(),
                        )
                    )
                    conflict = replace(conflict, resolved="uploaded for review")
                    snapshots.record("media", item.name, item.sha256, stored.sha256)
                load.report.conflicts.append(conflict)
                continue
        if stored is None:
            stored = MediaFile(course_id=course.id, name=item.name)
            session.add(stored)
        stored.content_type, stored.sha256, stored.data = item.content_type, item.sha256, item.data
        snapshots.record("media", item.name, item.sha256, item.sha256)
        changed += 1
    return changed
