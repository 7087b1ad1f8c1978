"""The roster decides who a phone number belongs to (issue 15, findings 1 and 2): a refused or
unconfirmed self-registration, or a member who left, is never renamed, reactivated or handed
to the real member silently; the officer sees why in words and chooses per row."""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from learning.auth.models import Role, UnitMembership, User
from learning.db import utcnow
from learning.members.importer import plan_import
from learning.members.services import apply_import, deactivate_member
from learning.org.models import UnitLink
from learning.org.services import set_join_link
from learning.reports.participation import Subject, participation
from learning.uploads.models import ImportBatch
from tests.clock import local_day
from tests.contest_helpers import make_contest
from tests.member_files import template

STRANGER = {"full_name": "Kẻ Lạ Mặt", "phone": "0933 000 001", "member_code": "",
            "gender": "male", "birth_year": "1990", "password": "mat-khau-ke-la",
            "confirm": "mat-khau-ke-la"}  # fmt: skip


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def tree(make):
    return make.tree()


@pytest.fixture
def officer(make, tree):
    return make.user(role=Role.OFFICER, unit=tree.grassroots_a, full_name="Cán bộ A")


def _staff(app, officer):
    staff = app.test_client()
    staff.post("/login", data={"login": officer.phone, "password": "password123"})
    return staff


