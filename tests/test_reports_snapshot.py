"""Participation snapshots: the report read from a snapshot gives exactly the figures the
report computes from the activity for the snapshot's moment, after random activity of every
kind (attempts, lessons, regrades, attempts deleted, members moved and deactivated); the
page says when its figures were computed and offers the live count; a stale snapshot, or
one computed with other quiz settings, is not used."""

import datetime as dt
import random

import pytest
from sqlalchemy import delete, select

from bench.dataset import generate
from learning.auth.models import Role, User
from learning.contests.models import Round
from learning.courses.models import Choice, Question, QuestionVersion
from learning.courses.queries import published_lessons
from learning.courses.services import complete_lesson, open_lesson
from learning.db import utcnow
from learning.members.services import deactivate_member, move_member
from learning.org.models import Unit, UnitKind
from learning.quizzes.models import Attempt, GradingMethod
from learning.quizzes.models import Quiz as QuizModel
from learning.quizzes.regrading import regrade_question
from learning.reports import participation as report
from learning.reports.models import ParticipationSnapshot
from tests.clock import local_day
from tests.contest_helpers import enter, make_contest
from tests.contest_helpers import take as take_round
from tests.test_reports_participation import take, world  # noqa: F401 - the shared example


def subject_of(session, quiz_id, kind="course", subject_id=None):
    quiz = session.get_one(QuizModel, quiz_id)
    settings = report.Quiz(quiz.id, quiz.grading_method.value, quiz.pass_percent)
    return report.Subject(kind, subject_id if subject_id is not None else quiz.course_id, settings)


def as_numbers(rows):
    return [
        (
            r.unit.id,
            r.depth,
            r.members,
            r.assigned,
            r.started,
            r.completed,
            r.participants,
            r.passed,
            r.has_children,
            round(r.grade_sum, 6),
        )
        for r in rows
    ]


def assert_snapshot_agrees(session, subject, roots):
    """Refresh, then every root's report from the snapshot equals the recomputed one."""
    now = utcnow()
    snapshot = report.refresh_snapshot(session, subject, now)
    session.commit()
    for root in roots:
        live = report.participation(session, root, subject, until=now)
        from_snapshot = report.participation_from_snapshot(session, root, subject, snapshot)
        assert as_numbers(from_snapshot) == as_numbers(live)
    assert report.participation(session, roots[0], subject, until=now)[0].participants > 0
    return snapshot


def random_activity(session, rng, quiz, course_id, units, steps):
    """`steps` random actions by random members: quiz attempts right or wrong, lessons
    opened or completed, a question regraded, an attempt deleted, a member moved to another
    unit, a member deactivated."""
    officer = session.scalar(select(User).where(User.role == Role.ADMIN))
    lessons = published_lessons(session, course_id)
    done = []
    for _ in range(steps):
        members = session.scalars(
            select(User).where(User.role == Role.WORKER, User.is_active).order_by(User.id)
        ).all()
        user = rng.choice(members)
        action = rng.choice(["take", "take", "open", "complete", "regrade", "delete", "move",
                             "deactivate"])  # fmt: skip
        if action == "take":
            take(session, user, quiz, right=rng.random() < 0.5)
        elif action == "open":
            open_lesson(session, user, rng.choice(lessons))
        elif action == "complete":
            for lesson in lessons:
                complete_lesson(session, user, lesson)
        elif action == "regrade":
            question = rng.choice(
                session.scalars(select(Question).where(Question.course_id == course_id)).all()
            )
            version = session.scalar(
                select(QuestionVersion).where(
                    QuestionVersion.question_id == question.id,
                    QuestionVersion.number == question.current_version,
                )
            )
            for choice in session.scalars(select(Choice).where(Choice.version_id == version.id)):
                choice.is_correct = not choice.is_correct
            session.flush()
            if not regrade_question(session, question, officer):
                continue
        elif action == "delete":
            attempt_id = session.scalar(
                select(Attempt.id).where(Attempt.quiz_id == quiz.id).order_by(Attempt.id.desc())
            )
            if attempt_id is None:
                continue
            session.execute(delete(Attempt).where(Attempt.id == attempt_id))
        elif action == "move":
            move_member(session, officer, user, rng.choice(units))
        else:
            deactivate_member(session, officer, user)
        session.commit()
        done.append(action)
    return done


@pytest.fixture
def province(session, make, sample_course):
    make.user(role=Role.ADMIN)
    counts = generate(session, units=12, members=60, answers=200, course_slug="khoa-thu")
    session.commit()
    root = session.get_one(Unit, counts["root_unit_id"])
    units = session.scalars(select(Unit).where(Unit.code.like("BENCH-%")).order_by(Unit.id)).all()
    return counts, root, units


