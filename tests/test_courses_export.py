"""Exporting a course from the database to the courses/<slug>/ file format: the loader reads
back the same content, and loading it into a fresh database reproduces the course."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.config import PROJECT_ROOT
from learning.courses.exporter import export_course
from learning.courses.loader import course_folders, read_course
from learning.courses.models import (
    Course,
    Lesson,
    MediaFile,
    Question,
    QuestionVersion,
)
from learning.courses.services import load_course
from learning.db import build_engine
from learning.exchange import services as exchange
from learning.exchange.bank import BankChoice, BankQuestion
from learning.migrate import upgrade


def bundle_content(folder: Path) -> dict:
    """What a course folder says, without the lesson file names (the exporter numbers them)."""
    bundle = read_course(folder)
    course = bundle.course.model_dump()
    for lesson in course["lessons"]:
        del lesson["file"]
    questions = bundle.questions.model_dump()["questions"]
    for question in questions:
        if question["type"] == "multiple" and question["scoring"] is None:
            question["scoring"] = "partial"  # the default, written or not
    return {
        "course": course,
        "questions": questions,
        "lessons": bundle.lesson_bodies,
        "media": {m.name: (m.content_type, m.sha256) for m in bundle.media},
    }


def database_content(session: Session, slug: str) -> dict:
    """The course as the database holds it, without ids."""
    course = session.scalar(select(Course).where(Course.slug == slug))
    lessons = session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).all()
    slugs = {lesson.id: lesson.slug for lesson in lessons}
    questions = []
    for question in session.scalars(
        select(Question).where(Question.course_id == course.id).order_by(Question.key)
    ):
        version = session.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id,
                QuestionVersion.number == question.current_version,
            )
        )
        questions.append(
            (
                question.key,
                slugs.get(question.lesson_id),
                question.difficulty.value,
                list(question.tags),
                question.status.value,
                version.type.value,
                version.text,
                version.explanation,
                version.source_document,
                version.source_article,
                version.scoring.value,
                [(c.position, c.text, c.is_correct, c.feedback) for c in version.choices],
            )
        )
    return {
        "course": (course.title, course.summary, course.status.value, dict(course.final_quiz)),
        "sources": [
            (s.key, s.title, s.number, s.issuer, s.issued_on, s.in_force_on, s.note)
            for s in course.sources
        ],
        "lessons": [
            (x.slug, x.position, x.title, x.body_markdown, x.sources, x.is_required, x.status.value)
            for x in lessons
        ],
        "questions": questions,
        "media": sorted(
            (m.name, m.content_type, m.sha256)
            for m in session.scalars(select(MediaFile).where(MediaFile.course_id == course.id))
        ),
    }


def test_an_exported_course_reads_back_the_same(session, sample_course, tmp_path):
    original = tmp_path / "content" / "khoa-thu"
    exported = tmp_path / "out" / "khoa-thu"
    report = export_course(session, sample_course, exported)
    assert (report.lessons, report.questions, report.media) == (2, 3, 1)
    assert bundle_content(exported) == bundle_content(original)
    assert (exported / "lessons" / "02-bai-hai.md").read_text(encoding="utf-8").startswith("## Thử")
    assert "Hợp đồng lao động có mấy loại?" in (exported / "questions.yaml").read_text("utf-8")


@pytest.mark.parametrize(
    "folder", course_folders(PROJECT_ROOT / "courses"), ids=lambda folder: folder.name
)
def test_the_real_courses_survive_an_export(session, tmp_path, folder):
    load_course(session, read_course(folder))
    course = session.scalar(select(Course).where(Course.slug == folder.name))
    exported = tmp_path / folder.name
    export_course(session, course, exported)
    assert bundle_content(exported) == bundle_content(folder)


def test_loading_the_export_into_a_fresh_database_reproduces_the_course(
    session, sample_course, tmp_path, scratch_database_url
):
    exported = tmp_path / "khoa-thu"
    export_course(session, sample_course, exported)
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    try:
        with Session(engine) as fresh:
            load_course(fresh, read_course(exported))
            fresh.commit()
            assert database_content(fresh, "khoa-thu") == database_content(session, "khoa-thu")
    finally:
        engine.dispose()


def test_drafts_are_not_written_and_are_counted(session, sample_course, tmp_path):
    lessons = {"bai-mot": session.scalar(select(Lesson.id).where(Lesson.slug == "bai-mot"))}
    draft = BankQuestion(
        key="nhap-1",
        type="single",
        text="Câu nháp?",
        choices=[BankChoice("a", True), BankChoice("b", False)],
        lesson="bai-mot",
    )
    exchange.add_draft_question(session, sample_course, draft, lessons)
    session.flush()
    report = export_course(session, sample_course, tmp_path / "khoa-thu")
    assert report.questions == 3 and report.left_out == {"draft": 1}
    assert "nhap-1" not in (tmp_path / "khoa-thu" / "questions.yaml").read_text("utf-8")


def test_a_question_with_moodle_weights_is_not_written_without_them(
    session, sample_course, tmp_path
):
    """Finding 2: a course file has no place for weights; leaving them out would change how
    the question is graded, so the question is counted, not written changed."""
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    question.versions[0].choices[0].weight = Fraction(1)
    for choice in question.versions[0].choices[1:]:
        choice.weight = Fraction(-1)
    session.flush()
    report = export_course(session, sample_course, tmp_path / "khoa-thu")
    assert report.left_out == {"moodle_fields": 1}
    assert "q-001" not in (tmp_path / "khoa-thu" / "questions.yaml").read_text("utf-8")


def test_the_current_version_is_written(session, sample_course, tmp_path):
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    version = QuestionVersion(
        question_id=question.id,
        number=2,
        type=question.versions[0].type,
        text="Hợp đồng lao động có mấy loại? (sửa)",
        explanation="Điều 20.",
        source_document="blld-2019",
        source_article="Điều 20 khoản 1",
        content_hash="x",
    )
    version.choices = [
        type(question.versions[0].choices[0])(position=1, text="Hai", is_correct=True),
        type(question.versions[0].choices[0])(position=2, text="Ba", is_correct=False),
    ]
    session.add(version)
    question.current_version = 2
    session.flush()
    export_course(session, sample_course, tmp_path / "khoa-thu")
    first = read_course(tmp_path / "khoa-thu").questions.questions[0]
    assert first.text == "Hợp đồng lao động có mấy loại? (sửa)"
    assert first.source.article == "Điều 20 khoản 1"
    assert [c.text for c in first.choices] == ["Hai", "Ba"]


def test_cli_export_and_its_errors(runner, sample_course, tmp_path):
    out = tmp_path / "khoa-thu"
    result = runner.invoke(args=["courses", "export", "khoa-thu", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 lessons, 3 questions, 1 media files" in result.output
    assert read_course(out).course.slug == "khoa-thu"
    missing = runner.invoke(args=["courses", "export", "khong-co", "-o", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no course" in missing.output
    assert not (tmp_path / "x").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("x")
    refused = runner.invoke(args=["courses", "export", "khoa-thu", "-o", str(busy)])
    assert refused.exit_code != 0 and not (busy / "course.yaml").exists()
