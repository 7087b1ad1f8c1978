"""Notices and reminders through HTTP: the officer reminds from their home (once per double
click), gets the ready message (text, short link, QR code, A4 poster); the worker sees the
reminder, their deadlines and open contest rounds on the home page and a count in the
header; an officer of another subtree is refused and changes nothing."""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from learning.auth.models import Role
from learning.contests import services as contest_services
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.notices.models import Notice, OutboxMessage, Reminder
from tests.clock import federation_today
from tests.contest_helpers import enter, make_contest


@pytest.fixture
def scene(session, make, sample_course):
    sample_course.is_open_to_all = False
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.district_a, full_name="Cán Bộ A")
    other = make.user(role=Role.OFFICER, unit=tree.district_b)
    worker = make.user(unit=tree.grassroots_a, full_name="Lò Văn Thư")
    worker.email = "thu@example.test"
    due = federation_today() + dt.timedelta(days=20)
    assignment = assign_course(
        session, officer, sample_course.id, unit_id=tree.district_a.id, due_on=due
    )
    session.commit()
    return {
        "tree": tree,
        "officer": officer,
        "other": other,
        "worker": worker,
        "assignment": assignment,
        "course": sample_course,
        "due": due,
    }


def _client(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def _header_count(page):
    match = re.search(r'class="notices-link"[^>]*>[^<]*<span class="count">(\d+)</span>', page)
    return int(match.group(1)) if match else 0


def test_officer_reminds_once_and_gets_the_ready_message(app, session, scene):
    officer = _client(app, scene["officer"])
    unit_id = scene["tree"].district_a.id
    home = officer.get("/officer").text
    assert "Nhắc nhở" in home and "Chưa gửi nhắc nhở nào." in home
    url = f"/assignments/{scene['assignment'].id}/remind"
    first = officer.post(url, data={"unit": unit_id})
    assert first.status_code == 302 and "/message" in first.headers["Location"]
    page = officer.get(first.headers["Location"]).text
    assert "Đã gửi nhắc nhở tới 1 người (1 người qua thư điện tử)." in page
    second = officer.post(url, data={"unit": unit_id}, follow_redirects=True).text
    assert "không gửi lại" in second
    assert session.scalar(select(func.count()).select_from(Reminder)) == 1
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    short = f"http://localhost/a/{scene['assignment'].id}"
    assert short in page and "<svg" in page and "Lò Văn Thư" in page
    assert f"Hạn hoàn thành: {scene['due'].strftime('%d/%m/%Y')} (còn 20 ngày)." in page
    home = officer.get("/officer").text
    assert "Đã nhắc:" in home and "(1 người, Cán Bộ A)" in home
    pdf = officer.get(f"/assignments/{scene['assignment'].id}/poster.pdf?unit={unit_id}")
    assert pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert scene["course"].title in text and short in text


def test_officer_of_another_subtree_is_refused(app, session, scene):
    other = _client(app, scene["other"])
    url = f"/assignments/{scene['assignment'].id}/remind"
    assert other.post(url, data={"unit": scene["tree"].district_a.id}).status_code == 403
    assert other.post(url, data={"unit": scene["tree"].district_b.id}).status_code == 404
    assert other.get(f"/assignments/{scene['assignment'].id}/message").status_code == 404
    assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_bad_unit_and_missing_assignment(app, scene):
    officer = _client(app, scene["officer"])
    assert officer.post("/assignments/999999/remind", data={"unit": "x"}).status_code == 404
    assert officer.get("/assignments/999999/poster.pdf").status_code == 404
    # Not a number: the officer's own unit is meant.
    response = officer.post(f"/assignments/{scene['assignment'].id}/remind", data={"unit": "x"})
    assert response.status_code == 302


def test_worker_sees_reminder_deadline_and_count(app, session, scene):
    worker = _client(app, scene["worker"])
    home = worker.get("/").text
    # A new assignment (made today) is a notice by itself.
    assert _header_count(home) == 1 and "Chuyên đề mới được giao" in home
    _client(app, scene["officer"]).post(
        f"/assignments/{scene['assignment'].id}/remind", data={"unit": scene["tree"].district_a.id}
    )
    home = worker.get("/").text
    assert _header_count(home) == 2
    # Another page counts the same way (its own queries, not the home page's list).
    assert _header_count(worker.get("/courses/khoa-thu").text) == 2
    assert "Cán Bộ A nhắc bạn học chuyên đề “Khóa học thử”." in home
    assert scene["due"].strftime("%d/%m/%Y") in home
    worker.post("/notices/read")
    home = worker.get("/").text
    assert _header_count(home) == 1 and "Cán Bộ A nhắc bạn" in home
    assert session.scalar(select(Notice.read_at)) is not None


def test_overdue_and_open_contest_round_are_notices(app, session, make, scene):
    scene["assignment"].due_on = federation_today() - dt.timedelta(days=2)
    scene["assignment"].assigned_at = utcnow() - dt.timedelta(days=30)
    contest, round_, _admin = make_contest(session, make, scene["course"])
    worker = _client(app, scene["worker"])
    home = worker.get("/").text
    assert "Quá hạn" in home and "quá hạn 2 ngày" in home
    assert "Đợt thi đang mở" in home and f"/contests/{contest.id}" in home
    assert _header_count(home) == 2
    # Once they have begun the round it is no longer announced.
    enter(session, contest, scene["worker"])
    contest_services.start(session, scene["worker"], round_, utcnow())
    session.commit()
    assert _header_count(worker.get("/").text) == 1


def test_contest_for_other_units_is_not_announced(app, session, make, scene):
    make_contest(session, make, scene["course"], unit_ids=[scene["tree"].district_b.id])
    home = _client(app, scene["worker"]).get("/").text
    assert "Đợt thi đang mở" not in home


def test_short_link_leads_to_the_course(app, scene):
    worker = _client(app, scene["worker"])
    response = worker.get(f"/a/{scene['assignment'].id}")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/khoa-thu"
    assert app.test_client().get(f"/a/{scene['assignment'].id}").status_code == 302
    assert worker.get("/a/999999").status_code == 404


def test_officer_home_counts_per_assignment(app, session, make, scene):
    started = make.user(unit=scene["tree"].grassroots_a)
    started_client = _client(app, started)
    started_client.get("/courses/khoa-thu/lessons/bai-mot")
    page = _client(app, scene["officer"]).get("/officer").text
    card = page.split('class="card assignment"')[1].split("</section>")[0]
    numbers = re.findall(r"<strong>(\d+)</strong>([^<]+)<", card)
    assert [(n, label.strip()) for n, label in numbers] == [
        ("0", "đã hoàn thành"),
        ("1", "đang học"),
        ("1", "chưa bắt đầu"),
    ]
    assert scene["due"].strftime("%d/%m/%Y") in card
