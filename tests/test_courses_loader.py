"""Loading course folders: validation with file and line, idempotency, versions, retiring."""

import pytest
from sqlalchemy import func, select

from learning.courses.loader import CourseInvalid, read_course
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    Question,
    QuestionVersion,
)
from learning.courses.register import DEFAULT_REGISTER, read_register
from learning.courses.services import load_course
from tests.course_files import edit, write_course


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def folder(tmp_path):
    return write_course(tmp_path)


def test_a_valid_folder_loads_everything(session, folder):
    report = load_course(session, read_course(folder))
    assert report.course_created
    assert report.lessons["created"] == 2
    assert report.questions["created"] == 3
    assert report.media == 1
    course = session.scalar(select(Course).where(Course.slug == "khoa-thu"))
    assert course.final_quiz["question_count"] == 2
    assert [s.number for s in course.sources] == ["45/2019/QH14"]
    true_false = session.scalar(
        select(QuestionVersion).join(Question).where(Question.key == "q-002")
    )
    assert [(c.text, c.is_correct) for c in true_false.choices] == [("Đúng", True), ("Sai", False)]


def test_second_load_changes_nothing_and_says_so(session, folder):
    load_course(session, read_course(folder))
    before = (count(session, Lesson), count(session, Question), count(session, QuestionVersion))
    report = load_course(session, read_course(folder))
    assert not report.changed
    after = (count(session, Lesson), count(session, Question), count(session, QuestionVersion))
    assert before == after


def test_a_changed_question_becomes_a_new_version_and_the_old_one_stays(session, folder):
    load_course(session, read_course(folder))
    old = session.scalar(select(QuestionVersion).join(Question).where(Question.key == "q-001"))
    old_id, old_text = old.id, old.text
    edit(
        folder / "questions.yaml",
        "Hợp đồng lao động có mấy loại?",
        "Có mấy loại hợp đồng lao động?",
    )
    report = load_course(session, read_course(folder))
    assert report.questions == {"created": 0, "new_version": 1, "updated": 0, "retired": 0}
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    assert question.current_version == 2
    versions = session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number)
    ).all()
    assert [v.number for v in versions] == [1, 2]
    assert session.get(QuestionVersion, old_id).text == old_text


def test_a_tag_change_updates_without_a_new_version(session, folder):
    load_course(session, read_course(folder))
    edit(folder / "questions.yaml", "tags: [hop-dong]", "tags: [hop-dong, co-ban]")
    report = load_course(session, read_course(folder))
    assert report.questions == {"created": 0, "new_version": 0, "updated": 1, "retired": 0}
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    assert question.tags == ["hop-dong", "co-ban"]
    assert question.current_version == 1


def test_a_removed_question_is_retired_not_deleted(session, folder):
    load_course(session, read_course(folder))
    text = (folder / "questions.yaml").read_text(encoding="utf-8")
    (folder / "questions.yaml").write_text(text.split("  - key: q-003")[0], encoding="utf-8")
    report = load_course(session, read_course(folder))
    assert report.questions["retired"] == 1
    question = session.scalar(select(Question).where(Question.key == "q-003"))
    assert question.status is ContentStatus.ARCHIVED
    assert count(session, Question) == 3


def test_a_changed_lesson_gets_a_new_version_number(session, folder):
    load_course(session, read_course(folder))
    edit(folder / "lessons" / "01-bai-mot.md", "Hai loại hợp đồng", "Các loại hợp đồng")
    report = load_course(session, read_course(folder))
    assert report.lessons["updated"] == 1
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-mot"))
    assert lesson.version == 2
    assert "Các loại hợp đồng" in lesson.body_html


