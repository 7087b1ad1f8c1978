"""The worker's path: home, lessons, progress across devices, completion, certificate, search."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from learning.courses.models import (
    Certificate,
    ContentStatus,
    Lesson,
    LessonProgress,
    QuestionVersion,
)
from learning.db import utcnow
from learning.quizzes.queries import course_final_quiz
from learning.quizzes.services import Answer, start_attempt, submit_attempt
from tests.xss import PAYLOADS, assert_adds_nothing


@pytest.fixture
def course(sample_course):
    return sample_course


@pytest.fixture
def worker(make):
    unit = make.unit("CĐCS Công ty May Hoa Ban")
    return make.user(full_name="Nguyễn Thị Ánh Tuyết", unit=unit)


@pytest.fixture
def logged_in(auth, client, worker):
    auth.login(worker.phone)
    return client


def pass_final_quiz(session, worker, course_id):
    """Take the course's final quiz with every answer right."""
    quiz = course_final_quiz(session, course_id)
    attempt = start_attempt(session, worker, quiz, utcnow())
    answers = []
    for slot in attempt.slots:
        version = session.get(QuestionVersion, slot.question_version_id)
        right = {c.id for c in version.choices if c.is_correct}
        picks = tuple(n for n, cid in enumerate(slot.choice_order, start=1) if cid in right)
        answers.append(Answer(slot.position, picks, 0))
    submit_attempt(session, worker, attempt.id, utcnow(), answers)
    session.commit()


def complete_course(session, client, worker, course_id):
    pass_final_quiz(session, worker, course_id)
    client.post("/courses/khoa-thu/lessons/bai-mot/done")
    client.post("/courses/khoa-thu/lessons/bai-hai/done")


def test_home_lists_the_course_with_its_progress_and_next_step(course, logged_in):
    page = logged_in.get("/").text
    assert "Khóa học thử" in page
    assert '<progress id="progress-' in page
    assert "Đã học 0/2 bài" in page
    assert "Bài một: Hợp đồng" in page  # what to do next
    assert "Bắt đầu học" in page


def test_opening_a_lesson_is_recorded_once(course, logged_in, session, worker):
    assert logged_in.get("/courses/khoa-thu/lessons/bai-mot").status_code == 200
    assert logged_in.get("/courses/khoa-thu/lessons/bai-mot").status_code == 200
    rows = session.scalars(select(LessonProgress).where(LessonProgress.user_id == worker.id)).all()
    assert len(rows) == 1
    assert rows[0].opened_at is not None and rows[0].completed_at is None


def test_lesson_page_shows_body_sources_and_pager(course, logged_in):
    page = logged_in.get("/courses/khoa-thu/lessons/bai-mot").text
    assert "<strong>không xác định thời hạn</strong>" in page
    assert "Bộ luật Lao động 45/2019/QH14: Điều 20" in page
    assert 'rel="next" href="/courses/khoa-thu/lessons/bai-hai"' in page
    assert 'rel="prev"' not in page


def test_marking_lessons_done_moves_progress_and_completes_the_course(
    app, course, logged_in, session, worker
):
    pass_final_quiz(session, worker, course.id)
    response = logged_in.post("/courses/khoa-thu/lessons/bai-mot/done", data={"next": "bai-hai"})
    assert response.headers["Location"] == "/courses/khoa-thu/lessons/bai-hai"
    assert "Đã học 1/2 bài" in logged_in.get("/").text
    # Progress is on the server: another device sees it.
    other_device = app.test_client()
    other_device.post("/login", data={"login": worker.phone, "password": "password123"})
    assert "Đã học 1/2 bài" in other_device.get("/").text

    done = logged_in.post("/courses/khoa-thu/lessons/bai-hai/done")
    assert done.headers["Location"] == "/courses/khoa-thu"
    page = logged_in.get("/courses/khoa-thu").text
    assert "Chúc mừng! Bạn đã hoàn thành chuyên đề này." in page
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == worker.id))
    assert certificate is not None
    assert certificate.holder_name == "Nguyễn Thị Ánh Tuyết"
    assert certificate.unit_name == "CĐCS Công ty May Hoa Ban"
    assert certificate.code in page


def test_lessons_alone_do_not_complete_a_course_with_a_final_quiz(
    course, logged_in, session, worker
):
    logged_in.post("/courses/khoa-thu/lessons/bai-mot/done")
    logged_in.post("/courses/khoa-thu/lessons/bai-hai/done")
    assert session.scalar(select(Certificate).where(Certificate.user_id == worker.id)) is None
    assert "Đã học 2/2 bài" in logged_in.get("/").text


