"""Reads for authoring: courses and lessons in every state, the question bank with its
filters, and the history of a question or lesson with diffs between versions."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from learning.audit.models import AuditEntry
from learning.audit.queries import entries_for
from learning.auth.models import User
from learning.authoring.lessons import LESSONS
from learning.authoring.models import LessonVersion, MediaVersion
from learning.authoring.questions import QUESTIONS
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    MediaFile,
    Question,
    QuestionVersion,
)
from learning.text import fold


def all_courses(session: Session) -> Sequence[Course]:
    """Every course, whatever its state, by title."""
    return session.scalars(select(Course).order_by(Course.title)).all()


def course_lessons(session: Session, course_id: int) -> list[tuple[Lesson, ContentStatus]]:
    """The course's lessons in reading order (archived last), each with its authoring state."""
    lessons = session.scalars(
        select(Lesson).where(Lesson.course_id == course_id).order_by(Lesson.position, Lesson.id)
    ).all()
    latest = dict(
        session.execute(
            select(LessonVersion.lesson_id, func.max(LessonVersion.number))
            .where(LessonVersion.lesson_id.in_([lesson.id for lesson in lessons]))
            .group_by(LessonVersion.lesson_id)
        ).all()
    )
    working = {
        (v.lesson_id, v.number): v
        for v in session.scalars(
            select(LessonVersion).where(LessonVersion.lesson_id.in_(list(latest)))
        )
    }
    rows = [
        (lesson, LESSONS.state(lesson, working.get((lesson.id, latest.get(lesson.id, 0)))))
        for lesson in lessons
    ]
    return sorted(rows, key=lambda row: row[0].status is ContentStatus.ARCHIVED)


def media_files(session: Session, course_id: int) -> Sequence[tuple[str, str, int]]:
    """(name, content type, size in bytes) of the course's media."""
    return session.execute(
        select(MediaFile.name, MediaFile.content_type, func.length(MediaFile.data))
        .where(MediaFile.course_id == course_id)
        .order_by(MediaFile.name)
    ).all()


@dataclass(frozen=True)
class BankFilters:
    """The bank page's filters; None or "" means any."""

    course_id: int | None = None
    lesson_id: int | None = None
    tag: str = ""
    difficulty: str = ""
    type: str = ""
    status: str = ""
    text: str = ""


@dataclass(frozen=True)
class BankRow:
    question: Question
    working: QuestionVersion
    state: ContentStatus
    course: Course
    lesson: Lesson | None


BANK_PAGE_SIZE = 100


@dataclass(frozen=True)
class BankPage:
    """One page of the bank's matches, and how many match in all."""

    rows: list[BankRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // BANK_PAGE_SIZE))


def bank(session: Session, filters: BankFilters, *, page: int = 1) -> BankPage:
    """The `page`-th hundred of the questions matching the filters, with their newest
    version and state, and the number of matches. Text search matches every word of `text`
    against the newest version's text, choices, source and the question's key and tags,
    ignoring case and diacritics (done here: the bank is hundreds or a few thousand
    questions, and imports may bring versions without a search column)."""
    words = fold(filters.text).split()[:8]
    tag = fold(filters.tag)
    matches = []
    for question, version, course, lesson in session.execute(_bank_query(filters)).all():
        state = QUESTIONS.state(question, version)
        if _shown(filters, question, version, state, tag, words):
            matches.append(BankRow(question, version, state, course, lesson))
    # A page past the end (a link kept after questions were retired) shows the last one.
    page = min(max(page, 1), max(1, -(-len(matches) // BANK_PAGE_SIZE)))
    first = (page - 1) * BANK_PAGE_SIZE
    return BankPage(matches[first : first + BANK_PAGE_SIZE], len(matches), page)


def _bank_query(filters: BankFilters) -> Select[Any]:
    """Each question with its newest version, course and lesson, narrowed by the filters
    the database can apply (course, lesson, difficulty, type)."""
    newest = (
        select(QuestionVersion.question_id, func.max(QuestionVersion.number).label("number"))
        .group_by(QuestionVersion.question_id)
        .subquery()
    )
    query = (
        select(Question, QuestionVersion, Course, Lesson)
        .join(newest, newest.c.question_id == Question.id)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == newest.c.number),
        )
        .join(Course, Course.id == Question.course_id)
        .outerjoin(Lesson, Lesson.id == Question.lesson_id)
        .options(selectinload(QuestionVersion.choices))
        .order_by(Course.title, Lesson.position, Question.id)
    )
    if filters.course_id:
        query = query.where(Question.course_id == filters.course_id)
    if filters.lesson_id:
        query = query.where(Question.lesson_id == filters.lesson_id)
    if filters.difficulty:
        query = query.where(Question.difficulty == filters.difficulty)
    if filters.type:
        query = query.where(QuestionVersion.type == filters.type)
    return query


def _shown(
    filters: BankFilters,
    question: Question,
    version: QuestionVersion,
    state: ContentStatus,
    tag: str,
    words: list[str],
) -> bool:
    """Whether a question passes the filters read here: state, tag and the words."""
    if filters.status == "published":
        if question.status is not ContentStatus.PUBLISHED:
            return False
    elif filters.status and state.value != filters.status:
        return False
    if tag and tag not in {fold(t) for t in question.tags or []}:
        return False
    if not words:
        return True
    haystack = fold(
        " ".join(
            [
                question.key,
                version.text,
                version.source_document,
                version.source_article,
                " ".join(question.tags or []),
                *(c.text for c in version.choices),
            ]
        )
    )
    return all(word in haystack for word in words)


def bank_tags(session: Session) -> list[str]:
    """Every tag used in the bank, for the filter's list."""
    tags: set[str] = set()
    for row in session.scalars(select(Question.tags)):
        tags.update(row or [])
    return sorted(tags, key=fold)


def question_versions(session: Session, question_id: int) -> Sequence[QuestionVersion]:
    return session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question_id)
        .options(selectinload(QuestionVersion.choices))
        .order_by(QuestionVersion.number)
    ).all()


