"""Personal data (Law on Personal Data Protection): every export and every view of members'
data by an officer is in the audit log, and an officer's exports hold only their subtree."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.courses.models import Course
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.quizzes.services import start_attempt, submit_attempt
from tests.contest_helpers import enter, make_contest
from tests.member_files import template

# endpoint -> (method, path): each shows or exports members' personal data.
AUDITED = {
    "members.index": ("GET", "/members"),
    "members.pending": ("GET", "/members/pending"),
    "members.manage": ("GET", "/members/{member}/manage"),
    "auth.profile": ("GET", "/users/{member}"),
    "reports.transcript_page": ("GET", "/transcript/{member}"),
    "enrollment.officer_home": ("GET", "/officer?unit={district}&course={course}"),
    "enrollment.not_started_export": ("GET", "/officer/not-started.csv?unit={district}&course={course}"),
    "reports.members": ("GET", "/reports/participation/members?unit={district}&course=khoa-thu"),
    "reports.participation_export": ("GET", "/reports/participation.xlsx?unit={district}&course=khoa-thu"),
    "reports.activity_export": ("GET", "/reports/activity.csv?unit={district}&course=khoa-thu"),
    "members.rejected_rows": ("GET", "/members/import/{batch}/rejected.xlsx"),
    "quizzes.attempts": ("GET", "/quizzes/{quiz}/attempts"),
    "contests.entrants": ("GET", "/contests/{contest}/entrants?all=1"),
    "members.reset_password": ("POST", "/members/{member}/reset-password"),
    "members.batch_slips": ("POST", "/members/import/{batch}/slips"),
}  # fmt: skip


@pytest.fixture
def world(app, make, session, final_quiz, auth):
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    admin = make.user(role=Role.ADMIN, unit=tree.province)
    ours = [make.user(unit=tree.grassroots_a, full_name=f"Đoàn viên Trong {n}") for n in range(3)]
    theirs = [make.user(unit=tree.grassroots_b, full_name=f"Người Ngoài {n}") for n in range(3)]
    ours[2].is_pending = True
    assign_course(session, admin, final_quiz.course_id, unit_id=tree.province.id)
    for member in (ours[0], theirs[0]):
        attempt = start_attempt(session, member, final_quiz, utcnow())
        submit_attempt(session, member, attempt.id, utcnow())
    contest, _round, _contest_admin = make_contest(
        session, make, session.get(Course, final_quiz.course_id)
    )
    enter(session, contest, ours[0])
    session.commit()
    auth.login(officer.phone)
    rows = [
        ["Nguyễn Văn Nhập", "0987000333", "", "", "", ""],
        ["", "khong-phai-so", "", "", "", ""],
    ]
    upload = {"unit": str(tree.grassroots_a.id), "file": (io.BytesIO(template(rows)), "ds.xlsx")}
    batch_url = auth._client.post("/members/import", data=upload).headers["Location"]
    auth._client.post(batch_url + "/confirm", data={"skip_invalid": "y"})
    values = {
        "member": ours[0].id,
        "district": tree.district_a.id,
        "course": final_quiz.course_id,
        "quiz": final_quiz.id,
        "batch": int(batch_url.rsplit("/", 1)[1]),
        "contest": contest.id,
    }
    return officer, values, ours, theirs


def _entries(session, actor_id: int) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).where(AuditEntry.actor_id == actor_id))


def test_every_view_and_export_of_personal_data_is_logged(client, session, world):
    officer, values, _ours, _theirs = world
    missing = []
    for endpoint, (method, path) in AUDITED.items():
        before = _entries(session, officer.id)
        response = client.open(path.format(**values), method=method)
        assert response.status_code == 200, (endpoint, response.status_code)
        if _entries(session, officer.id) <= before:
            missing.append(endpoint)
    assert missing == [], f"not in the audit log: {missing}"


def test_an_officers_exports_hold_only_their_subtree(client, world):
    _officer, values, ours, theirs = world
    not_started = client.get(
        "/officer/not-started.csv?unit={district}&course={course}".format(**values)
    ).data.decode("utf-8-sig")
    report = load_workbook(
        io.BytesIO(
            client.get(
                "/reports/participation.xlsx?unit={district}&course=khoa-thu".format(**values)
            ).data
        )
    )
    cells = " ".join(
        str(cell) for sheet in report for row in sheet.iter_rows(values_only=True) for cell in row
    )
    members_page = client.get(
        "/reports/participation/members?unit={district}&course=khoa-thu".format(**values)
    ).text
    assert ours[1].full_name in not_started
    assert "CĐCS Công ty A" in cells
    assert ours[0].full_name in members_page
    for outsider in theirs:
        assert outsider.full_name not in not_started
        assert outsider.full_name not in members_page
    assert "CĐCS Công ty B" not in cells and "phường B" not in cells
    # Asking for a unit outside the subtree is refused, not answered with fewer rows.
    assert client.get("/officer/not-started.csv?unit=1&course=1").status_code in (403, 404)
