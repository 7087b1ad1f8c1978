"""Self-registration through a unit's join link, and the officer's approval."""

import re

import pytest
from sqlalchemy import func, select

from learning.auth.models import Role, User
from learning.org.services import set_join_link

FORM = {"full_name": "Vàng Thị Dợ", "phone": "0912 333 444", "member_code": "", "gender": "female",
        "birth_year": "1998", "password": "mat-khau-dai", "confirm": "mat-khau-dai"}  # fmt: skip


@pytest.fixture
def unit(make, session):
    unit = make.unit("CĐCS Khách sạn Mây Trắng")
    admin = make.user(role=Role.ADMIN)
    set_join_link(session, admin, unit, enabled=True, automatic=False)
    session.commit()
    return unit


def test_register_wait_for_approval_then_log_in(app, client, unit, make, session):
    page = client.get(f"/join/{unit.join_token}")
    assert "CĐCS Khách sạn Mây Trắng" in page.text
    done = client.post(f"/join/{unit.join_token}", data=FORM)
    assert done.status_code == 200
    assert "đang chờ cán bộ công đoàn duyệt" in done.text
    person = session.scalar(select(User).where(User.phone == "+84912333444"))
    assert person.is_pending and person.unit_id == unit.id
    assert (
        app.test_client()
        .post("/login", data={"login": "0912333444", "password": "mat-khau-dai"})
        .status_code
        == 401
    )

    officer = make.user(role=Role.OFFICER, unit=unit)
    staff = app.test_client()
    staff.post("/login", data={"login": officer.phone, "password": "password123"})
    assert "Vàng Thị Dợ" in staff.get("/members/pending").text
    staff.post(f"/members/{person.id}/decide", data={"approve": "1"})
    assert (
        app.test_client()
        .post("/login", data={"login": "0912333444", "password": "mat-khau-dai"})
        .status_code
        == 302
    )


def test_units_that_approve_automatically(client, unit, session):
    unit.approves_joins_automatically = True
    session.commit()
    done = client.post(f"/join/{unit.join_token}", data=FORM)
    assert "đã sẵn sàng" in done.text


def test_a_phone_already_registered_reads_the_same_answer_without_a_duplicate(
    app, client, unit, make, session
):
    make.user(phone="0912333444", full_name="Chủ Số")
    response = client.post(f"/join/{unit.join_token}", data=FORM)
    fresh = app.test_client().post(
        f"/join/{unit.join_token}", data={**FORM, "phone": "0912 333 555"}
    )
    assert response.status_code == fresh.status_code == 200

    # The same words either way (a phone number is not on the page); they tell the owner.
    def words(page):
        return re.sub(r'name="csrf_token" value="[^"]*"', "", page.text)

    assert words(response) == words(fresh)
    assert "hỏi cán bộ công đoàn" in response.text
    assert session.scalar(select(func.count()).where(User.phone == "+84912333444")) == 1


def test_bad_registrations(client, unit):
    assert client.post(f"/join/{unit.join_token}", data={**FORM, "phone": "12"}).status_code == 400
    assert (
        client.post(f"/join/{unit.join_token}", data={**FORM, "confirm": "khac"}).status_code == 400
    )
    assert (
        client.post(f"/join/{unit.join_token}", data={**FORM, "birth_year": "năm"}).status_code
        == 400
    )


def test_an_unknown_or_disabled_link_is_a_404(client, unit, session, make):
    assert client.get("/join/khong-co").status_code == 404
    set_join_link(session, make.user(role=Role.ADMIN), unit, enabled=False, automatic=False)
    session.commit()
    assert client.post("/join/anything", data=FORM).status_code == 404
