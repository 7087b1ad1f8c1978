"""Last tap wins on a slow or broken connection: quick changes of answer at 300, 800 and
2,000 ms of latency, an offline period with answers given in it, two tabs on one question,
and answers that arrive after the deadline. The network is emulated through the DevTools
protocol; what counts is what the server stored and graded.

Each run prints a line of the README's field-conditions table (run with -s to see them)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from learning.db import build_engine
from learning.quizzes.models import Attempt
from tests.browser.conftest import LIVE_DATABASES
from tests.browser.network import Network, graded_marks, stored_answers
from tests.browser.test_login_browser import log_in

LAW = "Pháp luật lao động cho đoàn viên, người lao động"
XIII = "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng"
DIRECTIVE = "Chỉ thị 05-CT/TW: học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
RESOLUTION = (
    "Nghị quyết 02-NQ/TW về đổi mới tổ chức và hoạt động của Công đoàn Việt Nam trong tình hình mới"
)


def shot(page, name: str) -> None:
    """A screenshot for a person to look at, when SCREENSHOT_DIR is set."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def unsent_on_device(page) -> list[str]:
    """The attempts whose answers the phone still keeps unsent (localStorage keys)."""
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('attempt-unsent:'))")


def start_final_quiz(page, phone: str, course: str) -> tuple[str, int]:
    """Log in, start the course's final quiz; the attempt's URL and id."""
    log_in(page, phone=phone)
    page.get_by_role("link", name=course).click()
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_text("Còn lại:")).to_be_visible()
    url = page.url.split("?")[0]
    return url, int(url.rstrip("/").rsplit("/", 1)[1])


def start_with_both_types(
    page, phone: str, course: str, per_type: int
) -> tuple[str, int, dict[int, str]]:
    """Start the final quiz until its draw holds `per_type` single and multiple questions each
    (20 drawn from a bank of 66 with 13 multiple hold none about one time in a hundred): a
    draw without them is submitted and the quiz started again."""
    attempt_url, attempt_id = start_final_quiz(page, phone, course)
    for _ in range(5):
        types = question_types(page, attempt_url)
        kinds = list(types.values())
        if min(kinds.count("single"), kinds.count("multiple")) >= per_type:
            return attempt_url, attempt_id, types
        page.goto(f"{attempt_url}/summary")
        page.get_by_role("button", name="Nộp bài").click()
        expect(page).to_have_url(re.compile(r".*/result$"))
        page.goto("/")
        page.get_by_role("link", name=course).click()
        page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
        page.get_by_role("button", name="Làm lại").click()
        expect(page.get_by_text("Còn lại:")).to_be_visible()
        attempt_url = page.url.split("?")[0]
        attempt_id = int(attempt_url.rstrip("/").rsplit("/", 1)[1])
    raise AssertionError(f"five draws without {per_type} questions of each type")


def question_types(page, attempt_url: str, count: int = 20) -> dict[int, str]:
    """single or multiple, for each question of the attempt (read on a normal network)."""
    types = {}
    for n in range(1, count + 1):
        page.goto(f"{attempt_url}?page={n}")
        multiple = page.locator(f"#q{n} input[type=checkbox]").count() > 0
        types[n] = "multiple" if multiple else "single"
    return types


def checked(page, position: int) -> list[int]:
    """The display positions ticked on the page for the question."""
    boxes = page.locator(f"input[name=answer-{position}]:checked")
    return sorted(int(boxes.nth(i).get_attribute("value")) for i in range(boxes.count()))


def tap(page, position: int, index: int) -> None:
    page.locator(f"#q{position} label.choice").nth(index).click()


def quick_changes(page, position: int, kind: str, gap_ms: int) -> tuple[list[int], int]:
    """Change the answer quickly, the way a hesitating person does; the answer the last taps
    leave (display positions) and the number of taps."""
    choices = page.locator(f"#q{position} label.choice").count()
    third = 2 if choices > 2 else 0
    # Single: A, B, C, back to B. Multiple: tick A, tick B, untick A, tick C.
    taps = [0, 1, third, 1] if kind == "single" else [0, 1, 0, third]
    for index in taps:
        tap(page, position, index)
        page.wait_for_timeout(gap_ms)
    picked = page.locator(f"input[name=answer-{position}]:checked")
    expected = sorted(int(picked.nth(i).get_attribute("value")) for i in range(picked.count()))
    return expected, len(taps)


RUNS = [
    # latency (ms), ms between taps, worker, course, questions of each type
    pytest.param(300, 250, "0900000011", LAW, 3, id="300ms"),
    pytest.param(800, 700, "0900000012", XIII, 2, id="800ms"),
    pytest.param(2000, 700, "0900000014", DIRECTIVE, 2, id="2000ms"),
]


