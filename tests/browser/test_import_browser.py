"""An officer imports the list they keep, at phone size, and downloads the login slips."""

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in, open_menu
from tests.member_files import xlsx


def test_officer_imports_a_list_and_downloads_slips(page, tmp_path):
    list_file = tmp_path / "danh-sach.xlsx"
    list_file.write_bytes(
        xlsx(
            [
                ["DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ"],
                ["STT", "Họ tên", "SĐT", "Giới tính"],
                [1, "Đỗ Thị Hạnh", "0977 100 001", "Nữ"],
                [2, "Sùng A Chứ", "0977100002", "Nam"],
                ["Tổng cộng: 2"],
            ]
        )
    )
    log_in(page, phone="0900000002", password="demo-officer-2026")
    open_menu(page)
    page.get_by_role("link", name="Đoàn viên", exact=True).first.click()
    page.get_by_role("link", name="Nhập danh sách đoàn viên").click()
    page.get_by_label("Nhập vào đơn vị").select_option(
        label="CĐCS Công ty TNHH Dịch vụ Hoa Ban (CS-HOABAN)"
    )
    page.get_by_label("Danh sách đoàn viên (XLSX hoặc CSV)").set_input_files(str(list_file))
    page.get_by_role("button", name="Kiểm tra danh sách").click()
    expect(page.get_by_role("heading", name="Xem trước khi nhập")).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_text("Đã tạo 2 tài khoản")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Phiếu đăng nhập (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert download.path().read_bytes().startswith(b"%PDF-")
