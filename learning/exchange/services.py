"""Import questions into a course's bank and export the bank, in GIFT, Aiken, Moodle XML
and the XLSX template.

`plan_import` reads a file and checks every question against the course (its sources,
lessons and existing keys) without writing; `apply_import` writes a plan's questions as new
DRAFT questions (version 1), which the authoring workflow reviews and publishes;
QUESTION_FILE plugs question files into learning/uploads. Nothing
imported is ever published directly. `export_bank` writes the bank's current versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from learning.audit.services import record
from learning.auth.models import User
from learning.courses.models import (
    Choice,
    ContentStatus,
    Course,
    Difficulty,
    Lesson,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
)
from learning.errors import InvalidInput, NotFound
from learning.exchange import aiken, gift, moodlexml, xlsx
from learning.exchange.bank import (
    MAX_KEY,
    BankChoice,
    BankQuestion,
    Converted,
    check_shape,
    from_exchange,
    slug_key,
    to_exchange,
)
from learning.exchange.model import ImportResult
from learning.i18n import gettext as _
from learning.i18n import lazy_gettext as _l
from learning.spreadsheets import SpreadsheetError
from learning.text import fold
from learning.uploads.models import ImportBatch
from learning.uploads.services import Applied, Upload, UploadKind, import_audit, upload_source

FORMATS = ("gift", "aiken", "moodlexml", "xlsx")
# The XLSX template is read with learning/spreadsheets.py, which takes CSV saved from it too.
EXTENSIONS = {"gift": "gift", "xml": "moodlexml", "xlsx": "xlsx", "csv": "xlsx", "aiken": "aiken"}
FILE_NAMES = {"gift": "gift.txt", "aiken": "aiken.txt", "moodlexml": "xml", "xlsx": "xlsx"}
MAX_FILE_BYTES = 10 * 1024 * 1024
NO_SOURCE = _l("no source yet – must be completed before review")
NO_EXPLANATION = _l("no explanation yet – must be completed before review")


class UnreadableFile(InvalidInput):
    """A file that is no question file of any format we read (or not of the one named)."""


@dataclass(frozen=True)
class Problem:
    line: int  # the line (a row for XLSX) where the question starts
    message: str


@dataclass
class PlannedQuestion:
    line: int
    question: BankQuestion
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What importing a file would do: nothing is written until `apply_import`."""

    format: str
    questions: list[PlannedQuestion] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return [
            Problem(planned.line, message)
            for planned in self.questions
            for message in planned.warnings
        ]

    @property
    def line_word(self) -> str:
        return "row" if self.format == "xlsx" else "line"