@pytest.mark.parametrize(("latency", "gap", "phone", "course", "per_type"), RUNS)
def test_quick_changes_keep_the_last_tap(page, live_server, latency, gap, phone, course, per_type):
    attempt_url, attempt_id, types = start_with_both_types(page, phone, course, per_type)
    singles = [n for n, kind in types.items() if kind == "single"][:per_type]
    multiples = [n for n, kind in types.items() if kind == "multiple"][:per_type]
    assert len(singles) == len(multiples) == per_type, types
    targets = sorted(singles + multiples)
    page.goto(f"{attempt_url}?page={targets[0]}")
    network = Network(page)
    network.set(latency=latency)
    wait = 20 * latency + 10_000
    page.set_default_timeout(wait)
    expected, taps = {}, 0
    for i, position in enumerate(targets):
        page.wait_for_load_state()
        expect(page.locator(f"#q{position}")).to_be_visible()
        expected[position], count = quick_changes(page, position, types[position], gap)
        taps += count
        if position == targets[1]:
            # Mid-way, the page shows the question's state in words while it is sent.
            status = page.locator(f"#q{position} .q-status")
            expect(status).to_have_text(re.compile("Đang gửi|Đã lưu"))
            shot(page, f"question-saving-{latency}")
        if i + 1 < len(targets):
            # Moving on right after the last tap: the page sends what it holds first.
            page.locator(f'.map-item[data-position="{targets[i + 1]}"]').click()
            expect(page).to_have_url(re.compile(rf"page={targets[i + 1]}$"), timeout=wait)
    # Straight to the summary after the last tap (its save may be cut off by leaving): the
    # answer kept on the device goes from the summary page, and submitting waits for it.
    page.goto(attempt_url + "/summary")
    page.get_by_role("button", name="Nộp bài", exact=True).click()
    expect(page).to_have_url(re.compile(r"/result$"), timeout=wait)
    network.normal()

    stored = stored_answers(live_server, attempt_id)
    lost = [n for n in targets if stored[n] != expected[n]]
    marks = graded_marks(live_server, attempt_id)
    print(
        f"\nFIELD | latency {latency} ms, taps {gap} ms apart | {len(singles)} single + "
        f"{len(multiples)} multiple | {taps} taps | answers lost: {len(lost)}"
    )
    assert lost == [], {n: (stored[n], expected[n]) for n in lost}
    assert all(marks[n] is not None for n in targets)  # graded from those answers
    assert unsent_on_device(page) == []


def test_offline_answers_are_kept_and_sent_when_the_connection_returns(page, live_server):
    attempt_url, attempt_id = start_final_quiz(page, "0900000013", RESOLUTION)
    page.wait_for_load_state()
    network = Network(page)
    tap(page, 1, 0)
    expect(page.locator("#q1 .q-status")).to_have_text("Đã lưu")

    network.set(offline=True)
    tap(page, 1, 1)
    status = page.locator("#q1 .q-status")
    expect(status).to_have_text(re.compile("^Chưa gửi được"))
    expect(page.locator(".unsent-line")).to_have_text("Câu trả lời chưa gửi được: câu 1.")
    expect(page.locator('.map-item[data-position="1"]')).to_have_attribute(
        "aria-label", re.compile("chưa gửi")
    )
    shot(page, "question-unsent")
    # Moving on offline would lose the page: it stays, and says why.
    page.get_by_role("button", name="Lưu và sang câu sau").click()
    expect(page.locator(".nav-notice")).to_have_text(re.compile("^Không có mạng"))
    assert page.url.startswith(attempt_url)
    page.wait_for_timeout(4000)  # several seconds without a connection
    tap(page, 1, 0)
    tap(page, 1, 1)  # the last tap, offline
    last = checked(page, 1)
    assert last != [1] and stored_answers(live_server, attempt_id)[1] == [1]

    network.normal()  # the connection returns: sent without pressing anything
    expect(status).to_have_text("Đã lưu", timeout=20_000)
    assert stored_answers(live_server, attempt_id)[1] == last

    # Offline again, an answer, and the phone dies before the connection returns.
    page.goto(f"{attempt_url}?page=2")
    page.wait_for_load_state()
    network = Network(page)
    network.set(offline=True)
    tap(page, 2, 1)
    expect(page.locator("#q2 .q-status")).to_have_text(re.compile("^Chưa gửi được"))
    page.close()
    again = page.context.new_page()
    again.goto(attempt_url + "/summary")  # online now: the page sends what the phone kept
    expect(again.locator('li[data-position="2"] .unsent-note')).to_have_count(0, timeout=20_000)
    assert stored_answers(live_server, attempt_id)[2] == [2]
    again.get_by_role("button", name="Nộp bài", exact=True).click()
    expect(again).to_have_url(re.compile(r"/result$"))
    assert unsent_on_device(again) == []


