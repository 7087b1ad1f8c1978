"""The one authorization rule, each role against its own and another unit's data."""

import pytest

from learning.auth.models import Role
from learning.auth.scope import can_access_user, can_manage_unit, unit_filter
from learning.errors import NotInScope


@pytest.fixture
def people(make):
    tree = make.tree()
    return {
        "tree": tree,
        "admin": make.user(role=Role.ADMIN, unit=tree.province),
        "officer_a": make.user(role=Role.OFFICER, unit=tree.district_a),
        "officer_b": make.user(role=Role.OFFICER, unit=tree.district_b),
        "worker_a": make.user(unit=tree.grassroots_a),
        "worker_a2": make.user(unit=tree.grassroots_a),
        "worker_b": make.user(unit=tree.grassroots_b),
    }


def test_admin_acts_everywhere(session, people):
    tree = people["tree"]
    for unit in (tree.province, tree.district_a, tree.grassroots_b):
        assert can_manage_unit(session, people["admin"], unit.id)
    assert can_access_user(session, people["admin"], people["worker_b"])


def test_officer_acts_on_their_subtree_only(session, people):
    tree, officer = people["tree"], people["officer_a"]
    assert can_manage_unit(session, officer, tree.district_a.id)
    assert can_manage_unit(session, officer, tree.grassroots_a.id)
    assert not can_manage_unit(session, officer, tree.province.id)
    assert not can_manage_unit(session, officer, tree.district_b.id)
    assert not can_manage_unit(session, officer, tree.grassroots_b.id)
    assert can_access_user(session, officer, people["worker_a"])
    assert not can_access_user(session, officer, people["worker_b"])
    assert not can_access_user(session, officer, people["officer_b"])
    assert not can_access_user(session, officer, people["admin"])


def test_worker_acts_on_their_own_data_only(session, people):
    worker = people["worker_a"]
    assert can_access_user(session, worker, worker)
    assert not can_access_user(session, worker, people["worker_a2"])
    assert not can_manage_unit(session, worker, people["tree"].grassroots_a.id)
    with pytest.raises(NotInScope):
        unit_filter(worker, None)  # type: ignore[arg-type]


def test_deactivated_officer_loses_scope(session, people):
    officer = people["officer_a"]
    officer.is_active = False
    assert not can_manage_unit(session, officer, people["tree"].grassroots_a.id)
    assert not can_access_user(session, officer, people["worker_a"])


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        ("admin", "worker_b", 200),
        ("officer_a", "worker_a", 200),
        ("officer_a", "worker_b", 403),
        ("officer_b", "worker_a", 403),
        ("worker_a", "worker_a", 200),
        ("worker_a", "worker_a2", 403),
        ("worker_a", "worker_b", 403),
    ],
)
def test_profile_page_follows_the_rule(auth, client, people, actor, target, status):
    auth.login(people[actor].phone)
    response = client.get(f"/users/{people[target].id}")
    assert response.status_code == status
    if status == 403:
        assert people[target].full_name not in response.text
        assert "Bạn không có quyền truy cập trang này." in response.text


def test_unknown_user_is_a_404(auth, client, people):
    auth.login(people["admin"].phone)
    assert client.get("/users/999999").status_code == 404
