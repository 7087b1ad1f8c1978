"""Writes to the unit tree. They keep `unit_closure` in step with `parent_id`, keep each
unit's history of parents (`unit_links`), and record every change in the audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, true, update
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.auth.scope import scope_root_id
from learning.auth.services import move_all_members
from learning.db import utcnow
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.org.importer import UnitPlan, plan_unit_import
from learning.org.models import Unit, UnitClosure, UnitKind, UnitLink
from learning.org.queries import get_unit_by_code, is_in_subtree
from learning.text import fold, nfc
from learning.uploads.models import ImportBatch
from learning.uploads.services import Applied, Upload, UploadKind, import_audit, upload_source


def _id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind.value,
        "parent_id": unit.parent_id,
        "is_active": unit.is_active,
    }


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: UnitKind,
    parent: Unit | None = None,
    actor: User | None = None,
) -> Unit:
    """Add a unit under `parent` (or as a root) and index it in the closure table."""
    code = code.strip()
    if not code or len(code) > 50:
        raise InvalidInput(_("A unit code has 1 to 50 characters."))
    if get_unit_by_code(session, code) is not None:
        raise InvalidInput(_("A unit with code %(code)s already exists.", code=code))
    name = nfc(name)
    if not name:
        raise InvalidInput(_("A unit needs a name."))
    unit = Unit(
        code=code, name=name, name_folded=fold(name), kind=kind, parent_id=parent and parent.id
    )
    session.add(unit)
    session.flush()
    session.add(UnitClosure(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    if parent is not None:
        # Every ancestor of the parent (the parent included) is an ancestor of the new unit.
        session.execute(
            insert(UnitClosure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(UnitClosure.ancestor_id, literal(unit.id), UnitClosure.depth + 1).where(
                    UnitClosure.descendant_id == parent.id
                ),
            )
        )
    session.add(UnitLink(unit_id=unit.id, parent_id=unit.parent_id, started_at=unit.created_at))
    if actor is not None:
        record(session, actor.id, "unit.create", "unit", unit.id, after=_snapshot(unit))
    session.flush()
    return unit


def rename_unit(
    session: Session, actor: User | None, unit: Unit, name: str, kind: UnitKind
) -> None:
    """Change a unit's name and kind."""
    name = nfc(name)
    if not name:
        raise InvalidInput(_("A unit needs a name."))
    before = _snapshot(unit)
    unit.name, unit.name_folded, unit.kind = name, fold(name), kind
    record(
        session, _id(actor), "unit.rename", "unit", unit.id, before=before, after=_snapshot(unit)
    )
    session.flush()


def move_unit(
    session: Session,
    actor: User | None,
    unit: Unit,
    new_parent: Unit,
    at: dt.datetime | None = None,
) -> None:
    """Hang `unit` (with its whole subtree) under `new_parent`."""
    if new_parent.id == unit.id or is_in_subtree(session, unit.id, new_parent.id):
        raise InvalidInput(_("A unit cannot be moved under itself or under one of its own units."))
    if not new_parent.is_active:
        raise InvalidInput(_("The new parent unit is no longer active."))
    if unit.parent_id == new_parent.id:
        return
    at = at or utcnow()
    before = _snapshot(unit)
    subtree = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit.id)
    # Cut the links from the old ancestors to the subtree ...
    old_ancestors = select(UnitClosure.ancestor_id).where(
        UnitClosure.descendant_id == unit.id, UnitClosure.depth > 0
    )
    session.execute(
        delete(UnitClosure).where(
            UnitClosure.descendant_id.in_(subtree), UnitClosure.ancestor_id.in_(old_ancestors)
        )
    )
    # ... and join every new ancestor to every unit of the subtree.
    above = (
        select(UnitClosure.ancestor_id, UnitClosure.depth)
        .where(UnitClosure.descendant_id == new_parent.id)
        .subquery()
    )
    below = (
        select(UnitClosure.descendant_id, UnitClosure.depth)
        .where(UnitClosure.ancestor_id == unit.id)
        .subquery()
    )
    session.execute(
        insert(UnitClosure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            # Every (new ancestor, subtree unit) pair: a deliberate cross join.
            select(
                above.c.ancestor_id, below.c.descendant_id, above.c.depth + below.c.depth + 1
            ).join_from(above, below, true()),
        )
    )
    session.execute(
        update(UnitLink)
        .where(UnitLink.unit_id == unit.id, UnitLink.ended_at.is_(None))
        .values(ended_at=at)
    )
    session.add(UnitLink(unit_id=unit.id, parent_id=new_parent.id, started_at=at))
    unit.parent_id = new_parent.id
    record(session, _id(actor), "unit.move", "unit", unit.id, before=before, after=_snapshot(unit))
    session.flush()


