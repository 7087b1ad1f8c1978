"""Writes about members: apply an import plan in one transaction (MEMBER_LIST plugs member
lists into learning/uploads), issue login slips, reset passwords, deactivate and move
members, self-registration through a unit's join link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import Gender, Role, UnitMembership, User, new_session_token
from learning.auth.passwords import hash_password, hash_temporary_password
from learning.auth.scope import is_member_account, require_unit, require_user
from learning.auth.services import (
    change_unit,
    create_user,
    issue_temporary_password,
    new_slip_key,
    slip_password,
)
from learning.db import utcnow
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _
from learning.members.importer import HeldRow, ImportPlan, PlannedMember, plan_import
from learning.members.slips import Slip
from learning.org.models import Unit
from learning.text import InvalidPhone, fold, format_phone, nfc, normalise_phone
from learning.uploads.models import ImportBatch
from learning.uploads.services import (
    Applied,
    RejectedRow,
    Upload,
    UploadKind,
    import_audit,
    upload_source,
)

# New accounts cannot log in until the officer prints their login slips, which sets a
# temporary password; this value matches no password.
NO_PASSWORD_YET = "!no-password-yet"  # noqa: S105 - a marker, not a password


@dataclass(frozen=True)
class ImportResult:
    created: list[int]
    updated: int
    rejected: int
    unchanged: int = 0
    left_out: int = 0
    confirmed: int = 0
    taken_over: int = 0
    returned: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many were created, updated, ... : what the audit entry and the batch record."""
        return {
            "created": len(self.created),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "left_out": self.left_out,
            "confirmed": self.confirmed,
            "taken_over": self.taken_over,
            "returned": len(self.returned),
        }

    @property
    def slips(self) -> list[int]:
        """Who needs a login slip: new accounts (including those given a number taken
        over) and members taken back."""
        return [*self.created, *self.returned]


def login_of(phone: str | None, member_code: str | None) -> str:
    """What a member types to log in (and what their slip password is derived from)."""
    return phone or member_code or ""


def _first_password_hash(slip_key: str | None, phone: str | None, code: str | None) -> str:
    if slip_key is None:
        return NO_PASSWORD_YET
    return hash_temporary_password(slip_password(slip_key, login_of(phone, code)))


def apply_import(
    session: Session,
    plan: ImportPlan,
    actor: User | None,
    *,
    skip_invalid: bool,
    take_over: Collection[str] = (),
    confirm: Collection[str] = (),
    slip_key: str | None = None,
    source: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Write a checked plan: bulk inserts for new members, bulk updates for known ones whose
    data changed, and the import's audit entry (`source`: where the list came from), all in
    the caller's transaction (a failure writes nothing). A plan with rejected rows is
    applied only with `skip_invalid`.

    A row whose number is held by an unconfirmed, refused or departed account is left out
    unless its `HeldRow.key` is in `take_over`: then the holder loses the number and its
    sessions, and the member gets a new account (or, a member of this union coming back,
    their old account again, the time away kept as a gap in their memberships). With
    `slip_key`, everyone who needs a slip gets the temporary password derived from it.
    A self-registration of the importer's union whose key is in `confirm` is the member:
    it takes the row's data and is confirmed (it keeps its password; no slip)."""
    if plan.rejected and not skip_invalid:
        raise InvalidInput(_("Some rows have errors: fix them or import only the valid rows."))
    now = utcnow()
    chosen, confirmed = _choices(plan.held, take_over, confirm)
    returned = [h for h in chosen.values() if h.returning]
    taken = [h for h in chosen.values() if not h.returning]
    for held in confirmed.values():
        _confirm_registration(session, actor, held, now)
    for held in taken:
        _release_number(session, actor, held)
    for held in returned:
        _take_back(session, actor, held, now, slip_key)
    created_ids = _create_members(
        session, [*plan.to_create, *(h.member for h in taken)], now, slip_key
    )
    if plan.to_update:
        _apply_updates(session, plan, now)
    result = ImportResult(
        created_ids,
        len(plan.to_update),
        len(plan.rejected),
        unchanged=len(plan.unchanged),
        left_out=len(plan.held) - len(chosen) - len(confirmed),
        confirmed=len(confirmed),
        taken_over=len(taken),
        returned=[h.holder_id for h in returned],
    )
    record(session, actor.id if actor else None, **import_audit("members", result.counts(), source))
    session.flush()
    return result


def _choices(
    held_rows: Sequence[HeldRow], take_over: Collection[str], confirm: Collection[str]
) -> tuple[dict[int, HeldRow], dict[int, HeldRow]]:
    """The held rows the officer chose, by holder: numbers taken over, registrations
    confirmed (one choice per account, the first)."""
    chosen: dict[int, HeldRow] = {}
    confirmed: dict[int, HeldRow] = {}
    for held in held_rows:
        if held.holder_id in chosen or held.holder_id in confirmed:
            continue
        if held.key in take_over:
            chosen[held.holder_id] = held
        elif held.key in confirm and held.can_confirm:
            confirmed[held.holder_id] = held
    return chosen, confirmed


def _create_members(
    session: Session, members: Sequence[PlannedMember], now: dt.datetime, slip_key: str | None
) -> list[int]:
    """Insert new members' accounts and memberships; their ids, in the plan's order."""
    if not members:
        return []
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
            "password_hash": _first_password_hash(slip_key, m.phone, m.member_code),
            "must_change_password": True,
            "is_active": True,
            "is_pending": False,
            "confirmed_at": now,
            "session_token": new_session_token(),
            "created_at": now,
        }
        for m in members
    ]
    # Plain executemany (with RETURNING, PostgreSQL would insert row by row), then the new
    # ids by their unique phone or member code.
    session.execute(insert(User), rows)
    created_ids = _ids_of(session, members)
    session.execute(
        insert(UnitMembership),
        [
            {"user_id": uid, "unit_id": m.unit_id, "started_at": now}
            for uid, m in zip(created_ids, members, strict=True)
        ],
    )
    return created_ids


