"""The review workflow: draft -> in review -> published -> archived, four eyes, what workers
see, and the audit log of each step."""

import random

import pytest
from sqlalchemy import select

from learning.audit.queries import entries_by_action
from learning.auth.models import Role
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    Question,
    QuestionVersion,
)
from learning.db import utcnow
from learning.quizzes.errors import BankTooSmall
from learning.quizzes.models import AttemptSlot
from learning.quizzes.services import start_attempt
from tests.authoring_helpers import client_for, question_form


@pytest.fixture
def admins(make):
    return (
        make.user(role=Role.ADMIN, full_name="Quản trị Một"),
        make.user(role=Role.ADMIN, full_name="Quản trị Hai"),
    )


@pytest.fixture
def worker(make):
    return make.user(full_name="Đoàn viên Thử")


def _lesson(session, course, slug="bai-mot"):
    return session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug))


def _new_question(client, course, lesson, **overrides):
    response = client.post(
        f"/admin/questions/new?course={course.id}", data=question_form(lesson.id, **overrides)
    )
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_one_admin_writes_a_question_and_a_second_admin_publishes_it(
    app, session, sample_course, final_quiz, admins, worker
):
    first, second = (client_for(app, admin) for admin in admins)
    question_id = _new_question(first, sample_course, _lesson(session, sample_course))
    question = session.get(Question, question_id)
    assert question.status is ContentStatus.DRAFT
    # The final quiz draws 4 questions: the bank's 3 published ones are not enough without it.
    settings = {"question_count": "4", "time_limit_minutes": "10", "pass_percent": "70",
                "attempts_allowed": "0", "grading_method": "highest"}  # fmt: skip
    assert first.post(f"/admin/courses/{sample_course.id}/quiz", data=settings).status_code == 302
    session.expire_all()
    assert final_quiz.question_count == 4
    with pytest.raises(BankTooSmall):  # a draft is not in the pool workers draw from
        start_attempt(session, worker, final_quiz, utcnow())

    assert (
        first.post(f"/admin/questions/{question_id}/step", data={"step": "submit"}).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.IN_REVIEW

    refused = first.post(f"/admin/questions/{question_id}/step", data={"step": "approve"})
    assert refused.status_code == 403
    assert "quản trị viên thứ hai" in refused.text
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.IN_REVIEW

    assert (
        second.post(f"/admin/questions/{question_id}/step", data={"step": "approve"}).status_code
        == 302
    )
    session.expire_all()
    question = session.get(Question, question_id)
    assert question.status is ContentStatus.PUBLISHED
    [entry] = entries_by_action(session, "question.approve")
    assert entry.actor_id == admins[1].id and entry.object_id == question_id
    assert entries_by_action(session, "question.submit")[0].actor_id == admins[0].id

    attempt = start_attempt(session, worker, final_quiz, utcnow(), random.Random(1))
    drawn = session.scalars(
        select(QuestionVersion.question_id)
        .join(AttemptSlot, AttemptSlot.question_version_id == QuestionVersion.id)
        .where(AttemptSlot.attempt_id == attempt.id)
    ).all()
    assert question_id in drawn


def test_the_submitter_may_not_approve_what_another_admin_wrote(
    app, session, sample_course, admins, make
):
    writer, submitter = admins
    third = make.user(role=Role.ADMIN)
    question_id = _new_question(
        client_for(app, writer), sample_course, _lesson(session, sample_course)
    )
    submitting = client_for(app, submitter)
    submitting.post(f"/admin/questions/{question_id}/step", data={"step": "submit"})
    assert (
        submitting.post(
            f"/admin/questions/{question_id}/step", data={"step": "approve"}
        ).status_code
        == 403
    )
    assert (
        client_for(app, third)
        .post(f"/admin/questions/{question_id}/step", data={"step": "approve"})
        .status_code
        == 302
    )


@pytest.fixture
def one_person(app_config):
    app_config["AUTHORING_FOUR_EYES"] = False
    return app_config


def test_with_four_eyes_off_one_admin_publishes_alone(
    one_person, app, session, sample_course, admins
):
    client = client_for(app, admins[0])
    question_id = _new_question(client, sample_course, _lesson(session, sample_course))
    client.post(f"/admin/questions/{question_id}/step", data={"step": "submit"})
    assert (
        client.post(f"/admin/questions/{question_id}/step", data={"step": "approve"}).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.PUBLISHED


def test_four_eyes_setting_is_read_from_the_environment(monkeypatch):
    from learning.config import from_environment

    assert from_environment({"AUTHORING_FOUR_EYES": "false"})["AUTHORING_FOUR_EYES"] is False
    assert "AUTHORING_FOUR_EYES" not in from_environment({})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source_document": ""}, "Hãy trích dẫn văn bản nguồn và điều khoản"),
        ({"source_article": ""}, "Hãy trích dẫn văn bản nguồn và điều khoản"),
        ({"choices-1-is_correct": "y"}, "đúng một lựa chọn đúng"),
        ({"type": "multiple", "choices-0-is_correct": None}, "ít nhất một lựa chọn đúng"),
        ({"choices-1-text": "", "choices-1-feedback": ""}, "ít nhất hai lựa chọn"),
        ({"type": "true_false", "true_answer": ""}, "đáp án: đúng hay sai"),
    ],
)
def test_a_question_that_is_not_ready_cannot_go_to_review(
    app, session, sample_course, admins, overrides, message
):
    client = client_for(app, admins[0])
    question_id = _new_question(client, sample_course, _lesson(session, sample_course), **overrides)
    page = client.get(f"/admin/questions/{question_id}")
    assert message in page.text  # the author is told before trying
    response = client.post(f"/admin/questions/{question_id}/step", data={"step": "submit"})
    assert response.status_code == 400
    assert message in response.text
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.DRAFT


