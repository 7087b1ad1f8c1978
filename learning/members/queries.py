"""Reads about members: search in an officer's scope, pending registrations, join links."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.auth.scope import member_filter, unit_filter
from learning.org.models import Unit
from learning.text import InvalidPhone, fold, normalise_phone

PAGE_SIZE = 50


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_members(
    session: Session, actor: User, text: str = "", *, unit_id: int | None = None, page: int = 1
) -> Sequence[User]:
    """Members the actor may see, found by name (diacritics ignored), phone or member code."""
    query = select(User).where(member_filter(actor, User.unit_id))
    text = text.strip()
    if text:
        conditions = [User.name_folded.like(f"%{_escape(fold(text))}%", escape="\\"),
                      User.member_code == text.upper()]  # fmt: skip
        with contextlib.suppress(InvalidPhone):
            conditions.append(User.phone == normalise_phone(text))
        query = query.where(or_(*conditions))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return session.scalars(
        query.order_by(User.name_folded, User.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()


def pending_registrations(session: Session, actor: User) -> Sequence[User]:
    return session.scalars(
        select(User)
        .where(User.is_pending, User.is_active, unit_filter(actor, User.unit_id))
        .order_by(User.created_at)
    ).all()


def unit_by_join_token(session: Session, token: str) -> Unit | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Unit).where(Unit.join_token == token, Unit.is_active))
