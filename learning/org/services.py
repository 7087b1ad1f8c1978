"""Writes to the unit tree; they keep `unit_closure` in step with `parent_id`."""

from __future__ import annotations

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session

from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.org.models import Unit, UnitClosure, UnitKind
from learning.org.queries import get_unit_by_code
from learning.text import fold, nfc


def create_unit(
    session: Session, *, code: str, name: str, kind: UnitKind, parent: Unit | None = None
) -> Unit:
    """Add a unit under `parent` (or as a root) and index it in the closure table."""
    code = code.strip()
    if get_unit_by_code(session, code) is not None:
        raise InvalidInput(_("A unit with code %(code)s already exists.", code=code))
    name = nfc(name)
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
    session.flush()
    return unit
