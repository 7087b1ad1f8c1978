"""Issue 17, "reading well", in Chromium at a phone's 360x740 and a desk's 1280x800: the
report uses the width it has and never splits a word, its unit column stays put on a phone,
label/value lists stack, the staff menu folds; axe-core finds nothing serious on any page
visited. Screenshots of each page at both sizes go to tests/browser/screenshots/ (ignored
by git) for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learning.config import PROJECT_ROOT
from tests.browser.layout import page_width
from tests.browser.test_accessibility_browser import _serious
from tests.browser.test_contest_browser import CONTEST
from tests.browser.test_login_browser import log_in, open_menu

SIZES = {"phone": {"width": 360, "height": 740}, "desk": {"width": 1280, "height": 800}}
SHOTS = PROJECT_ROOT / "tests" / "browser" / "screenshots"
COURSE = "phap-luat-lao-dong"
ADMIN = ("0900000001", "demo-admin-2026")
OFFICER = ("0900000002", "demo-officer-2026")

# For every cell of the report table: does its content stick out, and is any word broken
# over two lines (the rectangles of one word's text on more than one line)?
SPLIT_WORDS = """(selector) => {
  const problems = [];
  for (const cell of document.querySelectorAll(selector)) {
    if (cell.scrollWidth > cell.clientWidth + 1) {
      problems.push(`overflows (${cell.scrollWidth} > ${cell.clientWidth}): ${cell.innerText}`);
    }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        const width = rects.reduce((sum, r) => sum + r.width, 0);
        if (lines.size > 1) problems.push(`split: ${match[0]} in ${cell.innerText}`);
        if (width > cell.clientWidth) problems.push(`wider than its cell: ${match[0]}`);
      }
    }
  }
  return problems;
}"""

LINES_OF_UNIT_NAMES = """() => [...document.querySelectorAll('table.report th[scope=row]')].map((th) => {
  const style = getComputedStyle(th);
  const inner = th.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return Math.round(inner / parseFloat(style.lineHeight));
})"""


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server):
    """A fresh page at one of the two sizes, and that size's name."""
    # Some of these pages are served from the test's own session through page.route, which
    # never sees a request that the app's service worker answers: these tests block it.
    context = browser.new_context(
        viewport=SIZES[request.param],
        base_url=live_server,
        locale="vi-VN",
        service_workers="block",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, request.param
    context.close()


def shoot(page, name: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)


def fits(page, size: str) -> None:
    width = page_width(page)
    assert width <= SIZES[size]["width"], f"{page.url} is {width} px wide"


def test_the_report_reads_well(sized):
    page, size = sized
    problems: list[str] = []
    log_in(page, *ADMIN)
    open_menu(page)
    page.get_by_role("link", name="Báo cáo").click()
    page.get_by_label("Chuyên đề").select_option(value=COURSE)
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Báo cáo tình hình tham gia")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shoot(page, "report", size)
    fits(page, size)
    assert page.evaluate(SPLIT_WORDS, "table.report th, table.report td") == []
    lines = page.evaluate(LINES_OF_UNIT_NAMES)
    region = page.locator(".table-wrap").first
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    if size == "desk":
        # The whole table in view (nothing to scroll), each unit name on at most two lines.
        sizes = page.evaluate(
            "(() => { const w = document.querySelector('.table-wrap');"
            " return [w.scrollWidth, w.clientWidth, [...document.querySelectorAll('table.report thead th')].map(t => t.offsetWidth)]; })()"
        )
        assert sizes[0] <= sizes[1], sizes
        assert max(lines) <= 2, lines
        expect(page.locator(".scroll-hint")).to_be_hidden()
    else:
        # The figures scroll under a unit column that stays, and the page says so.
        expect(page.locator(".scroll-hint")).to_be_visible()
        first_cell = page.locator("table.report tbody th[scope=row]").first
        before = first_cell.bounding_box()
        region.evaluate("(el) => { el.scrollLeft = 400; }")
        assert region.evaluate("(el) => el.scrollLeft") > 100  # it did scroll
        after = first_cell.bounding_box()
        assert abs(after["x"] - before["x"]) < 1, (before, after)
        assert page.evaluate(SPLIT_WORDS, "table.report th[scope=row]") == []
        region.evaluate("(el) => { el.scrollLeft = 0; }")
    problems.extend(_serious(page))

    page.get_by_role("link", name="Hoạt động theo thời gian").click()
    expect(page.get_by_role("heading", name="Hoạt động theo thời gian")).to_be_visible()
    fits(page, size)
    problems.extend(_serious(page))
    shoot(page, "activity", size)
    page.go_back()

    page.get_by_role("link", name="Công đoàn phường Lào Cai").first.click()
    page.get_by_role("link", name="CĐCS Công ty TNHH Dịch vụ Hoa Ban").click()
    expect(page.get_by_role("heading", name="CĐCS Công ty TNHH Dịch vụ Hoa Ban")).to_be_visible()
    fits(page, size)
    assert page.evaluate(SPLIT_WORDS, ".table-wrap td, .table-wrap th") == []
    problems.extend(_serious(page))
    shoot(page, "report-members", size)
    assert problems == [], "\n".join(problems)


def test_an_officers_breadcrumb_opens(sized):
    page, size = sized
    log_in(page, *OFFICER)
    page.goto(f"/reports/participation?course={COURSE}")
    page.get_by_role("link", name="CĐCS Công ty TNHH Dịch vụ Hoa Ban").first.wait_for()
    crumbs = page.locator("nav.breadcrumbs a")
    assert crumbs.count() == 0  # at the officer's own unit there is nothing above to show
    hoa_ban = page.locator("table.report a", has_text="CĐCS Công ty TNHH Dịch vụ Hoa Ban")
    page.goto(hoa_ban.get_attribute("href").replace("/participation/members", "/participation"))
    links = [crumbs.nth(i).get_attribute("href") for i in range(crumbs.count())]
    assert links and all(page.request.get(link).status == 200 for link in links)
    expect(page.locator("nav.breadcrumbs")).not_to_contain_text("Liên đoàn Lao động tỉnh")
    fits(page, size)
    assert _serious(page) == []


def test_label_and_value_lists_stack_on_a_phone(sized, client, make, session, sample_course):
    page, size = sized
    log_in(page, *ADMIN)
    page.goto("/")
    open_menu(page)
    page.get_by_role("link", name="Tài khoản của tôi").click()
    _check_facts(page, size)
    assert _serious(page) == []
    shoot(page, "profile", size)

    # /verify shows a certificate from this test's database, served to Chromium as the app
    # renders it (the demo data has no certificate), with the live server's stylesheet.
    from learning.courses.models import Certificate

    holder = make.user(full_name="Nguyễn Thị Phương Thảo")
    session.add(
        Certificate(
            code="ABCD-EFGH-2345",
            user_id=holder.id,
            course_id=sample_course.id,
            holder_name=holder.full_name,
            unit_name="CĐCS Công ty TNHH Điện tử Tân Phát",
            course_title="Pháp luật lao động cho đoàn viên, người lao động",
        )
    )
    session.flush()
    html = client.get("/verify/abcdefgh2345").text
    page.route("**/verify/**", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto("/verify/abcdefgh2345")
    expect(page.get_by_text("Giấy chứng nhận này là thật.")).to_be_visible()
    _check_facts(page, size)
    assert _serious(page) == []
    shoot(page, "verify", size)


def _check_facts(page, size: str) -> None:
    fits(page, size)
    terms, values = page.locator(".facts dt"), page.locator(".facts dd")
    assert terms.count() and terms.count() == values.count()
    assert page.evaluate(SPLIT_WORDS, ".facts dd, .facts dt") == []
    for i in range(terms.count()):
        term, value = terms.nth(i).bounding_box(), values.nth(i).bounding_box()
        if size == "phone":  # stacked: the value under its label, as wide as the list
            assert abs(term["x"] - value["x"]) < 1 and value["y"] >= term["y"] + term["height"] - 1
            assert value["width"] > 250
        else:  # side by side
            assert value["x"] > term["x"] + term["width"] - 1


def test_the_staff_header_is_compact_on_a_phone(sized):
    page, size = sized
    log_in(page, *ADMIN)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    if size == "phone":
        assert header["height"] <= 80, header
        expect(page.get_by_role("link", name="Báo cáo")).to_be_hidden()
        open_menu(page)
        expect(page.get_by_role("link", name="Báo cáo")).to_be_visible()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        fits(page, size)
        assert _serious(page) == []
        shoot(page, "menu-open", size)
    else:
        assert header["height"] <= 80, header
        expect(page.locator(".nav-compact")).to_be_hidden()
        expect(page.get_by_role("link", name="Báo cáo")).to_be_visible()
        assert _serious(page) == []
    shoot(page, "home-admin", size)


def test_the_menu_works_without_javascript(browser, live_server):
    context = browser.new_context(
        viewport=SIZES["phone"], base_url=live_server, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    log_in(page, *OFFICER)
    open_menu(page)
    page.get_by_role("link", name="Đoàn viên", exact=True).click()
    expect(page).to_have_url(re.compile("/members$"))
    context.close()


def test_worker_pages_read_well(sized):
    """Contest registration's radio buttons beside their words, search with its marked
    snippet, the course list, a quiz question with a long word inside its card."""
    page, size = sized
    problems: list[str] = []
    page.goto("/contests")
    page.get_by_role("link", name=CONTEST).click()
    page.get_by_role("link", name="Đăng ký", exact=True).click()
    radio = page.get_by_label("Đoàn viên công đoàn")
    words = page.locator("label.choice", has=radio)
    box, text = radio.bounding_box(), words.locator("span").first.bounding_box()
    assert abs(box["y"] - text["y"]) < 12 and text["x"] > box["x"], (box, text)
    assert page.locator("ul#category").count() == 0  # no bulleted list
    fits(page, size)
    problems.extend(_serious(page))
    shoot(page, "contest-register", size)

    log_in(page)
    page.goto("/search?q=nghi hang nam")
    expect(page.locator(".results mark").first).to_be_visible()
    fits(page, size)
    problems.extend(_serious(page))
    shoot(page, "search", size)

    page.goto(f"/courses/{COURSE}")
    fits(page, size)
    problems.extend(_serious(page))
    shoot(page, "course", size)
    assert problems == [], "\n".join(problems)


GIFT = """\
// [id:doc-rong-01] [tag:source:blld-2019:Điều 90]
Tiền lương trả cho người lao động căn cứ vào đâu? Xem https://thuvienphapluat.vn/van-ban/Lao-dong-Tien-luong/Bo-Luat-lao-dong-2019-333670.aspx{
\t=Năng suất lao động và chất lượng công việc
\t~Thâm niên duy nhất
}

Câu hỏi hỏng {=a ~b
"""


def test_the_question_import_preview_reads_well(sized, tmp_path):
    """/exchange/imports/<id>: its tables scroll by keyboard too (axe:
    scrollable-region-focusable), and a long URL in a question stays in its cell."""
    page, size = sized
    gift_file = tmp_path / "cau-hoi.gift"
    gift_file.write_text(GIFT, encoding="utf-8")
    log_in(page, *ADMIN)
    page.goto(f"/exchange/{COURSE}")
    page.get_by_label("Tệp câu hỏi (GIFT, Aiken, Moodle XML hoặc XLSX)").set_input_files(
        str(gift_file)
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="Xem trước khi nhập")).to_be_visible()
    assert re.search(r"/exchange/imports/\d+$", page.url)
    fits(page, size)
    regions = page.locator(".table-wrap")
    assert regions.count() >= 2
    for i in range(regions.count()):
        assert regions.nth(i).get_attribute("tabindex") == "0"
        assert regions.nth(i).get_attribute("role") == "region"
        assert regions.nth(i).get_attribute("aria-label")
    page.keyboard.press("Tab")  # the regions take the focus in turn
    assert _serious(page) == []
    shoot(page, "question-import-preview", size)


def test_a_long_word_stays_inside_the_question_card(sized):
    """A question whose text holds a long URL (as pasted from a law database) wraps inside
    its card, and a question of several lines is not crossed by the card's top border."""
    page, size = sized
    log_in(page, phone="0900000013")
    page.goto(f"/courses/{COURSE}")
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    button = page.get_by_role("button", name=re.compile("Bắt đầu làm bài|Tiếp tục làm bài"))
    button.click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    url = "https://thuvienphapluat.vn/van-ban/Lao-dong-Tien-luong/Bo-Luat-lao-dong-2019-333670.aspx"
    page.locator(".question legend").first.evaluate(
        "(legend, url) => legend.append(' ' + url)", url
    )
    page.locator(".choice > span").first.evaluate("(span, url) => span.append(' ' + url)", url)
    inside = page.evaluate("""() => [...document.querySelectorAll('.question')].every((card) => {
        const box = card.getBoundingClientRect();
        return [...card.querySelectorAll('legend, .choice')].every((el) => {
          const r = el.getBoundingClientRect();
          // inside the card's border on every side, nothing sticking out of its own box
          return r.left >= box.left && r.top >= box.top && r.right <= box.right + 0.5
            && r.bottom <= box.bottom && el.scrollWidth <= el.clientWidth + 1;
        });
      })""")
    assert inside
    fits(page, size)
    assert _serious(page) == []
    shoot(page, "quiz-question", size)
