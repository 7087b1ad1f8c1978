"""Quiz pages through HTTP: what a worker sees, the no-leak rule, review settings, long
quizzes, completion, and who may see whose attempts."""

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from learning.auth.models import Role
from learning.courses.models import Certificate, Choice, LessonProgress
from learning.quizzes.models import Attempt, AttemptSlot, Quiz, QuizKind, ReviewDetail, ReviewTiming
from tests.statements import StatementCounter


@pytest.fixture
def worker(make):
    return make.user(unit=make.unit("CĐCS Thử"))


@pytest.fixture
def logged_in(auth, client, worker):
    auth.login(worker.phone)
    return client


def start(client, quiz):
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def answer(client, attempt_id, position, choices, revision=0, go=None):
    data = {"shown": str(position), f"answer-{position}": [str(c) for c in choices],
            f"revision-{position}": str(revision), "page": str(position)}  # fmt: skip
    if go:
        data["go"] = go
    return client.post(f"/attempts/{attempt_id}/save", data=data)


def test_a_question_page_reads_the_attempt_and_its_question_in_three_statements(
    logged_in, final_quiz, connection
):
    # The attempt with its quiz, its slots, the question shown with its choices (the quiz
    # and the choices each cost a statement of their own before); the person's row aside.
    attempt_id = start(logged_in, final_quiz)
    with StatementCounter(connection) as counter:
        page = logged_in.get(f"/attempts/{attempt_id}?page=2")
    assert page.status_code == 200 and "Câu 2" in page.text
    own = [s for s in counter.statements if not s.startswith("SELECT users.")]
    assert len(own) <= 3, own


def test_intro_shows_the_settings(logged_in, final_quiz, session):
    final_quiz.attempts_allowed = 2
    session.commit()
    page = logged_in.get(f"/quizzes/{final_quiz.id}").text
    assert "Bài kiểm tra cuối chuyên đề" in page
    assert "<dd>3</dd>" in page  # questions
    assert "10 phút" in page and "70%" in page
    assert "Số lượt còn lại" in page and "<dd>2</dd>" in page


def test_a_worker_takes_the_quiz_page_by_page(logged_in, final_quiz, session):
    attempt_id = start(logged_in, final_quiz)
    page = logged_in.get(f"/attempts/{attempt_id}").text
    assert "Hợp đồng lao động có mấy loại?" in page
    assert "Còn lại:" in page
    assert answer(logged_in, attempt_id, 1, [1], go="2").headers["Location"].endswith("?page=2")
    answer(logged_in, attempt_id, 2, [1], go="3")
    assert (
        answer(logged_in, attempt_id, 3, [1, 2], go="summary")
        .headers["Location"]
        .endswith("/summary")
    )
    summary = logged_in.get(f"/attempts/{attempt_id}/summary").text
    assert summary.count("đã trả lời") == 3
    done = logged_in.post(f"/attempts/{attempt_id}/submit")
    assert done.headers["Location"] == f"/attempts/{attempt_id}/result"
    result = logged_in.get(done.headers["Location"]).text
    assert "Điểm: 3 / 3 (100%)" in result
    assert "Đạt" in result
    # A double tap or a retried request: the same result, graded once.
    again = logged_in.post(f"/attempts/{attempt_id}/submit")
    assert again.headers["Location"] == f"/attempts/{attempt_id}/result"
    assert session.scalar(select(Attempt.score).where(Attempt.id == attempt_id)) == 3


def _page_without_tokens(client, url):
    return re.sub(r'name="csrf_token" value="[^"]+"', "", client.get(url).text)


