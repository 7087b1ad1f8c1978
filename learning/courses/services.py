"""Writes for courses: loading content bundles, lesson progress, certificates."""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.models import LessonVersion, MediaVersion
from learning.courses import queries
from learning.courses.loader import CourseBundle
from learning.courses.markdown import plain_text, render_markdown
from learning.courses.models import (
    Certificate,
    Choice,
    ContentStatus,
    Course,
    Lesson,
    LessonProgress,
    LoadedItem,
    MediaFile,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
    Source,
)
from learning.courses.schema import QuestionSpec
from learning.db import utcnow
from learning.quizzes.services import upsert_course_quizzes
from learning.text import fold

# True/false questions are stored as two choices, "Đúng" first; the loader writes the
# Vietnamese words because they are content, not interface.
TRUE_FALSE_LABELS = ("Đúng", "Sai")
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Conflict:
    """An item changed both in its file and in the browser since the last load: left as the
    browser made it (or, with prefer_files, the file's version made a draft for review).
    `browser` and `file` hold the fields that differ, as each side has them."""

    kind: str  # "course", "quiz", "lesson" or "question"
    key: str
    reason: str
    browser: dict[str, str]
    file: dict[str, str]
    resolved: str = ""  # with prefer_files: what was done with the file's version


@dataclass
class LoadReport:
    """What loading one course did."""

    slug: str
    course_created: bool = False
    lessons: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "retired": 0}
    )
    questions: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "new_version": 0, "updated": 0, "retired": 0}
    )
    media: int = 0
    settings_updated: bool = False
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            self.course_created
            or any(self.lessons.values())
            or any(self.questions.values())
            or self.media > 0
            or self.settings_updated
            or bool(self.conflicts)
        )

    @property
    def unresolved(self) -> list[Conflict]:
        """Conflicts left as the browser made them (the command exits 1 for these)."""
        return [c for c in self.conflicts if not c.resolved]


