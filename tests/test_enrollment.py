"""Courses assigned to units reach every present and future member of the subtree; the
officer's home counts who started and who completed; removing keeps what was done."""

import datetime as dt

import pytest
from sqlalchemy import select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.courses.models import Course
from learning.enrollment.models import Assignment
from learning.enrollment.queries import assigned_course_ids, unit_progress
from learning.enrollment.services import assign_course, remove_assignment
from learning.errors import InvalidInput


@pytest.fixture
def closed_course(sample_course, session):
    sample_course.is_open_to_all = False
    session.commit()
    return sample_course


@pytest.fixture
def officer(make):
    tree = make.tree()
    return make.user(role=Role.OFFICER, unit=tree.district_a), tree


def test_assignment_reaches_present_and_future_members(session, make, officer, closed_course):
    officer, tree = officer
    present = make.user(unit=tree.grassroots_a)
    outsider = make.user(unit=tree.grassroots_b)
    assign_course(session, officer, closed_course.id, unit_id=tree.district_a.id)
    future = make.user(unit=make.unit("CĐCS mới", parent=tree.district_a))
    assert closed_course.id in assigned_course_ids(session, present)
    assert closed_course.id in assigned_course_ids(session, future)
    assert closed_course.id not in assigned_course_ids(session, outsider)


def test_worker_home_shows_assigned_courses_only(app, session, make, officer, closed_course):
    officer, tree = officer
    worker = make.user(unit=tree.grassroots_a)
    client = app.test_client()
    client.post("/login", data={"login": worker.phone, "password": "password123"})
    assert "Khóa học thử" not in client.get("/").text
    assign_course(session, officer, closed_course.id, user_id=worker.id)
    session.commit()
    assert "Khóa học thử" in client.get("/").text


def test_removing_keeps_history(session, make, officer, closed_course):
    officer, tree = officer
    assignment = assign_course(session, officer, closed_course.id, unit_id=tree.grassroots_a.id)
    remove_assignment(session, officer, assignment)
    kept = session.get(Assignment, assignment.id)
    assert kept.removed_at is not None and kept.removed_by_id == officer.id
    assert closed_course.id not in assigned_course_ids(session, make.user(unit=tree.grassroots_a))


def test_a_past_deadline_is_refused(session, officer, closed_course):
    officer, tree = officer
    with pytest.raises(InvalidInput):
        assign_course(
            session,
            officer,
            closed_course.id,
            unit_id=tree.grassroots_a.id,
            due_on=dt.date(2020, 1, 1),
        )


def test_officer_home_counts_and_not_started_export(app, session, make, officer, closed_course):
    officer, tree = officer
    starter = make.user(unit=tree.grassroots_a, full_name="Người Đã Học")
    make.user(unit=tree.grassroots_a, full_name='=HYPERLINK("x")')
    assign_course(session, officer, closed_course.id, unit_id=tree.district_a.id)
    session.commit()
    worker_client = app.test_client()
    worker_client.post("/login", data={"login": starter.phone, "password": "password123"})
    worker_client.get("/courses/khoa-thu/lessons/bai-mot")
    [progress] = unit_progress(session, tree.district_a.id, [closed_course.id])
    assert (progress.members, progress.started, progress.completed) == (2, 1, 0)

    client = app.test_client()
    client.post("/login", data={"login": officer.phone, "password": "password123"})
    home = client.get("/officer").text
    assert "Khóa học thử" in home and "Chưa bắt đầu (1)" in home
    csv = client.get(
        f"/officer/not-started.csv?unit={tree.district_a.id}&course={closed_course.id}"
    )
    assert csv.data.startswith(b"\xef\xbb\xbf")
    text = csv.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Người Đã Học" not in text
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_officer_home_of_another_subtree_is_refused(app, make, officer):
    officer, tree = officer
    client = app.test_client()
    client.post("/login", data={"login": officer.phone, "password": "password123"})
    assert client.get(f"/officer?unit={tree.district_b.id}").status_code == 403
    assert (
        client.get(f"/officer/not-started.csv?unit={tree.district_b.id}&course=1").status_code
        == 403
    )
    response = client.post("/assignments", data={"course": "1", "unit": str(tree.district_b.id)})
    assert response.status_code == 400


def test_the_course_list_is_published_courses(session, closed_course):
    assert session.scalar(select(Course.id)) == closed_course.id
