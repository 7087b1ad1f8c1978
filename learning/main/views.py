"""Home page, health check, the language switch, and what makes the app installable and
readable offline: the web app manifest, the service worker and the offline page."""

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
    send_from_directory,
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
from learning.i18n import LANGUAGE_COOKIE, get_locale
from learning.i18n import gettext as _
from learning.notices.queries import count_of, notices_for

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home() -> str:
    statuses = courses_for_user(db.session, current_user)
    assigned = assigned_courses(db.session, current_user)
    today = local_today(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    notices = (
        notices_for(db.session, current_user, today, utcnow(), assigned=assigned)
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


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: the app's name in the user's language, icons, start page."""
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192",
         "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512",
         "type": "image/png"},
        {"src": url_for("static", filename="icons/maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
        {"src": url_for("static", filename="favicon.svg"), "sizes": "any",
         "type": "image/svg+xml"},
    ]  # fmt: skip
    response = jsonify(
        name=_("Union learning"),
        short_name=_("Union learning"),
        description=_("Courses and quizzes for trade-union members, on the phone."),
        lang=str(get_locale() or "vi"),
        start_url=url_for("main.home"),
        scope="/",
        display="standalone",
        background_color="#f4f1ec",
        theme_color="#a61b1b",
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the site's root so that its scope is the whole site; never
    cached by the browser's HTTP cache, so that a new version is picked up at once."""
    response = send_from_directory(
        current_app.static_folder or "static", "js/sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline() -> str:
    """What the service worker shows offline for a page it has not stored. The same for
    everyone (no menu, nothing personal): it is stored when the service worker installs."""
    return render_template("main/offline.html", hide_nav=True)
