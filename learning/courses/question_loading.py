"""Loading a course's questions from its files: a question new in the files is created, a
changed one gets a new version, one changed in the browser too is a conflict (with
prefer_files, the file's version a draft for review), one gone from the files is retired."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.courses.loaded import (
    CHANGED,
    CourseLoad,
    conflict_of,
    digest,
)
from learning.courses.models import (
    Choice,
    ContentStatus,
    Course,
    Lesson,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
)
from learning.courses.schema import QuestionSpec

# True/false questions are stored as two choices, "Đúng" first; the loader writes the
# Vietnamese words because they are content, not interface.
TRUE_FALSE_LABELS = ("Đúng", "Sai")


def _version_payload(spec: QuestionSpec) -> dict[str, object]:
    """What makes a new version: anything a worker sees or is graded on."""
    return {
        "type": spec.type,
        "text": spec.text,
        "choices": [c.model_dump() for c in spec.choices] if spec.choices else None,
        "answer": spec.answer,
        "scoring": spec.scoring,
        "explanation": spec.explanation,
        "source": spec.source.model_dump(),
    }


def _question_state(question: Question, latest: int, current_hash: str | None) -> str:
    return digest(
        [
            question.status.value,
            question.lesson_id,
            str(question.difficulty),
            list(question.tags or []),
            question.current_version,
            latest,
            current_hash,
        ]
    )


def _question_file_hash(spec: QuestionSpec) -> str:
    return digest([_version_payload(spec), spec.lesson, spec.difficulty, list(spec.tags)])


def _question_side(question: Question, version: QuestionVersion | None, lessons: dict[int, str]):  # type: ignore[no-untyped-def]
    return {
        "status": question.status.value,
        "lesson": lessons.get(question.lesson_id or 0, ""),
        "difficulty": str(question.difficulty),
        "tags": list(question.tags or []),
        "text": version.text if version else "",
        "explanation": version.explanation if version else "",
        "choices": [[c.text, c.is_correct] for c in version.choices] if version else [],
    }


def _spec_side(spec: QuestionSpec) -> dict[str, object]:
    if spec.type == "true_false":
        choices = [
            [TRUE_FALSE_LABELS[0], spec.answer is True],
            [TRUE_FALSE_LABELS[1], spec.answer is False],
        ]
    else:
        choices = [[c.text, c.correct] for c in spec.choices or []]
    return {
        "status": "published",
        "lesson": spec.lesson,
        "difficulty": spec.difficulty,
        "tags": list(spec.tags),
        "text": spec.text,
        "explanation": spec.explanation,
        "choices": choices,
    }


@dataclass
class _BankState:
    """The course's questions as the database holds them, kept up to date as the load
    writes: by key those not yet matched to a file, the content hash of each question's
    current version, its newest version number (versions written in the browser may be
    newer than the current one), and the questions with a version someone wrote (browser,
    import): not the files' alone."""

    unmatched: dict[str, Question]
    current_hashes: dict[int, str]
    latest: dict[int, int]
    authored: set[int]

    def state(self, question: Question) -> str:
        number = self.latest.get(question.id, question.current_version)
        return _question_state(question, number, self.current_hashes.get(question.id))


def _bank_state(session: Session, course: Course) -> _BankState:
    """The course's questions, their current hashes, latest versions and authored ones."""
    existing = {
        question.key: question
        for question in session.scalars(select(Question).where(Question.course_id == course.id))
    }
    current_hashes = dict(
        session.execute(
            select(Question.id, QuestionVersion.content_hash)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(
                Question.course_id == course.id,
                QuestionVersion.number == Question.current_version,
            )
        ).all()
    )
    latest = dict(
        session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.number))
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == course.id)
            .group_by(QuestionVersion.question_id)
        ).all()
    )
    authored = set(
        session.scalars(
            select(QuestionVersion.question_id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.course_id == course.id, QuestionVersion.author_id.is_not(None))
        )
    )
    return _BankState(existing, current_hashes, latest, authored)


