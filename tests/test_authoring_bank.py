"""The question bank page: filters, search without diacritics, bulk actions; and media
uploads, refused when they lie about their type or are too big."""

import io

import pytest
from sqlalchemy import func, select

from learning.auth.models import Role
from learning.authoring import queries
from learning.authoring.courses import create_course
from learning.authoring.lessons import LessonDraft, save_lesson
from learning.authoring.questions import save_question
from learning.courses.loader import MAX_MEDIA_BYTES
from learning.courses.models import ContentStatus, Lesson, MediaFile, Question, QuestionType
from tests.authoring_helpers import client_for, draft, publish
from tests.course_files import PNG_BYTES
from tests.test_bad_input import GARBAGE


@pytest.fixture
def admins(make):
    return make.user(role=Role.ADMIN), make.user(role=Role.ADMIN)


@pytest.fixture
def client(app, admins):
    return client_for(app, admins[0])


def _keys(page):
    return {key for key in ("q-001", "q-002", "q-003", "web-4") if f">{key} ·" in page}


@pytest.fixture
def bank(session, sample_course, admins):
    """The sample bank (3 published) and one draft, a true/false 'thử việc' question."""
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-mot"))
    question = save_question(
        session,
        admins[0],
        sample_course,
        None,
        draft(
            text="Thời gian thử việc tối đa 180 ngày?",
            type=QuestionType.TRUE_FALSE,
            true_answer=True,
            tags=["thu-viec"],
            lesson_id=lesson.id,
        ),
    )
    session.commit()
    return question


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"q-001", "q-002", "q-003", "web-4"}),
        ("q=thu viec", {"q-002", "q-003", "web-4"}),  # "thử việc", without diacritics
        ("q=HOP DONG CO MAY", {"q-001"}),
        ("tag=hop-dong", {"q-001"}),
        ("difficulty=hard", {"q-003"}),
        ("type=true_false", {"q-002", "web-4"}),
        ("status=draft", {"web-4"}),
        ("status=published", {"q-001", "q-002", "q-003"}),
        ("status=nonsense&type=<script>&difficulty=x", {"q-001", "q-002", "q-003", "web-4"}),
    ],
)
def test_bank_filters(client, sample_course, bank, query, expected):
    page = client.get(f"/admin/questions?course={sample_course.id}&{query}")
    assert page.status_code == 200
    assert _keys(page.text) == expected


def test_bank_filters_by_lesson(client, session, sample_course, bank):
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-hai"))
    page = client.get(f"/admin/questions?course={sample_course.id}&lesson={lesson.id}")
    assert _keys(page.text) == {"q-002", "q-003"}


