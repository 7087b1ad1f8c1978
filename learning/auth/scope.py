"""The one authorization rule. Every view that touches a user or a unit asks it.

- an admin acts everywhere;
- an officer acts on the units of their unit's subtree and the users in them;
- a worker acts only on their own account and data.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from learning.auth.models import Role, User
from learning.errors import NotInScope
from learning.org.models import Unit
from learning.org.queries import is_in_subtree, subtree_ids


def can_manage_unit(session: Session, actor: User, unit_id: int | None) -> bool:
    """May `actor` manage this unit (and see who is in it)?"""
    if not actor.is_active or unit_id is None:
        return actor.is_active and actor.role is Role.ADMIN
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.OFFICER and actor.unit_id is not None:
        return is_in_subtree(session, actor.unit_id, unit_id)
    return False


def can_access_user(session: Session, actor: User, user: User) -> bool:
    """May `actor` see and act on `user`'s account and data?"""
    if not actor.is_active:
        return False
    if actor.id == user.id or actor.role is Role.ADMIN:
        return True
    if actor.role is Role.OFFICER and user.role is not Role.ADMIN:
        return can_manage_unit(session, actor, user.unit_id)
    return False


def reachable_path(session: Session, actor: User, path: Sequence[Unit]) -> list[Unit]:
    """The part of a root-to-unit chain that `actor` may open: from their scope root down.

    Breadcrumbs show only these, so an officer is never offered a link that answers 403.
    Scope is a subtree, so once one unit of the chain is in it, every later one is too.
    """
    for index, unit in enumerate(path):
        if can_manage_unit(session, actor, unit.id):
            return list(path[index:])
    return []


def require_unit(session: Session, actor: User, unit_id: int | None) -> None:
    """Raise NotInScope unless `actor` may manage the unit."""
    if not can_manage_unit(session, actor, unit_id):
        raise NotInScope()


def require_user(session: Session, actor: User, user: User) -> None:
    """Raise NotInScope unless `actor` may act on `user`."""
    if not can_access_user(session, actor, user):
        raise NotInScope()


def unit_filter(actor: User, unit_column: ColumnElement[int | None]) -> ColumnElement[bool]:
    """A WHERE clause limiting rows by `unit_column` to what `actor` may see (for lists)."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.OFFICER and actor.unit_id is not None:
        return unit_column.in_(subtree_ids(actor.unit_id))
    raise NotInScope()


def require_admin(actor: User) -> None:
    """Raise NotInScope unless `actor` is an active admin (authoring, item analysis)."""
    if not (actor.is_active and actor.role is Role.ADMIN):
        raise NotInScope()


def require_staff(actor: User) -> None:
    """Raise NotInScope unless `actor` is an active officer or admin (staff pages)."""
    if not (actor.is_active and actor.role in (Role.OFFICER, Role.ADMIN)):
        raise NotInScope()


def require_reminder(
    session: Session, actor: User, *, unit_id: int | None, person: User | None
) -> None:
    """May `actor` remind the members of this unit's subtree (or this one person) about an
    assignment? Staff only, and only within their scope: the same rule as seeing them."""
    require_staff(actor)
    if unit_id is not None:
        require_unit(session, actor, unit_id)
    elif person is not None:
        require_user(session, actor, person)
    else:
        raise NotInScope()
