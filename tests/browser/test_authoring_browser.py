"""Four eyes on a phone: admin 1 writes a lesson and a question and sends them to review,
is refused when approving them herself, admin 2 approves them, and a worker then gets the
new question in the lesson's check (the only question of its lesson, so it is drawn)."""

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in, open_menu

COURSE = "Pháp luật lao động cho đoàn viên, người lao động"
LESSON = "Nghỉ hằng năm của người lao động"
QUESTION = "Người làm công việc trong điều kiện bình thường được nghỉ hằng năm bao nhiêu ngày?"


def test_a_question_written_by_one_admin_and_approved_by_another_is_drawn(browser, live_server):
    def phone_page():
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, base_url=live_server, locale="vi-VN"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    # Admin 1 writes the lesson, previews it without JavaScript, saves and sends it to review.
    first = phone_page()
    log_in(first, phone="0900000001", password="demo-admin-2026")
    open_menu(first)
    first.get_by_role("link", name="Soạn nội dung").click()
    first.get_by_role("link", name=COURSE).click()
    assert_fits(first)
    first.get_by_role("link", name="Bài học mới").click()
    first.get_by_label("Tiêu đề").fill(LESSON)
    first.get_by_label("Nội dung (Markdown)").fill(
        "## Số ngày nghỉ\n\nNgười làm công việc trong điều kiện bình thường được nghỉ "
        "**12 ngày làm việc** mỗi năm, hưởng nguyên lương."
    )
    first.get_by_label("Nguồn trích dẫn, mỗi dòng một nguồn: văn bản | điều, khoản").fill(
        "blld-2019 | Điều 113 khoản 1"
    )
    first.get_by_role("button", name="Xem trước").click()
    expect(first.locator(".preview strong")).to_have_text("12 ngày làm việc")
    first.get_by_role("button", name="Lưu bản nháp").click()
    expect(first.get_by_text("Đã lưu thành một phiên bản nháp.")).to_be_visible()
    first.get_by_role("button", name="Gửi duyệt").click()
    expect(first.locator(".workflow .badge")).to_have_text("Chờ duyệt")

    # ... then the question, in that lesson.
    first.get_by_role("link", name=COURSE).click()
    first.get_by_role("link", name="Câu hỏi mới").click()
    first.get_by_label("Câu hỏi", exact=True).fill(QUESTION)
    first.locator("#choices-0-text").fill("12 ngày làm việc")
    first.locator("#choices-0-is_correct").check()
    first.locator("#choices-1-text").fill("10 ngày làm việc")
    first.locator("#choices-2-text").fill("14 ngày làm việc")
    first.get_by_label("Giải thích hiện sau khi trả lời").fill(
        "Điều 113 khoản 1 điểm a Bộ luật Lao động 2019: 12 ngày làm việc."
    )
    first.get_by_label("Văn bản nguồn").fill("blld-2019")
    first.get_by_label("Điều, khoản").fill("Điều 113 khoản 1")
    first.get_by_label("Bài học", exact=True).select_option(label=LESSON)
    first.get_by_role("button", name="Lưu bản nháp").click()
    expect(first.get_by_text("Đã lưu thành một phiên bản nháp.")).to_be_visible()
    assert_fits(first)
    first.get_by_role("button", name="Gửi duyệt").click()
    expect(first.locator(".workflow .badge")).to_have_text("Chờ duyệt")
    # Four eyes: the author may not approve her own question.
    # (she is not offered the step at all: the page asks the rule before showing it).
    expect(first.get_by_text("Đã gửi duyệt.")).to_be_visible()
    expect(first.get_by_role("button", name="Duyệt và xuất bản")).to_have_count(0)
    expect(first.get_by_text("Cần một quản trị viên khác duyệt")).to_be_visible()

    # Admin 2 finds both in review and approves them.
    second = phone_page()
    log_in(second, phone="0900000003", password="demo-admin-2026")
    open_menu(second)
    second.get_by_role("link", name="Soạn nội dung").click()
    second.get_by_role("link", name="Câu hỏi chờ duyệt").click()
    second.get_by_role("link", name=QUESTION).click()
    second.get_by_role("button", name="Duyệt và xuất bản").click()
    expect(second.locator(".workflow .badge")).to_have_text("Đã xuất bản")
    second.get_by_role("link", name=COURSE).click()
    second.get_by_role("link", name=LESSON).click()
    second.get_by_role("button", name="Duyệt và xuất bản").click()
    expect(second.locator(".workflow .badge")).to_have_text("Đã xuất bản")
    assert_fits(second)

    # A worker reads the new lesson and its check draws the new question.
    worker = phone_page()
    log_in(worker, phone="0900000014")
    worker.get_by_role("link", name=COURSE).click()
    worker.get_by_role("link", name=LESSON).click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(LESSON)
    worker.get_by_role("link", name="Tự kiểm tra: 1 câu hỏi").click()
    worker.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(worker.get_by_text(QUESTION)).to_be_visible()
    assert_fits(worker)
    for page in (first, second, worker):
        page.context.close()
