"""The unit tree: closure rows, subtree queries in one statement, diacritic-free search."""

import pytest
from sqlalchemy import event, select

from learning.errors import InvalidInput
from learning.org.models import UnitClosure, UnitKind
from learning.org.queries import ancestors, is_in_subtree, list_subtree, search_units
from learning.org.services import create_unit


def test_closure_has_a_row_per_ancestor(session, make):
    root = make.unit("Tỉnh", kind=UnitKind.FEDERATION)
    middle = make.unit("Phường", parent=root, kind=UnitKind.COMMUNE_UNION)
    leaf = make.unit("CĐCS", parent=middle)
    group = make.unit("Tổ", parent=leaf, kind=UnitKind.UNION_GROUP)
    rows = session.execute(
        select(UnitClosure.ancestor_id, UnitClosure.depth).where(
            UnitClosure.descendant_id == group.id
        )
    ).all()
    assert sorted(rows, key=lambda r: r.depth) == [
        (group.id, 0),
        (leaf.id, 1),
        (middle.id, 2),
        (root.id, 3),
    ]
    assert [u.id for u in ancestors(session, group.id)] == [root.id, middle.id, leaf.id]


def test_subtree_is_one_statement_at_any_depth(session, make, connection):
    root = make.unit(kind=UnitKind.FEDERATION)
    parent = root
    for _ in range(8):  # nothing assumes a fixed number of levels
        parent = make.unit(parent=parent, kind=UnitKind.OTHER)
    statements = []

    def listener(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", listener)
    try:
        units = list_subtree(session, root.id)
        inside = is_in_subtree(session, root.id, parent.id)
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert len(units) == 9
    assert inside
    assert len(statements) == 2


def test_sibling_subtrees_do_not_overlap(session, make):
    tree = make.tree()
    assert not is_in_subtree(session, tree.district_a.id, tree.grassroots_b.id)
    assert is_in_subtree(session, tree.province.id, tree.grassroots_b.id)


def test_search_ignores_diacritics_and_case(session, make):
    make.unit("CĐCS Công ty TNHH Điện tử Tân Phát")
    found = search_units(session, "dien tu tan phat")
    assert [u.name for u in found] == ["CĐCS Công ty TNHH Điện tử Tân Phát"]
    assert search_units(session, "%") == []


def test_duplicate_code_is_refused(session, make):
    make.unit(code="CS-1")
    with pytest.raises(InvalidInput):
        create_unit(session, code="CS-1", name="Khác", kind=UnitKind.GRASSROOTS)
