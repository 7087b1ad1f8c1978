"""Home page, health check and the language switch."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from learning import db
from learning.auth.scope import is_member_account
from learning.auth.views import safe_next
from learning.courses.queries import CourseStatus, courses_for_user
from learning.db import utcnow
from learning.enrollment.deadlines import local_today
from learning.enrollment.queries import AssignedCourse, assigned_courses
from learning.i18n import LANGUAGE_COOKIE
from learning.notices.queries import count_of, notices_for

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home() -> str:
    statuses = courses_for_user(db.session, current_user)
    assigned = assigned_courses(db.session, current_user)
    today = local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    notices = (
        notices_for(db.session, current_user, today, utcnow())
        if is_member_account(current_user)
        else []
    )
    if is_member_account(current_user):
        g.notice_count = count_of(notices)  # the header's figure, without asking again
    return render_template(
        "main/home.html",
        user=current_user,
        statuses=statuses,
        up_next=up_next(statuses, assigned),
        assigned=assigned,
        today=today,
        notices=notices,
    )


def up_next(
    statuses: list[CourseStatus], assigned: dict[int, AssignedCourse]
) -> CourseStatus | None:
    """What "Up next" points to: the unfinished assigned course with the nearest deadline
    (undated assignments after dated ones); without one, a course already started, then any
    unfinished course."""
    unfinished = [s for s in statuses if not s.is_complete]
    duties = [s for s in unfinished if s.course.id in assigned]
    if duties:
        far = dt.date.max
        return min(duties, key=lambda s: (assigned[s.course.id].due_on or far, s.course.title))
    started = [s for s in unfinished if s.started]
    return (started or unfinished or [None])[0]


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up"), 200


@bp.post("/language/<lang>")
def set_language(lang: str) -> Response:
    """Remember the chosen language in a cookie (CSRF is checked app-wide)."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.form.get("next")) or url_for("main.home"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response
