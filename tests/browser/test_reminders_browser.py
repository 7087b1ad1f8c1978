"""The daily path with assignments and reminders, in Chromium against gunicorn.

An officer (1280×800) assigns a course with a deadline and presses "Nhắc nhở"; the e-mail job
(`flask notices send`, a separate process, as cron runs it) delivers to a local SMTP server;
a worker (360×740) sees the assignment, its deadline, the reminder and the count in the
header; passing the final quiz shows "course complete" and the certificate link at the top.
Every page is checked with axe-core and written as screenshots at both sizes into
tests/browser/screenshots/ (git-ignored) for people to look at."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from learning.config import PROJECT_ROOT
from learning.db import build_engine
from tests.browser.layout import assert_fits
from tests.browser.test_accessibility_browser import _serious
from tests.browser.test_login_browser import log_in
from tests.clock import federation_today
from tests.smtp import smtp_server

COURSE = "Pháp luật lao động cho đoàn viên, người lao động"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
DUE = federation_today() + dt.timedelta(days=5)


def shoot(page, name: str) -> None:
    """Screenshots of the page at both sizes (whole page), then back to the page's size."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for viewport in (PHONE, DESK):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=SCREENSHOTS / f"{name}-{viewport['width']}x{viewport['height']}.png",
            full_page=True,
        )
    page.set_viewport_size(size)


def _sql(live_env: dict[str, str], statement: str) -> None:
    engine = build_engine(live_env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture
def desk(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESK, base_url=live_server, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_officer_assigns_reminds_and_the_email_arrives(desk, live_env):
    page = desk
    _sql(live_env, "UPDATE users SET email = 'an@example.test' WHERE phone LIKE '%900000011'")
    log_in(page, phone="0900000002", password="demo-officer-2026")
    page.goto("/officer")
    form = page.locator("form[action$='/assignments']")
    form.locator("select[name=course]").select_option(label=COURSE)
    form.locator("input[name=due_on]").fill(DUE.isoformat())
    form.get_by_role("button", name="Giao").click()
    card = page.locator("section.assignment", has_text=COURSE)
    expect(card).to_contain_text(f"Hạn {DUE:%d/%m/%Y} · còn 5 ngày")
    expect(card).to_contain_text("Chưa gửi nhắc nhở nào.")
    assert _serious(page) == []
    card.get_by_role("button", name="Nhắc nhở").click()
    expect(page.locator(".flash-success")).to_contain_text("(1 người qua thư điện tử)")
    expect(page.locator("#ready-text")).to_contain_text(f"Hạn hoàn thành: {DUE:%d/%m/%Y}")
    expect(page.locator(".ready-message svg")).to_be_visible()
    page.get_by_role("button", name="Sao chép nội dung").click()
    expect(page.locator("#copy-status")).to_have_text("Đã sao chép: hãy dán vào nhóm.")
    assert _serious(page) == []
    shoot(page, "officer-reminder-message")
    reached = page.locator("h3", has_text="Những người nhận lần nhắc gần nhất")
    expect(reached).to_be_visible()
    # A second press (a double click, an impatient officer) sends nothing more.
    page.get_by_role("button", name="Nhắc những người chưa hoàn thành").click()
    expect(page.locator(".flash-error")).to_contain_text("không gửi lại")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải áp phích khổ A4 (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.goto("/officer")
    expect(page.locator("section.assignment", has_text=COURSE)).to_contain_text("Đã nhắc:")
    shoot(page, "officer-home")

    with smtp_server() as inbox:
        env = {**live_env, "SMTP_HOST": inbox.host, "SMTP_PORT": str(inbox.port),
               "SMTP_STARTTLS": "false", "SMTP_FROM": "hoc-tap@congdoan.test"}  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "learning", "notices", "send"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 sent" in result.stdout
    [mail] = inbox.to("an@example.test")
    assert mail["Subject"] == f"Nhắc học: {COURSE}"
    body = mail.get_content()
    assert "Chào Nguyễn Văn An" in body and "/a/" in body and f"{DUE:%d/%m/%Y}" in body
    # The reminder page now says the e-mail went.
    page.goto("/officer")
    page.locator("section.assignment", has_text=COURSE).get_by_role(
        "link", name="Tin nhắn, mã QR và áp phích"
    ).click()
    expect(page.get_by_text("đã gửi thư lúc")).to_be_visible()


def test_worker_sees_the_assignment_deadline_and_reminder(page):
    log_in(page)  # Nguyễn Văn An, reminded above
    count = page.locator(".notices-link .count")
    expect(count).to_be_visible()
    assert int(count.inner_text()) >= 2  # the reminder and the deadline within a week
    notices = page.locator("#notices")
    expect(notices).to_contain_text(f"Phạm Thu Hà nhắc bạn học chuyên đề “{COURSE}”.")
    expect(notices).to_contain_text(f"Hạn {DUE:%d/%m/%Y} · còn 5 ngày")
    up_next = page.locator(".next-step")
    expect(up_next).to_contain_text(COURSE)
    expect(up_next).to_contain_text("Được giao cho bạn")
    assert_fits(page)
    assert _serious(page) == []
    shoot(page, "worker-home")
    page.get_by_role("button", name="Đánh dấu đã đọc").click()
    expect(page.locator("#notices .unread")).to_have_count(0)
    page.locator(".course-list").get_by_role("link", name=COURSE).click()
    expect(page.locator("p.assigned")).to_contain_text(f"Hạn {DUE:%d/%m/%Y}")
    assert_fits(page)
    assert _serious(page) == []
    shoot(page, "worker-course")


def test_course_complete_result_page(page, live_env):
    # The demo's final quizzes need 70 %: this test is about the page, not the answers.
    _sql(live_env, "UPDATE quizzes SET pass_percent = 0 WHERE kind = 'course_final'")
    log_in(page, phone="0900000012")
    page.goto("/")
    page.locator(".course-list").get_by_role("link", name=COURSE).click()
    page.get_by_role("link", name="Bắt đầu học").click()
    while True:
        more = page.get_by_role("button", name="Đánh dấu đã học và học tiếp")
        # The page sends the mark itself, then goes on: wait for the next page each time.
        if more.count():
            with page.expect_navigation():
                more.click()
            continue
        with page.expect_navigation():
            page.get_by_role("button", name="Đánh dấu đã học", exact=True).click()
        break
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    page.goto(page.url.split("?")[0] + "/summary")
    page.get_by_role("button", name="Nộp bài").click()
    expect(page).to_have_url(re.compile(r".*/result$"))
    complete = page.locator(".course-complete")
    expect(complete).to_contain_text("Đã hoàn thành chuyên đề")
    link = complete.get_by_role("link", name="Tải giấy chứng nhận (PDF)")
    # Above the fold on a phone: no scrolling past the review to find it.
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740
    crumbs = page.locator("nav.breadcrumbs")
    assert crumbs.inner_text().count(COURSE) == 1
    expect(page.locator("details.review-all")).not_to_have_attribute("open", "")
    assert page.evaluate("document.documentElement.scrollHeight") < 2000
    assert _serious(page) == []
    shoot(page, "course-complete-result")