def guess_format(data: bytes, filename: str | None = None) -> str:
    """The format of a question file, from its content first and its name second."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<quiz"):
        return "moodlexml"
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in EXTENSIONS and suffix not in ("xml", "xlsx"):
        return EXTENSIONS[suffix]
    text = _decode(data)
    # Aiken's mark is its ANSWER: line; GIFT's are braces.
    lines = [line.strip() for line in text.splitlines()]
    if any(line.startswith("ANSWER:") for line in lines) and "{" not in text:
        return "aiken"
    return "gift"


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFile(_l("This file is not a question file (GIFT, Aiken, XML or XLSX)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            _l("The file is not UTF-8 text (line %(line)d). Save it as UTF-8.", line=line)
        ) from None


def read_file(data: bytes, fmt: str) -> tuple[list[Converted], list[Problem], list[Problem]]:
    """The questions of a file in format `fmt`, the skipped ones and the broken ones, each
    with its line (row). Raises UnreadableFile when the file cannot be read at all."""
    if not data:
        raise UnreadableFile(_l("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(_l("The file is larger than %(limit)s MB.", limit=10))
    if fmt == "xlsx":
        try:
            converted, _empty = xlsx.parse(data)
        except SpreadsheetError as error:
            raise UnreadableFile(str(error)) from None
        return converted, [], []
    if fmt == "moodlexml":
        if data.startswith(b"PK\x03\x04"):
            raise UnreadableFile(_l("This is a spreadsheet, not a Moodle XML file."))
        result = moodlexml.parse(data)
    elif fmt in ("gift", "aiken"):
        text = _decode(data)
        result = gift.parse(text) if fmt == "gift" else aiken.parse(text)
    else:
        raise UnreadableFile(_l("Unknown format: %(format)s.", format=fmt))
    return _converted(result)


def _converted(result: ImportResult) -> tuple[list[Converted], list[Problem], list[Problem]]:
    return (
        [from_exchange(question) for question in result.questions],
        [Problem(line, message) for line, message in result.skipped],
        [Problem(line, message) for line, message in result.errors],
    )


@dataclass
class _CourseRefs:
    """What a file's questions are checked against: the course's sources, its lessons (by
    slug and by folded title) and the keys its bank already has."""

    sources: set[str]
    lessons: set[str]
    lessons_by_title: dict[str, str]
    taken: set[str]


def _course_refs(session: Session, course: Course) -> _CourseRefs:
    lessons = session.execute(
        select(Lesson.slug, Lesson.title).where(Lesson.course_id == course.id)
    ).all()
    return _CourseRefs(
        sources={source.key for source in course.sources},
        lessons={slug for slug, _title in lessons},
        lessons_by_title={fold(title): slug for slug, title in lessons},
        taken=set(session.scalars(select(Question.key).where(Question.course_id == course.id))),
    )


def plan_import(session: Session, course: Course, data: bytes, fmt: str) -> ImportPlan:
    """Read `data` as `fmt` and check each question against `course`: its sources and
    lessons must exist and its key must be new. Writes nothing."""
    converted, skipped, errors = read_file(data, fmt)
    plan = ImportPlan(format=fmt, skipped=skipped, errors=list(errors))
    refs = _course_refs(session, course)
    in_file: set[str] = set()
    pending: list[tuple[Converted, BankQuestion]] = []
    for item in converted:
        question, problems = _check(item, refs, in_file)
        if question is None or problems:
            plan.errors.extend(Problem(item.line, message) for message in problems)
            continue
        if question.key is not None:
            in_file.add(question.key)
        pending.append((item, question))
    # Keys made up only after every explicit key is known, so that none collides.
    used = refs.taken | in_file
    counter = len(refs.taken) + 1
    for item, question in pending:
        if question.key is None:
            key, counter = _new_key(item.title or "", used, counter)
            used.add(key)
            question = replace(question, key=key)
        plan.questions.append(PlannedQuestion(item.line, question, _warnings(item, question)))
    plan.errors.sort(key=lambda problem: problem.line)
    return plan


def _check(
    item: Converted, refs: _CourseRefs, in_file: set[str]
) -> tuple[BankQuestion | None, list[str]]:
    """One read question checked against the course and the file so far: the question (its
    lesson named by slug) and its problems."""
    problems = list(item.errors)
    question = item.question
    if question is None:
        return None, problems
    problems += check_shape(question)
    if question.source_document and question.source_document not in refs.sources:
        problems.append(
            _(
                "unknown source document '%(document)s'; this course cites: %(sources)s",
                document=question.source_document,
                sources=", ".join(sorted(refs.sources)),
            )
        )
    if question.lesson and question.lesson not in refs.lessons:
        slug = refs.lessons_by_title.get(fold(question.lesson))
        if slug is None:
            problems.append(_("unknown lesson '%(lesson)s'", lesson=question.lesson))
        else:
            question = replace(question, lesson=slug)
    if question.key is not None and item.explicit_key:
        if question.key in refs.taken:
            problems.append(
                _("the course already has a question with the key '%(key)s'", key=question.key)
            )
        elif question.key in in_file:
            problems.append(_("the key '%(key)s' is used twice in the file", key=question.key))
    return question, problems


def _new_key(title: str, used: set[str], counter: int) -> tuple[str, int]:
    """A key from the question's title (numbered when taken), or the next "q-0001"."""
    base = slug_key(title)[: MAX_KEY - 4]
    key = base
    n = 2
    while not key or key in used:
        if base:
            key, n = f"{base}-{n}", n + 1
        else:
            key, counter = f"q-{counter:04d}", counter + 1
    return key, counter


