"""Units change: rename, move, merge, deactivate, each audited, with history kept."""

import pytest
from sqlalchemy import select

from learning.audit.queries import entries_for
from learning.auth.models import Role, UnitMembership, User
from learning.errors import InvalidInput
from learning.org.models import Unit, UnitKind, UnitLink
from learning.org.queries import is_in_subtree, list_subtree
from learning.org.services import deactivate_unit, merge_units, move_unit, rename_unit


@pytest.fixture
def admin(make):
    return make.user(role=Role.ADMIN)


def test_rename_is_audited_with_before_and_after(session, make, admin):
    unit = make.unit("CĐCS Công ty A")
    rename_unit(session, admin, unit, "CĐCS Công ty Cổ phần A", UnitKind.GRASSROOTS)
    entry = entries_for(session, "unit", unit.id)[0]
    assert entry.action == "unit.rename" and entry.actor_id == admin.id
    assert entry.before["name"] == "CĐCS Công ty A"
    assert entry.after["name"] == "CĐCS Công ty Cổ phần A"


def test_move_carries_the_subtree_and_keeps_the_old_link(session, make, admin):
    tree = make.tree()
    group = make.unit("Tổ 1", parent=tree.grassroots_a, kind=UnitKind.UNION_GROUP)
    move_unit(session, admin, tree.grassroots_a, tree.district_b)
    assert is_in_subtree(session, tree.district_b.id, group.id)
    assert not is_in_subtree(session, tree.district_a.id, group.id)
    assert is_in_subtree(session, tree.province.id, group.id)
    assert [u.id for u in list_subtree(session, tree.district_a.id)] == [tree.district_a.id]
    links = session.scalars(
        select(UnitLink).where(UnitLink.unit_id == tree.grassroots_a.id).order_by(UnitLink.id)
    ).all()
    assert [(link.parent_id, link.ended_at is None) for link in links] == [
        (tree.district_a.id, False),
        (tree.district_b.id, True),
    ]
    assert (
        entries_for(session, "unit", tree.grassroots_a.id)[0].after["parent_id"]
        == tree.district_b.id
    )


def test_a_unit_cannot_move_under_itself(session, make, admin):
    tree = make.tree()
    with pytest.raises(InvalidInput):
        move_unit(session, admin, tree.district_a, tree.grassroots_a)
    with pytest.raises(InvalidInput):
        move_unit(session, admin, tree.district_a, tree.district_a)


def test_merge_moves_members_and_units_and_keeps_history(session, make, admin):
    tree = make.tree()
    group = make.unit("Tổ 1", parent=tree.grassroots_a, kind=UnitKind.UNION_GROUP)
    people = [make.user(unit=tree.grassroots_a) for _ in range(3)]
    moved = merge_units(session, admin, tree.grassroots_a, tree.grassroots_b)
    assert moved == 3
    session.expire_all()
    assert {session.get(User, p.id).unit_id for p in people} == {tree.grassroots_b.id}
    assert session.get(Unit, group.id).parent_id == tree.grassroots_b.id
    source = session.get(Unit, tree.grassroots_a.id)
    assert not source.is_active and source.merged_into_id == tree.grassroots_b.id
    history = session.scalars(
        select(UnitMembership)
        .where(UnitMembership.user_id == people[0].id)
        .order_by(UnitMembership.id)
    ).all()
    assert [(m.unit_id, m.ended_at is None) for m in history] == [
        (tree.grassroots_a.id, False),
        (tree.grassroots_b.id, True),
    ]
    assert history[0].ended_at == history[1].started_at
    assert entries_for(session, "unit", source.id)[0].after["members_moved"] == 3


def test_merge_into_own_subtree_is_refused(session, make, admin):
    tree = make.tree()
    with pytest.raises(InvalidInput):
        merge_units(session, admin, tree.district_a, tree.grassroots_a)


def test_deactivate_needs_an_empty_unit(session, make, admin):
    tree = make.tree()
    make.user(unit=tree.grassroots_a)
    with pytest.raises(InvalidInput, match="1"):
        deactivate_unit(session, admin, tree.grassroots_a)
    empty = make.unit("CĐCS đã giải thể", parent=tree.district_a)
    deactivate_unit(session, admin, empty)
    assert not empty.is_active