def test_two_tabs_on_one_question_show_the_answer_kept_and_let_the_person_choose(page, live_server):
    attempt_url, attempt_id = start_final_quiz(page, "0900000015", LAW)
    # A single-choice question with three choices or more: three different answers.
    for q in range(1, 21):
        page.goto(f"{attempt_url}?page={q}")
        if page.locator(f"#q{q} input[type=radio]").count() >= 3:
            break
    other = page.context.new_page()
    other.goto(f"{attempt_url}?page={q}")
    page.wait_for_load_state()
    other.wait_for_load_state()
    first_label = page.locator(f"#q{q} label.choice span").nth(0).inner_text()

    tap(page, q, 0)  # the first tab answers
    expect(page.locator(f"#q{q} .q-status")).to_have_text("Đã lưu")
    tap(other, q, 1)  # the second tab, still showing the question unanswered, answers too
    conflict = other.locator(f"#q{q} .q-status")
    expect(conflict).to_contain_text("trang hoặc máy khác")
    expect(conflict).to_contain_text(f"«{first_label}»")
    # No reload: the page shows the answer kept, and the person may choose again.
    assert checked(other, q) == [1]
    assert stored_answers(live_server, attempt_id)[q] == [1]
    shot(other, "question-conflict")
    tap(other, q, 1)
    expect(conflict).to_have_text("Đã lưu")
    assert stored_answers(live_server, attempt_id)[q] == [2]

    # The first tab is now behind: its next answer meets the second tab's, and says so.
    tap(page, q, 2)
    expect(page.locator(f"#q{q} .q-status")).to_contain_text("trang hoặc máy khác")
    assert stored_answers(live_server, attempt_id)[q] == [2]
    assert checked(page, q) == [2]  # the page shows the answer kept
    other.close()


def test_answers_arriving_after_the_deadline_are_refused_and_the_page_says_which(page, live_server):
    _url, attempt_id = start_final_quiz(page, "0900000011", RESOLUTION)
    page.wait_for_load_state()
    network = Network(page)
    tap(page, 1, 0)
    expect(page.locator("#q1 .q-status")).to_have_text("Đã lưu")
    network.set(offline=True)
    tap(page, 1, 1)
    expect(page.locator("#q1 .q-status")).to_have_text(re.compile("^Chưa gửi được"))
    # The deadline and its grace pass while the phone is offline.
    engine = build_engine(LIVE_DATABASES[live_server])
    with engine.begin() as connection:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        connection.execute(update(Attempt).where(Attempt.id == attempt_id).values(deadline_at=past))
    engine.dispose()
    network.normal()
    panel = page.locator(".attempt-closed")
    expect(panel).to_be_visible(timeout=20_000)
    expect(panel).to_contain_text("không được tính: câu 1.")
    expect(page.locator("#q1 .q-status")).to_have_text(re.compile("^Không được tính"))
    shot(page, "question-late")
    # The server kept the answer saved in time, and graded it.
    assert stored_answers(live_server, attempt_id)[1] == [1]
    assert graded_marks(live_server, attempt_id)[1] is not None
    assert unsent_on_device(page) == []
    panel.get_by_role("link", name="Xem kết quả").click()
    expect(page).to_have_url(re.compile(r"/result$"))


PAGE_BUDGET = 100 * 1024
WEIGHT = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const rest = performance.getEntriesByType("resource").filter(r => r.initiatorType !== "img");
  return {usable: nav.loadEventEnd - nav.startTime,
          bytes: nav.transferSize + rest.reduce((sum, r) => sum + r.transferSize, 0)};
}"""


def test_slow_3g_lesson_question_and_save_stay_light(browser, live_server):
    """On slow 3G (400 ms, 400 kbit/s) the lesson and question pages stay under 100 KB
    before images; the times are printed (bench/field_network.py is their home), not
    asserted."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        base_url=live_server,
        locale="vi-VN",
        service_workers="block",
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    attempt_url, _id = start_final_quiz(page, "0900000012", RESOLUTION)
    page.goto("/courses/nghi-quyet-02-nq-tw")
    lesson_url = page.get_by_role("link", name="Bắt đầu học").get_attribute("href")
    network = Network(page)
    network.slow_3g()
    figures = {}
    for name, url in (("lesson", lesson_url), ("question", attempt_url + "?page=2")):
        page.goto(url, wait_until="load")
        figures[name] = page.evaluate(WEIGHT)
        assert figures[name]["bytes"] < PAGE_BUDGET, (name, figures[name])
    started = page.evaluate("performance.now()")
    tap(page, 2, 0)
    expect(page.locator("#q2 .q-status")).to_have_text("Đã lưu")
    saved = page.evaluate("performance.now()") - started
    print(
        f"\nSLOW 3G | lesson {figures['lesson']['usable']:.0f} ms, "
        f"{figures['lesson']['bytes']} B | question {figures['question']['usable']:.0f} ms, "
        f"{figures['question']['bytes']} B | save acknowledged ~{saved:.0f} ms"
    )
    context.close()
