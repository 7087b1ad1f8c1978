"""Contest, its rounds, entrants (who registered, as what, from which unit), the prediction
each entrant gives per round, and the ranking stored when a round closes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.auth.models import Gender
from learning.db import Base, UTCDateTime, utcnow
from learning.i18n import lazy_gettext as _l
from learning.org.models import enum_column
from learning.quizzes.models import Quiz


class Category(enum.StrEnum):
    """How an entrant stands towards the union; results are reported per category."""

    OFFICIAL = "official"
    MEMBER = "member"
    NON_MEMBER = "non_member"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.OFFICIAL: _l("Union official"),
    Category.MEMBER: _l("Union member"),
    Category.NON_MEMBER: _l("Worker, not a union member"),
}


class Contest(Base):
    """A contest: its rules, who may enter, and the settings of its prize lists."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    rules: Mapped[str] = mapped_column(Text, default="")
    # People without an account may register (naming their unit); otherwise only accounts
    # of the contest's units (or every account, when it names no unit) may enter.
    allows_registration: Mapped[bool] = mapped_column(default=True)
    is_published: Mapped[bool] = mapped_column(default=False)
    prize_count: Mapped[int] = mapped_column(Integer, default=10)
    award_min_members: Mapped[int] = mapped_column(Integer, default=10)
    # An attempt finished in less than this share of the time limit is listed as suspicious.
    suspicious_percent: Mapped[int] = mapped_column(Integer, default=20)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rounds: Mapped[list[Round]] = relationship(
        back_populates="contest", order_by="Round.number", cascade="all, delete-orphan"
    )


class ContestUnit(Base):
    """A unit (with its subtree) the contest is open to; none: open to everyone."""

    __tablename__ = "contest_units"

    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )


class Round(Base):
    """A round: its quiz (times, time limit, attempts) and, once closed, its true number."""

    __tablename__ = "contest_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), unique=True)
    has_prediction: Mapped[bool] = mapped_column(default=True)
    # Set when the round is ranked (after it closed): the participants who answered every
    # question right, and the moment the ranking was stored.
    true_number: Mapped[int | None] = mapped_column(Integer)
    ranked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    contest: Mapped[Contest] = relationship(back_populates="rounds")
    quiz: Mapped[Quiz] = relationship(lazy="joined")


class Entrant(Base):
    """A person entered in a contest. What they declared is kept; an officer of their unit
    may confirm or correct the unit and the category before results are published."""

    __tablename__ = "contest_entrants"
    __table_args__ = (
        UniqueConstraint("contest_id", "user_id"),
        Index("ix_contest_entrants_contest_id_unit_id", "contest_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The unit and category that count (as declared, or as the officer corrected them).
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    category: Mapped[Category] = mapped_column(enum_column(Category, 12))
    declared_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    declared_category: Mapped[Category] = mapped_column(enum_column(Category, 12))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, 10))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # For the suspicious-registrations list: many accounts from one address in a short time.
    registered_from: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Prediction(Base):
    """An entrant's answer to the round's prediction question (the last one given counts)."""

    __tablename__ = "contest_predictions"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(Integer)
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoundResult(Base):
    """One line of a round's ranking, stored once when the round is ranked.

    A record of the close, not a reference that follows later changes: the user and the
    attempt ranked are kept by id without foreign keys (migration 0017 says why: a million
    rows are written at a close, and the keys were checked a row at a time). `close_round`
    writes them from the attempts in one statement and checks them as a set."""

    __tablename__ = "contest_results"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        Index("ix_contest_results_round_id_rank", "round_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    max_score: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    milliseconds_used: Mapped[int] = mapped_column(Integer)
    prediction: Mapped[int | None] = mapped_column(Integer)
    distance: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
