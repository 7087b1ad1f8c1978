"""Read a course folder into a validated bundle, or every error with its file and line.

Nothing here touches the database: `services.load_course` writes a bundle that this module
has fully checked, so a course with any error loads nothing.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learning.courses.register import (
    Register,
    RegisterInvalid,
    describe_change,
    read_register,
    register_for,
)
from learning.courses.schema import (
    ContentError,
    CourseSpec,
    QuestionBankSpec,
    SourceSpec,
    YamlProblem,
    line_of,
    load_yaml,
    validate,
)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024
# Balance of answer keys (warnings, not errors): a worker who always answers "true", or
# always picks the same position, must not score well. Judged from this many questions up.
TRUE_SHARE = (40, 60)
MAX_POSITION_SHARE = 40
BALANCE_MIN_QUESTIONS = 5


class CourseInvalid(Exception):
    """A course folder with errors; `errors` lists each with its file and line."""

    def __init__(self, folder: Path, errors: list[ContentError]) -> None:
        super().__init__(f"{folder}: {len(errors)} error(s)")
        self.folder = folder
        self.errors = errors


@dataclass
class Media:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class CourseBundle:
    """A course folder's content, checked and ready to load."""

    folder: Path
    course: CourseSpec
    questions: QuestionBankSpec
    lesson_bodies: dict[str, str]
    media: list[Media] = field(default_factory=list)
    # The register's entries for the documents the course lists, under the course's keys.
    sources: list[SourceSpec] = field(default_factory=list)
    # Problems that do not stop loading (balance of answer keys).
    warnings: list[ContentError] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """A fingerprint of everything in the folder: unchanged means nothing to do."""
        digest = hashlib.sha256()
        digest.update(self.course.model_dump_json().encode())
        digest.update(self.questions.model_dump_json().encode())
        for source in self.sources:
            digest.update(source.model_dump_json().encode())
        digest.update(json.dumps(self.lesson_bodies, sort_keys=True).encode())
        for item in sorted(self.media, key=lambda m: m.name):
            digest.update(item.name.encode() + item.sha256.encode())
        return digest.hexdigest()


def sniff_media_type(data: bytes) -> str | None:
    """The content type of an image or PDF, judged by its bytes, not its name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


_EXTENSIONS = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
}


def _read_text(path: Path, name: str, errors: list[ContentError]) -> str | None:
    if not path.is_file():
        errors.append(ContentError(name, None, "file not found"))
        return None
    raw = path.read_bytes()
    if len(raw) > MAX_TEXT_BYTES:
        errors.append(ContentError(name, None, f"larger than {MAX_TEXT_BYTES // 1024} KiB"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        errors.append(ContentError(name, line, "not UTF-8 text"))
        return None
    return unicodedata.normalize("NFC", text)


def _read_yaml(path: Path, name: str, errors: list[ContentError]) -> tuple[Any, dict] | None:
    text = _read_text(path, name, errors)
    if text is None:
        return None
    try:
        return load_yaml(text)
    except YamlProblem as problem:
        errors.append(ContentError(name, problem.line, problem.message))
        return None


def read_course(folder: Path, register: Register | None = None) -> CourseBundle:
    """Read and check one course folder against the register of source documents (by
    default the one `register_for(folder)` finds); raise CourseInvalid listing every error.
    The bundle's `warnings` list what is allowed but should be fixed (balance)."""
    errors: list[ContentError] = []
    if register is None:
        try:
            register = read_register(register_for(folder))
        except RegisterInvalid as invalid:
            raise CourseInvalid(folder, invalid.errors) from None
    course_yaml = _read_yaml(folder / "course.yaml", "course.yaml", errors)
    bank_yaml = _read_yaml(folder / "questions.yaml", "questions.yaml", errors)
    course = bank = None
    course_lines: dict = {}
    bank_lines: dict = {}
    if course_yaml is not None:
        data, course_lines = course_yaml
        course, problems = validate(CourseSpec, data, course_lines, "course.yaml")
        errors += problems
    if bank_yaml is not None:
        data, bank_lines = bank_yaml
        bank, problems = validate(QuestionBankSpec, data, bank_lines, "questions.yaml")
        errors += problems

    bodies: dict[str, str] = {}
    sources: list[SourceSpec] = []
    if course is not None:
        errors += _check_course(folder, course, course_lines, bodies)
        sources, problems = _course_sources(course, course_lines, register)
        errors += problems
    if course is not None and bank is not None:
        errors += _check_bank(course, bank, bank_lines)
    media, media_errors = _read_media(folder / "lessons" / "media")
    errors += media_errors
    if errors or course is None or bank is None:
        raise CourseInvalid(folder, errors)
    return CourseBundle(
        folder=folder,
        course=course,
        questions=bank,
        lesson_bodies=bodies,
        media=media,
        sources=sources,
        warnings=balance_warnings(bank),
    )


def _course_sources(
    course: CourseSpec, lines: dict, register: Register
) -> tuple[list[SourceSpec], list[ContentError]]:
    """The register's entry for each key the course lists; an error for a key the register
    does not have (the loader refuses citations of documents outside the register)."""
    sources: list[SourceSpec] = []
    errors: list[ContentError] = []
    for n, key in enumerate(course.sources):
        document = register.resolve(key)
        if document is None:
            errors.append(
                ContentError(
                    "course.yaml",
                    line_of(lines, ("sources", n)),
                    f"sources[{n}]: '{key}' is not a document of the register "
                    f"({register.path.name}); add it there first",
                )
            )
            continue
        notes = [document.note] if document.note else []
        notes += [f"{describe_change(register, change)}" for change in document.changes]
        sources.append(
            SourceSpec(
                key=key,
                title=document.title,
                number=document.number,
                issuer=document.issuer,
                issued_on=document.issued_on,
                in_force_on=document.in_force_on,
                note=" ".join(notes) or None,
            )
        )
    return sources, errors