def test_the_attempt_page_does_not_leak_the_right_answer(logged_in, final_quiz, session):
    """Render every page, flip which choices are right in the database, render again: the
    HTML must not change at all, so nothing in it can depend on the right answer."""
    attempt_id = start(logged_in, final_quiz)
    urls = [f"/attempts/{attempt_id}?page={n}" for n in (1, 2, 3)] + [
        f"/attempts/{attempt_id}/summary"
    ]
    before = [_page_without_tokens(logged_in, url) for url in urls]
    session.execute(update(Choice).values(is_correct=~Choice.is_correct))
    session.commit()
    after = [_page_without_tokens(logged_in, url) for url in urls]
    assert before == after
    for html in before:
        assert "correct" not in html.lower() and "is_correct" not in html
        # Choice values are display positions, not database ids.
        assert set(re.findall(r'name="answer-\d+" value="(\d+)"', html)) <= {"1", "2", "3"}


@pytest.mark.parametrize(
    ("detail", "shows_marks", "shows_answers"),
    [
        (ReviewDetail.SCORE, False, False),
        (ReviewDetail.CORRECTNESS, True, False),
        (ReviewDetail.FULL, True, True),
    ],
)
def test_review_shows_what_the_quiz_allows(
    logged_in, final_quiz, session, detail, shows_marks, shows_answers
):
    final_quiz.review_detail = detail
    session.commit()
    attempt_id = start(logged_in, final_quiz)
    answer(logged_in, attempt_id, 1, [2])
    logged_in.post(f"/attempts/{attempt_id}/submit")
    page = logged_in.get(f"/attempts/{attempt_id}/result").text
    assert "Điểm: 0 / 3 (0%)" in page
    assert ("Chưa đúng" in page) is shows_marks
    assert ("đáp án đúng" in page) is shows_answers
    assert ("Điều 20: hai loại hợp đồng." in page) is shows_answers
    assert ("Nguồn: Bộ luật Lao động 45/2019/QH14, Điều 20" in page) is shows_answers


def test_review_after_close_waits_for_the_close(logged_in, final_quiz, session):
    final_quiz.review_timing = ReviewTiming.AFTER_CLOSE
    final_quiz.closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    session.commit()
    attempt_id = start(logged_in, final_quiz)
    logged_in.post(f"/attempts/{attempt_id}/submit")
    page = logged_in.get(f"/attempts/{attempt_id}/result").text
    assert "Kết quả sẽ được công bố sau khi bài kiểm tra đóng." in page
    assert "Điểm:" not in page


def test_invalid_answers_and_other_attempts_are_refused(logged_in, final_quiz, make, app):
    attempt_id = start(logged_in, final_quiz)
    assert answer(logged_in, attempt_id, 1, [7]).status_code == 400
    assert answer(logged_in, attempt_id, 9, [1]).status_code == 400
    bad = logged_in.post(f"/attempts/{attempt_id}/save", data={"shown": "x", "answer-x": "1"})
    assert bad.status_code == 400
    other = app.test_client()
    intruder = make.user()
    other.post("/login", data={"login": intruder.phone, "password": "password123"})
    assert answer(other, attempt_id, 1, [1]).status_code == 403
    assert other.post(f"/attempts/{attempt_id}/submit").status_code == 403
    assert other.get(f"/attempts/{attempt_id}").status_code == 403
    assert logged_in.get(f"/attempts/{attempt_id}?page=1").status_code == 200


def test_closed_quiz_and_no_attempts_left_are_refused(logged_in, final_quiz, session):
    final_quiz.attempts_allowed = 1
    session.commit()
    attempt_id = start(logged_in, final_quiz)
    logged_in.post(f"/attempts/{attempt_id}/submit")
    refused = logged_in.post(f"/quizzes/{final_quiz.id}/start")
    assert refused.status_code == 403
    assert "Bạn đã dùng hết số lượt làm bài" in refused.text
    final_quiz.attempts_allowed = 0
    final_quiz.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    assert logged_in.post(f"/quizzes/{final_quiz.id}/start").status_code == 403


def test_stale_page_through_http_keeps_the_newer_answer(logged_in, final_quiz, session):
    attempt_id = start(logged_in, final_quiz)
    answer(logged_in, attempt_id, 1, [1], revision=0)
    stale = answer(logged_in, attempt_id, 1, [2], revision=0)
    assert stale.status_code == 302
    page = logged_in.get(stale.headers["Location"]).text
    assert "Trang này đã cũ" in page
    assert re.search(r'value="1"\s+checked', page)