def merge_units(session: Session, actor: User, source: Unit, target: Unit) -> int:
    """Merge `source` into `target`: its members and its child units move to `target`, and
    `source` is deactivated with a pointer to `target`. Its history (memberships, links,
    attempts) stays, so reports over past dates still count people where they were. Returns
    how many members moved. (Course assignments follow through the enrollment service,
    called by the same request.)"""
    if source.id == target.id:
        raise InvalidInput(_("Choose two different units to merge."))
    if is_in_subtree(session, source.id, target.id):
        raise InvalidInput(_("A unit cannot be merged into one of its own units."))
    if not target.is_active:
        raise InvalidInput(_("The unit to merge into is no longer active."))
    at = utcnow()
    before = _snapshot(source)
    for child in session.scalars(select(Unit).where(Unit.parent_id == source.id)).all():
        move_unit(session, actor, child, target, at)
    moved = move_all_members(session, source.id, target.id, at)
    source.is_active = False
    source.merged_into_id = target.id
    source.join_token = None
    after = {**_snapshot(source), "merged_into_id": target.id, "members_moved": moved}
    record(session, actor.id, "unit.merge", "unit", source.id, before=before, after=after)
    session.flush()
    return moved


def deactivate_unit(session: Session, actor: User, unit: Unit) -> None:
    """Deactivate an empty unit (move or merge its people and units first)."""
    active_children = session.scalar(
        select(func.count()).where(and_(Unit.parent_id == unit.id, Unit.is_active))
    )
    active_members = session.scalar(
        select(func.count()).where(and_(User.unit_id == unit.id, User.is_active))
    )
    if active_children or active_members:
        raise InvalidInput(
            _(
                "This unit still has %(units)d active units and %(members)d active members: "
                "move or merge them first.",
                units=active_children,
                members=active_members,
            )
        )
    before = _snapshot(unit)
    unit.is_active = False
    unit.join_token = None
    record(
        session, actor.id, "unit.deactivate", "unit", unit.id, before=before, after=_snapshot(unit)
    )
    session.flush()


def set_join_link(
    session: Session, actor: User, unit: Unit, *, enabled: bool, automatic: bool
) -> None:
    """Create (or renew) or remove a unit's join link, and whether joins are approved
    without an officer."""
    before = {
        "join_link": unit.join_token is not None,
        "automatic": unit.approves_joins_automatically,
    }
    unit.join_token = secrets.token_urlsafe(24) if enabled else None
    unit.approves_joins_automatically = automatic
    after = {"join_link": enabled, "automatic": automatic}
    record(session, actor.id, "unit.join_link", "unit", unit.id, before=before, after=after)
    session.flush()


def apply_unit_import(
    session: Session,
    actor: User | None,
    plan: UnitPlan,
    source: Mapping[str, Any] | None = None,
) -> tuple[int, int]:
    """Create the planned units (parents first) and update the known ones (name, kind,
    parent); every change is audited, and the import itself (`source`: where the list came
    from). Returns (created, updated)."""
    by_code: dict[str, Unit] = {}

    def unit_for(code: str) -> Unit | None:
        if not code:
            return None
        if code not in by_code:
            by_code[code] = get_unit_by_code(session, code)  # type: ignore[assignment]
        return by_code[code]

    for planned in plan.to_create:
        by_code[planned.code] = create_unit(
            session,
            code=planned.code,
            name=planned.name,
            kind=planned.kind,
            parent=unit_for(planned.parent_code),
            actor=actor,
        )
    updated = 0
    for planned in plan.to_update:
        unit = session.get_one(Unit, planned.existing_id)
        changed = False
        if (unit.name, unit.kind) != (planned.name, planned.kind):
            rename_unit(session, actor, unit, planned.name, planned.kind)
            changed = True
        parent = unit_for(planned.parent_code)
        if parent is not None and unit.parent_id != parent.id:
            move_unit(session, actor, unit, parent)
            changed = True
        updated += changed
    counts = {"created": len(plan.to_create), "updated": updated, "rejected": len(plan.rejected)}
    record(session, actor.id if actor else None, **import_audit("units", counts, source))
    session.flush()
    return len(plan.to_create), updated


def import_scope(session: Session, actor: User) -> Unit | None:
    """Where the actor may import units: anywhere (None) for an admin, an officer's own
    subtree."""
    root_id = scope_root_id(actor)
    return None if root_id is None else session.get_one(Unit, root_id)


def _read_list(session: Session, actor: User, batch: ImportBatch) -> tuple[Unit | None, UnitPlan]:
    """An uploaded unit list, checked inside the importer's scope as it stands now."""
    scope = import_scope(session, actor)
    return scope, plan_unit_import(session, batch.data, scope_unit=scope)


def _apply_list(session: Session, upload: Upload[UnitPlan], actor: User) -> Applied:
    """A confirmed unit list: all its rows or nothing."""
    if upload.plan.rejected:
        raise InvalidInput(_("Some rows have errors: fix them and upload the file again."))
    created, updated = apply_unit_import(session, actor, upload.plan, upload_source(upload))
    return Applied({"created": created, "updated": updated, "rejected": 0})


UNIT_LIST = UploadKind("units", "don-vi", _read_list, _apply_list)