def _upload(staff, unit, data):
    response = staff.post(
        "/members/import",
        data={"unit": unit.id, "file": (io.BytesIO(data), "danh-sach.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def _refused_stranger(app, session, make, tree, officer):
    """The reproduction of finding 1: a join link, a stranger's registration, refused."""
    admin = make.user(role=Role.ADMIN)
    set_join_link(session, admin, tree.grassroots_a, enabled=True, automatic=False)
    session.commit()
    anonymous = app.test_client()
    assert anonymous.post(f"/join/{tree.grassroots_a.join_token}", data=STRANGER).status_code == 200
    stranger = session.scalar(select(User).where(User.phone == "+84933000001"))
    staff = _staff(app, officer)
    staff.post(f"/members/{stranger.id}/decide", data={"approve": "0"})
    session.expire_all()
    return stranger, staff


def _logs_in(app, login, password):
    response = app.test_client().post("/login", data={"login": login, "password": password})
    return response.status_code == 302


def test_a_refused_stranger_is_not_renamed_into_the_real_member(app, session, make, tree, officer):
    stranger, staff = _refused_stranger(app, session, make, tree, officer)
    real_list = template([["Nguyễn Thị Thật", "", "Nữ", "0933000001", "", ""]])
    preview_url = _upload(staff, tree.grassroots_a, real_list)
    page = staff.get(preview_url).text
    today = local_day(utcnow())
    # The preview says in words who holds the phone, and offers the choice.
    assert "Nguyễn Thị Thật" in page
    assert f"đã bị từ chối ngày {today}" in page
    assert "Cập nhật 1" not in page

    # Confirming without choosing leaves the row out: nothing changes.
    staff.post(preview_url + "/confirm", data={})
    session.expire_all()
    kept = session.get(User, stranger.id)
    assert (kept.full_name, kept.is_active, kept.phone) == ("Kẻ Lạ Mặt", False, "+84933000001")
    assert session.scalar(select(func.count()).where(User.full_name == "Nguyễn Thị Thật")) == 0


def test_taking_the_number_over_gives_the_member_a_new_account_and_a_slip(
    app, session, make, tree, officer
):
    stranger, staff = _refused_stranger(app, session, make, tree, officer)
    old_token = stranger.session_token
    preview_url = _upload(
        staff, tree.grassroots_a, template([["Nguyễn Thị Thật", "", "", "0933000001", "", ""]])
    )
    page = staff.get(preview_url).text
    choice = re.search(r'name="(held-\d+)" value="(take_over:[^"]+)"', page)
    assert choice, "the preview offers to take the number over"
    assert "confirm:" not in page  # a refused registration cannot be confirmed
    staff.post(preview_url + "/confirm", data={choice.group(1): choice.group(2)})
    session.expire_all()
    old = session.get(User, stranger.id)
    assert old.phone is None and not old.is_active and old.session_token != old_token
    member = session.scalar(select(User).where(User.phone == "+84933000001"))
    assert member.id != stranger.id and member.full_name == "Nguyễn Thị Thật"
    assert member.must_change_password and member.confirmed_at is not None
    assert not _logs_in(app, "0933000001", "mat-khau-ke-la")  # the stranger's password is gone
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert member.id in batch.result["slips"]


def test_a_member_who_left_is_not_reactivated_silently_and_keeps_the_gap(
    ctx, session, make, tree, officer
):
    member = make.user(unit=tree.grassroots_a, phone="0933 000 002", full_name="Lò Văn Về")
    long_ago = utcnow() - dt.timedelta(days=90)
    tree.grassroots_a.created_at = member.created_at = long_ago
    for link in session.scalars(select(UnitLink).where(UnitLink.unit_id == tree.grassroots_a.id)):
        link.started_at = long_ago
    joined = session.scalar(select(UnitMembership).where(UnitMembership.user_id == member.id))
    joined.started_at = long_ago
    session.commit()
    deactivate_member(session, officer, member)
    member.deactivated_at = utcnow() - dt.timedelta(days=30)
    session.commit()
    left_on = member.deactivated_at

    def members_on(days_ago):
        at = utcnow() - dt.timedelta(days=days_ago)
        (root, *_) = participation(session, tree.grassroots_a, Subject("course", 0, None), until=at)
        return root.members

    assert (members_on(45), members_on(15), members_on(0)) == (1, 0, 0)

    data = template([["Lò Văn Về", "", "", "0933000002", "", ""]])
    plan = plan_import(session, data, scope_unit=tree.grassroots_a)
    assert plan.to_update == [] and plan.to_create == []
    (held,) = plan.held
    assert held.state == "left" and held.returning
    assert f"rời công đoàn ngày {local_day(left_on)}" in held.reason

    result = apply_import(session, plan, officer, skip_invalid=False)
    session.expire_all()
    assert not session.get(User, member.id).is_active and result.left_out == 1

    plan = plan_import(session, data, scope_unit=tree.grassroots_a)
    result = apply_import(session, plan, officer, skip_invalid=False, take_over={plan.held[0].key})
    session.expire_all()
    back = session.get(User, member.id)
    assert back.is_active and back.must_change_password and result.slips == [member.id]
    spans = session.execute(
        select(UnitMembership.started_at, UnitMembership.ended_at)
        .where(UnitMembership.user_id == member.id)
        .order_by(UnitMembership.started_at)
    ).all()
    # The month away stays a gap: reports over those dates do not count them.
    assert len(spans) == 2
    assert spans[0].ended_at == left_on and spans[1].started_at > left_on
    assert spans[1].ended_at is None
    # Reports over past dates stay as they were: counted before leaving, not while away.
    assert (members_on(45), members_on(15), members_on(0)) == (1, 0, 1)


def test_an_unchanged_list_says_unchanged(ctx, session, make, tree, officer):
    make.user(unit=tree.grassroots_a, phone="0933 000 003", full_name="Giàng A Páo")
    plan = plan_import(
        session,
        template([["Giàng A Páo", "", "", "0933000003", "", ""]]),
        scope_unit=tree.grassroots_a,
    )
    assert plan.to_update == [] and len(plan.unchanged) == 1
    changed = plan_import(
        session,
        template([["Giàng A Páo", "1990", "Nam", "0933000003", "", ""]]),
        scope_unit=tree.grassroots_a,
    )
    (update,) = changed.to_update
    assert [(c.label, c.before, c.after) for c in update.changes] == [
        ("Giới tính", "", "Nam"),
        ("Năm sinh", "", "1990"),
    ]


def test_signature_lines_end_the_table_and_exact_repeats_are_warnings(ctx, session, tree):
    data = template(
        [
            ["Lý Thị Một", "", "Nữ", "0933 200 001", "", ""],
            ["Lý Thị Một", "", "Nữ", "0933200001", "", ""],  # copied twice: a warning
            ["Người Khác", "", "", "0933 200 001", "", ""],  # same phone, another person
            ["Vàng A Hai", "", "", "0933 200 002", "", ""],
            [],
            ["", "Lào Cai, ngày … tháng … năm 2026"],
            ["NGƯỜI LẬP BIỂU", "", "", "CHỦ TỊCH", "", ""],
            [],
            ["Hoàng Văn Ký", "", "", "Nguyễn Thị Dấu", "", ""],
        ]
    )
    plan = plan_import(session, data, scope_unit=tree.grassroots_a)
    assert [m.full_name for m in plan.to_create] == ["Lý Thị Một", "Vàng A Hai"]
    assert [(r.row, r.same_as) for r in plan.repeated] == [(3, 2)]
    assert [r.row for r in plan.rejected] == [4]
    assert "trùng với dòng 2" in plan.rejected[0].reason


def test_the_preview_lists_people_and_what_changes(app, session, make, tree, officer):
    make.user(unit=tree.grassroots_a, phone="0933 300 001", full_name="Tên Cũ")
    make.user(unit=tree.grassroots_a, phone="0933 300 002", full_name="Đã Đúng")
    staff = _staff(app, officer)
    data = template(
        [
            ["Tên Mới", "", "", "0933300001", "", ""],
            ["Đã Đúng", "", "", "0933300002", "", ""],
            ["Người Mới Tinh", "", "", "0933300003", "", ""],
        ]
    )
    page = staff.get(_upload(staff, tree.grassroots_a, data)).text
    assert "Người Mới Tinh" in page
    assert re.search(r"Họ và tên: <del>Tên Cũ</del> → <ins>Tên Mới</ins>", page)
    assert "Không thay đổi: 1 đoàn viên" in page


CONTEST_FORM = {"full_name": "Kẻ Giữ Số", "category": "non_member", "birth_year": "1990",
                "gender": "male", "password": "mat-khau-123", "confirm": "mat-khau-123"}  # fmt: skip


def _register(client, contest, tree, phone):
    return client.post(
        f"/contests/{contest.id}/register",
        data={**CONTEST_FORM, "phone": phone, "unit": tree.grassroots_a.id},
    )


def test_contest_registration_answers_the_same_whether_a_phone_has_an_account(
    app, session, make, tree, sample_course
):
    owner = make.user(unit=tree.grassroots_a, phone="0933 400 001", full_name="Chủ Thật")
    contest, _round, _admin = make_contest(session, make, sample_course)
    users = session.scalar(select(func.count(User.id)))
    taken = _register(app.test_client(), contest, tree, "0933400001")
    free = _register(app.test_client(), contest, tree, "0933400002")
    assert (taken.status_code, taken.headers.get("Location")) == (
        free.status_code,
        free.headers.get("Location"),
    )
    assert taken.status_code == 302
    follow = app.test_client()
    assert _register(follow, contest, tree, "0933400003").status_code == 302
    words = follow.get(free.headers["Location"]).text
    # The page tells the real owner what to do next.
    assert "hỏi cán bộ công đoàn" in words
    session.expire_all()
    assert session.scalar(select(func.count(User.id))) == users + 2
    assert session.get(User, owner.id).full_name == "Chủ Thật"
    assert _logs_in(app, "0933400001", "password123")  # the owner's password is untouched
    assert not _logs_in(app, "0933400001", "mat-khau-123")
    assert _logs_in(app, "0933400002", "mat-khau-123")  # the new entrant logs in


def test_a_phone_held_by_a_contest_registration_goes_to_the_member_on_the_roster(
    app, session, make, tree, officer, sample_course
):
    contest, _round, _admin = make_contest(session, make, sample_course)
    _register(app.test_client(), contest, tree, "0933400009")
    squatter = session.scalar(select(User).where(User.phone == "+84933400009"))
    assert squatter.confirmed_at is None  # nobody on the roster vouched for it
    staff = _staff(app, officer)
    url = _upload(
        staff, tree.grassroots_a, template([["Chủ Thật Sự", "", "", "0933400009", "", ""]])
    )
    page = staff.get(url).text
    assert "tự đăng ký chưa được cán bộ nào xác nhận" in page
    assert "Kẻ Giữ Số" not in page  # not the officer's person: their name is not shown
    choice = re.search(r'name="(held-\d+)" value="(take_over:[^"]+)"', page)
    assert "confirm:" not in page  # not of the officer's union: only taking over is offered
    staff.post(url + "/confirm", data={choice.group(1): choice.group(2)})
    session.expire_all()
    member = session.scalar(select(User).where(User.phone == "+84933400009"))
    assert member.full_name == "Chủ Thật Sự" and member.unit_id == tree.grassroots_a.id
    squatter = session.get(User, squatter.id)
    assert squatter.phone is None and not squatter.is_active  # nothing left to log in with
    assert not _logs_in(app, "0933400009", "mat-khau-123")


def test_a_self_registration_of_the_union_can_be_confirmed_as_the_member(
    app, session, make, tree, officer
):
    admin = make.user(role=Role.ADMIN)
    set_join_link(session, admin, tree.grassroots_a, enabled=True, automatic=True)
    session.commit()
    joined = {**STRANGER, "full_name": "Vàng Thị Dợ", "phone": "0933 500 001"}
    app.test_client().post(f"/join/{tree.grassroots_a.join_token}", data=joined)
    registered = session.scalar(select(User).where(User.phone == "+84933500001"))
    assert registered.confirmed_at is None and not registered.is_pending
    staff = _staff(app, officer)
    assert "tự đăng ký, chưa xác nhận" in staff.get("/members").text
    url = _upload(
        staff,
        tree.grassroots_a,
        template([["Vàng Thị Dợ", "1990", "Nữ", "0933500001", "LC-5", ""]]),
    )
    page = staff.get(url).text
    assert "tự đăng ký chưa được cán bộ nào xác nhận" in page and "Vàng Thị Dợ" in page
    choice = re.search(r'name="(held-\d+)" value="(confirm:[^"]+)"', page)
    staff.post(url + "/confirm", data={choice.group(1): choice.group(2)})
    session.expire_all()
    member = session.get(User, registered.id)
    assert member.confirmed_at is not None and member.member_code == "LC-5"
    assert _logs_in(app, "0933500001", "mat-khau-ke-la")  # their own password still works
    assert "tự đăng ký, chưa xác nhận" not in staff.get("/members").text