def test_background_save_answers_json(logged_in, final_quiz):
    attempt_id = start(logged_in, final_quiz)
    response = logged_in.post(
        f"/attempts/{attempt_id}/save",
        data={"shown": "1", "answer-1": "1", "revision-1": "0"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json == {"saved": [1], "stale": [], "revisions": {"1": 1}}


def test_lesson_check_completes_its_lesson(logged_in, sample_course, session, worker):
    check = session.scalar(
        select(Quiz).where(Quiz.kind == QuizKind.LESSON_CHECK, Quiz.course_id == sample_course.id)
    )
    attempt_id = start(logged_in, check)
    logged_in.post(f"/attempts/{attempt_id}/submit")
    done = session.scalar(
        select(LessonProgress.completed_at).where(
            LessonProgress.user_id == worker.id, LessonProgress.lesson_id == check.lesson_id
        )
    )
    assert done is not None


def test_passing_the_final_quiz_after_the_lessons_issues_the_certificate(
    logged_in, final_quiz, session, worker
):
    logged_in.post("/courses/khoa-thu/lessons/bai-mot/done")
    logged_in.post("/courses/khoa-thu/lessons/bai-hai/done")
    assert session.scalar(select(Certificate).where(Certificate.user_id == worker.id)) is None
    attempt_id = start(logged_in, final_quiz)
    answer(logged_in, attempt_id, 1, [1])
    answer(logged_in, attempt_id, 2, [1])
    logged_in.post(f"/attempts/{attempt_id}/submit")  # 2/3 = 67%: not passed
    assert session.scalar(select(Certificate).where(Certificate.user_id == worker.id)) is None
    second = start(logged_in, final_quiz)
    for position, choices in ((1, [1]), (2, [1]), (3, [1, 2])):
        answer(logged_in, second, position, choices)
    logged_in.post(f"/attempts/{second}/submit")
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == worker.id))
    assert certificate is not None and certificate.score_percent == 100


