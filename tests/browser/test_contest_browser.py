"""Someone without an account registers for the demo contest at phone size (finding their
unit without diacritics, its parent shown), logs in with the phone, takes the open round, gives a prediction,
submits, and sees the ranking once the round has closed."""

import datetime as dt
import re

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in

CONTEST = "Cuộc thi trực tuyến tìm hiểu pháp luật lao động và tổ chức Công đoàn (demo)"


def test_register_take_a_round_and_see_the_ranking(page, browser, live_server):
    page.goto("/contests")
    page.get_by_role("link", name=CONTEST).click()
    page.get_by_role("link", name="Đăng ký", exact=True).click()
    assert_fits(page)
    page.get_by_label("Tìm đơn vị của bạn").fill("dien tu tan phat")
    page.get_by_role("button", name="Tìm").click()
    unit = page.get_by_label(re.compile("CĐCS Công ty TNHH Điện tử Tân Phát"))
    expect(page.get_by_text("Công đoàn Khu kinh tế tỉnh Lào Cai")).to_be_visible()  # the parent
    unit.check()
    page.get_by_label("Đoàn viên công đoàn").check()
    page.get_by_label("Họ và tên").fill("Vàng Thị Dự Thi")
    page.get_by_label("Số điện thoại").fill("0968 111 222")
    page.get_by_label("Năm sinh").fill("1996")
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-du-thi")
    page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-du-thi")
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    # The same answer whether the phone had an account or not: log in with it.
    expect(page.get_by_text("Hãy đăng nhập bằng số điện thoại")).to_be_visible()
    page.get_by_role("link", name="Đăng nhập").first.click()
    page.get_by_label("Số điện thoại hoặc số thẻ đoàn viên").fill("0968 111 222")
    page.get_by_label("Mật khẩu").fill("mat-khau-du-thi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Bạn đã đăng ký cuộc thi này.")).to_be_visible()

    page.get_by_role("link", name="Đợt 1").click()
    page.get_by_role("button", name="Bắt đầu thi").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    assert_fits(page)
    for number in range(1, 21):
        expect(page.get_by_text(f"Câu {number}", exact=True)).to_be_visible()
        page.wait_for_load_state()  # the background save listens once the page's script ran
        page.locator("label.choice").first.click()
        # The answer is saved in the background; moving on waits for it, as a person would.
        expect(page.locator(".autosave-status")).to_have_text("Đã lưu")
        name = "Lưu và kết thúc" if number == 20 else "Lưu và sang câu sau"
        page.get_by_role("button", name=name).click()
    prediction = page.get_by_label(re.compile("Dự đoán có bao nhiêu người"))
    prediction.fill("-5")
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_text("Số dự đoán phải là số nguyên")).to_be_visible()
    page.get_by_label(re.compile("Dự đoán có bao nhiêu người")).fill("1")
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_text("Bài thi đã được nộp.")).to_be_visible()
    page.goto(page.url.split("?")[0] + "/ranking")  # no link while the round is open
    expect(page.get_by_text("Bảng xếp hạng được công bố sau khi đợt thi kết thúc.")).to_be_visible()

    # The organiser closes the round five minutes ago (local time).
    admin = browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server, locale="vi-VN"
    ).new_page()
    log_in(admin, phone="0900000001", password="demo-admin-2026")
    admin.goto("/admin/contests")
    admin.get_by_role("link", name=CONTEST).click()
    admin.get_by_role("link", name="Đợt 1").click()
    closed = dt.datetime.now(dt.UTC) + dt.timedelta(hours=7) - dt.timedelta(minutes=5)
    admin.get_by_label("Đóng lúc").fill(closed.strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_role("button", name="Lưu").click()
    # The demo round draws from the courses' banks, whose final quizzes show the answers at
    # once: the form says so and asks for a confirmation before saving.
    admin.get_by_label(re.compile("Tôi đã hiểu")).check()
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.get_by_text("Đã lưu.")).to_be_visible()
    admin.context.close()

    page.reload()
    expect(page.get_by_text("Hạng của bạn: 1")).to_be_visible()
    row = page.locator("table.ranking tbody tr").first
    expect(row).to_contain_text("Vàng Thị Dự Thi")
    expect(row).to_contain_text("CĐCS Công ty TNHH Điện tử Tân Phát")
    assert_fits(page)
    page.get_by_role("link", name="Đoàn viên công đoàn").click()
    expect(page.locator("table.ranking tbody tr").first).to_contain_text("Vàng Thị Dự Thi")
    page.get_by_role("link", name="Cán bộ công đoàn").click()
    expect(page.get_by_text("Danh sách trống.")).to_be_visible()
