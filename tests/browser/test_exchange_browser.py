"""An admin imports a GIFT file into a course's bank at phone size: the preview shows the
broken question with its line, and only the valid one is imported."""

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in, open_menu

GIFT = """\
// [id:trinh-duyet-01] [tag:source:blld-2019:Điều 90]
Tiền lương trả cho người lao động căn cứ vào đâu?{
\t=Năng suất lao động và chất lượng công việc
\t~Thâm niên duy nhất
}

Câu hỏi hỏng {=a ~b
"""


def test_admin_imports_only_the_valid_questions(page, tmp_path):
    gift_file = tmp_path / "cau-hoi.gift"
    gift_file.write_text(GIFT, encoding="utf-8")
    log_in(page, phone="0900000001", password="demo-admin-2026")
    open_menu(page)
    page.get_by_role("link", name="Soạn nội dung").click()
    page.get_by_role("link", name="Pháp luật lao động").first.click()
    page.get_by_role("link", name="Nhập hoặc xuất câu hỏi (GIFT, Aiken, Moodle XML, Excel)").click()
    page.get_by_label("Tệp câu hỏi (GIFT, Aiken, Moodle XML hoặc XLSX)").set_input_files(
        str(gift_file)
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="Xem trước khi nhập")).to_be_visible()
    expect(
        page.get_by_role("cell", name="Tiền lương trả cho người lao động căn cứ vào đâu?")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="7", exact=True)).to_be_visible()
    assert_fits(page)
    page.get_by_label("Chỉ nhập các câu hỏi hợp lệ").check()
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_text("Đã nhập 1 câu hỏi ở trạng thái nháp.")).to_be_visible()
