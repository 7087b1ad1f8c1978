"""Writes about members: apply an import plan in one transaction, issue login slips, reset
passwords, deactivate and move members, self-registration through a unit's join link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import Gender, Role, UnitMembership, User, new_session_token
from learning.auth.scope import is_member_account, require_unit, require_user
from learning.auth.services import change_unit, create_user, issue_temporary_password
from learning.db import utcnow
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.members.importer import ImportPlan, PlannedMember
from learning.members.slips import Slip
from learning.org.models import Unit
from learning.text import InvalidPhone, fold, format_phone, nfc, normalise_phone

# New accounts cannot log in until the officer prints their login slips, which sets a
# temporary password; this value matches no password.
NO_PASSWORD_YET = "!no-password-yet"  # noqa: S105 - a marker, not a password


@dataclass(frozen=True)
class ImportResult:
    created: list[int]
    updated: int
    rejected: int


def apply_import(
    session: Session, plan: ImportPlan, actor: User | None, *, skip_invalid: bool
) -> ImportResult:
    """Write a checked plan: bulk inserts for new members, bulk updates for known ones, all
    in the caller's transaction (a failure writes nothing). A plan with rejected rows is
    applied only with `skip_invalid`."""
    if plan.rejected and not skip_invalid:
        raise InvalidInput(_("Some rows have errors: fix them or import only the valid rows."))
    now = utcnow()
    created_ids: list[int] = []
    if plan.to_create:
        rows = [
            {
                "full_name": m.full_name,
                "name_folded": fold(m.full_name),
                "phone": m.phone,
                "member_code": m.member_code,
                "email": m.email,
                "gender": m.gender,
                "birth_year": m.birth_year,
                "unit_id": m.unit_id,
                "role": Role.WORKER,
                "password_hash": NO_PASSWORD_YET,
                "must_change_password": True,
                "is_active": True,
                "is_pending": False,
                "session_token": new_session_token(),
                "created_at": now,
            }
            for m in plan.to_create
        ]
        # Plain executemany (with RETURNING, PostgreSQL would insert row by row), then the
        # new ids by their unique phone or member code.
        session.execute(insert(User), rows)
        created_ids = _ids_of(session, plan.to_create)
        session.execute(
            insert(UnitMembership),
            [
                {"user_id": uid, "unit_id": m.unit_id, "started_at": now}
                for uid, m in zip(created_ids, plan.to_create, strict=True)
            ],
        )
    if plan.to_update:
        _apply_updates(session, plan, now)
    result = ImportResult(created_ids, len(plan.to_update), len(plan.rejected))
    record(
        session,
        actor.id if actor else None,
        "members.import",
        "unit",
        None,
        after={"created": len(created_ids), "updated": result.updated, "rejected": result.rejected},
    )
    session.flush()
    return result


def _ids_of(session: Session, members: Sequence[PlannedMember]) -> list[int]:
    """The ids of just-created accounts, in the plan's order (each has a unique phone or
    member code)."""
    by_phone: dict[str, int] = {}
    by_code: dict[str, int] = {}
    phones = [m.phone for m in members if m.phone]
    codes = [m.member_code for m in members if not m.phone and m.member_code]
    for start in range(0, len(phones), 900):
        chunk = phones[start : start + 900]
        query = select(User.phone, User.id).where(User.phone.in_(chunk))
        by_phone.update(dict(session.execute(query).all()))
    for start in range(0, len(codes), 900):
        chunk = codes[start : start + 900]
        query = select(User.member_code, User.id).where(User.member_code.in_(chunk))
        by_code.update(dict(session.execute(query).all()))
    return [by_phone[m.phone] if m.phone else by_code[m.member_code or ""] for m in members]


def _apply_updates(session: Session, plan: ImportPlan, now: dt.datetime) -> None:
    ids = [m.existing_id for m in plan.to_update]
    current = dict(session.execute(select(User.id, User.unit_id).where(User.id.in_(ids))).all())
    moved = [m for m in plan.to_update if current.get(m.existing_id) != m.unit_id]
    session.execute(
        update(User),
        [
            {
                "id": m.existing_id,
                "full_name": m.full_name,
                "name_folded": fold(m.full_name),
                "unit_id": m.unit_id,
                "is_active": True,
                "deactivated_at": None,
                **({"phone": m.phone} if m.phone else {}),
                **({"member_code": m.member_code} if m.member_code else {}),
                **({"gender": m.gender} if m.gender else {}),
                **({"birth_year": m.birth_year} if m.birth_year else {}),
                **({"email": m.email} if m.email else {}),
            }
            for m in plan.to_update
        ],
    )
    if moved:
        session.execute(
            update(UnitMembership)
            .where(
                UnitMembership.user_id.in_([m.existing_id for m in moved]),
                UnitMembership.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        session.execute(
            insert(UnitMembership),
            [{"user_id": m.existing_id, "unit_id": m.unit_id, "started_at": now} for m in moved],
        )


def issue_slips(session: Session, actor: User, user_ids: Sequence[int]) -> list[Slip]:
    """New temporary passwords for the members who have not logged in yet (printing slips
    again voids the earlier ones) and the slips to hand them."""
    users = session.scalars(
        select(User).where(User.id.in_(user_ids), User.is_active).order_by(User.full_name)
    ).all()
    slips = []
    for user in users:
        require_user(session, actor, user)
        if not user.must_change_password or not is_member_account(user):
            continue
        password = issue_temporary_password(session, user)
        slips.append(_slip(user, password))
    record(session, actor.id, "members.slips", "user", None, after={"count": len(slips)})
    session.flush()
    return slips


def reset_password(session: Session, actor: User, user: User) -> Slip:
    """An officer resets a member's forgotten password: a new temporary one, on a slip."""
    require_user(session, actor, user)
    if not is_member_account(user) or user.id == actor.id:
        raise InvalidInput(_("Only members' passwords can be reset here."))
    password = issue_temporary_password(session, user)
    record(session, actor.id, "member.reset_password", "user", user.id)
    return _slip(user, password)


