"""The one place for permissions. Every view, service and template asks it.

- an admin acts everywhere;
- an officer acts on the units of their unit's subtree and the users in them;
- a worker acts only on their own account and data.

Views declare their gate once (`@staff_required`, `@admin_required`, or a blueprint hook
`before_request(admins_only)` / `before_request(staff_only)`); named rules such as
`may_restructure_unit` live here too; templates ask `can("name", obj)`, never a role
string; services raise the same `NotInScope`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask_login import current_user
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from learning.auth.models import Role, User
from learning.errors import NotInScope
from learning.org.models import Unit
from learning.org.queries import is_in_subtree, list_subtree, subtree_ids

View = TypeVar("View", bound=Callable[..., Any])


def is_staff(actor: Any) -> bool:
    """An active officer or admin: members, units, reports, assignments, entrants."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in (Role.OFFICER, Role.ADMIN)
    )


def is_admin(actor: Any) -> bool:
    """An active admin: authoring, contests, item analysis, the whole tree."""
    return bool(
        getattr(actor, "is_authenticated", False) and actor.is_active and actor.role is Role.ADMIN
    )


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
    if not is_admin(actor):
        raise NotInScope()


def require_staff(actor: User) -> None:
    """Raise NotInScope unless `actor` is an active officer or admin."""
    if not is_staff(actor):
        raise NotInScope()


# --- named rules -------------------------------------------------------------------------


def is_member_account(user: User) -> bool:
    """An account officers look after (a worker's): not an officer's or an admin's, whose
    passwords and places are managed by the level above."""
    return user.role is Role.WORKER


def may_restructure_unit(actor: User, unit: Unit) -> bool:
    """May `actor` move, merge or deactivate `unit`? (Besides managing it.) An officer's own
    unit is placed by the level above: only an admin restructures it."""
    return is_admin(actor) or (is_staff(actor) and unit.id != actor.unit_id)


def require_restructure(session: Session, actor: User, unit: Unit) -> None:
    """Raise NotInScope unless `actor` manages `unit` and may restructure it."""
    require_unit(session, actor, unit.id)
    if not may_restructure_unit(actor, unit):
        raise NotInScope()


def may_manage_account(session: Session, actor: User, user: User) -> bool:
    """May `actor` reset the password of, move or deactivate `user`? Staff, over an active
    worker in their scope (never another officer or an admin this way)."""
    return (
        is_staff(actor)
        and user.is_active
        and is_member_account(user)
        and can_access_user(session, actor, user)
    )


def scope_root_id(actor: User) -> int | None:
    """The unit at the top of what `actor` manages: an officer's own unit; None for an
    admin (the whole tree). Raises NotInScope for anyone else."""
    if is_admin(actor):
        return None
    if is_staff(actor) and actor.unit_id is not None:
        return actor.unit_id
    raise NotInScope()


def manageable_units(session: Session, actor: User) -> Sequence[Unit]:
    """The active units `actor` may put people in: an admin all, an officer their subtree."""
    if is_admin(actor):
        return session.scalars(select(Unit).where(Unit.is_active).order_by(Unit.name)).all()
    if not is_staff(actor) or actor.unit_id is None:
        return []
    return [unit for unit in list_subtree(session, actor.unit_id) if unit.is_active]


def member_filter(actor: User, unit_column: ColumnElement[int | None]) -> ColumnElement[bool]:
    """A WHERE clause for lists of members: accounts in `actor`'s scope, admins left out."""
    return unit_filter(actor, unit_column) & (User.role != Role.ADMIN)


def may_see_contest(actor: Any, contest: Any) -> bool:
    """May `actor` (possibly anonymous) see a contest and its rounds? A published one:
    anyone; one not published yet: those who manage contests (admins)."""
    return bool(contest.is_published) or is_admin(actor)


def require_own(actor: Any, owner_id: int | None) -> None:
    """Raise NotInScope unless `actor` is the owner: an attempt is answered and submitted by
    the one who took it, never by an officer or an admin on their behalf."""
    if not getattr(actor, "is_authenticated", False) or actor.id != owner_id:
        raise NotInScope()


# Named permissions that pages ask, with `can(name)` in templates or in views. Each takes
# the session, the actor and an optional object.
PERMISSIONS: dict[str, Callable[[Session, Any, Any], bool]] = {
    "staff_pages": lambda _s, actor, _o: is_staff(actor),  # members, units, reports menus
    "see_attempts": lambda _s, actor, _o: is_staff(actor),  # members' attempts at a quiz
    "confirm_entrants": lambda _s, actor, _o: is_staff(actor),
    "author_content": lambda _s, actor, _o: is_admin(actor),
    "manage_contests": lambda _s, actor, _o: is_admin(actor),  # also sees unpublished ones
    "export_prizes": lambda _s, actor, _o: is_admin(actor),
    "see_suspicious": lambda _s, actor, _o: is_admin(actor),
    "analyse_items": lambda _s, actor, _o: is_admin(actor),  # item analysis, answer counts
    "manage_unit": lambda s, actor, unit: is_staff(actor) and can_manage_unit(s, actor, unit.id),
    "restructure_unit": lambda _s, actor, unit: may_restructure_unit(actor, unit),
    "manage_account": lambda s, actor, user: may_manage_account(s, actor, user),
}


def can(session: Session, actor: Any, permission: str, obj: Any = None) -> bool:
    """Whether `actor` (possibly anonymous) has the named permission (on `obj`)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    return PERMISSIONS[permission](session, actor, obj)


# --- gates for views ---------------------------------------------------------------------


def _unauthorized() -> Any:
    from learning.extensions import login_manager

    return login_manager.unauthorized()


def _gate(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def gated(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _unauthorized()
            if not check(current_user):
                raise NotInScope()
            return view(*args, **kwargs)

        return gated  # type: ignore[return-value]

    return decorate


staff_required = _gate(is_staff)
staff_required.__doc__ = "A view for officers and admins only (others: 403; anonymous: log in)."
admin_required = _gate(is_admin)
admin_required.__doc__ = "A view for admins only (others: 403; anonymous: log in)."


def admins_only() -> Any:
    """A blueprint's `before_request` hook: every page of it is for admins."""
    if not current_user.is_authenticated:
        return _unauthorized()
    require_admin(current_user)
    return None


def staff_only() -> Any:
    """A blueprint's `before_request` hook: every page of it is for officers and admins."""
    if not current_user.is_authenticated:
        return _unauthorized()
    require_staff(current_user)
    return None


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