def test_a_true_false_question_is_stored_as_dung_sai(app, session, sample_course, admins):
    client = client_for(app, admins[0])
    question_id = _new_question(
        client,
        sample_course,
        _lesson(session, sample_course),
        type="true_false",
        true_answer="false",
    )
    version = session.scalar(
        select(QuestionVersion).where(QuestionVersion.question_id == question_id)
    )
    assert [(c.text, c.is_correct) for c in version.choices] == [("Đúng", False), ("Sai", True)]


def test_an_imported_draft_without_a_source_is_listed_and_can_be_completed(
    app, session, sample_course, admins
):
    # What the question exchange import creates: a DRAFT question, version 1, no source yet.
    question = Question(
        course_id=sample_course.id,
        key="gift-1",
        difficulty="medium",
        tags=[],
        status=ContentStatus.DRAFT,
        current_version=1,
    )
    session.add(question)
    session.flush()
    from learning.courses.models import Choice

    version = QuestionVersion(
        question_id=question.id,
        number=1,
        type="single",
        text="Câu nhập từ GIFT?",
        explanation="",
        source_document="",
        source_article="",
        content_hash="x",
        choices=[Choice(position=1, text="A", is_correct=True), Choice(position=2, text="B")],
    )
    session.add(version)
    session.commit()
    client = client_for(app, admins[0])
    bank = client.get("/admin/questions?status=draft")
    assert "Câu nhập từ GIFT?" in bank.text
    page = client.get(f"/admin/questions/{question.id}")
    assert page.status_code == 200
    assert "Hãy trích dẫn văn bản nguồn" in page.text
    assert (
        client.post(f"/admin/questions/{question.id}/step", data={"step": "submit"}).status_code
        == 400
    )
    form = question_form(
        0,
        text="Câu nhập từ GIFT?",
        **{
            "choices-0-text": "A",
            "choices-1-text": "B",
            "choices-0-feedback": "",
            "choices-1-feedback": "",
        },
    )
    assert client.post(f"/admin/questions/{question.id}", data=form).status_code == 302
    assert (
        client.post(f"/admin/questions/{question.id}/step", data={"step": "submit"}).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Question, question.id).status is ContentStatus.IN_REVIEW


