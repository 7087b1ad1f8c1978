"""At a desk (1280×800): a stranger holds a phone number through the contest registration;
the officer imports the union's list, sees in the preview who is created, what changes for
whom, which row repeats, and that the number is held by an unconfirmed self-registration;
takes it over for the member; downloads the slips as PDF then XLSX and gets the same
passwords, which work. Screenshots go to tests/browser/screenshots/ (ignored by git)."""

import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.layout import assert_fits
from tests.browser.test_accessibility_browser import _serious
from tests.member_files import xlsx

DESK = {"width": 1280, "height": 800}
SHOTS = Path(__file__).parent / "screenshots"
CONTEST = "Cuộc thi trực tuyến tìm hiểu pháp luật lao động và tổ chức Công đoàn (demo)"


def _page(browser, live_server, viewport=DESK):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, base_url=live_server, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _log_in(page, phone, password):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Số điện thoại hoặc số thẻ đoàn viên").fill(phone)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def _squat(browser, live_server, phone="0977 300 009") -> None:  # type: ignore[no-untyped-def]
    """A stranger registers for the demo contest with the phone of a member on the list."""
    page = _page(browser, live_server)
    page.goto("/contests")
    page.get_by_role("link", name=CONTEST).click()
    page.get_by_role("link", name="Đăng ký", exact=True).click()
    page.get_by_label("Tìm đơn vị của bạn").fill("hoa ban")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_label(re.compile("CĐCS Công ty TNHH Dịch vụ Hoa Ban")).check()
    page.get_by_label("Người lao động chưa là đoàn viên").check()
    page.get_by_label("Họ và tên").fill("Kẻ Giữ Số")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-ke-la")
    page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-ke-la")
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(page.get_by_text("Hãy đăng nhập bằng số điện thoại")).to_be_visible()
    page.context.close()


def _passwords_in_pdf(data: bytes) -> list[str]:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return [part.split()[0] for part in text.split("Mật khẩu tạm thời:")[1:]]


def _passwords_in_xlsx(data: bytes) -> list[str]:
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if "Mật khẩu tạm thời" in row)
    column = rows[header].index("Mật khẩu tạm thời")
    return [row[column] for row in rows[header + 1 :] if row[column]]