def _warnings(item: Converted, question: BankQuestion) -> list[str]:
    warnings = list(item.warnings)
    if not question.source_document or not question.source_article:
        warnings.append(str(NO_SOURCE))
    if not question.explanation:
        warnings.append(str(NO_EXPLANATION))
    return warnings


def apply_import(
    session: Session,
    course: Course,
    plan: ImportPlan,
    *,
    only_valid: bool = False,
    author_id: int | None = None,
    source: Mapping[str, Any] | None = None,
) -> list[Question]:
    """Write the plan's questions as new DRAFT questions of `course`, written by `author_id`
    (who may then not approve them alone), and the import's audit entry (`source`: where
    the file came from). A plan with errors writes nothing unless `only_valid`; raises
    InvalidInput then."""
    if plan.errors and not only_valid:
        raise InvalidInput(
            _l(
                "The file has errors: nothing was imported. Fix them, or choose to import "
                "only the valid questions."
            )
        )
    lessons = dict(
        session.execute(select(Lesson.slug, Lesson.id).where(Lesson.course_id == course.id)).all()
    )
    created: list[Question] = []
    for planned in plan.questions:
        created.append(
            add_draft_question(session, course, planned.question, lessons, author_id=author_id)
        )
    session.flush()
    record(session, author_id, **import_audit("questions", import_counts(plan, created), source))
    return created


def import_counts(plan: ImportPlan, created: list[Question]) -> dict[str, int]:
    """What a question import did, in numbers: the batch and the audit entry keep them."""
    return {"created": len(created), "rejected": len(plan.errors), "skipped": len(plan.skipped)}


def _read_file(session: Session, actor: User, batch: ImportBatch) -> tuple[Course, ImportPlan]:
    """An uploaded question file, read as the format and for the course kept on its batch."""
    if not batch.result:
        raise NotFound()
    course = session.get(Course, batch.result["course_id"])
    if course is None:
        raise NotFound()
    return course, plan_import(session, course, batch.data, batch.result["format"])


def _apply_file(
    session: Session, upload: Upload[ImportPlan], actor: User, *, only_valid: bool
) -> Applied:
    """A confirmed question file: its questions as drafts, written by the admin."""
    created = apply_import(
        session,
        upload.subject,
        upload.plan,
        only_valid=only_valid,
        author_id=actor.id,
        source=upload_source(upload),
    )
    counts = import_counts(upload.plan, created)
    return Applied(counts, {"created": [question.key for question in created]}, created)


QUESTION_FILE = UploadKind("questions", "cau-hoi", _read_file, _apply_file)


def version_hash(question: BankQuestion) -> str:
    """The fingerprint of a version, computed as courses/question_loading.py does for loaded files,
    so that a later load of the same content does not make a new version."""
    choices = None
    answer = None
    if question.type == "true_false":
        answer = question.choices[0].correct
    else:
        choices = [
            {"text": c.text, "correct": c.correct, "feedback": c.feedback} for c in question.choices
        ]
    payload: dict[str, object] = {
        "type": question.type,
        "text": question.text,
        "choices": choices,
        "answer": answer,
        "scoring": question.scoring if question.type == "multiple" else None,
        "explanation": question.explanation,
        "source": {"document": question.source_document, "article": question.source_article},
    }
    # Only when they say something, so that a question without them hashes as before.
    if question.text_format != "plain":
        payload["text_format"] = question.text_format
    if question.name is not None:
        payload["name"] = question.name
    if any(c.weight is not None for c in question.choices):
        payload["weights"] = [str(c.weight) for c in question.choices]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def add_draft_question(
    session: Session,
    course: Course,
    question: BankQuestion,
    lessons: dict[str, int],
    *,
    author_id: int | None = None,
) -> Question:
    """One new DRAFT question of `course` with its first (draft) version and choices."""
    row = Question(
        course_id=course.id,
        lesson_id=lessons.get(question.lesson) if question.lesson else None,
        key=question.key,
        difficulty=Difficulty(question.difficulty),
        tags=list(question.tags),
        status=ContentStatus.DRAFT,
        current_version=1,
    )
    version = QuestionVersion(
        number=1,
        type=QuestionType(question.type),
        text=question.text,
        explanation=question.explanation,
        source_document=question.source_document,
        source_article=question.source_article,
        scoring=Scoring(question.scoring),
        text_format=question.text_format,
        name=question.name,
        content_hash=version_hash(question),
        status=ContentStatus.DRAFT,
        author_id=author_id,
        choices=[
            Choice(
                position=n,
                text=c.text,
                is_correct=c.correct,
                feedback=c.feedback,
                weight_numerator=c.weight.numerator if c.weight is not None else None,
                weight_denominator=c.weight.denominator if c.weight is not None else None,
            )
            for n, c in enumerate(question.choices, start=1)
        ],
    )
    # Through the relationship, so that one flush inserts a whole file's questions in batches.
    row.versions = [version]
    session.add(row)
    return row