def _hash(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


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


# --- what was last loaded, per item --------------------------------------------------------

_QUIZ_KEYS = (
    "question_count",
    "time_limit_minutes",
    "pass_percent",
    "attempts_allowed",
    "grading_method",
)
_QUIZ_DEFAULTS = {"attempts_allowed": 0, "grading_method": "highest"}


def _quiz_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The final quiz's settings that files carry, whoever wrote them last."""
    merged = {**_QUIZ_DEFAULTS, **(settings or {})}
    return {key: merged.get(key) for key in _QUIZ_KEYS}


def _course_state(course: Course) -> str:
    return _hash([course.title, course.summary, course.is_contest_bank])


def _lesson_state(lesson: Lesson, browser_version: int) -> str:
    return _hash(
        [
            lesson.status.value,
            lesson.title,
            lesson.body_markdown,
            lesson.sources,
            lesson.is_required,
            lesson.version,
            lesson.position,
            browser_version,
        ]
    )


def _lesson_file_hash(spec: Any, body: str, position: int) -> str:
    sources = [ref.model_dump() for ref in spec.sources]
    return _hash([spec.title, body, sources, spec.required, position])


def _question_state(question: Question, latest: int, current_hash: str | None) -> str:
    return _hash(
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
    return _hash([_version_payload(spec), spec.lesson, spec.difficulty, list(spec.tags)])


@dataclass
class _Snapshots:
    """The course's LoadedItem rows by (kind, key), and the writes of this load."""

    session: Session
    course: Course
    rows: dict[tuple[str, str], LoadedItem]

    def get(self, kind: str, key: str) -> LoadedItem | None:
        return self.rows.get((kind, key))

    def decide(self, kind: str, key: str, file_hash: str, state: str, clean: bool) -> str:
        """ "same": the item's file has not changed since the last load (whatever the browser
        did stands); "apply": the file changed and the database did not, so load it as
        before; "conflict": both changed. `clean` answers for items loaded before these
        records existed: True when nothing shows a browser change."""
        snapshot = self.get(kind, key)
        if snapshot is None:
            return "apply" if clean else "conflict"
        if snapshot.file_hash == file_hash:
            return "same"
        return "apply" if snapshot.state_hash == state else "conflict"

    def record(self, kind: str, key: str, file_hash: str, state: str) -> None:
        snapshot = self.get(kind, key)
        if snapshot is None:
            snapshot = LoadedItem(course_id=self.course.id, kind=kind, key=key)
            self.session.add(snapshot)
            self.rows[(kind, key)] = snapshot
        snapshot.file_hash, snapshot.state_hash, snapshot.loaded_at = file_hash, state, utcnow()


def _snapshots(session: Session, course: Course) -> _Snapshots:
    rows = session.scalars(select(LoadedItem).where(LoadedItem.course_id == course.id))
    return _Snapshots(session, course, {(row.kind, row.key): row for row in rows})


def _sides(browser: dict[str, object], file: dict[str, object]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """The fields where the two sides differ, as short texts."""

    def short(value: object) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text = " ".join(str(text).split())
        return text if len(text) <= 120 else text[:117] + "..."

    keys = [k for k in browser if browser[k] != file.get(k)]
    return {k: short(browser[k]) for k in keys}, {k: short(file.get(k)) for k in keys}


def _conflict(kind: str, key: str, reason: str, browser: dict, file: dict) -> Conflict | None:  # type: ignore[type-arg]
    """The conflict, or None when both sides already say the same (the files were written
    from the database by `courses export`): then the files simply catch up."""
    mine, theirs = _sides(browser, file)
    return Conflict(kind, key, reason, mine, theirs) if mine else None


_CHANGED = "changed in the browser since the last load, and in the files"
_REMOVED = "removed from the files, and changed in the browser since the last load"


# --- loading -------------------------------------------------------------------------------


def load_course(
    session: Session, bundle: CourseBundle, *, prefer_files: bool = False
) -> LoadReport:
    """Create or update a course from a checked bundle, item by item (course title and
    summary, final quiz settings, lessons, questions), without undoing browser work:

    - an item whose file has not changed since the last load is left as it is;
    - an item whose file changed and which nobody changed in the browser since is loaded as
      before (a changed question gets a new version);
    - an item changed in both is left as the browser made it and reported as a conflict with
      both sides; with `prefer_files` the file's version becomes a draft for review (quiz
      settings and title, which the browser also changes at once, take the file's values);
    - a lesson or question gone from the files is archived only if it came from the files
      and nobody changed it since; questions and lessons written in the browser or imported
      are never archived by the loader.

    The course's status is set only when the course is created (published)."""
    spec = bundle.course
    report = LoadReport(slug=spec.slug)
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    content_hash = bundle.content_hash
    if course is not None and course.content_hash == content_hash:
        _load_quizzes(session, course)
        return report
    if course is None:
        course = Course(
            slug=spec.slug,
            title=spec.title,
            summary=spec.summary,
            search_text=fold(f"{spec.title} {spec.summary}"),
            status=ContentStatus.PUBLISHED,
        )
        session.add(course)
        report.course_created = True
    session.flush()
    snapshots = _snapshots(session, course)
    _load_course_fields(session, course, bundle, snapshots, report, prefer_files)
    _load_sources(session, course, bundle)
    lessons = _load_lessons(session, course, bundle, report, snapshots, prefer_files)
    _load_questions(session, course, bundle, lessons, report, snapshots, prefer_files)
    report.media = _load_media(session, course, bundle, report, snapshots, prefer_files)
    # An unresolved conflict keeps the course "changed": the next load reports it again.
    course.content_hash = "" if report.unresolved else content_hash
    course.updated_at = utcnow()
    if prefer_files and report.conflicts:
        record(
            session,
            None,
            "course.load_prefer_files",
            "course",
            course.id,
            after={"items": [f"{c.kind}:{c.key}" for c in report.conflicts]},
        )
    session.flush()
    _load_quizzes(session, course)
    return report


def _load_course_fields(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    snapshots: _Snapshots,
    report: LoadReport,
    prefer_files: bool,
) -> None:
    """The course's title and summary, and its final quiz's settings: two items."""
    _load_title(session, course, bundle, snapshots, report, prefer_files)
    _load_quiz_settings(session, course, bundle, snapshots, report, prefer_files)
    session.flush()


def _settle(conflict: Conflict | None, report: LoadReport, prefer_files: bool, done: str) -> str:
    """The decision on an item whose file is applied whole (title, quiz settings) when both
    sides changed: "apply" when they already say the same (the record catches up) or with
    `prefer_files` (the conflict reported with what was `done`); otherwise "conflict"."""
    if conflict is None:
        return "apply"
    if prefer_files:
        report.conflicts.append(replace(conflict, resolved=done))
        return "apply"
    report.conflicts.append(conflict)
    return "conflict"


def _load_title(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    snapshots: _Snapshots,
    report: LoadReport,
    prefer_files: bool,
) -> None:
    """The course's title, summary and contest-bank flag: one item."""
    spec = bundle.course
    file_hash = _hash([spec.title, spec.summary, spec.contest_bank])
    created = report.course_created
    # A course with no record of a load, whose title the browser never changed, is clean.
    clean = created or not _audited(session, "course.edit", course.id)
    decision = snapshots.decide("course", "", file_hash, _course_state(course), clean)
    if decision == "conflict":
        browser = {
            "title": course.title,
            "summary": course.summary,
            "contest_bank": course.is_contest_bank,
        }
        file = {"title": spec.title, "summary": spec.summary, "contest_bank": spec.contest_bank}
        conflict = _conflict("course", spec.slug, _CHANGED, browser, file)
        decision = _settle(conflict, report, prefer_files, "the file's title and summary applied")
    if decision == "apply" or created:
        course.title = spec.title
        course.summary = spec.summary
        course.search_text = fold(f"{spec.title} {spec.summary}")
        course.is_contest_bank = spec.contest_bank
    if decision == "apply":
        snapshots.record("course", "", file_hash, _course_state(course))


def _load_quiz_settings(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    snapshots: _Snapshots,
    report: LoadReport,
    prefer_files: bool,
) -> None:
    """The final quiz's settings: one item."""
    settings = _quiz_settings(bundle.course.final_quiz.model_dump())
    file_hash = _hash(settings)
    current = _quiz_settings(course.final_quiz) if course.final_quiz else {}
    created = report.course_created
    clean = created or not _audited(session, "course.quiz_settings", course.id)
    decision = snapshots.decide("quiz", "", file_hash, _hash(current), clean)
    if decision == "conflict":
        conflict = _conflict("quiz", bundle.course.slug, _CHANGED, current, settings)
        decision = _settle(conflict, report, prefer_files, "the file's settings applied")
    if decision == "apply":
        report.settings_updated = not created and current != settings
        course.final_quiz = {**(course.final_quiz or {}), **settings}
        snapshots.record("quiz", "", file_hash, _hash(_quiz_settings(course.final_quiz)))


def _audited(session: Session, action: str, object_id: int) -> bool:
    """Whether the audit log holds `action` on the object (items loaded before the loader
    kept its records: a browser change shows there)."""
    return (
        session.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.action == action, AuditEntry.object_id == object_id)
            .limit(1)
        )
        is not None
    )


def _load_quizzes(session: Session, course: Course) -> None:
    lessons = session.scalars(
        select(Lesson).where(
            Lesson.course_id == course.id, Lesson.status == ContentStatus.PUBLISHED
        )
    ).all()
    upsert_course_quizzes(session, course, course.final_quiz, lessons)


def _load_sources(session: Session, course: Course, bundle: CourseBundle) -> None:
    existing = {source.key: source for source in course.sources}
    for spec in bundle.sources:
        source = existing.pop(spec.key, None) or Source(course=course, key=spec.key)
        source.title, source.number, source.issuer = spec.title, spec.number, spec.issuer
        source.issued_on, source.in_force_on, source.note = (
            spec.issued_on,
            spec.in_force_on,
            spec.note,
        )
        session.add(source)
    for source in existing.values():
        # A source no longer listed is no longer cited by any valid file: drop it.
        course.sources.remove(source)


def _lesson_versions(session: Session, course: Course) -> dict[int, int]:
    """The newest browser version number of each lesson of the course that has one."""
    return dict(
        session.execute(
            select(LessonVersion.lesson_id, func.max(LessonVersion.number))
            .join(Lesson, Lesson.id == LessonVersion.lesson_id)
            .where(Lesson.course_id == course.id)
            .group_by(LessonVersion.lesson_id)
        ).all()
    )


def _lesson_side(lesson: Lesson) -> dict[str, object]:
    return {
        "status": lesson.status.value,
        "title": lesson.title,
        "text": lesson.body_markdown,
        "sources": lesson.sources,
        "required": lesson.is_required,
        "position": lesson.position,
    }


@dataclass(frozen=True)
class _LessonFile:
    """A lesson as its file has it, at its place in the course."""

    spec: Any
    body: str
    position: int

    @property
    def sources(self) -> list[dict[str, str]]:
        return [ref.model_dump() for ref in self.spec.sources]

    @property
    def file_hash(self) -> str:
        return _lesson_file_hash(self.spec, self.body, self.position)

    @property
    def content_hash(self) -> str:
        return _hash([self.spec.title, self.body, self.sources, self.spec.required])

    def side(self) -> dict[str, object]:
        """The file's side of a conflict, as `_lesson_side` gives the browser's."""
        return {
            "status": "published",
            "title": self.spec.title,
            "text": self.body,
            "sources": self.sources,
            "required": self.spec.required,
            "position": self.position,
        }


def _load_lessons(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    report: LoadReport,
    snapshots: _Snapshots,
    prefer_files: bool,
) -> dict[str, Lesson]:
    """The course's lessons from its files, in their order (those gone from the files
    retired); returns them by slug."""
    existing = {
        lesson.slug: lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    browser = _lesson_versions(session, course)
    lessons: dict[str, Lesson] = {}
    for position, spec in enumerate(bundle.course.lessons, start=1):
        item = _LessonFile(spec, bundle.lesson_bodies[spec.slug], position)
        lesson = existing.pop(spec.slug, None)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=spec.slug, version=1)
            session.add(lesson)
            report.lessons["created"] += 1
            decision = "apply"
        else:
            version = browser.get(lesson.id, 0)
            clean = version == 0 and lesson.status is ContentStatus.PUBLISHED
            state = _lesson_state(lesson, version)
            decision = snapshots.decide("lesson", spec.slug, item.file_hash, state, clean)
        lessons[spec.slug] = lesson
        if decision == "conflict":
            _lesson_conflict(session, lesson, item, browser, report, snapshots, prefer_files)
        elif decision == "apply":
            _apply_lesson(session, lesson, item, browser, report, snapshots)
    for lesson in existing.values():
        version = browser.get(lesson.id, 0)
        state = functools.partial(_lesson_state, lesson, version)
        _retire_gone(
            "lesson", lesson, lesson.slug, state, bool(version), report.lessons, report, snapshots
        )
    session.flush()
    return lessons


def _lesson_conflict(
    session: Session,
    lesson: Lesson,
    item: _LessonFile,
    browser: dict[int, int],
    report: LoadReport,
    snapshots: _Snapshots,
    prefer_files: bool,
) -> None:
    """A lesson changed in the browser and in its file: reported (with `prefer_files`, the
    file's text made a draft for review), or recorded if both already say the same."""
    slug = item.spec.slug
    conflict = _conflict("lesson", slug, _CHANGED, _lesson_side(lesson), item.side())
    if conflict is None:
        # The files say what the browser made (`courses export`): they caught up.
        lesson.content_hash = item.content_hash
        state = _lesson_state(lesson, browser.get(lesson.id, 0))
        snapshots.record("lesson", slug, item.file_hash, state)
        return
    if prefer_files:
        number = _lesson_draft_from_file(session, lesson, item.spec, item.body, item.sources)
        conflict = replace(conflict, resolved=f"draft version {number} for review")
        session.flush()
        snapshots.record("lesson", slug, item.file_hash, _lesson_state(lesson, number))
    report.conflicts.append(conflict)


def _apply_lesson(
    session: Session,
    lesson: Lesson,
    item: _LessonFile,
    browser: dict[int, int],
    report: LoadReport,
    snapshots: _Snapshots,
) -> None:
    """The file's lesson, published (a changed one as a new version)."""
    spec, body, content_hash = item.spec, item.body, item.content_hash
    if lesson.id is not None and (
        lesson.content_hash != content_hash or lesson.status is not ContentStatus.PUBLISHED
    ):
        lesson.version = max(lesson.version, browser.get(lesson.id, 0)) + 1
        report.lessons["updated"] += 1
    lesson.position = item.position
    if lesson.content_hash != content_hash:
        lesson.title = spec.title
        lesson.body_markdown = body
        lesson.body_html = render_markdown(body)
        lesson.search_text = fold(f"{spec.title} {plain_text(lesson.body_html)}")
        lesson.sources = item.sources
        lesson.is_required = spec.required
        lesson.content_hash = content_hash
        lesson.updated_at = utcnow()
    lesson.status = ContentStatus.PUBLISHED
    session.flush()
    state = _lesson_state(lesson, browser.get(lesson.id, 0))
    snapshots.record("lesson", spec.slug, item.file_hash, state)


def _retire_gone(
    kind: str,
    item: Lesson | Question,
    key: str,
    state: Callable[[], str],
    from_browser: bool,
    counts: dict[str, int],
    report: LoadReport,
    snapshots: _Snapshots,
) -> None:
    """A lesson or question no longer in the files: archived if it came from them and nobody
    changed it since; one written in the browser or imported is not the files' to retire, and
    one changed in the browser since the last load is a conflict, kept."""
    if item.status is ContentStatus.ARCHIVED:
        return
    snapshot = snapshots.get(kind, key)
    if snapshot is None:
        if from_browser or item.status is not ContentStatus.PUBLISHED:
            return
    elif snapshot.state_hash != state():
        if snapshot.file_hash != "":
            browser, files = {"status": item.status.value}, {"status": "(not in the files)"}
            report.conflicts.append(Conflict(kind, key, _REMOVED, browser, files))
        return
    item.status = ContentStatus.ARCHIVED
    counts["retired"] += 1
    snapshots.record(kind, key, "", state())


def _lesson_draft_from_file(
    session: Session, lesson: Lesson, spec: Any, body: str, sources: list[dict[str, str]]
) -> int:
    """The file's text as a new DRAFT browser version of the lesson (written by nobody: a
    first admin sends it to review, a second approves it). Returns its number."""
    number = _lesson_versions_of(session, lesson)
    if number == 0:
        # The published text becomes the first version, so the history starts from it.
        session.add(
            LessonVersion(
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
        )
        number = lesson.version
    number += 1
    session.add(
        LessonVersion(
            lesson_id=lesson.id,
            number=number,
            title=spec.title,
            body_markdown=body,
            sources=sources,
            is_required=spec.required,
            status=ContentStatus.DRAFT,
            author_id=None,
            created_at=utcnow(),
        )
    )
    if lesson.status is ContentStatus.ARCHIVED:
        # It comes back only through review: as an unpublished lesson, its row is the draft.
        lesson.status = ContentStatus.DRAFT
        lesson.title, lesson.body_markdown, lesson.sources = spec.title, body, sources
        lesson.body_html = render_markdown(body)
        lesson.is_required = spec.required
    record(
        session,
        None,
        "lesson.edit",
        "lesson",
        lesson.id,
        after={"version": number, "from_files": True},
    )
    return number


def _lesson_versions_of(session: Session, lesson: Lesson) -> int:
    return (
        session.scalar(
            select(func.max(LessonVersion.number)).where(LessonVersion.lesson_id == lesson.id)
        )
        or 0
    )


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

    session: Session
    course: Course
    lessons: dict[str, Lesson]
    report: LoadReport
    snapshots: _Snapshots
    prefer_files: bool
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
            decision = self.snapshots.decide("question", spec.key, file_hash, state, clean)
            if decision == "conflict":
                self.conflict(question, spec)
            elif decision == "apply":
                self.apply(question, spec)
        for question in bank.unmatched.values():
            _retire_gone(
                "question",
                question,
                question.key,
                functools.partial(bank.state, question),
                question.id in bank.authored,
                self.report.questions,
                self.report,
                self.snapshots,
            )

    def record(self, question: Question, spec: QuestionSpec) -> None:
        state = self.bank.state(question)
        self.snapshots.record("question", spec.key, _question_file_hash(spec), state)

    def create(self, spec: QuestionSpec) -> None:
        """A question new in the files, published as its version 1."""
        content_hash = _hash(_version_payload(spec))
        question = Question(course_id=self.course.id, key=spec.key, current_version=1)
        self.session.add(question)
        _set_metadata(question, spec, self.lessons)
        self.session.flush()
        _add_version(self.session, question, spec, 1, content_hash)
        self.report.questions["created"] += 1
        self.bank.latest[question.id], self.bank.current_hashes[question.id] = 1, content_hash
        self.record(question, spec)

    def conflict(self, question: Question, spec: QuestionSpec) -> None:
        """A question changed in the browser and in its file: reported (with `prefer_files`,
        the file's version made a draft for review), or recorded if both say the same."""
        working = self.session.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id,
                QuestionVersion.number == self.bank.latest.get(question.id),
            )
        )
        slugs = {lesson.id: slug for slug, lesson in self.lessons.items()}
        browser = _question_side(question, working, slugs)
        conflict = _conflict("question", spec.key, _CHANGED, browser, _spec_side(spec))
        if conflict is None:
            self.record(question, spec)
            return
        if self.prefer_files:
            content_hash = _hash(_version_payload(spec))
            resolved = _question_draft_from_file(
                self.session, question, spec, self.lessons, self.bank.latest, content_hash, working
            )
            conflict = replace(conflict, resolved=resolved)
            self.session.flush()
            self.record(question, spec)
        self.report.conflicts.append(conflict)

    def apply(self, question: Question, spec: QuestionSpec) -> None:
        """The file's question, published: a new version if its content changed."""
        bank, content_hash = self.bank, _hash(_version_payload(spec))
        if bank.current_hashes.get(question.id) != content_hash:
            question.current_version = bank.latest.get(question.id, question.current_version) + 1
            _add_version(self.session, question, spec, question.current_version, content_hash)
            bank.latest[question.id] = question.current_version
            bank.current_hashes[question.id] = content_hash
            self.report.questions["new_version"] += 1
        elif _metadata_differs(question, spec, self.lessons):
            self.report.questions["updated"] += 1
        _set_metadata(question, spec, self.lessons)
        self.session.flush()
        self.record(question, spec)


