"""Assignments reach the worker: the home page and the course page show the assigned course
with its deadline (dd/mm/yyyy, days left, overdue), and "Up next" points to the next lesson
of the assigned course with the nearest deadline."""

import datetime as dt

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.enrollment.deadlines import days_left, is_due_soon, is_overdue, local_today
from learning.enrollment.models import Assignment
from learning.enrollment.queries import assigned_courses
from learning.enrollment.services import assign_course
from tests.clock import federation_today
from tests.course_files import edit, write_course


@pytest.fixture
def two_courses(session, tmp_path, sample_course):
    """The sample course (open to all, "Khóa học thử") and a second one, "Khóa học hai"."""
    folder = write_course(tmp_path / "second", slug="khoa-hai")
    edit(folder / "course.yaml", 'title: "Khóa học thử"', 'title: "Khóa học hai"')
    load_course(session, read_course(folder))
    session.commit()
    second = session.scalar(select(Course).where(Course.slug == "khoa-hai"))
    return sample_course, second


@pytest.fixture
def people(make):
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    worker = make.user(unit=tree.grassroots_a)
    return officer, worker, tree


def _login(client, user):
    client.post("/login", data={"login": user.phone, "password": "password123"})


def test_deadline_arithmetic():
    today = dt.date(2026, 12, 3)
    assert days_left(dt.date(2026, 12, 10), today) == 7
    assert is_due_soon(dt.date(2026, 12, 10), today)
    assert not is_due_soon(dt.date(2026, 12, 11), today)
    assert is_overdue(dt.date(2026, 12, 2), today) and not is_due_soon(dt.date(2026, 12, 2), today)
    # 23:30 UTC on 2 December is already 3 December in Lào Cai.
    late = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC)
    assert local_today("Asia/Ho_Chi_Minh", late) == today


def test_nearest_deadline_wins_across_unit_and_direct(session, people, two_courses):
    officer, worker, tree = people
    course, _second = two_courses
    far = federation_today() + dt.timedelta(days=30)
    near = federation_today() + dt.timedelta(days=5)
    assign_course(session, officer, course.id, unit_id=tree.district_a.id, due_on=far)
    assign_course(session, officer, course.id, user_id=worker.id, due_on=near)
    found = assigned_courses(session, worker)
    assert found[course.id].due_on == near
    assert len(found[course.id].assignment_ids) == 2


def test_home_shows_assignment_deadline_and_up_next(app, session, people, two_courses):
    officer, worker, tree = people
    first, _second = two_courses
    client = app.test_client()
    _login(client, worker)
    # Without an assignment, "Up next" is the first course by title.
    page = client.get("/").text
    before = page.split('class="card next-step"')[1].split("</section>")[0]
    assert "Được giao cho bạn" not in page and "/courses/khoa-hai/" in before
    due = federation_today() + dt.timedelta(days=4)
    assign_course(session, officer, first.id, unit_id=tree.grassroots_a.id, due_on=due)
    session.commit()
    page = client.get("/").text
    up_next = page.split('class="card next-step"')[1].split("</section>")[0]
    assert "/courses/khoa-thu/lessons/bai-mot" in up_next
    assert due.strftime("%d/%m/%Y") in up_next
    assert "còn 4 ngày" in up_next


def test_course_page_shows_overdue(app, session, people, two_courses):
    officer, worker, _tree = people
    first, _second = two_courses
    assignment = assign_course(session, officer, first.id, user_id=worker.id)
    # A deadline that has passed (assigning refuses past dates; time moved on).
    assignment.due_on = federation_today() - dt.timedelta(days=3)
    session.commit()
    client = app.test_client()
    _login(client, worker)
    page = client.get("/courses/khoa-thu").text
    assert assignment.due_on.strftime("%d/%m/%Y") in page
    assert "quá hạn 3 ngày" in page
    assert session.get(Assignment, assignment.id).removed_at is None
