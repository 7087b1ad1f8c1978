"""Courses, their sources and lessons, the versioned question bank, progress and certificates."""

from __future__ import annotations

import datetime as dt
import enum
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.db import Base, UTCDateTime, utcnow
from learning.org.models import enum_column


class ContentStatus(enum.StrEnum):
    """Where a piece of content stands; workers only ever see PUBLISHED."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ReviewSteps:
    """Who sent a reviewed thing (a question, lesson or media version, a course) to review and
    who approved it, and when. The four-eyes rule reads them here (authoring/workflow.py);
    the audit log tells the story but decides nothing."""

    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class Difficulty(enum.StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Scoring(enum.StrEnum):
    """How a multiple-choice question is marked."""

    PARTIAL = "partial"
    ALL_OR_NOTHING = "all_or_nothing"


class Course(ReviewSteps, Base):
    """A topic (chuyên đề) made of lessons, with a question bank and a final quiz."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.PUBLISHED
    )
    is_open_to_all: Mapped[bool] = mapped_column(default=True)
    # The final quiz's settings as the course file names them (question_count,
    # time_limit_minutes, pass_percent, attempts_allowed, grading_method).
    final_quiz: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A bank kept for contests: its questions are in no course quiz (so no review ever shows
    # their answers) and workers never see it as a course; contest rounds draw from it.
    is_contest_bank: Mapped[bool] = mapped_column(default=False, server_default=false())
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who last changed the title or summary in the browser: not the course's approver.
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sources: Mapped[list[Source]] = relationship(
        back_populates="course", order_by="Source.id", cascade="all, delete-orphan"
    )


class Source(Base):
    """A document that lessons and questions cite (a law, a resolution, a directive)."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    number: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    in_force_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="sources")


class Lesson(Base):
    """One part of a course: Markdown, rendered once to sanitized HTML when it changes."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    is_required: Mapped[bool] = mapped_column(default=True)
    # [{"document": source key, "section": "Điều 13–29"}, ...]
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.PUBLISHED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()


class Question(Base):
    """A bank question. Its text and choices live in versions; `current_version` is the one
    new attempts use, and older versions stay for the attempts that saw them."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    difficulty: Mapped[Difficulty] = mapped_column(enum_column(Difficulty, 10))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.PUBLISHED
    )
    current_version: Mapped[int] = mapped_column(Integer, default=1)

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )


class QuestionVersion(ReviewSteps, Base):
    """What a question said at one time: never changed once an attempt may have used it."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, 12))
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(String(100))
    source_article: Mapped[str] = mapped_column(String(300))
    scoring: Mapped[Scoring] = mapped_column(enum_column(Scoring, 16), default=Scoring.PARTIAL)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Where this version stands in the review workflow (authoring). Versions loaded from
    # files are published; a browser edit of a published question is a DRAFT version that
    # workers never see until it is approved and becomes `current_version`.
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.PUBLISHED, server_default="published"
    )
    # Who wrote this version (None: loaded from the course files).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # How the texts of this version (question, choices, feedback, explanation) are written,
    # Moodle's four formats: plain (shown as typed), markdown, html, moodle (HTML with line
    # breaks kept). Rendered by courses/markdown.py `render_text`.
    text_format: Mapped[str] = mapped_column(String(10), default="plain", server_default="plain")
    # The question's name as an exchange file gave it (GIFT ::Name::, Moodle XML <name>);
    # None: made from the text when exported.
    name: Mapped[str | None] = mapped_column(String(255))

    question: Mapped[Question] = relationship(back_populates="versions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="version", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(Base):
    """An answer option of one question version."""

    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(Text)
    # The choice's exact weight in -1..1 as a fraction (Moodle's answer fraction, e.g. -1/3),
    # when an exchange file or an author gave one; both None: the weight follows from
    # is_correct as it always did (learning/quizzes/grading.py).
    weight_numerator: Mapped[int | None] = mapped_column(Integer)
    weight_denominator: Mapped[int | None] = mapped_column(Integer)

    version: Mapped[QuestionVersion] = relationship(back_populates="choices")

    @property
    def weight(self) -> Fraction | None:
        if self.weight_numerator is None or not self.weight_denominator:
            return None
        return Fraction(self.weight_numerator, self.weight_denominator)

    @weight.setter
    def weight(self, value: Fraction | None) -> None:
        if value is None:
            self.weight_numerator = self.weight_denominator = None
        else:
            self.weight_numerator, self.weight_denominator = value.numerator, value.denominator


class MediaFile(Base):
    """An image or PDF that a lesson links to, stored in the database so that every app
    server can serve it."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LoadedItem(Base):
    """What `courses load` last wrote for one item of a course: `kind` is "course" (title
    and summary), "quiz" (the final quiz's settings), "lesson" or "question", `key` the
    lesson's slug or the question's key. `file_hash` fingerprints the item as its file said
    it, `state_hash` the item as the database held it right after that load. The next load
    compares both: a file that changed while the database did not is loaded as before; a
    database that changed too (the browser) is a conflict, reported, never overwritten."""

    __tablename__ = "loaded_items"
    __table_args__ = (UniqueConstraint("course_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    file_hash: Mapped[str] = mapped_column(String(64))
    state_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonProgress(Base):
    """A worker's progress in a lesson: when first opened, when done."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Certificate(Base):
    """A certificate of completion (giấy chứng nhận). The names are copied at issue time so
    that the certificate keeps saying what it said when printed."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    score_percent: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    holder_name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str] = mapped_column(String(255))
    course_title: Mapped[str] = mapped_column(String(300))


class SourceDocument(Base):
    """A document of the register (`courses/sources.yaml`), as last loaded: what it is and
    its recorded changes (amended or replaced by another document, from a date)."""

    __tablename__ = "source_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    number: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(300))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    in_force_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # Other keys course files use for it.
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"kind": "amended", "by": key or number, "from": "2026-07-01", "pending": false,
    #   "provisions": ..., "note": ..., "known_on": "2025-12-10", "text": one line}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContentReview(Base):
    """An admin's statement that a lesson or a question was checked against its sources as
    they stand (the review loop of the register). The latest one per item counts."""

    __tablename__ = "content_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The changes the reviewer had in front of them: [{"document": key, "text": ...}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
