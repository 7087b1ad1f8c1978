"""Writes for authoring: courses, lessons and questions edited in the browser, their review
workflow (draft -> in review -> published -> archived), media uploads and bulk actions.

Workers see only what is published: a lesson's row keeps its published text and a question's
`current_version` stays the published version until a second admin approves an edit (four
eyes; `AUTHORING_FOUR_EYES` turns that off for one-person installations). Every workflow step
is written to the audit log, which is also where the four-eyes rule reads who edited and who
submitted.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.models import LessonVersion, MediaVersion
from learning.courses.loader import MAX_MEDIA_BYTES, sniff_media_type
from learning.courses.markdown import plain_text, render_markdown
from learning.courses.models import (
    Choice,
    ContentStatus,
    Course,
    Difficulty,
    Lesson,
    MediaFile,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
)
from learning.db import utcnow
from learning.errors import DomainError, InvalidInput, NotFound
from learning.exchange.bank import implied_weights
from learning.exchange.model import (
    ExchangeChoice,
    Unfit,
    classify_choices,
    fraction_from_percent,
)
from learning.i18n import gettext as _
from learning.i18n import lazy_gettext as _l
from learning.quizzes.services import upsert_course_quizzes
from learning.text import fold, nfc

DRAFT, IN_REVIEW = ContentStatus.DRAFT, ContentStatus.IN_REVIEW
PUBLISHED, ARCHIVED = ContentStatus.PUBLISHED, ContentStatus.ARCHIVED
# True/false questions are stored as two choices, "Đúng" first, as the loader stores them.
TRUE_FALSE_LABELS = ("Đúng", "Sai")
DEFAULT_FINAL_QUIZ = {
    "question_count": 10,
    "time_limit_minutes": 20,
    "pass_percent": 70,
    "attempts_allowed": 0,
    "grading_method": "highest",
}
_EXTENSIONS = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
}


class FourEyes(DomainError):
    """The admin who wrote or submitted a version may not approve it."""

    status = 403
    default_message = _l(
        "A second administrator must approve this: you edited it or sent it to review."
    )


class WrongState(DomainError):
    """The workflow step does not apply to the content as it stands now."""

    status = 409
    default_message = _l("This step does not apply to the content as it stands now.")


# --- the state of a piece of content ------------------------------------------------------


def question_state(question: Question, working: QuestionVersion) -> ContentStatus:
    """Where the question stands for its authors: a never-published question carries its
    state itself; a published one with a newer version carries that version's state."""
    if question.status in (ARCHIVED, DRAFT, IN_REVIEW):
        return question.status
    if working.number > question.current_version:
        return working.status
    return PUBLISHED


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


def lesson_working_version(session: Session, lesson: Lesson) -> LessonVersion | None:
    """The newest browser version of a lesson (None: never edited in the browser)."""
    return session.scalar(
        select(LessonVersion)
        .where(LessonVersion.lesson_id == lesson.id)
        .order_by(LessonVersion.number.desc())
        .limit(1)
    )


def lesson_state(lesson: Lesson, working: LessonVersion | None) -> ContentStatus:
    """As `question_state`, for lessons (the lesson row's `version` is the published one)."""
    if lesson.status in (ARCHIVED, DRAFT, IN_REVIEW):
        return lesson.status
    if working is not None and working.number > lesson.version:
        return working.status
    return PUBLISHED