def _load_questions(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    lessons: dict[str, Lesson],
    report: LoadReport,
    snapshots: _Snapshots,
    prefer_files: bool,
) -> None:
    """The course's questions from its files (those gone from the files retired)."""
    bank = _bank_state(session, course)
    load = _QuestionLoad(session, course, lessons, report, snapshots, prefer_files, bank)
    load.run(bundle.questions.questions)


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


def _load_media(
    session: Session,
    course: Course,
    bundle: CourseBundle,
    report: LoadReport,
    snapshots: _Snapshots,
    prefer_files: bool,
) -> int:
    """The course's files from its folder, with the same rule as the other items: a file
    replaced in the browser since the last load is not overwritten (a conflict)."""
    existing = {
        media.name: media
        for media in session.scalars(select(MediaFile).where(MediaFile.course_id == course.id))
    }
    uploaded = set(
        session.scalars(select(MediaVersion.name).where(MediaVersion.course_id == course.id))
    )
    changed = 0
    for item in bundle.media:
        stored = existing.get(item.name)
        if stored is not None and stored.sha256 == item.sha256:
            snapshots.record("media", item.name, item.sha256, item.sha256)
            continue
        if stored is not None:
            clean = item.name not in uploaded
            decision = snapshots.decide("media", item.name, item.sha256, stored.sha256, clean)
            if decision == "same":
                continue
            if decision == "conflict":
                browser, files = {"sha256": stored.sha256[:12]}, {"sha256": item.sha256[:12]}
                conflict = Conflict("media", item.name, _CHANGED, browser, files)
                if prefer_files:
                    # The file's version waits for a second admin, as a browser upload does.
                    session.add(
                        MediaVersion(
                            course_id=course.id,
                            name=item.name,
                            content_type=item.content_type,
                            sha256=item.sha256,
                            data=item.data,
                            status=ContentStatus.IN_REVIEW,
                            author_id=None,
                            created_at=utcnow(),
                        )
                    )
                    conflict = replace(conflict, resolved="uploaded for review")
                    snapshots.record("media", item.name, item.sha256, stored.sha256)
                report.conflicts.append(conflict)
                continue
        if stored is None:
            stored = MediaFile(course_id=course.id, name=item.name)
            session.add(stored)
        stored.content_type, stored.sha256, stored.data = item.content_type, item.sha256, item.data
        snapshots.record("media", item.name, item.sha256, item.sha256)
        changed += 1
    return changed


