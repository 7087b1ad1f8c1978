"""Quiz, Attempt, AttemptSlot (one drawn question of an attempt) and Regrade."""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.courses.models import QuestionVersion
from learning.db import Base, UTCDateTime, utcnow
from learning.org.models import enum_column


class QuizKind(enum.StrEnum):
    LESSON_CHECK = "lesson_check"
    COURSE_FINAL = "course_final"
    CONTEST_ROUND = "contest_round"


class GradingMethod(enum.StrEnum):
    """Which attempt's grade is the quiz grade (Moodle's names)."""

    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


class ReviewDetail(enum.StrEnum):
    """What a worker sees after submitting."""

    SCORE = "score"  # the score only
    CORRECTNESS = "correctness"  # which of their answers were right
    FULL = "full"  # the right answers, with explanation and source


class ReviewTiming(enum.StrEnum):
    IMMEDIATELY = "immediately"
    AFTER_CLOSE = "after_close"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Quiz(Base):
    """A quiz and its settings. Belongs to a lesson, a course or a contest round."""

    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("kind", "course_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[QuizKind] = mapped_column(enum_column(QuizKind))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    question_count: Mapped[int] = mapped_column(Integer)
    # Quotas: [{"count": 5, "lessons": ["slug", ...], "tags": ["tag", ...]}]; empty lists mean
    # any. Rules are drawn in order; what they leave of question_count comes from the rest.
    draw_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A quiz that belongs to no course (a contest round) draws from these courses' banks.
    bank_course_ids: Mapped[list[int] | None] = mapped_column(JSON)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    min_wait_seconds: Mapped[int] = mapped_column(Integer, default=0)
    pass_percent: Mapped[int] = mapped_column(Integer, default=70)
    grading_method: Mapped[GradingMethod] = mapped_column(
        enum_column(GradingMethod, 10), default=GradingMethod.HIGHEST
    )
    review_detail: Mapped[ReviewDetail] = mapped_column(
        enum_column(ReviewDetail, 12), default=ReviewDetail.FULL
    )
    review_timing: Mapped[ReviewTiming] = mapped_column(
        enum_column(ReviewTiming, 12), default=ReviewTiming.IMMEDIATELY
    )
    one_question_per_page: Mapped[bool] = mapped_column(default=True)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=60)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def results_visible(self, now: dt.datetime) -> bool:
        """Whether scores of this quiz's attempts may be shown to anyone (the worker, their
        officer, reports, item analysis, exports): a quiz reviewed after its close shows
        none before it closes, since others are still taking it."""
        if self.review_timing is ReviewTiming.AFTER_CLOSE:
            return self.closes_at is not None and now >= self.closes_at
        return True


class Attempt(Base):
    """One try at a quiz by one user. Its questions are fixed when it starts."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        Index("ix_attempts_user_id_quiz_id", "user_id", "quiz_id"),
        Index("ix_attempts_status_deadline_at", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus, 12), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # True when the deadline passed and the server graded the answers saved by then.
    is_auto_submitted: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column(Numeric(12, 6, asdecimal=False))
    max_score: Mapped[float | None] = mapped_column(Numeric(12, 6, asdecimal=False))
    percent: Mapped[float | None] = mapped_column(Numeric(9, 4, asdecimal=False))
    is_passed: Mapped[bool | None] = mapped_column()

    quiz: Mapped[Quiz] = relationship()
    slots: Mapped[list[AttemptSlot]] = relationship(
        back_populates="attempt", order_by="AttemptSlot.position"
    )

    def seconds_left(self, now: dt.datetime) -> int | None:
        """Whole seconds until the deadline (0 once it has passed); None without a limit."""
        if self.deadline_at is None:
            return None
        return max(0, math.floor((self.deadline_at - now).total_seconds()))


class AttemptSlot(Base):
    """A question as drawn into an attempt: its version, the order its choices were shown
    in, the answer saved so far and, once graded, its mark."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    choice_order: Mapped[list[int]] = mapped_column(JSON)  # choice ids, as displayed
    selected: Mapped[list[int]] = mapped_column(JSON, default=list)  # choice ids
    # Incremented by every save: a save carrying an older number comes from a stale page.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    mark: Mapped[float | None] = mapped_column(Numeric(12, 6, asdecimal=False))

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    question_version: Mapped[QuestionVersion] = relationship()


class Regrade(Base):
    """A change of an attempt's score by regrading, kept for the record."""

    __tablename__ = "regrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    regraded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    old_score: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    new_score: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    old_percent: Mapped[float] = mapped_column(Numeric(9, 4, asdecimal=False))
    new_percent: Mapped[float] = mapped_column(Numeric(9, 4, asdecimal=False))
    regraded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