def _read_list(session: Session, actor: User, batch: ImportBatch) -> tuple[Unit, ImportPlan]:
    """An uploaded member list goes into its unit, which must still be in the officer's
    scope."""
    if batch.unit_id is None:
        raise NotFound()
    require_unit(session, actor, batch.unit_id)
    unit = session.get_one(Unit, batch.unit_id)
    return unit, plan_import(session, batch.data, scope_unit=unit)


def _apply_list(
    session: Session,
    upload: Upload[ImportPlan],
    actor: User,
    *,
    skip_invalid: bool,
    take_over: Collection[str] = (),
    confirm: Collection[str] = (),
) -> Applied:
    """A confirmed member list: `apply_import`, with the slips' passwords issued here, once,
    from a key kept on the batch, so that both downloads carry them."""
    slip_key = new_slip_key()
    result = apply_import(
        session,
        upload.plan,
        actor,
        skip_invalid=skip_invalid,
        take_over=take_over,
        confirm=confirm,
        slip_key=slip_key,
        source=upload_source(upload),
    )
    batch = upload.batch
    if result.slips:
        batch.slip_key, batch.slips_issued_at = slip_key, batch.confirmed_at
    # The batch keeps the new accounts' ids (the done page lists them), not only their count.
    return Applied(result.counts(), {"created": result.created, "slips": result.slips}, result)


def _rejected_rows(plan: ImportPlan) -> tuple[Sequence[str], list[RejectedRow]]:
    return plan.header, [RejectedRow(row.row, row.cells, row.reason) for row in plan.rejected]


MEMBER_LIST = UploadKind("members", "danh-sach", _read_list, _apply_list, _rejected_rows)


def _release_number(session: Session, actor: User | None, held: HeldRow) -> None:
    """The holder of a number the roster gives to someone else loses it (and the member
    code, if that was the match), and every session of theirs ends."""
    holder = session.get_one(User, held.holder_id)
    before = {"phone": holder.phone, "member_code": holder.member_code}
    if held.member.phone and holder.phone == held.member.phone:
        holder.phone = None
    if held.member.member_code and holder.member_code == held.member.member_code:
        holder.member_code = None
    holder.session_token = new_session_token()
    if holder.phone is None and holder.member_code is None and holder.is_active:
        # Nothing left to log in with: the account is closed rather than left waiting in
        # the officers' list of registrations to approve.
        holder.is_active, holder.is_pending, holder.deactivated_at = False, False, utcnow()
    record(
        session,
        actor.id if actor else None,
        "member.take_over",
        "user",
        holder.id,
        before=before,
        after={"phone": holder.phone, "member_code": holder.member_code, "state": held.state},
    )
    # Before the new account is inserted with the same unique number.
    session.flush()


def _confirm_registration(
    session: Session, actor: User | None, held: HeldRow, now: dt.datetime
) -> None:
    """The officer says a self-registration of their union is the member on their list: the
    account takes the list's data and is confirmed, with the password its owner chose."""
    user = session.get_one(User, held.holder_id)
    member = held.member
    user.full_name, user.name_folded = member.full_name, fold(member.full_name)
    user.phone = member.phone or user.phone
    user.member_code = member.member_code or user.member_code
    user.gender = member.gender or user.gender
    user.birth_year = member.birth_year or user.birth_year
    user.email = member.email or user.email
    user.is_pending = False
    user.confirmed_at = now
    unit = session.get_one(Unit, member.unit_id)
    change_unit(session, user, unit, now)
    record(
        session,
        actor.id if actor else None,
        "member.confirm",
        "user",
        user.id,
        after={"unit_id": unit.id},
    )
    session.flush()


