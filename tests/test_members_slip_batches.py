"""Login slips of an import are issued once, at its confirmation: the PDF and the XLSX carry
the same passwords, downloading again issues nothing, and new passwords take an explicit,
confirmed step (issue 17)."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from learning.auth.models import Role
from tests.member_files import template

ROWS = [["Trần Văn Một", "", "", "0933 100 001", "", ""],
        ["Lò Thị Hai", "", "", "0933 100 002", "", ""]]  # fmt: skip


@pytest.fixture
def officer(make):
    unit = make.unit("CĐCS Phiếu Thử")
    return make.user(role=Role.OFFICER, unit=unit)


@pytest.fixture
def batch_url(auth, client, officer):
    auth.login(officer.phone)
    upload = client.post(
        "/members/import",
        data={"unit": str(officer.unit_id), "file": (io.BytesIO(template(ROWS)), "ds.xlsx")},
    )
    url = upload.headers["Location"]
    assert client.post(url + "/confirm").status_code == 302
    return url


def _pdf_passwords(data):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return [part.split()[0] for part in text.split("Mật khẩu tạm thời:")[1:]]


def _xlsx_passwords(data):
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if "Mật khẩu tạm thời" in row)
    column = rows[header].index("Mật khẩu tạm thời")
    return [row[column] for row in rows[header + 1 :] if row[column]]


def _logs_in(app, login, password):
    response = app.test_client().post("/login", data={"login": login, "password": password})
    return response.status_code == 302


def test_pdf_then_xlsx_carry_the_same_working_passwords(app, client, batch_url):
    pdf = client.post(batch_url + "/slips", data={"format": "pdf"})
    xlsx = client.post(batch_url + "/slips", data={"format": "xlsx"})
    assert pdf.status_code == xlsx.status_code == 200
    from_pdf, from_xlsx = _pdf_passwords(pdf.data), _xlsx_passwords(xlsx.data)
    assert len(from_pdf) == 2 and from_pdf == from_xlsx
    again = _pdf_passwords(client.post(batch_url + "/slips", data={"format": "pdf"}).data)
    assert again == from_pdf
    # Slips come in name order: Lò Thị Hai first.
    assert _logs_in(app, "0933100002", from_pdf[0])


def test_new_passwords_take_a_confirmed_step_and_void_the_old_slips(app, client, batch_url):
    old = _pdf_passwords(client.post(batch_url + "/slips", data={"format": "pdf"}).data)
    page = client.get(batch_url + "/slips/new-passwords")
    assert page.status_code == 200 and "không dùng được nữa" in page.text
    refused = client.post(batch_url + "/slips/new-passwords", data={})
    assert refused.status_code == 400
    assert old == _pdf_passwords(client.post(batch_url + "/slips", data={"format": "pdf"}).data)
    done = client.post(batch_url + "/slips/new-passwords", data={"understood": "y"})
    assert done.status_code == 302
    new = _xlsx_passwords(client.post(batch_url + "/slips", data={"format": "xlsx"}).data)
    assert len(new) == 2 and set(new).isdisjoint(old)
    assert not _logs_in(app, "0933100002", old[0])
    assert _logs_in(app, "0933100002", new[0])


def test_the_preview_warns_plainly_before_the_downloads(client, batch_url):
    page = client.get(batch_url).text
    assert 'class="warning' in page
    assert "Cấp mật khẩu mới" in page