def open_lesson(session: Session, user: User, lesson: Lesson) -> LessonProgress:
    """Record that `user` opened `lesson` (the first time only)."""
    progress = queries.lesson_progress(session, user.id, lesson.id)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, opened_at=utcnow())
        session.add(progress)
        session.flush()
    return progress


def complete_lesson(session: Session, user: User, lesson: Lesson) -> Certificate | None:
    """Mark `lesson` done for `user`; issue the course certificate when this completes it."""
    progress = open_lesson(session, user, lesson)
    if progress.completed_at is None:
        session.execute(
            update(LessonProgress)
            .where(LessonProgress.id == progress.id, LessonProgress.completed_at.is_(None))
            .values(completed_at=utcnow())
        )
        session.refresh(progress)
    return issue_certificate_if_complete(session, user, lesson.course)


def issue_certificate_if_complete(
    session: Session, user: User, course: Course
) -> Certificate | None:
    """The user's certificate for `course`, issued now if the course is complete."""
    certificate = queries.certificate_for(session, user.id, course.id)
    if certificate is not None:
        return certificate
    status = queries.course_status(session, user, course)
    if not status.is_complete:
        return None
    certificate = Certificate(
        code=_new_certificate_code(session),
        user_id=user.id,
        course_id=course.id,
        score_percent=status.score_percent,
        holder_name=user.full_name,
        unit_name=user.unit.name if user.unit else "",
        course_title=course.title,
    )
    session.add(certificate)
    session.flush()
    return certificate


