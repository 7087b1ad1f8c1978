"""Authored text is inert on every page that shows it: the XSS corpus (tests/data/
xss_payloads.txt) is written by an admin into lesson titles, bodies and sources and into
question texts, choices, feedback, explanations and sources, published, and every page is
compared with the same page built from harmless text (tests/xss.py: the payload may add no
tag, handler, style or script URL)."""

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.authoring.courses import course_step, create_course, update_quiz_settings
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
)
from learning.courses.models import Lesson, QuestionType
from learning.db import utcnow
from learning.quizzes.queries import course_final_quiz
from learning.quizzes.services import Answer, start_attempt, submit_attempt
from tests.authoring_helpers import client_for
from tests.xss import PAYLOADS, assert_adds_nothing


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 50


def _benign(i: int) -> str:
    return f"Văn bản bình thường số {i}"


def _build(session, author, approver, title, text_for):
    """A published course with one published lesson and one published question per text."""
    course = create_course(session, author, "", title, text_for(0))
    lessons, questions = [], []
    for i in range(len(PAYLOADS)):
        text = text_for(i)
        lesson = save_lesson(
            session,
            author,
            course,
            None,
            LessonDraft(
                text[:300],
                f"{text}\n\n**{text}**",
                [{"document": text[:100], "section": text[:300]}],
            ),
        )
        LESSONS.submit(session, author, lesson)
        LESSONS.approve(session, approver, lesson, four_eyes=True)
        question = save_question(
            session,
            author,
            course,
            None,
            QuestionDraft(
                type=QuestionType.SINGLE,
                text=text,
                choices=[
                    ChoiceDraft(text, True, text),
                    ChoiceDraft("Khác", False, text),
                ],
                explanation=text,
                source_document=text[:100],
                source_article=text[:300],
                tags=[text[:50]],
                lesson_id=lesson.id,
            ),
        )
        QUESTIONS.submit(session, author, question)
        QUESTIONS.approve(session, approver, question, four_eyes=True)
        lessons.append(lesson)
        questions.append(question)
    course_step(session, author, course, "submit", four_eyes=True)
    course_step(session, approver, course, "approve", four_eyes=True)
    update_quiz_settings(session, author, course, {"question_count": len(PAYLOADS)})
    quiz = course_final_quiz(session, course.id)
    quiz.shuffle_questions = quiz.shuffle_choices = quiz.one_question_per_page = False
    session.commit()
    return course, lessons, questions, quiz


@pytest.fixture
def worlds(session, make):
    author = make.user(role=Role.ADMIN, full_name="Quản trị Một")
    approver = make.user(role=Role.ADMIN, full_name="Quản trị Hai")
    worker = make.user()
    safe = _build(session, author, approver, "Chuyên đề an toàn", _benign)
    evil = _build(session, author, approver, "Chuyên đề thử tấn công", lambda i: PAYLOADS[i])
    return author, worker, safe, evil


def _pairs(client, safe, evil, url):
    return client.get(url(*safe)), client.get(url(*evil))


def test_worker_pages_stay_inert(app, session, worlds):
    _author, worker, safe, evil = worlds
    client = client_for(app, worker)
    for safe_lesson, evil_lesson in zip(safe[1], evil[1], strict=True):
        baseline = client.get(f"/courses/{safe[0].slug}/lessons/{safe_lesson.slug}")
        page = client.get(f"/courses/{evil[0].slug}/lessons/{evil_lesson.slug}")
        assert page.status_code == baseline.status_code == 200
        assert_adds_nothing(page.text, baseline.text)
    baseline, page = client.get(f"/courses/{safe[0].slug}"), client.get(f"/courses/{evil[0].slug}")
    assert_adds_nothing(page.text, baseline.text)

    attempts = []
    for _course, _lessons, _questions, quiz in (safe, evil):
        attempt = start_attempt(session, worker, quiz, utcnow())
        session.commit()
        attempts.append(attempt)
    baseline, page = (client.get(f"/attempts/{a.id}") for a in attempts)
    assert page.status_code == 200 and page.text.count('class="question card"') == len(PAYLOADS)
    assert_adds_nothing(page.text, baseline.text)
    for attempt in attempts:
        answers = [Answer(n, (1,), 0) for n in range(1, len(PAYLOADS) + 1)]
        submit_attempt(session, worker, attempt.id, utcnow(), answers)
    session.commit()
    baseline, page = (client.get(f"/attempts/{a.id}/result") for a in attempts)
    assert page.status_code == 200
    assert_adds_nothing(page.text, baseline.text)


def test_authoring_pages_stay_inert(app, session, worlds):
    author, _worker, safe, evil = worlds
    client = client_for(app, author)
    for url in (
        lambda course, *_: f"/admin/questions?course={course.id}",
        lambda course, *_: f"/admin/courses/{course.id}",
        lambda *_: "/admin/courses",
    ):
        baseline, page = _pairs(client, safe, evil, url)
        assert page.status_code == 200
        assert_adds_nothing(page.text, baseline.text)
    for n in range(len(PAYLOADS)):
        for path in (
            "/admin/questions/{q}",
            "/admin/questions/{q}/history",
            "/admin/lessons/{lesson}",
            "/admin/lessons/{lesson}/history",
        ):
            baseline, page = (
                client.get(path.format(q=world[2][n].id, lesson=world[1][n].id))
                for world in (safe, evil)
            )
            assert page.status_code == 200, PAYLOADS[n]
            assert_adds_nothing(page.text, baseline.text)


def test_the_lesson_preview_stays_inert(app, session, worlds):
    author, _worker, safe, _evil = worlds
    client = client_for(app, author)
    lesson = session.scalar(select(Lesson).where(Lesson.course_id == safe[0].id))

    def preview(text):
        return client.post(
            f"/admin/lessons/{lesson.id}",
            data={
                "title": text[:300],
                "body": f"{text}\n\n*{text}*",
                "sources": f"a | {text}",
                "action": "preview",
            },
        )

    baseline = preview(_benign(1))
    assert baseline.status_code == 200 and "Xem trước (chưa lưu)" in baseline.text
    for payload in PAYLOADS:
        page = preview(payload)
        assert page.status_code == 200, payload
        assert_adds_nothing(page.text, baseline.text)
