"""Reads for courses: what a worker may open, progress, completion, search, certificates."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.markdown import plain_text
from learning.courses.models import (
    Certificate,
    ContentStatus,
    Course,
    Lesson,
    LessonProgress,
    MediaFile,
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
    return session.scalar(select(Course).where(Course.slug == slug, Course.status == PUBLISHED))


def published_course_by_id(session: Session, course_id: int) -> Course | None:
    return session.scalar(select(Course).where(Course.id == course_id, Course.status == PUBLISHED))


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


def courses_for_user(session: Session, user: User) -> list[CourseStatus]:
    """The published courses open to everyone or assigned to `user`, each with the user's
    progress, in one query for the counts and one for the next lessons."""
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
            or_(Course.is_open_to_all, Course.id.in_(assigned_course_ids(session, user))),
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
    """For each course, the first lesson in order that the user has not done."""
    if not course_ids:
        return {}
    lessons = session.scalars(
        select(Lesson)
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
    for status in courses_for_user(session, user):
        if status.course.id == course.id:
            return status
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
        .where(Course.status == PUBLISHED, contains_all(Course.search_text))
        .order_by(Course.title)
        .limit(_SEARCH_POOL)
    ).all()
    lessons = session.execute(
        select(Lesson, Course)
        .join(Course, Course.id == Lesson.course_id)
        .where(
            Course.status == PUBLISHED,
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
