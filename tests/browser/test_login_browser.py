"""A worker logs in on a phone-sized Chromium and sees the home page."""

from playwright.sync_api import expect

from tests.browser.layout import assert_fits


def log_in(page, phone="0900 000 011", password="demo-worker-2026"):
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    page.get_by_label("Số điện thoại hoặc số thẻ đoàn viên").fill(phone)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def open_menu(page):
    """Officers and admins on a phone reach the main links through the "Menu" button."""
    page.locator(".site-header nav").wait_for(state="attached")
    page.wait_for_load_state()  # judged with the stylesheet applied, which decides
    if page.locator(".nav-compact").is_visible():
        page.locator(".nav-compact summary").click()


def test_worker_logs_in_on_a_phone_and_sees_home(page):
    log_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Nguyễn Văn An")
    # Nothing sticks out sideways at 360 px.
    assert_fits(page)


def test_wrong_password_shows_a_message_that_reveals_nothing(page):
    page.goto("/login")
    page.get_by_label("Số điện thoại hoặc số thẻ đoàn viên").fill("0900000011")
    page.get_by_label("Mật khẩu").fill("wrong-password")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
