"""Versions: editing a published question makes a new version that workers do not see until
it is approved; an attempt keeps the version it drew, shown and graded as it was; the history
shows who changed what, with an escaped diff."""

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.authoring.courses import update_quiz_settings
from learning.authoring.lessons import (
    LESSONS,
    LessonDraft,
    save_lesson,
)
from learning.authoring.questions import (
    QUESTIONS,
    ChoiceDraft,
    QuestionDraft,
    save_question,
    working_version,
)
from learning.courses.models import ContentStatus, Question, QuestionType, QuestionVersion
from learning.db import utcnow
from learning.quizzes.queries import course_final_quiz
from learning.quizzes.services import Answer, start_attempt, submit_attempt
from tests.authoring_helpers import client_for, draft, publish


@pytest.fixture
def admins(make):
    return (
        make.user(role=Role.ADMIN, full_name="Quản trị Một"),
        make.user(role=Role.ADMIN, full_name="Quản trị Hai"),
    )


def _q001(session, course):
    return session.scalar(
        select(Question).where(Question.course_id == course.id, Question.key == "q-001")
    )


def _edit_q001(session, course, author, text):
    """The same question with a new text and the right answer moved to the second choice."""
    question = _q001(session, course)
    save_question(
        session,
        author,
        course,
        question,
        draft(
            text=text,
            choices=[ChoiceDraft("Hai loại"), ChoiceDraft("Ba loại", True)],
            source_article="Điều 20",
            lesson_id=question.lesson_id,
        ),
    )
    session.commit()
    return question


def test_an_attempt_started_before_an_edit_keeps_showing_and_grading_the_old_version(
    app, session, sample_course, final_quiz, admins, make
):
    worker = make.user()
    attempt = start_attempt(session, worker, final_quiz, utcnow())  # q-001 first, unshuffled
    session.commit()
    question = _edit_q001(session, sample_course, admins[0], "Theo luật mới, có mấy loại hợp đồng?")
    QUESTIONS.submit(session, admins[0], question)
    QUESTIONS.approve(session, admins[1], question, four_eyes=True)
    session.commit()
    assert question.current_version == 2

    client = client_for(app, worker)
    page = client.get(f"/attempts/{attempt.id}?page=1")
    assert "Hợp đồng lao động có mấy loại?" in page.text
    assert "Theo luật mới" not in page.text
    # "Hai loại" (choice 1) was right in the version drawn: it still earns the mark.
    answers = [Answer(1, (1,), 0), Answer(2, (1,), 0), Answer(3, (1, 2), 0)]
    graded, _saved = submit_attempt(session, worker, attempt.id, utcnow(), answers)
    session.commit()
    assert graded.score == 3
    result = client.get(f"/attempts/{attempt.id}/result")
    assert "Hợp đồng lao động có mấy loại?" in result.text

    # A new attempt draws the approved version (every question: the bank holds 3).
    update_quiz_settings(session, admins[0], sample_course, {"question_count": 3})
    again = start_attempt(session, worker, final_quiz, utcnow())
    session.commit()
    assert "Theo luật mới" in client.get(f"/attempts/{again.id}?page=1").text


def test_a_draft_edit_is_invisible_to_quizzes_until_approved(
    app, session, sample_course, final_quiz, admins, make
):
    question = _edit_q001(session, sample_course, admins[0], "Bản sửa chưa duyệt?")
    assert question.current_version == 1 and question.status is ContentStatus.PUBLISHED
    attempt = start_attempt(session, make.user(), final_quiz, utcnow())
    texts = {slot.question_version.text for slot in attempt.slots}
    assert "Bản sửa chưa duyệt?" not in texts and "Hợp đồng lao động có mấy loại?" in texts
    client = client_for(app, admins[0])
    page = client.get(f"/admin/questions/{question.id}")
    assert "Bài kiểm tra vẫn dùng phiên bản 1" in page.text
    assert "Bản sửa chưa duyệt?" in page.text
    bank = client.get(f"/admin/questions?course={sample_course.id}&status=draft")
    assert "Bản sửa chưa duyệt?" in bank.text


