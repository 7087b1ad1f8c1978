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

from learning.courses.schema import (
    ContentError,
    CourseSpec,
    QuestionBankSpec,
    YamlProblem,
    line_of,
    load_yaml,
    validate,
)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024


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

    @property
    def content_hash(self) -> str:
        """A fingerprint of everything in the folder: unchanged means nothing to do."""
        digest = hashlib.sha256()
        digest.update(self.course.model_dump_json().encode())
        digest.update(self.questions.model_dump_json().encode())
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


def read_course(folder: Path) -> CourseBundle:
    """Read and check one course folder; raise CourseInvalid listing every error."""
    errors: list[ContentError] = []
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
    if course is not None:
        errors += _check_course(folder, course, course_lines, bodies)
    if course is not None and bank is not None:
        errors += _check_bank(course, bank, bank_lines)
    media, media_errors = _read_media(folder / "lessons" / "media")
    errors += media_errors
    if errors or course is None or bank is None:
        raise CourseInvalid(folder, errors)
    return CourseBundle(
        folder=folder, course=course, questions=bank, lesson_bodies=bodies, media=media
    )


def _check_course(
    folder: Path, course: CourseSpec, lines: dict, bodies: dict[str, str]
) -> list[ContentError]:
    errors: list[ContentError] = []

    def error(path: tuple, message: str) -> None:
        errors.append(ContentError("course.yaml", line_of(lines, path), message))

    if course.slug != folder.name:
        error(("slug",), f"slug '{course.slug}' must equal the folder name '{folder.name}'")
    source_keys: set[str] = set()
    for n, source in enumerate(course.sources):
        if source.key in source_keys:
            error(("sources", n, "key"), f"source key '{source.key}' is used twice")
        source_keys.add(source.key)
    slugs: set[str] = set()
    for n, lesson in enumerate(course.lessons):
        if lesson.slug in slugs:
            error(("lessons", n, "slug"), f"lesson slug '{lesson.slug}' is used twice")
        slugs.add(lesson.slug)
        for m, ref in enumerate(lesson.sources):
            if ref.document not in source_keys:
                error(
                    ("lessons", n, "sources", m),
                    f"lessons[{n}] cites unknown source '{ref.document}'",
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
    sources = {source.key for source in course.sources}
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
            error(("questions", n, "source"), f"questions[{n}] cites unknown source '{document}'")
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