def test_returning_and_retiring_a_question(app, session, sample_course, admins):
    first, second = (client_for(app, admin) for admin in admins)
    question_id = _new_question(first, sample_course, _lesson(session, sample_course))
    first.post(f"/admin/questions/{question_id}/step", data={"step": "submit"})
    second.post(
        f"/admin/questions/{question_id}/step", data={"step": "return", "comment": "Thiếu khoản"}
    )
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.DRAFT
    assert "Thiếu khoản" in first.get(f"/admin/questions/{question_id}/history").text
    second.post(f"/admin/questions/{question_id}/step", data={"step": "retire"})
    session.expire_all()
    assert session.get(Question, question_id).status is ContentStatus.ARCHIVED
    # An archived question is no longer edited nor approved.
    assert first.post(f"/admin/questions/{question_id}", data=question_form()).status_code == 409
    assert (
        second.post(f"/admin/questions/{question_id}/step", data={"step": "approve"}).status_code
        == 409
    )
    assert entries_by_action(session, "question.retire")[0].actor_id == admins[1].id


def test_a_lesson_is_written_previewed_reviewed_and_published(
    app, session, sample_course, admins, worker
):
    first, second = (client_for(app, admin) for admin in admins)
    form = {"title": "Bài ba: Nghỉ phép", "body": "## Nghỉ hằng năm\n\n**12 ngày** làm việc.",
            "sources": "blld-2019 | Điều 113", "is_required": "y"}  # fmt: skip
    preview = first.post(
        f"/admin/courses/{sample_course.id}/lessons/new", data={**form, "action": "preview"}
    )
    assert preview.status_code == 200
    assert "<strong>12 ngày</strong>" in preview.text
    assert session.scalar(select(Lesson).where(Lesson.title == "Bài ba: Nghỉ phép")) is None

    response = first.post(
        f"/admin/courses/{sample_course.id}/lessons/new", data={**form, "action": "save"}
    )
    assert response.status_code == 302
    lesson = session.scalar(select(Lesson).where(Lesson.title == "Bài ba: Nghỉ phép"))
    assert lesson.status is ContentStatus.DRAFT and lesson.slug == "bai-ba-nghi-phep"
    reader = client_for(app, worker)
    assert reader.get("/courses/khoa-thu/lessons/bai-ba-nghi-phep").status_code == 404
    assert "Bài ba" not in reader.get("/courses/khoa-thu").text

    first.post(f"/admin/lessons/{lesson.id}/step", data={"step": "submit"})
    assert (
        first.post(f"/admin/lessons/{lesson.id}/step", data={"step": "approve"}).status_code == 403
    )
    assert (
        second.post(f"/admin/lessons/{lesson.id}/step", data={"step": "approve"}).status_code == 302
    )
    page = reader.get("/courses/khoa-thu/lessons/bai-ba-nghi-phep")
    assert page.status_code == 200
    assert "<strong>12 ngày</strong>" in page.text
    assert entries_by_action(session, "lesson.approve")[0].actor_id == admins[1].id


