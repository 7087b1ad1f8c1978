"""The benchmark's data generator: what it says it wrote is in the database, the closure
table agrees with the tree, the participation report counts every generated member, and
numbers below 1 are refused."""

import pytest
from sqlalchemy import func, select

from bench.dataset import bench_data, generate
from learning.auth.models import UnitMembership, User
from learning.courses.models import Certificate, Course, LessonProgress
from learning.db import utcnow
from learning.enrollment.models import Assignment
from learning.org.models import Unit, UnitClosure, UnitKind, UnitLink
from learning.quizzes.models import Attempt, AttemptSlot
from learning.quizzes.models import Quiz as QuizModel
from learning.reports.participation import Quiz, Subject, participation


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def generated(session, sample_course):
    counts = generate(session, units=30, members=300, answers=2000, course_slug="khoa-thu")
    session.commit()
    return counts


def generated_units(session):
    return session.scalars(select(Unit).where(Unit.code.like("BENCH-%"))).all()


def test_counts_are_what_was_written(session, generated):
    units = generated_units(session)
    unit_ids = [unit.id for unit in units]
    users = select(User.id).where(User.phone.like("+8497%"))
    attempts = select(Attempt.id).where(Attempt.user_id.in_(users))
    assert generated["units"] == len(units) == 30
    assert generated["users"] == count(session, User, User.id.in_(users)) == 300
    assert generated["unit_memberships"] == 300
    assert count(session, UnitMembership, UnitMembership.user_id.in_(users)) == 300
    assert generated["unit_closure"] == count(
        session, UnitClosure, UnitClosure.descendant_id.in_(unit_ids)
    )
    assert generated["unit_links"] == count(session, UnitLink, UnitLink.unit_id.in_(unit_ids))
    assert generated["unit_links"] == 30
    assert generated["assignments"] == count(session, Assignment) == 1
    # The sample course's final quiz draws 2 questions: 2,000 answers are 1,000 attempts.
    assert generated["attempts"] == count(session, Attempt, Attempt.id.in_(attempts)) == 1000
    assert generated["attempt_slots"] == 2000
    assert count(session, AttemptSlot, AttemptSlot.attempt_id.in_(attempts)) == 2000
    assert generated["lesson_progress"] == count(
        session, LessonProgress, LessonProgress.user_id.in_(users)
    )
    assert generated["certificates"] == count(session, Certificate, Certificate.user_id.in_(users))
    assert 0 < generated["completed"] <= generated["participants"] <= generated["started"]


def test_every_attempt_is_a_graded_final_quiz_attempt(session, generated):
    quiz = session.get_one(QuizModel, generated["quiz_id"])
    assert quiz.kind.value == "course_final"
    attempts = session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
    assert {attempt.status.value for attempt in attempts} == {"submitted"}
    assert all(attempt.submitted_at <= utcnow() for attempt in attempts)
    assert len({attempt.user_id for attempt in attempts}) == generated["participants"]


def test_closure_table_agrees_with_the_tree(session, generated):
    units = generated_units(session)
    root_id = generated["root_unit_id"]
    own_rows = session.scalars(
        select(UnitClosure.descendant_id).where(
            UnitClosure.ancestor_id == UnitClosure.descendant_id, UnitClosure.depth == 0
        )
    ).all()
    assert {unit.id for unit in units} <= set(own_rows)
    grassroots = [unit for unit in units if unit.kind is UnitKind.GRASSROOTS]
    assert len(grassroots) == 30 - 1 - 1  # one federation, 30 // 20 = 1 commune union
    under_root = set(
        session.scalars(select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == root_id))
    )
    assert {unit.id for unit in units} == under_root
    for unit in grassroots:
        depth = session.scalar(
            select(UnitClosure.depth).where(
                UnitClosure.ancestor_id == root_id, UnitClosure.descendant_id == unit.id
            )
        )
        assert depth == 2
        link = session.scalar(select(UnitLink).where(UnitLink.unit_id == unit.id))
        assert link.parent_id == unit.parent_id and link.ended_at is None


def test_the_report_counts_every_generated_member(session, generated):
    root = session.get_one(Unit, generated["root_unit_id"])
    quiz = session.get_one(QuizModel, generated["quiz_id"])
    rows = participation(
        session,
        root,
        Subject(
            "course",
            generated["course_id"],
            Quiz(quiz.id, quiz.grading_method.value, quiz.pass_percent),
        ),
        until=utcnow(),
    )
    top = rows[0]
    assert top.unit.id == root.id
    assert (top.members, top.assigned) == (300, 300)
    assert top.started == generated["started"]
    assert top.completed == generated["completed"]
    assert top.participants == generated["participants"]
    assert top.passed == generated["passed"]
    assert sum(row.members for row in rows if row.unit.kind is UnitKind.GRASSROOTS) == 300


def test_a_second_data_set_does_not_collide_with_the_first(session, generated):
    again = generate(session, units=3, members=5, answers=10, course_slug="khoa-thu", seed=2)
    assert again["units"] == 3 and again["users"] == 5
    assert len(generated_units(session)) == 33
    assert count(session, User, User.phone.like("+8497%")) == 305


def test_a_missing_course_is_loaded_from_the_courses_folder(session):
    counts = generate(
        session, units=2, members=3, answers=40, course_slug="chi-thi-05-ct-tw", seed=3
    )
    course = session.get_one(Course, counts["course_id"])
    assert course.slug == "chi-thi-05-ct-tw"
    assert counts["attempts"] == 2  # 20 questions an attempt


def test_an_unknown_course_is_refused(session):
    with pytest.raises(ValueError, match="no-such-course"):
        generate(session, units=1, members=1, answers=1, course_slug="no-such-course")


@pytest.mark.parametrize("field", ["units", "members", "answers"])
@pytest.mark.parametrize("value", [0, -5])
def test_numbers_below_one_are_refused(session, field, value):
    numbers = {"units": 10, "members": 10, "answers": 10, field: value}
    with pytest.raises(ValueError, match=field):
        generate(session, **numbers, course_slug="khoa-thu")


def test_bench_data_command(runner, sample_course):
    result = runner.invoke(
        bench_data,
        args=[
            "--units",
            "12",
            "--members",
            "40",
            "--answers",
            "300",
            "--course",
            "khoa-thu",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "members: 40" in result.output or "users: 40" in result.output
    refused = runner.invoke(bench_data, args=["--units", "0"])
    assert refused.exit_code == 2
