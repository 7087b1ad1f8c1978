"""The participation report for a contest round, against a hand-computed example: a contest
open to one commune union's subtree, a worker with two attempts (the best counts), one who
only started, one who did nothing, and a unit outside the contest."""

import datetime as dt

import pytest

from learning.auth.models import Role
from learning.contests.models import Category, ContestUnit
from learning.db import utcnow
from learning.org.models import UnitKind
from learning.quizzes.services import start_attempt
from learning.reports.activity import activity
from learning.reports.participation import Quiz, Subject, member_statuses, participation
from tests.contest_helpers import enter, make_contest, take


@pytest.fixture
def world(session, make, sample_course):
    p = make.unit("Tỉnh", kind=UnitKind.FEDERATION)
    d1 = make.unit("Phường Một", parent=p, kind=UnitKind.COMMUNE_UNION)
    d2 = make.unit("Phường Hai", parent=p, kind=UnitKind.COMMUNE_UNION)
    g1, g2, g3 = (
        make.unit("CĐCS G1", parent=d1),
        make.unit("CĐCS G2", parent=d1),
        make.unit("CĐCS G3", parent=d2),
    )
    make.user(role=Role.OFFICER, unit=d1)  # an officer is not a member
    a, b = make.user(unit=g1), make.user(unit=g1)
    c = make.user(unit=g2)
    make.user(unit=g3), make.user(unit=g3)
    contest, round_, _admin = make_contest(
        session, make, sample_course, unit_ids=[d1.id], attempts=2
    )
    half_hour_ago = utcnow() - dt.timedelta(minutes=30)
    for user in (a, b, c):
        enter(session, contest, user, Category.MEMBER)
    # a: 1 of 3, then 3 of 3 (the best counts: 100%); c: 2 of 3 (66.67%); b only starts.
    take(session, a, round_, right=1, started=half_hour_ago, seconds=60)
    take(session, a, round_, right=3, started=half_hour_ago + dt.timedelta(minutes=5), seconds=60)
    take(session, c, round_, right=2, started=half_hour_ago, seconds=90)
    start_attempt(session, b, round_.quiz, half_hour_ago)
    session.commit()
    return {"p": p, "d1": d1, "g1": g1, "round": round_, "contest": contest, "a": a, "b": b}


def subject(round_):
    quiz = round_.quiz
    return Subject("round", round_.contest_id, Quiz(quiz.id, quiz.grading_method.value, 0))


def figures(session, world, **kwargs):
    until = kwargs.pop("until", utcnow() + dt.timedelta(seconds=1))
    rows = participation(session, world["p"], subject(world["round"]), until=until, **kwargs)
    return {row.unit.name: row for row in rows}


def counts(row):
    return (row.members, row.assigned, row.started, row.completed, row.participants, row.passed)


def test_every_figure_of_the_example(session, world):
    rows = figures(session, world)
    assert counts(rows["CĐCS G1"]) == (2, 2, 2, 1, 1, 1)
    assert rows["CĐCS G1"].grade_sum == pytest.approx(100)
    assert counts(rows["CĐCS G2"]) == (1, 1, 1, 1, 1, 1)
    assert rows["CĐCS G2"].grade_sum == pytest.approx(200 / 3)
    assert counts(rows["CĐCS G3"]) == (2, 0, 0, 0, 0, 0)  # outside the contest's units
    assert counts(rows["Phường Một"]) == (3, 3, 3, 2, 2, 2)
    province = rows["Tỉnh"]
    assert counts(province) == (5, 3, 3, 2, 2, 2)
    assert province.participation_rate == pytest.approx(3 / 5)
    assert province.completion_rate == pytest.approx(2 / 3)
    assert province.average_score == pytest.approx((100 + 200 / 3) / 2)


def test_a_contest_open_to_everyone_assigns_every_member(session, world):
    session.query(ContestUnit).filter_by(contest_id=world["contest"].id).delete()
    session.commit()
    assert counts(figures(session, world)["Tỉnh"]) == (5, 5, 3, 2, 2, 2)


def test_a_date_range_after_the_round_counts_nothing(session, world):
    later = utcnow() + dt.timedelta(hours=1)
    province = figures(session, world, since=later, until=later + dt.timedelta(hours=1))["Tỉnh"]
    assert (province.members, province.assigned, province.started, province.completed) == (
        5,
        3,
        0,
        0,
    )


def test_members_of_a_unit_with_their_standing(session, world):
    statuses = {
        s.user_id: s for s in member_statuses(session, world["g1"], subject(world["round"]))
    }
    assert statuses[world["a"].id].status == "completed"
    assert statuses[world["a"].id].best_score == pytest.approx(100)
    assert statuses[world["b"].id].status == "started"
    assert statuses[world["b"].id].best_score is None


def test_activity_counts_attempts_and_submissions(session, world):
    now = utcnow()
    points = activity(
        session,
        world["p"].id,
        subject(world["round"]),
        since=now - dt.timedelta(days=2),
        until=now + dt.timedelta(seconds=1),
    )
    assert sum(p.attempts for p in points) == 4  # a twice, c, b
    assert sum(p.completions for p in points) == 3  # b has not submitted


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def test_the_page_and_its_export(app, world, make, session):
    admin = make.user(role=Role.ADMIN)
    session.commit()
    client = login(app, admin)
    query = f"unit={world['p'].id}&round={world['round'].id}"
    page = client.get(f"/reports/participation?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tìm hiểu pháp luật lao động" in html and "CĐCS G3" in html
    export = client.get(f"/reports/participation.csv?{query}")
    assert export.status_code == 200
    assert "cuoc-thi" in export.headers["Content-Disposition"]
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    g1 = next(line for line in lines if line.startswith("CĐCS G1"))
    assert g1.split(",")[3:7] == ["2", "2", "2", "1"]
    members = client.get(
        f"/reports/participation/members?unit={world['g1'].id}&round={world['round'].id}"
    )
    assert members.status_code == 200


@pytest.mark.parametrize(
    ("query", "status"),
    [("round=999999", 404), ("round=abc", 404), ("course=khoa-thu&round={round}", 400)],
)
def test_bad_parameters(app, world, make, session, query, status):
    admin = make.user(role=Role.ADMIN)
    session.commit()
    url = f"/reports/participation?unit={world['p'].id}&" + query.format(round=world["round"].id)
    assert login(app, admin).get(url).status_code == status


def test_an_officer_outside_the_subtree_is_refused(app, world, make, session):
    outsider = make.user(role=Role.OFFICER, unit=make.unit("Nơi khác"))
    session.commit()
    url = f"/reports/participation?unit={world['d1'].id}&round={world['round'].id}"
    assert login(app, outsider).get(url).status_code == 403


def test_command_line(runner, world, tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(
        args=[
            "report",
            "participation",
            "--unit",
            world["p"].code,
            "--contest",
            str(world["contest"].id),
            "--round",
            "1",
            "--format",
            "csv",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert "CĐCS G2" in text and "CUỘC THI" not in text  # CSV has no title block
    missing = runner.invoke(
        args=[
            "report",
            "participation",
            "--unit",
            world["p"].code,
            "--contest",
            "999999",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "x.csv"),
        ]
    )
    assert missing.exit_code != 0 and "cuộc thi" in missing.output.lower()
    assert not (tmp_path / "x.csv").exists()
