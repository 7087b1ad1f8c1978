"""Unit lists to import (code, name, kind, parent code), rows in any order: each row is
checked, parents are found in the file or among existing units, and the plan lists what to
create, what to update and what is rejected. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.i18n import lazy_gettext as _l
from learning.org.models import Unit, UnitKind
from learning.org.queries import is_in_subtree
from learning.spreadsheets import Limits, find_header, read_rows
from learning.text import fold, nfc

COLUMNS = {
    "code": ["Mã đơn vị", "Mã", "Mã số", "Code"],
    "name": ["Tên đơn vị", "Tên", "Tên công đoàn", "Name"],
    "kind": ["Loại", "Loại đơn vị", "Cấp", "Kind"],
    "parent": ["Mã đơn vị cấp trên", "Mã cấp trên", "Cấp trên", "Đơn vị cấp trên", "Parent"],
}
LABELS = {"code": "Mã đơn vị", "name": "Tên đơn vị", "kind": "Loại", "parent": "Mã đơn vị cấp trên"}
TEMPLATE_HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"]
MISSING = _l("missing")
UNKNOWN_KIND = _l("unknown kind of unit")

# Kind by its code value or by the Vietnamese words lists use (compared folded).
_KIND_WORDS = {
    UnitKind.FEDERATION: ["Liên đoàn Lao động", "LĐLĐ"],
    UnitKind.SECTOR_UNION: ["Công đoàn ngành"],
    UnitKind.COMMUNE_UNION: ["Công đoàn xã, phường", "Công đoàn xã", "Công đoàn phường"],
    UnitKind.ZONE_UNION: ["Công đoàn khu công nghiệp, khu kinh tế", "Công đoàn khu kinh tế"],
    UnitKind.GRASSROOTS: ["Công đoàn cơ sở", "CĐCS"],
    UnitKind.UNION_GROUP: ["Tổ công đoàn"],
    UnitKind.OTHER: ["Khác", "Đơn vị khác"],
}
_KINDS: dict[str, UnitKind] = {fold(kind.value.replace("_", " ")): kind for kind in UnitKind}
_KINDS.update({fold(word): kind for kind, words in _KIND_WORDS.items() for word in words})


@dataclass
class PlannedUnit:
    row: int
    code: str
    name: str
    kind: UnitKind
    parent_code: str
    existing_id: int | None = None


@dataclass
class UnitPlan:
    to_create: list[PlannedUnit] = field(default_factory=list)  # parents before children
    to_update: list[PlannedUnit] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def plan_unit_import(session: Session, data: bytes, *, scope_unit: Unit | None) -> UnitPlan:
    """Check a unit list. `scope_unit` None means anywhere (an admin); otherwise every unit
    must end up inside that unit's subtree."""
    _header, columns, rows = find_header(
        read_rows(data, Limits()), COLUMNS, ["code", "name", "parent"]
    )
    plan = UnitPlan()
    wanted: dict[str, PlannedUnit] = {}
    for row in rows:
        cells = {name: (row.cells[i] if i < len(row.cells) else "") for name, i in columns.items()}
        if not any(cells.values()):
            continue
        code, name = cells["code"].strip().upper(), nfc(cells["name"])
        kind = _KINDS.get(
            fold(cells.get("kind", "")), UnitKind.GRASSROOTS if not cells.get("kind") else None
        )
        problems = []
        if not code or len(code) > 50:
            problems.append(f"{LABELS['code']}: {MISSING}")
        if not name or len(name) > 255:
            problems.append(f"{LABELS['name']}: {MISSING}")
        if kind is None:
            problems.append(f"{LABELS['kind']}: {UNKNOWN_KIND}")
        if code in wanted:
            problems.append(
                f"{LABELS['code']}: " + str(_l("the same as row %(row)d", row=wanted[code].row))
            )
        if problems:
            plan.rejected.append((row.number, "; ".join(problems)))
            continue
        wanted[code] = PlannedUnit(row.number, code, name, kind, cells["parent"].strip().upper())  # type: ignore[arg-type]
    existing = {
        unit.code.upper(): unit
        for unit in session.scalars(
            select(Unit).where(
                Unit.code.in_(list(wanted) + [u.parent_code for u in wanted.values()])
            )
        )
    }
    _order(plan, wanted, existing, session, scope_unit)
    return plan


def _order(
    plan: UnitPlan,
    wanted: dict[str, PlannedUnit],
    existing: dict[str, Unit],
    session: Session,
    scope_unit: Unit | None,
) -> None:
    """Parents first: a unit is placed once its parent exists or is placed. What never gets
    placed has an unknown parent or is part of a cycle."""
    placed: set[str] = set()
    pending = dict(wanted)
    progress = True
    while pending and progress:
        progress = False
        for code, unit in list(pending.items()):
            parent_known = unit.parent_code in existing or unit.parent_code in placed
            if unit.parent_code == code or not (parent_known or not unit.parent_code):
                continue
            del pending[code]
            progress = True
            problem = _scope_problem(unit, existing, placed, session, scope_unit)
            if problem:
                plan.rejected.append((unit.row, problem))
                continue
            placed.add(code)
            if code in existing:
                unit.existing_id = existing[code].id
                plan.to_update.append(unit)
            else:
                plan.to_create.append(unit)
    for unit in pending.values():
        message = _l(
            "the parent unit %(code)s is neither in the file nor in the system",
            code=unit.parent_code,
        )
        plan.rejected.append((unit.row, f"{LABELS['parent']}: {message}"))
    plan.rejected.sort()


def _scope_problem(
    unit: PlannedUnit,
    existing: dict[str, Unit],
    placed: set[str],
    session: Session,
    scope_unit: Unit | None,
) -> str | None:
    if scope_unit is None:
        return None
    if not unit.parent_code:
        return str(_l("only an administrator can add a unit at the top"))
    parent = existing.get(unit.parent_code)
    if parent is not None and not is_in_subtree(session, scope_unit.id, parent.id):
        return str(_l("the parent unit is outside your scope"))
    current = existing.get(unit.code)
    if current is not None and not is_in_subtree(session, scope_unit.id, current.id):
        return str(_l("this unit is outside your scope"))
    return None
