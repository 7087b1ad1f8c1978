"""Contest pages through the HTTP client: registration (and its refusals), entering, taking a
round with the prediction asked before submitting, the ranking after the close with its
category filter, the prize list, awards, suspicious list, and officers' confirmations."""

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from learning.audit.models import AuditEntry
from learning.auth.models import Role, User
from learning.contests.models import Category, Entrant, Prediction
from learning.db import utcnow
from learning.quizzes.models import Attempt
from tests.contest_helpers import enter, make_contest, take
from tests.statements import StatementCounter


def test_anonymous_registration_then_log_in_and_take_part(client, session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    page = client.get(f"/contests/{contest.id}/register?q=cong doan phuong a")
    assert page.status_code == 200
    assert tree.district_a.name in page.text and tree.province.name in page.text  # parents shown
    response = client.post(
        f"/contests/{contest.id}/register",
        data={
            "full_name": "Lê Văn Bình",
            "phone": "0987 654 321",
            "unit": tree.grassroots_a.id,
            "category": "non_member",
            "birth_year": "1990",
            "gender": "male",
            "password": "mat-khau-123",
            "confirm": "mat-khau-123",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/contests/{contest.id}"
    entrant = session.scalar(select(Entrant))
    assert entrant.category is Category.NON_MEMBER and entrant.unit_id == tree.grassroots_a.id
    client.post("/login", data={"login": "0987654321", "password": "mat-khau-123"})
    assert client.get(f"/rounds/{round_.id}").status_code == 200  # logged in


def test_registration_with_an_existing_phone_says_log_in_like_any_other(
    client, session, make, sample_course
):
    tree = make.tree()
    make.user(unit=tree.grassroots_a, phone="0987654321")
    contest, _round, _admin = make_contest(session, make, sample_course)
    users = session.scalar(select(func.count(User.id)))
    response = client.post(
        f"/contests/{contest.id}/register",
        data={
            "full_name": "Kẻ Mạo Danh",
            "phone": "+84987654321",
            "unit": tree.grassroots_a.id,
            "category": "member",
            "password": "mat-khau-123",
            "confirm": "mat-khau-123",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/contests/{contest.id}"
    assert "hỏi cán bộ công đoàn" in client.get(response.headers["Location"]).text
    assert session.scalar(select(func.count(User.id))) == users
    assert session.scalar(select(func.count(Entrant.id))) == 0


def test_registration_with_a_unit_that_does_not_exist_is_refused(
    client, session, make, sample_course
):
    contest, _round, _admin = make_contest(session, make, sample_course)
    response = client.post(
        f"/contests/{contest.id}/register",
        data={
            "full_name": "Lê Văn Bình",
            "phone": "0987654321",
            "unit": "424242",
            "category": "member",
            "password": "mat-khau-123",
            "confirm": "mat-khau-123",
        },
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count(User.id)).where(User.phone == "+84987654321")) == 0


def test_taking_a_round_with_a_prediction(client, auth, session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    auth.login(worker.phone)
    assert (
        client.post(f"/contests/{contest.id}/join", data={"category": "member"}).status_code == 302
    )
    attempt_url = client.post(f"/rounds/{round_.id}/start").headers["Location"]
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    finish = client.get(f"/attempts/{attempt_id}/summary").headers["Location"]
    assert finish == f"/contest-attempts/{attempt_id}/finish"
    page = client.get(finish)
    assert "câu hỏi" in page.text.lower()
    assert f'href="/attempts/{attempt_id}?page=1"' in page.text  # one question per page
    refused = client.post(finish, data={"prediction": "-3"})
    assert refused.status_code == 400
    session.expire_all()
    assert session.scalar(select(func.count(Prediction.id))) == 0
    assert session.get(Attempt, attempt_id).status.value == "in_progress"
    done = client.post(finish, data={"prediction": "12"})
    assert done.headers["Location"] == f"/rounds/{round_.id}"
    assert session.scalar(select(Prediction.value)) == 12
    again = client.post(f"/rounds/{round_.id}/start")
    assert again.status_code == 403  # one attempt allowed
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_an_attempt_after_close_is_refused(client, auth, session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    round_.quiz.closes_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    auth.login(worker.phone)
    assert client.post(f"/rounds/{round_.id}/start").status_code == 403
    assert session.scalar(select(func.count(Attempt.id))) == 0


def test_ranking_after_close_by_category_and_prize_list(
    app, client, auth, session, make, sample_course
):
    tree = make.tree()
    contest, round_, admin = make_contest(session, make, sample_course)
    official = make.user(unit=tree.grassroots_a, full_name="Cán Bộ Một")
    member = make.user(unit=tree.grassroots_a, full_name="Đoàn Viên Hai")
    enter(session, contest, official, Category.OFFICIAL)
    enter(session, contest, member, Category.MEMBER)
    start = utcnow() - dt.timedelta(minutes=20)
    take(session, official, round_, right=3, started=start, seconds=100, prediction=1)
    take(session, member, round_, right=2, started=start, seconds=50, prediction=1)
    auth.login(member.phone)
    assert "sau khi đợt thi kết thúc" in client.get(f"/rounds/{round_.id}/ranking").text.lower()
    round_.quiz.closes_at = utcnow() - dt.timedelta(minutes=5)
    session.commit()
    page = client.get(f"/rounds/{round_.id}/ranking").text
    assert page.index("Cán Bộ Một") < page.index("Đoàn Viên Hai")
    members_only = client.get(f"/rounds/{round_.id}/ranking?category=member").text
    assert "Đoàn Viên Hai" in members_only and "Cán Bộ Một" not in members_only
    assert client.get(f"/rounds/{round_.id}/prizes.xlsx").status_code == 403
    auth.logout()
    auth.login(admin.phone)
    response = client.get(f"/rounds/{round_.id}/prizes.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    names = [row[1] for row in values if row and row[0] in (1, 2)]
    assert names == ["Cán Bộ Một", "Đoàn Viên Hai"]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_officer_confirms_an_entrant_of_their_subtree(client, auth, session, make, sample_course):
    tree = make.tree()
    contest, _round, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    entrant = enter(session, contest, worker)
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    other = make.user(role=Role.OFFICER, unit=tree.district_b)
    auth.login(other.phone)
    assert worker.full_name not in client.get(f"/contests/{contest.id}/entrants").text
    denied = client.post(
        f"/contests/{contest.id}/entrants/{entrant.id}",
        data={"unit": tree.grassroots_b.id, "category": "official"},
    )
    assert denied.status_code == 403
    auth.logout()
    auth.login(officer.phone)
    assert worker.full_name in client.get(f"/contests/{contest.id}/entrants").text
    client.post(
        f"/contests/{contest.id}/entrants/{entrant.id}",
        data={"unit": tree.grassroots_a.id, "category": "official"},
    )
    session.refresh(entrant)
    assert entrant.category is Category.OFFICIAL and entrant.confirmed_by_id == officer.id


def test_admin_creates_a_contest_and_a_round(client, auth, session, make, sample_course):
    admin = make.user(role=Role.ADMIN)
    auth.login(admin.phone)
    response = client.post(
        "/admin/contests/new",
        data={
            "title": "Cuộc thi thử",
            "rules": "Luật",
            "allows_registration": "y",
            "is_published": "y",
            "prize_count": "10",
            "award_min_members": "10",
            "suspicious_percent": "20",
        },
    )
    assert response.status_code == 302
    edit = response.headers["Location"]
    bad = client.post(
        edit + "/rounds/new",
        data={
            "opens_at": "2026-05-02T08:00",
            "closes_at": "2026-05-01T08:00",
            "courses": str(sample_course.id),
            "question_count": "3",
            "time_limit_minutes": "15",
            "attempts_allowed": "1",
        },
    )
    assert bad.status_code == 400
    good = client.post(
        edit + "/rounds/new",
        data={
            "opens_at": "2026-05-01T08:00",
            "closes_at": "2026-05-08T08:00",
            "courses": str(sample_course.id),
            "question_count": "3",
            "time_limit_minutes": "15",
            "attempts_allowed": "2",
            "has_prediction": "y",
            "confirm_exposed": "y",
        },
    )
    assert good.status_code == 302
    page = client.get(edit).text
    assert "Cuộc thi thử" in page and "01/05/2026 08:00" in page


def test_awards_and_suspicious_pages(client, auth, session, make, sample_course):
    tree = make.tree()
    contest, round_, admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a, full_name="Người Nhanh Tay")
    enter(session, contest, worker)
    take(session, worker, round_, right=3, started=utcnow(), seconds=5)
    auth.login(admin.phone)
    assert tree.grassroots_a.name in client.get(f"/contests/{contest.id}/awards").text
    assert "Người Nhanh Tay" in client.get(f"/contests/{contest.id}/suspicious").text


def test_the_submit_page_links_to_each_question_on_a_one_page_round(
    client, auth, session, make, sample_course
):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    round_.quiz.one_question_per_page = False
    session.flush()
    auth.login(make.user(unit=tree.grassroots_a).phone)
    client.post(f"/contests/{contest.id}/join", data={"category": "member"})
    attempt_id = int(client.post(f"/rounds/{round_.id}/start").headers["Location"].rsplit("/")[-1])
    page = client.get(f"/contest-attempts/{attempt_id}/finish")
    assert f'href="/attempts/{attempt_id}#q1"' in page.text
    assert "?page=" not in page.text


def test_a_contest_attempt_cannot_be_submitted_through_the_quiz_route(
    client, auth, session, make, sample_course
):
    """Finding 7: the quiz route would skip the prediction and the per-account limit."""
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    auth.login(make.user(unit=tree.grassroots_a).phone)
    client.post(f"/contests/{contest.id}/join", data={"category": "member"})
    attempt_url = client.post(f"/rounds/{round_.id}/start").headers["Location"]
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    refused = client.post(f"/attempts/{attempt_id}/submit")
    assert refused.status_code == 409
    assert "trang của cuộc thi" in refused.text
    session.expire_all()
    assert session.get(Attempt, attempt_id).status.value == "in_progress"
    assert session.scalar(select(func.count(Prediction.id))) == 0
    done = client.post(f"/contest-attempts/{attempt_id}/finish", data={"prediction": "4"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Attempt, attempt_id).status.value == "submitted"


def test_the_round_page_of_an_open_round_does_not_look_for_a_result(
    client, auth, session, connection, make, sample_course
):
    # Results are written with the ranking: before it, the page has none to look for (a
    # round page is what a rush opens first, hundreds at once).
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    auth.login(worker.phone)
    with StatementCounter(connection) as counter:
        page = client.get(f"/rounds/{round_.id}")
    assert page.status_code == 200 and "Bắt đầu" in page.text
    assert counter.statements and not [s for s in counter.statements if "contest_results" in s]
    take(
        session,
        worker,
        round_,
        right=2,
        started=utcnow() - dt.timedelta(minutes=20),
        seconds=60,
        prediction=1,
    )
    round_.quiz.closes_at = utcnow() - dt.timedelta(minutes=5)
    session.commit()
    client.get(f"/rounds/{round_.id}/ranking")  # ranks the round on the first view
    assert "Hạng của bạn: 1" in client.get(f"/rounds/{round_.id}").text