def _last_actor(session: Session, object_type: str, object_id: int, action: str) -> int | None:
    return session.scalar(
        select(AuditEntry.actor_id)
        .where(
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == object_id,
            AuditEntry.action == f"{object_type}.{action}",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def may_approve(
    session: Session,
    actor: User,
    object_type: str,
    object_id: int,
    author_id: int | None,
    *,
    four_eyes: bool,
) -> bool:
    """Does the four-eyes rule let `actor` approve this content? Not when they wrote the
    version (`author_id`, else the last edit) or sent it to review. Pages ask it before
    offering "approve", so that nobody is offered a step that then answers 403."""
    if not four_eyes:
        return True
    editor = author_id or _last_actor(session, object_type, object_id, "edit")
    submitter = _last_actor(session, object_type, object_id, "submit")
    return actor.id not in (editor, submitter)


def _check_four_eyes(
    session: Session,
    actor: User,
    object_type: str,
    object_id: int,
    author_id: int | None,
    four_eyes: bool,
) -> None:
    if not may_approve(session, actor, object_type, object_id, author_id, four_eyes=four_eyes):
        raise FourEyes()


# --- questions -----------------------------------------------------------------------------


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
        if question.course_id != course.id:
            raise NotFound()
        if question.status is ARCHIVED:
            raise WrongState(_("An archived question cannot be edited."))
        working = working_version(session, question)
        # Compare with what the working version says (files hash versions differently).
        unchanged = _version_hash(working, list(working.choices)) == content_hash
        number = None if unchanged else working.number + 1
        if number is not None and question.status is IN_REVIEW:
            question.status = DRAFT  # an edit during review goes back to its author's draft
    question.lesson_id = draft.lesson_id
    question.difficulty = draft.difficulty
    question.tags = _clean_tags(draft.tags)
    session.flush()
    if number is not None:
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
            author_id=actor.id,
            created_at=utcnow(),
        )
        version.choices = [
            Choice(position=n, text=c.text, is_correct=c.is_correct, feedback=c.feedback or None)
            for n, c in enumerate(choices, start=1)
        ]
        for row, c in zip(version.choices, choices, strict=True):
            row.weight = c.weight
        session.add(version)
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


def submit_question(session: Session, actor: User, question: Question) -> None:
    """Send the working version to review, if it cites its source and can be graded."""
    working = working_version(session, question)
    if question_state(question, working) is not DRAFT:
        raise WrongState()
    problems = review_problems(working)
    if problems:
        raise InvalidInput(" ".join(problems))
    working.status = IN_REVIEW
    if question.status is DRAFT:
        question.status = IN_REVIEW
    record(
        session,
        actor.id,
        "question.submit",
        "question",
        question.id,
        after={"version": working.number},
    )
    session.flush()


def approve_question(session: Session, actor: User, question: Question, *, four_eyes: bool) -> None:
    """Publish the version in review: it becomes what new attempts draw. Attempts already
    started keep the version they drew."""
    working = working_version(session, question)
    if question_state(question, working) is not IN_REVIEW:
        raise WrongState()
    _check_four_eyes(session, actor, "question", question.id, working.author_id, four_eyes)
    problems = review_problems(working)
    if problems:
        raise InvalidInput(" ".join(problems))
    before = {"version": question.current_version, "status": str(question.status)}
    question.current_version = working.number
    _publish(session, actor, question, working, before)


def return_question(session: Session, actor: User, question: Question, comment: str) -> None:
    """Send a question in review back to draft, with the reviewer's reason."""
    working = working_version(session, question)
    _send_back(session, actor, question, working, question_state(question, working), comment)


def retire_question(session: Session, actor: User, question: Question) -> None:
    """Archive a question: no new attempt draws it; past attempts keep it."""
    _retire(session, actor, question)


def _kind(item: Question | Lesson) -> str:
    return "question" if isinstance(item, Question) else "lesson"


def _publish(
    session: Session,
    actor: User,
    item: Question | Lesson,
    working: QuestionVersion | LessonVersion,
    before: dict[str, Any],
) -> None:
    # Approving ends alike for both kinds of content: the version and the item are
    # published, the step audited, and the course's quizzes see the change.
    working.status = PUBLISHED
    item.status = PUBLISHED
    kind = _kind(item)
    record(
        session,
        actor.id,
        f"{kind}.approve",
        kind,
        item.id,
        before=before,
        after={"version": working.number, "status": "published"},
    )
    session.flush()
    refresh_quizzes(session, session.get_one(Course, item.course_id))


def _send_back(
    session: Session,
    actor: User,
    item: Question | Lesson,
    working: QuestionVersion | LessonVersion | None,
    state: ContentStatus,
    comment: str,
) -> None:
    # Returning works alike for both kinds of content: the version in review goes back to
    # draft (and the item with it, if it was never published), with the reason audited.
    if working is None or state is not IN_REVIEW:
        raise WrongState()
    working.status = DRAFT
    if item.status is IN_REVIEW:
        item.status = DRAFT
    kind = _kind(item)
    record(
        session,
        actor.id,
        f"{kind}.return",
        kind,
        item.id,
        after={"version": working.number, "comment": nfc(comment)[:500]},
    )
    session.flush()


def _retire(session: Session, actor: User, item: Question | Lesson) -> None:
    # Archiving, alike for both kinds: audited, and the course's quizzes drop the item.
    if item.status is ARCHIVED:
        return
    before = {"status": str(item.status)}
    item.status = ARCHIVED
    kind = _kind(item)
    record(
        session,
        actor.id,
        f"{kind}.retire",
        kind,
        item.id,
        before=before,
        after={"status": "archived"},
    )
    session.flush()
    refresh_quizzes(session, session.get_one(Course, item.course_id))


def _questions(session: Session, ids: list[int]) -> list[Question]:
    questions = list(session.scalars(select(Question).where(Question.id.in_(ids[:500]))))
    if not questions:
        raise InvalidInput(_("Tick at least one question."))
    return questions


def bulk_add_tag(session: Session, actor: User, ids: list[int], tag: str) -> int:
    """Add `tag` to every checked question; return how many changed."""
    tag = nfc(tag)[:50]
    if not tag:
        raise InvalidInput(_("Type the tag to add."))
    changed = 0
    for question in _questions(session, ids):
        if tag not in (question.tags or []):
            question.tags = [*(question.tags or []), tag]
            changed += 1
    record(
        session,
        actor.id,
        "question.bulk_tag",
        "question",
        None,
        after={"ids": sorted(ids[:500]), "tag": tag},
    )
    session.flush()
    return changed


def bulk_move(session: Session, actor: User, ids: list[int], lesson_id: int) -> int:
    """Move every checked question to a lesson of its own course; refuse the lot otherwise."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise InvalidInput(_("Choose the lesson to move the questions to."))
    questions = _questions(session, ids)
    if any(q.course_id != lesson.course_id for q in questions):
        raise InvalidInput(_("That lesson is not part of this course."))
    for question in questions:
        question.lesson_id = lesson.id
    record(
        session,
        actor.id,
        "question.bulk_move",
        "question",
        None,
        after={"ids": sorted(q.id for q in questions), "lesson": lesson.id},
    )
    session.flush()
    refresh_quizzes(session, session.get_one(Course, lesson.course_id))
    return len(questions)


def bulk_retire(session: Session, actor: User, ids: list[int]) -> int:
    """Archive every checked question."""
    questions = [q for q in _questions(session, ids) if q.status is not ARCHIVED]
    for question in questions:
        retire_question(session, actor, question)
    return len(questions)


# --- lessons -------------------------------------------------------------------------------


@dataclass
class LessonDraft:
    title: str
    body_markdown: str
    sources: list[dict[str, str]] = field(default_factory=list)
    is_required: bool = True


def parse_sources(text: str) -> list[dict[str, str]]:
    """Lesson citations typed one per line as "document | section"."""
    sources = []
    for line in text.splitlines():
        if not line.strip():
            continue
        document, _sep, section = line.partition("|")
        sources.append({"document": nfc(document)[:100], "section": nfc(section)[:300]})
    return sources[:30]


def format_sources(sources: list[dict[str, str]]) -> str:
    return "\n".join(f"{s.get('document', '')} | {s.get('section', '')}" for s in sources or [])


def slugify(text: str) -> str:
    """A URL slug from a Vietnamese title: "Bài 1: Hợp đồng" -> "bai-1-hop-dong"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80] or "bai"