def test_saving_only_metadata_makes_no_new_version(session, sample_course, admins):
    question = _q001(session, sample_course)
    working = working_version(session, question)
    save_question(
        session,
        admins[0],
        sample_course,
        question,
        QuestionDraft(
            type=QuestionType.SINGLE,
            text=working.text,
            choices=[ChoiceDraft(c.text, c.is_correct, c.feedback or "") for c in working.choices],
            explanation=working.explanation,
            source_document=working.source_document,
            source_article=working.source_article,
            tags=["hop-dong", "moi"],
            lesson_id=question.lesson_id,
        ),
    )
    session.commit()
    count = session.scalar(
        select(QuestionVersion.number)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number.desc())
        .limit(1)
    )
    assert count == 1
    assert question.tags == ["hop-dong", "moi"]


def test_history_shows_who_changed_what_with_an_escaped_diff(app, session, sample_course, admins):
    question = _edit_q001(
        session, sample_course, admins[0], "Có <script>alert(1)</script> mấy loại?"
    )
    QUESTIONS.submit(session, admins[0], question)
    QUESTIONS.approve(session, admins[1], question, four_eyes=True)
    session.commit()
    page = client_for(app, admins[1]).get(f"/admin/questions/{question.id}/history")
    assert page.status_code == 200
    text = page.text
    assert "Quản trị Một" in text  # the author of version 2
    assert "Quản trị Hai" in text  # who approved it
    assert "tệp nội dung chuyên đề" in text  # version 1 came from the course files
    assert "-[single] Hợp đồng lao động có mấy loại?" in text
    assert "+[single] Có &lt;script&gt;alert(1)&lt;/script&gt; mấy loại?" in text
    assert "<script>alert(1)" not in text
    assert "-  ✓ Hai loại" in text and "+  ✓ Ba loại" in text


def test_a_published_question_waits_for_its_draft_lesson(session, sample_course, admins, make):
    from learning.quizzes.errors import BankTooSmall

    lesson = save_lesson(
        session,
        admins[0],
        sample_course,
        None,
        LessonDraft("Bài mới", "Chữ.", [{"document": "blld-2019", "section": "Điều 113"}]),
    )
    question = publish(session, admins[0], admins[1], sample_course, draft(lesson_id=lesson.id))
    update_quiz_settings(session, admins[0], sample_course, {"question_count": 4})
    session.commit()
    quiz = course_final_quiz(session, sample_course.id)
    with pytest.raises(BankTooSmall):
        start_attempt(session, make.user(), quiz, utcnow())
    LESSONS.submit(session, admins[0], lesson)
    LESSONS.approve(session, admins[1], lesson, four_eyes=True)
    attempt = start_attempt(session, make.user(), quiz, utcnow())
    assert question.id in {slot.question_version.question_id for slot in attempt.slots}


def test_reloading_the_course_files_after_a_browser_edit_does_not_collide(
    session, sample_course, admins, tmp_path
):
    from learning.courses.loader import read_course
    from learning.courses.services import load_course
    from tests.course_files import write_course

    question = _edit_q001(session, sample_course, admins[0], "Bản sửa trên trình duyệt?")
    folder = write_course(tmp_path / "again")
    bank = folder / "questions.yaml"
    bank.write_text(
        bank.read_text("utf-8").replace("Hợp đồng lao động có mấy loại?", "Sửa trong tệp?"), "utf-8"
    )
    # The browser's draft and the file both changed the question: a conflict, nothing
    # overwritten; preferring the files makes theirs the next draft (numbers never collide).
    report = load_course(session, read_course(folder))
    session.commit()
    assert [c.key for c in report.unresolved] == ["q-001"]
    assert working_version(session, question).text == "Bản sửa trên trình duyệt?"
    load_course(session, read_course(folder), prefer_files=True)
    session.commit()
    assert question.current_version == 1  # never published by the loader
    working = working_version(session, question)
    assert (working.number, working.text) == (3, "Sửa trong tệp?")
