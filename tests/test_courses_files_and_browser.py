"""Finding 1: course files and the browser side by side. `courses load` loads a file that
changed over an item nobody touched in the browser, leaves browser work alone and reports
each item changed on both sides as a conflict with both sides (exit 1), never archives what
the browser wrote or an import brought, never forces the course's status, and with
--prefer-files makes the file's version a draft that two admins must review."""

import pytest
from sqlalchemy import select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.authoring.bulk import bulk_add_tag, bulk_move
from learning.authoring.courses import course_step, update_quiz_settings
from learning.authoring.lessons import LessonDraft, save_lesson
from learning.authoring.media import approve_media, upload_media
from learning.authoring.questions import (
    QUESTIONS,
    save_question,
    working_version,
)
from learning.authoring.workflow import FourEyes
from learning.courses.loader import read_course
from learning.courses.models import ContentStatus, Course, Question, QuestionVersion
from learning.courses.services import load_course
from learning.quizzes.models import Quiz, QuizKind
from tests.authoring_helpers import draft, publish
from tests.course_files import edit, write_course

OLD_TEXT = "Hợp đồng lao động có mấy loại?"


@pytest.fixture
def world(session, make, tmp_path):
    folder = write_course(tmp_path / "content")
    load_course(session, read_course(folder))
    session.commit()
    course = session.scalar(select(Course).where(Course.slug == "khoa-thu"))
    first, second = make.user(role=Role.ADMIN), make.user(role=Role.ADMIN)
    return folder, course, first, second


def question(session, key):
    return session.scalar(select(Question).where(Question.key == key))


def touch_files(folder):
    """A change to the files that concerns none of the items the tests look at."""
    edit(folder / "questions.yaml", "Điều 24 khoản 3.", "Điều 24 khoản 3 Bộ luật Lao động.")


def test_an_item_changed_only_in_the_file_loads_as_before(session, world):
    folder, _course, _first, _second = world
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    report = load_course(session, read_course(folder))
    assert report.conflicts == []
    q = question(session, "q-001")
    assert q.current_version == 2 and q.status is ContentStatus.PUBLISHED


def test_a_question_retired_in_the_browser_stays_retired(session, world):
    folder, _course, first, _second = world
    QUESTIONS.retire(session, first, question(session, "q-001"))
    session.commit()
    touch_files(folder)  # the question's own file entry unchanged: nothing to report
    report = load_course(session, read_course(folder))
    assert question(session, "q-001").status is ContentStatus.ARCHIVED
    assert report.conflicts == []
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    report = load_course(session, read_course(folder))
    assert question(session, "q-001").status is ContentStatus.ARCHIVED  # not re-published
    [conflict] = report.conflicts
    assert (conflict.kind, conflict.key, conflict.resolved) == ("question", "q-001", "")
    assert conflict.browser["status"] == "archived" and conflict.file["status"] == "published"
    assert conflict.browser["text"] == OLD_TEXT
    assert conflict.file["text"] == "Có mấy loại hợp đồng lao động?"


def test_browser_and_imported_questions_are_never_archived(session, world):
    folder, course, first, second = world
    written = publish(session, first, second, course)
    imported = save_question(session, second, course, None, draft(text="Nhập từ GIFT"))
    session.commit()
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    report = load_course(session, read_course(folder))
    assert report.questions["retired"] == 0
    assert session.get(Question, written.id).status is ContentStatus.PUBLISHED
    assert session.get(Question, imported.id).status is ContentStatus.DRAFT


