"""Writes to accounts: create, authenticate, change and reset passwords, end sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from learning.auth.models import Gender, Role, UnitMembership, User, new_session_token
from learning.auth.passwords import (
    hash_password,
    hash_temporary_password,
    needs_rehash,
    verify_password,
)
from learning.auth.queries import find_user_by_login
from learning.db import UTCDateTime, utcnow
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.org.models import Unit
from learning.text import fold, nfc, normalise_phone

# No 0/O, 1/l/I: a temporary password is read off a paper slip.
_SLIP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
MIN_PASSWORD_LENGTH = 8


class PasswordIncorrect(InvalidInput):
    """The current password given to change it is wrong."""


def temporary_password(length: int = 10) -> str:
    """A random password for a login slip."""
    return "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(length))


def new_slip_key() -> str:
    """A random key that one issue of login slips derives its passwords from."""
    return secrets.token_hex(32)


def slip_password(slip_key: str, login: str, length: int = 10) -> str:
    """The temporary password of `login` in the issue of slips keyed `slip_key`: derived
    (HMAC-SHA256 with the server's secret), so that the same slips can be downloaded as PDF
    and as XLSX without storing a password or issuing new ones. Reading it back takes both
    the database and the secret key; a new key voids the slips of the old one."""
    secret = hashlib.sha256(b"slip-password:" + current_app.config["SECRET_KEY"].encode())
    chars: list[str] = []
    counter = 0
    limit = 256 - 256 % len(_SLIP_ALPHABET)  # rejection sampling: every character as likely
    while len(chars) < length:
        message = f"{slip_key}:{login}:{counter}".encode()
        for byte in hmac.new(secret.digest(), message, hashlib.sha256).digest():
            if byte < limit and len(chars) < length:
                chars.append(_SLIP_ALPHABET[byte % len(_SLIP_ALPHABET)])
        counter += 1
    return "".join(chars)


def create_user(
    session: Session,
    *,
    full_name: str,
    password: str,
    role: Role = Role.WORKER,
    unit: Unit | None = None,
    phone: str | None = None,
    member_code: str | None = None,
    email: str | None = None,
    gender: Gender | None = None,
    birth_year: int | None = None,
    must_change_password: bool = False,
    password_hash: str | None = None,
    confirmed: bool = True,
) -> User:
    """Create an account. `phone` may be written any common way; it is stored as E.164.

    `password_hash` lets bulk callers reuse one precomputed hash (tests, demo data). A
    self-registration is not `confirmed`: the roster (an officer) has not vouched for it.
    """
    name = nfc(full_name)
    if not name:
        raise InvalidInput(_("A full name is required."))
    if not phone and not member_code:
        raise InvalidInput(_("A phone number or a member code is required to log in."))
    user = User(
        full_name=name,
        name_folded=fold(name),
        phone=normalise_phone(phone) if phone else None,
        member_code=member_code.strip().upper() if member_code else None,
        email=email.strip().lower() if email else None,
        gender=gender,
        birth_year=birth_year,
        unit_id=unit.id if unit else None,
        role=role,
        password_hash=password_hash or hash_password(password),
        must_change_password=must_change_password,
        confirmed_at=utcnow() if confirmed else None,
    )
    session.add(user)
    session.flush()
    if unit is not None:
        session.add(UnitMembership(user_id=user.id, unit_id=unit.id, started_at=user.created_at))
    return user


def change_unit(session: Session, user: User, unit: Unit, at: dt.datetime) -> None:
    """Move `user` to `unit` from `at` on, closing their membership of the previous unit."""
    if user.unit_id == unit.id:
        return
    session.execute(
        update(UnitMembership)
        .where(UnitMembership.user_id == user.id, UnitMembership.ended_at.is_(None))
        .values(ended_at=at)
    )
    session.add(UnitMembership(user_id=user.id, unit_id=unit.id, started_at=at))
    user.unit_id = unit.id
    session.flush()


def move_all_members(session: Session, source_id: int, target_id: int, at: dt.datetime) -> int:
    """Move every user of one unit to another (a merge), in three statements whatever their
    number; return how many moved."""
    moving = select(User.id).where(User.unit_id == source_id).scalar_subquery()
    session.execute(
        update(UnitMembership)
        .where(UnitMembership.user_id.in_(moving), UnitMembership.ended_at.is_(None))
        .values(ended_at=at)
    )
    session.execute(
        insert(UnitMembership).from_select(
            ["user_id", "unit_id", "started_at"],
            select(User.id, literal(target_id), literal(at, UTCDateTime())).where(
                User.unit_id == source_id
            ),
        )
    )
    moved = session.execute(
        update(User).where(User.unit_id == source_id).values(unit_id=target_id)
    ).rowcount
    session.flush()
    return moved


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The active account matching `login` and `password`, else None (which one failed is not
    said). Records the login time and upgrades an outdated hash."""
    user = find_user_by_login(session, login)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active or user.is_pending:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Invalidate every session cookie issued to `user` so far."""
    user.session_token = new_session_token()
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The user changes their own password; every other session of theirs ends."""
    if not verify_password(user.password_hash, current):
        raise PasswordIncorrect(_("The current password is not correct."))
    if current == new:
        raise InvalidInput(_("The new password must differ from the current one."))
    set_password(session, user, new, temporary=False)


def set_password(session: Session, user: User, new: str, *, temporary: bool) -> None:
    """Replace the password; a temporary one must be changed at the next login."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )
    user.password_hash = hash_password(new)
    user.must_change_password = temporary
    end_sessions(session, user)


def issue_temporary_password(session: Session, user: User) -> str:
    """Give `user` a new random temporary password (for a login slip) and return it; it
    must be changed at the next login, and every session of theirs ends."""
    password = temporary_password()
    user.password_hash = hash_temporary_password(password)
    user.must_change_password = True
    end_sessions(session, user)
    return password
