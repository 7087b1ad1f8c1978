"""Every GET route (walked from the URL map) × every role, against a table of expected
statuses. A route without an entry in the table fails the test, so new routes must say who
may see them.

Roles: anonymous, the worker who owns the data, a worker of another unit, the officer over
the owner's unit, an officer of another subtree, an admin. Objects belong to unit A.
"""

import io

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.authoring.media import upload_media
from learning.contests import services as contest_services
from learning.courses.models import Course, Lesson, Question
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.org.importer import TEMPLATE_HEADER as UNIT_HEADER
from learning.org.services import set_join_link
from learning.quizzes.models import Attempt
from learning.uploads.models import ImportBatch
from tests.contest_helpers import enter, make_contest
from tests.course_files import PNG_BYTES
from tests.member_files import template, xlsx


def final_quiz_course(session, quiz):
    return session.get(Course, quiz.course_id)


ROLES = ("anonymous", "owner", "other_worker", "officer", "other_officer", "admin")
OK, LOGIN, DENY, MISSING, HOME = 200, 302, 403, 404, 302

# endpoint -> (path with {placeholders}, statuses for ROLES)
MATRIX = {
    "main.home": ("/", (LOGIN, OK, OK, OK, OK, OK)),
    "main.healthz": ("/healthz", (OK,) * 6),
    "main.manifest": ("/manifest.webmanifest", (OK,) * 6),
    "main.service_worker": ("/sw.js", (OK,) * 6),
    "main.offline": ("/offline", (OK,) * 6),
    "auth.login_form": ("/login", (OK, HOME, HOME, HOME, HOME, HOME)),
    "auth.change_password_form": ("/password", (LOGIN, OK, OK, OK, OK, OK)),
    "auth.profile": ("/users/{owner}", (LOGIN, OK, DENY, OK, DENY, OK)),
    "reports.transcript_page": ("/transcript/{owner}", (LOGIN, OK, DENY, OK, DENY, OK)),
    "courses.course": ("/courses/khoa-thu", (LOGIN, OK, OK, OK, OK, OK)),
    "courses.lesson": ("/courses/khoa-thu/lessons/bai-mot", (LOGIN, OK, OK, OK, OK, OK)),
    "courses.media": ("/courses/khoa-thu/lessons/media/so-do.png", (LOGIN, OK, OK, OK, OK, OK)),
    "courses.certificate_pdf": ("/courses/khoa-thu/certificate.pdf", (LOGIN, MISSING, MISSING, MISSING, MISSING, MISSING)),
    "courses.verify": ("/verify/AAAA-BBBB-CCCC", (MISSING,) * 6),
    "courses.verify_form": ("/verify", (OK,) * 6),
    "courses.search": ("/search?q=hop", (LOGIN, OK, OK, OK, OK, OK)),
    "quizzes.intro": ("/quizzes/{quiz}", (LOGIN, OK, OK, OK, OK, OK)),
    "quizzes.attempt": ("/attempts/{attempt}", (LOGIN, LOGIN, DENY, DENY, DENY, DENY)),
    "quizzes.summary": ("/attempts/{attempt}/summary", (LOGIN, LOGIN, DENY, DENY, DENY, DENY)),
    "quizzes.result": ("/attempts/{attempt}/result", (LOGIN, OK, DENY, OK, DENY, OK)),
    "quizzes.attempts": ("/quizzes/{quiz}/attempts", (LOGIN, DENY, DENY, OK, OK, OK)),
    "members.index": ("/members", (LOGIN, DENY, DENY, OK, OK, OK)),
    "members.manage": ("/members/{owner}/manage", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "members.import_form": ("/members/import", (LOGIN, DENY, DENY, OK, OK, OK)),
    "members.import_template": ("/members/import/template.xlsx", (LOGIN, DENY, DENY, OK, OK, OK)),
    "members.preview": ("/members/import/{batch}", (LOGIN, DENY, DENY, OK, MISSING, MISSING)),
    "members.rejected_rows": ("/members/import/{batch}/rejected.xlsx", (LOGIN, DENY, DENY, OK, MISSING, MISSING)),
    "members.reissue_form": ("/members/import/{batch}/slips/new-passwords", (LOGIN, DENY, DENY, OK, MISSING, MISSING)),
    "members.pending": ("/members/pending", (LOGIN, DENY, DENY, OK, OK, OK)),
    "members.join_form": ("/join/{token}", (OK,) * 6),
    "org.index": ("/units", (LOGIN, DENY, DENY, OK, OK, OK)),
    "org.new": ("/units/new", (LOGIN, DENY, DENY, OK, OK, OK)),
    "org.import_form": ("/units/import", (LOGIN, DENY, DENY, OK, OK, OK)),
    "org.import_preview": ("/units/import/{unit_batch}", (LOGIN, DENY, DENY, OK, MISSING, MISSING)),
    "org.show": ("/units/{unit}", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "org.join_qr": ("/units/{unit}/join-qr.svg", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "org.search": ("/units/search?q=cong", (OK,) * 6),
    "enrollment.officer_home": ("/officer?unit={unit}", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "enrollment.not_started_export": ("/officer/not-started.csv?unit={unit}&course={course}", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.participation": ("/reports/participation?unit={unit}&course=khoa-thu", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.participation_export": ("/reports/participation.xlsx?unit={unit}&course=khoa-thu", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.members": ("/reports/participation/members?unit={unit}&course=khoa-thu", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.activity_page": ("/reports/activity?unit={unit}&course=khoa-thu", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.activity_export": ("/reports/activity.csv?unit={unit}&course=khoa-thu", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "reports.items_page": ("/reports/items/{quiz}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "exchange.index": ("/exchange", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "exchange.template": ("/exchange/template.xlsx", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "exchange.course": ("/exchange/khoa-thu", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "exchange.export": ("/exchange/khoa-thu/export/gift", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "exchange.preview": ("/exchange/imports/{question_batch}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.courses": ("/admin/courses", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.media": ("/admin/courses/{course}/media/so-do.png", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.upload_file": ("/admin/courses/{course}/uploads/{upload}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.course": ("/admin/courses/{course}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.new_lesson": ("/admin/courses/{course}/lessons/new", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.lesson": ("/admin/lessons/{lesson}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.lesson_history": ("/admin/lessons/{lesson}/history", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.bank": ("/admin/questions?course={course}&q=hop", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.new_question": ("/admin/questions/new?course={course}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.question": ("/admin/questions/{question}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.question_history": ("/admin/questions/{question}/history", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "authoring.review": ("/admin/review", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.index": ("/contests", (OK,) * 6),
    "contests.show": ("/contests/{contest}", (OK,) * 6),
    "contests.register_form": ("/contests/{contest}/register?q=thu", (OK,) * 6),
    "contests.round_page": ("/rounds/{round}", (LOGIN, OK, OK, OK, OK, OK)),
    "contests.finish_form": ("/contest-attempts/{contest_attempt}/finish", (LOGIN, OK, DENY, DENY, DENY, DENY)),
    "contests.ranking": ("/rounds/{round}/ranking", (LOGIN, OK, OK, OK, OK, OK)),
    "contests.prizes": ("/rounds/{round}/prizes.xlsx", (LOGIN, DENY, DENY, DENY, DENY, 409)),
    "contests.awards": ("/contests/{contest}/awards", (LOGIN, DENY, DENY, OK, OK, OK)),
    "contests.suspicious": ("/contests/{contest}/suspicious", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.entrants": ("/contests/{contest}/entrants", (LOGIN, DENY, DENY, OK, OK, OK)),
    "contests.admin_index": ("/admin/contests", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.new_form": ("/admin/contests/new", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.edit_form": ("/admin/contests/{contest}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.new_round_form": ("/admin/contests/{contest}/rounds/new", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "contests.edit_round_form": ("/admin/rounds/{round}", (LOGIN, DENY, DENY, DENY, DENY, OK)),
    "notices.short_link": ("/a/{assignment}", (LOGIN, HOME, HOME, HOME, HOME, HOME)),
    "notices.message": ("/assignments/{assignment}/message?unit={unit}", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "notices.poster": ("/assignments/{assignment}/poster.pdf?unit={unit}", (LOGIN, DENY, DENY, OK, DENY, OK)),
    "static": ("/static/css/app.css", (OK,) * 6),
}  # fmt: skip


def test_every_get_route_has_an_entry(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert routes - set(MATRIX) == set(), "add the new routes to MATRIX with who may see them"
    assert set(MATRIX) - routes == set()


@pytest.fixture
def world(app, make, session, final_quiz):
    tree = make.tree()
    people = {
        "owner": make.user(unit=tree.grassroots_a),
        "other_worker": make.user(unit=tree.grassroots_b),
        "officer": make.user(role=Role.OFFICER, unit=tree.district_a),
        "other_officer": make.user(role=Role.OFFICER, unit=tree.district_b),
        "admin": make.user(role=Role.ADMIN, unit=tree.province),
    }
    set_join_link(session, people["admin"], tree.grassroots_a, enabled=True, automatic=False)
    assignment = assign_course(
        session, people["admin"], final_quiz.course_id, unit_id=tree.grassroots_a.id
    )
    session.commit()
    owner = app.test_client()
    owner.post("/login", data={"login": people["owner"].phone, "password": "password123"})
    attempt_url = owner.post(f"/quizzes/{final_quiz.id}/start").headers["Location"]
    owner.post(attempt_url + "/submit")
    officer = app.test_client()
    officer.post("/login", data={"login": people["officer"].phone, "password": "password123"})
    batch_url = officer.post(
        "/members/import",
        data={"unit": str(tree.grassroots_a.id), "file": (io.BytesIO(template([])), "x.xlsx")},
    ).headers["Location"]
    officer.post(batch_url + "/confirm")  # the slips pages need a confirmed import
    contest, round_, _contest_admin = make_contest(
        session, make, final_quiz_course(session, final_quiz)
    )
    enter(session, contest, people["owner"])
    contest_attempt = contest_services.start(session, people["owner"], round_, utcnow())
    upload = upload_media(
        session, _contest_admin, final_quiz_course(session, final_quiz), "moi.png", PNG_BYTES
    )
    session.commit()
    units = xlsx([UNIT_HEADER, ["MOI-1", "CĐCS Mới", "", tree.grassroots_a.code]])
    officer.post("/units/import", data={"file": (io.BytesIO(units), "dv.xlsx")})
    admin = app.test_client()
    admin.post("/login", data={"login": people["admin"].phone, "password": "password123"})
    admin.post(
        "/exchange/khoa-thu/import",
        data={"file": (io.BytesIO("Câu hỏi?{=a ~b}".encode()), "x.gift"), "format": ""},
    )
    values = {
        "owner": people["owner"].id,
        "quiz": final_quiz.id,
        "attempt": session.scalar(select(Attempt.id).order_by(Attempt.id)),
        "batch": session.scalar(select(ImportBatch.id).where(ImportBatch.kind == "members")),
        "unit_batch": session.scalar(select(ImportBatch.id).where(ImportBatch.kind == "units")),
        "question_batch": session.scalar(
            select(ImportBatch.id).where(ImportBatch.kind == "questions")
        ),
        "unit": tree.grassroots_a.id,
        "course": final_quiz.course_id,
        "token": tree.grassroots_a.join_token,
        "lesson": session.scalar(select(Lesson.id)),
        "question": session.scalar(select(Question.id)),
        "contest": contest.id,
        "round": round_.id,
        "contest_attempt": contest_attempt.id,
        "upload": upload.id,
        "assignment": assignment.id,
    }
    return people, values


def test_access_matrix(app, world):
    people, values = world
    clients = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        clients[role] = app.test_client()
        clients[role].post("/login", data={"login": people[role].phone, "password": "password123"})
    wrong = []
    for endpoint, (path, expected) in MATRIX.items():
        url = path.format(**values)
        for role, status in zip(ROLES, expected, strict=True):
            response = clients[role].get(url)
            if response.status_code != status:
                wrong.append(f"{endpoint} as {role}: {response.status_code}, expected {status}")
            # Security headers on every response, whoever asks and whatever the answer.
            csp = response.headers.get("Content-Security-Policy", "")
            if "frame-ancestors 'none'" not in csp or "'unsafe-inline'" in csp:
                wrong.append(f"{endpoint} as {role}: Content-Security-Policy {csp!r}")
            if response.headers.get("X-Content-Type-Options") != "nosniff":
                wrong.append(f"{endpoint} as {role}: no X-Content-Type-Options")
    assert wrong == [], "\n".join(wrong)