def test_bulk_add_tag_move_and_retire(client, session, sample_course, bank):
    ids = list(session.scalars(select(Question.id).where(Question.key.in_(["q-001", "q-002"]))))
    response = client.post(
        "/admin/questions/bulk", data={"ids": ids, "action": "tag", "tag": "ôn tập"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert all("ôn tập" in session.get(Question, i).tags for i in ids)
    assert _keys(client.get("/admin/questions?tag=ôn tập").text) == {"q-001", "q-002"}

    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-hai"))
    client.post("/admin/questions/bulk", data={"ids": ids, "action": "move", "lesson": lesson.id})
    session.expire_all()
    assert {session.get(Question, i).lesson_id for i in ids} == {lesson.id}

    client.post("/admin/questions/bulk", data={"ids": ids, "action": "retire"})
    session.expire_all()
    assert {session.get(Question, i).status for i in ids} == {ContentStatus.ARCHIVED}
    assert _keys(client.get("/admin/questions?status=archived").text) == {"q-001", "q-002"}


def test_bulk_actions_refuse_bad_requests_and_change_nothing(
    client, session, sample_course, bank, make, admins
):
    other = create_course(session, admins[0], "", "Chuyên đề khác", "")
    other_lesson = save_lesson(session, admins[0], other, None, LessonDraft("Bài khác", "Chữ."))
    session.commit()
    ids = list(session.scalars(select(Question.id).where(Question.key == "q-001")))
    for data in (
        {"ids": ids, "action": "move", "lesson": other_lesson.id},  # another course's lesson
        {"ids": ids, "action": "tag", "tag": ""},
        {"ids": [], "action": "retire"},
        {"ids": ids, "action": "delete-everything"},
        {"ids": ids, "action": "move", "lesson": "x"},
    ):
        response = client.post("/admin/questions/bulk", data=data)
        assert response.status_code == 400, data
    session.expire_all()
    question = session.get(Question, ids[0])
    assert question.status is ContentStatus.PUBLISHED and question.tags == ["hop-dong"]


def test_a_published_question_written_in_the_browser_is_found(
    client, session, sample_course, admins
):
    publish(
        session, admins[0], admins[1], sample_course, draft(text="Nghỉ lễ Quốc khánh mấy ngày?")
    )
    page = client.get("/admin/questions?q=quoc khanh&status=published")
    assert "Nghỉ lễ Quốc khánh mấy ngày?" in page.text


# --- uploads -----------------------------------------------------------------------------


def _upload(client, course, name, data):
    return client.post(
        f"/admin/courses/{course.id}/media",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_an_image_is_uploaded_and_served_to_lessons(client, session, sample_course, make, app):
    sample_course.status = ContentStatus.DRAFT  # not published: the upload applies at once
    session.commit()
    response = _upload(client, sample_course, "Sơ đồ mới.PNG", PNG_BYTES)
    assert response.status_code == 302
    media = session.scalar(select(MediaFile).where(MediaFile.name == "so-do-moi.png"))
    assert media.content_type == "image/png"
    sample_course.status = ContentStatus.PUBLISHED
    session.commit()
    served = client_for(app, make.user()).get("/courses/khoa-thu/lessons/media/so-do-moi.png")
    assert served.status_code == 200 and served.data == PNG_BYTES


def test_a_file_for_a_published_course_waits_for_a_second_admin(
    client, session, sample_course, admins, make, app
):
    """Finding 6: one admin alone replaced an image of a published course at once."""
    worker = client_for(app, make.user())
    old = worker.get("/courses/khoa-thu/lessons/media/so-do.png").data
    new = PNG_BYTES + b"\0new"
    assert _upload(client, sample_course, "so-do.png", new).status_code == 302
    assert worker.get("/courses/khoa-thu/lessons/media/so-do.png").data == old  # kept
    [upload] = queries.media_uploads(session, sample_course.id)
    assert upload.status is ContentStatus.IN_REVIEW and upload.author == admins[0].full_name
    page = client.get(f"/admin/courses/{sample_course.id}").text
    assert "chờ duyệt" in page.lower() or "awaiting" in page.lower()
    assert client.get(f"/admin/courses/{sample_course.id}/uploads/{upload.id}").data == new
    own = client.post(f"/admin/courses/{sample_course.id}/uploads/{upload.id}/approve")
    assert own.status_code == 403  # the uploader cannot approve their own file
    assert worker.get("/courses/khoa-thu/lessons/media/so-do.png").data == old
    second = client_for(app, admins[1])
    done = second.post(f"/admin/courses/{sample_course.id}/uploads/{upload.id}/approve")
    assert done.status_code == 302
    assert worker.get("/courses/khoa-thu/lessons/media/so-do.png").data == new
    [upload] = queries.media_uploads(session, sample_course.id)
    assert upload.approver == admins[1].full_name
    history = client.get(f"/admin/courses/{sample_course.id}").text
    assert admins[0].full_name in history and admins[1].full_name in history


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("anh.pdf", PNG_BYTES, "không khớp"),  # a PNG calling itself a PDF
        ("tai-lieu.png", b"%PDF-1.7\n", "không khớp"),
        ("script.png", b"<svg onload=alert(1)>", "Chỉ tải lên được"),
        ("trang.html", b"<html><script>alert(1)</script>", "Chỉ tải lên được"),
        ("lon.png", PNG_BYTES + b"\0" * MAX_MEDIA_BYTES, "lớn hơn 5 MiB"),
    ],
)
def test_uploads_that_lie_or_are_too_big_are_refused(
    client, session, sample_course, name, data, message
):
    before = session.scalar(select(func.count()).select_from(MediaFile))
    response = _upload(client, sample_course, name, data)
    assert response.status_code == 400
    assert message in response.text
    assert session.scalar(select(func.count()).select_from(MediaFile)) == before


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_to_every_authoring_form_is_refused_cleanly(app, client, sample_course, kind):
    routes = [
        rule.rule.replace("<int:course_id>", str(sample_course.id))
        .replace("<int:lesson_id>", "1")
        .replace("<int:question_id>", "1")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("authoring.") and "POST" in rule.methods
    ]
    assert len(routes) >= 10
    for route in routes:
        response = client.post(route, data=GARBAGE[kind])
        assert 400 <= response.status_code < 500 or response.status_code == 302, (
            route,
            response.status_code,
        )


def test_the_bank_is_paged_and_the_pages_keep_the_filters(client, sample_course, bank, monkeypatch):
    monkeypatch.setattr(queries, "BANK_PAGE_SIZE", 3)
    url = f"/admin/questions?course={sample_course.id}&q=thu+viec"
    first = client.get(url).text  # three match: a page holds them all
    assert _keys(first) == {"q-002", "q-003", "web-4"} and 'rel="next"' not in first
    monkeypatch.setattr(queries, "BANK_PAGE_SIZE", 2)
    first = client.get(url).text
    assert "3 câu hỏi" in first and "trang 1/2" in first
    assert len(_keys(first)) == 2
    next_link = f'href="/admin/questions?page=2&amp;course={sample_course.id}&amp;q=thu+viec"'
    assert next_link in first
    second = client.get(f"{url}&page=2").text
    assert _keys(first) | _keys(second) == {"q-002", "q-003", "web-4"}
    assert len(_keys(second)) == 1 and 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last page; a page that is not a number, the first.
    assert _keys(client.get(f"{url}&page=99").text) == _keys(second)
    assert _keys(client.get(f"{url}&page=abc").text) == _keys(first)
