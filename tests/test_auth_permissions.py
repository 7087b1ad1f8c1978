"""One place for permissions: role gates and named rules live in auth/scope.py, templates
ask `can(...)`, services raise the same NotInScope; nothing else compares roles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from learning.auth.models import Role
from learning.auth.scope import (
    PERMISSIONS,
    can,
    manageable_units,
    may_manage_account,
    may_restructure_unit,
    require_restructure,
)
from learning.contests import services as contest_services
from learning.errors import NotInScope

ROOT = Path(__file__).resolve().parent.parent
# A role compared anywhere but in the one place (and where accounts are made).
ROLE_TEST = re.compile(r"\.role\s*(?:is|==|!=|not in|in)\b|role\.value\s*(?:==|!=|in|not in)")
ALLOWED = {"learning/auth/scope.py", "learning/auth/models.py"}


def test_no_code_outside_scope_compares_roles():
    offenders = []
    for path in sorted((ROOT / "learning").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if name not in ALLOWED and ROLE_TEST.search(line) and "User.role" not in line:
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_no_template_compares_role_strings():
    offenders = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"role\.value\s*(==|!=|in|not in)|\.is_admin\b|\.is_officer\b", line)
    ]
    assert offenders == []


def test_no_blueprint_keeps_its_own_role_gate():
    helpers = re.compile(r"def _(require_)?(staff|admin|is_admin)\(|def _admins_only\(")
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "learning").rglob("views.py"))
        if helpers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.fixture
def people(make):
    tree = make.tree()
    return {
        "tree": tree,
        "admin": make.user(role=Role.ADMIN, unit=tree.province),
        "officer": make.user(role=Role.OFFICER, unit=tree.district_a),
        "officer_b": make.user(role=Role.OFFICER, unit=tree.district_b),
        "worker": make.user(unit=tree.grassroots_a),
        "worker_b": make.user(unit=tree.grassroots_b),
    }


def test_an_officer_may_not_restructure_their_own_unit(session, people):
    tree, officer, admin = people["tree"], people["officer"], people["admin"]
    assert not may_restructure_unit(officer, tree.district_a)
    assert may_restructure_unit(officer, tree.grassroots_a)
    assert may_restructure_unit(admin, tree.district_a)
    assert not may_restructure_unit(people["worker"], tree.grassroots_a)
    with pytest.raises(NotInScope):
        require_restructure(session, officer, tree.district_a)
    with pytest.raises(NotInScope):  # in no way theirs
        require_restructure(session, officer, tree.grassroots_b)
    require_restructure(session, officer, tree.grassroots_a)


def test_managing_an_account_is_staff_over_an_active_worker_in_scope(session, people):
    officer = people["officer"]
    assert may_manage_account(session, officer, people["worker"])
    assert not may_manage_account(session, officer, people["worker_b"])  # another subtree
    assert not may_manage_account(session, officer, people["officer"])  # not a worker
    assert not may_manage_account(session, people["worker"], people["worker"])
    people["worker"].is_active = False
    assert not may_manage_account(session, officer, people["worker"])


def test_manageable_units_follow_the_scope_rule(session, people):
    tree = people["tree"]
    officer_units = {u.id for u in manageable_units(session, people["officer"])}
    assert officer_units == {tree.district_a.id, tree.grassroots_a.id}
    assert len(manageable_units(session, people["admin"])) == 5
    assert manageable_units(session, people["worker"]) == []


def test_can_answers_every_named_permission_for_every_role(session, people):
    tree = people["tree"]
    anonymous = AnonymousUserMixin()
    objects = {"manage_unit": tree.grassroots_a, "restructure_unit": tree.grassroots_a,
               "manage_account": people["worker"]}  # fmt: skip
    for name in PERMISSIONS:
        obj = objects.get(name)
        assert not can(session, anonymous, name, obj), name
        assert not can(session, people["worker"], name, obj), name
        assert can(session, people["admin"], name, obj), name
    assert can(session, people["officer"], "staff_pages")
    assert not can(session, people["officer"], "author_content")
    assert not can(session, people["officer_b"], "manage_account", people["worker"])


def test_contest_services_refuse_a_non_admin_with_not_in_scope(session, people):
    data = contest_services.ContestData(
        title="Cuộc thi",
        rules="",
        allows_registration=False,
        is_published=False,
        prize_count=1,
        award_min_members=1,
        suspicious_percent=20,
        unit_ids=(),
    )
    for actor in (people["officer"], people["worker"]):
        with pytest.raises(NotInScope):
            contest_services.save_contest(session, actor, data)


def test_the_menu_asks_can(app, auth, people):
    client = app.test_client()
    client.post("/login", data={"login": people["officer"].phone, "password": "password123"})
    page = client.get("/contests").text
    assert "/members" in page and "/admin/courses" not in page
    admin = app.test_client()
    admin.post("/login", data={"login": people["admin"].phone, "password": "password123"})
    page = admin.get("/contests").text
    assert "/admin/courses" in page and "/admin/contests" in page


def test_staff_links_show_in_both_menus_and_only_for_staff(app, people):
    """The header asks `can("staff_pages")` once: staff get their links in the wide list and
    in the folded phone menu; a worker gets neither the links nor the folded menu."""
    officer = app.test_client()
    officer.post("/login", data={"login": people["officer"].phone, "password": "password123"})
    page = officer.get("/contests").text
    assert 'class="staff-nav"' in page and 'class="nav-compact"' in page
    assert page.count('href="/members"') == 2 and page.count("Báo cáo</a>") == 2
    worker = app.test_client()
    worker.post("/login", data={"login": people["worker"].phone, "password": "password123"})
    page = worker.get("/contests").text
    assert "nav-compact" not in page and 'href="/members"' not in page
    assert "Báo cáo</a>" not in page and page.count('href="/contests"') >= 1
