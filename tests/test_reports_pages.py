"""The participation report's pages and exports: who sees what, bad input, the files."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from tests.test_reports_participation import world  # noqa: F401 - the shared example


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


@pytest.fixture
def admin(make):
    return make.user(role=Role.ADMIN)


def test_the_page_shows_the_tree_with_subtotals(app, world, admin):  # noqa: F811
    client = login(app, admin)
    page = client.get(f"/reports/participation?unit={world['p'].id}&course=khoa-thu").text
    assert "Phường Một" in page and "CĐCS G3" in page
    assert 'class="subtotal depth-0"' in page
    assert "60,0%" in page  # the province's participation: 3 of 5, written the Vietnamese way
    assert "<svg" in page and "Tỷ lệ hoàn thành theo đơn vị" in page


def test_drill_down_to_members(app, world):  # noqa: F811
    client = login(app, world["officer"])
    page = client.get(f"/reports/participation/members?unit={world['g1'].id}&course=khoa-thu").text
    assert "đã hoàn thành" in page and "chưa bắt đầu" in page


def test_sort_and_filter(app, world, admin):  # noqa: F811
    client = login(app, admin)
    page = client.get(
        f"/reports/participation?unit={world['p'].id}&course=khoa-thu&kind=grassroots&sort=members&dir=desc"
    ).text
    body = page.split("<tbody>")[1]
    assert "Phường Một" not in body
    assert body.index("CĐCS G1") < body.index("CĐCS G2")  # 2 members before 1


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("course=khong-co", 404),
        ("course=khoa-thu&from=31/02/2026", 400),
        ("course=khoa-thu&from=10/10/2026&to=01/10/2026", 400),
        ("course=khoa-thu&sort=password_hash", 400),
        ("course=khoa-thu&min=many", 400),
        ("course=khoa-thu&kind=bank", 400),
        ("course=khoa-thu&unit=999999", 404),
    ],
)
def test_bad_parameters(app, world, admin, query, status):  # noqa: F811
    client = login(app, admin)
    if "unit=" not in query:
        query += f"&unit={world['p'].id}"
    assert client.get(f"/reports/participation?{query}").status_code == status


def test_officers_see_their_subtree_only(app, world, make):  # noqa: F811
    client = login(app, world["officer"])  # officer of Phường Một
    assert (
        client.get(f"/reports/participation?unit={world['d1'].id}&course=khoa-thu").status_code
        == 200
    )
    for url in (
        f"/reports/participation?unit={world['d2'].id}&course=khoa-thu",
        f"/reports/participation?unit={world['p'].id}&course=khoa-thu",
        f"/reports/participation.xlsx?unit={world['d2'].id}&course=khoa-thu",
        f"/reports/participation/members?unit={world['g3'].id}&course=khoa-thu",
    ):
        assert client.get(url).status_code == 403, url
    worker = login(app, make.user(unit=world["g1"]))
    assert (
        worker.get(f"/reports/participation?unit={world['g1'].id}&course=khoa-thu").status_code
        == 403
    )


def test_xlsx_export(app, world, admin, session):  # noqa: F811
    client = login(app, admin)
    response = client.get(f"/reports/participation.xlsx?unit={world['p'].id}&course=khoa-thu")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "BÁO CÁO TÌNH HÌNH THAM GIA HỌC TẬP" in sheet["A2"].value
    header_row = next(r for r in range(1, 8) if sheet.cell(r, 1).value == "Đơn vị")
    assert sheet.freeze_panes == f"A{header_row + 1}"
    first = header_row + 1
    assert sheet.cell(first, 1).value.strip() == "Tỉnh"
    assert sheet.cell(first, 4).value == 5
    assert sheet.cell(first, 8).value == pytest.approx(0.6)
    assert sheet.cell(first, 8).number_format == "0.0%"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.actor_id == admin.id and entry.after["report"] == "participation"


def test_csv_export_is_excel_safe(app, world, admin, make):  # noqa: F811
    make.unit('=HYPERLINK("http://x")', parent=world["d2"])
    client = login(app, admin)
    response = client.get(f"/reports/participation.csv?unit={world['p'].id}&course=khoa-thu")
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "Tỉnh" in text and '"60,0"' in text  # a decimal comma, for Vietnamese Excel
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_printable_page(app, world, admin):  # noqa: F811
    client = login(app, admin)
    page = client.get(f"/reports/participation?unit={world['p'].id}&course=khoa-thu&print=1").text
    assert 'class="card report-form"' not in page and "Phường Một" in page


def test_command_line_report(runner, world, tmp_path):  # noqa: F811
    output = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(
        args=[
            "report",
            "participation",
            "--unit",
            world["p"].code,
            "--course",
            "khoa-thu",
            "--format",
            "xlsx",
            "-o",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output).active
    assert any(row[0] == "Tỉnh" for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--unit", "KHONG-CO", "--course", "khoa-thu"], 2, "no unit"),
        (["--course", "khoa-thu", "--contest", "1"], 2, "exactly one"),
        (
            ["--course", "khoa-thu", "--from", "10/10/2026", "--to", "01/10/2026"],
            2,
            "Ngày kết thúc trước ngày bắt đầu",
        ),
        (["--course", "khong-co"], 2, "Không có chuyên đề này"),
    ],
)
def test_command_line_refusals(runner, world, tmp_path, args, code, words):  # noqa: F811
    if "--unit" not in args:
        args = ["--unit", world["p"].code, *args]
    result = runner.invoke(
        args=["report", "participation", *args, "--format", "csv", "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == code
    assert words in result.output


def test_activity_page(app, world, admin):  # noqa: F811
    client = login(app, admin)
    page = client.get(f"/reports/activity?unit={world['p'].id}&course=khoa-thu&by=week")
    assert page.status_code == 200
    assert "<polyline" in page.text
    assert (
        client.get(f"/reports/activity?unit={world['p'].id}&course=khoa-thu&by=year").status_code
        == 400
    )


def test_transcripts_follow_the_scope_rule(app, world, make, session):  # noqa: F811
    from learning.auth.models import User

    a = session.scalar(select(User).where(User.unit_id == world["g1"].id).order_by(User.id))
    own = login(app, a).get(f"/transcript/{a.id}")
    assert own.status_code == 200
    assert "Giấy chứng nhận" in own.text and "100%" in own.text
    assert login(app, world["officer"]).get(f"/transcript/{a.id}").status_code == 200
    other_worker = make.user(unit=world["g1"])
    assert login(app, other_worker).get(f"/transcript/{a.id}").status_code == 403
    outsider = make.user(role=Role.OFFICER, unit=world["d2"])
    assert login(app, outsider).get(f"/transcript/{a.id}").status_code == 403


def test_item_analysis_page_for_admins(app, world, admin, final_quiz):  # noqa: F811
    page = login(app, admin).get(f"/reports/items/{final_quiz.id}")
    assert page.status_code == 200
    assert "Độ phân biệt" in page.text and "Hợp đồng lao động có mấy loại?" in page.text
    assert login(app, world["officer"]).get(f"/reports/items/{final_quiz.id}").status_code == 403


def test_activity_exports(app, world, admin, session):  # noqa: F811
    client = login(app, admin)
    csv = client.get(f"/reports/activity.csv?unit={world['p'].id}&course=khoa-thu")
    assert csv.data.startswith(b"\xef\xbb\xbf") and "Lượt làm bài" in csv.data.decode("utf-8-sig")
    xlsx = client.get(f"/reports/activity.xlsx?unit={world['p'].id}&course=khoa-thu&by=week")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert any(row and row[0] == "Tuần bắt đầu" for row in rows)
    exports = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert {e.after["report"] for e in exports} == {"activity"}