def _apply_to_lesson(lesson: Lesson, version: LessonVersion) -> None:
    lesson.title = version.title
    lesson.body_markdown = version.body_markdown
    lesson.body_html = render_markdown(version.body_markdown)
    lesson.search_text = fold(f"{version.title} {plain_text(lesson.body_html)}")
    lesson.sources = list(version.sources)
    lesson.is_required = version.is_required
    lesson.updated_at = utcnow()


def save_lesson(
    session: Session, actor: User, course: Course, lesson: Lesson | None, draft: LessonDraft
) -> Lesson:
    """Create a lesson, or save an edit as a new DRAFT version. A published lesson keeps
    showing workers its published text until the new version is approved."""
    title, body = nfc(draft.title)[:300], draft.body_markdown.replace("\r\n", "\n")
    if not title or not body.strip():
        raise InvalidInput(_("A lesson needs a title and a text."))
    if lesson is None:
        slug, n = slugify(title), 1
        while session.scalar(
            select(Lesson.id).where(Lesson.course_id == course.id, Lesson.slug == slug)
        ):
            n += 1
            slug = f"{slugify(title)[:75]}-{n}"
        position = session.scalar(
            select(func.max(Lesson.position)).where(Lesson.course_id == course.id)
        )
        lesson = Lesson(
            course_id=course.id, slug=slug, position=(position or 0) + 1, status=DRAFT, version=1
        )
        session.add(lesson)
        working = None
    else:
        if lesson.course_id != course.id:
            raise NotFound()
        if lesson.status is ARCHIVED:
            raise WrongState(_("An archived lesson cannot be edited."))
        working = lesson_working_version(session, lesson)
        if working is None:
            # Loaded from files: its published text becomes version `lesson.version`, so
            # that the history starts from what workers read.
            working = LessonVersion(
                lesson_id=lesson.id,
                number=lesson.version,
                title=lesson.title,
                body_markdown=lesson.body_markdown,
                sources=list(lesson.sources or []),
                is_required=lesson.is_required,
                status=lesson.status,
                author_id=None,
                created_at=lesson.updated_at,
            )
            session.add(working)
    same = working is not None and (
        working.title == title
        and working.body_markdown == body
        and working.sources == draft.sources
        and working.is_required == draft.is_required
    )
    if same:
        return lesson
    version = LessonVersion(
        number=(working.number + 1) if working is not None else 1,
        title=title,
        body_markdown=body,
        sources=draft.sources,
        is_required=draft.is_required,
        status=DRAFT,
        author_id=actor.id,
        created_at=utcnow(),
    )
    if lesson.status in (DRAFT, IN_REVIEW):
        # Nobody but admins sees an unpublished lesson: its row follows the draft, and an
        # edit during review goes back to draft.
        lesson.status = DRAFT
        _apply_to_lesson(lesson, version)
    session.flush()
    version.lesson_id = lesson.id
    session.add(version)
    session.flush()
    record(session, actor.id, "lesson.edit", "lesson", lesson.id, after={"version": version.number})
    return lesson