def test_preview_lists_people_and_changes_and_slips_are_issued_once(browser, live_server, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    _squat(browser, live_server)
    list_file = tmp_path / "danh-sach.xlsx"
    list_file.write_bytes(
        xlsx(
            [
                ["DANH SÁCH ĐOÀN VIÊN CĐCS CÔNG TY TNHH DỊCH VỤ HOA BAN"],
                ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Số thẻ đoàn viên"],
                [1, "Nguyễn Văn An", "1995", "Nam", "0900 000 011", "LC-000011"],
                [2, "Lò Thị Mai Anh", "1998", "Nữ", "0900 000 012", "LC-000012"],
                [3, "Đỗ Thị Hạnh", "2000", "Nữ", "0977 300 001", ""],
                [4, "Đỗ Thị Hạnh", "2000", "Nữ", "0977300001", ""],
                [5, "Chủ Thật Sự", "1991", "Nam", "0977 300 009", ""],
                [],
                ["", "", "", "Lào Cai, ngày 01 tháng 12 năm 2026"],
                ["", "NGƯỜI LẬP BIỂU", "", "", "CHỦ TỊCH"],
                [],
                ["", "Phạm Văn Lập", "", "", "Nguyễn Thị Ký"],
            ]
        )
    )
    page = _page(browser, live_server)
    _log_in(page, "0900000002", "demo-officer-2026")
    page.goto("/members/import")
    page.get_by_label("Nhập vào đơn vị").select_option(
        label="CĐCS Công ty TNHH Dịch vụ Hoa Ban (CS-HOABAN)"
    )
    page.get_by_label("Danh sách đoàn viên (XLSX hoặc CSV)").set_input_files(str(list_file))
    page.get_by_role("button", name="Kiểm tra danh sách").click()
    expect(page.get_by_role("heading", name="Xem trước khi nhập")).to_be_visible()

    # Who is created, what changes for whom, who is unchanged, what repeats, who holds a number.
    expect(page.get_by_role("heading", name="Tài khoản mới (1)")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Đỗ Thị Hạnh")
    changes = page.locator(".changes").first
    expect(changes).to_contain_text("Họ và tên: Lò Thị Mai → Lò Thị Mai Anh")
    expect(page.get_by_text("Không thay đổi: 1 đoàn viên")).to_be_visible()
    expect(page.get_by_text("Dòng 6 giống hệt dòng 5: chỉ nhập một lần.")).to_be_visible()
    held = page.locator(".held-row")
    expect(held).to_contain_text("Chủ Thật Sự")
    expect(held).to_contain_text("tự đăng ký chưa được cán bộ nào xác nhận")
    assert "Kẻ Giữ Số" not in page.content()  # someone outside the officer's scope
    assert "Lỗi" not in page.locator("main").inner_text()  # the signature lines are no errors
    assert_fits(page, DESK["width"])
    page.screenshot(path=str(SHOTS / "import-preview-1280.png"), full_page=True)
    problems = _serious(page)

    held.get_by_label("Lấy lại số cho đoàn viên này").check()
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_text("Đã tạo 2 tài khoản, cập nhật 1, không đổi 1")).to_be_visible()
    expect(page.locator(".warning")).to_contain_text("Mật khẩu tạm thời đã được cấp một lần")
    page.screenshot(path=str(SHOTS / "import-done-slips-1280.png"), full_page=True)
    problems += _serious(page)

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Phiếu đăng nhập (PDF)").click()
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Phiếu đăng nhập (XLSX)").click()
    from_pdf = _passwords_in_pdf(pdf_download.value.path().read_bytes())
    from_xlsx = _passwords_in_xlsx(xlsx_download.value.path().read_bytes())
    assert len(from_pdf) == 2 and from_pdf == from_xlsx

    # Slips in name order: Chủ Thật Sự first. The PDF's password still works after the XLSX.
    member = _page(browser, live_server)
    _log_in(member, "0977 300 009", from_pdf[0])
    expect(member).to_have_url(re.compile(r"/password"))
    stranger = _page(browser, live_server)
    _log_in(stranger, "0977 300 009", "mat-khau-ke-la")
    expect(stranger.get_by_text("không đúng")).to_be_visible()

    page.get_by_role("link", name="Cấp mật khẩu mới").click()
    expect(page.locator(".warning")).to_contain_text("không dùng được nữa")
    page.screenshot(path=str(SHOTS / "slips-new-passwords-1280.png"), full_page=True)
    problems += _serious(page)
    assert not problems, "\n".join(problems)


def test_preview_at_phone_size(browser, live_server, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    _squat(browser, live_server, "0977 300 102")
    list_file = tmp_path / "ds.xlsx"
    list_file.write_bytes(
        xlsx(
            [
                ["Họ và tên", "Số điện thoại", "Giới tính"],
                ["Nguyễn Văn An", "0900 000 011", "Nữ"],
                ["Hoàng Thị Nguyệt Ánh Dương", "0977 300 101", "Nữ"],
                ["Sùng Thị Mỷ", "0977 300 102", "Nữ"],
            ]
        )
    )
    page = _page(browser, live_server, {"width": 360, "height": 740})
    _log_in(page, "0900000002", "demo-officer-2026")
    page.goto("/members/import")
    page.get_by_label("Nhập vào đơn vị").select_option(
        label="CĐCS Công ty TNHH Dịch vụ Hoa Ban (CS-HOABAN)"
    )
    page.get_by_label("Danh sách đoàn viên (XLSX hoặc CSV)").set_input_files(str(list_file))
    page.get_by_role("button", name="Kiểm tra danh sách").click()
    expect(page.locator(".changes").first).to_contain_text("Giới tính: Nam → Nữ")
    expect(page.locator(".held-row")).to_contain_text("Sùng Thị Mỷ")
    assert_fits(page)
    page.screenshot(path=str(SHOTS / "import-preview-360.png"), full_page=True)
    assert not _serious(page)