def count_questions(session: Session, course: Course) -> int:
    """How many of the course's questions are not archived."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Question)
            .where(Question.course_id == course.id, Question.status != ContentStatus.ARCHIVED)
        )
        or 0
    )


def bank_questions(session: Session, course: Course) -> list[BankQuestion]:
    """The course's questions that are not archived, at their current version, in key order."""
    rows = session.execute(
        select(Question, QuestionVersion, Lesson.slug)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == Question.current_version),
        )
        .outerjoin(Lesson, Lesson.id == Question.lesson_id)
        .where(Question.course_id == course.id, Question.status != ContentStatus.ARCHIVED)
        .options(selectinload(QuestionVersion.choices))
        .order_by(Question.key)
    ).all()
    return [
        BankQuestion(
            key=question.key,
            type=version.type.value,
            text=version.text,
            choices=[
                BankChoice(c.text, c.is_correct, c.feedback, c.weight) for c in version.choices
            ],
            explanation=version.explanation,
            source_document=version.source_document,
            source_article=version.source_article,
            tags=list(question.tags or []),
            difficulty=question.difficulty.value,
            lesson=lesson_slug,
            scoring=version.scoring.value if version.type is QuestionType.MULTIPLE else "partial",
            text_format=version.text_format,
            name=version.name,
        )
        for question, version, lesson_slug in rows
    ]


@dataclass
class Export:
    data: bytes
    filename: str
    count: int
    # (key, reason) for questions the format cannot hold (Aiken: only single choice).
    left_out: list[tuple[str, str]] = field(default_factory=list)


def dump_questions(questions: list[BankQuestion], fmt: str, *, title: str = "") -> Export:
    """Bank questions written in `fmt` (the pure half of `export_bank`)."""
    left_out: list[tuple[str, str]] = []
    if fmt == "gift":
        data = gift.dump(to_exchange(q) for q in questions).encode("utf-8")
    elif fmt == "moodlexml":
        data = moodlexml.dump(to_exchange(q) for q in questions)
    elif fmt == "aiken":
        exchange = [to_exchange(q) for q in questions]
        text, skipped = aiken.dump(exchange)
        data = text.encode("utf-8")
        left_out = [(q.idnumber or "", reason) for q, reason in skipped]
    elif fmt == "xlsx":
        fits = [q for q in questions if len(q.choices) <= len(xlsx.LETTERS)]
        left_out = [
            (
                q.key or "",
                _("the template has columns for %(count)d choices only", count=len(xlsx.LETTERS)),
            )
            for q in questions
            if len(q.choices) > len(xlsx.LETTERS)
        ]
        data = xlsx.dump(fits, title=title or "Ngân hàng câu hỏi")
    else:
        raise InvalidInput(_l("Unknown format: %(format)s.", format=fmt))
    return Export(data, "", len(questions) - len(left_out), left_out)


def export_bank(session: Session, course: Course, fmt: str) -> Export:
    """The course's bank (questions not archived, current versions) as a file in `fmt`."""
    export = dump_questions(bank_questions(session, course), fmt, title=course.title)
    export.filename = f"{course.slug}-cau-hoi.{FILE_NAMES[fmt]}"
    return export
