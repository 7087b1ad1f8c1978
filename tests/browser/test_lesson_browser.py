"""A worker reads a lesson on a phone and sees the course progress bar move."""

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in


def test_reading_a_lesson_moves_the_progress_bar(page):
    log_in(page, phone="0900000012")
    page.get_by_role("link", name="Pháp luật lao động cho đoàn viên, người lao động").click()
    bar = page.locator("#course-progress")
    assert bar.get_attribute("value") == "0"
    page.get_by_role("link", name="Bắt đầu học").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hợp đồng lao động và thử việc")
    assert_fits(page)
    page.get_by_role("button", name="Đánh dấu đã học và học tiếp").click()
    expect(page.get_by_text("Bài 2/6")).to_be_visible()
    assert page.locator("#course-progress").get_attribute("value") == "1"
    page.goto("/")
    expect(page.get_by_text("Đã học 1/6 bài")).to_be_visible()