def test_the_snapshot_equals_the_recomputed_report_after_random_activity(session, province):
    counts, root, units = province
    quiz = session.get_one(QuizModel, counts["quiz_id"])
    subject = subject_of(session, quiz.id)
    commune = next(u for u in units if u.kind is UnitKind.COMMUNE_UNION)
    grassroots = [u for u in units if u.kind is UnitKind.GRASSROOTS]
    rng = random.Random(20)
    assert_snapshot_agrees(session, subject, [root, commune])
    done = []
    for _round in range(3):
        done += random_activity(session, rng, quiz, counts["course_id"], grassroots, steps=25)
        assert_snapshot_agrees(session, subject, [root, commune, grassroots[0]])
    # Every kind of change happened (a regrade counts when it changed a score).
    assert set(done) == {"take", "open", "complete", "regrade", "delete", "move", "deactivate"}
    # One snapshot per subject: each refresh replaced the one before.
    assert len(session.scalars(select(ParticipationSnapshot)).all()) == 1


@pytest.mark.parametrize("method", ["highest", "average", "first", "last"])
def test_every_grading_method(session, world, final_quiz, method):  # noqa: F811
    final_quiz.grading_method = GradingMethod(method)
    session.commit()
    assert_snapshot_agrees(session, subject_of(session, final_quiz.id), [world["p"], world["d1"]])


def test_a_contest_round(session, make, sample_course):
    federation = make.unit("Tỉnh", kind=UnitKind.FEDERATION)
    g1, g2 = make.unit("CĐCS A", parent=federation), make.unit("CĐCS B", parent=federation)
    contest, round_, _admin = make_contest(session, make, sample_course, unit_ids=[g1.id])
    began = utcnow() - dt.timedelta(minutes=10)
    for n, unit in enumerate([g1, g1, g1, g1, g2, g2]):
        user = make.user(unit=unit)
        if n < 4:
            enter(session, contest, user)
        if n < 3:
            take_round(session, user, round_, right=n, started=began, seconds=30 + n)
    round_ = session.get_one(Round, round_.id)
    subject = subject_of(session, round_.quiz_id, kind="round", subject_id=contest.id)
    assert_snapshot_agrees(session, subject, [federation, g1])


def test_a_stale_snapshot_or_one_of_other_quiz_settings_is_not_used(session, world, final_quiz):  # noqa: F811
    subject = subject_of(session, final_quiz.id)
    taken = utcnow() - dt.timedelta(minutes=30)
    snapshot = report.refresh_snapshot(session, subject, taken)
    hour, quarter = dt.timedelta(hours=1), dt.timedelta(minutes=15)
    assert report.usable_snapshot(session, subject, utcnow(), hour) == snapshot
    assert report.usable_snapshot(session, subject, utcnow(), quarter) is None
    stricter = report.Subject("course", subject.id, report.Quiz(final_quiz.id, "highest", 90))
    assert report.usable_snapshot(session, stricter, utcnow(), hour) is None
    by_average = report.Subject("course", subject.id, report.Quiz(final_quiz.id, "average", 70))
    assert subject.quiz.pass_percent == 70
    assert report.usable_snapshot(session, by_average, utcnow(), hour) is None


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def test_the_page_reads_a_fresh_snapshot_and_says_when(app, session, world, make, final_quiz):  # noqa: F811
    admin = make.user(role=Role.ADMIN)
    report.refresh_snapshot(session, subject_of(session, final_quiz.id), utcnow())
    session.commit()
    make.user(unit=world["g1"])  # joins after the snapshot
    session.commit()
    client = login(app, admin)
    url = f"/reports/participation?unit={world['p'].id}&course=khoa-thu"
    page = client.get(url).text
    assert "Số liệu tính đến" in page and "bản tổng hợp được cập nhật định kỳ" in page
    assert "<strong>5</strong>" in page  # 6 workers, one deactivated: as the snapshot has it
    live = client.get(url + "&live=1").text
    assert "Số liệu tính đến" not in live
    assert "<strong>6</strong>" in live  # the newcomer counted
    # A period chosen: computed from the activity, never from the snapshot.
    dated = client.get(url + "&to=" + local_day(utcnow())).text
    assert "Số liệu tính đến" not in dated


def test_the_refresh_command_writes_every_published_course(app, runner, session, world):  # noqa: F811
    result = runner.invoke(args=["report", "refresh"])
    assert result.exit_code == 0, result.output
    assert "khoa-thu:" in result.output
    snapshots = session.scalars(select(ParticipationSnapshot)).all()
    assert [s.subject_kind for s in snapshots] == ["course"]
    again = runner.invoke(args=["report", "refresh", "--older-than", "600"])
    assert "khoa-thu:" not in again.output  # young enough: left as it is