# Each mutation of a valid folder, and the file, line and words the error must have.
SCHEMA_ERRORS = [
    ("course.yaml", 'title: "Khóa học thử"', 'title: "Khóa học thử', "course.yaml:", "not valid YAML"),
    ("course.yaml", "slug: khoa-thu", "slug: khoa-thu\nslug: khoa-khac", "course.yaml:2", "appears twice"),
    ("course.yaml", "slug: khoa-thu", "slug: khoa-khac", "course.yaml:1", "must equal the folder name"),
    ("course.yaml", 'summary: "Một khóa học nhỏ để kiểm thử."\n', "", "course.yaml", "summary: Field required"),
    ("course.yaml", "  - blld-2019\n", "  - blld-2012\n", "course.yaml:5", "'blld-2012' is not a document of the register"),
    ("course.yaml", "  - blld-2019\n", "  - key: blld-2019\n    title: Bộ luật Lao động\n", "course.yaml:4", "write the register key only"),
    ("course.yaml", "        section: \"Điều 20\"", "        section: \"Điều 20\"\n        page: 3", "course.yaml:13", "Extra inputs"),
    ("course.yaml", "document: blld-2019\n        section: \"Điều 24\"", "document: blld-2012\n        section: \"Điều 24\"", "course.yaml:17", "unknown source 'blld-2012'"),
    ("course.yaml", "file: lessons/02-bai-hai.md", "file: lessons/03-khong-co.md", "lessons/03-khong-co.md", "file not found"),
    ("course.yaml", "file: lessons/02-bai-hai.md", "file: ../../etc/passwd", "course.yaml:15", "lessons[1].file"),
    ("course.yaml", "question_count: 2", "question_count: 9", "course.yaml", "bank holds 3"),
    ("course.yaml", "slug: bai-hai", "slug: media", "course.yaml:13", "reserved"),
    ("questions.yaml", "        correct: true\n      - text: \"Ba loại\"", "        correct: true\n      - text: \"Ba loại\"\n        correct: true", "questions.yaml:2", "exactly one correct"),
    ("questions.yaml", "    answer: true", "    answer: true\n    choices:\n      - text: Đúng", "questions.yaml:14", "not 'choices'"),
    ("questions.yaml", "lesson: bai-hai\n    type: true_false", "lesson: bai-ba\n    type: true_false", "questions.yaml:15", "unknown lesson 'bai-ba'"),
    ("questions.yaml", "source: {document: blld-2019, article: \"Điều 25\"}", "source: {document: luat-x, article: \"Điều 25\"}", "questions.yaml:34", "unknown source 'luat-x'"),
    ("questions.yaml", "key: q-003", "key: q-001", "questions.yaml:22", "used twice"),
    ("questions.yaml", "    explanation: \"Điều 20: hai loại hợp đồng.\"\n", "", "questions.yaml:2", "explanation: Field required"),
    ("questions.yaml", "type: multiple", "type: essay", "questions.yaml:24", "questions[2].type"),
    ("questions.yaml", "difficulty: hard", "difficulty: 5", "questions.yaml:25", "questions[2].difficulty"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "where", "words"), SCHEMA_ERRORS)
def test_each_schema_error_names_file_line_and_problem(
    session, folder, file, old, new, where, words
):
    edit(folder / file, old, new)
    with pytest.raises(CourseInvalid) as raised:
        read_course(folder)
    messages = [str(error) for error in raised.value.errors]
    assert any(m.startswith(where) and words in m for m in messages), messages


def test_non_utf8_file_is_an_error_with_its_line(folder):
    (folder / "lessons" / "01-bai-mot.md").write_bytes("dòng một\n".encode() + b"d\xf2ng hai\n")
    with pytest.raises(CourseInvalid) as raised:
        read_course(folder)
    assert "lessons/01-bai-mot.md:2: not UTF-8 text" in [str(e) for e in raised.value.errors]


def test_media_that_lies_about_its_type_is_refused(folder):
    (folder / "lessons" / "media" / "anh.png").write_bytes(b"<svg onload=alert(1)>")
    (folder / "lessons" / "media" / "tai-lieu.png").write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(CourseInvalid) as raised:
        read_course(folder)
    messages = [str(e) for e in raised.value.errors]
    assert "lessons/media/anh.png: not a PNG, JPEG, WebP image or a PDF" in messages
    assert "lessons/media/tai-lieu.png: the name says .png but it is application/pdf" in messages


def test_a_course_with_an_error_loads_nothing(runner, session, tmp_path):
    write_course(tmp_path, "khoa-tot")
    bad = write_course(tmp_path, "khoa-loi")
    edit(bad / "questions.yaml", "difficulty: easy", "difficulty: rất dễ")
    result = runner.invoke(args=["courses", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert "khoa-loi: NOT LOADED" in result.output
    assert "khoa-loi/questions.yaml:5: questions[0].difficulty" in result.output
    assert "khoa-tot: created" in result.output
    slugs = set(session.scalars(select(Course.slug)))
    assert "khoa-tot" in slugs and "khoa-loi" not in slugs


def test_cli_says_unchanged_on_the_second_run(runner, tmp_path):
    write_course(tmp_path)
    first = runner.invoke(args=["courses", "load", str(tmp_path)])
    assert "khoa-thu: created; lessons 2 created" in first.output
    second = runner.invoke(args=["courses", "load", str(tmp_path)])
    assert second.exit_code == 0
    assert second.output.splitlines() == [
        f"sources.yaml: unchanged ({len(read_register(DEFAULT_REGISTER).documents)} documents)",
        "khoa-thu: unchanged",
    ]


def test_cli_refuses_a_folder_without_courses(runner, tmp_path):
    result = runner.invoke(args=["courses", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert "no course folder" in result.output
