"""axe-core (bundled by axe-playwright-python, no network) finds no serious or critical
violation on the pages of the worker's path and on the officer and report pages; and no page
of the worker's path transfers more than 100 KB before images or asks another host for
anything."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.test_login_browser import log_in

PAGE_BUDGET = 100 * 1024
COURSE = "Pháp luật lao động cho đoàn viên, người lao động"


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        f"{[node['target'] for node in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class Traffic:
    """Every response a page receives: its URL, type and body size."""

    def __init__(self, page) -> None:
        self.responses: list = []
        page.on("response", lambda response: self.responses.append(response))

    def measure(self, live_server: str) -> tuple[int, list[str]]:
        """Bytes of everything but images, and the URLs of other hosts, since the last call."""
        size, foreign = 0, []
        here = urlsplit(live_server).netloc
        for response in self.responses:
            if urlsplit(response.url).netloc not in (here, ""):
                foreign.append(response.url)
            if response.request.resource_type != "image" and response.status < 300:
                # The server sends no compression: the body is what travels.
                size += int(response.header_value("content-length") or 0)
        self.responses.clear()
        return size, foreign


def test_worker_path_is_accessible_light_and_local(page, live_server):
    traffic = Traffic(page)
    problems: list[str] = []
    weights: dict[str, int] = {}

    def stop(name: str) -> None:
        page.wait_for_load_state("networkidle")
        problems.extend(_serious(page))
        size, foreign = traffic.measure(live_server)
        weights[name] = size
        if size > PAGE_BUDGET:
            problems.append(f"{name}: {size} bytes before images (budget {PAGE_BUDGET})")
        problems.extend(f"{name}: request to another host {url}" for url in foreign)

    page.goto("/login")
    stop("login")
    log_in(page, phone="0900000014")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    stop("home")
    page.get_by_role("link", name=COURSE).click()
    stop("course")
    page.get_by_role("link", name="Bắt đầu học").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    stop("lesson")
    page.goto("/search?q=hop dong")
    stop("search")
    page.go_back()
    page.get_by_role("link", name=COURSE).first.click()
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    stop("quiz intro")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    stop("attempt")
    page.wait_for_load_state()  # the background save listens once the page's script ran
    page.locator("label.choice").first.click()
    expect(page.locator(".autosave-status")).to_have_text("Đã lưu")
    attempt_url = page.url.split("?")[0]
    page.goto(attempt_url + "/summary")
    stop("summary")
    page.get_by_role("button", name="Nộp bài").first.click()
    expect(page).to_have_url(attempt_url + "/result")
    stop("review")
    print(weights)
    assert len(weights) == 9
    assert problems == [], "\n".join(problems)


def test_officer_and_report_pages_are_accessible(page):
    problems: list[str] = []
    log_in(page, phone="0900000002", password="demo-officer-2026")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems.extend(_serious(page))
    for path in ("/officer", "/members", "/members/pending", "/units", "/members/import"):
        page.goto(path)
        problems.extend(_serious(page))
    page.goto("/members")
    page.locator("a[href$='/manage']").first.click()
    page.wait_for_load_state()
    problems.extend(_serious(page))
    page.goto("/reports/participation")
    page.get_by_label("Chuyên đề").select_option(label=COURSE)
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Báo cáo tình hình tham gia")).to_be_visible()
    problems.extend(_serious(page))
    page.get_by_role("link", name="Xuất tệp (XLSX)").wait_for()
    members = page.locator("a[href*='/reports/participation/members']")
    if members.count():
        members.first.click()
        page.wait_for_load_state()
        problems.extend(_serious(page))
    assert problems == [], "\n".join(problems)


def test_axe_runs_here_and_finds_what_it_should(browser):
    """The check above could pass by not running: the same call finds a missing alt text."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="vi"><body><main><img src="data:,"></main></body></html>')
    found = _serious(page)
    context.close()
    assert any("image-alt" in problem for problem in found), found
