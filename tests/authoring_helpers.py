"""Helpers for the authoring tests: logged-in clients, question form data, publishing."""

from __future__ import annotations

from typing import Any

from learning.authoring.questions import (
    QUESTIONS,
    ChoiceDraft,
    QuestionDraft,
    save_question,
)
from learning.courses.models import Course, Question, QuestionType


def client_for(app, user):  # type: ignore[no-untyped-def]
    """A test client logged in as `user` (factory password)."""
    client = app.test_client()
    response = client.post("/login", data={"login": user.phone, "password": "password123"})
    assert response.status_code == 302
    return client


def question_form(lesson_id: int | str = 0, **overrides: Any) -> dict[str, Any]:
    """The question form as a browser posts it: a single-answer question citing its source."""
    data: dict[str, Any] = {
        "text": "Người lao động được nghỉ hằng năm bao nhiêu ngày?",
        "type": "single",
        "choices-0-text": "12 ngày",
        "choices-0-is_correct": "y",
        "choices-0-feedback": "Đúng: Điều 113.",
        "choices-1-text": "10 ngày",
        "choices-1-feedback": "Chưa đúng.",
        "true_answer": "",
        "scoring": "partial",
        "explanation": "Điều 113 Bộ luật Lao động 2019.",
        "source_document": "blld-2019",
        "source_article": "Điều 113",
        "lesson": str(lesson_id),
        "difficulty": "easy",
        "tags": "nghi-phep",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def draft(**overrides: Any) -> QuestionDraft:
    """A valid single-answer draft for the services."""
    values: dict[str, Any] = {
        "type": QuestionType.SINGLE,
        "text": "Câu hỏi mới về nghỉ phép?",
        "choices": [
            ChoiceDraft("12 ngày", True, "Đúng."),
            ChoiceDraft("10 ngày", False, "Sai."),
        ],
        "explanation": "Điều 113.",
        "source_document": "blld-2019",
        "source_article": "Điều 113",
    }
    values.update(overrides)
    return QuestionDraft(**values)


def publish(
    session, author, approver, course: Course, question_draft=None, question=None
) -> Question:  # type: ignore[no-untyped-def]
    """Write (or edit), submit and approve a question through the services; commit."""
    question = save_question(session, author, course, question, question_draft or draft())
    QUESTIONS.submit(session, author, question)
    QUESTIONS.approve(session, approver, question, four_eyes=True)
    session.commit()
    return question
