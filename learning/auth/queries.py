"""Reads of accounts."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from learning.auth.models import User
from learning.text import InvalidPhone, normalise_phone


def find_user_by_login(session: Session, login: str) -> User | None:
    """The account a login name designates: a phone number in any common form, else a
    member code."""
    login = login.strip()
    if not login:
        return None
    try:
        phone = normalise_phone(login)
    except InvalidPhone:
        phone = None
    if phone is not None:
        user = session.scalar(select(User).where(User.phone == phone))
        if user is not None:
            return user
    return session.scalar(select(User).where(User.member_code == login.upper()))


def login_key(login: str) -> str:
    """The name a login attempt counts against for rate limiting, however it was written."""
    login = login.strip()
    try:
        return normalise_phone(login)
    except InvalidPhone:
        return login.upper()[:100]


def get_user(session: Session, user_id: int) -> User | None:
    """The account with this id, if any."""
    return session.get(User, user_id)


def get_session_user(session: Session, user_id: int) -> User | None:
    """The account behind a session cookie, loaded on every request: without its unit (a
    join most requests never use; the few pages that show it load it when they do)."""
    return session.execute(_SESSION_USER, {"user_id": user_id}).scalar_one_or_none()


# Built once: every request runs it, and building a statement costs more than running it.
_SESSION_USER = select(User).where(User.id == bindparam("user_id")).options(lazyload(User.unit))
