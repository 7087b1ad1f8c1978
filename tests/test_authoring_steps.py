"""Who took each review step is stored on the version (or the course): the four-eyes rule reads
it there, so that changing or losing audit entries changes nobody's right to approve; and
migration 0018 fills it in from the audit log for content that was in review before it."""

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.authoring.courses import course_step, create_course
from learning.authoring.lessons import LESSONS, LessonDraft, save_lesson
from learning.authoring.media import upload_media
from learning.authoring.questions import (
    QUESTIONS,
    save_question,
    working_version,
)
from learning.authoring.workflow import FourEyes
from learning.courses.models import ContentStatus
from learning.db import build_engine
from learning.migrate import downgrade, upgrade
from tests.authoring_helpers import draft
from tests.course_files import PNG_BYTES
from tests.factories import Factory


@pytest.fixture
def admins(make):
    return tuple(make.user(role=Role.ADMIN, full_name=f"Quản trị {n}") for n in range(3))


def _forget_audit(session, object_type, object_id, *, actor_id=None):
    """Lose an object's audit entries (actor_id None) or say another admin took them."""
    where = (AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
    if actor_id is None:
        session.execute(delete(AuditEntry).where(*where))
    else:
        session.execute(update(AuditEntry).where(*where).values(actor_id=actor_id))
    session.flush()


def test_the_version_says_who_wrote_submitted_and_approved_it(session, sample_course, admins):
    writer, submitter, approver = admins
    question = save_question(session, writer, sample_course, None, draft())
    QUESTIONS.submit(session, submitter, question)
    QUESTIONS.approve(session, approver, question, four_eyes=True)
    version = working_version(session, question)
    assert version.status is ContentStatus.PUBLISHED
    assert (version.author_id, version.submitted_by_id) == (writer.id, submitter.id)
    assert version.approved_by_id == approver.id and version.approved_at is not None


@pytest.mark.parametrize("audit", ["deleted", "changed"])
def test_four_eyes_holds_whatever_the_audit_log_says(session, sample_course, admins, audit):
    writer, submitter, third = admins
    question = save_question(session, writer, sample_course, None, draft())
    QUESTIONS.submit(session, submitter, question)
    _forget_audit(
        session, "question", question.id, actor_id=None if audit == "deleted" else third.id
    )
    for refused in (writer, submitter):
        with pytest.raises(FourEyes):
            QUESTIONS.approve(session, refused, question, four_eyes=True)
    QUESTIONS.approve(session, third, question, four_eyes=True)
    assert question.status is ContentStatus.PUBLISHED


def test_a_course_remembers_who_wrote_and_submitted_it(session, admins):
    writer, other, _third = admins
    course = create_course(session, writer, "", "Khoá mới", "Tóm tắt")
    course_step(session, writer, course, "submit", four_eyes=True)
    _forget_audit(session, "course", course.id)
    with pytest.raises(FourEyes):
        course_step(session, writer, course, "approve", four_eyes=True)
    course_step(session, other, course, "approve", four_eyes=True)
    assert (course.status, course.approved_by_id) == (ContentStatus.PUBLISHED, other.id)


def _content_in_review(url):
    """At head: a question, a lesson, a media upload and a course in review; their ids."""
    engine = build_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        writer, submitter = (make.user(role=Role.ADMIN) for _ in range(2))
        course = create_course(session, writer, "", "Khoá cũ", "")
        question = save_question(session, writer, course, None, draft())
        QUESTIONS.submit(session, submitter, question)
        lesson = save_lesson(
            session,
            writer,
            course,
            None,
            LessonDraft("Bài", "Nội dung", [{"document": "d", "section": "s"}]),
        )
        LESSONS.submit(session, submitter, lesson)
        course_step(session, submitter, course, "submit", four_eyes=True)
        course.status = ContentStatus.PUBLISHED  # so that the upload waits for review
        upload = upload_media(session, writer, course, "so-do.png", PNG_BYTES)
        session.commit()
        ids = {"writer": writer.id, "submitter": submitter.id, "course": course.id,
               "question": question.id, "lesson": lesson.id, "upload": upload.id}  # fmt: skip
    engine.dispose()
    return ids


def test_the_migration_fills_in_the_steps_of_content_in_review(scratch_database_url):
    url = scratch_database_url
    upgrade(url)
    ids = _content_in_review(url)
    downgrade(url, "0017")  # as the content was before 0018: its steps only in the audit log
    upgrade(url)
    engine = build_engine(url)
    with engine.connect() as connection:
        steps = {
            table: connection.execute(text(f"SELECT {columns} FROM {table}")).one()
            for table, columns in (
                ("question_versions", "submitted_by_id, submitted_at IS NOT NULL"),
                ("lesson_versions", "submitted_by_id, submitted_at IS NOT NULL"),
                ("media_versions", "submitted_by_id, submitted_at IS NOT NULL"),
                ("courses", "submitted_by_id, submitted_at IS NOT NULL"),
            )
        }
        editor = connection.execute(text("SELECT edited_by_id FROM courses")).scalar()
    engine.dispose()
    submitter, writer = ids["submitter"], ids["writer"]
    assert {table: (who, bool(when)) for table, (who, when) in steps.items()} == {
        "question_versions": (submitter, True),
        "lesson_versions": (submitter, True),
        "media_versions": (writer, True),
        "courses": (submitter, True),
    }
    assert editor == writer
