"""An admin opens the province report on a phone, drills down to a grassroots union and
downloads the XLSX."""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in, open_menu


def test_province_report_drill_down_and_download(page):
    log_in(page, phone="0900000001", password="demo-admin-2026")
    open_menu(page)
    page.get_by_role("link", name="Báo cáo").click()
    page.get_by_label("Chuyên đề").select_option(
        label="Pháp luật lao động cho đoàn viên, người lao động"
    )
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Báo cáo tình hình tham gia")).to_be_visible()
    expect(page.locator("table.report")).to_contain_text("Liên đoàn Lao động tỉnh Lào Cai")
    assert_fits(page)
    page.get_by_role("link", name="Công đoàn phường Lào Cai").click()
    page.get_by_role("link", name="CĐCS Công ty TNHH Dịch vụ Hoa Ban").click()
    expect(page.get_by_role("heading", name="CĐCS Công ty TNHH Dịch vụ Hoa Ban")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Nguyễn Văn An")
    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("link", name="Xuất tệp (XLSX)").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Công đoàn phường Lào Cai" in names