def lesson_review_problems(version: LessonVersion) -> list[str]:
    """Why a lesson version cannot go to review: content is facts, so it cites a source."""
    if not version.sources or not all(
        s.get("document") and s.get("section") for s in version.sources
    ):
        return [_("Cite at least one source document and section before sending to review.")]
    return []


def submit_lesson(session: Session, actor: User, lesson: Lesson) -> None:
    """Send the lesson's working version to review."""
    working = lesson_working_version(session, lesson)
    if working is None or lesson_state(lesson, working) is not DRAFT:
        raise WrongState()
    problems = lesson_review_problems(working)
    if problems:
        raise InvalidInput(" ".join(problems))
    working.status = IN_REVIEW
    if lesson.status is DRAFT:
        lesson.status = IN_REVIEW
    record(
        session, actor.id, "lesson.submit", "lesson", lesson.id, after={"version": working.number}
    )
    session.flush()


def approve_lesson(session: Session, actor: User, lesson: Lesson, *, four_eyes: bool) -> None:
    """Publish the lesson version in review: workers read it from now on."""
    working = lesson_working_version(session, lesson)
    if working is None or lesson_state(lesson, working) is not IN_REVIEW:
        raise WrongState()
    _check_four_eyes(session, actor, "lesson", lesson.id, working.author_id, four_eyes)
    before = {"version": lesson.version, "status": str(lesson.status)}
    _apply_to_lesson(lesson, working)
    lesson.version = working.number
    _publish(session, actor, lesson, working, before)