def _new_certificate_code(session: Session) -> str:
    while True:
        raw = "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        if queries.certificate_by_code(session, code) is None:
            return code


def describe_report(report: LoadReport) -> str:
    """What loading a course did, for the CLI: one line, then each conflict with both sides
    (the fields that differ, as the browser and as the files have them)."""
    if not report.changed:
        return f"{report.slug}: unchanged"
    lessons, questions = report.lessons, report.questions
    lines = [
        f"{report.slug}: {'created' if report.course_created else 'updated'}; "
        f"lessons {lessons['created']} created, {lessons['updated']} updated, "
        f"{lessons['retired']} retired; questions {questions['created']} created, "
        f"{questions['new_version']} new versions, {questions['updated']} updated, "
        f"{questions['retired']} retired; {report.media} media files"
        + ("; quiz settings updated" if report.settings_updated else "")
    ]
    for conflict in report.conflicts:
        label = "course" if conflict.kind == "course" else conflict.kind
        name = "final quiz settings" if conflict.kind == "quiz" else f"{label} {conflict.key}"
        lines.append(f"  CONFLICT {name}: {conflict.reason}")
        for key in conflict.browser:
            lines.append(f"    {key}:")
            lines.append(f"      browser: {conflict.browser[key]}")
            lines.append(f"      files:   {conflict.file[key]}")
        if conflict.resolved:
            lines.append(f"    --prefer-files: {conflict.resolved}")
        else:
            lines.append("    kept as in the browser")
    return "\n".join(lines)
