"""Writes for the question bank edited in the browser: a question as an author typed it
(`QuestionDraft`), checked and saved as a new DRAFT version; the question's review steps are
`QUESTIONS` (submit, approve, send_back, retire: the workflow of workflow.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.courses import CourseContent
from learning.authoring.workflow import ARCHIVED, DRAFT, IN_REVIEW, WrongState
from learning.courses.models import (
    Choice,
    Course,
    Difficulty,
    Lesson,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
)
from learning.db import utcnow
from learning.errors import InvalidInput, NotFound
from learning.exchange.bank import implied_weights
from learning.exchange.model import (
    ExchangeChoice,
    Unfit,
    classify_choices,
    fraction_from_percent,
)
from learning.i18n import gettext as _
from learning.text import nfc

# True/false questions are stored as two choices, "Đúng" first, as the loader stores them.
TRUE_FALSE_LABELS = ("Đúng", "Sai")


def working_version(session: Session, question: Question) -> QuestionVersion:
    """The newest version: the one authors edit and reviewers judge."""
    version = session.scalar(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound()
    return version


@dataclass
class ChoiceDraft:
    text: str
    is_correct: bool = False
    feedback: str = ""
    weight: Fraction | None = None  # None: implied by is_correct (grading.py)


@dataclass
class QuestionDraft:
    """What an author typed for a question (not yet checked for review)."""

    type: QuestionType
    text: str
    choices: list[ChoiceDraft]
    explanation: str = ""
    source_document: str = ""
    source_article: str = ""
    scoring: Scoring = Scoring.PARTIAL
    difficulty: Difficulty = Difficulty.MEDIUM
    tags: list[str] = field(default_factory=list)
    lesson_id: int | None = None
    true_answer: bool | None = None
    text_format: str = "plain"
    name: str | None = None


def weighted_choices(
    kind: QuestionType, choices: list[ChoiceDraft], weights: list[str]
) -> list[ChoiceDraft]:
    """The choices an author typed with the weights typed for them (percentages, as Moodle
    writes them), checked as Moodle checks them and against the ticked right answers. No
    weight typed: the choices as they are, graded from the right answers as always; weights
    that are what the right answers imply are not stored either."""
    filled = [(c, w) for c, w in zip(choices, weights, strict=True) if c.text]
    if kind is QuestionType.TRUE_FALSE or not any(w for _c, w in filled):
        return choices
    if any(w and not c.text for c, w in zip(choices, weights, strict=True)):
        raise InvalidInput(_("A weight is given for an empty choice."))
    if not all(w for _c, w in filled):
        raise InvalidInput(_("Give a weight for every choice, or for none."))
    try:
        values = [fraction_from_percent(w.replace(",", ".")) for _c, w in filled]
    except ValueError:
        raise InvalidInput(_("A weight is a percentage such as 100, 50 or -33.33333.")) from None
    verdict = classify_choices(
        [ExchangeChoice(c.text, v) for (c, _w), v in zip(filled, values, strict=True)],
        single=kind is QuestionType.SINGLE,
    )
    if isinstance(verdict, Unfit):
        raise InvalidInput(verdict.message)
    right = [v == 1 if kind is QuestionType.SINGLE else v > 0 for v in values]
    if right != [c.is_correct for c, _w in filled]:
        raise InvalidInput(_("The right answers ticked do not match the weights."))
    if values == implied_weights(kind.value, right):
        return choices
    return [replace(c, weight=v) for (c, _w), v in zip(filled, values, strict=True)]


def _question_choices(draft: QuestionDraft) -> list[ChoiceDraft]:
    if draft.type is QuestionType.TRUE_FALSE:
        return [
            ChoiceDraft(TRUE_FALSE_LABELS[0], draft.true_answer is True),
            ChoiceDraft(TRUE_FALSE_LABELS[1], draft.true_answer is False),
        ]
    return [c for c in draft.choices if c.text.strip()]


def _version_hash(version: QuestionVersion | QuestionDraft, choices: list[Any]) -> str:
    payload: dict[str, Any] = {
        "type": str(version.type),
        "text": version.text,
        "explanation": version.explanation,
        "source": [version.source_document, version.source_article],
        "scoring": str(version.scoring),
        "choices": [[c.text, bool(c.is_correct), c.feedback or ""] for c in choices],
    }
    # Only when they say something, so that older versions hash as before.
    if version.text_format != "plain":
        payload["text_format"] = version.text_format
    if version.name:
        payload["name"] = version.name
    if any(c.weight is not None for c in choices):
        payload["weights"] = [str(c.weight) for c in choices]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def review_problems(version: QuestionVersion) -> list[str]:
    """Why this version cannot go to review yet (empty: it can). Content is facts: a question
    cites its source document and article; its choices must make a gradable question."""
    problems = []
    if not version.text.strip():
        problems.append(_("The question has no text."))
    if not version.source_document.strip() or not version.source_article.strip():
        problems.append(_("Cite the source document and the article before sending to review."))
    choices = version.choices
    right = sum(1 for c in choices if c.is_correct)
    if any(not c.text.strip() for c in choices):
        problems.append(_("Every choice needs a text."))
    if version.type is QuestionType.TRUE_FALSE:
        if len(choices) != 2 or right != 1:
            problems.append(_("A true/false question needs its answer: true or false."))
    elif len(choices) < 2:
        problems.append(_("A question needs at least two choices."))
    elif version.type is QuestionType.SINGLE and right != 1:
        problems.append(_("A single-answer question needs exactly one right choice."))
    elif version.type is QuestionType.MULTIPLE and right < 1:
        problems.append(_("A multiple-answer question needs at least one right choice."))
    return problems


def _new_key(session: Session, course_id: int) -> str:
    count = session.scalar(select(func.count()).where(Question.course_id == course_id)) or 0
    n = count + 1
    while session.scalar(
        select(Question.id).where(Question.course_id == course_id, Question.key == f"web-{n}")
    ):
        n += 1
    return f"web-{n}"


def _check_lesson(session: Session, course_id: int, lesson_id: int | None) -> None:
    if lesson_id is None:
        return
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.course_id != course_id:
        raise InvalidInput(_("That lesson is not part of this course."))


def _clean_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        tag = nfc(tag)[:50]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:20]


def save_question(
    session: Session,
    actor: User,
    course: Course,
    question: Question | None,
    draft: QuestionDraft,
) -> Question:
    """Create a question, or save an edit. Lesson, difficulty and tags apply at once; a change
    of what workers see or are graded on is a new DRAFT version, which workers never see
    until it is approved (the published version stays the question's `current_version`)."""
    _check_lesson(session, course.id, draft.lesson_id)
    choices = _question_choices(draft)
    content_hash = _version_hash(draft, choices)
    if question is None:
        question = Question(
            course_id=course.id,
            key=_new_key(session, course.id),
            status=DRAFT,
            current_version=1,
        )
        session.add(question)
        number: int | None = 1
    else:
        number = _next_number(session, course, question, content_hash)
    question.lesson_id = draft.lesson_id
    question.difficulty = draft.difficulty
    question.tags = _clean_tags(draft.tags)
    session.flush()
    if number is not None:
        session.add(_new_version(question, number, draft, choices, content_hash, actor))
        session.flush()
    record(
        session,
        actor.id,
        "question.edit",
        "question",
        question.id,
        after={"version": number, "metadata": True} if number is None else {"version": number},
    )
    return question


def _next_number(
    session: Session, course: Course, question: Question, content_hash: str
) -> int | None:
    """The number of the version an edit makes (None: it changes no content)."""
    if question.course_id != course.id:
        raise NotFound()
    if question.status is ARCHIVED:
        raise WrongState(_("An archived question cannot be edited."))
    working = working_version(session, question)
    # Compare with what the working version says (files hash versions differently).
    if _version_hash(working, list(working.choices)) == content_hash:
        return None
    if question.status is IN_REVIEW:
        question.status = DRAFT  # an edit during review goes back to its author's draft
    return working.number + 1


def _new_version(
    question: Question,
    number: int,
    draft: QuestionDraft,
    choices: list[ChoiceDraft],
    content_hash: str,
    author: User,
) -> QuestionVersion:
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        type=draft.type,
        text=draft.text,
        explanation=draft.explanation,
        source_document=draft.source_document.strip(),
        source_article=draft.source_article.strip(),
        scoring=draft.scoring,
        text_format=draft.text_format,
        name=draft.name or None,
        content_hash=content_hash,
        status=DRAFT,
        author_id=author.id,
        created_at=utcnow(),
    )
    version.choices = [
        Choice(position=n, text=c.text, is_correct=c.is_correct, feedback=c.feedback or None)
        for n, c in enumerate(choices, start=1)
    ]
    for row, c in zip(version.choices, choices, strict=True):
        row.weight = c.weight
    return version


class QuestionWorkflow(CourseContent[Question, QuestionVersion]):
    """A question's review: approving a version makes it the `current_version`, which new
    attempts draw; attempts already started keep the version they drew."""

    name = "question"

    def working(self, session: Session, item: Question) -> QuestionVersion:
        return working_version(session, item)

    def problems(self, version: QuestionVersion) -> list[str]:
        return review_problems(version)

    def live_number(self, item: Question) -> int:
        return item.current_version

    def publish(self, session: Session, item: Question, version: QuestionVersion) -> None:
        item.current_version = version.number


QUESTIONS = QuestionWorkflow()
