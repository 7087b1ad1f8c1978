"""The participation report against a hand-computed example: a unit moved between dates, a
member deactivated, a worker with several attempts under each grading method, an officer
(not a member), a direct assignment and an unassigned participant."""

import datetime as dt

import pytest

from learning.auth.models import Role
from learning.courses.models import QuestionVersion
from learning.courses.queries import published_lessons
from learning.courses.services import complete_lesson, open_lesson
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.members.services import deactivate_member
from learning.org.models import UnitKind
from learning.org.services import move_unit
from learning.quizzes.models import GradingMethod
from learning.quizzes.services import Answer, start_attempt, submit_attempt
from learning.reports.participation import Quiz, Subject, participation


def take(session, user, quiz, right):
    """One attempt at the final quiz, every answer right (100%) or none given (0%)."""
    attempt = start_attempt(session, user, quiz, utcnow())
    answers = []
    if right:
        for slot in attempt.slots:
            version = session.get(QuestionVersion, slot.question_version_id)
            good = {c.id for c in version.choices if c.is_correct}
            answers.append(
                Answer(
                    slot.position,
                    tuple(n for n, c in enumerate(slot.choice_order, 1) if c in good),
                    0,
                )
            )
    submit_attempt(session, user, attempt.id, utcnow(), answers)


@pytest.fixture
def world(session, make, final_quiz, sample_course):
    p = make.unit("Tỉnh", kind=UnitKind.FEDERATION)
    d1 = make.unit("Phường Một", parent=p, kind=UnitKind.COMMUNE_UNION)
    d2 = make.unit("Phường Hai", parent=p, kind=UnitKind.COMMUNE_UNION)
    g1, g2, g3 = (
        make.unit("CĐCS G1", parent=d1),
        make.unit("CĐCS G2", parent=d1),
        make.unit("CĐCS G3", parent=d2),
    )
    officer = make.user(role=Role.OFFICER, unit=d1)
    a = make.user(unit=g1)
    make.user(unit=g1)  # b: assigned through Phường Một, does nothing
    c, d = make.user(unit=g2), make.user(unit=g2)
    e, f = make.user(unit=g3), make.user(unit=g3)
    assign_course(session, officer, sample_course.id, unit_id=d1.id)
    assign_course(session, officer, sample_course.id, user_id=e.id)
    # a: every lesson, passes the final quiz: completed.
    take(session, a, final_quiz, right=True)
    for lesson in published_lessons(session, sample_course.id):
        complete_lesson(session, a, lesson)
    # c: two attempts, 0% then 100%.
    take(session, c, final_quiz, right=False)
    take(session, c, final_quiz, right=True)
    # d: left the union.
    deactivate_member(session, officer, d)
    # e: opened a lesson. f: not assigned, takes the quiz (0%).
    open_lesson(session, e, published_lessons(session, sample_course.id)[0])
    take(session, f, final_quiz, right=False)
    session.commit()
    return {"p": p, "d1": d1, "d2": d2, "g1": g1, "g2": g2, "g3": g3, "officer": officer}


@pytest.fixture
def ctx_session(session):
    return session


def figures(session, world, quiz, until=None):
    rows = participation(
        session,
        world["p"],
        Subject(
            "course", quiz.course_id, Quiz(quiz.id, quiz.grading_method.value, quiz.pass_percent)
        ),
        until=until or utcnow() + dt.timedelta(seconds=1),
    )
    return {row.unit.name: row for row in rows}


def counts(row):
    return (
        row.members,
        row.assigned,
        row.started,
        row.completed,
        row.participants,
        row.grade_sum,
        row.passed,
    )


def test_every_figure_of_the_example(ctx_session, world, final_quiz):
    rows = figures(ctx_session, world, final_quiz)
    assert counts(rows["CĐCS G1"]) == (2, 2, 1, 1, 1, 100.0, 1)
    assert counts(rows["CĐCS G2"]) == (1, 1, 1, 0, 1, 100.0, 1)
    assert counts(rows["CĐCS G3"]) == (2, 1, 1, 0, 1, 0.0, 0)
    assert counts(rows["Phường Một"]) == (3, 3, 2, 1, 2, 200.0, 2)
    assert counts(rows["Phường Hai"]) == (2, 1, 1, 0, 1, 0.0, 0)
    province = rows["Tỉnh"]
    assert counts(province) == (5, 4, 3, 1, 3, 200.0, 2)
    assert province.participation_rate == pytest.approx(3 / 5)
    assert province.completion_rate == pytest.approx(1 / 4)
    assert province.average_score == pytest.approx(200 / 3)
    assert province.pass_rate == pytest.approx(2 / 3)
    assert province.has_children and not rows["CĐCS G1"].has_children


@pytest.mark.parametrize(
    ("method", "g2_grade"), [("highest", 100), ("last", 100), ("first", 0), ("average", 50)]
)
def test_grading_methods(ctx_session, world, final_quiz, method, g2_grade):
    final_quiz.grading_method = GradingMethod(method)
    rows = figures(ctx_session, world, final_quiz)
    assert rows["CĐCS G2"].grade_sum == pytest.approx(g2_grade)
    assert rows["CĐCS G2"].passed == (1 if g2_grade >= 70 else 0)


def test_a_unit_moved_between_dates_counts_where_it_was(ctx_session, world, final_quiz, make):
    before = utcnow()
    move_unit(
        ctx_session, world["officer"], world["g2"], world["d2"], at=before + dt.timedelta(seconds=1)
    )
    ctx_session.commit()
    then = figures(ctx_session, world, final_quiz, until=before)
    now = figures(ctx_session, world, final_quiz, until=before + dt.timedelta(seconds=2))
    assert then["Phường Một"].members == 3 and then["Phường Hai"].members == 2
    assert now["Phường Một"].members == 2 and now["Phường Hai"].members == 3
    assert then["Tỉnh"].members == now["Tỉnh"].members == 5


def test_a_date_range_counts_only_activity_inside_it(ctx_session, world, final_quiz):
    later = utcnow() + dt.timedelta(hours=1)
    rows = figures(ctx_session, world, final_quiz)
    assert rows["Tỉnh"].started == 3
    empty = participation(
        ctx_session,
        world["p"],
        Subject("course", final_quiz.course_id, Quiz(final_quiz.id, "highest", 70)),
        since=later,
        until=later + dt.timedelta(hours=1),
    )
    province = next(row for row in empty if row.unit.name == "Tỉnh")
    assert (province.members, province.started, province.completed, province.participants) == (
        5,
        0,
        0,
        0,
    )