def _take_back(
    session: Session, actor: User | None, held: HeldRow, now: dt.datetime, slip_key: str | None
) -> None:
    """A member who left comes back: the same account (their history), a new temporary
    password, and a new membership from now; the old one ends when they left, so reports
    over the time away do not count them."""
    user = session.get_one(User, held.holder_id)
    left_at = user.deactivated_at or now
    session.execute(
        update(UnitMembership)
        .where(UnitMembership.user_id == user.id, UnitMembership.ended_at.is_(None))
        .values(ended_at=left_at)
    )
    session.add(UnitMembership(user_id=user.id, unit_id=held.member.unit_id, started_at=now))
    member = held.member
    user.full_name, user.name_folded = member.full_name, fold(member.full_name)
    user.unit_id = member.unit_id
    user.phone = member.phone or user.phone
    user.member_code = member.member_code or user.member_code
    user.gender = member.gender or user.gender
    user.birth_year = member.birth_year or user.birth_year
    user.email = member.email or user.email
    user.is_active = True
    user.deactivated_at = None
    user.password_hash = _first_password_hash(slip_key, user.phone, user.member_code)
    user.must_change_password = True
    user.session_token = new_session_token()
    record(
        session,
        actor.id if actor else None,
        "member.return",
        "user",
        user.id,
        before={"left_at": left_at.isoformat()},
        after={"unit_id": member.unit_id},
    )
    session.flush()


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
    members = [planned.member for planned in plan.to_update]
    ids = [m.existing_id for m in members]
    current: dict[int | None, int | None] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        current.update(
            session.execute(select(User.id, User.unit_id).where(User.id.in_(chunk))).all()
        )  # type: ignore[arg-type]
    moved = [m for m in members if current.get(m.existing_id) != m.unit_id]
    session.execute(
        update(User),
        [
            {
                "id": m.existing_id,
                "full_name": m.full_name,
                "name_folded": fold(m.full_name),
                "unit_id": m.unit_id,
                **({"phone": m.phone} if m.phone else {}),
                **({"member_code": m.member_code} if m.member_code else {}),
                **({"gender": m.gender} if m.gender else {}),
                **({"birth_year": m.birth_year} if m.birth_year else {}),
                **({"email": m.email} if m.email else {}),
            }
            for m in members
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


def slip_members(session: Session, actor: User, batch: ImportBatch) -> list[User]:
    """The members of a confirmed import who still need their slip: active members' accounts
    in the actor's scope that have not yet replaced their temporary password."""
    result = batch.result or {}
    ids = result.get("slips", result.get("created", []))
    found: list[User] = []
    for start in range(0, len(ids), 900):
        found.extend(
            session.scalars(
                select(User).where(
                    User.id.in_(ids[start : start + 900]),
                    User.is_active,
                    User.must_change_password,
                    User.role == Role.WORKER,
                )
            )
        )
    for user in found:
        require_user(session, actor, user)
    return sorted(found, key=lambda user: (user.name_folded, user.id))


def batch_slips(session: Session, actor: User, batch: ImportBatch) -> list[Slip]:
    """The login slips of a confirmed import, with the passwords issued at its confirmation
    (or its last reissue): downloading them again, in either format, issues nothing. A
    member whose password changed since (logged in, or reset by an officer) has no slip."""
    slips = []
    for user in slip_members(session, actor, batch) if batch.slip_key else []:
        password = slip_password(batch.slip_key or "", login_of(user.phone, user.member_code))
        if user.password_hash == hash_temporary_password(password):
            slips.append(_slip(user, password))
    record(
        session, actor.id, "members.slips", "import_batch", batch.id, after={"count": len(slips)}
    )
    session.flush()
    return slips


def reissue_slips(session: Session, actor: User, batch: ImportBatch) -> int:
    """New temporary passwords for the members of an import who have not logged in yet,
    derived from a new key: the slips printed so far stop working. Returns how many."""
    key = new_slip_key()
    users = slip_members(session, actor, batch)
    for user in users:
        user.password_hash = hash_temporary_password(
            slip_password(key, login_of(user.phone, user.member_code))
        )
        user.must_change_password = True
        user.session_token = new_session_token()
    batch.slip_key, batch.slips_issued_at = key, utcnow()
    record(
        session,
        actor.id,
        "members.slips_reissue",
        "import_batch",
        batch.id,
        after={"count": len(users)},
    )
    session.flush()
    return len(users)


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


def register_via_link(session: Session, unit: Unit, form: Registration) -> User | None:
    """A worker registers into a unit through its join link. Pending until an officer
    approves, unless the unit approves automatically; unconfirmed until an officer approves
    it or their roster names them. One account per phone number: a phone or member code
    that already has an account gets nothing (None), for the same work, and the caller
    answers as for a new one, so that the link does not tell who has an account."""
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
        hash_password(form.password)  # the work of creating an account: time tells nothing
        record(session, None, "member.register_held", "unit", unit.id, after={"user_id": taken})
        session.flush()
        return None
    user = create_user(
        session,
        full_name=nfc(form.full_name),
        phone=phone,
        member_code=code,
        password=form.password,
        unit=unit,
        gender=form.gender,
        birth_year=form.birth_year,
        confirmed=False,
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
    if approve:
        user.confirmed_at = utcnow()
    else:
        user.is_active = False
        user.deactivated_at = utcnow()
    record(session, actor.id, "member.approve" if approve else "member.refuse", "user", user.id)
    session.flush()
