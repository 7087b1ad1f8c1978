"""Reads of the unit tree. Every subtree question is one SQL statement over `unit_closure`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from learning.org.models import Unit, UnitClosure
from learning.text import fold


def subtree_ids(unit_id: int) -> Select[tuple[int]]:
    """A select of the ids of `unit_id` and every unit below it, for use in `IN (...)`."""
    return select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)


def is_in_subtree(session: Session, ancestor_id: int, unit_id: int) -> bool:
    """True when `unit_id` is `ancestor_id` or lies below it."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    UnitClosure.ancestor_id == ancestor_id, UnitClosure.descendant_id == unit_id
                )
            )
        )
    )


def get_unit_by_code(session: Session, code: str) -> Unit | None:
    """The unit with this code, if any."""
    return session.scalar(select(Unit).where(Unit.code == code.strip()))


def list_subtree(session: Session, unit_id: int) -> Sequence[Unit]:
    """The units of a subtree, nearest first, then by name."""
    return session.scalars(
        select(Unit)
        .join(UnitClosure, UnitClosure.descendant_id == Unit.id)
        .where(UnitClosure.ancestor_id == unit_id)
        .order_by(UnitClosure.depth, Unit.name)
    ).all()


def ancestors(session: Session, unit_id: int) -> Sequence[Unit]:
    """The chain from the root down to the unit's parent (breadcrumbs, "which parent?")."""
    return session.scalars(
        select(Unit)
        .join(UnitClosure, UnitClosure.ancestor_id == Unit.id)
        .where(UnitClosure.descendant_id == unit_id, UnitClosure.depth > 0)
        .order_by(UnitClosure.depth.desc())
    ).all()


def search_units(session: Session, text: str, *, limit: int = 20) -> Sequence[Unit]:
    """Active units whose name contains `text`, ignoring case and diacritics."""
    key = fold(text)
    if not key:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return session.scalars(
        select(Unit)
        .where(Unit.is_active, Unit.name_folded.like(pattern, escape="\\"))
        .order_by(Unit.name)
        .limit(limit)
    ).all()


def roots(session: Session) -> Sequence[Unit]:
    """Units with no parent (the federations at the top)."""
    return session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.name)).all()


def subtree_with_depth(session: Session, unit_id: int) -> list[tuple[Unit, int]]:
    """A subtree in tree order (each unit followed by its children), with each unit's depth
    below `unit_id`: one query, ordered in Python."""
    rows = session.execute(
        select(Unit, UnitClosure.depth)
        .join(UnitClosure, UnitClosure.descendant_id == Unit.id)
        .where(UnitClosure.ancestor_id == unit_id)
    ).all()
    children: dict[int | None, list[Unit]] = {}
    depth = {unit.id: d for unit, d in rows}
    for unit, _d in rows:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [next(unit for unit, d in rows if d == 0)]
    while stack:
        unit = stack.pop()
        ordered.append((unit, depth[unit.id]))
        stack.extend(sorted(children.get(unit.id, []), key=lambda u: u.name, reverse=True))
    return ordered
