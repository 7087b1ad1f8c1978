"""Admins import question files through the browser: upload, preview with every problem and
its line, confirm (or not), and download the bank in each format."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.courses.models import ContentStatus, Question
from learning.exchange import gift, services, xlsx
from learning.uploads.models import ImportBatch

VALID_AND_BROKEN = (
    "// [id:moi-1] [tag:source:blld-2019:Điều 20]\nCâu hỏi mới về hợp đồng?{=Hai loại ~Ba loại}\n\n"
    "::Tự luận::Trình bày.{}\n\n"
    "Câu hỏng {=a ~b\n"
)


@pytest.fixture
def admin(make, auth, sample_course):
    user = make.user(role=Role.ADMIN)
    auth.login(user.phone)
    return user


def upload(client, data: bytes, name: str = "cau-hoi.gift", fmt: str = ""):
    return client.post(
        "/exchange/khoa-thu/import",
        data={"file": (io.BytesIO(data), name), "format": fmt},
    )


def count(session, **where):
    query = select(func.count()).select_from(Question)
    for name, value in where.items():
        query = query.where(getattr(Question, name) == value)
    return session.scalar(query)


def test_preview_lists_questions_errors_and_skipped_types_with_lines(client, admin, session):
    response = upload(client, VALID_AND_BROKEN.encode())
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Câu hỏi mới về hợp đồng?" in page.text
    assert "<td>4</td><td>essay: câu tự luận, không có đáp án trong ngoặc</td>" in page.text
    assert "<td>6</td><td>dấu &#39;{&#39; không được đóng bằng &#39;}&#39;</td>" in page.text
    # The question without an explanation is imported with a warning, not an error.
    assert "chưa có giải thích – phải bổ sung trước khi duyệt" in page.text
    batch = session.scalar(select(ImportBatch).where(ImportBatch.kind == "questions"))
    assert batch.data == VALID_AND_BROKEN.encode() and batch.confirmed_at is None


def test_errors_block_the_import_unless_only_valid_is_chosen(client, admin, session):
    location = upload(client, VALID_AND_BROKEN.encode()).headers["Location"]
    before = count(session)
    refused = client.post(location + "/confirm", data={})
    assert refused.status_code == 400
    assert count(session) == before
    done = client.post(location + "/confirm", data={"only_valid": "y"})
    assert done.status_code == 302
    session.expire_all()
    assert count(session) == before + 1
    assert count(session, key="moi-1", status=ContentStatus.DRAFT) == 1
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "questions.import"))
    assert entry.actor_id == admin.id and entry.after["created"] == 1
    # Confirming twice does not import twice.
    client.post(location + "/confirm", data={"only_valid": "y"})
    assert count(session) == before + 1
    assert "Đã nhập 1 câu hỏi ở trạng thái nháp." in client.get(location).text


def test_a_clean_file_imports_without_the_option(client, admin, session):
    data = xlsx.template()
    location = upload(client, data, "mau.xlsx").headers["Location"]
    assert client.post(location + "/confirm", data={}).status_code == 302
    assert count(session, key="vd-001", status=ContentStatus.DRAFT) == 1


def test_unreadable_uploads_are_refused_with_a_message(client, admin, session):
    response = upload(client, b"\x00\x01binary", "x.gift")
    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    response = upload(client, b"not a spreadsheet", "x.xlsx", fmt="xlsx")
    assert response.status_code == 400
    missing = client.post("/exchange/khoa-thu/import", data={})
    assert missing.status_code == 400
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_uploads_over_the_size_limit_get_413(app, client, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    assert upload(client, b"x" * 4096).status_code == 413


@pytest.mark.parametrize("fmt", ["gift", "aiken", "moodlexml", "xlsx"])
def test_each_format_downloads_and_is_audited(client, admin, session, fmt):
    response = client.get(f"/exchange/khoa-thu/export/{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    converted, _skipped, errors = services.read_file(response.data, fmt)
    assert errors == []
    assert converted[0].question.key == ("q-001" if fmt != "aiken" else None)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "questions.export"))
    assert entry.after["format"] == fmt


def test_the_gift_download_is_utf8_with_vietnamese(client, admin):
    text = client.get("/exchange/khoa-thu/export/gift").data.decode("utf-8")
    assert "Hợp đồng lao động có mấy loại?" in text
    assert len(gift.parse(text).questions) == 3


def test_unknown_format_and_course_are_404(client, admin):
    assert client.get("/exchange/khoa-thu/export/docx").status_code == 404
    assert client.get("/exchange/khong-co").status_code == 404


@pytest.mark.parametrize("role", [Role.OFFICER, Role.WORKER])
def test_officers_and_workers_are_refused(app, make, sample_course, session, role):
    admin_client = app.test_client()
    admin = make.user(role=Role.ADMIN)
    admin_client.post("/login", data={"login": admin.phone, "password": "password123"})
    location = upload(admin_client, VALID_AND_BROKEN.encode()).headers["Location"]
    other = app.test_client()
    user = make.user(role=role)
    other.post("/login", data={"login": user.phone, "password": "password123"})
    before = count(session)
    assert upload(other, VALID_AND_BROKEN.encode()).status_code == 403
    assert other.post(location + "/confirm", data={"only_valid": "y"}).status_code == 403
    for url in ("/exchange", "/exchange/khoa-thu", location, "/exchange/khoa-thu/export/gift"):
        assert other.get(url).status_code == 403, url
    assert count(session) == before


def test_another_admins_upload_is_not_found(app, make, sample_course):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        user = make.user(role=Role.ADMIN)
        client.post("/login", data={"login": user.phone, "password": "password123"})
    location = upload(first, VALID_AND_BROKEN.encode()).headers["Location"]
    assert second.get(location).status_code == 404


def test_an_xlsx_preview_names_rows(client, admin):
    from tests.member_files import xlsx as sheet

    values = dict.fromkeys(xlsx.HEADER, "")
    values.update({"Câu hỏi": "Sai?", "Loại câu hỏi": "đúng/sai", "Đáp án đúng": "Có lẽ"})
    data = sheet([xlsx.HEADER, [values[name] for name in xlsx.HEADER]])
    page = client.get(upload(client, data, "mau.xlsx").headers["Location"])
    assert '<th scope="col">Dòng</th>' in page.text
    assert "<td>2</td><td>đáp án của câu hỏi đúng/sai là Đúng hoặc Sai" in page.text


def test_confirm_without_a_csrf_token_imports_nothing(app, client, admin, session):
    location = upload(client, xlsx.template(), "mau.xlsx").headers["Location"]
    app.config["WTF_CSRF_ENABLED"] = True
    before = count(session)
    response = client.post(location + "/confirm", data={"only_valid": "y"})
    assert response.status_code == 400
    assert count(session) == before
    assert upload(client, xlsx.template(), "mau.xlsx").status_code == 400


def test_the_preview_shows_names_formats_and_weights(client, admin):
    """Finding 2: what will be stored is what the preview shows."""
    from tests.test_exchange_exact import MARKDOWN, PENALTIES

    response = upload(client, (PENALTIES + "\n" + MARKDOWN).encode())
    page = client.get(response.headers["Location"]).text
    assert "<strong>Phạt</strong>" in page
    assert "Thời vụ (-100%); Miệng (-100%)" in page
    assert '<span class="tag">markdown</span>' in page