@dataclass
class _QuestionLoad:
    """Loading one course's questions from its files: what every step shares."""

    load: CourseLoad
    lessons: dict[str, Lesson]
    bank: _BankState

    def run(self, specs: list[QuestionSpec]) -> None:
        """Each question of the files created, versioned, updated or reported in conflict;
        those gone from the files retired."""
        bank = self.bank
        for spec in specs:
            question = bank.unmatched.pop(spec.key, None)
            if question is None:
                self.create(spec)
                continue
            clean = (
                question.id not in bank.authored
                and question.status is ContentStatus.PUBLISHED
                and bank.latest.get(question.id) == question.current_version
            )
            file_hash = _question_file_hash(spec)
            state = bank.state(question)
            decision = self.load.items.decide("question", spec.key, file_hash, state, clean)
            if decision == "conflict":
                self.conflict(question, spec)
            elif decision == "apply":
                self.apply(question, spec)
        for question in bank.unmatched.values():
            self.load.retire_gone(
                "question",
                question,
                question.key,
                functools.partial(bank.state, question),
                question.id in bank.authored,
                self.load.report.questions,
            )

    def record(self, question: Question, spec: QuestionSpec) -> None:
        state = self.bank.state(question)
        self.load.items.record("question", spec.key, _question_file_hash(spec), state)

    def create(self, spec: QuestionSpec) -> None:
        """A question new in the files, published as its version 1."""
        content_hash = digest(_version_payload(spec))
        question = Question(course_id=self.load.course.id, key=spec.key, current_version=1)
        self.load.session.add(question)
        _set_metadata(question, spec, self.lessons)
        self.load.session.flush()
        _add_version(self.load.session, question, spec, 1, content_hash)
        self.load.report.questions["created"] += 1
        self.bank.latest[question.id], self.bank.current_hashes[question.id] = 1, content_hash
        self.record(question, spec)

    def conflict(self, question: Question, spec: QuestionSpec) -> None:
        """A question changed in the browser and in its file: reported (with `prefer_files`,
        the file's version made a draft for review), or recorded if both say the same."""
        working = self.load.session.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id,
                QuestionVersion.number == self.bank.latest.get(question.id),
            )
        )
        slugs = {lesson.id: slug for slug, lesson in self.lessons.items()}
        browser = _question_side(question, working, slugs)
        conflict = conflict_of("question", spec.key, CHANGED, browser, _spec_side(spec))
        if conflict is None:
            self.record(question, spec)
            return
        if self.load.prefer_files:
            content_hash = digest(_version_payload(spec))
            latest = self.bank.latest
            session = self.load.session
            resolved = _question_draft_from_file(
                session, question, spec, self.lessons, latest, content_hash, working
            )
            conflict = replace(conflict, resolved=resolved)
            self.load.session.flush()
            self.record(question, spec)
        self.load.report.conflicts.append(conflict)

    def apply(self, question: Question, spec: QuestionSpec) -> None:
        """The file's question, published: a new version if its content changed."""
        bank, content_hash = self.bank, digest(_version_payload(spec))
        if bank.current_hashes.get(question.id) != content_hash:
            question.current_version = bank.latest.get(question.id, question.current_version) + 1
            _add_version(self.load.session, question, spec, question.current_version, content_hash)
            bank.latest[question.id] = question.current_version
            bank.current_hashes[question.id] = content_hash
            self.load.report.questions["new_version"] += 1
        elif _metadata_differs(question, spec, self.lessons):
            self.load.report.questions["updated"] += 1
        _set_metadata(question, spec, self.lessons)
        self.load.session.flush()
        self.record(question, spec)


def load_questions(load: CourseLoad, lessons: dict[str, Lesson]) -> None:
    """The course's questions from its files (those gone from the files retired)."""
    bank = _bank_state(load.session, load.course)
    _QuestionLoad(load, lessons, bank).run(load.bundle.questions.questions)


def _question_draft_from_file(
    session: Session,
    question: Question,
    spec: QuestionSpec,
    lessons: dict[str, Lesson],
    latest: dict[int, int],
    content_hash: str,
    working: QuestionVersion | None,
) -> str:
    """The file's version of a question in conflict, as a DRAFT for review: never published
    here. Its lesson, difficulty and tags are the file's; a question retired in the browser
    comes back only through review."""
    question.lesson_id = lessons[spec.lesson].id
    question.difficulty = spec.difficulty  # type: ignore[assignment]
    question.tags = list(spec.tags)
    if question.status is ContentStatus.ARCHIVED:
        question.status = ContentStatus.DRAFT
    if working is not None and working.content_hash == content_hash:
        resolved = "the file's lesson, difficulty and tags applied; no new text"
        if question.status is ContentStatus.DRAFT:
            resolved += "; the question is a draft for review"
        return resolved
    number = latest.get(question.id, question.current_version) + 1
    _add_version(session, question, spec, number, content_hash, status=ContentStatus.DRAFT)
    latest[question.id] = number
    record(
        session,
        None,
        "question.edit",
        "question",
        question.id,
        after={"version": number, "from_files": True},
    )
    return f"draft version {number} for review"


def _metadata_differs(question: Question, spec: QuestionSpec, lessons: dict[str, Lesson]) -> bool:
    return (
        question.lesson_id != lessons[spec.lesson].id
        or question.difficulty.value != spec.difficulty
        or list(question.tags) != list(spec.tags)
        or question.status is not ContentStatus.PUBLISHED
    )


def _set_metadata(question: Question, spec: QuestionSpec, lessons: dict[str, Lesson]) -> None:
    question.lesson_id = lessons[spec.lesson].id
    question.difficulty = spec.difficulty  # type: ignore[assignment]
    question.tags = list(spec.tags)
    question.status = ContentStatus.PUBLISHED


def _add_version(
    session: Session,
    question: Question,
    spec: QuestionSpec,
    number: int,
    content_hash: str,
    status: ContentStatus = ContentStatus.PUBLISHED,
) -> None:
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        type=QuestionType(spec.type),
        text=spec.text,
        explanation=spec.explanation,
        source_document=spec.source.document,
        source_article=spec.source.article,
        scoring=Scoring(spec.scoring or "partial"),
        content_hash=content_hash,
        status=status,
    )
    if spec.type == "true_false":
        version.choices = [
            Choice(position=1, text=TRUE_FALSE_LABELS[0], is_correct=spec.answer is True),
            Choice(position=2, text=TRUE_FALSE_LABELS[1], is_correct=spec.answer is False),
        ]
    else:
        version.choices = [
            Choice(position=n, text=c.text, is_correct=c.correct, feedback=c.feedback)
            for n, c in enumerate(spec.choices or [], start=1)
        ]
    session.add(version)
