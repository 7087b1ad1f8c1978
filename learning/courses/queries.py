"""Reads for courses: what a worker may open, progress, completion, search, certificates."""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from textwrap import shorten
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session, defer

from learning.auth.models import User
from learning.courses.markdown import plain_text
from learning.courses.models import (
    Certificate,
    ContentReview,
    ContentStatus,
    Course,
    Lesson,
    LessonProgress,
    MediaFile,
    Question,
    QuestionVersion,
    Source,
    SourceDocument,
)
from learning.enrollment.queries import assigned_course_ids
from learning.quizzes.queries import final_results
from learning.text import fold

PUBLISHED = ContentStatus.PUBLISHED


@dataclass(frozen=True)
class CourseStatus:
    """A user's standing in one course."""

    course: Course
    required: int
    done: int
    started: bool
    next_lesson: Lesson | None
    has_final_quiz: bool = False
    final_passed: bool = False
    score_percent: float | None = None

    @property
    def lessons_done(self) -> bool:
        return self.required > 0 and self.done >= self.required

    @property
    def is_complete(self) -> bool:
        """Every required lesson done and, where the course has one, its final quiz passed."""
        return self.lessons_done and (self.final_passed or not self.has_final_quiz)


def published_course(session: Session, slug: str) -> Course | None:
    """A course workers may see, by slug."""
    return session.scalar(
        select(Course).where(
            Course.slug == slug, Course.status == PUBLISHED, ~Course.is_contest_bank
        )
    )


def published_course_by_id(session: Session, course_id: int) -> Course | None:
    return session.scalar(
        select(Course).where(
            Course.id == course_id, Course.status == PUBLISHED, ~Course.is_contest_bank
        )
    )


def lesson_by_id(session: Session, lesson_id: int) -> Lesson | None:
    return session.scalar(select(Lesson).where(Lesson.id == lesson_id, Lesson.status == PUBLISHED))


def published_lessons(session: Session, course_id: int) -> Sequence[Lesson]:
    """The course's lessons in reading order."""
    return session.scalars(
        select(Lesson)
        .where(Lesson.course_id == course_id, Lesson.status == PUBLISHED)
        .order_by(Lesson.position)
    ).all()


def published_lesson(session: Session, course_id: int, slug: str) -> Lesson | None:
    return session.scalar(
        select(Lesson).where(
            Lesson.course_id == course_id, Lesson.slug == slug, Lesson.status == PUBLISHED
        )
    )


def lesson_progress(session: Session, user_id: int, lesson_id: int) -> LessonProgress | None:
    return session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id
        )
    )


def completed_lesson_ids(session: Session, user_id: int, course_id: int) -> set[int]:
    """Ids of the course's lessons the user has done."""
    return set(
        session.scalars(
            select(LessonProgress.lesson_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.user_id == user_id,
                Lesson.course_id == course_id,
                LessonProgress.completed_at.is_not(None),
            )
        )
    )


def courses_for_user(
    session: Session, user: User, course_id: int | None = None
) -> list[CourseStatus]:
    """The published courses open to everyone or assigned to `user` (only `course_id` if
    given), each with the user's progress, in one query for the counts and one for the next
    lessons."""
    done = func.count(case((and_(LessonProgress.completed_at.is_not(None), Lesson.is_required), 1)))
    rows = session.execute(
        select(
            Course,
            func.count(func.distinct(case((Lesson.is_required, Lesson.id)))).label("required"),
            done.label("done"),
            func.count(LessonProgress.id).label("opened"),
        )
        .join(Lesson, and_(Lesson.course_id == Course.id, Lesson.status == PUBLISHED))
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user.id),
        )
        .where(
            Course.status == PUBLISHED,
            ~Course.is_contest_bank,
            or_(Course.is_open_to_all, Course.id.in_(assigned_course_ids(session, user))),
            Course.id == course_id if course_id is not None else true(),
        )
        .group_by(Course.id)
        .order_by(Course.title)
    ).all()
    course_ids = [row.Course.id for row in rows]
    next_lessons = _next_lessons(session, user.id, course_ids)
    finals = final_results(session, user.id, course_ids)
    return [
        CourseStatus(
            course=row.Course,
            required=row.required,
            done=row.done,
            started=row.opened > 0
            or (row.Course.id in finals and finals[row.Course.id].grade is not None),
            next_lesson=next_lessons.get(row.Course.id),
            has_final_quiz=row.Course.id in finals,
            final_passed=row.Course.id in finals and finals[row.Course.id].passed,
            score_percent=finals[row.Course.id].grade if row.Course.id in finals else None,
        )
        for row in rows
    ]


