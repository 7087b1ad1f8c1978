"""LessonVersion: what a lesson said at one time, and where that text stands in review;
MediaVersion: each upload of a course's image or PDF, and its review.

The `lessons` row keeps the published text that workers read; a browser edit is a new
version here, copied into the lesson only when a second admin approves it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning.courses.models import ContentStatus, Lesson, ReviewSteps
from learning.db import Base, UTCDateTime, utcnow
from learning.org.models import enum_column


class LessonVersion(ReviewSteps, Base):
    """One version of a lesson's text, title, cited sources and required flag."""

    __tablename__ = "lesson_versions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text)
    # [{"document": source key, "section": "Điều 13–29"}, ...] as on Lesson
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.DRAFT
    )
    # Who wrote it (None: the text loaded from the course files); who sent it to review and
    # who approved it are the ReviewSteps columns.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @classmethod
    def of_published(cls, lesson: Lesson) -> LessonVersion:
        """The lesson's published text as its version `lesson.version`, written by nobody: a
        lesson loaded from files gets it before its first browser version, so that its
        history starts from what workers read."""
        return cls(
            lesson_id=lesson.id,
            number=lesson.version,
            title=lesson.title,
            body_markdown=lesson.body_markdown,
            sources=list(lesson.sources or []),
            is_required=lesson.is_required,
            status=lesson.status,
            author_id=None,
            created_at=lesson.updated_at,
        )


class MediaVersion(ReviewSteps, Base):
    """One upload of a course's image or PDF, and where it stands in review. For a published
    course an upload waits here (workers keep the file they had) until a second admin
    approves it; then it becomes the course's MediaFile. Every upload is kept: the history
    of who uploaded what, and who approved it."""

    __tablename__ = "media_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus), default=ContentStatus.IN_REVIEW
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