def return_lesson(session: Session, actor: User, lesson: Lesson, comment: str) -> None:
    """Send a lesson in review back to draft, with the reviewer's reason."""
    working = lesson_working_version(session, lesson)
    _send_back(session, actor, lesson, working, lesson_state(lesson, working), comment)


def retire_lesson(session: Session, actor: User, lesson: Lesson) -> None:
    """Archive a lesson: workers no longer see it; their progress stays."""
    _retire(session, actor, lesson)


def move_lesson(session: Session, actor: User, lesson: Lesson, offset: int) -> None:
    """Move a lesson one place up (-1) or down (+1) in its course's reading order."""
    lessons = list(
        session.scalars(
            select(Lesson)
            .where(Lesson.course_id == lesson.course_id, Lesson.status != ARCHIVED)
            .order_by(Lesson.position, Lesson.id)
        )
    )
    index = next((i for i, item in enumerate(lessons) if item.id == lesson.id), None)
    if index is None or not 0 <= index + offset < len(lessons):
        return
    lessons[index], lessons[index + offset] = lessons[index + offset], lessons[index]
    for position, item in enumerate(lessons, start=1):
        item.position = position
    record(
        session,
        actor.id,
        "lesson.move",
        "lesson",
        lesson.id,
        after={"position": index + offset + 1},
    )
    session.flush()


# --- courses -------------------------------------------------------------------------------


def create_course(session: Session, actor: User, slug: str, title: str, summary: str) -> Course:
    """A new draft course with the default final-quiz settings."""
    slug = slugify(slug or title)
    if session.scalar(select(Course.id).where(Course.slug == slug)):
        raise InvalidInput(_("A course with this address already exists."))
    course = Course(
        slug=slug,
        title=nfc(title)[:300],
        summary=summary.strip(),
        status=DRAFT,
        final_quiz=dict(DEFAULT_FINAL_QUIZ),
        search_text=fold(f"{title} {summary}"),
    )
    session.add(course)
    session.flush()
    record(session, actor.id, "course.edit", "course", course.id, after={"title": course.title})
    return course


def update_course(session: Session, actor: User, course: Course, title: str, summary: str) -> None:
    """Change a course's title and summary (they apply at once: they are not lesson text)."""
    before = {"title": course.title, "summary": course.summary}
    course.title, course.summary = nfc(title)[:300], summary.strip()
    course.search_text = fold(f"{course.title} {course.summary}")
    course.updated_at = utcnow()
    if course.status is IN_REVIEW:
        course.status = DRAFT
    record(
        session,
        actor.id,
        "course.edit",
        "course",
        course.id,
        before=before,
        after={"title": course.title, "summary": course.summary},
    )
    session.flush()


def course_step(
    session: Session, actor: User, course: Course, step: str, *, four_eyes: bool
) -> None:
    """Submit, approve, return or retire a course as a whole."""
    before = {"status": str(course.status)}
    if step == "submit" and course.status is DRAFT:
        course.status = IN_REVIEW
    elif step == "approve" and course.status is IN_REVIEW:
        _check_four_eyes(session, actor, "course", course.id, None, four_eyes)
        course.status = PUBLISHED
    elif step == "return" and course.status is IN_REVIEW:
        course.status = DRAFT
    elif step == "retire" and course.status is not ARCHIVED:
        course.status = ARCHIVED
    else:
        raise WrongState()
    record(
        session,
        actor.id,
        f"course.{step}",
        "course",
        course.id,
        before=before,
        after={"status": str(course.status)},
    )
    session.flush()
    refresh_quizzes(session, course)


