"""Writes for lessons edited in the browser: a lesson's text saved as a new DRAFT version
(LessonVersion), and its place in the course's reading order; the lesson's review steps are
`LESSONS` (submit, approve, send_back, retire: the workflow of workflow.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.courses import CourseContent, slugify
from learning.authoring.models import LessonVersion
from learning.authoring.workflow import ARCHIVED, DRAFT, IN_REVIEW, WrongState
from learning.courses.markdown import plain_text, render_markdown
from learning.courses.models import Course, Lesson
from learning.db import utcnow
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _
from learning.text import fold, nfc


@dataclass
class LessonDraft:
    title: str
    body_markdown: str
    sources: list[dict[str, str]] = field(default_factory=list)
    is_required: bool = True


def parse_sources(text: str) -> list[dict[str, str]]:
    """Lesson citations typed one per line as "document | section"."""
    sources = []
    for line in text.splitlines():
        if not line.strip():
            continue
        document, _sep, section = line.partition("|")
        sources.append({"document": nfc(document)[:100], "section": nfc(section)[:300]})
    return sources[:30]


def format_sources(sources: list[dict[str, str]]) -> str:
    return "\n".join(f"{s.get('document', '')} | {s.get('section', '')}" for s in sources or [])


def _apply_to_lesson(lesson: Lesson, version: LessonVersion) -> None:
    lesson.title = version.title
    lesson.body_markdown = version.body_markdown
    lesson.body_html = render_markdown(version.body_markdown)
    lesson.search_text = fold(f"{version.title} {plain_text(lesson.body_html)}")
    lesson.sources = list(version.sources)
    lesson.is_required = version.is_required
    lesson.updated_at = utcnow()


def lesson_working_version(session: Session, lesson: Lesson) -> LessonVersion | None:
    """The newest browser version of a lesson (None: never edited in the browser)."""
    return session.scalar(
        select(LessonVersion)
        .where(LessonVersion.lesson_id == lesson.id)
        .order_by(LessonVersion.number.desc())
        .limit(1)
    )


def save_lesson(
    session: Session, actor: User, course: Course, lesson: Lesson | None, draft: LessonDraft
) -> Lesson:
    """Create a lesson, or save an edit as a new DRAFT version. A published lesson keeps
    showing workers its published text until the new version is approved."""
    title, body = nfc(draft.title)[:300], draft.body_markdown.replace("\r\n", "\n")
    if not title or not body.strip():
        raise InvalidInput(_("A lesson needs a title and a text."))
    if lesson is None:
        lesson, working = _new_lesson(session, course, title), None
    else:
        working = _working_for_edit(session, course, lesson)
    if working is not None and (
        working.title == title
        and working.body_markdown == body
        and working.sources == draft.sources
        and working.is_required == draft.is_required
    ):
        return lesson
    version = LessonVersion(
        number=(working.number + 1) if working is not None else 1,
        title=title,
        body_markdown=body,
        sources=draft.sources,
        is_required=draft.is_required,
        status=DRAFT,
        author_id=actor.id,
        created_at=utcnow(),
    )
    if lesson.status in (DRAFT, IN_REVIEW):
        # Nobody but admins sees an unpublished lesson: its row follows the draft, and an
        # edit during review goes back to draft.
        lesson.status = DRAFT
        _apply_to_lesson(lesson, version)
    session.flush()
    version.lesson_id = lesson.id
    session.add(version)
    session.flush()
    record(session, actor.id, "lesson.edit", "lesson", lesson.id, after={"version": version.number})
    return lesson


def _new_lesson(session: Session, course: Course, title: str) -> Lesson:
    """A new DRAFT lesson at the end of the course, its slug made from its title."""
    slug, n = slugify(title), 1
    while session.scalar(
        select(Lesson.id).where(Lesson.course_id == course.id, Lesson.slug == slug)
    ):
        n += 1
        slug = f"{slugify(title)[:75]}-{n}"
    position = session.scalar(
        select(func.max(Lesson.position)).where(Lesson.course_id == course.id)
    )
    lesson = Lesson(
        course_id=course.id, slug=slug, position=(position or 0) + 1, status=DRAFT, version=1
    )
    session.add(lesson)
    return lesson


def _working_for_edit(session: Session, course: Course, lesson: Lesson) -> LessonVersion:
    """The version an edit of `lesson` follows; a lesson loaded from files gets its first."""
    if lesson.course_id != course.id:
        raise NotFound()
    if lesson.status is ARCHIVED:
        raise WrongState(_("An archived lesson cannot be edited."))
    working = lesson_working_version(session, lesson)
    if working is None:
        # Loaded from files: its published text becomes its first version.
        working = LessonVersion.of_published(lesson)
        session.add(working)
    return working


def lesson_review_problems(version: LessonVersion) -> list[str]:
    """Why a lesson version cannot go to review: content is facts, so it cites a source."""
    if not version.sources or not all(
        s.get("document") and s.get("section") for s in version.sources
    ):
        return [_("Cite at least one source document and section before sending to review.")]
    return []


class LessonWorkflow(CourseContent[Lesson, LessonVersion]):
    """A lesson's review: workers read the lesson row, so approving a version copies its
    text into it; a lesson never edited in the browser has no working version."""

    name = "lesson"

    def working(self, session: Session, item: Lesson) -> LessonVersion | None:
        return lesson_working_version(session, item)

    def problems(self, version: LessonVersion) -> list[str]:
        return lesson_review_problems(version)

    def publish(self, session: Session, item: Lesson, version: LessonVersion) -> None:
        _apply_to_lesson(item, version)
        item.version = version.number

    def live_number(self, item: Lesson) -> int:
        return item.version


LESSONS = LessonWorkflow()


def move_lesson(session: Session, actor: User, lesson: Lesson, offset: int) -> None:
    """Move a lesson one place up (-1) or down (+1) in its course's reading order."""
    lessons = list(
        session.scalars(
            select(Lesson)
            .where(Lesson.course_id == lesson.course_id, Lesson.status != ARCHIVED)
            .order_by(Lesson.position, Lesson.id)
        )
    )
    index = next((i for i, item in enumerate(lessons) if item.id == lesson.id), None)
    if index is None or not 0 <= index + offset < len(lessons):
        return
    lessons[index], lessons[index + offset] = lessons[index + offset], lessons[index]
    for position, item in enumerate(lessons, start=1):
        item.position = position
    record(
        session,
        actor.id,
        "lesson.move",
        "lesson",
        lesson.id,
        after={"position": index + offset + 1},
    )
    session.flush()
