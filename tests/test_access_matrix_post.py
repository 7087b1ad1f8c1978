"""Every POST route (walked from the URL map) × every role, with a valid CSRF token, against a
table of expected statuses; a refused request leaves every table exactly as it was.

A route without an entry in POST_MATRIX fails the test, so a new form must say who may send
it. Each request runs inside a savepoint that is rolled back afterwards, so every role meets
the same data and one role's success does not change what the next one sees.

Roles and objects as in tests/test_access_matrix.py: objects belong to unit A (grassroots A,
under district A, whose officer is "officer"; "other_officer" has district B).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.authoring.media import upload_media
from learning.contests import services as contest_services
from learning.courses.models import Course, Lesson, Question
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.models import Base
from learning.org.importer import TEMPLATE_HEADER as UNIT_HEADER
from learning.org.services import set_join_link
from learning.quizzes.services import start_attempt
from learning.uploads.models import ImportBatch
from tests.contest_helpers import enter, make_contest
from tests.course_files import PNG_BYTES
from tests.member_files import template, xlsx

ROLES = ("anonymous", "owner", "other_worker", "officer", "other_officer", "admin")
# What a role gets back. LOGIN: sent to the login page; DONE: done, and redirected onwards.
OK, DONE, LOGIN, BAD, DENY, MISSING = 200, 302, "login", 400, 403, 404
REFUSED = {LOGIN, BAD, DENY, MISSING}
ANYONE_LOGGED_IN = (LOGIN, DONE, DONE, DONE, DONE, DONE)
OWNER_ONLY = (LOGIN, DONE, DENY, DENY, DENY, DENY)
OFFICER_OR_ADMIN = (LOGIN, DENY, DENY, DONE, DENY, DONE)
ADMIN_ONLY = (LOGIN, DENY, DENY, DENY, DENY, DONE)


def _member_file(values: dict[str, Any]) -> dict[str, Any]:
    rows = [["Nguyễn Văn Mới", "0987000111", "", "", "", ""]]
    return {"unit": str(values["unit"]), "file": (io.BytesIO(template(rows)), "ds.xlsx")}


def _unit_file(values: dict[str, Any]) -> dict[str, Any]:
    units = xlsx([UNIT_HEADER, ["MOI-2", "CĐCS Mới Hai", "", values["unit_code"]]])
    return {"file": (io.BytesIO(units), "dv.xlsx")}


def _question_file(values: dict[str, Any]) -> dict[str, Any]:
    return {"file": (io.BytesIO("Câu hỏi mới?{=Đúng ~Sai}".encode()), "q.gift"), "format": ""}


def _media_file(values: dict[str, Any]) -> dict[str, Any]:
    return {"file": (io.BytesIO(PNG_BYTES), "so-do-hai.png")}


LESSON = {
    "title": "Bài mới",
    "body": "Nội dung **mới**.",
    "sources": "blld-2019: Điều 1",
    "is_required": "y",
}
QUESTION = {
    "lesson": "0", "type": "single", "text": "Câu hỏi mới?", "choices-0-text": "Đúng",
    "choices-0-is_correct": "y", "choices-1-text": "Sai", "explanation": "Vì đúng.",
    "source_document": "blld-2019", "source_article": "Điều 1", "difficulty": "medium",
    "tags": "", "scoring": "partial", "true_answer": "",
}  # fmt: skip
CONTEST = {
    "title": "Cuộc thi mới", "rules": "Mỗi người thi một lần.", "unit_codes": "",
    "allows_registration": "y", "is_published": "y", "prize_count": "10",
    "award_min_members": "10", "suspicious_percent": "20",
}  # fmt: skip
ROUND = {
    "opens_at": "2026-12-01T08:00", "closes_at": "2026-12-07T20:00", "courses": "{course}",
    "question_count": "3", "time_limit_minutes": "15", "attempts_allowed": "1",
    "has_prediction": "y", "confirm_exposed": "y",
}  # fmt: skip
Form = dict[str, str] | Callable[[dict[str, Any]], dict[str, Any]]

# endpoint -> (path with {placeholders}, form data (values may hold placeholders), statuses)
POST_MATRIX: dict[str, tuple[str, Form, tuple[Any, ...]]] = {
    "auth.login": ("/login", {"login": "{owner_phone}", "password": "password123"}, (DONE,) * 6),
    "auth.logout": ("/logout", {}, ANYONE_LOGGED_IN),
    "auth.change_password": ("/password", {"current_password": "password123", "new_password": "mat-khau-moi-2026", "confirm": "mat-khau-moi-2026"}, ANYONE_LOGGED_IN),
    "main.set_language": ("/language/en", {"next": "/"}, (DONE,) * 6),
    "courses.complete_lesson": ("/courses/khoa-thu/lessons/bai-mot/done", {}, ANYONE_LOGGED_IN),
    "quizzes.start": ("/quizzes/{quiz}/start", {}, ANYONE_LOGGED_IN),
    "quizzes.save": ("/attempts/{attempt}/save", {"shown": "1", "answer-1": "1", "revision-1": "0"}, OWNER_ONLY),
    "quizzes.submit": ("/attempts/{attempt}/submit", {"shown": "1", "answer-1": "1", "revision-1": "0"}, OWNER_ONLY),
    "members.reset_password": ("/members/{owner}/reset-password", {"format": "pdf"}, (LOGIN, DENY, DENY, OK, DENY, OK)),
    "members.deactivate": ("/members/{owner}/deactivate", {}, OFFICER_OR_ADMIN),
    "members.move": ("/members/{owner}/move", {"unit": "{unit_c}"}, OFFICER_OR_ADMIN),
    "members.decide": ("/members/{pending}/decide", {"approve": "1"}, OFFICER_OR_ADMIN),
    "members.upload": ("/members/import", _member_file, (LOGIN, DENY, DENY, DONE, BAD, DONE)),
    "members.confirm": ("/members/import/{batch}/confirm", {"skip_invalid": "y"}, (LOGIN, DENY, DENY, DONE, MISSING, MISSING)),
    "members.batch_slips": ("/members/import/{done_batch}/slips", {"format": "pdf"}, (LOGIN, DENY, DENY, OK, MISSING, MISSING)),
    "members.reissue": ("/members/import/{done_batch}/slips/new-passwords", {"understood": "y"}, (LOGIN, DENY, DENY, DONE, MISSING, MISSING)),
    "members.join": ("/join/{token}", {"full_name": "Trần Thị Đăng Ký", "phone": "0987000222", "password": "mat-khau-dang-ky", "confirm": "mat-khau-dang-ky"}, (OK,) * 6),
    "org.create": ("/units/new", {"code": "MOI-9", "name": "CĐCS Mới Chín", "kind": "grassroots", "parent": "{unit}"}, (LOGIN, DENY, DENY, DONE, BAD, DONE)),
    "org.rename": ("/units/{unit_c}/rename", {"name": "CĐCS Đổi Tên", "kind": "grassroots"}, OFFICER_OR_ADMIN),
    "org.move": ("/units/{unit_c}/move", {"move-target": "{unit}"}, OFFICER_OR_ADMIN),
    "org.merge": ("/units/{unit_c}/merge", {"merge-target": "{unit}"}, OFFICER_OR_ADMIN),
    "org.deactivate": ("/units/{unit_c}/deactivate", {}, OFFICER_OR_ADMIN),
    "org.join_link": ("/units/{unit_c}/join-link", {"enabled": "y"}, OFFICER_OR_ADMIN),
    "org.import_upload": ("/units/import", _unit_file, (LOGIN, DENY, DENY, DONE, DONE, DONE)),
    "org.import_confirm": ("/units/import/{unit_batch}/confirm", {}, (LOGIN, DENY, DENY, DONE, MISSING, MISSING)),
    "enrollment.assign": ("/assignments", {"course": "{course}", "unit": "{unit_c}"}, (LOGIN, DENY, DENY, DONE, BAD, DONE)),
    "enrollment.remove": ("/assignments/{assignment}/remove", {}, OFFICER_OR_ADMIN),
    "notices.remind": ("/assignments/{assignment}/remind", {"unit": "{unit}"}, OFFICER_OR_ADMIN),
    "notices.mark_read": ("/notices/read", {}, ANYONE_LOGGED_IN),
    "authoring.create_course": ("/admin/courses", {"slug": "khoa-moi", "title": "Khoá mới", "summary": ""}, ADMIN_ONLY),
    "authoring.update_course": ("/admin/courses/{course}", {"title": "Khoá thử, tên mới", "summary": ""}, ADMIN_ONLY),
    "authoring.quiz_settings": ("/admin/courses/{course}/quiz", {"question_count": "3", "time_limit_minutes": "10", "pass_percent": "70", "attempts_allowed": "0", "grading_method": "highest"}, ADMIN_ONLY),
    "authoring.upload_media": ("/admin/courses/{course}/media", _media_file, ADMIN_ONLY),
    "authoring.approve_upload": ("/admin/courses/{course}/uploads/{upload}/approve", {}, ADMIN_ONLY),
    "authoring.course_step": ("/admin/courses/{course}/step", {"step": "retire"}, ADMIN_ONLY),
    "authoring.create_lesson": ("/admin/courses/{course}/lessons/new", LESSON, ADMIN_ONLY),
    "authoring.update_lesson": ("/admin/lessons/{lesson}", LESSON, ADMIN_ONLY),
    "authoring.lesson_step": ("/admin/lessons/{lesson}/step", {"step": "retire"}, ADMIN_ONLY),
    "authoring.move_lesson": ("/admin/lessons/{lesson}/move", {"to": "down"}, ADMIN_ONLY),
    "authoring.bulk": ("/admin/questions/bulk", {"ids": "{question}", "action": "tag", "tag": "mới"}, ADMIN_ONLY),
    "authoring.create_question": ("/admin/questions/new?course={course}", QUESTION, ADMIN_ONLY),
    "authoring.update_question": ("/admin/questions/{question}", QUESTION, ADMIN_ONLY),
    "authoring.question_step": ("/admin/questions/{question}/step", {"step": "retire"}, ADMIN_ONLY),
    "authoring.mark_lesson_reviewed": ("/admin/review/lessons/{lesson}", {}, ADMIN_ONLY),
    "authoring.mark_question_reviewed": ("/admin/review/questions/{question}", {}, ADMIN_ONLY),
    "contests.register": ("/contests/{contest}/register", {"full_name": "Lê Văn Dự Thi", "phone": "0987000333", "unit": "{unit}", "category": "member", "birth_year": "1990", "gender": "", "password": "mat-khau-du-thi", "confirm": "mat-khau-du-thi"}, (DONE,) * 6),
    "contests.join": ("/contests/{contest}/join", {"unit": "{unit}", "category": "member"}, ANYONE_LOGGED_IN),
    "contests.start": ("/rounds/{round}/start", {}, OWNER_ONLY),  # only entrants start
    "contests.finish": ("/contest-attempts/{contest_attempt}/finish", {"prediction": "5"}, OWNER_ONLY),
    "contests.confirm": ("/contests/{contest}/entrants/{entrant}", {"unit": "{unit}", "category": "official"}, OFFICER_OR_ADMIN),
    "contests.create": ("/admin/contests/new", CONTEST, ADMIN_ONLY),
    "contests.update": ("/admin/contests/{contest}", CONTEST, ADMIN_ONLY),
    "contests.create_round": ("/admin/contests/{contest}/rounds/new", ROUND, ADMIN_ONLY),
    "contests.update_round": ("/admin/rounds/{round}", ROUND, ADMIN_ONLY),
    "exchange.upload": ("/exchange/khoa-thu/import", _question_file, ADMIN_ONLY),
    "exchange.confirm": ("/exchange/imports/{question_batch}/confirm", {"only_valid": "y"}, (LOGIN, DENY, DENY, DENY, DENY, DONE)),
}  # fmt: skip


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_every_post_route_has_an_entry(app):
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert routes - set(POST_MATRIX) == set(), "add the new routes to POST_MATRIX"
    assert set(POST_MATRIX) - routes == set()


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def world(app, make, session, final_quiz):
    tree = make.tree()
    unit_c = make.unit("CĐCS Công ty C", parent=tree.district_a)
    people = {
        "owner": make.user(unit=tree.grassroots_a),
        "other_worker": make.user(unit=tree.grassroots_b),
        "officer": make.user(role=Role.OFFICER, unit=tree.district_a),
        "other_officer": make.user(role=Role.OFFICER, unit=tree.district_b),
        "admin": make.user(role=Role.ADMIN, unit=tree.province),
    }
    pending = make.user(unit=tree.grassroots_a)
    pending.is_pending = True
    set_join_link(session, people["admin"], tree.grassroots_a, enabled=True, automatic=False)
    assignment = assign_course(
        session, people["admin"], final_quiz.course_id, unit_id=tree.grassroots_a.id
    )
    attempt = start_attempt(session, people["owner"], final_quiz, utcnow())
    contest, round_, contest_admin = make_contest(
        session, make, session.get(Course, final_quiz.course_id)
    )
    # A file another admin uploaded, waiting for a second admin's approval.
    upload = upload_media(
        session, contest_admin, session.get(Course, final_quiz.course_id), "moi.png", PNG_BYTES
    )
    entrant = enter(session, contest, people["owner"])
    contest_attempt = contest_services.start(session, people["owner"], round_, utcnow())
    session.commit()

    # The officer's uploads, through the app (CSRF is off for this setup client only).
    app.config["WTF_CSRF_ENABLED"] = False
    setup = app.test_client()
    setup.post("/login", data={"login": people["officer"].phone, "password": "password123"})
    values = {"unit": tree.grassroots_a.id, "unit_code": tree.grassroots_a.code}
    for _ in range(2):
        setup.post("/members/import", data=_member_file(values))
    setup.post("/units/import", data=_unit_file(values))
    batches = session.scalars(
        select(ImportBatch.id).where(ImportBatch.kind == "members").order_by(ImportBatch.id)
    ).all()
    setup.post(f"/members/import/{batches[1]}/confirm", data={"skip_invalid": "y"})
    admin = app.test_client()
    admin.post("/login", data={"login": people["admin"].phone, "password": "password123"})
    admin.post("/exchange/khoa-thu/import", data=_question_file(values))
    app.config["WTF_CSRF_ENABLED"] = True

    values.update(
        owner=people["owner"].id,
        owner_phone=people["owner"].phone,
        pending=pending.id,
        quiz=final_quiz.id,
        attempt=attempt.id,
        batch=batches[0],
        done_batch=batches[1],
        unit_batch=session.scalar(select(ImportBatch.id).where(ImportBatch.kind == "units")),
        question_batch=session.scalar(
            select(ImportBatch.id).where(ImportBatch.kind == "questions")
        ),
        unit_c=unit_c.id,
        course=final_quiz.course_id,
        contest=contest.id,
        round=round_.id,
        entrant=entrant.id,
        contest_attempt=contest_attempt.id,
        lesson=session.scalar(select(Lesson.id).order_by(Lesson.position)),
        question=session.scalar(select(Question.id).order_by(Question.id)),
        token=tree.grassroots_a.join_token,
        assignment=assignment.id,
        upload=upload.id,
    )
    return people, values


def _signed_in(app, people) -> dict[str, tuple[str | None, str]]:
    """Each role's session cookie and a valid CSRF token of that session."""
    found = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            token = _token(client.get("/login").text)
            response = client.post(
                "/login",
                data={"login": people[role].phone, "password": "password123", "csrf_token": token},
            )
            assert response.status_code == 302, role
        page = client.get("/login" if role == "anonymous" else "/password").text
        cookie = client.get_cookie("session")
        found[role] = (cookie.value if cookie else None, _token(page))
    return found


