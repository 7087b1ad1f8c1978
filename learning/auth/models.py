"""User: a worker, officer or admin account."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.db import Base, UTCDateTime, utcnow
from learning.i18n import lazy_gettext as _l
from learning.org.models import Unit, enum_column


class Role(enum.StrEnum):
    """What an account may do; an officer's reach is the subtree of their unit."""

    WORKER = "worker"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.WORKER: _l("Member / worker"),
    Role.OFFICER: _l("Union officer"),
    Role.ADMIN: _l("Administrator"),
}


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(GENDER_LABELS[self])


GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male"), Gender.OTHER: _l("Other")}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    """A learner or staff account. Workers log in with a phone number or member code."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    member_code: Mapped[str | None] = mapped_column(String(50), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, 10))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 10), default=Role.WORKER)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Registered through a unit's join link and waiting for an officer (cannot log in yet).
    is_pending: Mapped[bool] = mapped_column(default=False)
    # When the account stopped being a member (left the union): reports over earlier dates
    # still count them.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When an officer's roster (an import, an approval) said this account is a member's. A
    # self-registration stays unconfirmed (None) and gives way to the roster: an officer may
    # take its phone number over for the member the list names.
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Rotated on logout and password change: a cookie that carries an old token stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        """Flask-Login's alternative id: the user id and the current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_officer(self) -> bool:
        return self.role is Role.OFFICER

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class UnitMembership(Base):
    """Which unit a user belonged to, from when until when: reports over past dates count
    people where they were then."""

    __tablename__ = "unit_memberships"
    __table_args__ = (Index("ix_unit_memberships_unit_id_started_at", "unit_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """Failed logins counted in one time window for one bucket (an account, an address, a
    trusted device): the login limits' store when there is no Redis. Every gunicorn process
    (and server) using the database sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        UniqueConstraint("bucket", "period", "window_start"),
        Index("ix_login_failures_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(200))
    period: Mapped[int] = mapped_column()  # seconds: 60 for "per minute"
    window_start: Mapped[int] = mapped_column(BigInteger)  # Unix time, a multiple of period
    expires_at: Mapped[int] = mapped_column(BigInteger)  # Unix time the row stops counting
    hits: Mapped[int] = mapped_column(default=0)
