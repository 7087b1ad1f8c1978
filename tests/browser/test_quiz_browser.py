"""A worker takes a final quiz at phone size, loses the page mid-way, comes back and finds
every answer saved."""

import re

from playwright.sync_api import expect

from tests.browser.layout import assert_fits
from tests.browser.test_login_browser import log_in


def test_answers_survive_closing_the_page(page, browser, live_server):
    log_in(page, phone="0900000013")
    page.get_by_role("link", name="Pháp luật lao động cho đoàn viên, người lao động").click()
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    assert_fits(page)

    # Question 1: answered, then "save and next" (a plain form post).
    page.locator("label.choice").first.click()
    page.get_by_role("button", name="Lưu và sang câu sau").click()
    # Question 2: answered and saved in the background, no button pressed.
    expect(page.get_by_text("Câu 2", exact=True)).to_be_visible()
    page.wait_for_load_state()  # the background save listens once the page's script ran
    page.locator("label.choice").nth(1).click()
    expect(page.locator(".autosave-status")).to_have_text("Đã lưu")
    # The count at the top and the question map follow the background save, with no reload.
    expect(page.locator(".answered-count")).to_have_text("2")
    expect(page.locator(".question-map [data-position='2']")).to_have_class(re.compile("answered"))
    expect(page.locator(".question-map [data-position='2']")).to_have_attribute(
        "aria-label", "Câu 2, đã trả lời"
    )
    attempt_url = page.url.split("?")[0]
    page.close()  # the phone dies

    again = page.context.new_page()
    again.goto(attempt_url + "?page=1")
    assert again.locator("input[name=answer-1]:checked").count() == 1
    again.goto(attempt_url + "?page=2")
    checked = again.locator("input[name=answer-2]:checked")
    assert checked.count() == 1
    assert checked.get_attribute("value") == "2"
    # The time left comes from the server and has kept running.
    expect(again.get_by_text("Còn lại:")).to_be_visible()