def test_a_question_removed_from_the_files_is_retired_only_if_untouched(session, world):
    folder, _course, first, _second = world
    bulk_add_tag(session, first, [question(session, "q-002").id], "moi")
    session.commit()
    text = (folder / "questions.yaml").read_text(encoding="utf-8")
    start = text.index("  - key: q-002")
    end = text.index("  - key: q-003")
    (folder / "questions.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    text = (folder / "questions.yaml").read_text(encoding="utf-8")
    start = text.index("  - key: q-003")
    (folder / "questions.yaml").write_text(text[:start], encoding="utf-8")
    edit(folder / "course.yaml", "question_count: 2", "question_count: 1")
    report = load_course(session, read_course(folder))
    assert question(session, "q-003").status is ContentStatus.ARCHIVED  # untouched: retired
    assert question(session, "q-002").status is ContentStatus.PUBLISHED  # tagged: kept
    assert [(c.kind, c.key) for c in report.conflicts] == [("question", "q-002")]


def test_tags_added_in_the_browser_are_kept(session, world):
    folder, _course, first, _second = world
    q = question(session, "q-001")
    bulk_add_tag(session, first, [q.id], "trong-tam")
    session.commit()
    touch_files(folder)
    load_course(session, read_course(folder))
    assert question(session, "q-001").tags == ["hop-dong", "trong-tam"]
    edit(folder / "questions.yaml", "tags: [hop-dong]", "tags: [hop-dong, co-ban]")
    report = load_course(session, read_course(folder))
    assert question(session, "q-001").tags == ["hop-dong", "trong-tam"]
    [conflict] = report.conflicts
    assert "trong-tam" in conflict.browser["tags"] and "co-ban" in conflict.file["tags"]


def test_a_question_edited_and_approved_in_the_browser_is_not_overwritten(session, world):
    folder, course, first, second = world
    q = question(session, "q-001")
    publish(session, first, second, course, draft(text="Có bao nhiêu loại hợp đồng?"), q)
    edit(folder / "questions.yaml", OLD_TEXT, "Hợp đồng lao động gồm mấy loại?")
    report = load_course(session, read_course(folder))
    session.refresh(q)
    current = session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == q.id, QuestionVersion.number == q.current_version
        )
    )
    assert current.text == "Có bao nhiêu loại hợp đồng?"
    assert [c.key for c in report.unresolved] == ["q-001"]


def test_quiz_settings_changed_in_the_browser_are_kept(session, world):
    folder, course, first, _second = world
    update_quiz_settings(session, first, course, {"pass_percent": 90, "attempts_allowed": 3})
    session.commit()
    touch_files(folder)
    load_course(session, read_course(folder))
    final = session.scalar(select(Quiz).where(Quiz.kind == QuizKind.COURSE_FINAL))
    assert (final.pass_percent, final.attempts_allowed) == (90, 3)
    edit(folder / "course.yaml", "pass_percent: 70", "pass_percent: 80")
    report = load_course(session, read_course(folder))
    session.refresh(final)
    assert (final.pass_percent, final.attempts_allowed) == (90, 3)
    [conflict] = report.conflicts
    assert conflict.kind == "quiz"
    assert (conflict.browser["pass_percent"], conflict.file["pass_percent"]) == ("90", "80")


def test_the_course_status_is_not_forced_to_published(session, world):
    folder, course, first, _second = world
    course_step(session, first, course, "retire", four_eyes=True)
    session.commit()
    touch_files(folder)
    load_course(session, read_course(folder))
    assert session.get(Course, course.id).status is ContentStatus.ARCHIVED


def test_a_lesson_edited_in_the_browser_is_kept(session, world):
    folder, course, first, _second = world
    lesson = next(x for x in course_lessons(session, course) if x.slug == "bai-mot")
    save_lesson(
        session,
        first,
        course,
        lesson,
        LessonDraft("Bài một", "Văn bản mới.", [{"document": "blld-2019", "section": "Điều 20"}]),
    )
    session.commit()
    edit(folder / "lessons" / "01-bai-mot.md", "Hai loại hợp đồng", "Hai loại hợp đồng lao động")
    report = load_course(session, read_course(folder))
    assert [(c.kind, c.key) for c in report.conflicts] == [("lesson", "bai-mot")]
    session.refresh(lesson)
    assert "Hai loại hợp đồng lao động" not in lesson.body_markdown


def course_lessons(session, course):
    from learning.courses.models import Lesson

    return session.scalars(select(Lesson).where(Lesson.course_id == course.id)).all()