def question_as_text(version: QuestionVersion) -> list[str]:
    """A version as lines of text, for diffs: everything a worker sees or is graded on."""
    lines = [f"[{version.type.value}] {version.text}"]
    for choice in version.choices:
        mark = "✓" if choice.is_correct else "✗"
        lines.append(f"  {mark} {choice.text}")
        if choice.feedback:
            lines.append(f"      → {choice.feedback}")
    lines += [
        f"Giải thích: {version.explanation}",
        f"Nguồn: {version.source_document} — {version.source_article}",
    ]
    return lines


def lesson_as_text(version: LessonVersion) -> list[str]:
    lines = [f"# {version.title}", *version.body_markdown.splitlines()]
    lines += [f"Nguồn: {s.get('document', '')} — {s.get('section', '')}" for s in version.sources]
    return lines


@dataclass
class HistoryEntry:
    """One version: its number, author, time, state and its diff from the one before."""

    number: int
    author: str | None
    created_at: object
    status: ContentStatus
    is_live: bool
    diff: list[tuple[str, str]] = field(default_factory=list)


def _diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff; the template escapes every line."""
    out = []
    for line in list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        out.append((kind, line))
    return out


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(wanted))).all())


def question_history(session: Session, question: Question) -> list[HistoryEntry]:
    """The question's versions, newest first, each with who wrote it and its diff."""
    live = question.current_version if question.status is ContentStatus.PUBLISHED else None
    return _history(session, question_versions(session, question.id), question_as_text, live)


def lesson_history(session: Session, lesson: Lesson) -> list[HistoryEntry]:
    """The lesson's browser versions, newest first, with diffs."""
    versions = session.scalars(
        select(LessonVersion)
        .where(LessonVersion.lesson_id == lesson.id)
        .order_by(LessonVersion.number)
    ).all()
    live = lesson.version if lesson.status is ContentStatus.PUBLISHED else None
    return _history(session, versions, lesson_as_text, live)


def _history(
    session: Session,
    versions: Sequence[Any],
    as_text: Callable[[Any], list[str]],
    live_number: int | None,
) -> list[HistoryEntry]:
    """Versions (oldest first) as history entries, newest first, each diffed against the one
    before it; `live_number` is the version workers see, if any."""
    names = _names(session, {v.author_id for v in versions})
    entries, previous = [], []
    for version in versions:
        lines = as_text(version)
        entries.append(
            HistoryEntry(
                number=version.number,
                author=names.get(version.author_id) if version.author_id else None,
                created_at=version.created_at,
                status=version.status,
                is_live=version.number == live_number,
                diff=_diff(previous, lines),
            )
        )
        previous = lines
    return entries[::-1]


@dataclass(frozen=True)
class Event:
    action: str
    actor: str | None
    created_at: object
    comment: str


def events(session: Session, object_type: str, object_id: int) -> list[Event]:
    """Workflow steps on one object from the audit log, newest first, with who took them."""
    entries: Sequence[AuditEntry] = entries_for(session, object_type, object_id)
    names = _names(session, {e.actor_id for e in entries})
    return [
        Event(
            action=entry.action.split(".", 1)[-1],
            actor=names.get(entry.actor_id) if entry.actor_id else None,
            created_at=entry.created_at,
            comment=str((entry.after or {}).get("comment") or ""),
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class MediaUpload:
    """One upload of a course's file, for the history and the review list."""

    id: int
    name: str
    content_type: str
    size: int
    status: ContentStatus
    author: str | None
    created_at: dt.datetime
    approver: str | None


def media_uploads(session: Session, course_id: int) -> list[MediaUpload]:
    """Every upload of the course's files, newest first, with who uploaded and approved it."""
    author, approver = aliased(User), aliased(User)
    rows = session.execute(
        select(
            MediaVersion.id,
            MediaVersion.name,
            MediaVersion.content_type,
            func.length(MediaVersion.data),
            MediaVersion.status,
            author.full_name,
            MediaVersion.created_at,
            approver.full_name,
        )
        .outerjoin(author, author.id == MediaVersion.author_id)
        .outerjoin(approver, approver.id == MediaVersion.approved_by_id)
        .where(MediaVersion.course_id == course_id)
        .order_by(MediaVersion.id.desc())
    ).all()
    return [MediaUpload(*row) for row in rows]


def media_version(session: Session, course_id: int, version_id: int) -> MediaVersion | None:
    """One upload of the course (a pending one, for its reviewer to look at)."""
    version = session.get(MediaVersion, version_id)
    return version if version is not None and version.course_id == course_id else None
