"""Importing a unit hierarchy, rows in any order."""

import io

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.org.importer import TEMPLATE_HEADER, plan_unit_import
from learning.org.models import Unit, UnitKind
from learning.org.queries import is_in_subtree
from learning.org.services import apply_unit_import
from tests.member_files import xlsx


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_rows_in_any_order_are_placed_parents_first(ctx, session, make):
    root = make.unit("LĐLĐ tỉnh", code="LDLD", kind=UnitKind.FEDERATION)
    data = xlsx([
        ["DANH SÁCH ĐƠN VỊ"],
        TEMPLATE_HEADER,
        ["TO-1", "Tổ công đoàn 1", "Tổ công đoàn", "CS-1"],
        ["CS-1", "CĐCS Công ty Một", "Công đoàn cơ sở", "P-1"],
        ["P-1", "Công đoàn phường Một", "Công đoàn xã, phường", "LDLD"],
    ])  # fmt: skip
    plan = plan_unit_import(session, data, scope_unit=None)
    assert [u.code for u in plan.to_create] == ["P-1", "CS-1", "TO-1"], plan.rejected
    assert plan.rejected == []
    admin = make.user(role=Role.ADMIN)
    assert apply_unit_import(session, admin, plan) == (3, 0)
    group = session.scalar(select(Unit).where(Unit.code == "TO-1"))
    assert group.kind is UnitKind.UNION_GROUP
    assert is_in_subtree(session, root.id, group.id)


def test_unknown_parents_cycles_and_bad_kinds_are_rejected(ctx, session):
    data = xlsx([
        TEMPLATE_HEADER,
        ["A", "Đơn vị A", "", "B"],
        ["B", "Đơn vị B", "", "A"],
        ["C", "Đơn vị C", "", "KHONG-CO"],
        ["D", "Đơn vị D", "Hội đồng", ""],
    ])  # fmt: skip
    plan = plan_unit_import(session, data, scope_unit=None)
    assert plan.to_create == []
    assert {row for row, _reason in plan.rejected} == {2, 3, 4, 5}


def test_an_officer_imports_only_inside_their_subtree(ctx, session, make):
    tree = make.tree()
    data = xlsx([TEMPLATE_HEADER, ["MOI-1", "CĐCS Mới", "", tree.grassroots_a.code],
                 ["MOI-2", "CĐCS Khác", "", tree.grassroots_b.code]])  # fmt: skip
    plan = plan_unit_import(session, data, scope_unit=tree.district_a)
    assert [u.code for u in plan.to_create] == ["MOI-1"]
    assert [row for row, _ in plan.rejected] == [3]


def test_existing_units_are_renamed_and_moved(ctx, session, make):
    tree = make.tree()
    admin = make.user(role=Role.ADMIN)
    data = xlsx(
        [
            TEMPLATE_HEADER,
            [tree.grassroots_a.code, "Tên mới", "Công đoàn cơ sở", tree.district_b.code],
        ]
    )
    plan = plan_unit_import(session, data, scope_unit=None)
    assert apply_unit_import(session, admin, plan) == (0, 1)
    assert tree.grassroots_a.name == "Tên mới"
    assert is_in_subtree(session, tree.district_b.id, tree.grassroots_a.id)


def test_web_and_cli(app, session, make, runner, tmp_path):
    root = make.unit("LĐLĐ", code="ROOT", kind=UnitKind.FEDERATION)
    admin = make.user(role=Role.ADMIN)
    client = app.test_client()
    client.post("/login", data={"login": admin.phone, "password": "password123"})
    data = xlsx([TEMPLATE_HEADER, ["W-1", "CĐCS Web", "", "ROOT"]])
    upload = client.post("/units/import", data={"file": (io.BytesIO(data), "dv.xlsx")})
    assert upload.status_code == 302
    assert "<dd>1</dd>" in client.get(upload.headers["Location"]).text
    assert session.scalar(select(Unit).where(Unit.code == "W-1")) is None
    client.post(upload.headers["Location"] + "/confirm")
    assert session.scalar(select(Unit).where(Unit.code == "W-1")).parent_id == root.id
    path = tmp_path / "dv.xlsx"
    path.write_bytes(
        xlsx([TEMPLATE_HEADER, ["C-1", "CĐCS Dòng lệnh", "", "ROOT"], ["C-2", "Lỗi", "", "X"]])
    )
    failed = runner.invoke(args=["units", "import", str(path)])
    assert failed.exit_code == 1 and "row 3" in failed.output
    path.write_bytes(xlsx([TEMPLATE_HEADER, ["C-1", "CĐCS Dòng lệnh", "", "ROOT"]]))
    assert runner.invoke(args=["units", "import", str(path), "--dry-run"]).exit_code == 0
    assert session.scalar(select(Unit).where(Unit.code == "C-1")) is None
    done = runner.invoke(args=["units", "import", str(path)])
    assert done.exit_code == 0 and "1 created" in done.output