def test_marking_done_twice_issues_one_certificate(course, logged_in, session, worker):
    pass_final_quiz(session, worker, course.id)
    for _ in range(2):
        logged_in.post("/courses/khoa-thu/lessons/bai-mot/done")
        logged_in.post("/courses/khoa-thu/lessons/bai-hai/done")
    certificates = session.scalars(select(Certificate).where(Certificate.user_id == worker.id))
    assert len(certificates.all()) == 1


def test_certificate_pdf_has_the_vietnamese_name_and_the_verification_code(
    course, logged_in, session, worker
):
    complete_course(session, logged_in, worker, course.id)
    response = logged_in.get("/courses/khoa-thu/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    code = session.scalar(select(Certificate.code).where(Certificate.user_id == worker.id))
    assert "Nguyễn Thị Ánh Tuyết" in text
    assert "GIẤY CHỨNG NHẬN" in text
    assert code in text
    assert f"/verify/{code}" in text


def test_no_certificate_before_completion(course, logged_in):
    assert logged_in.get("/courses/khoa-thu/certificate.pdf").status_code == 404


def test_verify_page_confirms_or_denies_without_personal_data(
    client, course, logged_in, session, worker
):
    complete_course(session, logged_in, worker, course.id)
    code = session.scalar(select(Certificate.code).where(Certificate.user_id == worker.id))
    anonymous = client.application.test_client()
    genuine = anonymous.get(f"/verify/{code}")
    assert genuine.status_code == 200
    assert "Giấy chứng nhận này là thật." in genuine.text
    assert "Nguyễn Thị Ánh Tuyết" in genuine.text
    assert "Khóa học thử" in genuine.text
    assert worker.phone not in genuine.text
    assert "0" + worker.phone[3:6] not in genuine.text
    forged = anonymous.get("/verify/AAAA-BBBB-CCCC")
    assert forged.status_code == 404
    assert "Không có giấy chứng nhận nào mang mã AAAA-BBBB-CCCC." in forged.text


def test_unknown_or_retired_course_and_lesson_are_404(course, logged_in, session):
    assert logged_in.get("/courses/khong-co").status_code == 404
    assert logged_in.get("/courses/khoa-thu/lessons/khong-co").status_code == 404
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-hai"))
    lesson.status = ContentStatus.ARCHIVED
    session.commit()
    assert logged_in.get("/courses/khoa-thu/lessons/bai-hai").status_code == 404
    assert logged_in.post("/courses/khoa-thu/lessons/bai-hai/done").status_code == 404


def test_lesson_media_is_served_with_its_type(course, logged_in):
    image = logged_in.get("/courses/khoa-thu/lessons/media/so-do.png")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert logged_in.get("/courses/khoa-thu/lessons/media/khong-co.png").status_code == 404


def test_search_ignores_diacritics(course, logged_in):
    page = logged_in.get("/search?q=thu viec").text
    assert "Bài hai: Thử việc" in page
    assert "Bài một: Hợp đồng" not in page
    assert "Không tìm thấy" in logged_in.get("/search?q=bao hiem that nghiep").text


def test_search_terms_are_echoed_inert(logged_in):
    baseline = logged_in.get("/search", query_string={"q": "hop dong"}).text
    for payload in PAYLOADS:
        response = logged_in.get("/search", query_string={"q": payload})
        assert response.status_code == 200
        assert_adds_nothing(response.text, baseline)


def test_lesson_pages_need_login(client, course):
    assert client.get("/courses/khoa-thu/lessons/bai-mot").status_code == 302


def test_a_mark_sent_by_the_page_answers_where_to_go_next(course, logged_in):
    """offline.js sends the mark itself (to keep it on the phone if the send fails) and asks
    for JSON: the answer names the page the plain form post would have redirected to."""
    json = {"Accept": "application/json"}
    first = logged_in.post(
        "/courses/khoa-thu/lessons/bai-mot/done", data={"next": "bai-hai"}, headers=json
    )
    assert first.status_code == 200
    assert first.get_json() == {"done": True, "next": "/courses/khoa-thu/lessons/bai-hai"}
    assert "Đã học 1/2 bài" in logged_in.get("/").text
    last = logged_in.post("/courses/khoa-thu/lessons/bai-hai/done", headers=json)
    assert last.get_json() == {"done": True, "next": "/courses/khoa-thu"}
    assert "Đã đánh dấu" in logged_in.get("/courses/khoa-thu").text