def refresh_quizzes(session: Session, course: Course) -> None:
    """Bring the course's final quiz and lesson checks in line with what is published."""
    settings = {**DEFAULT_FINAL_QUIZ, **(course.final_quiz or {})}
    lessons = session.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.status == PUBLISHED)
    ).all()
    upsert_course_quizzes(session, course, settings, lessons)


def update_quiz_settings(
    session: Session, actor: User, course: Course, settings: dict[str, Any]
) -> None:
    """Change the final quiz's settings (question count, time limit, pass mark, attempts,
    grading method); they apply to attempts started from now on."""
    before = dict(course.final_quiz or {})
    course.final_quiz = {**DEFAULT_FINAL_QUIZ, **before, **settings}
    record(
        session,
        actor.id,
        "course.quiz_settings",
        "course",
        course.id,
        before=before,
        after=course.final_quiz,
    )
    session.flush()
    refresh_quizzes(session, course)


_MEDIA_NAME = re.compile(r"[^a-z0-9._-]+")


def upload_media(
    session: Session, actor: User, course: Course, filename: str, data: bytes
) -> MediaVersion:
    """Store an image or PDF for the course's lessons. Its type is judged by its bytes: a
    file whose name says one thing and whose content another is refused, as is one too big.
    For a published course the upload waits for a second admin's approval (workers keep
    the file they had); for an unpublished one it applies at once. Each upload is kept."""
    if len(data) > MAX_MEDIA_BYTES:
        raise InvalidInput(
            _("The file is larger than %(size)d MiB.", size=MAX_MEDIA_BYTES // 2**20)
        )
    kind = sniff_media_type(data)
    if kind is None:
        raise InvalidInput(_("Only PNG, JPEG or WebP images and PDF files can be uploaded."))
    name = _MEDIA_NAME.sub("-", fold(filename)).strip("-.")[:100]
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in _EXTENSIONS[kind]:
        raise InvalidInput(_("The file's name does not match its content (%(kind)s).", kind=kind))
    version = MediaVersion(
        course_id=course.id,
        name=name,
        content_type=kind,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        author_id=actor.id,
        created_at=utcnow(),
        status=IN_REVIEW if course.status is PUBLISHED else PUBLISHED,
    )
    session.add(version)
    session.flush()
    record(
        session,
        actor.id,
        "media.edit",
        "media",
        version.id,
        after={
            "course": course.id,
            "name": name,
            "type": kind,
            "bytes": len(data),
            "status": str(version.status),
        },
    )
    if version.status is PUBLISHED:
        # Nobody but admins sees an unpublished course: its files apply at once.
        _publish_media(session, version)
    return version


def _publish_media(session: Session, version: MediaVersion) -> MediaFile:
    media = session.scalar(
        select(MediaFile).where(
            MediaFile.course_id == version.course_id, MediaFile.name == version.name
        )
    )
    if media is None:
        media = MediaFile(course_id=version.course_id, name=version.name)
        session.add(media)
    media.content_type, media.data = version.content_type, version.data
    media.sha256 = version.sha256
    session.flush()
    return media


def approve_media(
    session: Session, actor: User, version: MediaVersion, *, four_eyes: bool
) -> MediaFile:
    """A second admin approves an uploaded file of a published course: from now on workers
    get it (it replaces the file of the same name)."""
    if version.status is not IN_REVIEW:
        raise WrongState()
    _check_four_eyes(session, actor, "media", version.id, version.author_id, four_eyes)
    version.status = PUBLISHED
    version.approved_by_id, version.approved_at = actor.id, utcnow()
    record(
        session,
        actor.id,
        "media.approve",
        "media",
        version.id,
        after={"course": version.course_id, "name": version.name},
    )
    return _publish_media(session, version)