def test_returning_and_retiring_a_lesson(app, session, sample_course, admins, worker):
    first, second = (client_for(app, admin) for admin in admins)
    lesson = _lesson(session, sample_course)
    edit = {"title": lesson.title, "body": "## Bản sửa\n\nChữ.",
            "sources": "blld-2019 | Điều 20", "is_required": "y", "action": "save"}  # fmt: skip
    assert first.post(f"/admin/lessons/{lesson.id}", data=edit).status_code == 302
    first.post(f"/admin/lessons/{lesson.id}/step", data={"step": "submit"})
    assert (
        second.post(
            f"/admin/lessons/{lesson.id}/step", data={"step": "return", "comment": "Sai điều"}
        ).status_code
        == 302
    )
    session.expire_all()
    # The published lesson stays published; its new version goes back to draft.
    assert session.get(Lesson, lesson.id).status is ContentStatus.PUBLISHED
    assert "Sai điều" in first.get(f"/admin/lessons/{lesson.id}/history").text
    assert entries_by_action(session, "lesson.return")[0].actor_id == admins[1].id
    assert (
        second.post(f"/admin/lessons/{lesson.id}/step", data={"step": "approve"}).status_code == 409
    )
    reader = client_for(app, worker)
    assert reader.get("/courses/khoa-thu/lessons/bai-mot").status_code == 200
    second.post(f"/admin/lessons/{lesson.id}/step", data={"step": "retire"})
    session.expire_all()
    assert session.get(Lesson, lesson.id).status is ContentStatus.ARCHIVED
    assert reader.get("/courses/khoa-thu/lessons/bai-mot").status_code == 404
    assert entries_by_action(session, "lesson.retire")[0].actor_id == admins[1].id