def test_expired_form_on_submit_keeps_the_saved_answers(app, final_quiz, worker, session):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = (
        client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    )
    client.post(
        "/login", data={"login": worker.phone, "password": "password123", "csrf_token": token}
    )
    intro = client.get(f"/quizzes/{final_quiz.id}").text
    token = intro.split('name="csrf_token" value="')[1].split('"')[0]
    attempt_id = int(
        client.post(f"/quizzes/{final_quiz.id}/start", data={"csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    client.post(
        f"/attempts/{attempt_id}/save",
        data={"shown": "1", "answer-1": "1", "revision-1": "0", "csrf_token": token},
    )
    expired = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": "expired"})
    assert expired.status_code == 302
    assert expired.headers["Location"] == f"/attempts/{attempt_id}"
    page = client.get(expired.headers["Location"]).text
    assert "Câu trả lời đã lưu của bạn vẫn còn" in page
    assert (
        session.scalar(
            select(AttemptSlot.selected).where(
                AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == 1
            )
        )
        != []
    )


def test_officer_sees_attempts_of_their_subtree_only(app, make, final_quiz, auth, client):
    tree = make.tree()
    mine, theirs = (
        make.user(unit=tree.grassroots_a, full_name="Người A"),
        make.user(unit=tree.grassroots_b, full_name="Người B"),
    )
    for person in (mine, theirs):
        c = app.test_client()
        c.post("/login", data={"login": person.phone, "password": "password123"})
        c.post(f"/attempts/{start(c, final_quiz)}/submit")
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    auth.login(officer.phone)
    page = client.get(f"/quizzes/{final_quiz.id}/attempts").text
    assert "Người A" in page and "Người B" not in page
    assert "Số lần chọn theo câu hỏi" not in page
    theirs_attempt = client.application.test_client()
    admin = make.user(role=Role.ADMIN)
    theirs_attempt.post("/login", data={"login": admin.phone, "password": "password123"})
    admin_page = theirs_attempt.get(f"/quizzes/{final_quiz.id}/attempts").text
    assert "Người A" in admin_page and "Người B" in admin_page
    assert "Số lần chọn theo câu hỏi" in admin_page


def test_workers_cannot_list_attempts(logged_in, final_quiz):
    assert logged_in.get(f"/quizzes/{final_quiz.id}/attempts").status_code == 403


def test_all_questions_on_one_page_when_the_quiz_says_so(logged_in, final_quiz, session):
    final_quiz.one_question_per_page = False
    session.commit()
    attempt_id = start(logged_in, final_quiz)
    page = logged_in.get(f"/attempts/{attempt_id}").text
    for text in (
        "Hợp đồng lao động có mấy loại?",
        "Hợp đồng dưới 01 tháng không thử việc.",
        "Chọn các ý đúng về thử việc.",
    ):
        assert text in page
    assert page.count('name="shown"') == 3


@pytest.mark.parametrize("method", ["highest", "last", "first", "average"])
def test_the_course_grade_follows_the_grading_method(
    logged_in, final_quiz, session, worker, method
):
    from learning.courses.queries import course_status
    from learning.quizzes.models import GradingMethod

    final_quiz.grading_method = GradingMethod(method)
    session.commit()
    attempts = [start(logged_in, final_quiz)]
    logged_in.post(f"/attempts/{attempts[0]}/submit")  # nothing answered: 0%
    attempts.append(start(logged_in, final_quiz))
    for position, choices in ((1, [1]), (2, [1]), (3, [1, 2])):
        answer(logged_in, attempts[1], position, choices)
    logged_in.post(f"/attempts/{attempts[1]}/submit")  # 100%
    attempts.append(start(logged_in, final_quiz))
    logged_in.post(f"/attempts/{attempts[2]}/submit")  # 0% again
    status = course_status(session, worker, final_quiz_course(session, final_quiz))
    expected = {"highest": 100, "last": 0, "first": 0, "average": 100 / 3}[method]
    assert status.score_percent == pytest.approx(expected)
    assert status.final_passed is (expected >= 70)


def final_quiz_course(session, quiz):
    from learning.courses.models import Course

    return session.get(Course, quiz.course_id)


def test_the_question_map_and_the_answered_list_say_which_questions_are_answered(
    logged_in, final_quiz
):
    """What the map's buttons and the submit page's list say (their words are translated
    once a page, not once a question): each question's number, and "answered" on those that
    are; a multiple-answer question asks for checkboxes."""
    attempt_id = start(logged_in, final_quiz)
    answer(logged_in, attempt_id, 1, [1])
    page = logged_in.get(f"/attempts/{attempt_id}?page=3").text
    buttons = re.findall(
        r'<button type="submit" name="go" value="(\d)"[^>]*'
        r'class="([^"]*)"\s+aria-label="([^"]*)">(\d)</button>',
        page,
    )
    assert buttons == [
        ("1", "map-item answered", "Câu 1, đã trả lời", "1"),
        ("2", "map-item", "Câu 2", "2"),
        ("3", "map-item current", "Câu 3", "3"),
    ]
    assert 'data-msg-answered="đã trả lời"' in page
    assert page.count('type="checkbox"') >= 2 and 'type="radio"' not in page
    assert "Chọn tất cả các phương án đúng." in page
    summary = logged_in.get(f"/attempts/{attempt_id}/summary").text
    items = re.findall(
        r'<li data-position="(\d)">\s*<a href="([^"]+)">([^<]+)</a>\s*'
        r'<span class="badge (\w+)">([^<]+)</span>',
        summary,
    )
    assert items == [
        ("1", f"/attempts/{attempt_id}?page=1", "Câu 1", "done", "đã trả lời"),
        ("2", f"/attempts/{attempt_id}?page=2", "Câu 2", "todo", "chưa trả lời"),
        ("3", f"/attempts/{attempt_id}?page=3", "Câu 3", "todo", "chưa trả lời"),
    ]
