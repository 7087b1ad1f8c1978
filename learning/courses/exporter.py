"""Write a course from the database back to the `courses/<slug>/` file format.

Content authored in the browser can then be kept under version control and loaded
elsewhere with `courses load`. What is written is what workers see: the course, its
sources, its PUBLISHED lessons (in order, as `lessons/NN-<slug>.md`) and media, and its
PUBLISHED questions at their current version. Drafts, questions in review and archived
content are not written (loading the folder would publish them); `ExportReport` counts them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    MediaFile,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
)


class CourseNotExportable(Exception):
    """The course cannot be written as files the loader would accept."""


@dataclass
class ExportReport:
    folder: Path
    lessons: int = 0
    questions: int = 0
    media: int = 0
    # Questions not written: drafts, in review, without a lesson (the format needs one), or
    # holding what only the exchange formats carry (weights, a text format, a name).
    left_out: dict[str, int] = field(default_factory=dict)


class _Dumper(yaml.SafeDumper):
    """Block style, Unicode as it is, and multi-line text as literal blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def course_files(session: Session, course: Course) -> tuple[dict[str, str | bytes], ExportReport]:
    """The files of the course folder, by path relative to it, and what was left out."""
    report = ExportReport(folder=Path(course.slug))
    lessons = session.scalars(
        select(Lesson)
        .where(Lesson.course_id == course.id, Lesson.status == ContentStatus.PUBLISHED)
        .order_by(Lesson.position, Lesson.id)
    ).all()
    files: dict[str, str | bytes] = {}
    lesson_specs = []
    for number, lesson in enumerate(lessons, start=1):
        name = f"lessons/{number:02d}-{lesson.slug}.md"
        files[name] = lesson.body_markdown
        spec: dict[str, Any] = {"slug": lesson.slug, "title": lesson.title, "file": name}
        if not lesson.is_required:
            spec["required"] = False
        spec["sources"] = [dict(ref) for ref in lesson.sources]
        lesson_specs.append(spec)
    report.lessons = len(lessons)
    if not lessons:
        raise CourseNotExportable(f"{course.slug}: no published lesson")

    # Documents are described once, in the register (courses/sources.yaml): a course
    # names them by key.
    sources = [source.key for source in course.sources]
    course_yaml = {
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "sources": sources,
        "lessons": lesson_specs,
        "final_quiz": dict(course.final_quiz),
    }
    files["course.yaml"] = _dump(course_yaml)

    slugs = {lesson.id: lesson.slug for lesson in lessons}
    questions, left_out = _questions(session, course, slugs)
    report.questions, report.left_out = len(questions), left_out
    files["questions.yaml"] = _dump({"questions": questions})

    for media in session.scalars(
        select(MediaFile).where(MediaFile.course_id == course.id).order_by(MediaFile.name)
    ):
        files[f"lessons/media/{media.name}"] = media.data
        report.media += 1
    return files, report


def _questions(
    session: Session, course: Course, lessons: dict[int, str]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows = session.execute(
        select(Question, QuestionVersion)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == Question.current_version),
        )
        .where(Question.course_id == course.id, Question.status != ContentStatus.ARCHIVED)
        .options(selectinload(QuestionVersion.choices))
        .order_by(Question.id)
    ).all()
    written: list[dict[str, Any]] = []
    left_out: dict[str, int] = {}
    for question, version in rows:
        if question.status is not ContentStatus.PUBLISHED:
            left_out[question.status.value] = left_out.get(question.status.value, 0) + 1
            continue
        if question.lesson_id not in lessons:
            left_out["no_lesson"] = left_out.get("no_lesson", 0) + 1
            continue
        if (
            version.text_format != "plain"
            or version.name
            or any(c.weight is not None for c in version.choices)
        ):
            # A course file has no place for Moodle's weights, formats or names: writing the
            # question without them would change it; the exchange formats keep them.
            left_out["moodle_fields"] = left_out.get("moodle_fields", 0) + 1
            continue
        item: dict[str, Any] = {
            "key": question.key,
            "lesson": lessons[question.lesson_id],
            "type": version.type.value,
            "difficulty": question.difficulty.value,
            "text": version.text,
        }
        if version.type is QuestionType.TRUE_FALSE:
            item["answer"] = bool(version.choices and version.choices[0].is_correct)
        else:
            choices = []
            for choice in version.choices:
                entry: dict[str, Any] = {"text": choice.text}
                if choice.is_correct:
                    entry["correct"] = True
                if choice.feedback:
                    entry["feedback"] = choice.feedback
                choices.append(entry)
            item["choices"] = choices
            if version.type is QuestionType.MULTIPLE and version.scoring is not Scoring.PARTIAL:
                item["scoring"] = version.scoring.value
        item["explanation"] = version.explanation
        item["source"] = {"document": version.source_document, "article": version.source_article}
        if question.tags:
            item["tags"] = list(question.tags)
        written.append(item)
    return written, left_out


def export_course(session: Session, course: Course, folder: Path) -> ExportReport:
    """Write the course into `folder` (created, or emptied of the course's own files first:
    course.yaml, questions.yaml and lessons/), and return what was written."""
    files, report = course_files(session, course)
    report.folder = folder
    folder.mkdir(parents=True, exist_ok=True)
    # Old lesson files would linger under names the new course.yaml no longer uses.
    if (folder / "lessons").is_dir():
        shutil.rmtree(folder / "lessons")
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return report


__all__ = ["CourseNotExportable", "ExportReport", "course_files", "export_course"]