def test_a_lesson_without_a_cited_source_cannot_go_to_review(app, session, sample_course, admins):
    client = client_for(app, admins[0])
    client.post(
        f"/admin/courses/{sample_course.id}/lessons/new",
        data={"title": "Bài không nguồn", "body": "Chữ.", "sources": "", "action": "save"},
    )
    lesson = session.scalar(select(Lesson).where(Lesson.title == "Bài không nguồn"))
    response = client.post(f"/admin/lessons/{lesson.id}/step", data={"step": "submit"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Lesson, lesson.id).status is ContentStatus.DRAFT


def test_editing_a_published_lesson_keeps_the_old_text_until_approved(
    app, session, sample_course, admins, worker
):
    first, second = (client_for(app, admin) for admin in admins)
    lesson = _lesson(session, sample_course)
    edit = {"title": lesson.title, "body": "## Bản sửa mới\n\nNội dung mới.",
            "sources": "blld-2019 | Điều 20", "is_required": "y", "action": "save"}  # fmt: skip
    assert first.post(f"/admin/lessons/{lesson.id}", data=edit).status_code == 302
    reader = client_for(app, worker)
    page = reader.get("/courses/khoa-thu/lessons/bai-mot")
    assert "Hai loại hợp đồng" in page.text and "Bản sửa mới" not in page.text
    first.post(f"/admin/lessons/{lesson.id}/step", data={"step": "submit"})
    second.post(f"/admin/lessons/{lesson.id}/step", data={"step": "approve"})
    page = reader.get("/courses/khoa-thu/lessons/bai-mot")
    assert "Bản sửa mới" in page.text and "Hai loại hợp đồng" not in page.text
    history = first.get(f"/admin/lessons/{lesson.id}/history").text
    assert "Quản trị Một" in history and "+## Bản sửa mới" in history
    assert "-## Hai loại hợp đồng" in history


def test_a_course_is_created_as_a_draft_and_published_by_a_second_admin(
    app, session, admins, worker
):
    first, second = (client_for(app, admin) for admin in admins)
    response = first.post(
        "/admin/courses", data={"title": "Luật Công đoàn 2024", "summary": "Tóm tắt"}
    )
    assert response.status_code == 302
    course = session.scalar(select(Course).where(Course.title == "Luật Công đoàn 2024"))
    assert course.status is ContentStatus.DRAFT and course.slug == "luat-cong-doan-2024"
    reader = client_for(app, worker)
    assert reader.get("/courses/luat-cong-doan-2024").status_code == 404
    first.post(f"/admin/courses/{course.id}/step", data={"step": "submit"})
    assert (
        first.post(f"/admin/courses/{course.id}/step", data={"step": "approve"}).status_code == 403
    )
    assert (
        second.post(f"/admin/courses/{course.id}/step", data={"step": "approve"}).status_code == 302
    )
    assert reader.get("/courses/luat-cong-doan-2024").status_code == 200
    assert entries_by_action(session, "course.approve")[0].actor_id == admins[1].id
    again = first.post("/admin/courses", data={"title": "Luật Công đoàn 2024"})
    assert again.status_code == 400


def test_quiz_settings_and_lesson_order(app, session, sample_course, final_quiz, admins):
    client = client_for(app, admins[0])
    response = client.post(
        f"/admin/courses/{sample_course.id}/quiz",
        data={
            "question_count": "3",
            "time_limit_minutes": "15",
            "pass_percent": "80",
            "attempts_allowed": "2",
            "grading_method": "last",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert (
        final_quiz.question_count,
        final_quiz.time_limit_seconds,
        final_quiz.pass_percent,
        final_quiz.attempts_allowed,
        final_quiz.grading_method.value,
    ) == (3, 900, 80, 2, "last")
    bad = client.post(f"/admin/courses/{sample_course.id}/quiz", data={"question_count": "0"})
    assert bad.status_code == 400

    second = _lesson(session, sample_course, "bai-hai")
    client.post(f"/admin/lessons/{second.id}/move", data={"to": "up"})
    session.expire_all()
    order = session.scalars(
        select(Lesson.slug).where(Lesson.course_id == sample_course.id).order_by(Lesson.position)
    ).all()
    assert order == ["bai-hai", "bai-mot"]


@pytest.mark.parametrize("role", [Role.WORKER, Role.OFFICER])
def test_only_admins_reach_authoring(app, make, sample_course, role):
    tree = make.tree()
    client = client_for(app, make.user(role=role, unit=tree.district_a))
    question = 1
    for url in [
        "/admin/courses",
        f"/admin/courses/{sample_course.id}",
        "/admin/questions",
        f"/admin/questions/new?course={sample_course.id}",
        f"/admin/questions/{question}",
        f"/admin/questions/{question}/history",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        "/admin/courses",
        f"/admin/courses/{sample_course.id}/step",
        "/admin/questions/bulk",
        f"/admin/questions/new?course={sample_course.id}",
    ]:
        assert client.post(url, data={"step": "submit", "title": "x"}).status_code == 403, url
    assert app.test_client().get("/admin/questions").status_code == 302


def test_each_review_button_posts_one_step(app, session, sample_course, admins):
    import re

    client = client_for(app, admins[0])
    question_id = _new_question(client, sample_course, _lesson(session, sample_course))
    page = client.get(f"/admin/questions/{question_id}").text
    steps = re.findall(r'<input[^>]*name="step"[^>]*>', page)
    assert steps and all(re.search(r'value="\w+"', step) for step in steps)


def test_a_question_with_more_choices_than_the_form_is_not_cut_short(
    app, session, sample_course, admins
):
    from learning.authoring.questions import ChoiceDraft, save_question, working_version
    from tests.authoring_helpers import draft

    many = [ChoiceDraft(f"Lựa chọn {n}", n == 1) for n in range(1, 10)]
    question = save_question(session, admins[0], sample_course, None, draft(choices=many))
    session.commit()
    client = client_for(app, admins[0])
    assert client.get(f"/admin/questions/{question.id}").status_code == 200
    response = client.post(f"/admin/questions/{question.id}", data=question_form())
    assert response.status_code == 400
    assert "nhiều lựa chọn hơn" in response.text
    assert len(working_version(session, question).choices) == 9


def test_the_preview_shows_the_courses_images(app, sample_course, admins):
    first = client_for(app, admins[0])
    form = {"title": "Bài có hình", "body": "![Sơ đồ](media/so-do.png)",
            "sources": "blld-2019 | Điều 1", "action": "preview"}  # fmt: skip
    preview = first.post(f"/admin/courses/{sample_course.id}/lessons/new", data=form).text
    src = f"/admin/courses/{sample_course.id}/media/so-do.png"
    assert f'src="{src}"' in preview
    image = first.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert first.get(f"/admin/courses/{sample_course.id}/media/khong-co.png").status_code == 404
