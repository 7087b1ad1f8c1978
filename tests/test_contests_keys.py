"""Finding 4: a round's key must not be collectable in advance. Banks kept for contests are
in no course quiz and no course list; a round drawing from banks that a course quiz reviews
at once (answers shown) is saved only after the admin is told and confirms."""

import datetime as dt

from sqlalchemy import func, select

from learning.auth.models import Role
from learning.contests import services
from learning.contests.errors import ExposedBanks
from learning.contests.models import Round
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.quizzes.models import Quiz
from tests.course_files import edit, write_course

ROUND = {"opens_at": "2026-05-01T08:00", "closes_at": "2026-05-08T08:00",
         "question_count": "3", "time_limit_minutes": "15", "attempts_allowed": "1"}  # fmt: skip


def _contest(client, auth, make):
    admin = make.user(role=Role.ADMIN)
    auth.login(admin.phone)
    response = client.post(
        "/admin/contests/new",
        data={
            "title": "Cuộc thi",
            "rules": "",
            "is_published": "y",
            "prize_count": "3",
            "award_min_members": "1",
            "suspicious_percent": "20",
        },
    )
    return admin, response.headers["Location"]


def test_a_round_from_banks_reviewed_at_once_asks_to_confirm(
    client, auth, session, make, sample_course
):
    _admin, edit_url = _contest(client, auth, make)
    refused = client.post(
        edit_url + "/rounds/new", data={**ROUND, "courses": str(sample_course.id)}
    )
    assert refused.status_code == 409
    assert sample_course.title in refused.text and 'name="confirm_exposed"' in refused.text
    assert session.scalar(select(func.count(Round.id))) == 0
    confirmed = client.post(
        edit_url + "/rounds/new",
        data={**ROUND, "courses": str(sample_course.id), "confirm_exposed": "y"},
    )
    assert confirmed.status_code == 302
    assert session.scalar(select(func.count(Round.id))) == 1


def test_a_bank_kept_for_contests_is_in_no_quiz_and_needs_no_confirmation(
    client, auth, session, make, tmp_path
):
    folder = write_course(tmp_path / "banks", slug="ngan-hang-thi")
    edit(folder / "course.yaml", "final_quiz:", "contest_bank: true\nfinal_quiz:")
    load_course(session, read_course(folder))
    session.commit()
    bank = session.scalar(select(Course).where(Course.slug == "ngan-hang-thi"))
    assert bank.is_contest_bank
    quizzes = session.scalars(select(Quiz).where(Quiz.course_id == bank.id)).all()
    assert quizzes and not any(q.is_active for q in quizzes)
    assert services.exposed_banks(session, [bank.id]) == []
    worker = make.user()
    auth.login(worker.phone)
    assert "ngan-hang-thi" not in client.get("/").text
    assert client.get("/courses/ngan-hang-thi").status_code == 404
    assert client.get(f"/quizzes/{quizzes[0].id}").status_code == 404
    auth.logout()
    _admin, edit_url = _contest(client, auth, make)
    form = client.get(edit_url + "/rounds/new").text
    assert "dành cho cuộc thi" in form
    saved = client.post(edit_url + "/rounds/new", data={**ROUND, "courses": str(bank.id)})
    assert saved.status_code == 302


def test_the_service_refuses_without_confirmation(session, make, sample_course):
    admin = make.user(role=Role.ADMIN)
    contest = services.save_contest(
        session, admin, services.ContestData("Thi", "", True, True, 3, 1, 20)
    )
    now = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    data = services.RoundData(now, now + dt.timedelta(days=1), [sample_course.id])
    try:
        services.save_round(session, admin, contest, data)
    except ExposedBanks as error:
        assert sample_course.title in str(error)
    else:
        raise AssertionError("saved without confirmation")