def _next_lessons(session: Session, user_id: int, course_ids: list[int]) -> dict[int, Lesson]:
    """For each course, the first lesson in order that the user has not done (without the
    lessons' bodies, which only the lesson page reads)."""
    if not course_ids:
        return {}
    lessons = session.scalars(
        select(Lesson)
        .options(defer(Lesson.body_markdown), defer(Lesson.body_html), defer(Lesson.search_text))
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id),
        )
        .where(
            Lesson.course_id.in_(course_ids),
            Lesson.status == PUBLISHED,
            LessonProgress.completed_at.is_(None),
        )
        .order_by(Lesson.course_id, Lesson.position)
    ).all()
    found: dict[int, Lesson] = {}
    for lesson in lessons:
        found.setdefault(lesson.course_id, lesson)
    return found


def course_status(session: Session, user: User, course: Course) -> CourseStatus:
    """The user's standing in one course."""
    found = courses_for_user(session, user, course.id)
    if found:
        return found[0]
    lessons = published_lessons(session, course.id)
    return CourseStatus(course, sum(lesson.is_required for lesson in lessons), 0, False, None)


def certificate_for(session: Session, user_id: int, course_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id
        )
    )


def normalise_certificate_code(code: str) -> str:
    """A code as printed (XXXX-XXXX-XXXX), however it was typed: lower case, without the
    dashes, with spaces. Anything that is not 12 letters and digits is returned as typed."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(raw) == 12 and raw.isascii():
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    return code.strip().upper()


def certificate_by_code(session: Session, code: str) -> Certificate | None:
    """The certificate with this code, typed in any case, with or without its dashes."""
    wanted = normalise_certificate_code(code)
    return session.scalar(select(Certificate).where(Certificate.code == wanted))


def media_file(session: Session, course_id: int, name: str) -> MediaFile | None:
    return session.scalar(
        select(MediaFile).where(MediaFile.course_id == course_id, MediaFile.name == name)
    )


def course_sources(session: Session, course_id: int) -> dict[str, Source]:
    """The course's cited sources by key (a question's source names one)."""
    sources = session.scalars(select(Source).where(Source.course_id == course_id))
    return {source.key: source for source in sources}


@dataclass(frozen=True)
class SearchHit:
    course: Course
    lesson: Lesson | None
    # (text before, the match, text after), from the lesson's text or the course's summary.
    snippet: tuple[str, str, str] | None = None


# Matches are fetched up to this many before ranking, so a title match is not cut off by
# the order the database returns.
_SEARCH_POOL = 200


def search(session: Session, text: str, *, limit: int = 30) -> list[SearchHit]:
    """Published courses and lessons whose title or text contains every word of `text`,
    ignoring case and diacritics: lessons whose title holds the words first, then courses,
    then lessons that hold them only in their text; each with a snippet around the match."""
    words = fold(text).split()[:8]
    if not words:
        return []

    def contains_all(column):  # type: ignore[no-untyped-def]
        return and_(*(column.like(f"%{_escape(word)}%", escape="\\") for word in words))

    def in_title(title: str) -> bool:
        folded = fold(title)
        return all(word in folded for word in words)

    courses = session.scalars(
        select(Course)
        .where(
            Course.status == PUBLISHED, ~Course.is_contest_bank, contains_all(Course.search_text)
        )
        .order_by(Course.title)
        .limit(_SEARCH_POOL)
    ).all()
    lessons = session.execute(
        select(Lesson, Course)
        .join(Course, Course.id == Lesson.course_id)
        .where(
            Course.status == PUBLISHED,
            ~Course.is_contest_bank,
            Lesson.status == PUBLISHED,
            contains_all(Lesson.search_text),
        )
        .order_by(Course.title, Lesson.position)
        .limit(_SEARCH_POOL)
    ).all()
    ranked: list[tuple[int, SearchHit]] = []
    for course in courses:
        hit = SearchHit(course, None, snippet(course.summary or "", words))
        ranked.append((1 if in_title(course.title) else 3, hit))
    for row in lessons:
        body = html.unescape(plain_text(row.Lesson.body_html))
        hit = SearchHit(row.Course, row.Lesson, snippet(body, words))
        ranked.append((0 if in_title(row.Lesson.title) else 2, hit))
    ranked.sort(key=lambda pair: pair[0])  # stable: keeps course and lesson order within
    return [hit for _, hit in ranked[:limit]]


def snippet(text: str, words: list[str], width: int = 70) -> tuple[str, str, str] | None:
    """About `width` characters either side of `words` (already folded) where they appear
    together in `text`, else of the first one found, compared without case and diacritics;
    None when none is there."""
    folded: list[str] = []
    origin: list[int] = []  # index in `text` of each folded character
    for index, char in enumerate(text):
        if char.isspace():
            if folded and folded[-1] != " ":
                folded.append(" ")
                origin.append(index)
            continue
        for piece in fold(char):
            folded.append(piece)
            origin.append(index)
    haystack = "".join(folded)
    phrase = " ".join(words)
    if phrase in haystack:  # the words as typed, together: mark them all
        found = [(haystack.find(phrase), phrase)]
    else:
        found = [(haystack.find(word), word) for word in words if word in haystack]
    if not found:
        return None
    at, word = min(found)
    start, end = origin[at], origin[at + len(word) - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    before, after = text[max(0, start - width) : start], text[end : end + width]
    if start > width:  # begin and end on whole words
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end + width < len(text):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    return " ".join(before.split(" ")).lstrip(), text[start:end], after


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- the review loop of the register of source documents -----------------------------------


@dataclass(frozen=True)
class DocumentChange:
    """A recorded change of a cited document, as the review queue shows it."""

    document_key: str
    title: str
    number: str
    text: str
    applies_from: dt.date | None
    # From when content citing the document is due for review (see `due_for_review`).
    due_from: dt.datetime


@dataclass(frozen=True)
class ReviewItem:
    """A published lesson or question citing a document changed since it was last reviewed."""

    kind: str  # "lesson" | "question"
    id: int
    course_title: str
    label: str
    last_reviewed: dt.datetime
    changes: list[DocumentChange]


def _dated_changes(session: Session) -> dict[str, list[DocumentChange]]:
    """Every dated (not pending) change of the register, by each key that names its
    document (key and aliases)."""
    by_key: dict[str, list[DocumentChange]] = {}
    for document in session.scalars(select(SourceDocument)):
        changes = []
        for change in document.changes or []:
            if change.get("pending") or not change.get("known_on"):
                continue
            known = dt.datetime.combine(
                dt.date.fromisoformat(change["known_on"]), dt.time(), tzinfo=dt.UTC
            )
            recorded = dt.datetime.fromisoformat(change.get("recorded_at") or known.isoformat())
            applies = change.get("from")
            changes.append(
                DocumentChange(
                    document_key=document.key,
                    title=document.title,
                    number=document.number,
                    text=change.get("text") or "",
                    applies_from=dt.date.fromisoformat(applies) if applies else None,
                    # A change is news from the day its document was signed or applies,
                    # whichever is first, and at the latest from when it was recorded
                    # (a change dated in the future is reviewed as soon as it is known).
                    due_from=min(known, recorded),
                )
            )
        if changes:
            for key in [document.key, *(document.aliases or [])]:
                by_key[key] = changes
    return by_key


def due_for_review(session: Session) -> list[ReviewItem]:
    """Published lessons and questions citing a document whose recorded change is later
    than the item's last review (its latest ContentReview, or its own last change of
    text, whichever is later): the "Cần rà soát" queue, by course."""
    changes = _dated_changes(session)
    if not changes:
        return []
    lesson_reviews = _last_reviews(session, ContentReview.lesson_id)
    question_reviews = _last_reviews(session, ContentReview.question_id)
    return [
        *_lessons_due(session, changes, lesson_reviews),
        *_questions_due(session, changes, question_reviews),
    ]


def _last_reviews(session: Session, column: Any) -> dict[int, dt.datetime]:
    """The latest review of each lesson or question (`column`: the review's lesson_id or
    question_id)."""
    return dict(
        session.execute(
            select(column, func.max(ContentReview.reviewed_at))
            .where(column.is_not(None))
            .group_by(column)
        ).all()
    )


def _lessons_due(
    session: Session,
    changes: dict[str, list[DocumentChange]],
    reviews: dict[int, dt.datetime],
) -> list[ReviewItem]:
    """The published lessons due for review, by course and position."""
    lessons = session.execute(
        select(Lesson, Course.title)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.status == PUBLISHED)
        .order_by(Course.title, Lesson.position)
    ).all()
    items = []
    for lesson, course_title in lessons:
        keys = {ref.get("document", "") for ref in lesson.sources or []}
        item = _review_item(
            "lesson",
            lesson.id,
            course_title,
            lesson.title,
            keys,
            changes,
            lesson.updated_at,
            reviews.get(lesson.id),
        )
        if item:
            items.append(item)
    return items


def _questions_due(
    session: Session,
    changes: dict[str, list[DocumentChange]],
    reviews: dict[int, dt.datetime],
) -> list[ReviewItem]:
    """The published questions (their current versions) due for review, by course and key."""
    questions = session.execute(
        select(
            Question.id,
            Question.key,
            QuestionVersion.text,
            QuestionVersion.source_document,
            QuestionVersion.created_at,
            Course.title,
        )
        .join(
            QuestionVersion,
            and_(
                QuestionVersion.question_id == Question.id,
                QuestionVersion.number == Question.current_version,
            ),
        )
        .join(Course, Course.id == Question.course_id)
        .where(Question.status == PUBLISHED)
        .order_by(Course.title, Question.key)
    ).all()
    items = []
    for question_id, key, text, document, created_at, course_title in questions:
        label = f"{key}: {shorten(text, 140, placeholder=' …')}"
        item = _review_item(
            "question",
            question_id,
            course_title,
            label,
            {document},
            changes,
            created_at,
            reviews.get(question_id),
        )
        if item:
            items.append(item)
    return items


def _review_item(
    kind: str,
    item_id: int,
    course_title: str,
    label: str,
    keys: set[str],
    changes: dict[str, list[DocumentChange]],
    written_at: dt.datetime,
    reviewed_at: dt.datetime | None,
) -> ReviewItem | None:
    if reviewed_at is not None and reviewed_at.tzinfo is None:
        reviewed_at = reviewed_at.replace(tzinfo=dt.UTC)  # SQLite: max() loses the type
    last = max(written_at, reviewed_at) if reviewed_at else written_at
    due = [c for key in sorted(keys) for c in changes.get(key, []) if c.due_from > last]
    if not due:
        return None
    return ReviewItem(kind, item_id, course_title, label, last, due)


def pending_changes(session: Session) -> list[tuple[SourceDocument, dict[str, Any]]]:
    """Changes the register records as pending (ordered, not yet adopted), by document."""
    return [
        (document, change)
        for document in session.scalars(select(SourceDocument).order_by(SourceDocument.key))
        for change in document.changes or []
        if change.get("pending")
    ]


# What a lesson page weighs around its text (header, menu, progress, forms, footer), as
# measured on the demo courses' lesson pages (about 5-6 KB); used only for an estimate.
LESSON_PAGE_FRAME_BYTES = 6 * 1024


@dataclass(frozen=True)
class OfflineBundle:
    """What downloading a course for offline reading stores: its pages' URLs (the course
    page, its lessons, their images and documents) and about how many bytes they take."""

    urls: list[str]
    bytes: int
    lessons: int
    media: int


def offline_bundle(session: Session, course: Course, lessons: Sequence[Lesson]) -> OfflineBundle:
    """The course's offline bundle; sizes from the lessons' HTML and the stored files, the
    files' bytes counted by the database, not loaded."""
    media = session.execute(
        select(MediaFile.name, func.length(MediaFile.data)).where(MediaFile.course_id == course.id)
    ).all()
    base = f"/courses/{course.slug}"
    urls = [base, *(f"{base}/lessons/{lesson.slug}" for lesson in lessons)]
    urls += [f"{base}/lessons/media/{name}" for name, _size in media]
    text_bytes = sum(len(lesson.body_html.encode()) for lesson in lessons)
    size = text_bytes + LESSON_PAGE_FRAME_BYTES * (len(lessons) + 1)
    size += sum(int(size or 0) for _name, size in media)
    return OfflineBundle(urls=urls, bytes=size, lessons=len(lessons), media=len(media))