def _percent(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def balance_warnings(bank: QuestionBankSpec) -> list[ContentError]:
    """Warnings when a course's answer keys lean: true/false answers outside 40–60 % true,
    or one position holding more than 40 % of the single-choice keys."""
    warnings: list[ContentError] = []
    answers = [q.answer for q in bank.questions if q.type == "true_false"]
    if len(answers) >= BALANCE_MIN_QUESTIONS:
        true = sum(1 for answer in answers if answer)
        share = _percent(100 * true / len(answers))
        if not TRUE_SHARE[0] <= 100 * true / len(answers) <= TRUE_SHARE[1]:
            warnings.append(
                ContentError(
                    "questions.yaml",
                    None,
                    f"balance: {true} of {len(answers)} true/false answers are true "
                    f"({share} %); keep between {TRUE_SHARE[0]} % and {TRUE_SHARE[1]} %",
                )
            )
    positions = [
        next(n for n, choice in enumerate(q.choices or [], start=1) if choice.correct)
        for q in bank.questions
        if q.type == "single"
    ]
    if len(positions) >= BALANCE_MIN_QUESTIONS:
        for position in sorted(set(positions)):
            count = positions.count(position)
            if 100 * count / len(positions) > MAX_POSITION_SHARE:
                warnings.append(
                    ContentError(
                        "questions.yaml",
                        None,
                        f"balance: the keyed answer is choice {position} in {count} of "
                        f"{len(positions)} single-choice questions "
                        f"({_percent(100 * count / len(positions))} %); "
                        f"no position should hold more than {MAX_POSITION_SHARE} %",
                    )
                )
    return warnings


def _check_course(
    folder: Path, course: CourseSpec, lines: dict, bodies: dict[str, str]
) -> list[ContentError]:
    errors: list[ContentError] = []

    def error(path: tuple, message: str) -> None:
        errors.append(ContentError("course.yaml", line_of(lines, path), message))

    if course.slug != folder.name:
        error(("slug",), f"slug '{course.slug}' must equal the folder name '{folder.name}'")
    source_keys: set[str] = set()
    for n, key in enumerate(course.sources):
        if key in source_keys:
            error(("sources", n), f"source key '{key}' is used twice")
        source_keys.add(key)
    slugs: set[str] = set()
    for n, lesson in enumerate(course.lessons):
        if lesson.slug in slugs:
            error(("lessons", n, "slug"), f"lesson slug '{lesson.slug}' is used twice")
        slugs.add(lesson.slug)
        for m, ref in enumerate(lesson.sources):
            if ref.document not in source_keys:
                error(
                    ("lessons", n, "sources", m),
                    f"lessons[{n}] cites unknown source '{ref.document}' "
                    "(not under sources: in course.yaml)",
                )
        body = _read_text(folder / lesson.file, lesson.file, errors)
        if body is not None:
            if not body.strip():
                errors.append(ContentError(lesson.file, None, "the lesson is empty"))
            bodies[lesson.slug] = body
    return errors


def _check_bank(course: CourseSpec, bank: QuestionBankSpec, lines: dict) -> list[ContentError]:
    errors: list[ContentError] = []

    def error(path: tuple, message: str) -> None:
        errors.append(ContentError("questions.yaml", line_of(lines, path), message))

    lessons = {lesson.slug for lesson in course.lessons}
    sources = set(course.sources)
    keys: set[str] = set()
    for n, question in enumerate(bank.questions):
        if question.key in keys:
            error(("questions", n, "key"), f"question key '{question.key}' is used twice")
        keys.add(question.key)
        if question.lesson not in lessons:
            error(
                ("questions", n, "lesson"),
                f"questions[{n}] names unknown lesson '{question.lesson}'",
            )
        document = question.source.document
        if document not in sources:
            error(
                ("questions", n, "source"),
                f"questions[{n}] cites unknown source '{document}' "
                "(not under sources: in course.yaml)",
            )
    wanted, held = course.final_quiz.question_count, len(bank.questions)
    if wanted > held:
        message = f"final_quiz.question_count is {wanted} but the bank holds {held} questions"
        errors.append(ContentError("course.yaml", None, message))
    return errors


def _read_media(folder: Path) -> tuple[list[Media], list[ContentError]]:
    media: list[Media] = []
    errors: list[ContentError] = []
    if not folder.is_dir():
        return media, errors
    for path in sorted(folder.iterdir()):
        name = f"lessons/media/{path.name}"
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        if len(data) > MAX_MEDIA_BYTES:
            errors.append(ContentError(name, None, f"larger than {MAX_MEDIA_BYTES // 2**20} MiB"))
            continue
        kind = sniff_media_type(data)
        if kind is None:
            errors.append(ContentError(name, None, "not a PNG, JPEG, WebP image or a PDF"))
        elif path.suffix.lower() not in _EXTENSIONS[kind]:
            errors.append(ContentError(name, None, f"the name says {path.suffix} but it is {kind}"))
        else:
            media.append(Media(name=path.name, content_type=kind, data=data))
    return media, errors


def course_folders(root: Path) -> list[Path]:
    """The course folders under `root` (or `root` itself when it is one)."""
    if (root / "course.yaml").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.yaml").is_file())