def _slip(user: User, password: str) -> Slip:
    login = format_phone(user.phone) if user.phone else user.member_code or ""
    return Slip(user.full_name, user.unit.name if user.unit else "", login, password)


def deactivate_member(session: Session, actor: User, user: User) -> None:
    """A member who left: they can no longer log in; their history stays."""
    require_user(session, actor, user)
    if not is_member_account(user):
        raise InvalidInput(_("Only members can be deactivated here."))
    user.is_active = False
    user.deactivated_at = utcnow()
    user.session_token = new_session_token()
    record(
        session,
        actor.id,
        "member.deactivate",
        "user",
        user.id,
        before={"is_active": True},
        after={"is_active": False},
    )
    session.flush()


def move_member(session: Session, actor: User, user: User, unit: Unit) -> None:
    """Move a member to another unit of the officer's scope."""
    require_user(session, actor, user)
    require_unit(session, actor, unit.id)
    if not is_member_account(user):
        raise InvalidInput(_("Only members can be moved here."))
    if not unit.is_active:
        raise InvalidInput(_("The unit is no longer active."))
    before = {"unit_id": user.unit_id}
    change_unit(session, user, unit, utcnow())
    record(
        session, actor.id, "member.move", "user", user.id, before=before, after={"unit_id": unit.id}
    )


@dataclass(frozen=True)
class Registration:
    full_name: str
    phone: str
    member_code: str | None
    password: str
    gender: Gender | None = None
    birth_year: int | None = None


def register_via_link(session: Session, unit: Unit, form: Registration) -> User:
    """A worker registers into a unit through its join link. Pending until an officer
    approves, unless the unit approves automatically. One account per phone number."""
    if not unit.is_active or unit.join_token is None:
        raise InvalidInput(_("This join link is no longer valid."))
    try:
        phone = normalise_phone(form.phone)
    except InvalidPhone:
        raise InvalidInput(_("This is not a Vietnamese phone number.")) from None
    code = form.member_code.strip().upper() if form.member_code else None
    taken = session.scalar(select(User.id).where(User.phone == phone))
    if taken is None and code:
        taken = session.scalar(select(User.id).where(User.member_code == code))
    if taken is not None:
        # Not saying whose: ask the officer (or log in, if it is yours).
        raise InvalidInput(
            _(
                "An account with this phone number or member code already exists. "
                "Log in, or ask your union officer."
            )
        )
    user = create_user(
        session,
        full_name=nfc(form.full_name),
        phone=phone,
        member_code=code,
        password=form.password,
        unit=unit,
        gender=form.gender,
        birth_year=form.birth_year,
    )
    user.is_pending = not unit.approves_joins_automatically
    record(
        session,
        None,
        "member.register",
        "user",
        user.id,
        after={"unit_id": unit.id, "pending": user.is_pending},
    )
    session.flush()
    return user


def decide_registration(session: Session, actor: User, user: User, *, approve: bool) -> None:
    """An officer approves a pending registration, or refuses it (the account is closed)."""
    require_user(session, actor, user)
    if not user.is_pending:
        raise InvalidInput(_("This registration was already decided."))
    user.is_pending = False
    if not approve:
        user.is_active = False
        user.deactivated_at = utcnow()
    record(session, actor.id, "member.approve" if approve else "member.refuse", "user", user.id)
    session.flush()
