"""Reading offline: a downloaded course opens with the network off, a lesson marked as done
offline is sent when the connection returns, a page not stored shows the offline page, the
service worker never stores attempt pages, and logging out removes what it stored."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.network import Network
from tests.browser.test_field_quiz_browser import shot
from tests.browser.test_login_browser import log_in

LAW = "Pháp luật lao động cho đoàn viên, người lao động"
STORED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


def offline(page, network: Network, on: bool) -> None:
    """The whole context offline (the service worker's fetches too) and the page's CDP."""
    page.context.set_offline(on)
    network.set(offline=on)


def test_a_downloaded_course_reads_offline_and_logout_clears_it(page, live_server):
    log_in(page, phone="0900000014")
    page.get_by_role("link", name=LAW).click()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    offer = page.locator("[data-offline-course]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(re.compile(r"Khoảng \d+ KB: 6 bài học"))
    offer.get_by_role("button", name="Tải chuyên đề để đọc khi không có mạng").click()
    expect(offer.locator(".offline-state")).to_have_text(
        re.compile(r"^Đã tải: chuyên đề này mở được trên máy khi không có mạng \(\d+ KB\)\.$"),
        timeout=30_000,
    )
    course_url = page.url
    lesson_links = page.locator("ol.lesson-list a")
    titles = [lesson_links.nth(i).inner_text() for i in range(lesson_links.count())]
    hrefs = [lesson_links.nth(i).get_attribute("href") for i in range(lesson_links.count())]
    assert len(hrefs) == 6
    # Downloading is not reading: no lesson counts as opened.
    page.reload()
    expect(page.get_by_role("link", name="Bắt đầu học")).to_be_visible()
    shot(page, "course-offline-offer")

    network = Network(page)
    offline(page, network, True)
    assert page.evaluate("navigator.onLine") is False
    for href, title in zip(hrefs, titles, strict=True):
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.goto(course_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(LAW)
    shot(page, "course-offline")

    # Marking the lesson read offline: kept on the phone, sent when the connection returns.
    page.goto(hrefs[0])
    page.get_by_role("button", name="Đánh dấu đã học và học tiếp").click()
    expect(page.locator(".offline-notice")).to_have_text(re.compile("^Không có mạng: bài học"))
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[1])  # the next, stored
    assert page.evaluate("JSON.parse(localStorage.getItem('lesson-done')).length") == 1

    # A page that was never stored: the offline page, listing what can be read.
    page.goto("/contests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không có mạng")
    expect(page.locator("[data-offline-list] a")).to_have_count(7)  # the course and 6 lessons
    shot(page, "offline-page")

    offline(page, network, False)
    page.goto(course_url)
    page.wait_for_function("() => localStorage.getItem('lesson-done') === null", timeout=20_000)
    page.reload()
    expect(page.locator("ol.lesson-list li").first.get_by_text("Đã xong")).to_be_visible()

    # A quiz online: its pages are never stored.
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    stored = page.evaluate(STORED_URLS)
    assert any(url.startswith("/courses/") for url in stored)
    assert not [u for u in stored if u.startswith(("/attempts", "/quizzes", "/contest"))], stored

    # Logging out removes what was stored for the person.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile("/login"))
    page.wait_for_timeout(500)
    stored = page.evaluate(STORED_URLS)
    assert not [u for u in stored if not u.startswith(("/static/", "/offline"))], stored
    assert page.evaluate("Object.keys(localStorage)") == []
    offline(page, network, True)
    # The offline page, or the browser's own offline error: either way, not the lesson.
    with contextlib.suppress(PlaywrightError):
        page.goto(hrefs[1])
    expect(page.get_by_role("heading", name=titles[1])).to_have_count(0)
    offline(page, network, False)


def test_a_lesson_mark_lost_while_the_phone_believes_it_is_online_is_kept(page, live_server):
    """A weak signal: the phone says it is online but the mark never reaches the server. The
    mark is kept on the phone, the next lesson opens, and the mark goes once sends work."""
    log_in(page, phone="0900000012")
    page.get_by_role("link", name=LAW).click()
    course_url = page.url
    page.get_by_role("link", name="Bắt đầu học").click()
    page.wait_for_load_state()  # offline.js has taken the form
    first = page.get_by_role("heading", level=1).inner_text()
    page.route("**/done", lambda route: route.abort("connectionreset"))
    assert page.evaluate("navigator.onLine") is True
    page.get_by_role("button", name="Đánh dấu đã học và học tiếp").click()
    expect(page.locator(".offline-notice")).to_have_text(re.compile("^Không có mạng: bài học"))
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first)  # the next lesson
    assert page.evaluate("JSON.parse(localStorage.getItem('lesson-done')).length") == 1
    shot(page, "lesson-mark-kept-online")

    page.unroute("**/done")
    page.goto(course_url)
    page.wait_for_function("() => localStorage.getItem('lesson-done') === null", timeout=20_000)
    page.reload()
    expect(page.locator("ol.lesson-list li").first.get_by_text("Đã xong")).to_be_visible()


def test_a_lesson_mark_sent_by_the_page_lands_on_the_next_lesson(page, live_server):
    """Online, the mark sent by offline.js is stored and the next lesson opens, as the plain
    form post did."""
    log_in(page, phone="0900000013")
    page.get_by_role("link", name=LAW).click()
    page.get_by_role("link", name="Bắt đầu học").click()
    page.wait_for_load_state()
    first, first_url = page.get_by_role("heading", level=1).inner_text(), page.url
    with page.expect_request("**/done") as sent:
        page.get_by_role("button", name="Đánh dấu đã học và học tiếp").click()
    assert sent.value.headers.get("accept") == "application/json"
    expect(page.get_by_role("heading", level=1)).not_to_have_text(first)
    page.goto(first_url)
    expect(page.get_by_text("Bạn đã học xong bài này.")).to_be_visible()