def fingerprint(connection) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: equal fingerprints, unchanged database."""
    return {
        table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
        for table in Base.metadata.sorted_tables
    }


def _form(form: Form, values: dict[str, Any], token: str) -> dict[str, Any]:
    data = form(values) if callable(form) else {k: v.format(**values) for k, v in form.items()}
    return {**data, "csrf_token": token}


def _outcome(response) -> Any:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    return response.status_code


def test_post_access_matrix(app, world, connection):
    people, values = world
    sessions = _signed_in(app, people)
    wrong = []
    for endpoint, (path, form, expected) in POST_MATRIX.items():
        url = path.format(**values)
        for role, status in zip(ROLES, expected, strict=True):
            cookie, token = sessions[role]
            client = app.test_client()
            if cookie:
                client.set_cookie("session", cookie)
            savepoint = connection.begin_nested()
            before = fingerprint(connection) if status in REFUSED else None
            response = client.post(url, data=_form(form, values, token))
            got = _outcome(response)
            if got != status:
                wrong.append(f"{endpoint} as {role}: {got}, expected {status}")
            elif before is not None and fingerprint(connection) != before:
                wrong.append(f"{endpoint} as {role}: refused with {got} but changed the data")
            if "Biểu mẫu đã hết hạn".encode() in response.data:
                wrong.append(f"{endpoint} as {role}: the valid CSRF token was refused")
            savepoint.rollback()
    assert not wrong, "\n".join(wrong)
