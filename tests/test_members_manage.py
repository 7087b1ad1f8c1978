"""Officers find members and look after them, within their subtree only; every view of a
member list is in the audit log."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from learning.audit.models import AuditEntry
from learning.auth.models import Role, User


@pytest.fixture
def world(make):
    tree = make.tree()
    return {
        "tree": tree,
        "officer_a": make.user(role=Role.OFFICER, unit=tree.district_a),
        "officer_b": make.user(role=Role.OFFICER, unit=tree.district_b),
        "an": make.user(unit=tree.grassroots_a, full_name="Nguyễn Văn An", member_code="LC-42"),
        "binh": make.user(unit=tree.grassroots_b, full_name="Nguyễn Văn Bình"),
    }


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def test_search_without_diacritics_by_phone_and_by_code(app, world):
    client = login(app, world["officer_a"])
    assert "Nguyễn Văn An" in client.get("/members?q=nguyen van an").text
    assert "Nguyễn Văn An" in client.get("/members", query_string={"q": world["an"].phone}).text
    assert "Nguyễn Văn An" in client.get("/members?q=lc-42").text
    page = client.get("/members?q=nguyen").text
    assert "Nguyễn Văn Bình" not in page  # another district's member


def test_the_member_list_pages_by_fifty(app, world, make):
    for n in range(55):
        make.user(unit=world["tree"].grassroots_a, full_name=f"Lò Văn Páo {n:02d}")
    client = login(app, world["officer_a"])
    first = client.get("/members?q=lo van pao").text
    assert first.count("Lò Văn Páo ") == 50
    assert 'rel="next" href="/members?q=lo+van+pao&amp;page=2">Trang sau' in first
    assert 'rel="prev"' not in first
    second = client.get("/members?q=lo van pao&page=2").text
    assert second.count("Lò Văn Páo ") == 5
    assert 'rel="prev"' in second and "Trang trước" in second and 'rel="next"' not in second


def test_member_list_views_are_audited(app, world, session):
    login(app, world["officer_a"]).get("/members?q=an")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "members.view"))
    assert entry.actor_id == world["officer_a"].id and entry.after["q"] == "an"


def test_reset_password_gives_a_slip_and_forces_a_change(app, world, session):
    client = login(app, world["officer_a"])
    response = client.post(f"/members/{world['an'].id}/reset-password", data={"format": "pdf"})
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    password = text.split("Mật khẩu tạm thời:")[1].split()[0]
    member = app.test_client()
    assert (
        member.post(
            "/login", data={"login": world["an"].phone, "password": "password123"}
        ).status_code
        == 401
    )
    assert (
        member.post("/login", data={"login": world["an"].phone, "password": password}).headers[
            "Location"
        ]
        == "/password"
    )
    stored = session.scalar(select(User.password_hash).where(User.id == world["an"].id))
    assert password not in stored


def test_deactivate_and_move(app, world, session, make):
    client = login(app, world["officer_a"])
    new_unit = make.unit("CĐCS Mới", parent=world["tree"].district_a)
    page = client.get(f"/members/{world['an'].id}/manage").text
    assert "CĐCS Mới" in page
    moved = client.post(f"/members/{world['an'].id}/move", data={"unit": str(new_unit.id)})
    assert moved.status_code == 302
    session.expire_all()
    assert session.get(User, world["an"].id).unit_id == new_unit.id
    client.post(f"/members/{world['an'].id}/deactivate")
    session.expire_all()
    assert not session.get(User, world["an"].id).is_active
    assert (
        app.test_client()
        .post("/login", data={"login": world["an"].phone, "password": "password123"})
        .status_code
        == 401
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/members/{id}/manage"),
        ("post", "/members/{id}/reset-password"),
        ("post", "/members/{id}/deactivate"),
    ],
)
def test_an_officer_cannot_touch_another_subtree(app, world, session, method, path):
    client = login(app, world["officer_a"])
    response = getattr(client, method)(path.format(id=world["binh"].id))
    assert response.status_code == 403
    session.expire_all()
    binh = session.get(User, world["binh"].id)
    assert binh.is_active and not binh.must_change_password


def test_an_officer_cannot_move_someone_into_another_subtree(app, world):
    client = login(app, world["officer_a"])
    response = client.post(
        f"/members/{world['an'].id}/move", data={"unit": str(world["tree"].grassroots_b.id)}
    )
    assert response.status_code == 400


def test_workers_cannot_reach_member_pages(app, world):
    client = login(app, world["an"])
    assert client.get("/members").status_code == 403
    assert client.get("/members/import").status_code == 403
    assert client.post(f"/members/{world['binh'].id}/deactivate").status_code == 403


def test_an_officer_cannot_move_another_officer(app, world, make):
    fellow = make.user(role=Role.OFFICER, unit=world["tree"].grassroots_a)
    client = login(app, world["officer_a"])
    response = client.post(
        f"/members/{fellow.id}/move", data={"unit": str(world["tree"].district_a.id)}
    )
    assert response.status_code == 400