def test_prefer_files_makes_a_draft_that_two_admins_review(session, world):
    folder, _course, first, second = world
    q = question(session, "q-001")
    QUESTIONS.retire(session, first, q)
    session.commit()
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    report = load_course(session, read_course(folder), prefer_files=True)
    session.commit()
    assert report.unresolved == [] and report.conflicts[0].resolved.startswith("draft version")
    session.refresh(q)
    assert q.status is ContentStatus.DRAFT and q.current_version == 1  # not published
    working = working_version(session, q)
    assert working.text == "Có mấy loại hợp đồng lao động?"
    assert working.status is ContentStatus.DRAFT
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "course.load_prefer_files"))
    QUESTIONS.submit(session, first, q)
    with pytest.raises(FourEyes):
        QUESTIONS.approve(session, first, q, four_eyes=True)
    QUESTIONS.approve(session, second, q, four_eyes=True)
    session.commit()
    assert q.status is ContentStatus.PUBLISHED and q.current_version == working.number
    # The files and the database now agree: the next load has nothing to say.
    assert load_course(session, read_course(folder)).conflicts == []


def test_the_command_reports_both_sides_and_exits_1(runner, session, world):
    folder, _course, first, _second = world
    QUESTIONS.retire(session, first, question(session, "q-001"))
    session.commit()
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    result = runner.invoke(args=["courses", "load", str(folder.parent)])
    assert result.exit_code == 1
    assert "CONFLICT question q-001" in result.output
    assert "browser: archived" in result.output and "files:   published" in result.output
    assert "courses export" in result.output
    again = runner.invoke(args=["courses", "load", str(folder.parent)])
    assert again.exit_code == 1  # still reported until resolved
    resolved = runner.invoke(args=["courses", "load", str(folder.parent), "--prefer-files"])
    assert resolved.exit_code == 0, resolved.output
    assert "--prefer-files: draft version 2 for review" in resolved.output


def test_export_brings_browser_work_back_to_the_files(runner, session, world):
    folder, course, first, second = world
    q = question(session, "q-001")
    publish(
        session,
        first,
        second,
        course,
        draft(text="Có bao nhiêu loại hợp đồng?", lesson_id=q.lesson_id),
        q,
    )
    update_quiz_settings(session, first, course, {"pass_percent": 90})
    session.commit()
    exported = runner.invoke(args=["courses", "export", "khoa-thu", "-o", str(folder)])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(args=["courses", "load", str(folder.parent)])
    assert result.exit_code == 0, result.output
    assert "CONFLICT" not in result.output
    # From now on the files lead again: a change to them loads.
    edit(folder / "questions.yaml", "Có bao nhiêu loại hợp đồng?", "Hợp đồng có mấy loại?")
    report = load_course(session, read_course(folder))
    assert report.conflicts == [] and report.questions["new_version"] == 1


def test_a_file_replaced_in_the_browser_is_not_overwritten(session, world, app):
    from learning.courses.models import MediaFile
    from tests.course_files import PNG_BYTES

    folder, course, first, second = world
    version = upload_media(session, first, course, "so-do.png", PNG_BYTES + b"web")
    approve_media(session, second, version, four_eyes=True)
    session.commit()
    (folder / "lessons" / "media" / "so-do.png").write_bytes(PNG_BYTES + b"file")
    report = load_course(session, read_course(folder))
    assert [(c.kind, c.key) for c in report.conflicts] == [("media", "so-do.png")]
    stored = session.scalar(select(MediaFile).where(MediaFile.name == "so-do.png"))
    assert stored.data == PNG_BYTES + b"web"
    report = load_course(session, read_course(folder), prefer_files=True)
    assert report.conflicts[0].resolved == "uploaded for review"
    assert stored.data == PNG_BYTES + b"web"  # workers keep it until a second admin approves


def test_a_question_moved_in_the_browser_stays_where_it_was_moved(session, world):
    folder, course, first, _second = world
    target = next(x for x in course_lessons(session, course) if x.slug == "bai-hai")
    q = question(session, "q-001")
    bulk_move(session, first, [q.id], target.id)
    session.commit()
    edit(folder / "questions.yaml", OLD_TEXT, "Có mấy loại hợp đồng lao động?")
    report = load_course(session, read_course(folder))
    assert question(session, "q-001").lesson_id == target.id
    [conflict] = report.conflicts
    assert (conflict.browser["lesson"], conflict.file["lesson"]) == ("bai-hai", "bai-mot")
