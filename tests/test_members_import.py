"""Importing member lists: the template and real-style lists, preview and confirm, duplicates,
atomic writes, rejected rows, the command line, and officer scoping."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from learning.auth.models import Gender, Role, UnitMembership, User
from learning.errors import InvalidInput
from learning.members import services as member_services
from learning.members.importer import plan_import
from learning.members.services import apply_import, slip_members
from learning.spreadsheets import SpreadsheetError
from learning.uploads.models import ImportBatch
from tests.member_files import csv_cp1258, messy_list, template, xlsx


def count_users(session):
    return session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def ctx(app):
    """An app and request context for service-level tests (messages, the slip key)."""
    with app.test_request_context():
        yield


@pytest.fixture
def tree(make):
    return make.tree()


@pytest.fixture
def officer(make, tree):
    return make.user(role=Role.OFFICER, unit=tree.district_a, full_name="Cán bộ A")


def test_the_template_imports(ctx, session, tree, officer):
    data = template(
        [
            [
                "Trần Văn Bình",
                "01/02/1988",
                "Nam",
                "0912 111 222",
                "LC-0001",
                tree.grassroots_a.code,
            ],
            ["Phạm Thị Cúc", "1999", "Nữ", "84912111333", "", ""],
        ]
    )
    plan = plan_import(session, data, scope_unit=tree.district_a)
    assert (len(plan.to_create), len(plan.to_update), len(plan.rejected)) == (2, 0, 0)
    result = apply_import(session, plan, officer, skip_invalid=False)
    binh, cuc = (session.get(User, uid) for uid in result.created)
    assert (binh.phone, binh.member_code, binh.gender, binh.birth_year) == (
        "+84912111222",
        "LC-0001",
        Gender.MALE,
        1988,
    )
    assert binh.unit_id == tree.grassroots_a.id and cuc.unit_id == tree.district_a.id
    assert binh.must_change_password
    assert session.scalar(select(func.count()).where(UnitMembership.user_id == binh.id)) == 1


def test_a_real_style_list_with_titles_totals_and_signatures(ctx, session, tree):
    plan = plan_import(session, messy_list(), scope_unit=tree.grassroots_a)
    assert [m.full_name for m in plan.to_create] == [
        "Nguyễn Thị Ánh Tuyết",
        "Lò Văn Páo",
        "Hoàng Thị Mây",
    ]
    assert [m.phone for m in plan.to_create] == ["+84912345678", "+84987654321", "+84912000111"]
    assert [m.birth_year for m in plan.to_create] == [1995, 1990, None]
    assert plan.rejected == []
    assert plan.skipped >= 3  # the blank line, the totals line and the signature lines


def test_csv_in_windows_1258_with_decomposed_names(ctx, session, tree):
    data = csv_cp1258([["Họ và tên", "Số điện thoại"], ["Đặng Thị Thủy", "0912 999 888"]])
    plan = plan_import(session, data, scope_unit=tree.grassroots_a)
    assert [m.full_name for m in plan.to_create] == ["Đặng Thị Thủy"]


def test_problems_are_listed_with_row_and_column(ctx, session, tree):
    data = template([
        ["Người Một", "", "", "0912 000 001", "", ""],
        ["Người Hai", "", "", "0912 000 001", "", ""],  # same phone as row 2
        ["Người Ba", "31/02/1990", "Nam", "12345", "", ""],
        ["", "", "", "0912 000 004", "", ""],
        ["Người Năm", "", "x", "", "", ""],
        ["Người Sáu", "", "", "0912 000 006", "", "KHONG-CO"],
    ])  # fmt: skip
    plan = plan_import(session, data, scope_unit=tree.district_a)
    reasons = {row.row: row.reason for row in plan.rejected}
    assert [m.row for m in plan.to_create] == [2]
    assert "trùng với dòng 2" in reasons[3]
    assert (
        "Ngày sinh" in reasons[4]
        and "Số điện thoại: không phải số điện thoại Việt Nam" in reasons[4]
    )
    assert "Họ và tên: còn trống" in reasons[5]
    assert "Giới tính" in reasons[6] and "cần số điện thoại hoặc số thẻ đoàn viên" in reasons[6]
    assert "Đơn vị" in reasons[7]


def test_existing_accounts_are_updated_never_duplicated(ctx, session, make, tree, officer):
    known = make.user(unit=tree.grassroots_a, phone="0912 000 777", full_name="Tên Cũ")
    data = template([["Tên Mới", "", "Nữ", "+84 912 000 777", "LC-7", ""]])
    plan = plan_import(session, data, scope_unit=tree.district_a)
    assert (len(plan.to_create), len(plan.to_update)) == (0, 1)
    before = count_users(session)
    apply_import(session, plan, officer, skip_invalid=False)
    session.expire_all()
    assert count_users(session) == before
    updated = session.get(User, known.id)
    assert (updated.full_name, updated.member_code, updated.unit_id) == (
        "Tên Mới",
        "LC-7",
        tree.district_a.id,
    )


def test_importing_the_fixed_file_again_updates(ctx, session, tree, officer):
    data = template(
        [["Người Một", "", "", "0912 000 001", "", ""], ["Người Hai", "", "", "sai số", "", ""]]
    )
    first = plan_import(session, data, scope_unit=tree.district_a)
    apply_import(session, first, officer, skip_invalid=True)
    fixed = template(
        [
            ["Người Một", "", "", "0912 000 001", "", ""],
            ["Người Hai", "", "", "0912 000 002", "", ""],
        ]
    )
    second = plan_import(session, fixed, scope_unit=tree.district_a)
    # Người Một is already there as the list says: unchanged, not "updated".
    assert (len(second.to_create), len(second.to_update), len(second.unchanged)) == (1, 0, 1)


def test_someone_of_another_union_is_not_touched(ctx, session, make, tree):
    make.user(unit=tree.grassroots_b, phone="0912 000 555")
    plan = plan_import(
        session, template([["Ai Đó", "", "", "0912000555", "", ""]]), scope_unit=tree.district_a
    )
    assert plan.to_update == [] and plan.to_create == []
    assert "công đoàn khác" in plan.rejected[0].reason


def test_formula_without_saved_value_is_a_row_error(ctx, session, tree):
    data = xlsx([["Họ và tên", "Số điện thoại"], ["Người Một", '=CONCAT("0912","000111")']])
    plan = plan_import(session, data, scope_unit=tree.district_a)
    assert plan.to_create == []
    assert "công thức" in plan.rejected[0].reason


def test_rejected_rows_block_the_import_unless_asked(ctx, session, tree, officer):
    plan = plan_import(
        session,
        template([["Người Một", "", "", "0912 000 001", "", ""], ["", "", "", "", "", "x"]]),
        scope_unit=tree.district_a,
    )
    with pytest.raises(InvalidInput):
        apply_import(session, plan, officer, skip_invalid=False)


def test_a_failure_half_way_writes_nothing(ctx, session, tree, officer, monkeypatch):
    plan = plan_import(
        session,
        template([["Người Một", "", "", "0912 000 001", "", ""]]),
        scope_unit=tree.district_a,
    )
    before = count_users(session)

    def fail(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(member_services, "record", fail)
    with pytest.raises(RuntimeError), session.begin_nested():
        apply_import(session, plan, officer, skip_invalid=False)
    assert count_users(session) == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "trống"),
        (b"%PDF-1.4\n...", "không phải bảng tính"),
        (xlsx([["Một tiêu đề"], ["Hai"]]), "Không tìm thấy dòng tiêu đề"),
        (xlsx([["Họ và tên", "Ghi chú"], ["A", "B"]]), "Số điện thoại"),
    ],
)
def test_files_that_cannot_be_imported(session, app, tree, data, words):
    with app.test_request_context(), pytest.raises(SpreadsheetError) as raised:
        plan_import(session, data, scope_unit=tree.district_a)
    with app.test_request_context():
        assert words in str(raised.value)


def test_web_import_preview_confirm_slips(app, auth, client, session, tree, officer):
    auth.login(officer.phone)
    data = messy_list()
    upload = client.post(
        "/members/import",
        data={"unit": str(tree.grassroots_a.id), "file": (io.BytesIO(data), "danh-sach.xlsx")},
    )
    assert upload.status_code == 302
    preview = client.get(upload.headers["Location"])
    assert "Tạo mới" in preview.text and "<dd>3</dd>" in preview.text
    assert count_users(session) == 1  # nothing written before confirmation
    confirm = client.post(upload.headers["Location"] + "/confirm")
    assert confirm.status_code == 302
    assert count_users(session) == 4
    slips = client.post(upload.headers["Location"] + "/slips", data={"format": "pdf"})
    assert slips.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slips.data)).pages)
    assert "Nguyễn Thị Ánh Tuyết" in text and "0912 345 678" in text
    # Slips come in name order: the first is Hoàng Thị Mây's (0912 000 111).
    password = text.split("Mật khẩu tạm thời:")[1].split()[0]
    member = app.test_client()
    login = member.post("/login", data={"login": "0912000111", "password": password})
    assert login.status_code == 302, (password, text[:600])
    assert login.headers["Location"] == "/password"


def test_web_import_refuses_a_unit_outside_the_officer_scope(auth, client, session, tree, officer):
    auth.login(officer.phone)
    response = client.post(
        "/members/import",
        data={"unit": str(tree.grassroots_b.id), "file": (io.BytesIO(template([])), "x.xlsx")},
    )
    assert response.status_code == 400
    assert count_users(session) == 1


def test_web_upload_of_a_non_spreadsheet_is_a_400(auth, client, tree, officer):
    auth.login(officer.phone)
    response = client.post(
        "/members/import",
        data={
            "unit": str(tree.grassroots_a.id),
            "file": (io.BytesIO(b"\x89PNG\r\n\x1a\nxxxx"), "list.xlsx"),
        },
    )
    assert response.status_code == 400
    assert "không phải bảng tính" in response.text


def test_rejected_rows_come_back_as_a_file(auth, client, tree, officer):
    auth.login(officer.phone)
    data = template(
        [["Người Một", "", "", "0912 000 001", "", ""], ["Người Hai", "", "", "sai", "", ""]]
    )
    upload = client.post(
        "/members/import",
        data={"unit": str(tree.district_a.id), "file": (io.BytesIO(data), "x.xlsx")},
    )
    back = client.get(upload.headers["Location"] + "/rejected.xlsx")
    sheet = load_workbook(io.BytesIO(back.data)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any("Người Hai" in row for row in values)
    assert any(any("Dòng 3" in str(c) for c in row) for row in values)


def test_another_officers_batch_is_not_found(app, auth, client, make, tree, officer):
    auth.login(officer.phone)
    upload = client.post(
        "/members/import",
        data={"unit": str(tree.district_a.id), "file": (io.BytesIO(template([])), "x.xlsx")},
    )
    other = make.user(role=Role.OFFICER, unit=tree.district_a)
    stranger = app.test_client()
    stranger.post("/login", data={"login": other.phone, "password": "password123"})
    assert stranger.get(upload.headers["Location"]).status_code == 404


def test_cli_import_dry_run_and_skip_invalid(runner, session, tmp_path, tree):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(
        template(
            [["Người Một", "", "", "0912 000 001", "", ""], ["Người Hai", "", "", "sai", "", ""]]
        )
    )
    strict = runner.invoke(args=["members", "import", str(path), "--unit", tree.district_a.code])
    assert strict.exit_code == 1
    assert "1 to be created, 0 to be updated, 0 unchanged, 1 rejected" in strict.output
    assert "row 3: Số điện thoại: không phải số điện thoại Việt Nam" in strict.output
    assert count_users(session) == 0
    dry = runner.invoke(
        args=[
            "members",
            "import",
            str(path),
            "--unit",
            tree.district_a.code,
            "--dry-run",
            "--skip-invalid",
        ]
    )
    assert dry.exit_code == 0 and "1 would be created" in dry.output and "Dry run" in dry.output
    assert count_users(session) == 0
    done = runner.invoke(
        args=["members", "import", str(path), "--unit", tree.district_a.code, "--skip-invalid"]
    )
    assert done.exit_code == 0 and "1 created" in done.output
    assert count_users(session) == 1


def test_cli_refuses_bad_arguments(runner, tmp_path, tree):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(b"not a spreadsheet at all")
    assert runner.invoke(args=["members", "import", str(path), "--unit", "KHONG-CO"]).exit_code == 2
    result = runner.invoke(args=["members", "import", str(path), "--unit", tree.district_a.code])
    assert result.exit_code == 1 and "ds.xlsx" in result.output


def test_slips_only_for_members_who_have_not_logged_in(ctx, session, make, tree, officer):
    fresh = make.user(unit=tree.grassroots_a, must_change_password=True)
    settled = make.user(unit=tree.grassroots_a)
    batch = ImportBatch(
        actor_id=officer.id,
        unit_id=tree.grassroots_a.id,
        filename="x",
        data=b"",
        result={"slips": [fresh.id, settled.id]},
    )
    assert [u.full_name for u in slip_members(session, officer, batch)] == [fresh.full_name]


def test_a_file_over_the_upload_limit_is_a_413(app, auth, client, tree, officer):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    auth.login(officer.phone)
    response = client.post(
        "/members/import",
        data={
            "unit": str(tree.district_a.id),
            "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.csv"),
        },
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text


def test_an_officer_account_is_never_updated_by_a_list(ctx, session, make, tree):
    make.user(role=Role.OFFICER, unit=tree.grassroots_a, phone="0912 000 888")
    plan = plan_import(
        session, template([["Ai Đó", "", "", "0912000888", "", ""]]), scope_unit=tree.district_a
    )
    assert plan.to_update == [] and len(plan.rejected) == 1
